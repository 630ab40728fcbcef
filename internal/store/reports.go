package store

import (
	"context"
	"encoding/base32"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$`)

// slugify makes a URL slug from a title: lower-case ASCII letters and
// digits joined by single hyphens, at most 50 characters.
func slugify(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
		if b.Len() >= 50 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

// Publish publishes approved evaluation id: it stores the report HTML
// under p.Slug (generated from the title with a random suffix when
// empty) — the stable public URL — records the cohort's digests in
// published_cohorts, records the decision and marks the evaluation
// published, in one transaction. actor is a publisher or admin. A taken
// slug is ErrConflict; an evaluation not approved is a *StateError.
//
// The differencing guard (internal/disclosure) runs here, in the same
// transaction, before anything is written: the cohort (p.CohortDigests,
// or when nil the digests the evaluation's job stored with
// SetCohortDigests) is compared with every cohort the organisation had
// published, and a *DifferencingRefusal (errors.Is ErrConflict) is
// returned when it differs from one by 1 to 99 people, or when digests
// are missing (see guardDifferencing: it fails closed). It lives in the
// store rather than in the server so that the check and the record are
// one transaction under a per-organisation lock (lockOrganisation): two
// publications for one organisation at once cannot both pass against a
// registry that holds neither. A refusal publishes and records nothing
// but an audit entry (ActionPublishRefused).
func (s *DB) Publish(ctx context.Context, actor User, id int64, p Publication, now time.Time) (Report, error) {
	fail := func(err error) (Report, error) {
		return Report{}, fmt.Errorf("store: publish evaluation %d: %w", id, err)
	}
	if !isStaff(actor, RolePublisher, RoleAdmin) {
		return fail(forbidden("only a publisher or admin publishes (you are %s)", actor.Role))
	}
	if len(p.HTML) == 0 {
		return fail(invalid("the report HTML is empty"))
	}
	p.Title = strings.TrimSpace(p.Title)
	if utf8.RuneCountInString(p.Title) > 300 {
		return fail(invalid("title: at most 300 characters"))
	}
	if p.Slug != "" && !slugPattern.MatchString(p.Slug) {
		return fail(invalid("slug %q: lower-case letters, digits and inner hyphens, at most 80 characters", p.Slug))
	}
	now = at(now)
	var r Report
	var digests []byte
	err := s.inTx(ctx, func(tx *Tx) error {
		e, err := lockEvaluation(ctx, tx, AllOrgs(), id)
		if err != nil {
			return err
		}
		if e.Status != EvaluationApproved {
			return &StateError{Object: "evaluation", ID: id, State: string(e.Status), Action: "publish", Allowed: []string{string(EvaluationApproved)}}
		}
		if err := lockOrganisation(ctx, tx, e.OrgID); err != nil {
			return err
		}
		if digests, err = guardDifferencing(ctx, tx, e, p.CohortDigests); err != nil {
			return err
		}
		if p.Title == "" {
			p.Title = e.Title
		}
		if p.Title == "" {
			p.Title = fmt.Sprintf("Evaluation %d", id)
		}
		if p.Slug == "" {
			raw, err := s.secret(5)
			if err != nil {
				return err
			}
			suffix := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw))
			p.Slug = strings.Trim(slugify(p.Title)+"-"+suffix, "-")
		}
		if !slugPattern.MatchString(p.Slug) {
			return invalid("slug %q: lower-case letters, digits and inner hyphens, at most 80 characters", p.Slug)
		}
		r = Report{EvaluationID: id, OrgID: e.OrgID, Slug: p.Slug, Title: p.Title, PublishedAt: now, PublishedBy: actor.ID}
		err = tx.QueryRowContext(ctx, `INSERT INTO reports (evaluation_id, org_id, slug, title, html, published_at, published_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			id, e.OrgID, p.Slug, p.Title, p.HTML, ts(now), actor.ID).Scan(&r.ID)
		if isUniqueViolation(err) {
			return fmt.Errorf("%w: the slug %q is taken: choose another", ErrConflict, p.Slug)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO published_cohorts (evaluation_id, org_id, digests, published_at) VALUES (?, ?, ?, ?)`,
			id, e.OrgID, digests, ts(now)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluations SET status = 'published', published_at = ?, updated_at = ? WHERE id = ?`, ts(now), ts(now), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_decisions (evaluation_id, actor_id, from_status, to_status, note, at) VALUES (?, ?, ?, ?, ?, ?)`,
			id, actor.ID, string(EvaluationApproved), string(EvaluationPublished), "", ts(now)); err != nil {
			return err
		}
		_, err = appendAudit(ctx, tx, auditOf(&actor, ActionPublish, "evaluation", id, &e.OrgID, now, map[string]any{"slug": p.Slug, "report_id": r.ID}))
		return err
	})
	var refusal *DifferencingRefusal
	if errors.As(err, &refusal) {
		// The refusal itself is audited (outside the rolled-back
		// transaction): who tried, and by how many people it differed.
		detail := map[string]any{"difference": refusal.Difference, "earlier_evaluation": refusal.Earlier}
		var org *int64
		if ev, eerr := s.Evaluation(ctx, AllOrgs(), id); eerr == nil {
			org = &ev.OrgID
		}
		if _, aerr := s.Audit(ctx, auditOf(&actor, ActionPublishRefused, "evaluation", id, org, now, detail)); aerr != nil {
			return fail(fmt.Errorf("%w (and auditing the refusal failed: %v)", err, aerr))
		}
	}
	if err != nil {
		return fail(err)
	}
	return r, nil
}

const reportColumns = `id, evaluation_id, org_id, slug, title, published_at, published_by`

func scanReport(sc interface{ Scan(...any) error }, extra ...any) (Report, error) {
	var r Report
	err := sc.Scan(append([]any{&r.ID, &r.EvaluationID, &r.OrgID, &r.Slug, &r.Title, tcol{&r.PublishedAt}, &r.PublishedBy}, extra...)...)
	return r, err
}

// ReportBySlug returns the published report at slug, with its HTML. It
// is public: no scope.
func (s *DB) ReportBySlug(ctx context.Context, slug string) (Report, error) {
	var html []byte
	r, err := scanReport(s.QueryRowContext(ctx, `SELECT `+reportColumns+`, html FROM reports WHERE slug = ?`, slug), &html)
	if isNoRows(err) {
		return r, fmt.Errorf("store: report %q: %w", slug, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("store: report %q: %w", slug, err)
	}
	r.HTML = html
	return r, nil
}

// Reports lists the published reports, newest first, without HTML.
func (s *DB) Reports(ctx context.Context) ([]Report, error) {
	rows, err := s.QueryContext(ctx, `SELECT `+reportColumns+` FROM reports ORDER BY published_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: list reports: %w", err)
	}
	defer rows.Close()
	var out []Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list reports: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// PublishedCohorts returns the cohort digests of organisation orgID's
// published evaluations, oldest first, for the differencing guard.
func (s *DB) PublishedCohorts(ctx context.Context, orgID int64) ([]PublishedCohort, error) {
	rows, err := s.QueryContext(ctx, `SELECT evaluation_id, org_id, digests, published_at FROM published_cohorts WHERE org_id = ? ORDER BY published_at, evaluation_id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: published cohorts of organisation %d: %w", orgID, err)
	}
	defer rows.Close()
	var out []PublishedCohort
	for rows.Next() {
		var c PublishedCohort
		if err := rows.Scan(&c.EvaluationID, &c.OrgID, &c.Digests, tcol{&c.PublishedAt}); err != nil {
			return nil, fmt.Errorf("store: published cohorts of organisation %d: %w", orgID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
