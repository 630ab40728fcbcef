package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// sqliteConns is the SQLite connection pool's size, open and idle alike.
const sqliteConns = 32

// postgresConns bounds one store's PostgreSQL pool, well under the server's
// default max_connections of 100 so a few processes (or parallel tests) can
// share it.
const postgresConns = 16

// Backend names, as Backend returns them.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Options tune a store. The zero value is the production setting.
type Options struct {
	// Password is the argon2id cost for new password hashes; the zero
	// value means DefaultPasswordParams. Tests lower it.
	Password PasswordParams
	// Random is the source of session and API tokens, CSRF secrets and
	// password salts; nil means crypto/rand.Reader.
	Random io.Reader
}

// DB is an open lab store on SQLite or PostgreSQL. Its query methods take
// SQL written with ? placeholders; on PostgreSQL they are rewritten to $n
// in one place (rebind), so every statement in this package is written
// once for both back-ends.
type DB struct {
	db      *sql.DB
	dialect dialect
	path    string // the file, or the DSN without its password
	pw      PasswordParams
	random  io.Reader
}

// Open opens the store at dsn with default Options and applies any
// pending migrations. A dsn starting postgres:// or postgresql:// opens
// PostgreSQL through pgx; anything else is a SQLite file path
// (":memory:" for a private in-memory store in tests).
func Open(ctx context.Context, dsn string) (*DB, error) {
	return OpenWith(ctx, dsn, Options{})
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, dsn string, o Options) (*DB, error) {
	if o.Password == (PasswordParams{}) {
		o.Password = DefaultPasswordParams()
	}
	if err := o.Password.validate(); err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if o.Random == nil {
		o.Random = rand.Reader
	}
	var s *DB
	if IsPostgres(dsn) {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("store: open %s: %w", redact(dsn), err)
		}
		// A bounded pool that keeps its connections: with database/sql's
		// default of 2 idle, a burst of concurrent requests opens a new
		// PostgreSQL connection (a backend process and a SCRAM
		// handshake) per request and closes it again.
		db.SetMaxOpenConns(postgresConns)
		db.SetMaxIdleConns(postgresConns)
		db.SetConnMaxIdleTime(5 * time.Minute)
		s = &DB{db: db, dialect: postgresDialect, path: redact(dsn)}
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("store: connect to %s: %w: check the server is running and the DSN's user, password and database", s.path, err)
		}
	} else {
		path := dsn
		if path == ":memory:" {
			dsn = "file::memory:"
		}
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		// secure_delete overwrites deleted content, so a deleted
		// participants file does not linger in free pages.
		dsn += sep + "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=secure_delete(1)&_txlock=immediate"
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		if path == ":memory:" {
			// Each connection to :memory: is a separate database: keep one.
			db.SetMaxOpenConns(1)
		} else {
			// Keep as many idle connections as may be open: with
			// database/sql's default of 2 idle, a burst of concurrent
			// requests opens and closes a SQLite connection (and its
			// pragmas) per request. Measured under 50 concurrent
			// providers (server load benchmark, 2 shared cores): p99
			// 57–61 ms with this against 98–175 ms without, connection
			// churn having been 21% of CPU. No store method uses the
			// pool while holding a transaction, so the cap cannot
			// deadlock; writers queue on SQLite's lock regardless.
			db.SetMaxOpenConns(sqliteConns)
			db.SetMaxIdleConns(sqliteConns)
		}
		s = &DB{db: db, dialect: sqliteDialect, path: path}
	}
	s.pw, s.random = o.Password, o.Random
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// redact drops the password from a PostgreSQL DSN for messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://…"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	return u.String()
}

// Path is the file the store was opened on, or its PostgreSQL DSN
// without the password.
func (s *DB) Path() string { return s.path }

// Backend is SQLite or Postgres.
func (s *DB) Backend() string { return s.dialect.name }

// Close closes the store.
func (s *DB) Close() error { return s.db.Close() }

// PingContext checks the database is reachable (for a health check).
func (s *DB) PingContext(ctx context.Context) error { return s.db.PingContext(ctx) }

// ExecContext runs a statement written with ? placeholders.
func (s *DB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return s.db.ExecContext(ctx, s.dialect.rebind(q), args...)
}

// QueryContext runs a query written with ? placeholders.
func (s *DB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return s.db.QueryContext(ctx, s.dialect.rebind(q), args...)
}

// QueryRowContext runs a one-row query written with ? placeholders.
func (s *DB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return s.db.QueryRowContext(ctx, s.dialect.rebind(q), args...)
}

// Exec is ExecContext without a context (tests and tools).
func (s *DB) Exec(q string, args ...any) (sql.Result, error) {
	return s.ExecContext(context.Background(), q, args...)
}

// QueryRow is QueryRowContext without a context (tests and tools).
func (s *DB) QueryRow(q string, args ...any) *sql.Row {
	return s.QueryRowContext(context.Background(), q, args...)
}

// Tx is a transaction whose statements are written with ? placeholders.
type Tx struct {
	tx      *sql.Tx
	dialect dialect
}

// BeginTx starts a transaction. On SQLite it takes the write lock at
// BEGIN (the DSN sets _txlock=immediate), so transactions are serial; on
// PostgreSQL it is READ COMMITTED and the methods that need it lock rows
// (SELECT … FOR UPDATE).
func (s *DB) BeginTx(ctx context.Context, opts *sql.TxOptions) (*Tx, error) {
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &Tx{tx: tx, dialect: s.dialect}, nil
}

// ExecContext runs a statement in the transaction.
func (t *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.dialect.rebind(q), args...)
}

// QueryContext runs a query in the transaction.
func (t *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.dialect.rebind(q), args...)
}

// QueryRowContext runs a one-row query in the transaction.
func (t *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.dialect.rebind(q), args...)
}

// Commit commits the transaction.
func (t *Tx) Commit() error { return t.tx.Commit() }

// Rollback aborts the transaction; after Commit it is a no-op.
func (t *Tx) Rollback() error { return t.tx.Rollback() }

// lockForUpdate locks the rows of table matching where (with args) until
// the transaction ends. On SQLite the transaction already holds the
// database's write lock, so it does nothing.
func (t *Tx) lockForUpdate(ctx context.Context, table, where string, args ...any) error {
	if t.dialect.name != Postgres {
		return nil
	}
	rows, err := t.QueryContext(ctx, `SELECT 1 FROM `+table+` WHERE `+where+` FOR UPDATE`, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	rows.Close()
	return rows.Err()
}

// inTx runs f in a transaction, committing if f returns nil.
func (s *DB) inTx(ctx context.Context, f func(tx *Tx) error) error {
	tx, err := s.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction on %s: %w", s.path, err)
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit on %s: %w", s.path, err)
	}
	return nil
}

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the dialect's migrations (migrations/<dialect>/) in
// version order.
func migrations(dialectName string) ([]migration, error) {
	dir := "migrations/" + dialectName
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("store: migration file %s/%s must be named NNNN_description.sql", dir, name)
		}
		b, err := migrationFS.ReadFile(dir + "/" + name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("store: migrations %s/%s and %s share version %d", dir, ms[i-1].name, ms[i].name, ms[i].version)
		}
	}
	return ms, nil
}

// migrationLock is the PostgreSQL advisory lock key that serialises
// migrations between processes opening one database at once.
const migrationLock = 0x646174616c6162 // "datalab"

func (s *DB) migrate(ctx context.Context) error {
	ms, err := migrations(s.dialect.name)
	if err != nil {
		return err
	}
	lock := func(tx *Tx) error {
		if s.dialect.name != Postgres {
			return nil
		}
		_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(migrationLock))
		return err
	}
	err = s.inTx(ctx, func(tx *Tx) error {
		if err := lock(tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: create schema_migrations in %s: %w", s.path, err)
	}
	applied := map[int]bool{}
	rows, err := s.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("store: read schema_migrations in %s: %w", s.path, err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("store: read schema_migrations in %s: %w", s.path, err)
		}
		applied[v] = true
	}
	rows.Close()
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		// Another process may apply it meanwhile: the transaction checks
		// again under the lock.
		err := s.inTx(ctx, func(tx *Tx) error {
			if err := lock(tx); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
				return fmt.Errorf("check: %w", err)
			}
			if n > 0 {
				return nil
			}
			// Migration files hold no placeholders: run them as written.
			if _, err := tx.tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("apply: %w", err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, CURRENT_TIMESTAMP)`, m.version, m.name)
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migration %s/%s on %s: %w", s.dialect.name, m.name, s.path, err)
		}
	}
	return nil
}

// SchemaVersion is the highest migration version applied.
func (s *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	if err := s.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: schema version of %s: %w", s.path, err)
	}
	return int(v.Int64), nil
}

var errNoRows = sql.ErrNoRows

func isNoRows(err error) bool { return errors.Is(err, errNoRows) }
