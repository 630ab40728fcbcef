package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/employment-data-lab/datalab/internal/disclosure"
	"github.com/employment-data-lab/datalab/internal/evaluation"
	"github.com/employment-data-lab/datalab/internal/linkage"
	"github.com/employment-data-lab/datalab/internal/linkage/submission"
	"github.com/employment-data-lab/datalab/internal/pipeline"
	"github.com/employment-data-lab/datalab/internal/report"
	"github.com/employment-data-lab/datalab/internal/store"
)

// Records is the evaluation work's view of the store's submissions and
// evaluations; *store.DB satisfies it.
type Records interface {
	// SubmissionFile returns the stored participants file; an error
	// wrapping store.ErrFileDeleted once it was deleted.
	SubmissionFile(ctx context.Context, scope store.Scope, id int64) ([]byte, error)
	// DeleteSubmissionFile deletes it and records when and why.
	DeleteSubmissionFile(ctx context.Context, id int64, reason string, now time.Time) error
	Evaluations(ctx context.Context, scope store.Scope, f store.EvaluationFilter) ([]store.Evaluation, error)
	// CreateEvaluation stores a job's evaluation.json, awaiting review.
	CreateEvaluation(ctx context.Context, n store.NewEvaluation, now time.Time) (store.Evaluation, error)
	// ReplaceEvaluationResult replaces it (a job re-run after a crash
	// between storing its result and completing).
	ReplaceEvaluationResult(ctx context.Context, actor *store.User, id int64, result json.RawMessage, now time.Time) (store.Evaluation, error)
}

// Render turns evaluation.json into the report's HTML (the report
// package's renderer, disclosure-controlled).
type Render func(ctx context.Context, evaluationJSON []byte) ([]byte, error)

// Evaluations is the Work of evaluation jobs: linkage and evaluation of a
// submission on a spine opened once and shared by all jobs.
type Evaluations struct {
	Records Records
	Spine   *pipeline.Spine
	// Dir holds one private work folder per job (Dir/job-<id>), removed
	// when the job ends (unless Keep is set), kept when the runner stops
	// mid-job so the recovered job can resume.
	Dir  string
	Keep bool
	// Render, if set, renders the report once as a check that the stored
	// evaluation can be rendered (a failure fails the job rather than
	// surprising the publisher later; a disclosure refusal does not, since
	// the analyst must still see why). The HTML itself is rendered again
	// at publication, from the reviewed evaluation.
	Render Render
	// MinCohort is the smallest linked cohort evaluated (default 100).
	MinCohort int
	sweepOnce sync.Once

	// Spec is the evaluation's settings (Programme and Seed come from the
	// job's EvaluationParams).
	Spec evaluation.Spec
	// DigestKey is the lab's secret differencing key (at least
	// disclosure.MinKeyBytes): with it, and a Records that implements
	// CohortDigests, the job stores the keyed digests of its cohort for
	// the differencing guard at publication.
	DigestKey []byte
	// Jobs, if set, lets the first Run remove the folders of jobs that
	// have ended (those a crash left behind); *store.DB satisfies it.
	Jobs JobReader
	Now  func() time.Time
	Log  *slog.Logger
}

// JobReader reads a job's record.
type JobReader interface {
	Job(ctx context.Context, scope store.Scope, id int64) (store.Job, error)
}

// sweep removes the work folders of jobs that have ended: left by a crash,
// or by a job recovery failed after its last attempt. A folder may hold
// linked.csv (participant references) and the pseudonymous cohort, which
// must not outlive the job.
func (e *Evaluations) sweep(ctx context.Context, log *slog.Logger) {
	if e.Jobs == nil || e.Keep {
		return
	}
	entries, err := os.ReadDir(e.Dir)
	if err != nil {
		return
	}
	for _, ent := range entries {
		id, err := strconv.ParseInt(strings.TrimPrefix(ent.Name(), "job-"), 10, 64)
		if !ent.IsDir() || !strings.HasPrefix(ent.Name(), "job-") || err != nil {
			continue
		}
		j, err := e.Jobs.Job(ctx, store.AllOrgs(), id)
		if (err == nil && j.State.Terminal()) || errors.Is(err, store.ErrNotFound) {
			if err := os.RemoveAll(filepath.Join(e.Dir, ent.Name())); err == nil {
				log.Info("removed the work folder of an ended job", "folder", ent.Name())
			}
		}
	}
}

// Run is a Work: it evaluates job.SubmissionID.
func (e *Evaluations) Run(ctx context.Context, job store.Job, report func(store.Progress)) (err error) {
	now := e.Now
	if now == nil {
		now = time.Now
	}
	log := e.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if job.Kind != KindEvaluation {
		return fmt.Errorf("jobs: job %d is of kind %q, not %q: run it with its own work (set Runner.Kinds)", job.ID, job.Kind, KindEvaluation)
	}
	if job.SubmissionID == nil {
		return fmt.Errorf("jobs: evaluation job %d: %w", job.ID, errNoSubmission)
	}
	subID := *job.SubmissionID
	var params EvaluationParams
	if len(job.Params) > 0 {
		if err := json.Unmarshal(job.Params, &params); err != nil {
			return fmt.Errorf("jobs: evaluation job %d: reading its parameters: %w", job.ID, err)
		}
	}
	if params.Programme == "" {
		params.Programme = fmt.Sprintf("submission %d", subID)
	}
	log = log.With("job", job.ID, "submission", subID)
	dir := filepath.Join(e.Dir, "job-"+strconv.FormatInt(job.ID, 10))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("jobs: creating the job folder: %w", err)
	}
	e.sweepOnce.Do(func() { e.sweep(ctx, log) })
	defer func() {
		// The folder outlives a run stopped by a shutdown or a lost lease:
		// its cohort.json lets the recovered job resume once the
		// participants file is gone.
		stopped := ctx.Err() != nil && !errors.Is(context.Cause(ctx), ErrCancelRequested)
		if !e.Keep && !stopped {
			os.RemoveAll(dir)
		}
		// A job ending for good (refused, failed or cancelled) deletes the
		// identifiers too: no re-run will need them (a new upload will).
		if err != nil && !stopped {
			reason := "evaluation job failed"
			if ctx.Err() != nil {
				reason = "evaluation job cancelled"
			}
			if derr := e.Records.DeleteSubmissionFile(context.WithoutCancel(ctx), subID, reason, now()); derr != nil {
				log.Error("deleting the participants file of an ended job failed", "err", derr)
			}
		}
	}()
	participants := filepath.Join(dir, "participants.csv")
	if err := e.fetchParticipants(ctx, subID, participants); err != nil {
		return err
	}
	spec := e.Spec
	if params.Seed != 0 {
		spec.Seed = params.Seed
	}
	res, err := pipeline.RunJob(ctx, pipeline.JobConfig{
		Spine:        e.Spine,
		Participants: participants,
		WorkDir:      dir,
		Programme:    params.Programme,
		MinCohort:    e.MinCohort,
		Spec:         spec,
		Progress:     func(stage string, f float64) { report(store.Progress{Stage: stage, Fraction: f}) },
		Linked: func(ctx context.Context, _ linkage.Report) error {
			// The identifiers are no longer needed: delete both copies.
			if err := os.Remove(participants); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("jobs: deleting the job's copy of the participants file: %w", err)
			}
			if err := e.Records.DeleteSubmissionFile(ctx, subID, "linkage finished", now()); err != nil {
				return fmt.Errorf("jobs: deleting the stored participants file: %w", err)
			}
			log.Info("participants file deleted after linkage")
			return nil
		},
		Log: log,
	})
	if err != nil {
		return providerError(err)
	}
	if e.Render != nil {
		report(store.Progress{Stage: "report", Fraction: 0.99})
		_, err := e.Render(ctx, res.JSON)
		switch {
		case errors.Is(err, disclosure.ErrRefused):
			// Not publishable as it stands, but the analyst still reviews
			// it: the refusal is shown at review and at publication.
			log.Warn("the evaluation's report is refused by disclosure control", "reason", err)
		case err != nil:
			return fmt.Errorf("jobs: rendering the report: %w", err)
		}
	}
	ev, err := e.save(ctx, job.ID, subID, params.Programme, res.JSON, now())
	if err != nil {
		return fmt.Errorf("jobs: storing the evaluation: %w", err)
	}
	if err := e.saveDigests(ctx, ev.ID, res.PersonIDs, now()); err != nil {
		return err
	}
	report(store.Progress{Stage: "done", Fraction: 1})
	return nil
}

// save stores the evaluation, awaiting review: a new one, or the result
// replaced when an earlier run of the job stored one before it was
// interrupted.
func (e *Evaluations) save(ctx context.Context, jobID, subID int64, programme string, result []byte, now time.Time) (store.Evaluation, error) {
	prev, err := e.Records.Evaluations(ctx, store.AllOrgs(), store.EvaluationFilter{SubmissionID: &subID})
	if err != nil {
		return store.Evaluation{}, err
	}
	for _, ev := range prev {
		if ev.JobID != nil && *ev.JobID == jobID {
			return e.Records.ReplaceEvaluationResult(ctx, nil, ev.ID, result, now)
		}
	}
	return e.Records.CreateEvaluation(ctx, store.NewEvaluation{SubmissionID: subID, JobID: &jobID, Title: programme, Result: result}, now)
}

// CohortDigests is implemented by a store that keeps an evaluation's
// cohort digests (the differencing guard's input) from the job that made
// it until its publication (store.Publication.CohortDigests). The cohort's
// person_ids exist only while the job runs, so the job must leave their
// keyed digests behind.
type CohortDigests interface {
	SetCohortDigests(ctx context.Context, evaluationID int64, digests []byte, now time.Time) error
}

// saveDigests stores the cohort's keyed digests (a JSON array of
// disclosure.Members) when a key is configured and the store keeps them.
func (e *Evaluations) saveDigests(ctx context.Context, evaluationID int64, personIDs []string, now time.Time) error {
	cd, ok := e.Records.(CohortDigests)
	if len(e.DigestKey) == 0 || !ok {
		return nil
	}
	members, err := disclosure.Members(e.DigestKey, personIDs)
	if err != nil {
		return fmt.Errorf("jobs: the differencing key: %w", err)
	}
	b, err := json.Marshal(members)
	if err != nil {
		return err
	}
	if err := cd.SetCohortDigests(ctx, evaluationID, b, now); err != nil {
		return fmt.Errorf("jobs: storing the cohort digests: %w", err)
	}
	return nil
}

// fetchParticipants copies the stored participants file into the job's
// folder (owner-only), unless linkage already finished in an earlier run
// of the job (then the file is gone and pipeline.RunJob resumes from the
// cohort it kept).
func (e *Evaluations) fetchParticipants(ctx context.Context, submissionID int64, path string) (err error) {
	b, err := e.Records.SubmissionFile(ctx, store.AllOrgs(), submissionID)
	if errors.Is(err, store.ErrFileDeleted) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("jobs: reading the stored participants file: %w", err)
	}
	tmp := path + ".part"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("jobs: copying the participants file: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(b); err != nil {
		return fmt.Errorf("jobs: copying the participants file: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("jobs: copying the participants file: %w", err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("jobs: copying the participants file: %w", err)
	}
	return nil
}

// providerError turns the errors a provider can act on into Refusals with
// their (identifier-free) messages; others pass unchanged.
func providerError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "link: ")
	switch {
	case errors.Is(err, submission.ErrRefused):
		return Refuse("the participants file was refused: "+strings.TrimPrefix(msg, submission.ErrRefused.Error()+": "), err)
	case errors.Is(err, linkage.ErrCohortTooSmall):
		return Refuse(msg, err)
	case errors.Is(err, evaluation.ErrNoParticipants):
		return Refuse(msg, err)
	case errors.Is(err, pipeline.ErrParticipantsGone):
		return Refuse("the participants file is no longer held (the lab deletes identifiers once linkage finishes or a job ends, and this run has no linked cohort to resume from); upload the file again to evaluate it", err)
	}
	return err
}

// RenderReport is the Render of the lab's reports: the disclosure-
// controlled HTML report of an evaluation.json with the default rules.
func RenderReport(ctx context.Context, evaluationJSON []byte) ([]byte, error) {
	return report.RenderHTML(evaluationJSON, report.Options{})
}
