package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/employment-data-lab/datalab/internal/evaluation"
	"github.com/employment-data-lab/datalab/internal/store"
)

// The operations below are shared by the pages and the JSON API: each
// takes the actor, scopes every read to what the actor may see (the store
// answers ErrNotFound for another organisation's row, which becomes the
// same 404 as a missing one), and leaves the audit row to the store for
// changes and to the server for views and downloads.

func pathID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound(what)
	}
	return id, nil
}

// notFound renames the store's ErrNotFound for the object asked for.
func notFound(err error, what string) error {
	if errors.Is(err, store.ErrNotFound) {
		return &Error{Kind: KindNotFound, Message: what + " not found", Err: err}
	}
	return err
}

// programmeName checks the programme name a provider gives an upload.
func programmeName(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", fieldError("programme", "enter the name of the programme these participants joined")
	case utf8.RuneCountInString(s) > 120:
		return "", fieldError("programme", "the programme name must be 120 characters or fewer")
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "", fieldError("programme", "the programme name must not contain control characters")
	}
	return s, nil
}

// submissionView is a submission with its latest job and evaluation.
type submissionView struct {
	store.Submission
	Check      *checkReport      `json:"checks,omitempty"`
	Job        *store.Job        `json:"job,omitempty"`
	Evaluation *store.Evaluation `json:"evaluation,omitempty"`
	Programme  string            `json:"programme,omitempty"`
}

// checkReport is the stored form of the submission checks: counts and
// issues, none of which quotes a direct identifier.
type checkReport struct {
	Rows       int          `json:"rows"`
	Valid      int          `json:"valid"`
	Excluded   int          `json:"excluded"`
	Duplicates int          `json:"duplicates"`
	Issues     []checkIssue `json:"issues"`
	Refused    string       `json:"refused,omitempty"`
}

type checkIssue struct {
	Line     int    `json:"line"`
	Field    string `json:"field,omitempty"`
	Severity string `json:"severity"`
	Reason   string `json:"reason"`
}

func (c *checkReport) Errors() int {
	n := 0
	for _, i := range c.Issues {
		if i.Severity == "error" {
			n++
		}
	}
	return n
}

func (c *checkReport) Warnings() int { return len(c.Issues) - c.Errors() }

func newCheckReport(up *upload) *checkReport {
	rep := up.Checked.Report
	c := &checkReport{Rows: rep.Rows, Valid: rep.Valid, Excluded: rep.Excluded, Duplicates: rep.Duplicates, Issues: []checkIssue{}}
	for _, i := range rep.Issues {
		c.Issues = append(c.Issues, checkIssue{Line: i.Line, Field: i.Field, Severity: i.Severity.String(), Reason: i.Reason})
	}
	if up.Refused != nil {
		c.Refused = "the file cannot be used: fix the errors below and upload it again"
	}
	return c
}

// view loads a submission (scoped) with its latest job and evaluation.
func (s *Server) view(ctx context.Context, a *actor, id int64) (*submissionView, error) {
	sub, err := s.store.Submission(ctx, a.scope(), id)
	if err != nil {
		return nil, notFound(err, "submission")
	}
	return s.decorate(ctx, a, sub)
}

func (s *Server) decorate(ctx context.Context, a *actor, sub store.Submission) (*submissionView, error) {
	v := &submissionView{Submission: sub}
	if len(sub.Checks) > 0 {
		var c checkReport
		if err := json.Unmarshal(sub.Checks, &c); err == nil {
			v.Check = &c
		}
	}
	id := sub.ID
	jobs, err := s.store.Jobs(ctx, a.scope(), store.JobFilter{SubmissionID: &id, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(jobs) > 0 {
		v.Job = &jobs[0]
		var p struct {
			Programme string `json:"programme"`
		}
		if json.Unmarshal(jobs[0].Params, &p) == nil {
			v.Programme = p.Programme
		}
	}
	evs, err := s.store.Evaluations(ctx, a.scope(), store.EvaluationFilter{SubmissionID: &id})
	if err != nil {
		return nil, err
	}
	if len(evs) > 0 {
		latest := evs[0]
		for _, e := range evs[1:] {
			if e.ID > latest.ID {
				latest = e
			}
		}
		latest.Result = nil
		v.Evaluation = &latest
	}
	return v, nil
}

// decorateAll is decorate for a list, in two queries rather than two per
// submission: the scope's jobs and evaluations, matched by submission.
func (s *Server) decorateAll(ctx context.Context, a *actor, subs []store.Submission) ([]*submissionView, error) {
	jobs, err := s.store.Jobs(ctx, a.scope(), store.JobFilter{Limit: 100000})
	if err != nil {
		return nil, err
	}
	evs, err := s.store.Evaluations(ctx, a.scope(), store.EvaluationFilter{})
	if err != nil {
		return nil, err
	}
	latestJob := map[int64]*store.Job{}
	for i := range jobs {
		j := &jobs[i]
		if j.SubmissionID == nil {
			continue
		}
		if cur, ok := latestJob[*j.SubmissionID]; !ok || j.ID > cur.ID {
			latestJob[*j.SubmissionID] = j
		}
	}
	latestEv := map[int64]*store.Evaluation{}
	for i := range evs {
		e := &evs[i]
		e.Result = nil
		if cur, ok := latestEv[e.SubmissionID]; !ok || e.ID > cur.ID {
			latestEv[e.SubmissionID] = e
		}
	}
	out := make([]*submissionView, 0, len(subs))
	for _, sub := range subs {
		v := &submissionView{Submission: sub, Job: latestJob[sub.ID], Evaluation: latestEv[sub.ID]}
		if len(sub.Checks) > 0 {
			var c checkReport
			if json.Unmarshal(sub.Checks, &c) == nil {
				v.Check = &c
			}
		}
		if v.Job != nil {
			var p struct {
				Programme string `json:"programme"`
			}
			if json.Unmarshal(v.Job.Params, &p) == nil {
				v.Programme = p.Programme
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// acceptUpload records an upload: the submission (the store keeps the
// file apart until linkage), its check report, and, if the checks passed,
// a queued evaluation job.
func (s *Server) acceptUpload(r *http.Request, a *actor, up *upload, programme string) (*submissionView, error) {
	ctx := r.Context()
	if a.OrgID == nil {
		return nil, errorf(KindForbidden, "your account belongs to no organisation; ask the lab's administrator to add it to one")
	}
	sub, err := s.store.CreateSubmission(ctx, a.User, store.NewSubmission{OrgID: *a.OrgID, FileName: up.Name, Content: up.Content}, s.now())
	if err != nil {
		return nil, err
	}
	check := newCheckReport(up)
	b, err := json.Marshal(check)
	if err != nil {
		return nil, err
	}
	if sub, err = s.store.RecordChecks(ctx, sub.ID, up.Refused == nil, b, s.now()); err != nil {
		return nil, err
	}
	v := &submissionView{Submission: sub, Check: check, Programme: programme}
	if up.Refused != nil {
		// A refused file is never linked: delete its identifiers now.
		if err := s.store.DeleteSubmissionFile(ctx, sub.ID, "the submission checks refused the file", s.now()); err != nil {
			return nil, err
		}
		return v, nil
	}
	nj, err := s.cfg.Enqueue(*a.OrgID, sub.ID, programme)
	if err != nil {
		return nil, err
	}
	job, err := s.store.EnqueueJob(ctx, a.userPtr(), nj, s.now())
	if err != nil {
		return nil, err
	}
	s.cfg.Notify()
	v.Job = &job
	return v, nil
}

func (s *Server) cancel(r *http.Request, a *actor, id int64) (*store.Job, error) {
	v, err := s.view(r.Context(), a, id)
	if err != nil {
		return nil, err
	}
	if v.Job == nil || v.Job.State.Terminal() {
		return nil, errorf(KindConflict, "there is no queued or running job to cancel for this submission")
	}
	job, err := s.store.CancelJob(r.Context(), a.User, a.scope(), v.Job.ID, s.now())
	if err != nil {
		return nil, notFound(err, "job")
	}
	return &job, nil
}

func (s *Server) rerun(r *http.Request, a *actor, id int64) (*store.Job, error) {
	v, err := s.view(r.Context(), a, id)
	if err != nil {
		return nil, err
	}
	if v.State != store.SubmissionChecked {
		return nil, errorf(KindConflict, "only a submission that passed its checks can be evaluated")
	}
	if v.Job != nil && !v.Job.State.Terminal() {
		return nil, errorf(KindConflict, "a job for this submission is already %s; cancel it first", v.Job.State)
	}
	nj, err := s.cfg.Enqueue(v.OrgID, v.ID, v.Programme)
	if err != nil {
		return nil, err
	}
	job, err := s.store.EnqueueJob(r.Context(), a.userPtr(), nj, s.now())
	if err != nil {
		return nil, err
	}
	s.cfg.Notify()
	return &job, nil
}

// reviewInput is a review of an evaluation: QA ticks, a comment and a
// decision.
type reviewInput struct {
	// Checklist ticks (true) or unticks (false) QA items by key; items not
	// named are left as they are.
	Checklist map[string]bool `json:"checklist"`
	Comment   string          `json:"comment"`
	// Decision is "save" (keep status), "reviewed" (analyst: QA
	// complete), "request_changes", or "approve" (publisher).
	Decision string `json:"decision"`
}

func (s *Server) review(r *http.Request, a *actor, id int64, in reviewInput) (*store.Evaluation, error) {
	ctx := r.Context()
	ev, err := s.store.Evaluation(ctx, a.scope(), id)
	if err != nil {
		return nil, notFound(err, "evaluation")
	}
	comment := strings.TrimSpace(in.Comment)
	if utf8.RuneCountInString(comment) > 5000 {
		return nil, fieldError("comment", "the comment must be 5000 characters or fewer")
	}
	var to store.EvaluationStatus
	switch in.Decision {
	case "save", "":
	case "reviewed":
		to = store.EvaluationReviewed
	case "request_changes":
		if comment == "" {
			return nil, fieldError("comment", "say in a comment what needs to change")
		}
		to = store.EvaluationChangesRequested
	case "approve":
		to = store.EvaluationApproved
	default:
		return nil, fieldError("decision", "decision %q is not one of save, reviewed, request_changes, approve", in.Decision)
	}
	if len(in.Checklist) > 0 {
		items, err := s.store.QA(ctx, a.scope(), id)
		if err != nil {
			return nil, notFound(err, "evaluation")
		}
		for _, it := range items {
			want, named := in.Checklist[it.Key]
			if named && want != it.Ticked {
				if _, err := s.store.TickQA(ctx, a.User, id, it.Key, want, "", s.now()); err != nil {
					return nil, err
				}
			}
		}
	}
	if comment != "" {
		if _, err := s.store.AddComment(ctx, a.User, id, comment, s.now()); err != nil {
			return nil, err
		}
	}
	if to != "" && to != ev.Status {
		if ev, err = s.store.Decide(ctx, a.User, id, to, comment, s.now()); err != nil {
			return nil, err
		}
	}
	return &ev, nil
}

func (s *Server) publish(r *http.Request, a *actor, id int64) (*store.Report, error) {
	ctx := r.Context()
	ev, err := s.store.Evaluation(ctx, a.scope(), id)
	if err != nil {
		return nil, notFound(err, "evaluation")
	}
	result := ev.Result // Decide's answer does not carry the result
	if ev.Status == store.EvaluationReviewed {
		if ev, err = s.store.Decide(ctx, a.User, id, store.EvaluationApproved, "approved for publication", s.now()); err != nil {
			return nil, err
		}
	}
	if ev.Status != store.EvaluationApproved {
		return nil, errorf(KindConflict, "only an evaluation an analyst has reviewed can be published (this one is %s)", strings.ToLower(statusText(ev.Status)))
	}
	html, err := s.cfg.Render(ctx, result)
	if err != nil {
		return nil, fmt.Errorf("rendering the report of evaluation %d: %w", id, err)
	}
	rep, err := s.store.Publish(ctx, a.User, id, store.Publication{Title: ev.Title, HTML: html}, s.now())
	if err != nil {
		return nil, err
	}
	return &rep, nil
}

// decodeEvaluation reads a stored evaluation.json.
func decodeEvaluation(ev store.Evaluation) (*evaluation.Evaluation, error) {
	var e evaluation.Evaluation
	if len(ev.Result) == 0 {
		return &e, nil
	}
	if err := json.Unmarshal(ev.Result, &e); err != nil {
		return nil, fmt.Errorf("reading the stored evaluation %d: %w", ev.ID, err)
	}
	return &e, nil
}
