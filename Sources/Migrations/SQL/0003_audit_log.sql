-- Tamper-evident audit: each row's hash covers the previous row's hash and
-- this row's content, so an edited, removed or reordered row breaks the
-- chain from that row on. seq is gapless.
CREATE TABLE audit_log (
    seq          bigint PRIMARY KEY CHECK (seq > 0),
    event_id     text NOT NULL UNIQUE,
    event_type   text NOT NULL,
    body         text NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    prev_hash    text NOT NULL,
    hash         text NOT NULL
);

-- Append-only for every role that does not own the table; the hash chain
-- catches anyone who gets past this.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END
$$;
CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
