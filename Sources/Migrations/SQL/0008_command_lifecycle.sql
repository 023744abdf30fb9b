-- A command's whole life, durably (flexfin status; GET /v1/commands/{id}).

-- The SHA-256 of each command's canonical content: a redelivery has the
-- same digest (a duplicate, no effect); the same id with another digest is
-- a different command (a conflict). NULL for rows from before this migration.
ALTER TABLE inbox ADD COLUMN digest text;

-- Commands refused because their id was used before for other content
-- (Stripe's idempotency rule). Kept whole: nothing is dropped silently.
CREATE TABLE command_conflicts (
    consumer      text NOT NULL,
    message_id    text NOT NULL,
    digest        text NOT NULL,
    body          bytea NOT NULL,
    refused_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, message_id, digest)
);

-- The last failure of a command that went to a retry tier or a dead-letter
-- queue. Not in the inbox: an inbox row would make a replayed dead letter a
-- duplicate. An outcome in the inbox supersedes it.
CREATE TABLE command_failures (
    consumer         text NOT NULL,
    message_id       text NOT NULL,
    state            text NOT NULL CHECK (state IN ('retrying', 'dead-lettered')),
    queue            text NOT NULL,   -- the retry tier or the dead-letter queue
    attempts         integer NOT NULL CHECK (attempts > 0),
    error_class      text NOT NULL,
    error            text NOT NULL,
    next_attempt_at  timestamptz,     -- retrying only: the earliest
    failed_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, message_id)
);
