-- Every dead letter, kept whole: what operators list, group, dry-run,
-- replay and purge, and what the money gauge sums. The copy in the broker's
-- dead-letter queue is only a way in: reading a quorum queue hands its
-- messages back with a requeue, which counts as a delivery, and past a
-- delivery limit (RabbitMQ 4's default is 20) the broker drops them.
-- A worker writes the record in the transaction that records the command's
-- failure, before it publishes the copy (which carries x-dead-letter-id);
-- the intake (`flexfin dlq intake`, and the API) takes every copy into the
-- record, a message that reached a dead-letter queue some other way
-- included, and only then acknowledges it.
CREATE TABLE dead_letters (
    letter_id          text PRIMARY KEY,
    queue              text NOT NULL,   -- the dead-letter queue
    origin_queue       text NOT NULL,
    consumer           text,            -- the worker that dead-lettered it; NULL when it arrived another way
    message_id         text NOT NULL,   -- '-' when the message had none
    type               text NOT NULL,
    error_class        text NOT NULL,
    fingerprint        text NOT NULL,
    money_minor_units  bigint,          -- what it would move, when its body says
    money_currency     text,
    body               bytea NOT NULL,
    properties         text NOT NULL,   -- every AMQP property and header, as JSON: published again as it was
    recorded_at        timestamptz NOT NULL DEFAULT now(),
    state              text NOT NULL DEFAULT 'held' CHECK (state IN ('held', 'replayed', 'purged')),
    resolved_at        timestamptz,
    resolved_by        text,
    replayed_to        text,
    CHECK ((state = 'held') = (resolved_at IS NULL))
);
CREATE INDEX dead_letters_held ON dead_letters (queue, recorded_at) WHERE state = 'held';
