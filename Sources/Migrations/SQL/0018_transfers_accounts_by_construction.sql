-- A transfer's two foreign keys ran a trigger per row: a planned lookup
-- and a row lock on each account, two thirds of the cost of inserting a
-- transfer, inside the section where batches hold their wallet locks.
-- LedgerStore.post now checks every account a batch names in one
-- statement before it writes (`requireAccounts`) and throws when any is
-- missing (the batch rolls back, as it did on a foreign-key violation);
-- `flexfin ledger verify` proves every transfer and entry sits on an
-- account that exists.
ALTER TABLE transfers DROP CONSTRAINT transfers_debit_account_fkey;
ALTER TABLE transfers DROP CONSTRAINT transfers_credit_account_fkey;

-- What the foreign keys also did: an account with transfers could not be
-- deleted, nor its id changed. Accounts are closed (`status`), never
-- deleted; this keeps that for every account, at no cost per row.
CREATE FUNCTION accounts_are_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'accounts are never deleted or renamed (% refused); close one with status = ''closed''', TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER accounts_are_kept BEFORE DELETE OR TRUNCATE OR UPDATE OF id ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_are_kept();
