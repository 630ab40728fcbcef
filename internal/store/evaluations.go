package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// QAChecklist is the checklist an analyst completes before signing an
// evaluation off; each new evaluation gets its own copy, so changing the
// list later leaves earlier reviews as they were. The balance threshold
// and the choice of checks follow the design notes (§2): Austin (2011,
// doi:10.1080/00273171.2011.568786) for the caliper and standardised
// differences, and MatchIt's and cobalt's balance reporting.
func QAChecklist() []QAItem {
	return []QAItem{
		{Key: "counts", Label: "Counts reconcile: submitted ≥ linked ≥ eligible ≥ matched, and the report states each"},
		{Key: "linkage", Label: "Linkage rate and method reviewed; the unlinked do not differ grossly from the linked"},
		{Key: "balance", Label: "Balance after matching: every covariate's standardised mean difference below 0.1, variance ratios near 1"},
		{Key: "support", Label: "Common support: propensity-score overlap checked; participants off support reported"},
		{Key: "estimates", Label: "Estimates, confidence intervals and horizons checked against evaluation.json"},
		{Key: "sensitivity", Label: "At least one sensitivity analysis (Rosenbaum bounds or an E-value) reported"},
		{Key: "disclosure", Label: "Disclosure control applied: no small cells, no differencing against earlier publications"},
		{Key: "method", Label: "Method section matches the settings used (estimand, caliper, ratio, replacement, variance)"},
	}
}

const evaluationColumns = `e.id, e.submission_id, e.org_id, e.job_id, e.title, e.status, e.created_at, e.updated_at,
	e.reviewed_by, e.reviewed_at, e.approved_by, e.approved_at, e.published_at, COALESCE(r.slug, '')`

const evaluationFrom = ` FROM evaluations e LEFT JOIN reports r ON r.evaluation_id = e.id`

func scanEvaluation(sc interface{ Scan(...any) error }, extra ...any) (Evaluation, error) {
	var e Evaluation
	var status string
	err := sc.Scan(append([]any{&e.ID, &e.SubmissionID, &e.OrgID, inull{&e.JobID}, &e.Title, &status, tcol{&e.CreatedAt}, tcol{&e.UpdatedAt},
		inull{&e.ReviewedBy}, tnull{&e.ReviewedAt}, inull{&e.ApprovedBy}, tnull{&e.ApprovedAt}, tnull{&e.PublishedAt}, &e.ReportSlug}, extra...)...)
	e.Status = EvaluationStatus(status)
	return e, err
}

func checkResult(result json.RawMessage) error {
	if len(result) == 0 || !json.Valid(result) {
		return invalid("the result is not valid JSON (give evaluation.json)")
	}
	return nil
}

// CreateEvaluation stores a job's result for submission n.SubmissionID as
// an evaluation awaiting review, with a fresh QA checklist.
func (s *DB) CreateEvaluation(ctx context.Context, n NewEvaluation, now time.Time) (Evaluation, error) {
	fail := func(err error) (Evaluation, error) {
		return Evaluation{}, fmt.Errorf("store: create evaluation of submission %d: %w", n.SubmissionID, err)
	}
	if err := checkResult(n.Result); err != nil {
		return fail(err)
	}
	now = at(now)
	e := Evaluation{SubmissionID: n.SubmissionID, JobID: n.JobID, Title: strings.TrimSpace(n.Title), Status: EvaluationAwaitingReview, CreatedAt: now, UpdatedAt: now}
	err := s.inTx(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT org_id FROM submissions WHERE id = ?`, n.SubmissionID).Scan(&e.OrgID)
		if isNoRows(err) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO evaluations (submission_id, org_id, job_id, title, status, result, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, e.SubmissionID, e.OrgID, iopt(e.JobID), e.Title, string(e.Status), []byte(n.Result), ts(now), ts(now)).Scan(&e.ID)
		if isForeignKeyViolation(err) {
			return invalid("job %v does not exist", e.JobID)
		}
		if err != nil {
			return err
		}
		for i, q := range QAChecklist() {
			if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_qa (evaluation_id, position, item_key, label) VALUES (?, ?, ?, ?)`, e.ID, i, q.Key, q.Label); err != nil {
				return err
			}
		}
		_, err = appendAudit(ctx, tx, auditOf(nil, ActionEvaluationCreate, "evaluation", e.ID, &e.OrgID, now, map[string]any{"submission_id": e.SubmissionID, "job_id": e.JobID}))
		return err
	})
	if err != nil {
		return fail(err)
	}
	e.Result = n.Result
	return e, nil
}

// Evaluation returns evaluation id, with its result, if scope covers its
// organisation.
func (s *DB) Evaluation(ctx context.Context, scope Scope, id int64) (Evaluation, error) {
	cond, args := scope.where("e.org_id")
	var result []byte
	e, err := scanEvaluation(s.QueryRowContext(ctx, `SELECT `+evaluationColumns+`, e.result`+evaluationFrom+` WHERE e.id = ? AND `+cond, append([]any{id}, args...)...), &result)
	if isNoRows(err) {
		return e, fmt.Errorf("store: evaluation %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("store: evaluation %d: %w", id, err)
	}
	e.Result = json.RawMessage(result)
	return e, nil
}

// Evaluations lists evaluations in scope, newest first, without results.
func (s *DB) Evaluations(ctx context.Context, scope Scope, f EvaluationFilter) ([]Evaluation, error) {
	cond, args := scope.where("e.org_id")
	q := `SELECT ` + evaluationColumns + evaluationFrom + ` WHERE ` + cond
	if f.SubmissionID != nil {
		q += ` AND e.submission_id = ?`
		args = append(args, *f.SubmissionID)
	}
	if len(f.Statuses) > 0 {
		q += ` AND e.status IN (?` + strings.Repeat(", ?", len(f.Statuses)-1) + `)`
		for _, st := range f.Statuses {
			args = append(args, string(st))
		}
	}
	rows, err := s.QueryContext(ctx, q+` ORDER BY e.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list evaluations: %w", err)
	}
	defer rows.Close()
	var out []Evaluation
	for rows.Next() {
		e, err := scanEvaluation(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list evaluations: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// lockEvaluation reads evaluation id for update within scope.
func lockEvaluation(ctx context.Context, tx *Tx, scope Scope, id int64) (Evaluation, error) {
	if err := tx.lockForUpdate(ctx, "evaluations", "id = ?", id); err != nil {
		return Evaluation{}, err
	}
	cond, args := scope.where("e.org_id")
	e, err := scanEvaluation(tx.QueryRowContext(ctx, `SELECT `+evaluationColumns+evaluationFrom+` WHERE e.id = ? AND `+cond, append([]any{id}, args...)...))
	if isNoRows(err) {
		return e, ErrNotFound
	}
	return e, err
}

func isStaff(u User, roles ...Role) bool { return !u.Disabled && slices.Contains(roles, u.Role) }

// ReplaceEvaluationResult stores a new result for evaluation id (a
// re-run) and puts it back to awaiting review with its QA checklist
// unticked. Allowed from awaiting_review and changes_requested; actor is
// an analyst or admin, or nil for the system (a job).
func (s *DB) ReplaceEvaluationResult(ctx context.Context, actor *User, id int64, result json.RawMessage, now time.Time) (Evaluation, error) {
	fail := func(err error) (Evaluation, error) {
		return Evaluation{}, fmt.Errorf("store: replace result of evaluation %d: %w", id, err)
	}
	if err := checkResult(result); err != nil {
		return fail(err)
	}
	if actor != nil && !isStaff(*actor, RoleAnalyst, RoleAdmin) {
		return fail(forbidden("only an analyst or admin replaces a result (you are %s)", actor.Role))
	}
	now = at(now)
	var e Evaluation
	err := s.inTx(ctx, func(tx *Tx) error {
		var err error
		if e, err = lockEvaluation(ctx, tx, AllOrgs(), id); err != nil {
			return err
		}
		if e.Status != EvaluationAwaitingReview && e.Status != EvaluationChangesRequested {
			return &StateError{Object: "evaluation", ID: id, State: string(e.Status), Action: "replace the result of",
				Allowed: []string{string(EvaluationAwaitingReview), string(EvaluationChangesRequested)}}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluations SET result = ?, status = 'awaiting_review', reviewed_by = NULL, reviewed_at = NULL,
			approved_by = NULL, approved_at = NULL, updated_at = ? WHERE id = ?`, []byte(result), ts(now), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluation_qa SET ticked = ?, ticked_by = NULL, ticked_at = NULL WHERE evaluation_id = ?`, false, id); err != nil {
			return err
		}
		_, err = appendAudit(ctx, tx, auditOf(actor, ActionEvaluationResult, "evaluation", id, &e.OrgID, now, map[string]any{"from": e.Status}))
		return err
	})
	if err != nil {
		return fail(err)
	}
	e.Status, e.Result, e.UpdatedAt = EvaluationAwaitingReview, result, now
	e.ReviewedBy, e.ReviewedAt, e.ApprovedBy, e.ApprovedAt = nil, nil, nil, nil
	return e, nil
}

func readQA(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, id int64) ([]QAItem, error) {
	rows, err := q.QueryContext(ctx, `SELECT item_key, label, ticked, ticked_by, ticked_at, note FROM evaluation_qa WHERE evaluation_id = ? ORDER BY position`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []QAItem
	for rows.Next() {
		var it QAItem
		if err := rows.Scan(&it.Key, &it.Label, &it.Ticked, inull{&it.TickedBy}, tnull{&it.TickedAt}, &it.Note); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// QA returns evaluation id's QA checklist, in order.
func (s *DB) QA(ctx context.Context, scope Scope, id int64) ([]QAItem, error) {
	if _, err := s.Evaluation(ctx, scope, id); err != nil {
		return nil, err
	}
	items, err := readQA(ctx, s, id)
	if err != nil {
		return nil, fmt.Errorf("store: QA of evaluation %d: %w", id, err)
	}
	return items, nil
}

// TickQA ticks (or unticks) QA item key of evaluation id, with an
// optional note, while it awaits review; actor is an analyst or admin.
// It returns the whole checklist.
func (s *DB) TickQA(ctx context.Context, actor User, id int64, key string, ticked bool, note string, now time.Time) ([]QAItem, error) {
	fail := func(err error) ([]QAItem, error) {
		return nil, fmt.Errorf("store: QA item %q of evaluation %d: %w", key, id, err)
	}
	if !isStaff(actor, RoleAnalyst, RoleAdmin) {
		return fail(forbidden("only an analyst or admin completes the QA checklist (you are %s)", actor.Role))
	}
	if utf8.RuneCountInString(note) > 2000 {
		return fail(invalid("note: at most 2000 characters"))
	}
	now = at(now)
	var items []QAItem
	err := s.inTx(ctx, func(tx *Tx) error {
		e, err := lockEvaluation(ctx, tx, AllOrgs(), id)
		if err != nil {
			return err
		}
		if e.Status != EvaluationAwaitingReview {
			return &StateError{Object: "evaluation", ID: id, State: string(e.Status), Action: "tick the QA checklist of", Allowed: []string{string(EvaluationAwaitingReview)}}
		}
		var by, when any
		if ticked {
			by, when = actor.ID, ts(now)
		}
		res, err := tx.ExecContext(ctx, `UPDATE evaluation_qa SET ticked = ?, ticked_by = ?, ticked_at = ?, note = ? WHERE evaluation_id = ? AND item_key = ?`,
			ticked, by, when, strings.TrimSpace(note), id, key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			var keys []string
			for _, q := range QAChecklist() {
				keys = append(keys, q.Key)
			}
			return invalid("no such item: use one of %s", strings.Join(keys, ", "))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluations SET updated_at = ? WHERE id = ?`, ts(now), id); err != nil {
			return err
		}
		if _, err := appendAudit(ctx, tx, auditOf(&actor, ActionQATick, "evaluation", id, &e.OrgID, now, map[string]any{"item": key, "ticked": ticked})); err != nil {
			return err
		}
		items, err = readQA(ctx, tx, id)
		return err
	})
	if err != nil {
		return fail(err)
	}
	return items, nil
}

// AddComment adds actor's review comment to evaluation id, which must be
// in actor's scope (a provider may comment on its own organisation's
// evaluations).
func (s *DB) AddComment(ctx context.Context, actor User, id int64, body string, now time.Time) (Comment, error) {
	body = strings.TrimSpace(body)
	fail := func(err error) (Comment, error) {
		return Comment{}, fmt.Errorf("store: comment on evaluation %d: %w", id, err)
	}
	if body == "" || utf8.RuneCountInString(body) > 10000 {
		return fail(invalid("comment: give 1–10000 characters"))
	}
	now = at(now)
	c := Comment{EvaluationID: id, AuthorID: actor.ID, Body: body, CreatedAt: now}
	err := s.inTx(ctx, func(tx *Tx) error {
		e, err := lockEvaluation(ctx, tx, ScopeOf(actor), id)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO evaluation_comments (evaluation_id, author_id, body, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
			id, actor.ID, body, ts(now)).Scan(&c.ID); err != nil {
			return err
		}
		_, err = appendAudit(ctx, tx, auditOf(&actor, ActionComment, "evaluation", id, &e.OrgID, now, map[string]any{"comment_id": c.ID}))
		return err
	})
	if err != nil {
		return fail(err)
	}
	return c, nil
}

// Comments lists evaluation id's comments, oldest first.
func (s *DB) Comments(ctx context.Context, scope Scope, id int64) ([]Comment, error) {
	if _, err := s.Evaluation(ctx, scope, id); err != nil {
		return nil, err
	}
	rows, err := s.QueryContext(ctx, `SELECT id, evaluation_id, author_id, body, created_at FROM evaluation_comments WHERE evaluation_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: comments of evaluation %d: %w", id, err)
	}
	defer rows.Close()
	var out []Comment
	for rows.Next() {
		var c Comment
		if err := rows.Scan(&c.ID, &c.EvaluationID, &c.AuthorID, &c.Body, tcol{&c.CreatedAt}); err != nil {
			return nil, fmt.Errorf("store: comments of evaluation %d: %w", id, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// transition is one allowed status change and who may make it.
type transition struct {
	from, to EvaluationStatus
	roles    []Role
}

// evaluationTransitions are the changes Decide makes. Publication is
// Publish's.
func evaluationTransitions() []transition {
	return []transition{
		{EvaluationAwaitingReview, EvaluationReviewed, []Role{RoleAnalyst, RoleAdmin}},
		{EvaluationAwaitingReview, EvaluationChangesRequested, []Role{RoleAnalyst, RolePublisher, RoleAdmin}},
		{EvaluationAwaitingReview, EvaluationRejected, []Role{RoleAnalyst, RolePublisher, RoleAdmin}},
		{EvaluationChangesRequested, EvaluationAwaitingReview, []Role{RoleAnalyst, RoleAdmin}},
		{EvaluationChangesRequested, EvaluationRejected, []Role{RoleAnalyst, RolePublisher, RoleAdmin}},
		{EvaluationReviewed, EvaluationApproved, []Role{RolePublisher, RoleAdmin}},
		{EvaluationReviewed, EvaluationChangesRequested, []Role{RoleAnalyst, RolePublisher, RoleAdmin}},
		{EvaluationReviewed, EvaluationRejected, []Role{RolePublisher, RoleAdmin}},
		{EvaluationApproved, EvaluationChangesRequested, []Role{RolePublisher, RoleAdmin}},
		{EvaluationApproved, EvaluationRejected, []Role{RolePublisher, RoleAdmin}},
	}
}

func decisionVerb(to EvaluationStatus) string {
	switch to {
	case EvaluationReviewed:
		return "sign off"
	case EvaluationChangesRequested:
		return "request changes to"
	case EvaluationRejected:
		return "reject"
	case EvaluationAwaitingReview:
		return "reopen"
	case EvaluationApproved:
		return "approve"
	}
	return "move to " + string(to) + ":"
}

// Decide moves evaluation id to status to on actor's decision, with a
// note (required when requesting changes or rejecting). Signing off
// (→ reviewed) needs every QA item ticked; approval needs a publisher
// (or admin) other than the analyst who signed it off. A change not in
// the flow is a *StateError naming the current status.
func (s *DB) Decide(ctx context.Context, actor User, id int64, to EvaluationStatus, note string, now time.Time) (Evaluation, error) {
	verb := decisionVerb(to)
	fail := func(err error) (Evaluation, error) {
		return Evaluation{}, fmt.Errorf("store: %s evaluation %d: %w", verb, id, err)
	}
	if to == EvaluationPublished {
		return fail(invalid("publish with Publish, which stores the report"))
	}
	note = strings.TrimSpace(note)
	if (to == EvaluationChangesRequested || to == EvaluationRejected) && note == "" {
		return fail(invalid("give a note saying why"))
	}
	if utf8.RuneCountInString(note) > 10000 {
		return fail(invalid("note: at most 10000 characters"))
	}
	now = at(now)
	var e Evaluation
	err := s.inTx(ctx, func(tx *Tx) error {
		var err error
		if e, err = lockEvaluation(ctx, tx, ScopeOf(actor), id); err != nil {
			return err
		}
		var tr *transition
		var allowedFrom []string
		trs := evaluationTransitions()
		for i := range trs {
			t := &trs[i]
			if t.to != to {
				continue
			}
			allowedFrom = append(allowedFrom, string(t.from))
			if t.from == e.Status {
				tr = t
			}
		}
		if tr == nil {
			if len(allowedFrom) == 0 {
				return invalid("status %q: use reviewed, approved, changes_requested, rejected or awaiting_review", to)
			}
			return &StateError{Object: "evaluation", ID: id, State: string(e.Status), Action: verb, Allowed: allowedFrom}
		}
		if !isStaff(actor, tr.roles...) {
			return forbidden("you are %s; to %s an evaluation that is %s you must be %s", actor.Role, verb, e.Status, rolesText(tr.roles))
		}
		set := `status = ?, updated_at = ?`
		args := []any{string(to), ts(now)}
		switch to {
		case EvaluationReviewed:
			items, err := readQA(ctx, tx, id)
			if err != nil {
				return err
			}
			var open []string
			for _, it := range items {
				if !it.Ticked {
					open = append(open, it.Key)
				}
			}
			if len(open) > 0 {
				return fmt.Errorf("%w: QA items not ticked: %s", ErrInvalidState, strings.Join(open, ", "))
			}
			set += `, reviewed_by = ?, reviewed_at = ?`
			args = append(args, actor.ID, ts(now))
			e.ReviewedBy, e.ReviewedAt = &actor.ID, &now
		case EvaluationApproved:
			if e.ReviewedBy != nil && *e.ReviewedBy == actor.ID {
				return forbidden("you signed this evaluation off as analyst: another publisher must approve it (four eyes)")
			}
			set += `, approved_by = ?, approved_at = ?`
			args = append(args, actor.ID, ts(now))
			e.ApprovedBy, e.ApprovedAt = &actor.ID, &now
		case EvaluationChangesRequested, EvaluationAwaitingReview:
			set += `, reviewed_by = NULL, reviewed_at = NULL, approved_by = NULL, approved_at = NULL`
			e.ReviewedBy, e.ReviewedAt, e.ApprovedBy, e.ApprovedAt = nil, nil, nil, nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE evaluations SET `+set+` WHERE id = ?`, append(args, id)...); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_decisions (evaluation_id, actor_id, from_status, to_status, note, at) VALUES (?, ?, ?, ?, ?, ?)`,
			id, actor.ID, string(e.Status), string(to), note, ts(now)); err != nil {
			return err
		}
		_, err = appendAudit(ctx, tx, auditOf(&actor, ActionDecision, "evaluation", id, &e.OrgID, now, map[string]any{"from": e.Status, "to": to}))
		e.Status, e.UpdatedAt = to, now
		return err
	})
	if err != nil {
		return fail(err)
	}
	return e, nil
}

func rolesText(rs []Role) string {
	var ss []string
	for _, r := range rs {
		ss = append(ss, string(r))
	}
	return strings.Join(ss, " or ")
}

// Decisions lists evaluation id's decisions, oldest first.
func (s *DB) Decisions(ctx context.Context, scope Scope, id int64) ([]Decision, error) {
	if _, err := s.Evaluation(ctx, scope, id); err != nil {
		return nil, err
	}
	rows, err := s.QueryContext(ctx, `SELECT id, evaluation_id, actor_id, from_status, to_status, note, at FROM evaluation_decisions WHERE evaluation_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: decisions of evaluation %d: %w", id, err)
	}
	defer rows.Close()
	var out []Decision
	for rows.Next() {
		var d Decision
		var from, to string
		if err := rows.Scan(&d.ID, &d.EvaluationID, &d.ActorID, &from, &to, &d.Note, tcol{&d.At}); err != nil {
			return nil, fmt.Errorf("store: decisions of evaluation %d: %w", id, err)
		}
		d.From, d.To = EvaluationStatus(from), EvaluationStatus(to)
		out = append(out, d)
	}
	return out, rows.Err()
}
