package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/store"
)

// clock is a settable clock for lease arithmetic.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness is a store as the runner tests drive it: a Queue plus the
// calls a test needs to queue, inspect and cancel jobs. It is implemented
// by the fake and by the real store, so the scenarios run on both.
type harness interface {
	Queue
	enqueue(t testing.TB, n store.NewJob) int64
	get(t testing.TB, id int64) store.Job
	requestCancel(t testing.TB, id int64)
}

type fakeHarness struct {
	*fakeStore
	clock func() time.Time
}

func (h fakeHarness) enqueue(t testing.TB, n store.NewJob) int64 {
	return h.fakeStore.enqueue(n, h.clock()).ID
}
func (h fakeHarness) get(t testing.TB, id int64) store.Job { return h.fakeStore.job(id) }
func (h fakeHarness) requestCancel(t testing.TB, id int64) { h.fakeStore.cancel(id, h.clock()) }

// harnesses returns the stores the scenarios run on: the fake, and the
// real store (see store_test.go) when it is available.
func harnesses(t testing.TB, now func() time.Time) map[string]func(t testing.TB) harness {
	hs := map[string]func(t testing.TB) harness{
		"fake": func(t testing.TB) harness { return fakeHarness{newFakeStore(), now} },
	}
	for name, open := range realStores(t, now) {
		hs[name] = open
	}
	return hs
}

// start runs r until the returned stop is called; stop waits for Run to
// return.
func start(t *testing.T, r *Runner) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("runner: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Errorf("runner did not stop within 20 s of its context being cancelled")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond until it holds or 30 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// TestRunnerEndsEveryJob queues 50 jobs at once, as 50 providers
// uploading together would, on 4 workers: every job must end in the state
// its work decides (none lost, none run twice), failures with their reason.
func TestRunnerEndsEveryJob(t *testing.T) {
	clk := newClock()
	for name, open := range harnesses(t, clk.Now) {
		t.Run(name, func(t *testing.T) {
			h := open(t)
			var mu sync.Mutex
			runs := map[int64]int{}
			work := func(ctx context.Context, job store.Job, report func(store.Progress)) error {
				mu.Lock()
				runs[job.ID]++
				mu.Unlock()
				report(store.Progress{Stage: "working", Fraction: 0.5})
				time.Sleep(time.Millisecond)
				switch {
				case job.ID%5 == 0:
					return Refuse(fmt.Sprintf("refused %d: fix the start_date column", job.ID), errors.New("bad file"))
				case job.ID%7 == 0:
					return errors.New("disk full at /var/lab/job-7")
				}
				return nil
			}
			r := &Runner{Queue: h, Work: work, Workers: 4, Poll: 10 * time.Millisecond, Lease: time.Minute, Now: clk.Now, Log: testLog(t)}
			start(t, r)
			var ids []int64
			for range 50 {
				ids = append(ids, h.enqueue(t, store.NewJob{Kind: KindEvaluation}))
				r.Notify()
			}
			waitFor(t, "all 50 jobs to end", func() bool {
				for _, id := range ids {
					if !h.get(t, id).State.Terminal() {
						return false
					}
				}
				return true
			})
			for _, id := range ids {
				j := h.get(t, id)
				want, reason := store.JobSucceeded, ""
				switch {
				case id%5 == 0:
					want, reason = store.JobFailed, fmt.Sprintf("refused %d: fix the start_date column", id)
				case id%7 == 0:
					want, reason = store.JobFailed, fmt.Sprintf("problem on its side (job %d, attempt 1)", id)
				}
				if j.State != want || !strings.Contains(j.Error, reason) {
					t.Errorf("job %d: %s %q, want %s with %q", id, j.State, j.Error, want, reason)
				}
				if strings.Contains(j.Error, "/var/lab") {
					t.Errorf("job %d: the reason shows an internal error to the provider: %q", id, j.Error)
				}
				mu.Lock()
				if runs[id] != 1 {
					t.Errorf("job %d ran %d times, want once", id, runs[id])
				}
				mu.Unlock()
			}
		})
	}
}

// TestRunnerCancelsRunningJob requests cancellation of a job mid-run: the
// runner must see it at a heartbeat, stop the work and mark it cancelled.
func TestRunnerCancelsRunningJob(t *testing.T) {
	for name, open := range harnesses(t, time.Now) {
		t.Run(name, func(t *testing.T) {
			h := open(t)
			started := make(chan struct{})
			var cause error
			work := func(ctx context.Context, job store.Job, report func(store.Progress)) error {
				report(store.Progress{Stage: "matching", Fraction: 0.7})
				close(started)
				<-ctx.Done()
				cause = context.Cause(ctx)
				return ctx.Err()
			}
			r := &Runner{Queue: h, Work: work, Workers: 1, Poll: 10 * time.Millisecond, Lease: 3 * time.Second, Heartbeat: 20 * time.Millisecond, Log: testLog(t)}
			start(t, r)
			id := h.enqueue(t, store.NewJob{Kind: KindEvaluation})
			r.Notify()
			<-started
			waitFor(t, "progress to reach the store", func() bool { return h.get(t, id).Stage == "matching" })
			h.requestCancel(t, id)
			waitFor(t, "the job to end", func() bool { return h.get(t, id).State.Terminal() })
			if j := h.get(t, id); j.State != store.JobCancelled {
				t.Fatalf("job is %s (%q), want cancelled", j.State, j.Error)
			}
			if !errors.Is(cause, ErrCancelRequested) {
				t.Errorf("work's context was cancelled by %v, want ErrCancelRequested", cause)
			}
		})
	}
}

// TestRunnerRecoversAfterCrash stops a runner mid-job (as a crash or
// shutdown would) and starts another after the lease expired: the job
// must run again to success, or, when it has used its attempts, be failed
// with the reason — never left running or lost.
func TestRunnerRecoversAfterCrash(t *testing.T) {
	for _, tc := range []struct {
		name        string
		maxAttempts int
		want        store.JobState
		reason      string
	}{
		{"requeued and resumed", 3, store.JobSucceeded, ""},
		{"attempts used: failed with the reason", 1, store.JobFailed, "interrupted by a restart"},
	} {
		clk := newClock()
		for name, open := range harnesses(t, clk.Now) {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				h := open(t)
				started := make(chan int, 2)
				work := func(ctx context.Context, job store.Job, report func(store.Progress)) error {
					report(store.Progress{Stage: "linkage", Fraction: 0.1})
					started <- job.Attempts
					if job.Attempts == 1 {
						<-ctx.Done() // the first run never finishes: the process "crashes"
						return ctx.Err()
					}
					return nil
				}
				cfg := func(name string, q Queue) *Runner {
					return &Runner{Queue: q, Work: work, Name: name, Workers: 1, Poll: 10 * time.Millisecond,
						Lease: 30 * time.Second, Heartbeat: 10 * time.Millisecond, Now: clk.Now, Log: testLog(t)}
				}
				crashing := &crashQueue{Queue: h}
				stop1 := start(t, cfg("first", crashing))
				id := h.enqueue(t, store.NewJob{Kind: KindEvaluation, MaxAttempts: tc.maxAttempts})
				if a := <-started; a != 1 {
					t.Fatalf("first run is attempt %d", a)
				}
				crashing.crashed.Store(true) // from now on the first runner writes nothing
				stop1()
				if j := h.get(t, id); j.State != store.JobRunning {
					t.Fatalf("after the crash the job is %s, want still running (its lease not yet expired)", j.State)
				}
				// A runner started before the lease expires leaves the job alone.
				clk.Advance(10 * time.Second)
				stop2 := start(t, cfg("second", h))
				time.Sleep(50 * time.Millisecond)
				stop2()
				if j := h.get(t, id); j.State != store.JobRunning || j.Attempts != 1 {
					t.Fatalf("a runner started within the lease took the job: %s, attempt %d", j.State, j.Attempts)
				}
				clk.Advance(21 * time.Second) // past the first lease
				start(t, cfg("third", h))
				waitFor(t, "the recovered job to end", func() bool { return h.get(t, id).State.Terminal() })
				j := h.get(t, id)
				if j.State != tc.want || !strings.Contains(j.Error, tc.reason) {
					t.Fatalf("recovered job is %s %q, want %s with %q", j.State, j.Error, tc.want, tc.reason)
				}
				if tc.want == store.JobSucceeded && j.Attempts != 2 {
					t.Errorf("recovered job ran as attempt %d, want 2", j.Attempts)
				}
			})
		}
	}
}

// crashQueue passes calls to its Queue until crashed, then fails them all,
// as a process that died would make none.
type crashQueue struct {
	Queue
	crashed atomic.Bool
}

var errCrashed = errors.New("the process has crashed")

func (q *crashQueue) RecoverJobs(ctx context.Context, now time.Time) (store.Recovery, error) {
	if q.crashed.Load() {
		return store.Recovery{}, errCrashed
	}
	return q.Queue.RecoverJobs(ctx, now)
}

func (q *crashQueue) ClaimJob(ctx context.Context, owner string, now time.Time, lease time.Duration, kinds ...string) (store.Job, bool, error) {
	if q.crashed.Load() {
		return store.Job{}, false, errCrashed
	}
	return q.Queue.ClaimJob(ctx, owner, now, lease, kinds...)
}

func (q *crashQueue) Heartbeat(ctx context.Context, id int64, owner string, p store.Progress, now time.Time, lease time.Duration) (bool, error) {
	if q.crashed.Load() {
		return false, errCrashed
	}
	return q.Queue.Heartbeat(ctx, id, owner, p, now, lease)
}

func (q *crashQueue) CompleteJob(ctx context.Context, id int64, owner string, now time.Time) error {
	if q.crashed.Load() {
		return errCrashed
	}
	return q.Queue.CompleteJob(ctx, id, owner, now)
}

func (q *crashQueue) FailJob(ctx context.Context, id int64, owner, reason string, now time.Time) error {
	if q.crashed.Load() {
		return errCrashed
	}
	return q.Queue.FailJob(ctx, id, owner, reason, now)
}

func (q *crashQueue) AcknowledgeCancel(ctx context.Context, id int64, owner string, now time.Time) error {
	if q.crashed.Load() {
		return errCrashed
	}
	return q.Queue.AcknowledgeCancel(ctx, id, owner, now)
}

// TestRunnerReleasesJobsOnShutdown stops a runner mid-job the orderly way
// (server shutdown): the job's lease must lapse at once, so a runner
// started a moment later resumes it without waiting out the lease.
func TestRunnerReleasesJobsOnShutdown(t *testing.T) {
	clk := newClock()
	for name, open := range harnesses(t, clk.Now) {
		t.Run(name, func(t *testing.T) {
			h := open(t)
			started := make(chan int, 2)
			work := func(ctx context.Context, job store.Job, report func(store.Progress)) error {
				report(store.Progress{Stage: "matching", Fraction: 0.7})
				started <- job.Attempts
				if job.Attempts == 1 {
					<-ctx.Done()
					return ctx.Err()
				}
				return nil
			}
			cfg := &Runner{Queue: h, Work: work, Workers: 1, Poll: 10 * time.Millisecond, Lease: 30 * time.Second, Now: clk.Now, Log: testLog(t)}
			stop := start(t, cfg)
			id := h.enqueue(t, store.NewJob{Kind: KindEvaluation})
			<-started
			stop()
			j := h.get(t, id)
			if j.State != store.JobRunning || j.LeaseExpiresAt == nil || j.LeaseExpiresAt.After(clk.Now().Add(time.Millisecond)) {
				t.Fatalf("after shutdown the job is %s with lease until %v (now %v): want running with its lease lapsed", j.State, j.LeaseExpiresAt, clk.Now())
			}
			clk.Advance(time.Second)
			start(t, &Runner{Queue: h, Work: work, Workers: 1, Poll: 10 * time.Millisecond, Lease: 30 * time.Second, Now: clk.Now, Log: testLog(t)})
			waitFor(t, "the released job to end", func() bool { return h.get(t, id).State.Terminal() })
			if j := h.get(t, id); j.State != store.JobSucceeded || j.Attempts != 2 {
				t.Fatalf("released job: %s after %d attempts (%q), want succeeded on attempt 2", j.State, j.Attempts, j.Error)
			}
		})
	}
}

// TestRunnerAbandonsLostLease has the job taken over by another worker
// (its lease expired while this one was stalled): the runner must stop
// the work and record nothing over the new owner's run.
func TestRunnerAbandonsLostLease(t *testing.T) {
	clk := newClock()
	h := fakeHarness{newFakeStore(), clk.Now}
	started := make(chan struct{})
	var cause error
	done := make(chan struct{})
	work := func(ctx context.Context, job store.Job, report func(store.Progress)) error {
		close(started)
		<-ctx.Done()
		cause = context.Cause(ctx)
		close(done)
		return errors.New("stopped")
	}
	r := &Runner{Queue: h, Work: work, Workers: 1, Poll: 10 * time.Millisecond, Lease: 30 * time.Second, Heartbeat: 10 * time.Millisecond, Now: clk.Now, Log: testLog(t)}
	start(t, r)
	id := h.enqueue(t, store.NewJob{Kind: KindEvaluation})
	<-started
	// Another process recovers and claims the job while this runner's
	// heartbeats are (as far as the store knows) overdue.
	h.mu.Lock()
	exp := clk.Now().Add(-time.Second)
	h.jobs[id-1].LeaseExpiresAt = &exp
	h.mu.Unlock()
	if _, err := h.RecoverJobs(context.Background(), clk.Now()); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := h.ClaimJob(context.Background(), "other", clk.Now(), time.Minute); !ok {
		t.Fatal("the other worker could not claim the recovered job")
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the work was not stopped after its lease was lost")
	}
	if !errors.Is(cause, errLeaseLost) {
		t.Errorf("work's context was cancelled by %v, want the lost lease", cause)
	}
	time.Sleep(20 * time.Millisecond)
	if j := h.get(t, id); j.State != store.JobRunning || j.LeaseOwner != "other" {
		t.Errorf("after the lease was lost the job is %s under %q, want running under the new owner", j.State, j.LeaseOwner)
	}
}

// TestRunnerSurvivesPanickingWork: a bug in one job fails that job with
// the general reason and the runner carries on.
func TestRunnerSurvivesPanickingWork(t *testing.T) {
	h := fakeHarness{newFakeStore(), time.Now}
	work := func(ctx context.Context, job store.Job, report func(store.Progress)) error {
		if job.ID == 1 {
			var m map[string]int
			m["x"]++ // a nil-map write: a programmer's mistake
		}
		return nil
	}
	r := &Runner{Queue: h, Work: work, Workers: 1, Poll: 10 * time.Millisecond, Log: testLog(t)}
	start(t, r)
	a := h.enqueue(t, store.NewJob{Kind: KindEvaluation})
	b := h.enqueue(t, store.NewJob{Kind: KindEvaluation})
	waitFor(t, "both jobs to end", func() bool { return h.get(t, a).State.Terminal() && h.get(t, b).State.Terminal() })
	if j := h.get(t, a); j.State != store.JobFailed || !strings.Contains(j.Error, "problem on its side (job 1") {
		t.Errorf("panicking job: %s %q", j.State, j.Error)
	}
	if j := h.get(t, b); j.State != store.JobSucceeded {
		t.Errorf("job after the panic: %s %q", j.State, j.Error)
	}
}

func TestReason(t *testing.T) {
	job := store.Job{ID: 12, Attempts: 2}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{Refuse("the participants file was refused: participants.csv: error: the column start_date is missing", errors.New("x")),
			"the participants file was refused: participants.csv: error: the column start_date is missing"},
		{fmt.Errorf("wrapped: %w", Refuse("cohort too small", nil)), "cohort too small"},
		{errors.New("duckdb: IO error at /data/spine.duckdb"),
			"the lab could not finish this evaluation because of a problem on its side (job 12, attempt 2); " +
				"the lab team has the details; there is no need to change the file: ask the lab to run it again"},
	} {
		if got := Reason(job, tc.err); got != tc.want {
			t.Errorf("Reason(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestRunnerSettings(t *testing.T) {
	r := &Runner{Queue: fakeHarness{newFakeStore(), time.Now}, Work: func(context.Context, store.Job, func(store.Progress)) error { return nil },
		Lease: time.Second, Heartbeat: 2 * time.Second}
	if err := r.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "heartbeat interval 2s is not shorter than the lease 1s") {
		t.Errorf("a heartbeat longer than the lease: %v", err)
	}
	if err := (&Runner{}).Run(context.Background()); err == nil || !strings.Contains(err.Error(), "needs a Queue and a Work") {
		t.Errorf("a runner without a queue: %v", err)
	}
}
