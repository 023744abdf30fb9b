-- What a key may move (issue 33): the accounts it may debit (null: any)
-- and, per currency, the most one command may move in minor units
-- (`{"USD": 50000}`; a currency not listed has no ceiling).
ALTER TABLE api_keys
    ADD COLUMN debit_accounts text[],
    ADD COLUMN ceilings jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(ceilings) = 'object');

-- A command above its key's ceiling, held until an operator with another
-- key approves it (then published, as its submitter sent it) or declines
-- it (never published). A record of who decided: never deleted.
CREATE TABLE command_approvals (
    command_id text PRIMARY KEY REFERENCES api_submissions (command_id),
    command_type text NOT NULL,
    body text NOT NULL,                    -- exactly as submitted
    submitted_by text NOT NULL,            -- the submitting key's id
    submitted_by_name text NOT NULL,
    debit_account text NOT NULL,
    amount bigint NOT NULL,
    currency text NOT NULL,
    ceiling bigint NOT NULL,
    held_at timestamptz NOT NULL DEFAULT now(),
    decision text CHECK (decision IN ('approved', 'declined')),
    decided_by text,                       -- the deciding key's id
    decided_by_name text,
    decided_at timestamptz,
    reason text,
    CHECK ((decision IS NULL) = (decided_by IS NULL) AND (decision IS NULL) = (decided_at IS NULL)),
    CHECK (decided_by IS DISTINCT FROM submitted_by)
);
CREATE INDEX command_approvals_pending ON command_approvals (held_at) WHERE decision IS NULL;
-- Held and decided by the API; read by the operator's CLI; never deleted.
REVOKE ALL ON command_approvals FROM flexfin_worker;
REVOKE DELETE ON command_approvals FROM flexfin_api, flexfin_operator;
