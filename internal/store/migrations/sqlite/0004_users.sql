-- Users, browser sessions, API tokens and login attempts (issue 6).
-- Times are UTC text in one fixed-width format (2006-01-02T15:04:05.000000Z)
-- so that text order is time order on both back-ends. Secrets (session
-- tokens, API tokens) are stored only as the hex SHA-256 of the secret.
CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	email         TEXT NOT NULL UNIQUE,
	name          TEXT NOT NULL DEFAULT '',
	role          TEXT NOT NULL CHECK (role IN ('provider', 'analyst', 'publisher', 'admin')),
	org_id        INTEGER REFERENCES organisations (id),
	password_hash TEXT NOT NULL DEFAULT '',
	disabled      BOOLEAN NOT NULL DEFAULT FALSE,
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL,
	CHECK (role <> 'provider' OR org_id IS NOT NULL)
);

CREATE INDEX users_org ON users (org_id);

CREATE TABLE sessions (
	id          INTEGER PRIMARY KEY,
	token_hash  TEXT NOT NULL UNIQUE,
	user_id     INTEGER NOT NULL REFERENCES users (id),
	csrf_secret BLOB NOT NULL,
	created_at  TEXT NOT NULL,
	expires_at  TEXT NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users (id),
	name         TEXT NOT NULL,
	prefix       TEXT NOT NULL,
	token_hash   TEXT NOT NULL UNIQUE,
	created_at   TEXT NOT NULL,
	expires_at   TEXT,
	last_used_at TEXT,
	revoked_at   TEXT
);

CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE login_attempts (
	id     INTEGER PRIMARY KEY,
	email  TEXT NOT NULL,
	remote TEXT NOT NULL DEFAULT '',
	ok     BOOLEAN NOT NULL,
	at     TEXT NOT NULL
);

CREATE INDEX login_attempts_email ON login_attempts (email, at);
CREATE INDEX login_attempts_remote ON login_attempts (remote, at);
