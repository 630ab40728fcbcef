package jobs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/store"
)

// The runner's scenarios run on the real store too: SQLite in a temporary
// file always, PostgreSQL when DATALAB_TEST_POSTGRES holds a DSN (each
// test in a fresh schema, dropped after it), as the store's own tests do.
//
//	DATALAB_TEST_POSTGRES='postgres://datalab:datalab@127.0.0.1:5432/datalab_test?sslmode=disable' go test ./internal/jobs/

// testPassword is a cheap argon2id cost for tests only.
var testPassword = store.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}

// realStores returns openers of the real store's back-ends.
func realStores(t testing.TB, now func() time.Time) map[string]func(t testing.TB) harness {
	out := map[string]func(t testing.TB) harness{
		store.SQLite: func(t testing.TB) harness {
			return openHarness(t, filepath.Join(t.TempDir(), "lab.db"), now)
		},
	}
	if os.Getenv("DATALAB_TEST_POSTGRES") != "" {
		out[store.Postgres] = func(t testing.TB) harness { return openHarness(t, postgresDSN(t), now) }
	}
	return out
}

// openStore opens a store on dsn with test options, closed at cleanup.
func openStore(t testing.TB, dsn string) *store.DB {
	t.Helper()
	db, err := store.OpenWith(context.Background(), dsn, store.Options{Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// postgresDSN creates a schema for this test in DATALAB_TEST_POSTGRES's
// database and returns a DSN whose search_path is that schema.
func postgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv("DATALAB_TEST_POSTGRES")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("DATALAB_TEST_POSTGRES: %v", err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "t_jobs_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create test schema: %v", err)
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
	return base + sep + "search_path=" + schema
}

type storeHarness struct {
	*store.DB
	now   func() time.Time
	mu    sync.Mutex
	admin *store.User
}

func openHarness(t testing.TB, dsn string, now func() time.Time) harness {
	db := openStore(t, dsn)
	if _, err := db.Jobs(context.Background(), store.AllOrgs(), store.JobFilter{}); err != nil && strings.Contains(err.Error(), "not implemented") {
		t.Skipf("the store's jobs are not implemented yet: %v", err)
	}
	return &storeHarness{DB: db, now: now}
}

func (h *storeHarness) enqueue(t testing.TB, n store.NewJob) int64 {
	j, err := h.EnqueueJob(context.Background(), nil, n, h.now())
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	return j.ID
}

func (h *storeHarness) get(t testing.TB, id int64) store.Job {
	j, err := h.Job(context.Background(), store.AllOrgs(), id)
	if err != nil {
		t.Fatalf("job %d: %v", id, err)
	}
	return j
}

func (h *storeHarness) requestCancel(t testing.TB, id int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ctx := context.Background()
	if h.admin == nil {
		u, err := h.CreateUser(ctx, nil, store.NewUser{Email: "admin@lab.test", Name: "Lab admin", Role: store.RoleAdmin}, h.now())
		if err != nil {
			t.Fatalf("create admin: %v", err)
		}
		h.admin = &u
	}
	if _, err := h.CancelJob(ctx, *h.admin, store.AllOrgs(), id, h.now()); err != nil {
		t.Fatalf("cancel job %d: %v", id, err)
	}
}
