-- Tax set-asides: how each category counts, and the rates, as data.

-- A payment between two wallets of one user is recorded, not taxed.
INSERT INTO tax_categories (part, category) VALUES ('own_transfer', 'non_taxable_transfer');

-- Whether a category adds to taxable income, is taken off it, or neither.
-- A category without a row counts as neither (the summary says so).
CREATE TABLE tax_treatments (
    category   text PRIMARY KEY,
    treatment  text NOT NULL CHECK (treatment IN ('income', 'deduction', 'none'))
);
INSERT INTO tax_treatments (category, treatment) VALUES
    ('income', 'income'), ('invoiced_income', 'income'), ('tip_income', 'income'), ('fee_income', 'income'),
    ('self_employment_income', 'income'),
    ('contractor_expense', 'deduction'), ('deductible_fees', 'deduction'), ('deductible_interest', 'deduction'),
    ('fees', 'deduction'),
    -- A refund's payer (the rule names the payer's side refund_received)
    -- gives income back; its payee gets their own money back.
    ('refund_received', 'deduction'), ('refund_paid', 'none'),
    -- Spending is not deductible unless a rule says what it is: a
    -- conservative estimate sets aside more, never less.
    ('expense', 'none'),
    ('non_taxable_transfer', 'none');

CREATE TABLE tax_jurisdictions (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    currency    char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    source      text NOT NULL,
    is_default  boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX tax_jurisdictions_one_default ON tax_jurisdictions (is_default) WHERE is_default;

-- Brackets on annual taxable income (minor units); each component's tax is
-- added. A quarter uses its year's table, or the latest earlier one.
CREATE TABLE tax_rate_brackets (
    jurisdiction  text NOT NULL REFERENCES tax_jurisdictions (code),
    tax_year      integer NOT NULL,
    component     text NOT NULL,
    lower_bound   bigint NOT NULL CHECK (lower_bound >= 0),
    rate_bps      integer NOT NULL CHECK (rate_bps BETWEEN 0 AND 10000),
    PRIMARY KEY (jurisdiction, tax_year, component, lower_bound)
);

INSERT INTO tax_jurisdictions (code, name, currency, source, is_default) VALUES
    ('US-federal-single', 'United States federal, single filer, self-employed', 'USD',
     'IRS Rev. Proc. 2024-40 (tax year 2025 brackets and the 15,000 USD standard deduction, single filers); '
     'IRS Schedule SE (self-employment tax 15.3 % on 92.35 % of net earnings, i.e. 14.13 %; the Social Security wage cap is not modelled)',
     true);
INSERT INTO tax_rate_brackets (jurisdiction, tax_year, component, lower_bound, rate_bps) VALUES
    -- Income tax: the standard deduction as a 0 % bracket, then the 2025 brackets shifted by it.
    ('US-federal-single', 2025, 'income_tax',          0,    0),
    ('US-federal-single', 2025, 'income_tax',    1500000, 1000),
    ('US-federal-single', 2025, 'income_tax',    2692500, 1200),
    ('US-federal-single', 2025, 'income_tax',    6347500, 2200),
    ('US-federal-single', 2025, 'income_tax',   11835000, 2400),
    ('US-federal-single', 2025, 'income_tax',   21230000, 3200),
    ('US-federal-single', 2025, 'income_tax',   26552500, 3500),
    ('US-federal-single', 2025, 'income_tax',   64135000, 3700),
    ('US-federal-single', 2025, 'self_employment',     0, 1413);

-- What changed a quarter: each entry names the kind of event behind it
-- (NULL for entries written before this column).
ALTER TABLE tax_entries ADD COLUMN event_type text;
CREATE INDEX tax_entries_user_quarter ON tax_entries (user_id, quarter);
