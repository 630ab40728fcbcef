-- PostgreSQL twin of sqlite/0008_cohort_digests.sql.
-- The keyed digests of each evaluation's cohort (a JSON array of sorted
-- HMAC-SHA-256 hex digests of spine person_ids, disclosure.Members), kept
-- from the job that made the evaluation until its publication, when the
-- differencing guard compares them with the organisation's published
-- cohorts (issue 6). The person_ids themselves exist only while the job
-- runs.
CREATE TABLE evaluation_cohorts (
	evaluation_id BIGINT PRIMARY KEY REFERENCES evaluations (id),
	digests       BYTEA NOT NULL,
	people        INTEGER NOT NULL,
	recorded_at   TEXT NOT NULL
);
