-- (PostgreSQL twin of sqlite/0002_evidence.sql.) The what-works evidence library (internal/evidence): interventions typed by
-- the taxonomy, and the studies that evaluated them. Portable SQL: the same
-- file runs on SQLite and PostgreSQL. Optional numbers are NULL when not
-- reported. The SMS level is derived from design, attrition_ok and
-- pretrends_ok on read; sms_override with its reason is stored.
CREATE TABLE evidence_interventions (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	type        TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE evidence_studies (
	id                   TEXT PRIMARY KEY,
	intervention_id      TEXT NOT NULL REFERENCES evidence_interventions (id),
	title                TEXT NOT NULL,
	citation             TEXT NOT NULL DEFAULT '',
	url                  TEXT NOT NULL DEFAULT '',
	year                 INTEGER NOT NULL DEFAULT 0,
	country              TEXT NOT NULL DEFAULT '',
	population           TEXT NOT NULL DEFAULT '',
	period_start         TEXT NOT NULL DEFAULT '',
	period_end           TEXT NOT NULL DEFAULT '',
	design               TEXT NOT NULL,
	attrition_ok         BOOLEAN NOT NULL DEFAULT FALSE,
	pretrends_ok         BOOLEAN NOT NULL DEFAULT FALSE,
	sms_override         INTEGER NOT NULL DEFAULT 0,
	sms_override_reason  TEXT NOT NULL DEFAULT '',
	n_treated            INTEGER NOT NULL DEFAULT 0,
	n_control            INTEGER NOT NULL DEFAULT 0,
	outcome              TEXT NOT NULL,
	outcome_code         TEXT NOT NULL DEFAULT '',
	outcome_domain       TEXT NOT NULL DEFAULT 'other',
	followup_months      INTEGER NOT NULL DEFAULT 0,
	measure              TEXT NOT NULL DEFAULT '',
	estimate             DOUBLE PRECISION,
	se                   DOUBLE PRECISION,
	ci_low               DOUBLE PRECISION,
	ci_high              DOUBLE PRECISION,
	ci_level             DOUBLE PRECISION,
	events_treated       INTEGER,
	events_control       INTEGER,
	mean_treated         DOUBLE PRECISION,
	sd_treated           DOUBLE PRECISION,
	mean_control         DOUBLE PRECISION,
	sd_control           DOUBLE PRECISION,
	control_rate         DOUBLE PRECISION,
	cost_per_participant DOUBLE PRECISION,
	cost_price_year      INTEGER NOT NULL DEFAULT 0,
	source               TEXT NOT NULL DEFAULT 'external',
	illustrative         BOOLEAN NOT NULL DEFAULT FALSE,
	notes                TEXT NOT NULL DEFAULT '',
	updated_at           TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX evidence_studies_intervention ON evidence_studies (intervention_id);
