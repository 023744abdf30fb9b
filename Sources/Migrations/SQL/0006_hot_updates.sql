-- Every payments batch updates hundreds of account rows (balance, version;
-- neither is indexed). Free space on each page lets PostgreSQL update them
-- in place (HOT: no new index entries). The same for the quarterly totals.
ALTER TABLE accounts SET (fillfactor = 70);
ALTER TABLE tax_quarters SET (fillfactor = 70);
-- An earlier build of 0005 created this index; the outbox does not need it.
DROP INDEX IF EXISTS outbox_created;
