-- Trials: the randomisation service's trials, their hash-chained allocation
-- logs, locked analysis plans and recorded departures from them.
-- seed is the secret the allocation sequence is derived from: never shown
-- until closed_at is set. head is the hash of the last allocation (the
-- genesis hash when there is none) and allocations their number, kept
-- apart from the log so that removing its tail is detected.
CREATE TABLE trials (
	id          TEXT PRIMARY KEY,
	title       TEXT NOT NULL DEFAULT '',
	design      TEXT NOT NULL,
	seed        TEXT NOT NULL,
	genesis     TEXT NOT NULL,
	head        TEXT NOT NULL,
	allocations INTEGER NOT NULL DEFAULT 0,
	created_at  TEXT NOT NULL,
	closed_at   TEXT,
	linked_at   TEXT
);

CREATE TABLE trial_allocations (
	trial_id        TEXT NOT NULL REFERENCES trials (id),
	position        INTEGER NOT NULL,
	participant_ref TEXT NOT NULL,
	stratum         TEXT NOT NULL,
	arm             TEXT NOT NULL,
	allocated_at    TEXT NOT NULL,
	prev_hash       TEXT NOT NULL,
	hash            TEXT NOT NULL,
	PRIMARY KEY (trial_id, position),
	UNIQUE (trial_id, participant_ref)
);

CREATE INDEX trial_allocations_stratum ON trial_allocations (trial_id, stratum);

CREATE TABLE trial_plans (
	trial_id   TEXT PRIMARY KEY REFERENCES trials (id),
	plan       TEXT NOT NULL,
	hash       TEXT,
	locked_at  TEXT,
	updated_at TEXT NOT NULL
);

CREATE TABLE trial_deviations (
	id          INTEGER PRIMARY KEY,
	trial_id    TEXT NOT NULL REFERENCES trials (id),
	plan_hash   TEXT NOT NULL,
	reason      TEXT NOT NULL,
	departures  TEXT NOT NULL,
	recorded_at TEXT NOT NULL
);
