-- The open world, part 2 (issue 32): milestones funded by `milestone.fund`
-- (partial fundings add up), cancelled by `milestone.cancel` (the escrow goes
-- back to the wallets that funded it), and debts opened by `debt.open`.
ALTER TABLE milestones DROP CONSTRAINT milestones_status_check,
    ADD CONSTRAINT milestones_status_check CHECK (status IN ('pending', 'funded', 'completed', 'cancelled'));
-- The cancellation, once cancelled: who (the client's id, or `operator`
-- with the actor who sent it), why, and what went back.
ALTER TABLE milestones ADD COLUMN cancelled_by text, ADD COLUMN cancel_actor text, ADD COLUMN cancel_reason text,
    ADD COLUMN cancel_command text, ADD COLUMN returned bigint, ADD COLUMN cancelled_at timestamptz,
    ADD CONSTRAINT milestones_cancelled_once CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL));

-- A debt opened by command: where its principal came from (`disbursed`:
-- the lender's account paid it into the wallet; otherwise it is owed for
-- money lent elsewhere) and the command that opened it.
ALTER TABLE debts ADD COLUMN disbursed boolean NOT NULL DEFAULT false, ADD COLUMN open_command text;

-- Both parties are told of fundings and cancellations; the client of a
-- refused funding or cancellation; the borrower of a debt opened or refused.
INSERT INTO notification_rules (kind, event_type) VALUES
    ('event', 'milestone.funded'), ('event', 'milestone.funding_rejected'), ('event', 'milestone.cancelled'),
    ('event', 'milestone.cancellation_rejected'), ('event', 'debt.opened'), ('event', 'debt.opening_rejected');
