-- Every status change of an account, with where in the account's ledger it
-- took effect: `last_entry_id` is the account's newest entry when the
-- change committed (it is read under the account's row lock, which every
-- posting to a wallet holds). So "no debit after the freeze" is a query:
-- no debit entry of the account between a freeze's `last_entry_id` and the
-- next change's.
CREATE TABLE account_status_changes (
    id             bigserial PRIMARY KEY,
    account        text NOT NULL,
    status         text NOT NULL CHECK (status IN ('open', 'frozen', 'closed')),
    reason         text NOT NULL,
    actor          text NOT NULL,
    command_id     text NOT NULL UNIQUE,
    last_entry_id  bigint NOT NULL,
    changed_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_status_changes_account ON account_status_changes (account, id);
