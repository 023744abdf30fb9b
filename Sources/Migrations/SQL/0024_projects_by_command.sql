-- Projects created by command (project.create): a milestone may say when it is due.
ALTER TABLE milestones ADD COLUMN due_date date;
-- Both parties are told of a project created for them; its client of one refused.
INSERT INTO notification_rules (kind, event_type) VALUES ('event', 'project.created'), ('event', 'project.rejected');
