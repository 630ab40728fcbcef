package server

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/employment-data-lab/datalab/internal/evaluation"
	"github.com/employment-data-lab/datalab/internal/store"
)

// homeFor is where each role starts.
func homeFor(a *actor) string {
	switch a.Role {
	case store.RoleProvider:
		return "/submissions"
	case store.RoleAnalyst:
		return "/evaluations"
	case store.RolePublisher:
		return "/approvals"
	case store.RoleAdmin:
		return "/admin/users"
	}
	return "/published"
}

func (s *Server) homePage(w http.ResponseWriter, r *http.Request, a *actor) error {
	if a != nil {
		http.Redirect(w, r, homeFor(a), http.StatusSeeOther)
		return nil
	}
	return s.render(w, http.StatusOK, "home", s.newPage(r, a, "Employment Data Lab"))
}

type signInForm struct {
	Email string
	Next  string
}

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request, a *actor) error {
	if a != nil {
		http.Redirect(w, r, homeFor(a), http.StatusSeeOther)
		return nil
	}
	p := s.newPage(r, a, "Sign in")
	p.Data = signInForm{Next: safeNext(r.URL.Query().Get("next"))}
	return s.render(w, http.StatusOK, "signin", p)
}

func (s *Server) signInPost(w http.ResponseWriter, r *http.Request, _ *actor) error {
	if err := sameOrigin(r); err != nil {
		return err
	}
	email := r.PostFormValue("email")
	next := safeNext(r.PostFormValue("next"))
	a, err := s.signIn(w, r, email, r.PostFormValue("password"))
	if err != nil {
		e := asError(err)
		if e.Kind == KindInternal {
			return err
		}
		p := s.newPage(r, nil, "Sign in")
		p.Errors = []formError{{Field: e.Field, Text: e.Message}}
		p.Data = signInForm{Email: email, Next: next}
		code := status(e.Kind)
		if e.Kind == KindUnauthorised {
			code = http.StatusOK // a form with errors, not an auth challenge
		}
		return s.render(w, code, "signin", p)
	}
	if next == "/" {
		next = homeFor(a)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) signOutPost(w http.ResponseWriter, r *http.Request, a *actor) error {
	if err := s.signOut(w, r, a); err != nil {
		return err
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

func (s *Server) submissionsPage(w http.ResponseWriter, r *http.Request, a *actor) error {
	subs, err := s.store.Submissions(r.Context(), a.scope())
	if err != nil {
		return err
	}
	views, err := s.decorateAll(r.Context(), a, subs)
	if err != nil {
		return err
	}
	p := s.newPage(r, a, "Submissions")
	p.Data = struct {
		Submissions []*submissionView
		OrgNames    map[int64]string
	}{views, s.orgNames(r, a)}
	return s.render(w, http.StatusOK, "submissions", p)
}

// orgNames maps organisation ids to names for the actor's scope.
func (s *Server) orgNames(r *http.Request, a *actor) map[int64]string {
	m := map[int64]string{}
	orgs, err := s.store.Organisations(r.Context(), a.scope())
	if err != nil {
		return m
	}
	for _, o := range orgs {
		m[o.ID] = o.Name
	}
	return m
}

type uploadForm struct {
	Programme string
	MaxSize   string
	Check     *checkReport
}

func (s *Server) uploadPage(w http.ResponseWriter, r *http.Request, a *actor) error {
	p := s.newPage(r, a, "Upload participants")
	p.Data = uploadForm{MaxSize: byteSize(s.cfg.MaxUpload)}
	return s.render(w, http.StatusOK, "upload", p)
}

func (s *Server) uploadPost(w http.ResponseWriter, r *http.Request, a *actor) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload)
	up, err := readUpload(r, s.cfg.Check)
	form := uploadForm{MaxSize: byteSize(s.cfg.MaxUpload)}
	form.Programme = up.Fields["programme"]
	// The token is checked before anything is stored or any upload error
	// is shown.
	if cerr := checkCSRF(a, r, up.Fields[csrfField]); cerr != nil {
		return cerr
	}
	var programme string
	if err == nil {
		programme, err = programmeName(form.Programme)
	}
	if err == nil && up.Refused != nil {
		// Show the check results at once, with line, field and reason;
		// nothing is stored for a refused file except its check report.
		var v *submissionView
		if v, err = s.acceptUpload(r, a, up, programme); err == nil {
			form.Check = v.Check
			p := s.newPage(r, a, "Upload participants")
			p.Errors = checkErrors(v.Check)
			p.Data = form
			return s.render(w, http.StatusUnprocessableEntity, "upload", p)
		}
	}
	if err != nil {
		e := asError(err)
		if e.Kind == KindInternal || e.Kind == KindForbidden {
			return err
		}
		p := s.newPage(r, a, "Upload participants")
		p.Errors = []formError{{Field: e.Field, Text: e.Message}}
		p.Data = form
		return s.render(w, status(e.Kind), "upload", p)
	}
	v, err := s.acceptUpload(r, a, up, programme)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/submissions/"+itoa(v.ID)+"?uploaded=1", http.StatusSeeOther)
	return nil
}

// checkErrors lists a refused file's errors (at most 20) for the error
// summary, each linking to the file input.
func checkErrors(c *checkReport) []formError {
	var out []formError
	for _, i := range c.Issues {
		if i.Severity != "error" {
			continue
		}
		if len(out) == 20 {
			out = append(out, formError{Field: uploadField, Text: "…and more errors, listed below"})
			break
		}
		text := i.Reason
		if i.Line > 0 {
			text = "Line " + strconv.Itoa(i.Line) + fieldSuffix(i.Field) + ": " + text
		}
		out = append(out, formError{Field: uploadField, Text: text})
	}
	if len(out) == 0 {
		out = append(out, formError{Field: uploadField, Text: c.Refused})
	}
	return out
}

func fieldSuffix(f string) string {
	if f == "" {
		return ""
	}
	return ", " + f
}

func (s *Server) submissionPage(w http.ResponseWriter, r *http.Request, a *actor) error {
	id, err := pathID(r, "submission")
	if err != nil {
		return err
	}
	v, err := s.view(r.Context(), a, id)
	if err != nil {
		return err
	}
	s.audit(r, a, store.ActionView, "submission", itoa(id), nil)
	p := s.newPage(r, a, "Submission "+itoa(id))
	running := v.Job != nil && !v.Job.State.Terminal()
	// Progress without JavaScript: the page updates itself only when the
	// user asks (?watch=1) and offers to stop, since an automatic refresh
	// moves screen-reader and keyboard users back to the top (WCAG 2.2.1,
	// timing adjustable); by default it offers a refresh link.
	watch := running && r.URL.Query().Get("watch") == "1"
	if watch {
		p.Refresh = 5
	}
	if r.URL.Query().Get("uploaded") != "" {
		p.Flash = "File uploaded and checked"
	}
	p.Data = struct {
		*submissionView
		CanCancel, CanRerun bool
		Watching            bool
	}{v, a.is(store.RoleProvider, store.RoleAnalyst), a.is(store.RoleAnalyst), watch}
	return s.render(w, http.StatusOK, "submission", p)
}

// notFoundPage answers any path no route matches.
func (s *Server) notFoundPage(w http.ResponseWriter, r *http.Request, a *actor) error {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return writeJSON(w, http.StatusNotFound, apiError{Error: apiErrorBody{Status: 404, Message: "no such API endpoint; see /api/openapi.json"}})
	}
	return errorf(KindNotFound, "There is no page at this address. Check it, or start again from the start page.")
}

func (s *Server) cancelPost(w http.ResponseWriter, r *http.Request, a *actor) error {
	id, err := pathID(r, "submission")
	if err != nil {
		return err
	}
	if _, err := s.cancel(r, a, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/submissions/"+itoa(id)+"?done=cancelled", http.StatusSeeOther)
	return nil
}

func (s *Server) rerunPost(w http.ResponseWriter, r *http.Request, a *actor) error {
	id, err := pathID(r, "submission")
	if err != nil {
		return err
	}
	if _, err := s.rerun(r, a, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/submissions/"+itoa(id)+"?done=rerun", http.StatusSeeOther)
	return nil
}

func (s *Server) evaluationList(w http.ResponseWriter, r *http.Request, a *actor, title string, statuses ...store.EvaluationStatus) error {
	evs, err := s.store.Evaluations(r.Context(), a.scope(), store.EvaluationFilter{Statuses: statuses})
	if err != nil {
		return err
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].UpdatedAt.After(evs[j].UpdatedAt) })
	p := s.newPage(r, a, title)
	p.Data = struct {
		Evaluations []store.Evaluation
		OrgNames    map[int64]string
	}{evs, s.orgNames(r, a)}
	return s.render(w, http.StatusOK, "evaluations", p)
}

func (s *Server) evaluationsPage(w http.ResponseWriter, r *http.Request, a *actor) error {
	return s.evaluationList(w, r, a, "Evaluations")
}

func (s *Server) approvalsPage(w http.ResponseWriter, r *http.Request, a *actor) error {
	return s.evaluationList(w, r, a, "Awaiting publication", store.EvaluationReviewed, store.EvaluationApproved)
}

// evaluationDetail is what the review page shows.
type evaluationDetail struct {
	store.Evaluation
	OrgName    string
	Result     *evaluation.Evaluation
	QA         []store.QAItem
	Comments   []commentView
	Decisions  []store.Decision
	Flagged    int
	CanReview  bool
	CanPublish bool
}

type commentView struct {
	store.Comment
	Author string
}

func (s *Server) evaluationDetail(r *http.Request, a *actor, id int64) (*evaluationDetail, error) {
	ctx := r.Context()
	ev, err := s.store.Evaluation(ctx, a.scope(), id)
	if err != nil {
		return nil, notFound(err, "evaluation")
	}
	res, err := decodeEvaluation(ev)
	if err != nil {
		return nil, err
	}
	d := &evaluationDetail{Evaluation: ev, Result: res}
	if o, err := s.store.Organisation(ctx, a.scope(), ev.OrgID); err == nil {
		d.OrgName = o.Name
	}
	if d.QA, err = s.store.QA(ctx, a.scope(), id); err != nil {
		return nil, err
	}
	cs, err := s.store.Comments(ctx, a.scope(), id)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		cv := commentView{Comment: c, Author: "user " + itoa(c.AuthorID)}
		if u, err := s.store.User(ctx, c.AuthorID); err == nil {
			cv.Author = u.Email
		}
		d.Comments = append(d.Comments, cv)
	}
	if d.Decisions, err = s.store.Decisions(ctx, a.scope(), id); err != nil {
		return nil, err
	}
	for _, b := range res.Balance {
		if b.Flag {
			d.Flagged++
		}
	}
	if a.is(store.RoleProvider) {
		// Providers get the disclosure-controlled report, not the raw
		// evaluation (unrounded counts, small subgroups).
		d.Result, d.Evaluation.Result = nil, nil
	}
	d.CanReview = a.is(store.RoleAnalyst) && (ev.Status == store.EvaluationAwaitingReview || ev.Status == store.EvaluationChangesRequested || ev.Status == store.EvaluationReviewed)
	d.CanPublish = a.is(store.RolePublisher) && (ev.Status == store.EvaluationReviewed || ev.Status == store.EvaluationApproved)
	return d, nil
}

func (s *Server) evaluationPage(w http.ResponseWriter, r *http.Request, a *actor) error {
	id, err := pathID(r, "evaluation")
	if err != nil {
		return err
	}
	d, err := s.evaluationDetail(r, a, id)
	if err != nil {
		return err
	}
	s.audit(r, a, store.ActionView, "evaluation", itoa(id), nil)
	p := s.newPage(r, a, "Evaluation: "+d.Title)
	p.Data = d
	return s.render(w, http.StatusOK, "evaluation", p)
}

// draftReport serves the rendered report of an evaluation not yet (or
// already) published to those who may see the evaluation.
func (s *Server) draftReport(w http.ResponseWriter, r *http.Request, a *actor) error {
	id, err := pathID(r, "evaluation")
	if err != nil {
		return err
	}
	ev, err := s.store.Evaluation(r.Context(), a.scope(), id)
	if err != nil {
		return notFound(err, "evaluation")
	}
	html, err := s.cfg.Render(r.Context(), ev.Result)
	if err != nil {
		return err
	}
	s.audit(r, a, store.ActionView, "report", itoa(id), map[string]any{"draft": ev.Status != store.EvaluationPublished})
	writeReport(w, html, "no-store")
	return nil
}

// writeReport serves a report's self-contained HTML under the report CSP
// (inline CSS and SVG, no script).
func writeReport(w http.ResponseWriter, html []byte, cache string) {
	w.Header().Set("Content-Security-Policy", cspReport)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", cache)
	w.Write(html)
}

func (s *Server) estimatesCSV(w http.ResponseWriter, r *http.Request, a *actor) error {
	id, err := pathID(r, "evaluation")
	if err != nil {
		return err
	}
	ev, err := s.store.Evaluation(r.Context(), a.scope(), id)
	if err != nil {
		return notFound(err, "evaluation")
	}
	res, err := decodeEvaluation(ev)
	if err != nil {
		return err
	}
	s.audit(r, a, store.ActionDownload, "evaluation", itoa(id), map[string]any{"file": "estimates.csv"})
	return writeCSV(w, "evaluation-"+itoa(id)+"-estimates.csv", estimateHeader, estimateRows(res))
}

func (s *Server) reviewPost(w http.ResponseWriter, r *http.Request, a *actor) error {
	id, err := pathID(r, "evaluation")
	if err != nil {
		return err
	}
	in := reviewInput{Checklist: map[string]bool{}, Comment: r.PostFormValue("comment"), Decision: r.PostFormValue("decision")}
	ticked := map[string]bool{}
	for _, k := range r.PostForm["qa"] {
		ticked[k] = true
	}
	items, err := s.store.QA(r.Context(), a.scope(), id)
	if err != nil {
		return notFound(err, "evaluation")
	}
	for _, it := range items {
		in.Checklist[it.Key] = ticked[it.Key]
	}
	if _, err := s.review(r, a, id, in); err != nil {
		e := asError(err)
		if e.Kind != KindInvalid && e.Kind != KindConflict {
			return err
		}
		d, derr := s.evaluationDetail(r, a, id)
		if derr != nil {
			return derr
		}
		p := s.newPage(r, a, "Evaluation: "+d.Title)
		field := e.Field
		if field == "" {
			field = "decision"
		}
		p.Errors = []formError{{Field: field, Text: e.Message}}
		p.Data = d
		return s.render(w, status(e.Kind), "evaluation", p)
	}
	http.Redirect(w, r, "/evaluations/"+itoa(id)+"?done=reviewed", http.StatusSeeOther)
	return nil
}

func (s *Server) publishPost(w http.ResponseWriter, r *http.Request, a *actor) error {
	id, err := pathID(r, "evaluation")
	if err != nil {
		return err
	}
	rep, err := s.publish(r, a, id)
	if err != nil {
		// A refusal (disclosure control, the differencing guard, the
		// wrong state) is shown on the evaluation's page, in its error
		// summary, with 409.
		e := asError(err)
		if e.Kind != KindConflict {
			return err
		}
		d, derr := s.evaluationDetail(r, a, id)
		if derr != nil {
			return derr
		}
		p := s.newPage(r, a, "Evaluation: "+d.Title)
		p.Errors = []formError{{Field: "publish", Text: e.Message}}
		p.Data = d
		return s.render(w, status(e.Kind), "evaluation", p)
	}
	http.Redirect(w, r, "/published/"+url.PathEscape(rep.Slug)+"?done=published", http.StatusSeeOther)
	return nil
}

func (s *Server) publishedPage(w http.ResponseWriter, r *http.Request, a *actor) error {
	reps, err := s.store.Reports(r.Context())
	if err != nil {
		return err
	}
	sort.Slice(reps, func(i, j int) bool { return reps[i].PublishedAt.After(reps[j].PublishedAt) })
	p := s.newPage(r, a, "Published evaluations")
	p.Data = reps
	return s.render(w, http.StatusOK, "published", p)
}

func (s *Server) publishedReport(w http.ResponseWriter, r *http.Request, a *actor) error {
	rep, err := s.store.ReportBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		return notFound(err, "published report")
	}
	s.audit(r, a, store.ActionView, "report", rep.Slug, map[string]any{"published": true})
	writeReport(w, rep.HTML, "public, max-age=300")
	return nil
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request, a *actor) error {
	return s.renderTokens(w, r, a, "", nil)
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, a *actor, secret string, ferr *Error) error {
	toks, err := s.store.APITokens(r.Context(), a.ID)
	if err != nil {
		return err
	}
	p := s.newPage(r, a, "API tokens")
	code := http.StatusOK
	if ferr != nil {
		p.Errors = []formError{{Field: ferr.Field, Text: ferr.Message}}
		code = status(ferr.Kind)
	}
	p.Data = struct {
		Tokens []store.APIToken
		Secret string
	}{toks, secret}
	return s.render(w, code, "tokens", p)
}

func (s *Server) tokenCreatePost(w http.ResponseWriter, r *http.Request, a *actor) error {
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" || len(name) > 100 {
		return s.renderTokens(w, r, a, "", fieldError("name", "enter a name of up to 100 characters for the token (what script uses it)"))
	}
	secret, _, err := s.store.CreateAPIToken(r.Context(), a.User, name, s.now(), nil)
	if err != nil {
		return err
	}
	return s.renderTokens(w, r, a, secret, nil)
}

func (s *Server) tokenDeletePost(w http.ResponseWriter, r *http.Request, a *actor) error {
	id, err := pathID(r, "API token")
	if err != nil {
		return err
	}
	if err := s.revokeToken(r, a, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/tokens?done=token", http.StatusSeeOther)
	return nil
}

// revokeToken revokes one of the actor's own tokens.
func (s *Server) revokeToken(r *http.Request, a *actor, id int64) error {
	toks, err := s.store.APITokens(r.Context(), a.ID)
	if err != nil {
		return err
	}
	for _, t := range toks {
		if t.ID == id {
			return s.store.RevokeAPIToken(r.Context(), a.User, id, s.now())
		}
	}
	return errNotFound("API token")
}
