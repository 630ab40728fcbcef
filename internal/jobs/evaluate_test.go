package jobs

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/evaluation"
	"github.com/employment-data-lab/datalab/internal/pipeline"
	"github.com/employment-data-lab/datalab/internal/spine"
	"github.com/employment-data-lab/datalab/internal/store"
	"github.com/employment-data-lab/datalab/internal/synth"
)

// world is a small synthetic world shared by the package's tests: 8,000
// people (seed 5), about 125 jobsearch_plus participants, imported and
// indexed once.
type world struct {
	dir   string
	spine *pipeline.Spine
}

var sharedWorld = sync.OnceValues(func() (world, error) {
	dir, err := os.MkdirTemp("", "datalab-jobs-*")
	if err != nil {
		return world{}, err
	}
	ctx := context.Background()
	cfg := synth.DefaultConfig()
	cfg.People, cfg.Seed = 8000, 5
	if _, err := synth.Write(ctx, dir, cfg, nil); err != nil {
		return world{dir: dir}, err
	}
	db := filepath.Join(dir, "spine.duckdb")
	if _, err := spine.Import(ctx, filepath.Join(dir, "spine"), db, spine.ImportOptions{}); err != nil {
		return world{dir: dir}, err
	}
	sp, err := pipeline.OpenSpine(ctx, db, nil)
	return world{dir: dir, spine: sp}, err
})

func TestMain(m *testing.M) {
	code := m.Run()
	if w, _ := sharedWorld(); w.dir != "" {
		os.RemoveAll(w.dir)
	}
	os.Exit(code)
}

func newWorld(t *testing.T) world {
	t.Helper()
	w, err := sharedWorld()
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w world) participants(t *testing.T, prog string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(w.dir, "programmes", prog, "participants_noisy.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// evalFixture is a fake store with one submission and the evaluation work.
type evalFixture struct {
	fs   *fakeStore
	work *Evaluations
	dir  string
}

func newEvalFixture(t *testing.T, file []byte) *evalFixture {
	w := newWorld(t)
	fs := newFakeStore()
	fs.files[1] = file
	dir := t.TempDir()
	return &evalFixture{fs: fs, dir: dir, work: &Evaluations{Records: fs, Spine: w.spine, Dir: dir, MinCohort: 50,
		Spec: evaluation.Spec{Seed: 1}, Log: testLog(t)}}
}

func (f *evalFixture) job(id int64, programme string) store.Job {
	j, err := NewEvaluationJob(1, 1, EvaluationParams{Programme: programme})
	if err != nil {
		panic(err)
	}
	return f.fs.enqueue(j, time.Now())
}

// TestEvaluationJobRunsToReview runs a provider's noisy submission through
// the runner and the real pipeline: the job succeeds with visible
// progress, the evaluation is stored awaiting review, the participants
// file is deleted (and recorded as deleted) and the job's folder is gone.
func TestEvaluationJobRunsToReview(t *testing.T) {
	w := newWorld(t)
	file := w.participants(t, "jobsearch_plus")
	f := newEvalFixture(t, file)
	f.work.DigestKey = bytes.Repeat([]byte{7}, 32)
	var mu sync.Mutex
	var stages []string
	work := func(ctx context.Context, job store.Job, report func(store.Progress)) error {
		return f.work.Run(ctx, job, func(p store.Progress) {
			mu.Lock()
			stages = append(stages, p.Stage)
			mu.Unlock()
			report(p)
		})
	}
	r := &Runner{Queue: f.fs, Work: work, Workers: 1, Poll: 10 * time.Millisecond, Log: testLog(t)}
	start(t, r)
	j := f.job(1, "jobsearch_plus")
	r.Notify()
	waitFor(t, "the evaluation job to end", func() bool { return f.fs.job(j.ID).State.Terminal() })
	if got := f.fs.job(j.ID); got.State != store.JobSucceeded || got.Stage != "done" || math.Abs(got.Progress-1) > 1e-9 {
		t.Fatalf("job %s at %q (%v): %q; want succeeded, done, 1", got.State, got.Stage, got.Progress, got.Error)
	}
	mu.Lock()
	for _, want := range []string{"linkage", "matching", "subgroups", "done"} {
		if !containsStr(stages, want) {
			t.Errorf("progress never reported stage %q (saw %v)", want, stages)
		}
	}
	mu.Unlock()
	if reason, ok := f.fs.deleted[1]; !ok || reason != "linkage finished" {
		t.Errorf("participants file not deleted after linkage (deleted: %v)", f.fs.deleted)
	}
	if len(f.fs.evals) != 1 || f.fs.evals[0].Status != store.EvaluationAwaitingReview {
		t.Fatalf("stored evaluations: %+v", f.fs.evals)
	}
	var ev evaluation.Evaluation
	if err := json.Unmarshal(f.fs.evals[0].Result, &ev); err != nil {
		t.Fatalf("stored evaluation.json: %v", err)
	}
	if ev.Programme != "jobsearch_plus" || ev.Counts.Matched < 50 {
		t.Errorf("stored evaluation: programme %q, %d matched; want jobsearch_plus with at least 50 matched", ev.Programme, ev.Counts.Matched)
	}
	assertNoIdentifiers(t, file, f.fs.evals[0].Result)
	// The cohort's keyed digests are left for the differencing guard: one
	// per linked participant, sorted, none a bare person_id.
	var digests []string
	if err := json.Unmarshal(f.fs.digests[1], &digests); err != nil {
		t.Fatalf("cohort digests: %v", err)
	}
	if len(digests) != ev.Counts.Linked || !slices.IsSorted(digests) || len(digests) == 0 || len(digests[0]) != 64 {
		t.Errorf("%d cohort digests (sorted %v), want one 64-hex digest per linked participant (%d)", len(digests), slices.IsSorted(digests), ev.Counts.Linked)
	}
	if entries, _ := os.ReadDir(f.dir); len(entries) != 0 {
		t.Errorf("the job's folder was left behind: %v", entries)
	}
}

// TestEvaluationJobsRunConcurrently runs four submissions on two workers
// sharing one spine (its index in memory, its database opened read-only
// by each linkage at once): each must end as its file decides.
func TestEvaluationJobsRunConcurrently(t *testing.T) {
	w := newWorld(t)
	f := newEvalFixture(t, nil)
	files := [][]byte{w.participants(t, "jobsearch_plus"), w.participants(t, "health_works"), w.participants(t, "jobsearch_plus"), []byte("participant_ref\n")}
	var ids []int64
	for i, b := range files {
		sub := int64(i + 1)
		f.fs.files[sub] = b
		nj, err := NewEvaluationJob(1, sub, EvaluationParams{Programme: "programme"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.fs.enqueue(nj, time.Now()).ID)
	}
	r := &Runner{Queue: f.fs, Work: f.work.Run, Workers: 2, Poll: 10 * time.Millisecond, Log: testLog(t)}
	start(t, r)
	waitFor(t, "the four jobs to end", func() bool {
		for _, id := range ids {
			if !f.fs.job(id).State.Terminal() {
				return false
			}
		}
		return true
	})
	// At 8,000 people health_works has about 35 participants, under the
	// minimum of 50; the last file lacks required columns.
	want := []struct {
		state  store.JobState
		reason string
	}{{store.JobSucceeded, ""}, {store.JobFailed, "cohort too small to evaluate"}, {store.JobSucceeded, ""}, {store.JobFailed, "the participants file was refused"}}
	for i, id := range ids {
		j := f.fs.job(id)
		if j.State != want[i].state || !strings.HasPrefix(j.Error, want[i].reason) {
			t.Errorf("job %d: %s %q, want %s %q", id, j.State, j.Error, want[i].state, want[i].reason)
		}
	}
}

// TestEvaluationJobResumesAfterLinkage stops a job just after linkage (the
// participants file already deleted), then runs it again, as recovery
// would: it must resume from its kept cohort and give the same result as
// an uninterrupted run.
func TestEvaluationJobResumesAfterLinkage(t *testing.T) {
	w := newWorld(t)
	f := newEvalFixture(t, w.participants(t, "jobsearch_plus"))
	j := f.job(1, "jobsearch_plus")
	ctx, cancel := context.WithCancel(context.Background())
	err := f.work.Run(ctx, j, func(p store.Progress) {
		if p.Stage == "comparison pool" {
			cancel() // the server stops mid-evaluation
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v, want context.Canceled", err)
	}
	if _, ok := f.fs.deleted[1]; !ok {
		t.Fatal("participants file not deleted once linkage finished")
	}
	if _, err := os.Stat(filepath.Join(f.dir, "job-1", "cohort.json")); err != nil {
		t.Fatalf("the interrupted job's cohort was not kept for its resumption: %v", err)
	}
	if len(f.fs.evals) != 0 {
		t.Fatalf("an interrupted job stored an evaluation")
	}
	j.Attempts++
	if err := f.work.Run(context.Background(), j, func(store.Progress) {}); err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	// The same submission run without interruption gives the same result.
	g := newEvalFixture(t, w.participants(t, "jobsearch_plus"))
	if err := g.work.Run(context.Background(), g.job(1, "jobsearch_plus"), func(store.Progress) {}); err != nil {
		t.Fatal(err)
	}
	var a, b evaluation.Evaluation
	if err := json.Unmarshal(f.fs.evals[0].Result, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(g.fs.evals[0].Result, &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Counts, b.Counts) || len(a.Headline) != len(b.Headline) {
		t.Fatalf("resumed run differs: counts %+v vs %+v", a.Counts, b.Counts)
	}
	for i := range a.Headline {
		ha, hb := a.Headline[i], b.Headline[i]
		// The same cohort, seed and code must give the same figures; the
		// tolerance only allows for floating-point reassociation.
		if (ha.Estimate == nil) != (hb.Estimate == nil) || (ha.Estimate != nil && !near(*ha.Estimate, *hb.Estimate, 1e-12)) {
			t.Errorf("headline %s: resumed estimate differs from uninterrupted", ha.Outcome)
		}
	}
}

// TestEvaluationJobFailureReasons: a provider's fixable problems fail the
// job with a reason that says what to do and holds no identifier.
func TestEvaluationJobFailureReasons(t *testing.T) {
	w := newWorld(t)
	full := w.participants(t, "jobsearch_plus")
	rows, err := csv.NewReader(bytes.NewReader(full)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	few := csvBytes(t, rows[:21]) // header and 20 participants: under the minimum of 50
	var noStart [][]string
	for _, r := range rows {
		noStart = append(noStart, r[:len(r)-2]) // drops start_date and site
	}
	if rows[0][len(rows[0])-2] != "start_date" {
		t.Fatalf("fixture: expected start_date second-last, header %v", rows[0])
	}
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"cohort too small", few, "cohort too small to evaluate: "},
		{"required column missing", csvBytes(t, noStart), "the participants file was refused: participants.csv:1: error: start_date: required column(s) missing: start_date; "},
		{"empty file", nil, "the participants file was refused: participants.csv: error: the file is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newEvalFixture(t, tc.file)
			j := f.job(1, "jobsearch_plus")
			err := f.work.Run(context.Background(), j, func(store.Progress) {})
			reason := Reason(j, err)
			if !strings.HasPrefix(reason, tc.want) {
				t.Fatalf("reason %q, want it to start %q", reason, tc.want)
			}
			t.Logf("reason: %s", reason)
			assertNoIdentifiers(t, tc.file, []byte(reason))
			if why := f.fs.deleted[1]; why != "evaluation job failed" {
				t.Errorf("the participants file of a refused job was not deleted (reason %q)", why)
			}
		})
	}
}

// assertNoIdentifiers fails if any name, NINO, date of birth or postcode
// of the submission appears in out.
func assertNoIdentifiers(t *testing.T, submission, out []byte) {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(submission)).ReadAll()
	if err != nil || len(rows) < 2 {
		return
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, r := range rows[1:] {
		for _, c := range []string{"nino", "first_name", "last_name", "date_of_birth", "postcode"} {
			i, ok := col[c]
			if !ok || i >= len(r) || len(strings.TrimSpace(r[i])) < 4 {
				continue // short values (a 3-letter name) match by chance
			}
			if bytes.Contains(out, []byte(`"`+r[i]+`"`)) || bytes.Contains(out, []byte(" "+r[i]+" ")) {
				t.Errorf("%s %q of the submission appears in the output", c, r[i])
			}
		}
	}
}

func csvBytes(t *testing.T, rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// near is the abs-or-rel comparison: |a-b| <= tol * max(1, |a|, |b|).
func near(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*max(1, math.Abs(a), math.Abs(b))
}

// TestEvaluationSweepsEndedJobFolders: folders a crash left behind are
// removed at the first run once their job has ended (or is unknown);
// those of jobs still running stay.
func TestEvaluationSweepsEndedJobFolders(t *testing.T) {
	w := newWorld(t)
	f := newEvalFixture(t, w.participants(t, "jobsearch_plus"))
	f.work.Jobs = f.fs
	ended := f.job(1, "a")
	f.fs.jobs[ended.ID-1].State = store.JobFailed
	running := f.job(1, "b")
	f.fs.jobs[running.ID-1].State = store.JobRunning
	for _, d := range []string{"job-1", "job-2", "job-99", "other"} {
		if err := os.MkdirAll(filepath.Join(f.dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	j := f.job(1, "jobsearch_plus")
	if err := f.work.Run(context.Background(), j, func(store.Progress) {}); err != nil {
		t.Fatal(err)
	}
	var left []string
	entries, _ := os.ReadDir(f.dir)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if !reflect.DeepEqual(left, []string{"job-2", "other"}) {
		t.Errorf("folders left: %v, want the running job's and the unrelated one", left)
	}
}
