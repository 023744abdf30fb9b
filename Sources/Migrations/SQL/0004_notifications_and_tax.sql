-- One notification per affected user per event; the key deduplicates.
CREATE TABLE notifications (
    event_id    text NOT NULL,
    user_id     text NOT NULL,
    event_type  text NOT NULL,
    message     text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    read_at     timestamptz,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

-- How payments are categorized for tax. Data, not code: categories grow by
-- inserting rows. The most specific matching rule (highest priority) wins;
-- a NULL kind or memo pattern matches anything.
CREATE TABLE tax_rules (
    id              serial PRIMARY KEY,
    priority        integer NOT NULL DEFAULT 0,
    kind            text,
    memo_pattern    text,      -- case-insensitive substring of the memo
    payee_category  text NOT NULL,
    payer_category  text NOT NULL
);
INSERT INTO tax_rules (priority, kind, memo_pattern, payee_category, payer_category) VALUES
    (0,  NULL,       NULL,       'income',          'expense'),
    (10, 'refund',   NULL,       'refund_paid',     'refund_received'),
    (10, 'tip',      NULL,       'tip_income',      'expense'),
    (10, 'fee',      NULL,       'fee_income',      'fees'),
    (20, NULL,       'invoice',  'invoiced_income', 'contractor_expense');

-- One row per user per taxed event (payee income, payer expense).
CREATE TABLE tax_entries (
    event_id    text NOT NULL,
    user_id     text NOT NULL,
    category    text NOT NULL,
    amount      bigint NOT NULL CHECK (amount > 0),
    currency    char(3) NOT NULL,
    quarter     text NOT NULL,     -- e.g. 2026-Q4, from the event's time
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, user_id)
);

-- Per user, quarter, currency and category: running totals.
CREATE TABLE tax_quarters (
    user_id     text NOT NULL,
    quarter     text NOT NULL,
    currency    char(3) NOT NULL,
    category    text NOT NULL,
    total       bigint NOT NULL,
    entries     integer NOT NULL,
    PRIMARY KEY (user_id, quarter, currency, category)
);
