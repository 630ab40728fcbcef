package jobs

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/disclosure"
	"github.com/employment-data-lab/datalab/internal/evaluation"
	"github.com/employment-data-lab/datalab/internal/store"
)

// TestEvaluationJobStoresKeyedDigests runs an evaluation job on the real
// store (both back-ends) and reads back what it left for the differencing
// guard: exactly the keyed digests (HMAC-SHA-256 under the lab's key) of
// the person_ids in the job's linked.csv, and none of those person_ids.
// Publication then goes through the guard with them.
func TestEvaluationJobStoresKeyedDigests(t *testing.T) {
	w := newWorld(t)
	key := bytes.Repeat([]byte{0x3c}, disclosure.MinKeyBytes)
	for name, open := range map[string]func(testing.TB) string{
		store.SQLite: func(t testing.TB) string { return filepath.Join(t.TempDir(), "lab.db") },
		store.Postgres: func(t testing.TB) string {
			if os.Getenv("DATALAB_TEST_POSTGRES") == "" {
				t.Skip("set DATALAB_TEST_POSTGRES to run on PostgreSQL too")
			}
			return postgresDSN(t)
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := openStore(t, open(t))
			now := time.Now()
			org, err := db.CreateOrganisation(ctx, nil, "Jobsearch Trust", now)
			if err != nil {
				t.Fatal(err)
			}
			prov, err := db.CreateUser(ctx, nil, store.NewUser{Email: "p@trust.example", Role: store.RoleProvider, OrgID: &org.ID, Password: "provider password 1"}, now)
			if err != nil {
				t.Fatal(err)
			}
			sub, err := db.CreateSubmission(ctx, prov, store.NewSubmission{OrgID: org.ID, FileName: "participants.csv", Content: w.participants(t, "jobsearch_plus")}, now)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.RecordChecks(ctx, sub.ID, true, json.RawMessage(`{}`), now); err != nil {
				t.Fatal(err)
			}
			nj, err := NewEvaluationJob(org.ID, sub.ID, EvaluationParams{Programme: "jobsearch_plus"})
			if err != nil {
				t.Fatal(err)
			}
			job, err := db.EnqueueJob(ctx, &prov, nj, now)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			work := &Evaluations{Records: db, Spine: w.spine, Dir: dir, Keep: true, MinCohort: 50, Spec: evaluation.Spec{Seed: 1},
				DigestKey: key, Jobs: db, Log: testLog(t)}
			if err := work.Run(ctx, job, func(store.Progress) {}); err != nil {
				t.Fatal(err)
			}
			evs, err := db.Evaluations(ctx, store.AllOrgs(), store.EvaluationFilter{SubmissionID: &sub.ID})
			if err != nil || len(evs) != 1 {
				t.Fatalf("evaluations: %d, %v", len(evs), err)
			}
			var stored []byte
			if err := db.QueryRow(`SELECT digests FROM evaluation_cohorts WHERE evaluation_id = ?`, evs[0].ID).Scan(&stored); err != nil {
				t.Fatalf("the job stored no cohort digests: %v", err)
			}

			// The linked cohort's person_ids, from the job's own linked.csv.
			ids := linkedPersonIDs(t, filepath.Join(dir, "job-"+strconv.FormatInt(job.ID, 10), "linked.csv"))
			if len(ids) < 50 {
				t.Fatalf("linked.csv holds %d person_ids, want the linked cohort (at least 50)", len(ids))
			}
			for _, id := range ids {
				if bytes.Contains(stored, []byte(id)) {
					t.Fatalf("the stored digests contain the person_id %q", id)
				}
			}
			want, err := disclosure.Members(key, ids)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			if err := json.Unmarshal(stored, &got); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("stored %d digests; want the %d keyed digests of linked.csv's person_ids", len(got), len(want))
			}
			other, _ := disclosure.Members(bytes.Repeat([]byte{0x3d}, disclosure.MinKeyBytes), ids)
			if disclosure.SymmetricDifference(got, other) != 2*len(got) {
				t.Error("digests under another key match: they are not keyed")
			}
			if n, ok, err := db.CohortPeople(ctx, store.AllOrgs(), evs[0].ID); !ok || n != len(ids) || err != nil {
				t.Errorf("cohort people = %d %v %v, want %d", n, ok, err, len(ids))
			}
		})
	}
}

// linkedPersonIDs reads the distinct non-empty person_ids of linked.csv.
func linkedPersonIDs(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(rows[0], "person_id")
	if col < 0 {
		t.Fatalf("linked.csv has no person_id column: %v", rows[0])
	}
	var ids []string
	for _, r := range rows[1:] {
		if r[col] != "" {
			ids = append(ids, r[col])
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}
