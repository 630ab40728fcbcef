package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/trials/plan"
	"github.com/employment-data-lab/datalab/internal/trials/randomise"
)

var t0 = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

var siteDesign = randomise.Design{
	Arms: []string{"control", "treatment"}, Ratio: []int{1, 1}, BlockSizes: []int{2, 4, 6},
	Factors: []randomise.Factor{{Name: "site", Levels: []string{"North", "South"}}},
}

func newTrial(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.CreateTrial(context.Background(), "T1", "test trial", siteDesign, t0, rand.Reader); err != nil {
		t.Fatal(err)
	}
	return db
}

func site(i int) map[string]string {
	if i%3 == 0 {
		return map[string]string{"site": "South"}
	}
	return map[string]string{"site": "North"}
}

func TestEnrolIdempotentAndChecked(t *testing.T) { forEachBackend(t, testEnrolIdempotentAndChecked) }

func testEnrolIdempotentAndChecked(t *testing.T, b backend) {
	ctx := context.Background()
	db := newTrial(t, b.dsn(t))
	first, err := db.Enrol(ctx, "T1", "P001", site(1), t0.Add(time.Minute))
	if err != nil || !first.New || first.Position != 1 || first.PrevHash == "" {
		t.Fatalf("first enrolment %+v, %v", first, err)
	}
	again, err := db.Enrol(ctx, "T1", "P001", site(1), t0.Add(time.Hour))
	if err != nil || again.New || again.Arm != first.Arm || again.Position != 1 || again.Hash != first.Hash {
		t.Fatalf("re-enrolment %+v, %v; want the first allocation back", again, err)
	}
	tr, _ := db.Trial(ctx, "T1")
	if tr.Allocations != 1 || tr.Head != first.Hash {
		t.Errorf("trial after re-enrolment: %d allocations, head %s", tr.Allocations, tr.Head)
	}
	bad := []struct {
		id, ref string
		levels  map[string]string
		want    string
	}{
		{"T1", "P001", map[string]string{"site": "South"}, "never changed"},
		{"T1", "AB123456C", site(1), "National Insurance"},
		{"T1", "Jane Smith", site(1), "no spaces"},
		{"T1", "P002", map[string]string{"site": "North", "dob": "1990-01-01"}, "not a declared stratification factor"},
		{"T1", "P002", nil, `factor "site" missing`},
		{"T9", "P002", site(1), "datalab trial create"},
	}
	for _, b := range bad {
		if _, err := db.Enrol(ctx, b.id, b.ref, b.levels, t0); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("enrol %s %s %v: %v, want %q", b.id, b.ref, b.levels, err, b.want)
		}
	}
	// The kinds callers (the web API) map to 409: an allocation never
	// changes stratum; an identifier is taken.
	if _, err := db.Enrol(ctx, "T1", "P001", map[string]string{"site": "South"}, t0); !errors.Is(err, ErrConflict) {
		t.Errorf("re-enrolment in another stratum: %v, want ErrConflict", err)
	}
	if _, err := db.CreateTrial(ctx, "T1", "", siteDesign, t0, rand.Reader); err == nil || !strings.Contains(err.Error(), "exists") || !errors.Is(err, ErrConflict) {
		t.Errorf("duplicate trial: %v, want ErrConflict", err)
	}
	if _, err := db.CreateTrial(ctx, "no spaces allowed", "", siteDesign, t0, rand.Reader); !errors.Is(err, ErrInvalid) || ValidTrialID("no spaces allowed") {
		t.Errorf("invalid trial id: %v, want ErrInvalid", err)
	}
	if _, _, err := db.CloseTrial(ctx, "T1", t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Enrol(ctx, "T1", "P002", site(1), t0); err == nil || !strings.Contains(err.Error(), "closed") || !errors.Is(err, ErrInvalidState) {
		t.Errorf("enrol after close: %v", err)
	}
	// An enrolled participant still gets their allocation back.
	if e, err := db.Enrol(ctx, "T1", "P001", site(1), t0); err != nil || e.Arm != first.Arm {
		t.Errorf("re-enrol after close: %+v %v", e, err)
	}
}

// checkLog asserts positions 1..n without gaps or duplicates, each
// reference once, and a verified chain.
func checkLog(t *testing.T, db *DB, wantRefs int) {
	t.Helper()
	ctx := context.Background()
	es, err := db.Allocations(ctx, "T1")
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != wantRefs {
		t.Errorf("%d allocations, want %d", len(es), wantRefs)
	}
	seen := map[string]bool{}
	for i, e := range es {
		if e.Position != i+1 {
			t.Fatalf("allocation %d at position %d: gap or duplicate", i+1, e.Position)
		}
		if seen[e.ParticipantRef] {
			t.Fatalf("participant %s allocated twice", e.ParticipantRef)
		}
		seen[e.ParticipantRef] = true
	}
	r, err := db.VerifyTrial(ctx, "T1", "")
	if err != nil || !r.OK || !r.SequenceChecked {
		t.Fatalf("verify after concurrent enrolment: %+v %v", r, err)
	}
}

// Many goroutines, each with its own connection pool on one file, enrol
// overlapping references at once.
func TestConcurrentEnrolment(t *testing.T) { forEachBackend(t, testConcurrentEnrolment) }

func testConcurrentEnrolment(t *testing.T, b backend) {
	path := b.dsn(t)
	newTrial(t, path)
	const workers, each = 8, 30
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	arms := sync.Map{}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			db, err := Open(context.Background(), path)
			if err != nil {
				errs <- err
				return
			}
			defer db.Close()
			for i := 0; i < each; i++ {
				// Workers w and w+1 share half their references.
				n := w*each/2 + i
				ref := fmt.Sprintf("P%04d", n)
				e, err := db.Enrol(context.Background(), "T1", ref, site(n), t0.Add(time.Duration(n)*time.Second))
				if err != nil {
					errs <- err
					continue
				}
				if prev, loaded := arms.LoadOrStore(ref, e.Arm); loaded && prev != e.Arm {
					errs <- fmt.Errorf("%s got %s then %s", ref, prev, e.Arm)
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkLog(t, db, (workers+1)*each/2)
}

// Several processes enrol at once: the test binary runs itself as the
// children (TestEnrolChildProcess does the work when the variable is set).
func TestConcurrentEnrolmentProcesses(t *testing.T) {
	forEachBackend(t, testConcurrentEnrolmentProcesses)
}

func testConcurrentEnrolmentProcesses(t *testing.T, b backend) {
	path := b.dsn(t)
	newTrial(t, path)
	const procs, each = 3, 25
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for p := 0; p < procs; p++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEnrolChildProcess$")
		cmd.Env = append(os.Environ(), "DATALAB_TRIALS_CHILD="+path, "DATALAB_TRIALS_FROM="+strconv.Itoa(p*each/2), "DATALAB_TRIALS_N="+strconv.Itoa(each))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, &out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("child %d: %v\n%s", i, err, outs[i])
		}
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkLog(t, db, (procs+1)*each/2)
}

func TestEnrolChildProcess(t *testing.T) {
	path := os.Getenv("DATALAB_TRIALS_CHILD")
	if path == "" {
		t.Skip("run by TestConcurrentEnrolmentProcesses")
	}
	from, _ := strconv.Atoi(os.Getenv("DATALAB_TRIALS_FROM"))
	n, _ := strconv.Atoi(os.Getenv("DATALAB_TRIALS_N"))
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := from; i < from+n; i++ {
		if _, err := db.Enrol(context.Background(), "T1", fmt.Sprintf("P%04d", i), site(i), t0.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
}

// Tampering with the stored log through raw SQL is caught by VerifyTrial
// and named.
func TestVerifyCatchesRawSQLTampering(t *testing.T) {
	forEachBackend(t, testVerifyCatchesRawSQLTampering)
}

func testVerifyCatchesRawSQLTampering(t *testing.T, b backend) {
	ctx := context.Background()
	tests := []struct {
		name string
		sql  []string
		pos  int
		kind randomise.Kind
	}{
		{"arm edited", []string{`UPDATE trial_allocations SET arm = CASE arm WHEN 'control' THEN 'treatment' ELSE 'control' END WHERE position = 4`}, 4, randomise.Edited},
		{"stratum edited", []string{`UPDATE trial_allocations SET stratum = 'site=South' WHERE position = 2`}, 2, randomise.Edited},
		{"middle deleted", []string{`DELETE FROM trial_allocations WHERE position = 5`}, 6, randomise.Deleted},
		{"tail deleted", []string{`DELETE FROM trial_allocations WHERE position = 12`}, 12, randomise.Deleted},
		{"tail deleted, count fixed", []string{`DELETE FROM trial_allocations WHERE position = 12`, `UPDATE trials SET allocations = 11`}, 12, randomise.Deleted},
		{"reordered", []string{
			`UPDATE trial_allocations SET position = 100 WHERE position = 3`,
			`UPDATE trial_allocations SET position = 3 WHERE position = 7`,
			`UPDATE trial_allocations SET position = 7 WHERE position = 100`}, 3, randomise.Reordered},
		{"inserted at the end", []string{`INSERT INTO trial_allocations SELECT trial_id, 13, 'X1', stratum, arm, allocated_at, hash, hash FROM trial_allocations WHERE position = 12`}, 13, randomise.Inserted},
		{"inserted in the middle", []string{
			`UPDATE trial_allocations SET position = position + 100 WHERE position >= 6`,
			`UPDATE trial_allocations SET position = position - 99 WHERE position >= 106`,
			`INSERT INTO trial_allocations SELECT trial_id, 6, 'X1', stratum, arm, allocated_at, prev_hash, hash FROM trial_allocations WHERE position = 5`}, 6, randomise.Inserted},
		{"design edited", []string{`UPDATE trials SET design = replace(design, '"ratio":[1,1]', '"ratio":[1,2]')`}, 0, randomise.Edited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each case has its own store
			db := newTrial(t, b.dsn(t))
			for i := 1; i <= 12; i++ {
				if _, err := db.Enrol(ctx, "T1", fmt.Sprintf("P%03d", i), site(i), t0.Add(time.Duration(i)*time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			if r, err := db.VerifyTrial(ctx, "T1", ""); err != nil || !r.OK {
				t.Fatalf("before tampering: %+v %v", r, err)
			}
			for _, q := range tt.sql {
				if _, err := db.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			r, err := db.VerifyTrial(ctx, "T1", "")
			if err != nil {
				t.Fatal(err)
			}
			if r.OK || r.Break == nil || r.Break.Kind != tt.kind || r.Break.Position != tt.pos {
				t.Errorf("got %+v (break %+v), want %s at position %d", r, r.Break, tt.kind, tt.pos)
			}
		})
	}
}

// A rewrite of the whole log and head is caught by a head kept outside
// the store, and an edited arm by the sequence check.
func TestVerifyExternalHeadAndSequence(t *testing.T) {
	forEachBackend(t, testVerifyExternalHeadAndSequence)
}

func testVerifyExternalHeadAndSequence(t *testing.T, b backend) {
	ctx := context.Background()
	db := newTrial(t, b.dsn(t))
	var heads []string
	for i := 1; i <= 6; i++ {
		e, err := db.Enrol(ctx, "T1", fmt.Sprintf("P%03d", i), site(i), t0.Add(time.Duration(i)*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		heads = append(heads, e.Head)
	}
	if r, _ := db.VerifyTrial(ctx, "T1", heads[5]); !r.OK {
		t.Errorf("current external head: %+v", r)
	}
	if r, _ := db.VerifyTrial(ctx, "T1", heads[2]); !r.OK || len(r.Notes) != 1 {
		t.Errorf("earlier external head: %+v", r)
	}
	// Rewrite: flip the arm at position 6 and rehash it and the head.
	es, _ := db.Allocations(ctx, "T1")
	e := es[5]
	if e.Arm == "control" {
		e.Arm = "treatment"
	} else {
		e.Arm = "control"
	}
	e.Hash = randomise.Link("T1", e.PrevHash, e)
	db.Exec(`UPDATE trial_allocations SET arm = ?, hash = ? WHERE position = 6`, e.Arm, e.Hash)
	db.Exec(`UPDATE trials SET head = ?`, e.Hash)
	r, _ := db.VerifyTrial(ctx, "T1", "")
	if r.OK || r.Break.Kind != randomise.OffSequence || r.Break.Position != 6 {
		t.Errorf("rewritten arm: %+v %+v, want off-sequence at 6", r, r.Break)
	}
	r, _ = db.VerifyTrial(ctx, "T1", heads[5])
	if r.OK {
		t.Errorf("rewritten log passed against the external head: %+v", r)
	}
}

func TestEnrolFile(t *testing.T) { forEachBackend(t, testEnrolFile) }

func testEnrolFile(t *testing.T, b backend) {
	ctx := context.Background()
	db := newTrial(t, b.dsn(t))
	clock := func() time.Time { return t0 }
	file := "participant_ref,site\nP1,North\nP2,South\nP3,North\n"
	es, err := db.EnrolFile(ctx, "T1", strings.NewReader(file), clock)
	if err != nil || len(es) != 3 || es[2].Position != 3 || !es[2].New {
		t.Fatalf("%+v %v", es, err)
	}
	// Again: the same allocations, nobody re-randomised.
	again, err := db.EnrolFile(ctx, "T1", strings.NewReader(file+"P4,South\n"), clock)
	if err != nil || len(again) != 4 || again[0].New || again[0].Arm != es[0].Arm || !again[3].New || again[3].Position != 4 {
		t.Fatalf("%+v %v", again, err)
	}
	if _, err := db.EnrolFile(ctx, "T1", strings.NewReader("participant_ref,site,date_of_birth\nP9,North,1990-01-01\n"), clock); err == nil || !strings.Contains(err.Error(), "date_of_birth") {
		t.Errorf("extra column: %v", err)
	}
	if tr, _ := db.Trial(ctx, "T1"); tr.Allocations != 4 {
		t.Errorf("%d allocations after a refused file, want 4", tr.Allocations)
	}
}

func TestExportHasNoSeed(t *testing.T) { forEachBackend(t, testExportHasNoSeed) }

func testExportHasNoSeed(t *testing.T, b backend) {
	ctx := context.Background()
	db := newTrial(t, b.dsn(t))
	for i := 1; i <= 3; i++ {
		if _, err := db.Enrol(ctx, "T1", fmt.Sprintf("P%03d", i), site(i), t0); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := db.ExportTrial(ctx, "T1", &out); err != nil {
		t.Fatal(err)
	}
	var seed string
	db.QueryRow(`SELECT seed FROM trials`).Scan(&seed)
	if lines := strings.Count(out.String(), "\n"); lines != 4 || strings.Contains(out.String(), seed) {
		t.Errorf("export (%d lines) or seed leaked:\n%s", lines, out.String())
	}
	_, s, err := db.CloseTrial(ctx, "T1", t0.Add(time.Hour))
	if err != nil || s.String() != seed {
		t.Errorf("close: seed %s, %v", s, err)
	}
}

func TestPlanLock(t *testing.T) { forEachBackend(t, testPlanLock) }

func testPlanLock(t *testing.T, b backend) {
	ctx := context.Background()
	db := newTrial(t, b.dsn(t))
	w := 52
	p := plan.Plan{Trial: "T1", PrimaryOutcome: "employed", HorizonWeek: &w, Covariates: []string{"age", "site"}, Subgroups: []string{"site"}, MDE: 0.05}
	if _, err := db.SavePlan(ctx, p, t0); err != nil {
		t.Fatal(err)
	}
	p.MDE = 0.04 // a draft can change
	if _, err := db.SavePlan(ctx, p, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	l, err := db.LockPlan(ctx, "T1", t0.Add(time.Hour))
	if err != nil || l.Plan.MDE != 0.04 || !l.LockedAt.Equal(t0.Add(time.Hour)) || l.Hash != l.Plan.Hash() {
		t.Fatalf("lock: %+v %v", l, err)
	}
	if _, err := db.SavePlan(ctx, p, t0.Add(2*time.Hour)); err == nil || !strings.Contains(err.Error(), "cannot change") {
		t.Errorf("save after lock: %v", err)
	}
	if _, err := db.LockPlan(ctx, "T1", t0.Add(2*time.Hour)); err == nil || !strings.Contains(err.Error(), "already locked") {
		t.Errorf("second lock: %v", err)
	}
	_, got, err := db.Plan(ctx, "T1")
	if err != nil || got == nil || got.Hash != l.Hash || !got.Intact() {
		t.Fatalf("read lock: %+v %v", got, err)
	}
	// Edited in the database: the hash no longer matches.
	db.Exec(`UPDATE trial_plans SET plan = replace(plan, '"mde":0.04', '"mde":0.02')`)
	if _, got, _ = db.Plan(ctx, "T1"); got.Intact() {
		t.Error("edited locked plan still intact")
	}
	d := plan.Deviation{Reason: "week 52 not yet observed", PlanHash: l.Hash, Departures: []plan.Departure{{Field: "horizon_week", Planned: "52", Used: "26"}}}
	if err := db.RecordDeviation(ctx, "T1", d, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ds, err := db.Deviations(ctx, "T1"); err != nil || len(ds) != 1 || ds[0].Reason != d.Reason || ds[0].Departures[0].Used != "26" {
		t.Errorf("deviations %+v %v", ds, err)
	}
	// A plan cannot be locked once outcomes are linked.
	if _, err := db.CreateTrial(ctx, "T2", "", siteDesign, t0, rand.Reader); err != nil {
		t.Fatal(err)
	}
	p.Trial = "T2"
	if _, err := db.SavePlan(ctx, p, t0); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkOutcomesLinked(ctx, "T2", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LockPlan(ctx, "T2", t0.Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "linked") {
		t.Errorf("lock after linking: %v", err)
	}
	p.PrimaryOutcome = "wellbeing"
	if _, err := db.SavePlan(ctx, p, t0); err == nil || !strings.Contains(err.Error(), "outcomes framework") {
		t.Errorf("unknown outcome: %v", err)
	}
}

// BenchmarkEnrol enrols into a trial in a file store, one transaction per
// enrolment (WAL, synchronous default).
func BenchmarkEnrol(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "lab.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.CreateTrial(ctx, "T1", "", siteDesign, t0, rand.Reader); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.Enrol(ctx, "T1", fmt.Sprintf("P%07d", i), site(i), t0); err != nil {
			b.Fatal(err)
		}
	}
}
