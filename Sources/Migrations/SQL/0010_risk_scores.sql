-- Risk scores: the model is data (weights, thresholds, band limits, in a
-- version); every score keeps its factor breakdown and its model version.

CREATE TABLE risk_models (
    version        integer PRIMARY KEY,
    -- Ledger rows of this currency are what the model reads.
    currency       char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- The lowest score of each band above low.
    band_medium    smallint NOT NULL,
    band_high      smallint NOT NULL,
    band_critical  smallint NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (0 < band_medium AND band_medium < band_high AND band_high < band_critical AND band_critical <= 100)
);

-- A value at or better than `good` adds 0 points, at or worse than `bad`
-- 100, linearly between; the score is the points averaged by weight.
-- Units: RiskFactor (ratios in basis points).
CREATE TABLE risk_model_factors (
    model_version  integer NOT NULL REFERENCES risk_models (version),
    factor         text NOT NULL CHECK (factor IN ('debt_to_income', 'liquidity', 'overdue_debts',
                                                   'income_concentration', 'income_volatility')),
    weight         integer NOT NULL CHECK (weight >= 0),
    good           bigint NOT NULL,
    bad            bigint NOT NULL CHECK (bad <> good),
    PRIMARY KEY (model_version, factor)
);

-- The newest version scores; a new model is a new version (rows, no code).
INSERT INTO risk_models (version, currency, band_medium, band_high, band_critical) VALUES (1, 'USD', 25, 50, 75);
INSERT INTO risk_model_factors (model_version, factor, weight, good, bad) VALUES
    (1, 'debt_to_income',       30,  1000,  5000),   -- 10 % of income is fine, 50 % is the worst
    (1, 'liquidity',            25, 30000,  2500),   -- 3 months of cover is fine, a week is the worst
    (1, 'overdue_debts',        20,     0,     2),
    (1, 'income_concentration', 10,  4000, 10000),   -- one payer of all income is the worst
    (1, 'income_volatility',    15,  3000, 15000);

-- Every score, in the order they were computed per user (version).
CREATE TABLE risk_scores (
    id             bigserial PRIMARY KEY,
    user_id        text NOT NULL,
    version        bigint NOT NULL,
    score          smallint NOT NULL CHECK (score BETWEEN 0 AND 100),
    band           text NOT NULL CHECK (band IN ('low', 'medium', 'high', 'critical')),
    model_version  integer NOT NULL REFERENCES risk_models (version),
    -- [{factor, value, points, weight, contribution_hundredths}]
    factors        jsonb NOT NULL,
    -- The 90-day window ends here (the database clock when it was read).
    as_of          timestamptz NOT NULL,
    -- The batch that computed it, and how many requests it answered.
    batch_id       uuid NOT NULL,
    requests       integer NOT NULL CHECK (requests > 0),
    command_id     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, version)
);

-- One row per scored user: the latest score. Locked before the ledger is
-- read, so two lanes recalculating one user take turns and the newer
-- version always saw at least what the older one did.
CREATE TABLE risk_latest (
    user_id  text PRIMARY KEY,
    version  bigint NOT NULL,
    score    smallint NOT NULL,
    band     text NOT NULL
);

-- A payment.completed at or above this (minor units, any currency)
-- triggers a recalculation of both parties.
INSERT INTO platform_settings (name, value) VALUES ('risk_trigger_payment_minor_units', 100000);

-- A recalculation reads one user's wallets over 90 days: by account and time.
-- It serves every query by account alone as well, so it replaces that index.
CREATE INDEX ledger_entries_account_time ON ledger_entries (account_id, created_at);
DROP INDEX ledger_entries_account;
