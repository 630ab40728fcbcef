package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/employment-data-lab/datalab/internal/disclosure"
)

// DifferencingRefusal is a publication refused by the differencing guard
// (internal/disclosure, Rules.CheckDifferencing): the evaluation's cohort
// differs from one the organisation already had published by more than 0
// and fewer than the minimum cohort of people, or the guard cannot check
// it because digests are missing. errors.Is matches ErrConflict (HTTP 409)
// and disclosure.ErrRefused. Reason is safe to show: it names reports,
// dates and numbers of people, never a digest or an identifier.
type DifferencingRefusal struct {
	EvaluationID int64
	// Earlier is the published evaluation the cohort is too close to (0
	// when the refusal is for missing digests).
	Earlier int64
	// Difference is the number of people in one cohort and not the other
	// (|A Δ B|); 0 when the refusal is for missing digests.
	Difference int
	Reason     string
}

func (e *DifferencingRefusal) Error() string {
	return fmt.Sprintf("evaluation %d refused for publication by the differencing guard: %s", e.EvaluationID, e.Reason)
}

// Is makes errors.Is(err, ErrConflict) and errors.Is(err,
// disclosure.ErrRefused) true.
func (e *DifferencingRefusal) Is(target error) bool {
	return target == ErrConflict || target == disclosure.ErrRefused
}

// parseDigests reads a cohort's digests: a JSON array of distinct
// 64-character lower-case hex digests in ascending order, as
// disclosure.Members makes them. Anything else is refused, so a list of
// bare person_ids (or any other identifier) is never stored.
func parseDigests(b []byte) ([]string, error) {
	var ds []string
	if err := json.Unmarshal(b, &ds); err != nil {
		return nil, invalid("cohort digests: not a JSON array of digests (%v); build them with disclosure.Members", err)
	}
	if len(ds) == 0 {
		return nil, invalid("cohort digests: the cohort is empty")
	}
	for i, d := range ds {
		if len(d) != 64 || strings.Trim(d, "0123456789abcdef") != "" {
			return nil, invalid("cohort digests: entry %d is not a 64-character hex HMAC-SHA-256 digest; build them with disclosure.Members", i+1)
		}
		if i > 0 && d <= ds[i-1] {
			return nil, invalid("cohort digests: entry %d is out of order or repeated; build them with disclosure.Members", i+1)
		}
	}
	return ds, nil
}

// SetCohortDigests records the keyed digests of evaluation id's cohort
// (see Publication.CohortDigests for the form), replacing any recorded
// before; the evaluation job calls it after storing the result, since the
// cohort's person_ids exist only while the job runs. Allowed while the
// evaluation awaits review or has changes requested (as the result
// itself). The audit log records how many people, never a digest.
func (s *DB) SetCohortDigests(ctx context.Context, id int64, digests []byte, now time.Time) error {
	fail := func(err error) error {
		return fmt.Errorf("store: cohort digests of evaluation %d: %w", id, err)
	}
	ds, err := parseDigests(digests)
	if err != nil {
		return fail(err)
	}
	now = at(now)
	err = s.inTx(ctx, func(tx *Tx) error {
		e, err := lockEvaluation(ctx, tx, AllOrgs(), id)
		if err != nil {
			return err
		}
		if e.Status != EvaluationAwaitingReview && e.Status != EvaluationChangesRequested {
			return &StateError{Object: "evaluation", ID: id, State: string(e.Status), Action: "record the cohort digests of",
				Allowed: []string{string(EvaluationAwaitingReview), string(EvaluationChangesRequested)}}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_cohorts (evaluation_id, digests, people, recorded_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (evaluation_id) DO UPDATE SET digests = excluded.digests, people = excluded.people, recorded_at = excluded.recorded_at`,
			id, digests, len(ds), ts(now)); err != nil {
			return err
		}
		_, err = appendAudit(ctx, tx, auditOf(nil, ActionCohortDigests, "evaluation", id, &e.OrgID, now, map[string]any{"people": len(ds)}))
		return err
	})
	if err != nil {
		return fail(err)
	}
	return nil
}

// CohortPeople returns how many people evaluation id's recorded cohort
// digests cover, and false when none are recorded.
func (s *DB) CohortPeople(ctx context.Context, scope Scope, id int64) (int, bool, error) {
	if _, err := s.Evaluation(ctx, scope, id); err != nil {
		return 0, false, err
	}
	var n int
	err := s.QueryRowContext(ctx, `SELECT people FROM evaluation_cohorts WHERE evaluation_id = ?`, id).Scan(&n)
	if isNoRows(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("store: cohort of evaluation %d: %w", id, err)
	}
	return n, true, nil
}

// lockOrganisation serialises publications of organisation org: two
// transactions publishing for one organisation at once could otherwise
// each pass the differencing guard without seeing the other's cohort. On
// PostgreSQL (READ COMMITTED) the second waits for the first to end and
// its next statement then sees the first's cohort; FOR NO KEY UPDATE,
// unlike FOR UPDATE, does not block inserts that merely reference the
// organisation (uploads, audit rows). SQLite transactions are already
// serial.
func lockOrganisation(ctx context.Context, tx *Tx, org int64) error {
	if tx.dialect.name != Postgres {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT 1 FROM organisations WHERE id = ? FOR NO KEY UPDATE`, org)
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	rows.Close()
	return rows.Err()
}

// guardDifferencing is the differencing guard at publication, run in
// Publish's transaction after lockOrganisation. It returns the cohort's
// digests to record, or a *DifferencingRefusal.
//
// It fails closed. An evaluation without digests (one made before the
// lab kept them, or by a job run without the differencing key) is
// refused even as the organisation's first publication: it could not be
// checked against the organisation's other reports, and no later cohort
// could be checked against it. For the same reason, a report of the
// organisation published without digests (before the guard) makes every
// further publication for it a refusal that names that report.
func guardDifferencing(ctx context.Context, tx *Tx, e Evaluation, given []byte) ([]byte, error) {
	digests := given
	if digests == nil {
		err := tx.QueryRowContext(ctx, `SELECT digests FROM evaluation_cohorts WHERE evaluation_id = ?`, e.ID).Scan(&digests)
		if isNoRows(err) {
			return nil, &DifferencingRefusal{EvaluationID: e.ID, Reason: "the lab holds no cohort digests for this evaluation " +
				"(it was made before the lab kept them, or by a job run without the differencing key), so the differencing guard " +
				"cannot check it against the organisation's other published reports, nor later ones against it; " +
				"run the evaluation again (the provider uploads the participants file again) and publish the new one"}
		}
		if err != nil {
			return nil, err
		}
	}
	members, err := parseDigests(digests)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT r.evaluation_id, r.title, r.published_at, pc.digests
		FROM reports r LEFT JOIN published_cohorts pc ON pc.evaluation_id = r.evaluation_id
		WHERE r.org_id = ? AND r.evaluation_id <> ? ORDER BY r.published_at, r.evaluation_id`, e.OrgID, e.ID)
	if err != nil {
		return nil, err
	}
	type earlier struct {
		id      int64
		cohort  disclosure.PublishedCohort
		missing bool
	}
	var all []earlier
	for rows.Next() {
		var c earlier
		var published time.Time
		var raw []byte
		if err := rows.Scan(&c.id, &c.cohort.Label, tcol{&published}, &raw); err != nil {
			rows.Close()
			return nil, err
		}
		c.cohort.PublishedAt = published.Format("2 January 2006")
		if raw == nil {
			c.missing = true
		} else if c.cohort.Members, err = parseDigests(raw); err != nil {
			rows.Close()
			return nil, fmt.Errorf("the published cohort of evaluation %d: %w", c.id, err)
		}
		all = append(all, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rules := disclosure.DefaultRules()
	for _, c := range all {
		if c.missing {
			return nil, &DifferencingRefusal{EvaluationID: e.ID, Earlier: c.id, Reason: fmt.Sprintf(
				"the organisation's report %q (evaluation %d, published %s) was published before the lab kept cohort digests, "+
					"so the differencing guard cannot tell whether this cohort differs from it by fewer than %d people; "+
					"the lab's disclosure officer must decide on this publication outside the service",
				c.cohort.Label, c.id, c.cohort.PublishedAt, rules.MinCohort)}
		}
		if err := rules.CheckDifferencing(members, []disclosure.PublishedCohort{c.cohort}); err != nil {
			ref, ok := err.(*disclosure.Refusal)
			if !ok {
				return nil, err
			}
			return nil, &DifferencingRefusal{EvaluationID: e.ID, Earlier: c.id, Difference: disclosure.SymmetricDifference(members, c.cohort.Members),
				Reason: ref.Reason + "; an analyst can send this evaluation back to the provider (request changes) or reject it"}
		}
	}
	return digests, nil
}
