-- Exactly-once effects: a message id is consumed at most once per consumer.
-- Inserted in the same transaction as the effects; a duplicate delivery
-- hits the primary key (ON CONFLICT DO NOTHING) and changes nothing.
-- The outcome doubles as the durable command status.
CREATE TABLE inbox (
    consumer     text NOT NULL,
    message_id   text NOT NULL CHECK (length(message_id) BETWEEN 1 AND 64),
    outcome      text NOT NULL DEFAULT 'applied' CHECK (outcome IN ('applied', 'rejected')),
    reason       text,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, message_id)
);

-- Events follow effects: written in the effects' transaction, published
-- after commit, marked published only once the broker confirmed them.
CREATE TABLE outbox (
    id            bigserial PRIMARY KEY,
    event_id      text NOT NULL UNIQUE CHECK (length(event_id) BETWEEN 1 AND 64),
    event_type    text NOT NULL,
    command_id    text,
    body          text NOT NULL,   -- the exact JSON that is published
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
