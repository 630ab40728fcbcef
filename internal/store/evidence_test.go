package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/employment-data-lab/datalab/internal/evidence"
	"github.com/employment-data-lab/datalab/internal/evidence/evidencetest"
)

// TestEvidenceContract runs the evidence.Library contract on a real
// in-memory SQLite store; set DATALAB_KEEP_DB=1 to keep a file instead.
func TestEvidenceContract(t *testing.T) {
	t.Run("memory", func(t *testing.T) { evidenceContract(t, "") })
	forEachBackend(t, func(t *testing.T, b backend) { evidenceContract(t, b) })
}

func evidenceContract(t *testing.T, b backend) {
	evidencetest.Contract(t, func(t *testing.T) evidence.Library {
		path := ":memory:"
		if b != "" {
			path = b.dsn(t)
		} else if os.Getenv("DATALAB_KEEP_DB") != "" {
			path = filepath.Join(t.TempDir(), "lab.db")
			t.Logf("store kept at %s", path)
		}
		db, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db.Evidence()
	})
}

func TestEvidenceSurvivesReopen(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) { testEvidenceSurvivesReopen(t, b.dsn(t)) })
}

func testEvidenceSurvivesReopen(t *testing.T, path string) {
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	iv, s := evidencetest.Fixture()
	if _, err := evidence.Add(ctx, db.Evidence(), iv, s, false); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Evidence().Study(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st := got.Standard(); st.Level != 3 || st.Reason != s.SMSOverrideReason {
		t.Errorf("standard after reopen: %+v", st)
	}
}
