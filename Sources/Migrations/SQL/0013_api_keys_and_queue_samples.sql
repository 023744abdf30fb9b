-- Keys of the HTTP API. The secret is never stored: only its SHA-256 (a
-- key is 256 random bits, so a fast hash is enough; a password hash is for
-- guessable secrets). `id` is the key's public part and finds the row.
CREATE TABLE api_keys (
    id              text PRIMARY KEY,
    name            text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$'),
    secret_sha256   text NOT NULL,
    scopes          text[] NOT NULL CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['submit', 'read', 'operate']),
    rate_per_second integer NOT NULL DEFAULT 200 CHECK (rate_per_second > 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz
);
-- A name is the actor in the audit log: one live key per name.
CREATE UNIQUE INDEX api_keys_live_name ON api_keys (name) WHERE revoked_at IS NULL;

-- Commands the API accepted, by id with the digest of their content: a
-- reused id with other content is refused at the door (409), the same rule
-- the inbox applies behind it.
CREATE TABLE api_submissions (
    command_id    text PRIMARY KEY,
    command_type  text NOT NULL,
    digest        text NOT NULL,
    key_name      text NOT NULL,
    submitted_at  timestamptz NOT NULL DEFAULT now()
);

-- Queue depth over time for the ops page, sampled by the API; kept 48 h.
CREATE TABLE queue_depth_samples (
    queue           text NOT NULL,
    sampled_at      timestamptz NOT NULL,
    ready           integer NOT NULL,
    unacknowledged  integer,
    consumers       integer NOT NULL,
    PRIMARY KEY (queue, sampled_at)
);
CREATE INDEX queue_depth_samples_time ON queue_depth_samples (sampled_at);
