package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/employment-data-lab/datalab/internal/store"
)

// Runner claims queued jobs and runs them on a fixed number of workers.
// Set the fields, then call Run; Notify wakes it when a job is queued in
// the same process (other processes' jobs are found by polling).
type Runner struct {
	Queue Queue
	// Work runs each claimed job.
	Work Work
	// Kinds are the job kinds this runner claims (default: all).
	Kinds []string
	// Workers is the number of jobs run at once (default: half the CPUs,
	// at least 1, so a 2-core server keeps a core for its web requests).
	Workers int
	// Lease is how long a job is held without a heartbeat (default 30 s).
	Lease time.Duration
	// Heartbeat is the interval of lease renewals, progress writes and
	// cancel checks (default Lease/3).
	Heartbeat time.Duration
	// Poll is the interval at which an idle worker looks for jobs queued
	// by other processes (default 2 s).
	Poll time.Duration
	// Name identifies this runner in the store's lease records (default:
	// host name, process id and a random suffix).
	Name string
	// Now is the clock whose times are written to the store (default
	// time.Now). Waits use real time.
	Now func() time.Time
	Log *slog.Logger

	once sync.Once
	wake chan struct{}
}

// ErrCancelRequested is the cause (context.Cause) of a job context
// cancelled because a user asked to cancel the job; a runner stopping
// cancels with another cause.
var ErrCancelRequested = errors.New("cancelled at the user's request")

// errLeaseLost is the cause of a job context cancelled because the job's
// lease was lost.
var errLeaseLost = errors.New("the job's lease was lost")

func (r *Runner) init() {
	r.once.Do(func() {
		r.wake = make(chan struct{}, 1)
	})
}

// Notify wakes an idle worker to claim a job just queued. It never blocks.
func (r *Runner) Notify() {
	r.init()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// settings returns the runner's settings with defaults filled in.
func (r *Runner) settings() (*Runner, error) {
	s := &Runner{Queue: r.Queue, Work: r.Work, Workers: r.Workers, Lease: r.Lease, Heartbeat: r.Heartbeat,
		Poll: r.Poll, Name: r.Name, Now: r.Now, Log: r.Log, Kinds: r.Kinds}
	if s.Queue == nil || s.Work == nil {
		return s, errors.New("jobs: the runner needs a Queue and a Work function")
	}
	if s.Workers <= 0 {
		s.Workers = max(1, runtime.GOMAXPROCS(0)/2)
	}
	if s.Lease <= 0 {
		s.Lease = 30 * time.Second
	}
	if s.Heartbeat <= 0 {
		s.Heartbeat = s.Lease / 3
	}
	if s.Heartbeat >= s.Lease {
		return s, fmt.Errorf("jobs: heartbeat interval %v is not shorter than the lease %v; set it to about a third of the lease", s.Heartbeat, s.Lease)
	}
	if s.Poll <= 0 {
		s.Poll = 2 * time.Second
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	if s.Name == "" {
		host, _ := os.Hostname()
		var b [4]byte
		rand.Read(b[:])
		s.Name = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	return s, nil
}

// Run recovers jobs left by an earlier process, then runs jobs until ctx is
// cancelled. Jobs running when ctx is cancelled are left for the next
// start to recover (their outputs are idempotent). Run returns nil after a
// cancellation, or the settings' error.
func (r *Runner) Run(ctx context.Context) error {
	r.init()
	s, err := r.settings()
	if err != nil {
		return err
	}
	s.wake = r.wake
	s.Log = s.Log.With("runner", s.Name)
	s.recover(ctx)
	s.Log.Info("job runner started", "workers", s.Workers, "lease", s.Lease.String())

	var wg sync.WaitGroup
	for w := range s.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.worker(ctx, fmt.Sprintf("%s/%d", s.Name, w))
		}()
	}
	// Recovery at every lease interval catches jobs of other processes
	// that died while this one runs.
	t := time.NewTicker(s.Lease)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			s.Log.Info("job runner stopped")
			return nil
		case <-t.C:
			s.recover(ctx)
		}
	}
}

func (s *Runner) recover(ctx context.Context) {
	rec, err := s.Queue.RecoverJobs(ctx, s.Now())
	switch {
	case err != nil && ctx.Err() == nil:
		s.Log.Error("recovering interrupted jobs failed; will retry", "err", err)
	case len(rec.Requeued)+len(rec.Failed)+len(rec.Cancelled) > 0:
		s.Log.Warn("recovered jobs interrupted by a stop or crash", "requeued", rec.Requeued, "failed", rec.Failed, "cancelled", rec.Cancelled)
	}
}

// worker claims and runs jobs until ctx is cancelled.
func (s *Runner) worker(ctx context.Context, name string) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for ctx.Err() == nil {
		job, ok, err := s.Queue.ClaimJob(ctx, name, s.Now(), s.Lease, s.Kinds...)
		if err != nil && ctx.Err() == nil {
			s.Log.Error("claiming a job failed; will retry", "worker", name, "err", err)
		}
		if ok {
			s.run(ctx, name, job)
			continue
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(s.Poll)
		select {
		case <-ctx.Done():
		case <-s.wake:
		case <-timer.C:
		}
	}
}

// run runs one claimed job to its end and records the end.
func (s *Runner) run(ctx context.Context, worker string, job store.Job) {
	log := s.Log.With("job", job.ID, "kind", job.Kind, "attempt", job.Attempts, "worker", worker)
	log.Info("job started")
	jctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	var mu sync.Mutex
	prog := store.Progress{Stage: "starting"}
	changed := make(chan struct{}, 1)
	report := func(p store.Progress) {
		mu.Lock()
		prog = p
		mu.Unlock()
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	last := func() store.Progress { mu.Lock(); defer mu.Unlock(); return prog }
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		s.heartbeat(jctx, cancel, job, worker, log, changed, last)
	}()
	t0 := time.Now()
	err := s.safeWork(jctx, job, report)
	cancel(nil)
	<-hbDone

	// The end is recorded even when the runner is stopping, on a context
	// of its own.
	ectx, ecancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer ecancel()
	cause := context.Cause(jctx)
	switch {
	case err == nil:
		s.flush(ectx, job, worker, log, last())
		if err := s.Queue.CompleteJob(ectx, job.ID, worker, s.Now()); err != nil {
			log.Error("job done but recording it failed; recovery will run it again", "err", err)
			return
		}
		log.Info("job done", "seconds", time.Since(t0).Seconds())
	case errors.Is(cause, errLeaseLost):
		log.Warn("job abandoned: its lease was lost (recovered by another worker)", "err", err)
	case errors.Is(cause, ErrCancelRequested):
		s.flush(ectx, job, worker, log, last())
		if err := s.Queue.AcknowledgeCancel(ectx, job.ID, worker, s.Now()); err != nil {
			log.Error("job cancelled but recording it failed", "err", err)
			return
		}
		log.Info("job cancelled at the user's request")
	case ctx.Err() != nil:
		// Let the lease lapse now rather than a lease from now, so the next
		// start (or another process's runner) recovers the job at once.
		p := last()
		if _, err := s.Queue.Heartbeat(ectx, job.ID, worker, p, s.Now(), time.Microsecond); err != nil {
			log.Warn("runner stopping: job left for recovery when its lease expires", "stage", p.Stage, "err", err)
			return
		}
		log.Info("runner stopping: job released for recovery at the next start", "stage", p.Stage)
	default:
		reason := Reason(job, err)
		log.Error("job failed", "err", err, "reason", reason)
		s.flush(ectx, job, worker, log, last())
		if err := s.Queue.FailJob(ectx, job.ID, worker, reason, s.Now()); err != nil {
			log.Error("job failed and recording it failed too", "err", err)
		}
	}
}

// flush records the job's last progress before its end is recorded
// (heartbeats write at most once a second, so the last stage may not be
// written yet): the job then shows where it finished, failed or was
// cancelled.
func (s *Runner) flush(ctx context.Context, job store.Job, worker string, log *slog.Logger, p store.Progress) {
	if _, err := s.Queue.Heartbeat(ctx, job.ID, worker, p, s.Now(), s.Lease); err != nil && !errors.Is(err, store.ErrLeaseLost) {
		log.Warn("recording the job's last progress failed", "err", err)
	}
}

// safeWork runs the work, turning a panic into an error so one bad job
// cannot stop the server.
func (s *Runner) safeWork(ctx context.Context, job store.Job, report func(store.Progress)) (err error) {
	defer func() {
		if p := recover(); p != nil {
			s.Log.Error("job panicked", "job", job.ID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("jobs: job %d panicked: %v", job.ID, p)
		}
	}()
	return s.Work(ctx, job, report)
}

// heartbeat renews the job's lease every Heartbeat interval and whenever
// the progress changes (at most once a second), until ctx ends. It cancels
// the job when cancellation was requested or the lease is lost.
func (s *Runner) heartbeat(ctx context.Context, cancel context.CancelCauseFunc, job store.Job, worker string, log *slog.Logger,
	changed <-chan struct{}, progress func() store.Progress) {
	t := time.NewTicker(s.Heartbeat)
	defer t.Stop()
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-changed:
			if time.Since(last) < time.Second {
				continue
			}
		}
		last = time.Now()
		cancelReq, err := s.Queue.Heartbeat(ctx, job.ID, worker, progress(), s.Now(), s.Lease)
		switch {
		case errors.Is(err, store.ErrLeaseLost):
			cancel(errLeaseLost)
			return
		case err != nil:
			if ctx.Err() == nil {
				log.Warn("heartbeat failed; will retry", "err", err)
			}
		case cancelReq:
			cancel(ErrCancelRequested)
			return
		}
	}
}

// Reason is the failure reason recorded for a job that ended with err: a
// Refusal's own message, or a general reason naming the job (the full
// error goes to the log only, since it may name internal paths).
func Reason(job store.Job, err error) string {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Reason
	}
	return fmt.Sprintf("the lab could not finish this evaluation because of a problem on its side (job %d, attempt %d); "+
		"the lab team has the details; there is no need to change the file: ask the lab to run it again", job.ID, job.Attempts)
}
