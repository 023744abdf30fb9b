-- The outbox is a queue: a row is deleted once the broker confirmed its
-- event (cheaper than an update: no new row version, no index entries);
-- the audit log is the permanent record of every event. What is left is
-- only what is in flight or was left by a crash, so it stays small (the relay
-- walks the primary key; no other index to maintain).
DROP INDEX outbox_unpublished;
ALTER TABLE outbox DROP COLUMN published_at;
-- A queue table: vacuum it early and often.
ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000);
