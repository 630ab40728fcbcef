// Package store holds the lab's own records (organisations, submissions,
// evaluations, the evidence library, trials) in SQLite through
// modernc.org/sqlite by default. Schema changes are versioned migrations:
// numbered SQL files in migrations/, applied once each, in order, inside a
// transaction, and recorded in schema_migrations. A new concern adds a new
// file; an applied file is never edited.
//
// The SQL is kept to the subset SQLite and PostgreSQL share so the
// PostgreSQL back-end (pgx) can run the same migrations.
package store
