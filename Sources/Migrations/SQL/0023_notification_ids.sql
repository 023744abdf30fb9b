-- Notifications get an id of their own: a user's notifications are paged
-- by it (GET /v1/users/{id}/notifications?after=) and read up to one
-- (POST /v1/users/{id}/notifications/read {"up_to": id}). The notifications
-- worker takes the user's counter row lock before it inserts, so one user's
-- ids rise in commit order: "up to" never covers one the user could not
-- yet have seen, and a page never skips one that commits later.
ALTER TABLE notifications ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;
CREATE UNIQUE INDEX notifications_user_id ON notifications (user_id, id);
