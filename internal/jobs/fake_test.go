package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/employment-data-lab/datalab/internal/store"
)

// fakeStore is an in-memory Queue and Records with the store's documented
// semantics (leases, owners, recovery, cancel flag), for tests that must
// not depend on a database. The contract tests run the same scenarios on
// the real store.
type fakeStore struct {
	mu    sync.Mutex
	jobs  []store.Job
	files map[int64][]byte
	evals []store.Evaluation
	// deleted records DeleteSubmissionFile calls by submission.
	deleted map[int64]string
	digests map[int64][]byte // by evaluation
}

func newFakeStore() *fakeStore {
	return &fakeStore{files: map[int64][]byte{}, deleted: map[int64]string{}}
}

func (f *fakeStore) enqueue(n store.NewJob, now time.Time) store.Job {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n.MaxAttempts == 0 {
		n.MaxAttempts = 3
	}
	j := store.Job{ID: int64(len(f.jobs) + 1), Kind: n.Kind, OrgID: n.OrgID, SubmissionID: n.SubmissionID, Params: n.Params,
		State: store.JobQueued, MaxAttempts: n.MaxAttempts, CreatedAt: now, UpdatedAt: now}
	f.jobs = append(f.jobs, j)
	return j
}

func (f *fakeStore) job(id int64) store.Job {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.jobs[id-1]
}

func (f *fakeStore) cancel(id int64, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	j := &f.jobs[id-1]
	switch j.State {
	case store.JobQueued:
		j.State, j.FinishedAt = store.JobCancelled, &now
	case store.JobRunning:
		j.CancelRequested = true
	}
}

func (f *fakeStore) RecoverJobs(ctx context.Context, now time.Time) (store.Recovery, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var r store.Recovery
	for i := range f.jobs {
		j := &f.jobs[i]
		if j.State != store.JobRunning || j.LeaseExpiresAt == nil || !j.LeaseExpiresAt.Before(now) {
			continue
		}
		j.LeaseOwner, j.LeaseExpiresAt = "", nil
		switch {
		case j.CancelRequested:
			j.State, j.FinishedAt = store.JobCancelled, &now
			r.Cancelled = append(r.Cancelled, j.ID)
		case j.Attempts >= j.MaxAttempts:
			j.State, j.FinishedAt = store.JobFailed, &now
			j.Error = fmt.Sprintf("interrupted by a restart %d times (the limit); ask the lab to run it again", j.Attempts)
			r.Failed = append(r.Failed, j.ID)
		default:
			j.State, j.Error = store.JobQueued, "interrupted by a restart; queued again"
			r.Requeued = append(r.Requeued, j.ID)
		}
	}
	return r, nil
}

func (f *fakeStore) ClaimJob(ctx context.Context, owner string, now time.Time, lease time.Duration, kinds ...string) (store.Job, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.jobs {
		j := &f.jobs[i]
		if j.State != store.JobQueued || (len(kinds) > 0 && !slices.Contains(kinds, j.Kind)) {
			continue
		}
		exp := now.Add(lease)
		j.State, j.LeaseOwner, j.LeaseExpiresAt, j.StartedAt = store.JobRunning, owner, &exp, &now
		j.Attempts++
		return *j, true, nil
	}
	return store.Job{}, false, nil
}

// held returns the job if owner holds it, or ErrLeaseLost.
func (f *fakeStore) held(id int64, owner string) (*store.Job, error) {
	if id < 1 || int(id) > len(f.jobs) {
		panic(fmt.Sprintf("fake store: no job %d", id))
	}
	j := &f.jobs[id-1]
	if j.State != store.JobRunning || j.LeaseOwner != owner {
		return nil, fmt.Errorf("job %d is %s under %q: %w", id, j.State, j.LeaseOwner, store.ErrLeaseLost)
	}
	return j, nil
}

func (f *fakeStore) Heartbeat(ctx context.Context, id int64, owner string, p store.Progress, now time.Time, lease time.Duration) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	j, err := f.held(id, owner)
	if err != nil {
		return false, err
	}
	exp := now.Add(lease)
	j.LeaseExpiresAt, j.Stage, j.Progress = &exp, p.Stage, p.Fraction
	return j.CancelRequested, nil
}

func (f *fakeStore) end(id int64, owner string, state store.JobState, reason string, now time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	j, err := f.held(id, owner)
	if err != nil {
		return err
	}
	j.State, j.Error, j.FinishedAt, j.LeaseOwner, j.LeaseExpiresAt = state, reason, &now, "", nil
	return nil
}

func (f *fakeStore) CompleteJob(ctx context.Context, id int64, owner string, now time.Time) error {
	return f.end(id, owner, store.JobSucceeded, "", now)
}

func (f *fakeStore) FailJob(ctx context.Context, id int64, owner, reason string, now time.Time) error {
	return f.end(id, owner, store.JobFailed, reason, now)
}

func (f *fakeStore) AcknowledgeCancel(ctx context.Context, id int64, owner string, now time.Time) error {
	return f.end(id, owner, store.JobCancelled, "", now)
}

func (f *fakeStore) SubmissionFile(ctx context.Context, scope store.Scope, id int64) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.deleted[id]; ok {
		return nil, fmt.Errorf("submission %d: %w", id, store.ErrFileDeleted)
	}
	b, ok := f.files[id]
	if !ok {
		return nil, fmt.Errorf("submission %d: %w", id, store.ErrNotFound)
	}
	return b, nil
}

func (f *fakeStore) DeleteSubmissionFile(ctx context.Context, id int64, reason string, now time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.files, id)
	f.deleted[id] = reason
	return nil
}

func (f *fakeStore) Evaluations(ctx context.Context, scope store.Scope, flt store.EvaluationFilter) ([]store.Evaluation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.Evaluation
	for _, e := range f.evals {
		if flt.SubmissionID == nil || *flt.SubmissionID == e.SubmissionID {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *fakeStore) CreateEvaluation(ctx context.Context, n store.NewEvaluation, now time.Time) (store.Evaluation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := store.Evaluation{ID: int64(len(f.evals) + 1), SubmissionID: n.SubmissionID, JobID: n.JobID, Title: n.Title,
		Status: store.EvaluationAwaitingReview, Result: n.Result, CreatedAt: now, UpdatedAt: now}
	f.evals = append(f.evals, e)
	return e, nil
}

func (f *fakeStore) ReplaceEvaluationResult(ctx context.Context, actor *store.User, id int64, result json.RawMessage, now time.Time) (store.Evaluation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := &f.evals[id-1]
	e.Result, e.Status, e.UpdatedAt = result, store.EvaluationAwaitingReview, now
	return *e, nil
}

func (f *fakeStore) Job(ctx context.Context, scope store.Scope, id int64) (store.Job, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id < 1 || int(id) > len(f.jobs) {
		return store.Job{}, fmt.Errorf("job %d: %w", id, store.ErrNotFound)
	}
	return f.jobs[id-1], nil
}

func (f *fakeStore) SetCohortDigests(ctx context.Context, evaluationID int64, digests []byte, now time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.digests == nil {
		f.digests = map[int64][]byte{}
	}
	f.digests[evaluationID] = digests
	return nil
}
