-- ledger_entries are written only by LedgerStore.post, in the same
-- statement that inserts their transfer, copying its id and its two
-- accounts (which transfers' own foreign keys check). Their two foreign
-- keys re-checked that per entry: four index probes per payment, inside
-- the section where payment batches hold their wallet locks. Measured on
-- W1 (three interleaved runs each): 1,460-1,648 commands/s with them,
-- 1,812-1,954 without. `flexfin ledger verify` proves more than they did:
-- every entry belongs to an existing transfer and sits on that transfer's
-- debit (negative) or credit (positive) account.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_transfer_id_fkey;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_account_id_fkey;
