package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/disclosure"
)

// testKey is a differencing key for tests only.
var testKey = bytes.Repeat([]byte{0x5a}, disclosure.MinKeyBytes)

// cohort is the digest list (as the evaluation job stores it) of the
// people with spine ids P00000+from .. P00000+to-1.
func cohort(t testing.TB, from, to int) []byte {
	t.Helper()
	var ids []string
	for i := from; i < to; i++ {
		ids = append(ids, fmt.Sprintf("P%05d", i))
	}
	ms, err := disclosure.Members(testKey, ids)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(ms)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// approved takes a new evaluation of u's organisation to approved, with
// the given cohort digests stored as its job would (nil: none).
func (w *world) approved(t *testing.T, u User, digests []byte) Evaluation {
	t.Helper()
	ctx := context.Background()
	e := w.evaluate(t, w.submit(t, u))
	if digests != nil {
		if err := w.db.SetCohortDigests(ctx, e.ID, digests, now0); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range QAChecklist() {
		if _, err := w.db.TickQA(ctx, w.analyst, e.ID, q.Key, true, "", now0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.db.Decide(ctx, w.analyst, e.ID, EvaluationReviewed, "", now0); err != nil {
		t.Fatal(err)
	}
	e, err := w.db.Decide(ctx, w.publisher, e.ID, EvaluationApproved, "", now0)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// published counts the store's reports and published cohorts.
func published(t *testing.T, db *DB) (reports, cohorts int) {
	t.Helper()
	if err := db.QueryRow(`SELECT COUNT(*) FROM reports`).Scan(&reports); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM published_cohorts`).Scan(&cohorts); err != nil {
		t.Fatal(err)
	}
	return reports, cohorts
}

// TestDifferencingGuardAtPublication: the guard of issue 5 applied by the
// store's Publish. An organisation has 200 people published; a new cohort
// differing from it by 1 to 99 people (added, removed or both: the
// symmetric difference, worked out by hand beside each row) is refused
// with the number of people and nothing is published; the same people
// again, or a difference of 100, is accepted; another organisation's
// publications do not count.
func TestDifferencingGuardAtPublication(t *testing.T) {
	withStore(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		minute := 0
		publish := func(e Evaluation) (Report, error) {
			minute++
			return db.Publish(ctx, w.publisher, e.ID, Publication{HTML: []byte("<p>report</p>"), Title: fmt.Sprintf("Acme cohort %d", minute)}, now0.Add(time.Duration(minute)*time.Minute))
		}
		first := w.approved(t, w.provA, cohort(t, 0, 200))
		if _, err := publish(first); err != nil {
			t.Fatalf("the organisation's first publication: %v", err)
		}
		if _, err := publish(w.approved(t, w.provA, cohort(t, 0, 200))); err != nil {
			t.Fatalf("the same 200 people again (a republication): %v", err)
		}
		refused := []struct {
			name     string
			from, to int
			people   int // |A Δ B| against P0..P199
		}{
			{"one person removed", 1, 200, 1},
			{"three people added", 0, 203, 3},
			{"99 removed", 99, 200, 99},
			{"49 removed and 50 added", 49, 250, 99},
		}
		for _, tt := range refused {
			e := w.approved(t, w.provA, cohort(t, tt.from, tt.to))
			reps, cs := published(t, db)
			_, err := publish(e)
			var ref *DifferencingRefusal
			if !errors.As(err, &ref) || !errors.Is(err, ErrConflict) || !errors.Is(err, disclosure.ErrRefused) {
				t.Fatalf("%s: got %v, want a *DifferencingRefusal (ErrConflict)", tt.name, err)
			}
			if ref.Difference != tt.people || ref.Earlier != first.ID || ref.EvaluationID != e.ID {
				t.Errorf("%s: refusal %+v; want %d people against evaluation %d", tt.name, ref, tt.people, first.ID)
			}
			for _, want := range []string{"by " + disclosure.People(tt.people), `"Acme cohort 1"`, "at least 100 people", "request changes"} {
				if !strings.Contains(ref.Reason, want) {
					t.Errorf("%s: reason %q lacks %q", tt.name, ref.Reason, want)
				}
			}
			if r2, c2 := published(t, db); r2 != reps || c2 != cs {
				t.Errorf("%s: a refused publication stored %d reports and %d cohorts", tt.name, r2-reps, c2-cs)
			}
			if got, _ := db.Evaluation(ctx, AllOrgs(), e.ID); got.Status != EvaluationApproved || got.ReportSlug != "" {
				t.Errorf("%s: refused evaluation is %s at %q; want still approved, unpublished", tt.name, got.Status, got.ReportSlug)
			}
			audit, _ := db.AuditLog(ctx, AllOrgs(), AuditFilter{Action: ActionPublishRefused, ObjectID: fmt.Sprint(e.ID)})
			if len(audit) != 1 || !strings.Contains(string(audit[0].Detail), fmt.Sprintf(`"difference":%d`, tt.people)) || *audit[0].ActorID != w.publisher.ID {
				t.Errorf("%s: refusal audit %+v", tt.name, audit)
			}
		}
		// 100 more people: as many as the minimum cohort, accepted.
		if _, err := publish(w.approved(t, w.provA, cohort(t, 0, 300))); err != nil {
			t.Errorf("a cohort 100 people larger: %v", err)
		}
		// Another organisation: organisation A's cohorts do not count.
		b1 := w.approved(t, w.provB, cohort(t, 1, 200))
		if _, err := publish(b1); err != nil {
			t.Errorf("organisation B's cohort, 1 person from A's: %v", err)
		}
		if cs, _ := db.PublishedCohorts(ctx, w.orgA.ID); len(cs) != 3 {
			t.Errorf("organisation A has %d published cohorts, want 3", len(cs))
		}
		// Failing closed: an evaluation without digests is refused, even
		// though nothing it could be compared with is close.
		_, err := publish(w.approved(t, w.provB, nil))
		var ref *DifferencingRefusal
		if !errors.As(err, &ref) || !strings.Contains(ref.Reason, "no cohort digests") || !strings.Contains(ref.Reason, "run the evaluation again") {
			t.Errorf("publication without digests: %v; want a refusal saying so", err)
		}
		// A report published before the lab kept digests blocks the
		// organisation's further publications, naming it.
		if _, err := db.Exec(`DELETE FROM published_cohorts WHERE evaluation_id = ?`, b1.ID); err != nil {
			t.Fatal(err)
		}
		_, err = publish(w.approved(t, w.provB, cohort(t, 1000, 1500)))
		if !errors.As(err, &ref) || ref.Earlier != b1.ID || !strings.Contains(ref.Reason, "before the lab kept cohort digests") {
			t.Errorf("publication after a report without digests: %v; want a refusal naming evaluation %d", err, b1.ID)
		}
	})
}

// TestSetCohortDigests: the digests are stored and replaced; anything
// that is not a sorted list of keyed digests (bare person_ids, say) is
// refused, so no identifier reaches the store; a published evaluation's
// digests are fixed.
func TestSetCohortDigests(t *testing.T) {
	withStore(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		e := w.evaluate(t, w.submit(t, w.provA))
		if _, ok, err := db.CohortPeople(ctx, AllOrgs(), e.ID); ok || err != nil {
			t.Errorf("digests before any were stored: %v %v", ok, err)
		}
		for _, d := range [][]byte{cohort(t, 0, 120), cohort(t, 0, 150)} {
			if err := db.SetCohortDigests(ctx, e.ID, d, now0); err != nil {
				t.Fatal(err)
			}
		}
		if n, ok, err := db.CohortPeople(ctx, ScopeOf(w.provA), e.ID); n != 150 || !ok || err != nil {
			t.Errorf("cohort people = %d %v %v; want the replacement's 150", n, ok, err)
		}
		if _, _, err := db.CohortPeople(ctx, ScopeOf(w.provB), e.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("another organisation reads the cohort size: %v", err)
		}
		var ds []string
		json.Unmarshal(cohort(t, 0, 2), &ds)
		for name, bad := range map[string]string{
			"person ids":  `["P00001","P00002"]`,
			"unsorted":    `["` + ds[1] + `","` + ds[0] + `"]`,
			"repeated":    `["` + ds[0] + `","` + ds[0] + `"]`,
			"empty":       `[]`,
			"not JSON":    "\x01\x02\x03",
			"upper case":  `["` + strings.ToUpper(ds[0]) + `"]`,
			"short entry": `["` + ds[0][:63] + `"]`,
		} {
			if err := db.SetCohortDigests(ctx, e.ID, []byte(bad), now0); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: got %v, want ErrInvalid", name, err)
			}
		}
		if err := db.SetCohortDigests(ctx, 9999, cohort(t, 0, 1), now0); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown evaluation: %v", err)
		}
		audit, _ := db.AuditLog(ctx, AllOrgs(), AuditFilter{Action: ActionCohortDigests, ObjectID: fmt.Sprint(e.ID)})
		if len(audit) != 2 || string(audit[0].Detail) != `{"people":150}` {
			t.Errorf("digest audit: %+v", audit)
		}
		p := w.approved(t, w.provA, cohort(t, 0, 150))
		if _, err := db.Publish(ctx, w.publisher, p.ID, Publication{HTML: []byte("x")}, now0); err != nil {
			t.Fatal(err)
		}
		if err := db.SetCohortDigests(ctx, p.ID, cohort(t, 0, 10), now0); !errors.Is(err, ErrInvalidState) {
			t.Errorf("digests of a published evaluation changed: %v", err)
		}
	})
}

// TestDifferencingGuardConcurrent: two cohorts of one organisation, 5
// people apart, published at the same moment by two publishers' requests:
// exactly one is published and the other refused, on both back-ends (the
// check and the record are one transaction under the organisation's lock).
func TestDifferencingGuardConcurrent(t *testing.T) {
	withStore(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		for round := range 3 {
			base := 10000 * (round + 1) // cohorts far from earlier rounds'
			es := []Evaluation{w.approved(t, w.provA, cohort(t, base, base+150)), w.approved(t, w.provA, cohort(t, base+5, base+150))}
			errs := make([]error, len(es))
			var wg sync.WaitGroup
			for i, e := range es {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = db.Publish(ctx, w.publisher, e.ID, Publication{HTML: []byte("x")}, now0)
				}()
			}
			wg.Wait()
			var ok, refused int
			for _, err := range errs {
				var ref *DifferencingRefusal
				switch {
				case err == nil:
					ok++
				case errors.As(err, &ref) && ref.Difference == 5:
					refused++
				default:
					t.Errorf("round %d: %v", round, err)
				}
			}
			if ok != 1 || refused != 1 {
				t.Errorf("round %d: %d published and %d refused; want 1 and 1", round, ok, refused)
			}
		}
	})
}
