package store

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
)

var jobKindPattern = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,63}$`)

const jobColumns = `id, kind, org_id, submission_id, params, state, stage, progress, attempts, max_attempts,
	lease_owner, lease_expires_at, cancel_requested, error, created_at, started_at, finished_at, updated_at`

func scanJob(sc interface{ Scan(...any) error }) (Job, error) {
	var j Job
	var params, state string
	var owner *string
	err := sc.Scan(&j.ID, &j.Kind, inull{&j.OrgID}, inull{&j.SubmissionID}, &params, &state, &j.Stage, &j.Progress, &j.Attempts, &j.MaxAttempts,
		&owner, tnull{&j.LeaseExpiresAt}, &j.CancelRequested, &j.Error, tcol{&j.CreatedAt}, tnull{&j.StartedAt}, tnull{&j.FinishedAt}, tcol{&j.UpdatedAt})
	j.Params, j.State = json.RawMessage(params), JobState(state)
	if owner != nil {
		j.LeaseOwner = *owner
	}
	return j, err
}

// EnqueueJob queues a job. A job for a submission takes the submission's
// organisation, needs the submission checked, and is refused
// (ErrConflict) while another job of the same kind for it is queued or
// running. actor is who asked (nil: the system).
func (s *DB) EnqueueJob(ctx context.Context, actor *User, n NewJob, now time.Time) (Job, error) {
	fail := func(err error) (Job, error) { return Job{}, fmt.Errorf("store: enqueue %s job: %w", n.Kind, err) }
	if !jobKindPattern.MatchString(n.Kind) {
		return fail(invalid("kind %q: lower-case letters, digits, '_', '.', '-', starting with a letter", n.Kind))
	}
	if n.MaxAttempts == 0 {
		n.MaxAttempts = 3
	}
	if n.MaxAttempts < 1 || n.MaxAttempts > 20 {
		return fail(invalid("max attempts %d: give 1–20", n.MaxAttempts))
	}
	if len(n.Params) == 0 {
		n.Params = json.RawMessage(`{}`)
	}
	if !json.Valid(n.Params) {
		return fail(invalid("params are not valid JSON"))
	}
	now = at(now)
	j := Job{Kind: n.Kind, OrgID: n.OrgID, SubmissionID: n.SubmissionID, Params: n.Params, State: JobQueued, MaxAttempts: n.MaxAttempts, CreatedAt: now, UpdatedAt: now}
	err := s.inTx(ctx, func(tx *Tx) error {
		if j.SubmissionID != nil {
			if err := tx.lockForUpdate(ctx, "submissions", "id = ?", *j.SubmissionID); err != nil {
				return err
			}
			var org int64
			var state string
			err := tx.QueryRowContext(ctx, `SELECT org_id, state FROM submissions WHERE id = ?`, *j.SubmissionID).Scan(&org, &state)
			if isNoRows(err) {
				return fmt.Errorf("submission %d: %w", *j.SubmissionID, ErrNotFound)
			}
			if err != nil {
				return err
			}
			if j.OrgID != nil && *j.OrgID != org {
				return invalid("organisation %d is not submission %d's (%d)", *j.OrgID, *j.SubmissionID, org)
			}
			j.OrgID = &org
			if SubmissionState(state) != SubmissionChecked {
				return &StateError{Object: "submission", ID: *j.SubmissionID, State: state, Action: "queue a job for", Allowed: []string{string(SubmissionChecked)}}
			}
			var active int64
			err = tx.QueryRowContext(ctx, `SELECT id FROM jobs WHERE submission_id = ? AND kind = ? AND state IN ('queued', 'running')`, *j.SubmissionID, j.Kind).Scan(&active)
			if err == nil {
				return fmt.Errorf("%w: job %d already %s submission %d", ErrConflict, active, "works on", *j.SubmissionID)
			}
			if !isNoRows(err) {
				return err
			}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO jobs (kind, org_id, submission_id, params, state, max_attempts, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, j.Kind, iopt(j.OrgID), iopt(j.SubmissionID), string(j.Params), string(j.State), j.MaxAttempts, ts(now), ts(now)).Scan(&j.ID)
		if isForeignKeyViolation(err) {
			return invalid("organisation %v does not exist", j.OrgID)
		}
		if err != nil {
			return err
		}
		_, err = appendAudit(ctx, tx, auditOf(actor, ActionJobEnqueue, "job", j.ID, j.OrgID, now, map[string]any{"kind": j.Kind, "submission_id": j.SubmissionID}))
		return err
	})
	if err != nil {
		return fail(err)
	}
	return j, nil
}

// ClaimJob gives the oldest queued job (of one of kinds, if any are
// given) to owner, running, with a lease until now+lease; ok is false
// when none is queued. Concurrent claimers never get the same job: the
// claim is one UPDATE … RETURNING whose sub-select skips rows locked by
// other claimers on PostgreSQL (FOR UPDATE SKIP LOCKED) and runs under
// the database write lock on SQLite.
func (s *DB) ClaimJob(ctx context.Context, owner string, now time.Time, lease time.Duration, kinds ...string) (job Job, ok bool, err error) {
	if strings.TrimSpace(owner) == "" || lease <= 0 {
		return Job{}, false, fmt.Errorf("store: claim job: %w", invalid("give an owner (host:pid) and a positive lease (got %q, %s)", owner, lease))
	}
	now = at(now)
	pick := `SELECT id FROM jobs WHERE state = 'queued'`
	args := []any{owner, ts(now.Add(lease)), ts(now), ts(now)}
	if len(kinds) > 0 {
		pick += ` AND kind IN (?` + strings.Repeat(", ?", len(kinds)-1) + `)`
		for _, k := range kinds {
			args = append(args, k)
		}
	}
	pick += ` ORDER BY id LIMIT 1` + s.dialect.skipLocked
	err = s.inTx(ctx, func(tx *Tx) error {
		var err error
		job, err = scanJob(tx.QueryRowContext(ctx, `UPDATE jobs SET state = 'running', lease_owner = ?, lease_expires_at = ?,
			attempts = attempts + 1, started_at = COALESCE(started_at, ?), updated_at = ?
			WHERE state = 'queued' AND id = (`+pick+`) RETURNING `+jobColumns, args...))
		if isNoRows(err) {
			return nil
		}
		ok = err == nil
		return err
	})
	if err != nil {
		return Job{}, false, fmt.Errorf("store: claim job for %s: %w", owner, err)
	}
	return job, ok, nil
}

// leaseLost explains why owner no longer holds job id.
func leaseLost(ctx context.Context, q querier, id int64, owner string) error {
	var state string
	var holder *string
	err := q.QueryRowContext(ctx, `SELECT state, lease_owner FROM jobs WHERE id = ?`, id).Scan(&state, &holder)
	if isNoRows(err) {
		return fmt.Errorf("job %d: %w", id, ErrNotFound)
	}
	h := "nobody"
	if holder != nil {
		h = *holder
	}
	return fmt.Errorf("job %d: %w: it is %s, held by %s, not %s: stop working on it", id, ErrLeaseLost, state, h, owner)
}

// Heartbeat extends owner's lease on running job id to now+lease and
// records its progress (an empty stage keeps the last one). It returns
// whether a cancel was requested (then stop and AcknowledgeCancel), or
// ErrLeaseLost if owner no longer holds the job.
func (s *DB) Heartbeat(ctx context.Context, id int64, owner string, p Progress, now time.Time, lease time.Duration) (bool, error) {
	if math.IsNaN(p.Fraction) || p.Fraction < 0 || p.Fraction > 1 || lease <= 0 {
		return false, fmt.Errorf("store: heartbeat of job %d: %w", id, invalid("progress %g must be in 0..1 and the lease positive", p.Fraction))
	}
	now = at(now)
	var cancel bool
	err := s.QueryRowContext(ctx, `UPDATE jobs SET stage = COALESCE(NULLIF(?, ''), stage), progress = ?, lease_expires_at = ?, updated_at = ?
		WHERE id = ? AND state = 'running' AND lease_owner = ? RETURNING cancel_requested`,
		p.Stage, p.Fraction, ts(now.Add(lease)), ts(now), id, owner).Scan(&cancel)
	if isNoRows(err) {
		return false, fmt.Errorf("store: heartbeat: %w", leaseLost(ctx, s, id, owner))
	}
	if err != nil {
		return false, fmt.Errorf("store: heartbeat of job %d: %w", id, err)
	}
	return cancel, nil
}

// finish moves owner's running job id to state, with reason, and audits it.
func (s *DB) finish(ctx context.Context, id int64, owner string, state JobState, reason string, now time.Time) error {
	now = at(now)
	progress := "progress"
	if state == JobSucceeded {
		progress = "1"
	}
	err := s.inTx(ctx, func(tx *Tx) error {
		var org *int64
		err := tx.QueryRowContext(ctx, `UPDATE jobs SET state = ?, error = ?, progress = `+progress+`, lease_owner = NULL, lease_expires_at = NULL,
			finished_at = ?, updated_at = ? WHERE id = ? AND state = 'running' AND lease_owner = ? RETURNING org_id`,
			string(state), reason, ts(now), ts(now), id, owner).Scan(inull{&org})
		if isNoRows(err) {
			return leaseLost(ctx, tx, id, owner)
		}
		if err != nil {
			return err
		}
		d := map[string]any{"state": state}
		if reason != "" {
			d["reason"] = reason
		}
		_, err = appendAudit(ctx, tx, auditOf(nil, ActionJobFinish, "job", id, org, now, d))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: %s job %d: %w", state, id, err)
	}
	return nil
}

// CompleteJob marks owner's running job id succeeded.
func (s *DB) CompleteJob(ctx context.Context, id int64, owner string, now time.Time) error {
	return s.finish(ctx, id, owner, JobSucceeded, "", now)
}

// FailJob marks owner's running job id failed with reason (shown to the
// user: no identifiers).
func (s *DB) FailJob(ctx context.Context, id int64, owner, reason string, now time.Time) error {
	if strings.TrimSpace(reason) == "" {
		return fmt.Errorf("store: fail job %d: %w", id, invalid("give the reason it failed"))
	}
	return s.finish(ctx, id, owner, JobFailed, reason, now)
}

// AcknowledgeCancel marks owner's running job id cancelled, after a
// Heartbeat said a cancel was requested.
func (s *DB) AcknowledgeCancel(ctx context.Context, id int64, owner string, now time.Time) error {
	return s.finish(ctx, id, owner, JobCancelled, "cancelled on request", now)
}

// CancelJob cancels job id within scope: a queued job at once, a running
// one by setting cancel_requested for its worker to see at its next
// Heartbeat. A finished job is a *StateError.
func (s *DB) CancelJob(ctx context.Context, actor User, scope Scope, id int64, now time.Time) (Job, error) {
	now = at(now)
	var j Job
	err := s.inTx(ctx, func(tx *Tx) error {
		if err := tx.lockForUpdate(ctx, "jobs", "id = ?", id); err != nil {
			return err
		}
		cond, args := scope.where("org_id")
		var err error
		j, err = scanJob(tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ? AND `+cond, append([]any{id}, args...)...))
		if isNoRows(err) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		switch j.State {
		case JobQueued:
			j.State, j.FinishedAt, j.Error = JobCancelled, &now, "cancelled before it started"
			_, err = tx.ExecContext(ctx, `UPDATE jobs SET state = 'cancelled', cancel_requested = ?, error = ?, finished_at = ?, updated_at = ? WHERE id = ?`, true, j.Error, ts(now), ts(now), id)
		case JobRunning:
			_, err = tx.ExecContext(ctx, `UPDATE jobs SET cancel_requested = ?, updated_at = ? WHERE id = ?`, true, ts(now), id)
		default:
			return &StateError{Object: "job", ID: id, State: string(j.State), Action: "cancel", Allowed: []string{string(JobQueued), string(JobRunning)}}
		}
		if err != nil {
			return err
		}
		j.CancelRequested, j.UpdatedAt = true, now
		_, err = appendAudit(ctx, tx, auditOf(&actor, ActionJobCancel, "job", id, j.OrgID, now, map[string]any{"state": j.State}))
		return err
	})
	if err != nil {
		return Job{}, fmt.Errorf("store: cancel job %d: %w", id, err)
	}
	return j, nil
}

// RecoverJobs deals with running jobs whose lease expired before now —
// their worker crashed or the server restarted: each is re-queued if it
// has attempts left, cancelled if a cancel was requested, and otherwise
// failed with the reason, so no job is silently lost. Call it at
// start-up and then every lease period.
func (s *DB) RecoverJobs(ctx context.Context, now time.Time) (Recovery, error) {
	now = at(now)
	var r Recovery
	err := s.inTx(ctx, func(tx *Tx) error {
		q := `SELECT ` + jobColumns + ` FROM jobs WHERE state = 'running' AND lease_expires_at < ? ORDER BY id`
		if s.dialect.name == Postgres {
			q += ` FOR UPDATE SKIP LOCKED`
		}
		rows, err := tx.QueryContext(ctx, q, ts(now))
		if err != nil {
			return err
		}
		var stale []Job
		for rows.Next() {
			j, err := scanJob(rows)
			if err != nil {
				rows.Close()
				return err
			}
			stale = append(stale, j)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, j := range stale {
			why := fmt.Sprintf("interrupted by a restart: the lease of %s expired at %s", j.LeaseOwner, j.LeaseExpiresAt.Format(time.RFC3339))
			var state JobState
			switch {
			case j.CancelRequested:
				state, why = JobCancelled, why+"; it had been asked to cancel"
				r.Cancelled = append(r.Cancelled, j.ID)
			case j.Attempts < j.MaxAttempts:
				state, why = JobQueued, fmt.Sprintf("%s; re-queued for attempt %d of %d", why, j.Attempts+1, j.MaxAttempts)
				r.Requeued = append(r.Requeued, j.ID)
			default:
				state, why = JobFailed, fmt.Sprintf("%s; failed after %d of %d attempts", why, j.Attempts, j.MaxAttempts)
				r.Failed = append(r.Failed, j.ID)
			}
			var finished any
			if state.Terminal() {
				finished = ts(now)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE jobs SET state = ?, error = ?, lease_owner = NULL, lease_expires_at = NULL, finished_at = ?, updated_at = ?
				WHERE id = ? AND state = 'running'`, string(state), why, finished, ts(now), j.ID); err != nil {
				return err
			}
			if _, err := appendAudit(ctx, tx, auditOf(nil, ActionJobRecover, "job", j.ID, j.OrgID, now, map[string]any{"state": state, "reason": why})); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Recovery{}, fmt.Errorf("store: recover jobs: %w", err)
	}
	return r, nil
}

// Job returns job id if scope covers its organisation (jobs without an
// organisation are visible to AllOrgs only).
func (s *DB) Job(ctx context.Context, scope Scope, id int64) (Job, error) {
	cond, args := scope.where("org_id")
	j, err := scanJob(s.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ? AND `+cond, append([]any{id}, args...)...))
	if isNoRows(err) {
		return j, fmt.Errorf("store: job %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return j, fmt.Errorf("store: job %d: %w", id, err)
	}
	return j, nil
}

// Jobs lists jobs in scope, newest first.
func (s *DB) Jobs(ctx context.Context, scope Scope, f JobFilter) ([]Job, error) {
	cond, args := scope.where("org_id")
	q := `SELECT ` + jobColumns + ` FROM jobs WHERE ` + cond
	if f.SubmissionID != nil {
		q += ` AND submission_id = ?`
		args = append(args, *f.SubmissionID)
	}
	if len(f.States) > 0 {
		q += ` AND state IN (?` + strings.Repeat(", ?", len(f.States)-1) + `)`
		for _, st := range f.States {
			args = append(args, string(st))
		}
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += ` ORDER BY id DESC LIMIT ?`
	rows, err := s.QueryContext(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: list jobs: %w", err)
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list jobs: %w", err)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}
