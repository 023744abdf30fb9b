-- The open world (issue 31): wallets opened by `account.open` with a
-- purpose, frozen by operators, and money in and out through payment
-- gateways, each gateway with a clearing account (`gateway.<g>.<CUR>`)
-- and a payout account for withdrawals not yet settled (`payout.<g>.<CUR>`).
-- A portfolio wallet is also flagged `portfolio` (migration 0009): milestones
-- of projects that do not name it are not paid into it.
ALTER TABLE accounts ADD COLUMN purpose text CHECK (purpose IN ('personal', 'portfolio', 'business', 'savings'));
ALTER TABLE accounts DROP CONSTRAINT accounts_status_check,
    ADD CONSTRAINT accounts_status_check CHECK (status IN ('open', 'frozen', 'closed'));
ALTER TABLE accounts DROP CONSTRAINT accounts_kind_check,
    ADD CONSTRAINT accounts_kind_check CHECK (kind IN ('wallet', 'escrow', 'clearing', 'fees', 'lender', 'gateway', 'payout'));

-- A gateway's payment credits once, for ever: the accounts worker claims
-- `(gateway, external_id)` here in the deposit's own transaction (a
-- concurrent claim of the same payment waits, then sees it taken). A
-- deposit refused for another reason gives its claim back.
CREATE TABLE deposits (
    command_id   text PRIMARY KEY,
    gateway      text NOT NULL,
    external_id  text NOT NULL,
    account      text NOT NULL,
    amount       bigint NOT NULL CHECK (amount > 0),
    currency     char(3) NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (gateway, external_id)
);

-- Money out in two phases: requested (the amount sits in the gateway's
-- payout account), then exactly once settled (to the gateway) or failed
-- (back to the wallet). The id is the requesting command's.
CREATE TABLE withdrawals (
    id              text PRIMARY KEY,
    account         text NOT NULL,
    gateway         text NOT NULL,
    destination     text NOT NULL,
    amount          bigint NOT NULL CHECK (amount > 0),
    currency        char(3) NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'settled', 'failed')),
    requested_at    timestamptz NOT NULL DEFAULT now(),
    decided_at      timestamptz,
    decided_by      text,
    external_id     text,
    failure_reason  text,
    CHECK ((status = 'pending') = (decided_by IS NULL))
);
CREATE INDEX withdrawals_pending ON withdrawals (requested_at) WHERE status = 'pending';
CREATE INDEX withdrawals_account ON withdrawals (account) WHERE status = 'pending';

-- A deposit into a business or portfolio wallet is income; into a
-- personal or savings wallet, the owner's own money (`own_transfer`).
INSERT INTO tax_categories (part, category) VALUES ('deposit_income', 'income');

-- Users are told of every step of their money in and out, and of what
-- operators did to their wallets.
INSERT INTO notification_rules (kind, event_type) VALUES
    ('event', 'account.opened'), ('event', 'account.frozen'), ('event', 'account.unfrozen'), ('event', 'account.closed'),
    ('event', 'account.rejected'), ('event', 'deposit.completed'), ('event', 'deposit.rejected'),
    ('event', 'withdrawal.requested'), ('event', 'withdrawal.settled'), ('event', 'withdrawal.failed'),
    ('event', 'withdrawal.rejected');
