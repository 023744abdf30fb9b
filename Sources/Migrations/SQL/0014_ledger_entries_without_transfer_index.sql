-- Nothing looks ledger entries up by transfer: `flexfin ledger verify`
-- joins the whole tables (a hash join), and the foreign key this index
-- served went in 0007. Two index entries per payment, kept for no reader.
DROP INDEX IF EXISTS ledger_entries_transfer;
