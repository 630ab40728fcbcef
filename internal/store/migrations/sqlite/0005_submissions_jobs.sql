-- Submissions (participants.csv uploads) and the persisted background
-- jobs that link and evaluate them (issue 6).
-- The uploaded file holds direct identifiers, so it lives apart in
-- submission_files and is deleted when linkage finishes; submissions
-- keeps only its name, size, hash and when and why it was deleted.
CREATE TABLE submissions (
	id                  INTEGER PRIMARY KEY,
	org_id              INTEGER NOT NULL REFERENCES organisations (id),
	uploader_id         INTEGER NOT NULL REFERENCES users (id),
	file_name           TEXT NOT NULL,
	size_bytes          INTEGER NOT NULL,
	sha256              TEXT NOT NULL,
	state               TEXT NOT NULL CHECK (state IN ('received', 'checked', 'rejected')),
	checks              TEXT,
	created_at          TEXT NOT NULL,
	checked_at          TEXT,
	file_deleted_at     TEXT,
	file_deleted_reason TEXT NOT NULL DEFAULT ''
);

CREATE INDEX submissions_org ON submissions (org_id, id);

CREATE TABLE submission_files (
	submission_id INTEGER PRIMARY KEY REFERENCES submissions (id),
	content       BLOB NOT NULL
);

-- lease_owner and lease_expires_at are set while a worker runs the job;
-- a running job whose lease expired was interrupted (RecoverJobs).
CREATE TABLE jobs (
	id               INTEGER PRIMARY KEY,
	kind             TEXT NOT NULL,
	org_id           INTEGER REFERENCES organisations (id),
	submission_id    INTEGER REFERENCES submissions (id),
	params           TEXT NOT NULL DEFAULT '{}',
	state            TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
	stage            TEXT NOT NULL DEFAULT '',
	progress         DOUBLE PRECISION NOT NULL DEFAULT 0,
	attempts         INTEGER NOT NULL DEFAULT 0,
	max_attempts     INTEGER NOT NULL DEFAULT 3,
	lease_owner      TEXT,
	lease_expires_at TEXT,
	cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
	error            TEXT NOT NULL DEFAULT '',
	created_at       TEXT NOT NULL,
	started_at       TEXT,
	finished_at      TEXT,
	updated_at       TEXT NOT NULL
);

CREATE INDEX jobs_state ON jobs (state, id);
CREATE INDEX jobs_submission ON jobs (submission_id);
