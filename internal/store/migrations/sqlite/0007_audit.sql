-- The append-only audit log (issue 6): every upload, view, download,
-- approval and role change, with who and when. Triggers refuse UPDATE
-- and DELETE, so the application cannot rewrite history. actor_id and
-- org_id carry no foreign keys: the log outlives what it names.
CREATE TABLE audit_log (
	id          INTEGER PRIMARY KEY,
	at          TEXT NOT NULL,
	actor_id    INTEGER,
	action      TEXT NOT NULL,
	object_type TEXT NOT NULL DEFAULT '',
	object_id   TEXT NOT NULL DEFAULT '',
	org_id      INTEGER,
	detail      TEXT NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_log_org ON audit_log (org_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused');
END;
