-- Evaluations and their review: QA checklist, comments, the decisions
-- (review sign-off, approval, changes requested, rejection, publication),
-- published reports at a stable slug, and the published cohorts' digests
-- for the disclosure differencing guard (issue 6).
CREATE TABLE evaluations (
	id            INTEGER PRIMARY KEY,
	submission_id INTEGER NOT NULL REFERENCES submissions (id),
	org_id        INTEGER NOT NULL REFERENCES organisations (id),
	job_id        INTEGER REFERENCES jobs (id),
	title         TEXT NOT NULL DEFAULT '',
	status        TEXT NOT NULL CHECK (status IN ('awaiting_review', 'changes_requested', 'reviewed', 'approved', 'published', 'rejected')),
	result        BLOB NOT NULL,
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL,
	reviewed_by   INTEGER REFERENCES users (id),
	reviewed_at   TEXT,
	approved_by   INTEGER REFERENCES users (id),
	approved_at   TEXT,
	published_at  TEXT
);

CREATE INDEX evaluations_org ON evaluations (org_id, id);
CREATE INDEX evaluations_submission ON evaluations (submission_id);

CREATE TABLE evaluation_qa (
	evaluation_id INTEGER NOT NULL REFERENCES evaluations (id),
	position      INTEGER NOT NULL,
	item_key      TEXT NOT NULL,
	label         TEXT NOT NULL,
	ticked        BOOLEAN NOT NULL DEFAULT FALSE,
	ticked_by     INTEGER REFERENCES users (id),
	ticked_at     TEXT,
	note          TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (evaluation_id, item_key)
);

CREATE TABLE evaluation_comments (
	id            INTEGER PRIMARY KEY,
	evaluation_id INTEGER NOT NULL REFERENCES evaluations (id),
	author_id     INTEGER NOT NULL REFERENCES users (id),
	body          TEXT NOT NULL,
	created_at    TEXT NOT NULL
);

CREATE INDEX evaluation_comments_evaluation ON evaluation_comments (evaluation_id, id);

CREATE TABLE evaluation_decisions (
	id            INTEGER PRIMARY KEY,
	evaluation_id INTEGER NOT NULL REFERENCES evaluations (id),
	actor_id      INTEGER NOT NULL REFERENCES users (id),
	from_status   TEXT NOT NULL,
	to_status     TEXT NOT NULL,
	note          TEXT NOT NULL DEFAULT '',
	at            TEXT NOT NULL
);

CREATE INDEX evaluation_decisions_evaluation ON evaluation_decisions (evaluation_id, id);

CREATE TABLE reports (
	id            INTEGER PRIMARY KEY,
	evaluation_id INTEGER NOT NULL UNIQUE REFERENCES evaluations (id),
	org_id        INTEGER NOT NULL REFERENCES organisations (id),
	slug          TEXT NOT NULL UNIQUE,
	title         TEXT NOT NULL,
	html          BLOB NOT NULL,
	published_at  TEXT NOT NULL,
	published_by  INTEGER NOT NULL REFERENCES users (id)
);

CREATE TABLE published_cohorts (
	evaluation_id INTEGER PRIMARY KEY REFERENCES evaluations (id),
	org_id        INTEGER NOT NULL REFERENCES organisations (id),
	digests       BLOB NOT NULL,
	published_at  TEXT NOT NULL
);

CREATE INDEX published_cohorts_org ON published_cohorts (org_id);
