-- Least privilege (issue 33). The tables' owner only migrates; the runtime
-- logs in as one of three roles, each with what its code needs:
--   flexfin_worker    the workers
--   flexfin_api       the HTTP API: API keys read only
--   flexfin_operator  the operator's CLI: API keys written too
-- None may delete from or truncate the ledger, or update or delete the
-- audit log; none owns a table, so none can switch a trigger off. The
-- roles are the cluster's: created here when the migrating role may, else
-- they must exist (deploy/local/services creates them as logins).
DO $$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY['flexfin_worker', 'flexfin_api', 'flexfin_operator'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', name);
            EXCEPTION
                WHEN duplicate_object OR unique_violation THEN NULL;  -- another migration made it meanwhile
                WHEN insufficient_privilege THEN
                    RAISE EXCEPTION 'role % does not exist and % may not create it: create the roles flexfin_worker, flexfin_api and flexfin_operator (deploy/local/services does), or grant the migrating role CREATEROLE', name, current_user;
            END;
        END IF;
    END LOOP;
END $$;

GRANT USAGE ON SCHEMA public TO flexfin_worker, flexfin_api, flexfin_operator;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO flexfin_worker, flexfin_api, flexfin_operator;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO flexfin_worker, flexfin_api, flexfin_operator;
-- Tables of later migrations get the same; a ledger table revokes as below.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO flexfin_worker, flexfin_api, flexfin_operator;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO flexfin_worker, flexfin_api, flexfin_operator;

-- The ledger and its records are never deleted from but by the owner.
REVOKE DELETE ON accounts, transfers, ledger_entries, users, projects, milestones, debts, debt_repayments, withdrawals,
    account_status_changes, wallet_daily_net, tax_entries, risk_scores
    FROM flexfin_worker, flexfin_api, flexfin_operator;
-- The audit log: appended to and read.
REVOKE UPDATE, DELETE ON audit_log FROM flexfin_worker, flexfin_api, flexfin_operator;
-- Only migrations write the schema's history.
REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM flexfin_worker, flexfin_api, flexfin_operator;
-- Platform settings, tax tables and rules are data the operator keeps: the runtime reads them.
REVOKE INSERT, UPDATE, DELETE ON platform_settings, tax_categories, tax_jurisdictions, tax_rate_brackets, tax_rules, tax_treatments,
    notification_rules, risk_models, risk_model_factors FROM flexfin_worker, flexfin_api;
-- API keys: the API reads them, the operator issues and revokes them, the workers never see them.
REVOKE ALL ON api_keys FROM flexfin_worker;
REVOKE INSERT, UPDATE, DELETE ON api_keys FROM flexfin_api;
