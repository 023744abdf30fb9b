-- The audit chain keyed (issue 33): each new row's hash is an HMAC-SHA256
-- under an audit key kept outside PostgreSQL, named here so a rotation
-- starts a new segment and old segments still verify with their key. Rows
-- written before (key_id null) keep their SHA-256 hashes: the log is never
-- rewritten, and the first keyed row covers them through its prev_hash.
ALTER TABLE audit_log ADD COLUMN key_id text CHECK (length(key_id) BETWEEN 1 AND 64);
