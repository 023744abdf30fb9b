-- Users, the accounts money lives in, and the double-entry ledger.
-- Money is bigint minor units with an ISO 4217 currency code; never floating point.

CREATE TABLE users (
    id          text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- User wallets and system accounts (escrow, external clearing, platform
-- fees) share one table, so every ledger entry references one table and
-- "entries sum to zero" is one query. The views below give each its name.
CREATE TABLE accounts (
    id          text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
    kind        text NOT NULL CHECK (kind IN ('wallet', 'escrow', 'clearing', 'fees')),
    user_id     text REFERENCES users (id),
    currency    char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    balance     bigint NOT NULL DEFAULT 0,
    -- Bumped on every balance change; the cache keeps only the newest.
    version     bigint NOT NULL DEFAULT 0,
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT wallet_has_owner CHECK ((kind = 'wallet') = (user_id IS NOT NULL)),
    CONSTRAINT wallet_never_negative CHECK (kind <> 'wallet' OR balance >= 0)
);
CREATE INDEX accounts_user ON accounts (user_id);

CREATE VIEW wallets AS
    SELECT id, user_id, currency, balance, version, status, created_at FROM accounts WHERE kind = 'wallet';
CREATE VIEW system_accounts AS
    SELECT id, kind, currency, balance, version, status, created_at FROM accounts WHERE kind <> 'wallet';

-- One row per applied money movement; its ledger entries sum to zero.
CREATE TABLE transfers (
    id              bigserial PRIMARY KEY,
    command_id      text NOT NULL UNIQUE CHECK (length(command_id) BETWEEN 1 AND 64),
    kind            text NOT NULL,
    debit_account   text NOT NULL REFERENCES accounts (id),
    credit_account  text NOT NULL REFERENCES accounts (id),
    amount          bigint NOT NULL CHECK (amount > 0),
    currency        char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    memo            text,
    reference       text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (debit_account <> credit_account)
);

-- Signed amounts: negative leaves an account, positive enters it.
CREATE TABLE ledger_entries (
    id          bigserial PRIMARY KEY,
    transfer_id bigint NOT NULL REFERENCES transfers (id),
    account_id  text NOT NULL REFERENCES accounts (id),
    amount      bigint NOT NULL CHECK (amount <> 0),
    currency    char(3) NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_transfer ON ledger_entries (transfer_id);
CREATE INDEX ledger_entries_account ON ledger_entries (account_id);
