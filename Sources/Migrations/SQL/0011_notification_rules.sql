-- What users are notified of is data: one row per rule.
--   event:                  each user of an event of `event_type` is told
--   low_balance:            a wallet falling below `threshold_minor_units` (of
--                           `currency`) or `threshold_percent` of its 30-day
--                           average balance: once per crossing
--   large_incoming_payment: a payment received at or above
--                           `threshold_minor_units` of `currency`
CREATE TABLE notification_rules (
    id                     serial PRIMARY KEY,
    kind                   text NOT NULL CHECK (kind IN ('event', 'low_balance', 'large_incoming_payment')),
    event_type             text,
    threshold_minor_units  bigint CHECK (threshold_minor_units > 0),
    currency               char(3) CHECK (currency ~ '^[A-Z]{3}$'),
    threshold_percent      integer CHECK (threshold_percent BETWEEN 1 AND 100),
    enabled                boolean NOT NULL DEFAULT true,
    CHECK ((kind = 'event') = (event_type IS NOT NULL)),
    CHECK (kind <> 'large_incoming_payment' OR (threshold_minor_units IS NOT NULL AND currency IS NOT NULL)),
    CHECK (kind <> 'low_balance' OR ((threshold_minor_units IS NOT NULL AND currency IS NOT NULL) <> (threshold_percent IS NOT NULL)))
);
INSERT INTO notification_rules (kind, event_type) VALUES
    ('event', 'payment.completed'), ('event', 'payment.rejected'),
    ('event', 'milestone.completed'), ('event', 'milestone.rejected'),
    ('event', 'debt.repaid'), ('event', 'debt.paid_off'), ('event', 'debt.repayment_rejected'),
    ('event', 'risk.changed');
-- "If a wallet's balance falls below 20 % of its usual level, tell the user."
INSERT INTO notification_rules (kind, threshold_percent) VALUES ('low_balance', 20);
INSERT INTO notification_rules (kind, threshold_minor_units, currency) VALUES ('large_incoming_payment', 100000, 'USD');

-- A notification is one (event, user, kind, subject): an event's own
-- notice, or an alert it caused (subject: the wallet).
ALTER TABLE notifications ADD COLUMN kind text NOT NULL DEFAULT 'event',
    ADD COLUMN subject text NOT NULL DEFAULT '';
ALTER TABLE notifications DROP CONSTRAINT notifications_pkey, ADD PRIMARY KEY (event_id, user_id, kind, subject);

-- Per low-balance rule and wallet: below the threshold when last seen, at
-- which account version. An alert fires on the way down only.
CREATE TABLE balance_alert_states (
    rule_id  integer NOT NULL REFERENCES notification_rules (id),
    wallet   text NOT NULL,
    below    boolean NOT NULL,
    version  bigint NOT NULL,
    PRIMARY KEY (rule_id, wallet)
);

-- Unread notifications per user, versioned so the cache keeps the newest.
CREATE TABLE notification_counters (
    user_id  text PRIMARY KEY,
    unread   bigint NOT NULL CHECK (unread >= 0),
    version  bigint NOT NULL
);
INSERT INTO notification_counters (user_id, unread, version)
SELECT user_id, count(*) FILTER (WHERE read_at IS NULL), 1 FROM notifications GROUP BY user_id;
