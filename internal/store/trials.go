package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/employment-data-lab/datalab/internal/trials/plan"
	"github.com/employment-data-lab/datalab/internal/trials/randomise"
)

// Trial is a trial's record, without its secret seed.
type Trial struct {
	ID          string           `json:"id"`
	Title       string           `json:"title"`
	Design      randomise.Design `json:"design"`
	Genesis     string           `json:"genesis"`
	Head        string           `json:"head"` // hash of the last allocation
	Allocations int              `json:"allocations"`
	CreatedAt   time.Time        `json:"created_at"`
	ClosedAt    *time.Time       `json:"closed_at,omitempty"`
	LinkedAt    *time.Time       `json:"outcomes_linked_at,omitempty"`
}

// Enrolment is the receipt for one enrolment: the allocation, whether it
// was made now (New) or found (an earlier enrolment of the same
// reference), and the chain head after it.
type Enrolment struct {
	Trial string `json:"trial"`
	randomise.Entry
	New  bool   `json:"new"`
	Head string `json:"head"`
}

// ErrTrialNotFound is returned for an unknown trial identifier; such
// errors also satisfy errors.Is(err, ErrNotFound).
var ErrTrialNotFound = errors.New("trial not found")

// notFoundSilent wraps ErrNotFound without adding to a message.
var notFoundSilent = silentError{ErrNotFound}

type silentError struct{ err error }

func (e silentError) Error() string { return "" }
func (e silentError) Unwrap() error { return e.err }

var trialIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// ValidTrialID reports whether id is a trial identifier CreateTrial
// accepts: 1–64 letters, digits, '_', '.' or '-', starting with a letter
// or digit.
func ValidTrialID(id string) bool { return trialIDPattern.MatchString(id) }

const timeFormat = randomise.TimeFormat

// CreateTrial records a new trial with design d and a fresh secret seed
// drawn from entropy (crypto/rand.Reader outside tests).
func (s *DB) CreateTrial(ctx context.Context, id, title string, d randomise.Design, now time.Time, entropy io.Reader) (Trial, error) {
	if !trialIDPattern.MatchString(id) {
		return Trial{}, fmt.Errorf("create trial %q: %w: the identifier must be 1–64 letters, digits, '_', '.' or '-', starting with a letter or digit", id, ErrInvalid)
	}
	if err := d.Validate(); err != nil {
		return Trial{}, fmt.Errorf("create trial %s: %w", id, err)
	}
	seed, err := randomise.NewSeed(entropy)
	if err != nil {
		return Trial{}, fmt.Errorf("create trial %s: %w", id, err)
	}
	dj, err := json.Marshal(d)
	if err != nil {
		return Trial{}, fmt.Errorf("create trial %s: %w", id, err)
	}
	now = now.UTC()
	// The stored time is what the genesis covers: round-trip it.
	now, _ = time.Parse(timeFormat, now.Format(timeFormat))
	g := randomise.Genesis(id, d, now)
	_, err = s.ExecContext(ctx, `INSERT INTO trials (id, title, design, seed, genesis, head, allocations, created_at)
		VALUES (?, ?, ?, ?, ?, ?, 0, ?)`, id, title, string(dj), seed.String(), g, g, now.Format(timeFormat))
	if err != nil {
		var exists int
		if s.QueryRowContext(ctx, `SELECT COUNT(*) FROM trials WHERE id = ?`, id).Scan(&exists) == nil && exists > 0 {
			return Trial{}, fmt.Errorf("create trial %s in %s: %w: a trial with this identifier exists: choose another --trial", id, s.path, ErrConflict)
		}
		return Trial{}, fmt.Errorf("create trial %s in %s: %w", id, s.path, err)
	}
	return Trial{ID: id, Title: title, Design: d, Genesis: g, Head: g, CreatedAt: now}, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// trialRow reads a trial and its seed.
func trialRow(ctx context.Context, q querier, path, id string) (Trial, randomise.Seed, error) {
	var t Trial
	var design, seedHex, created string
	var closed, linked sql.NullString
	err := q.QueryRowContext(ctx, `SELECT id, title, design, seed, genesis, head, allocations, created_at, closed_at, linked_at
		FROM trials WHERE id = ?`, id).Scan(&t.ID, &t.Title, &design, &seedHex, &t.Genesis, &t.Head, &t.Allocations, &created, &closed, &linked)
	if errors.Is(err, sql.ErrNoRows) {
		return Trial{}, randomise.Seed{}, fmt.Errorf("trial %q in %s: %w: check --trial, or create it with datalab trial create%w", id, path, ErrTrialNotFound, notFoundSilent)
	}
	if err != nil {
		return Trial{}, randomise.Seed{}, fmt.Errorf("read trial %s from %s: %w", id, path, err)
	}
	if err := json.Unmarshal([]byte(design), &t.Design); err != nil {
		return Trial{}, randomise.Seed{}, fmt.Errorf("read trial %s from %s: design: %w", id, path, err)
	}
	seed, err := randomise.ParseSeed(seedHex)
	if err != nil {
		return Trial{}, randomise.Seed{}, fmt.Errorf("read trial %s from %s: %w", id, path, err)
	}
	if t.CreatedAt, err = time.Parse(timeFormat, created); err != nil {
		return Trial{}, randomise.Seed{}, fmt.Errorf("read trial %s from %s: created_at: %w", id, path, err)
	}
	for _, f := range []struct {
		s  sql.NullString
		to **time.Time
	}{{closed, &t.ClosedAt}, {linked, &t.LinkedAt}} {
		if f.s.Valid {
			x, err := time.Parse(timeFormat, f.s.String)
			if err != nil {
				return Trial{}, randomise.Seed{}, fmt.Errorf("read trial %s from %s: %w", id, path, err)
			}
			*f.to = &x
		}
	}
	return t, seed, nil
}

// Trial returns trial id's record.
func (s *DB) Trial(ctx context.Context, id string) (Trial, error) {
	t, _, err := trialRow(ctx, s, s.path, id)
	return t, err
}

// Enrol allocates participant ref, in the stratum given by levels, to an
// arm of trial id, or returns the allocation the reference already has:
// a reference is never randomised twice. The whole enrolment is one
// transaction that takes SQLite's write lock at BEGIN (the store's DSN
// sets _txlock=immediate) or, on PostgreSQL, locks the trial's row
// (SELECT … FOR UPDATE), so concurrent enrolments, from goroutines or
// processes, take consecutive positions with no gaps or duplicates.
func (s *DB) Enrol(ctx context.Context, id, ref string, levels map[string]string, now time.Time) (Enrolment, error) {
	if err := randomise.CheckRef(ref); err != nil {
		return Enrolment{}, fmt.Errorf("enrol in trial %s: %w", id, err)
	}
	tx, err := s.BeginTx(ctx, nil)
	if err != nil {
		return Enrolment{}, fmt.Errorf("enrol %s in trial %s: begin: %w", ref, id, err)
	}
	defer tx.Rollback()
	if err := tx.lockForUpdate(ctx, "trials", "id = ?", id); err != nil {
		return Enrolment{}, fmt.Errorf("enrol %s in trial %s: lock the trial: %w", ref, id, err)
	}
	t, seed, err := trialRow(ctx, tx, s.path, id)
	if err != nil {
		return Enrolment{}, fmt.Errorf("enrol %s: %w", ref, err)
	}
	stratum, err := t.Design.Stratum(levels)
	if err != nil {
		return Enrolment{}, fmt.Errorf("enrol %s in trial %s: %w", ref, id, err)
	}
	var prev randomise.Entry
	var at string
	err = tx.QueryRowContext(ctx, `SELECT position, participant_ref, stratum, arm, allocated_at, prev_hash, hash
		FROM trial_allocations WHERE trial_id = ? AND participant_ref = ?`, id, ref).
		Scan(&prev.Position, &prev.ParticipantRef, &prev.Stratum, &prev.Arm, &at, &prev.PrevHash, &prev.Hash)
	switch {
	case err == nil:
		prev.AllocatedAt, _ = time.Parse(timeFormat, at)
		if prev.Stratum != stratum {
			return Enrolment{}, fmt.Errorf("enrol %s in trial %s: %w: enrolled at position %d in stratum %s (arm %s), but this request gives stratum %s: an allocation is never changed; correct the stratum in your records", ref, id, ErrConflict, prev.Position, prev.Stratum, prev.Arm, stratum)
		}
		return Enrolment{Trial: id, Entry: prev, New: false, Head: t.Head}, nil
	case !errors.Is(err, sql.ErrNoRows):
		return Enrolment{}, fmt.Errorf("enrol %s in trial %s: look up reference: %w", ref, id, err)
	}
	if t.ClosedAt != nil {
		return Enrolment{}, fmt.Errorf("enrol %s in trial %s: %w: the trial closed to enrolment at %s", ref, id, ErrInvalidState, t.ClosedAt.Format(time.RFC3339))
	}
	var inStratum int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM trial_allocations WHERE trial_id = ? AND stratum = ?`, id, stratum).Scan(&inStratum); err != nil {
		return Enrolment{}, fmt.Errorf("enrol %s in trial %s: count stratum %s: %w", ref, id, stratum, err)
	}
	now, _ = time.Parse(timeFormat, now.UTC().Format(timeFormat))
	e := randomise.Allocate(id, t.Design, seed, t.Head, t.Allocations+1, inStratum, ref, stratum, now)
	if _, err := tx.ExecContext(ctx, `INSERT INTO trial_allocations (trial_id, position, participant_ref, stratum, arm, allocated_at, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, e.Position, e.ParticipantRef, e.Stratum, e.Arm, e.AllocatedAt.Format(timeFormat), e.PrevHash, e.Hash); err != nil {
		return Enrolment{}, fmt.Errorf("enrol %s in trial %s at position %d: %w", ref, id, e.Position, err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE trials SET head = ?, allocations = ? WHERE id = ? AND head = ? AND allocations = ?`,
		e.Hash, e.Position, id, t.Head, t.Allocations)
	if err != nil {
		return Enrolment{}, fmt.Errorf("enrol %s in trial %s: move chain head: %w", ref, id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Enrolment{}, fmt.Errorf("enrol %s in trial %s: the chain head moved during the enrolment: retry", ref, id)
	}
	if err := tx.Commit(); err != nil {
		return Enrolment{}, fmt.Errorf("enrol %s in trial %s: commit: %w", ref, id, err)
	}
	return Enrolment{Trial: id, Entry: e, New: true, Head: e.Hash}, nil
}

// EnrolFile enrols the participants listed in CSV r (randomise.ReadRequests:
// participant_ref and the trial's factor columns), one transaction each, in
// file order, so enrolments from elsewhere may interleave. The whole file
// is checked before anyone is enrolled; clock gives each enrolment's time.
func (s *DB) EnrolFile(ctx context.Context, id string, r io.Reader, clock func() time.Time) ([]Enrolment, error) {
	t, err := s.Trial(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("enrol from file: %w", err)
	}
	reqs, err := randomise.ReadRequests(r, t.Design)
	if err != nil {
		return nil, fmt.Errorf("enrol in trial %s: %w", id, err)
	}
	out := make([]Enrolment, 0, len(reqs))
	for _, q := range reqs {
		if err := ctx.Err(); err != nil {
			return out, fmt.Errorf("enrol in trial %s: stopped before line %d (%d enrolled): %w", id, q.Line, len(out), err)
		}
		e, err := s.Enrol(ctx, id, q.Ref, q.Levels, clock())
		if err != nil {
			return out, fmt.Errorf("line %d: %w (the %d lines before it are enrolled; enrolling the file again is safe)", q.Line, err, len(out))
		}
		out = append(out, e)
	}
	return out, nil
}

// Allocations returns trial id's log in stored position order.
func (s *DB) Allocations(ctx context.Context, id string) ([]randomise.Entry, error) {
	rows, err := s.QueryContext(ctx, `SELECT position, participant_ref, stratum, arm, allocated_at, prev_hash, hash
		FROM trial_allocations WHERE trial_id = ? ORDER BY position`, id)
	if err != nil {
		return nil, fmt.Errorf("read allocations of trial %s from %s: %w", id, s.path, err)
	}
	defer rows.Close()
	var es []randomise.Entry
	for rows.Next() {
		var e randomise.Entry
		var at string
		if err := rows.Scan(&e.Position, &e.ParticipantRef, &e.Stratum, &e.Arm, &at, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("read allocations of trial %s: %w", id, err)
		}
		if e.AllocatedAt, err = time.Parse(timeFormat, at); err != nil {
			// An unreadable time is kept as the zero time: Verify then
			// reports the entry as edited, which is what happened.
			e.AllocatedAt = time.Time{}
		}
		es = append(es, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read allocations of trial %s: %w", id, err)
	}
	return es, nil
}

// ExportTrial writes trial id's allocation log as CSV
// (randomise.CSVHeader). It holds no seed: the sequence stays concealed.
func (s *DB) ExportTrial(ctx context.Context, id string, w io.Writer) error {
	if _, err := s.Trial(ctx, id); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	es, err := s.Allocations(ctx, id)
	if err != nil {
		return err
	}
	return randomise.WriteCSV(w, es)
}

// VerifyTrial checks trial id's log: the hash chain from the genesis, the
// recorded head and count, every arm against the concealed sequence, and,
// when externalHead is not empty, that the chain head is the one recorded
// outside the store.
func (s *DB) VerifyTrial(ctx context.Context, id, externalHead string) (randomise.Report, error) {
	t, seed, err := trialRow(ctx, s, s.path, id)
	if err != nil {
		return randomise.Report{}, fmt.Errorf("verify: %w", err)
	}
	es, err := s.Allocations(ctx, id)
	if err != nil {
		return randomise.Report{}, err
	}
	c := randomise.Chain{Trial: id, Genesis: randomise.Genesis(id, t.Design, t.CreatedAt), RecordedHead: t.Head, Recorded: t.Allocations, Entries: es}
	if c.Genesis != t.Genesis {
		// The stored genesis no longer matches the trial's design or
		// creation time: the design was edited.
		return randomise.Report{Entries: len(es), RecordedHead: t.Head, Break: &randomise.Break{Position: 0, Kind: randomise.Edited,
			Detail: "the trial's design or creation time no longer matches its genesis hash: the trial record was edited"}}, nil
	}
	r := randomise.Verify(c, t.Design, &seed)
	if r.OK && externalHead != "" && externalHead != r.Head {
		r.OK = false
		r.Break = &randomise.Break{Position: len(es), Kind: randomise.Edited,
			Detail: fmt.Sprintf("the chain head %s is not the head %s recorded outside the store: the log was rewritten, or entries were added since that head was recorded (find it in the export)", r.Head, externalHead)}
		for _, e := range es {
			if e.Hash == externalHead {
				r.OK, r.Break = true, nil
				r.Notes = append(r.Notes, fmt.Sprintf("the head recorded outside the store is the entry at position %d; the %d entr(ies) after it were enrolled since it was recorded", e.Position, len(es)-e.Position))
				break
			}
		}
	}
	return r, nil
}

// CloseTrial closes trial id to enrolment at now and returns its seed:
// closing unblinds the sequence, so anyone can check every allocation
// against it.
func (s *DB) CloseTrial(ctx context.Context, id string, now time.Time) (Trial, randomise.Seed, error) {
	res, err := s.ExecContext(ctx, `UPDATE trials SET closed_at = ? WHERE id = ? AND closed_at IS NULL`, now.UTC().Format(timeFormat), id)
	if err != nil {
		return Trial{}, randomise.Seed{}, fmt.Errorf("close trial %s in %s: %w", id, s.path, err)
	}
	t, seed, err := trialRow(ctx, s, s.path, id)
	if err != nil {
		return Trial{}, randomise.Seed{}, fmt.Errorf("close: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return t, seed, fmt.Errorf("close trial %s: already closed at %s", id, t.ClosedAt.Format(time.RFC3339))
	}
	return t, seed, nil
}

// SavePlan validates p against the outcomes framework and its trial's
// stratification factors and stores it as the trial's draft plan,
// replacing any earlier draft. A locked plan is never replaced.
func (s *DB) SavePlan(ctx context.Context, p plan.Plan, now time.Time) (plan.Plan, error) {
	t, err := s.Trial(ctx, p.Trial)
	if err != nil {
		return p, fmt.Errorf("save plan: %w", err)
	}
	var factors []string
	for _, f := range t.Design.Factors {
		factors = append(factors, f.Name)
	}
	if err := p.Validate(factors); err != nil {
		return p, fmt.Errorf("save plan of trial %s: %w", p.Trial, err)
	}
	tx, err := s.BeginTx(ctx, nil)
	if err != nil {
		return p, fmt.Errorf("save plan of trial %s: %w", p.Trial, err)
	}
	defer tx.Rollback()
	if err := tx.lockForUpdate(ctx, "trials", "id = ?", p.Trial); err != nil {
		return p, fmt.Errorf("save plan of trial %s: lock the trial: %w", p.Trial, err)
	}
	var locked sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT locked_at FROM trial_plans WHERE trial_id = ?`, p.Trial).Scan(&locked)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("save plan of trial %s: %w", p.Trial, err)
	}
	if locked.Valid {
		return p, fmt.Errorf("save plan of trial %s: the plan was locked at %s and cannot change: an analysis that departs from it must give --allow-departure \"reason\"", p.Trial, locked.String)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO trial_plans (trial_id, plan, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (trial_id) DO UPDATE SET plan = excluded.plan, updated_at = excluded.updated_at`,
		p.Trial, string(p.Canonical()), now.UTC().Format(timeFormat))
	if err != nil {
		return p, fmt.Errorf("save plan of trial %s: %w", p.Trial, err)
	}
	return p, tx.Commit()
}

// LockPlan freezes trial id's draft plan at now: its canonical JSON is
// hashed (SHA-256) and the hash and time stored. It is refused once
// outcome data has been linked to the trial, or if already locked.
func (s *DB) LockPlan(ctx context.Context, id string, now time.Time) (plan.Locked, error) {
	t, err := s.Trial(ctx, id)
	if err != nil {
		return plan.Locked{}, fmt.Errorf("lock plan: %w", err)
	}
	if t.LinkedAt != nil {
		return plan.Locked{}, fmt.Errorf("lock plan of trial %s: outcome data was linked at %s, so a plan locked now would not be pre-specified; analyse with --allow-departure \"reason\" and say so", id, t.LinkedAt.Format(time.RFC3339))
	}
	p, l, err := s.Plan(ctx, id)
	if err != nil {
		return plan.Locked{}, err
	}
	if l != nil {
		return *l, fmt.Errorf("lock plan of trial %s: already locked at %s with hash %s", id, l.LockedAt.Format(time.RFC3339), l.Hash)
	}
	locked := plan.Lock(p, now)
	res, err := s.ExecContext(ctx, `UPDATE trial_plans SET plan = ?, hash = ?, locked_at = ? WHERE trial_id = ? AND locked_at IS NULL`,
		string(locked.Plan.Canonical()), locked.Hash, locked.LockedAt.Format(timeFormat), id)
	if err != nil {
		return plan.Locked{}, fmt.Errorf("lock plan of trial %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return plan.Locked{}, fmt.Errorf("lock plan of trial %s: locked by someone else meanwhile: run datalab trial plan --show", id)
	}
	return locked, nil
}

// Plan returns trial id's plan and, if it is locked, its lock (whose
// Intact method says whether the stored plan still has its hash).
func (s *DB) Plan(ctx context.Context, id string) (plan.Plan, *plan.Locked, error) {
	var pj string
	var hash, lockedAt sql.NullString
	err := s.QueryRowContext(ctx, `SELECT plan, hash, locked_at FROM trial_plans WHERE trial_id = ?`, id).Scan(&pj, &hash, &lockedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return plan.Plan{}, nil, fmt.Errorf("trial %s has no analysis plan: write one with datalab trial plan", id)
	}
	if err != nil {
		return plan.Plan{}, nil, fmt.Errorf("read plan of trial %s from %s: %w", id, s.path, err)
	}
	var p plan.Plan
	if err := json.Unmarshal([]byte(pj), &p); err != nil {
		return plan.Plan{}, nil, fmt.Errorf("read plan of trial %s: %w", id, err)
	}
	if !lockedAt.Valid {
		return p, nil, nil
	}
	at, err := time.Parse(timeFormat, lockedAt.String)
	if err != nil {
		return p, nil, fmt.Errorf("read plan of trial %s: locked_at: %w", id, err)
	}
	return p, &plan.Locked{Plan: p, Hash: hash.String, LockedAt: at}, nil
}

// MarkOutcomesLinked records that outcome data was linked to trial id at
// now (the first time only); a plan can no longer be locked after it.
func (s *DB) MarkOutcomesLinked(ctx context.Context, id string, now time.Time) error {
	if _, err := s.ExecContext(ctx, `UPDATE trials SET linked_at = ? WHERE id = ? AND linked_at IS NULL`, now.UTC().Format(timeFormat), id); err != nil {
		return fmt.Errorf("mark outcomes linked for trial %s: %w", id, err)
	}
	return nil
}

// RecordDeviation stores an analysis's departures from the locked plan
// with the reason given.
func (s *DB) RecordDeviation(ctx context.Context, id string, d plan.Deviation, now time.Time) error {
	dj, err := json.Marshal(d.Departures)
	if err != nil {
		return fmt.Errorf("record deviation for trial %s: %w", id, err)
	}
	if _, err := s.ExecContext(ctx, `INSERT INTO trial_deviations (trial_id, plan_hash, reason, departures, recorded_at) VALUES (?, ?, ?, ?, ?)`,
		id, d.PlanHash, d.Reason, string(dj), now.UTC().Format(timeFormat)); err != nil {
		return fmt.Errorf("record deviation for trial %s: %w", id, err)
	}
	return nil
}

// Deviations returns the departures recorded for trial id, oldest first.
func (s *DB) Deviations(ctx context.Context, id string) ([]plan.Deviation, error) {
	rows, err := s.QueryContext(ctx, `SELECT plan_hash, reason, departures FROM trial_deviations WHERE trial_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("read deviations of trial %s: %w", id, err)
	}
	defer rows.Close()
	var ds []plan.Deviation
	for rows.Next() {
		var d plan.Deviation
		var dj string
		if err := rows.Scan(&d.PlanHash, &d.Reason, &dj); err != nil {
			return nil, fmt.Errorf("read deviations of trial %s: %w", id, err)
		}
		if err := json.Unmarshal([]byte(dj), &d.Departures); err != nil {
			return nil, fmt.Errorf("read deviations of trial %s: %w", id, err)
		}
		ds = append(ds, d)
	}
	return ds, rows.Err()
}
