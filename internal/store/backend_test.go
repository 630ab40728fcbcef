package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The store's tests run on every back-end: SQLite in a temporary file
// always, and PostgreSQL when DATALAB_TEST_POSTGRES holds a DSN (each test
// in a fresh schema, dropped after it). Without the DSN the PostgreSQL
// half is skipped, unless DATALAB_REQUIRE_POSTGRES=1 (set by .ci/run),
// which makes its absence a failure.
//
//	DATALAB_TEST_POSTGRES='postgres://datalab:datalab@127.0.0.1:5432/datalab_test?sslmode=disable' go test ./internal/store/

// backend makes fresh, empty stores of one kind.
type backend string

// dsn returns the DSN of a fresh, empty store, removed when t ends; it
// may be opened as often as the test likes.
func (b backend) dsn(t testing.TB) string {
	t.Helper()
	if b == Postgres {
		return postgresDSN(t)
	}
	return filepath.Join(t.TempDir(), "lab.db")
}

// forEachBackend runs f as a subtest per back-end.
func forEachBackend(t *testing.T, f func(t *testing.T, b backend)) {
	t.Helper()
	for _, b := range []backend{SQLite, Postgres} {
		t.Run(string(b), func(t *testing.T) {
			if b == Postgres {
				requirePostgres(t)
			}
			f(t, b)
		})
	}
}

// withStore runs f per back-end on a fresh store opened with test options.
func withStore(t *testing.T, f func(t *testing.T, db *DB)) {
	t.Helper()
	forEachBackend(t, func(t *testing.T, b backend) { f(t, openTest(t, b.dsn(t))) })
}

func requirePostgres(t testing.TB) {
	t.Helper()
	if os.Getenv("DATALAB_TEST_POSTGRES") != "" {
		return
	}
	if os.Getenv("DATALAB_REQUIRE_POSTGRES") == "1" {
		t.Fatal("DATALAB_REQUIRE_POSTGRES=1 but DATALAB_TEST_POSTGRES is unset: give the DSN of a PostgreSQL database the tests may create schemas in")
	}
	t.Skip("PostgreSQL back-end not tested: set DATALAB_TEST_POSTGRES=postgres://user:pass@127.0.0.1:5432/db?sslmode=disable")
}

// postgresDSN creates a schema for this test in DATALAB_TEST_POSTGRES's
// database and returns a DSN whose search_path is that schema.
func postgresDSN(t testing.TB) string {
	t.Helper()
	requirePostgres(t)
	base := os.Getenv("DATALAB_TEST_POSTGRES")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("DATALAB_TEST_POSTGRES: %v", err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create test schema in %s: %v", redact(base), err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	// synchronous_commit=off: the tests need no durability, and waiting
	// for each commit to reach disk dominates their time.
	return base + sep + "search_path=" + schema + "&synchronous_commit=off"
}

// testPassword is a cheap argon2id cost for tests only.
var testPassword = PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}

// openTest opens a store on dsn with test options, closed at cleanup.
func openTest(t testing.TB, dsn string) *DB {
	t.Helper()
	db, err := OpenWith(context.Background(), dsn, Options{Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestRebind(t *testing.T) {
	tests := []struct{ in, want string }{
		{`SELECT ? , ?`, `SELECT $1 , $2`},
		{`SELECT '?' , ?`, `SELECT '?' , $1`},
		{`SELECT 'it''s ?', "a?b", ? -- what?` + "\n" + `, ?`, `SELECT 'it''s ?', "a?b", $1 -- what?` + "\n" + `, $2`},
		{`no placeholders`, `no placeholders`},
	}
	for _, tt := range tests {
		if got := postgresDialect.rebind(tt.in); got != tt.want {
			t.Errorf("rebind(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := sqliteDialect.rebind(tt.in); got != tt.in {
			t.Errorf("sqlite rebind changed %q to %q", tt.in, got)
		}
	}
}

// Both dialects must have the same migration versions and names, so a
// store's schema version means the same on either.
func TestMigrationsMatchAcrossDialects(t *testing.T) {
	sq, err := migrations(SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := migrations(Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(sq) != len(pg) {
		t.Fatalf("%d SQLite migrations, %d PostgreSQL", len(sq), len(pg))
	}
	for i := range sq {
		if sq[i].version != pg[i].version || sq[i].name != pg[i].name {
			t.Errorf("migration %d: sqlite %s, postgres %s", i, sq[i].name, pg[i].name)
		}
		if sq[i].version != i+1 {
			t.Errorf("migration %s: version %d, want %d (no gaps)", sq[i].name, sq[i].version, i+1)
		}
	}
}
