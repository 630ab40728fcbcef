package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/employment-data-lab/datalab/internal/store"
)

// Queue is the runner's view of the store's jobs table; *store.DB
// satisfies it. Every method naming a job and an owner refuses, with an
// error wrapping store.ErrLeaseLost, a job no longer held by that owner,
// so a worker whose lease expired never overwrites the outcome of the
// worker that took the job over.
type Queue interface {
	// RecoverJobs re-queues the running jobs whose lease expired before
	// now, or fails them ("interrupted by a restart") when they have used
	// their attempts.
	RecoverJobs(ctx context.Context, now time.Time) (store.Recovery, error)
	// ClaimJob atomically takes the oldest queued job of one of kinds for
	// owner, holding it until now+lease; ok is false when none is queued.
	ClaimJob(ctx context.Context, owner string, now time.Time, lease time.Duration, kinds ...string) (job store.Job, ok bool, err error)
	// Heartbeat renews the lease, records progress and reports whether
	// cancellation was requested.
	Heartbeat(ctx context.Context, id int64, owner string, p store.Progress, now time.Time, lease time.Duration) (cancelRequested bool, err error)
	CompleteJob(ctx context.Context, id int64, owner string, now time.Time) error
	// FailJob records reason, which the provider sees.
	FailJob(ctx context.Context, id int64, owner, reason string, now time.Time) error
	// AcknowledgeCancel marks a job whose cancellation was requested as
	// cancelled.
	AcknowledgeCancel(ctx context.Context, id int64, owner string, now time.Time) error
}

// Work runs one job. report records progress (it is cheap: the runner
// writes it at the next heartbeat). Work must honour ctx and be
// idempotent: a job interrupted by a crash runs again from the start.
type Work func(ctx context.Context, job store.Job, report func(store.Progress)) error

// KindEvaluation is the kind of the linkage-and-evaluation job of a
// submission; its Params are EvaluationParams.
const KindEvaluation = "evaluation"

// EvaluationParams are an evaluation job's parameters (store.NewJob's
// Params, as JSON).
type EvaluationParams struct {
	// Programme names the programme in the evaluation and its title.
	Programme string `json:"programme"`
	// Seed fixes the evaluation's random choices (0: the default).
	Seed uint64 `json:"seed,omitempty"`
}

// NewEvaluationJob is the store.NewJob that evaluates submission sub of
// organisation org.
func NewEvaluationJob(org, sub int64, p EvaluationParams) (store.NewJob, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return store.NewJob{}, err
	}
	return store.NewJob{Kind: KindEvaluation, OrgID: &org, SubmissionID: &sub, Params: b}, nil
}

// Refusal is an error whose message is written for the provider and is
// safe to show them: it names what to change (a column, a count) and never
// a direct identifier. A job failing with a Refusal is failed with its
// message; any other error is failed with a general reason.
type Refusal struct {
	Reason string
	Err    error
}

func (r *Refusal) Error() string { return r.Reason }
func (r *Refusal) Unwrap() error { return r.Err }

// Refuse wraps err as a Refusal with reason.
func Refuse(reason string, err error) error { return &Refusal{Reason: reason, Err: err} }

var errNoSubmission = errors.New("the job names no submission")
