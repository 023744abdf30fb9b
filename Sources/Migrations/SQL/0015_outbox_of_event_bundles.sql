-- Events travel in bundles (the events of one type from one batch, one per
-- line of the body): an outbox row is a bundle, keyed by the message id it
-- is published with. A row written before this migration is one event,
-- which is a bundle of one as it stands. The originating command travels in
-- each event's body (`command_id`); a bundle has none of its own.
ALTER TABLE outbox RENAME COLUMN event_id TO message_id;
ALTER TABLE outbox DROP COLUMN command_id;
ALTER TABLE outbox ADD COLUMN events integer NOT NULL DEFAULT 1 CHECK (events > 0);
ALTER INDEX outbox_event_id_key RENAME TO outbox_message_id_key;
