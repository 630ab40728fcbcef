package server_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/pipeline"
	"github.com/employment-data-lab/datalab/internal/server/service"
	"github.com/employment-data-lab/datalab/internal/spine"
	"github.com/employment-data-lab/datalab/internal/store"
	"github.com/employment-data-lab/datalab/internal/synth"
)

// The end-to-end test and the load benchmark run the lab as `datalab
// serve --spine` runs it (service.Run: the store, the spine's timeline
// index, the job runner with the real evaluation work, the HTTP server
// on a loopback listener) on a small synthetic world.

// labWorld is a synthetic world with its spine imported and its timeline
// index built (the cache file beside the spine, so each service start
// loads it instead of building it).
type labWorld struct {
	Dir   string // the world (synth.Write's folder)
	Spine string // the imported spine database
}

// programmeFile is the noisy participants file a provider of programme
// prog would upload (made-up people of the synthetic world).
func (w labWorld) programmeFile(prog string) string {
	return filepath.Join(w.Dir, "programmes", prog, "participants_noisy.csv")
}

// buildWorld generates a world of the given size, imports its spine and
// builds the index, in t's temporary folder.
func buildWorld(t testing.TB, people int, seed uint64) labWorld {
	t.Helper()
	ctx := context.Background()
	began := time.Now()
	dir := t.TempDir()
	w := labWorld{Dir: filepath.Join(dir, "world"), Spine: filepath.Join(dir, "spine.duckdb")}
	cfg := synth.DefaultConfig()
	cfg.People, cfg.Seed = people, seed
	if _, err := synth.Write(ctx, w.Dir, cfg, nil); err != nil {
		t.Fatalf("generating the synthetic world: %v", err)
	}
	if _, err := spine.Import(ctx, filepath.Join(w.Dir, "spine"), w.Spine, spine.ImportOptions{}); err != nil {
		t.Fatalf("importing the spine: %v", err)
	}
	if _, err := pipeline.OpenSpine(ctx, w.Spine, nil); err != nil {
		t.Fatalf("building the timeline index: %v", err)
	}
	t.Logf("synthetic world of %d people (seed %d) generated, imported and indexed in %v", people, seed, time.Since(began).Round(time.Millisecond))
	return w
}

// openStore opens the lab's store at dsn from the test's side (cheap
// password hashing, which the service verifies from the hash's own
// parameters), to create accounts before the service starts and check
// records after.
func openStore(t testing.TB, dsn string) *store.DB {
	t.Helper()
	db, err := store.OpenWith(context.Background(), dsn, store.Options{Password: store.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// labDSN is a fresh store for backend "sqlite" (a file in t's temporary
// folder) or "postgres" (a new schema in DATALAB_TEST_POSTGRES, dropped
// after t; t is skipped when that is not set).
func labDSN(t testing.TB, backend string) string {
	t.Helper()
	if backend == "postgres" {
		base := os.Getenv("DATALAB_TEST_POSTGRES")
		if base == "" {
			t.Skip("set DATALAB_TEST_POSTGRES to run on PostgreSQL too")
		}
		return postgresSchema(t, base)
	}
	return filepath.Join(t.TempDir(), "lab.db")
}

// startLab runs service.Run on a loopback port with the world's spine and
// the store at dsn, and returns its base URL once it listens. It is shut
// down (HTTP first, then the runner) when t ends.
func startLab(t testing.TB, w labWorld, dsn string, workers int) string {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- service.Run(ctx, service.Options{
			Addr:    "127.0.0.1:0",
			DB:      dsn,
			DataDir: t.TempDir(),
			Spine:   w.Spine,
			// Plain http on loopback: cookies without Secure.
			InsecureCookies: true,
			Workers:         workers,
			Log:             slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelError})),
			Ready:           func(url string) { ready <- url },
		})
	}()
	var url string
	select {
	case url = <-ready:
	case err := <-done:
		stop()
		t.Fatalf("the lab service did not start: %v", err)
	case <-time.After(2 * time.Minute):
		stop()
		t.Fatal("the lab service did not start listening within 2 minutes")
	}
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("the lab service stopped with an error: %v", err)
		}
	})
	return url
}

// labAccount is a sign-in the test creates in the store.
type labAccount struct {
	Email string
	Role  store.Role
	Org   *int64
}

// createAccounts adds the accounts (all with the test password pw).
func createAccounts(t testing.TB, db *store.DB, accounts ...labAccount) map[string]store.User {
	t.Helper()
	out := map[string]store.User{}
	for _, a := range accounts {
		u, err := db.CreateUser(context.Background(), nil, store.NewUser{Email: a.Email, Role: a.Role, OrgID: a.Org, Password: pw}, time.Now())
		if err != nil {
			t.Fatalf("creating %s: %v", a.Email, err)
		}
		out[a.Email] = u
	}
	return out
}

func createOrg(t testing.TB, db *store.DB, name string) store.Organisation {
	t.Helper()
	o, err := db.CreateOrganisation(context.Background(), nil, name, time.Now())
	if err != nil {
		t.Fatalf("creating organisation %s: %v", name, err)
	}
	return o
}

func orgRef(o store.Organisation) *int64 { id := o.ID; return &id }
