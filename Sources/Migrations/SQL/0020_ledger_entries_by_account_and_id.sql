-- The risk worker reads each wallet's entries from the last one it read
-- on (RiskStore.evidence): by account and id, a seek to the new entries.
-- By account and time it scanned each wallet's whole 90-day window on every
-- rescoring and filtered by id: at a million commands, seconds a batch.
-- A wallet read for the first time is read from its first entry (once per
-- worker, then remembered). Nothing else reads entries by account and time.
CREATE INDEX ledger_entries_account_id ON ledger_entries (account_id, id);
DROP INDEX ledger_entries_account_time;
