-- Who sent each command (issue 33): the id of the API key that submitted
-- it over HTTP (null from the CLI or raw AMQP, whose actor is on the
-- message). Its events carry it too, and so the audit log.
ALTER TABLE inbox ADD COLUMN submitted_by text;
