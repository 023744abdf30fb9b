-- Milestones paid from escrow, and debts with their repayments.

-- Lenders' accounts (one per lender and currency) are system accounts too.
ALTER TABLE accounts DROP CONSTRAINT accounts_kind_check,
    ADD CONSTRAINT accounts_kind_check CHECK (kind IN ('wallet', 'escrow', 'clearing', 'fees', 'lender'));
-- A freelancer's portfolio wallet is paid milestones of the projects that
-- name it; milestones of other projects go to a wallet that is not one.
ALTER TABLE accounts ADD COLUMN portfolio boolean NOT NULL DEFAULT false;

-- Postings of more than two legs (a milestone release: escrow -gross,
-- freelancer +net, fees +fee). debit_account and amount are the money that
-- left; credit_account the main beneficiary; ledger verify checks each.
ALTER TABLE transfers ADD COLUMN legs smallint NOT NULL DEFAULT 2 CHECK (legs >= 2);

-- Platform settings that are data, not code.
CREATE TABLE platform_settings (
    name   text PRIMARY KEY,
    value  bigint NOT NULL
);
-- 5 % of every milestone release, unless its project has a rate of its own.
INSERT INTO platform_settings (name, value) VALUES ('milestone_fee_basis_points', 500);

CREATE TABLE projects (
    id                text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
    client_id         text NOT NULL REFERENCES users (id),
    freelancer_id     text NOT NULL REFERENCES users (id),
    currency          char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    portfolio_wallet  text REFERENCES accounts (id),
    fee_basis_points  integer CHECK (fee_basis_points BETWEEN 0 AND 10000),
    created_at        timestamptz NOT NULL DEFAULT now()
);

-- Escrow is ledger money: one escrow account per milestone ('escrow.' || id),
-- so its balance is what was funded and not yet released.
CREATE TABLE milestones (
    id                  text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 57),
    project_id          text NOT NULL REFERENCES projects (id),
    title               text NOT NULL DEFAULT '',
    amount              bigint NOT NULL CHECK (amount > 0),
    escrow_account      text NOT NULL UNIQUE REFERENCES accounts (id),
    status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'funded', 'completed')),
    -- The release, once completed.
    completed_by        text,
    completion_command  text,
    fee                 bigint,
    net                 bigint,
    paid_to             text REFERENCES accounts (id),
    completed_at        timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX milestones_project ON milestones (project_id);

CREATE TABLE debts (
    id                     text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
    borrower_id            text NOT NULL REFERENCES users (id),
    wallet                 text NOT NULL REFERENCES accounts (id),  -- repaid from, by default
    lender_account         text NOT NULL REFERENCES accounts (id),
    currency               char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    original_principal     bigint NOT NULL CHECK (original_principal > 0),
    principal              bigint NOT NULL CHECK (principal >= 0),       -- outstanding
    interest_carried       bigint NOT NULL DEFAULT 0 CHECK (interest_carried >= 0),
    interest_from          date NOT NULL,   -- the start, then each repayment's day
    annual_rate_bps        integer NOT NULL CHECK (annual_rate_bps BETWEEN 0 AND 100000),
    start_date             date NOT NULL,
    monthly_payment        bigint NOT NULL CHECK (monthly_payment > 0),
    due_day                smallint NOT NULL CHECK (due_day BETWEEN 1 AND 31),
    business               boolean NOT NULL DEFAULT false,
    status                 text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paid_off')),
    paid_off_at            timestamptz,
    created_at             timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'paid_off') = (principal = 0))
);
CREATE INDEX debts_borrower ON debts (borrower_id);

-- Each repayment's split: interest first, then principal.
CREATE TABLE debt_repayments (
    command_id          text PRIMARY KEY,
    debt_id             text NOT NULL REFERENCES debts (id),
    wallet              text NOT NULL REFERENCES accounts (id),
    amount              bigint NOT NULL CHECK (amount > 0),
    interest            bigint NOT NULL CHECK (interest >= 0),
    principal           bigint NOT NULL CHECK (principal >= 0),
    remaining_principal bigint NOT NULL CHECK (remaining_principal >= 0),
    accrued_to          date NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (interest + principal = amount)
);
CREATE INDEX debt_repayments_debt ON debt_repayments (debt_id);

-- Tax: categories of the parts of events other than payments. NULL: not
-- taxable (written down as data, not left out).
CREATE TABLE tax_categories (
    part      text PRIMARY KEY,
    category  text
);
INSERT INTO tax_categories (part, category) VALUES
    ('freelancer_gross',  'self_employment_income'),
    ('freelancer_fee',    'deductible_fees'),
    ('client_gross',      'contractor_expense'),
    ('business_interest', 'deductible_interest'),
    ('personal_interest', NULL),
    ('principal',         NULL);

-- Payments: a NULL category is not taxable. Funding escrow moves the
-- client's money into a holding account; the release is what counts.
ALTER TABLE tax_rules ALTER COLUMN payee_category DROP NOT NULL, ALTER COLUMN payer_category DROP NOT NULL;
INSERT INTO tax_rules (priority, kind, memo_pattern, payee_category, payer_category) VALUES (30, 'escrow_fund', NULL, NULL, NULL);

-- A release gives the freelancer two entries (gross income, the fee).
ALTER TABLE tax_entries DROP CONSTRAINT tax_entries_pkey, ADD PRIMARY KEY (event_id, user_id, category);
