package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/employment-data-lab/datalab/internal/store"
)

// apiFunc handles a JSON API call.
type apiFunc func(w http.ResponseWriter, r *http.Request, a *actor) error

// api registers a JSON API route: anonymous callers get 401 where roles
// are required, the wrong role 403, and a state-changing call made with a
// session cookie must carry the X-CSRF-Token header (calls with a bearer
// API token need none).
func (s *Server) api(method, pattern string, roles []store.Role, h apiFunc) {
	s.handle(method, pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := s.resolve(r)
		if err == nil && roles != nil {
			switch {
			case a == nil:
				err = errorf(KindUnauthorised, "sign in (POST /api/v1/signin) or send an API token as \"Authorization: Bearer <token>\"")
			case !a.is(roles...):
				err = errorf(KindForbidden, "your account (%s) cannot use %s %s", a.Role, method, pattern)
			}
		}
		if err == nil && method != http.MethodGet && pattern != "/api/v1/signin" {
			err = checkCSRF(a, r, "")
		}
		if err == nil {
			err = h(w, r, a)
		}
		if err != nil {
			e := asError(err)
			if e.Kind == KindInternal {
				s.log.Error("API request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			if e.Kind == KindUnauthorised {
				w.Header().Set("WWW-Authenticate", `Bearer realm="datalab"`)
			}
			writeJSON(w, status(e.Kind), apiError{Error: apiErrorBody{Status: status(e.Kind), Message: e.Message, Field: e.Field}})
		}
	}))
}

type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// decode reads a JSON body of at most 64 KB into v, refusing unknown
// fields so a mistyped name is reported, not ignored.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return errorf(KindUnsupported, "send the body as application/json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return errorf(KindInvalid, "the JSON body is not valid: %v", err)
	}
	return nil
}

type signInBody struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type meBody struct {
	User      store.User `json:"user"`
	CSRFToken string     `json:"csrf_token,omitempty"`
}

func (s *Server) apiSignIn(w http.ResponseWriter, r *http.Request, _ *actor) error {
	if err := sameOrigin(r); err != nil {
		return err
	}
	var in signInBody
	if err := decode(w, r, &in); err != nil {
		return err
	}
	a, err := s.signIn(w, r, in.Email, in.Password)
	if err != nil {
		e := asError(err)
		if e.Kind == KindInvalid && e.Message == "the email address or password is not right" {
			e.Kind = KindUnauthorised
		}
		return e
	}
	return writeJSON(w, http.StatusOK, meBody{User: a.User, CSRFToken: a.csrf})
}

func (s *Server) apiSignOut(w http.ResponseWriter, r *http.Request, a *actor) error {
	if err := s.signOut(w, r, a); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request, a *actor) error {
	return writeJSON(w, http.StatusOK, meBody{User: a.User, CSRFToken: a.csrf})
}

func (s *Server) apiSubmissions(w http.ResponseWriter, r *http.Request, a *actor) error {
	subs, err := s.store.Submissions(r.Context(), a.scope())
	if err != nil {
		return err
	}
	out, err := s.decorateAll(r.Context(), a, subs)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"submissions": out})
}

func (s *Server) apiUpload(w http.ResponseWriter, r *http.Request, a *actor) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload)
	up, err := readUpload(r, s.cfg.Check)
	if cerr := checkCSRF(a, r, up.Fields[csrfField]); cerr != nil {
		return cerr
	}
	if err != nil {
		return err
	}
	programme, err := programmeName(up.Fields["programme"])
	if err != nil {
		return err
	}
	v, err := s.acceptUpload(r, a, up, programme)
	if err != nil {
		return err
	}
	if up.Refused != nil {
		return writeJSON(w, http.StatusUnprocessableEntity, v)
	}
	w.Header().Set("Location", "/api/v1/submissions/"+itoa(v.ID))
	return writeJSON(w, http.StatusCreated, v)
}

func (s *Server) apiSubmission(w http.ResponseWriter, r *http.Request, a *actor) error {
	id, err := pathID(r, "submission")
	if err != nil {
		return err
	}
	v, err := s.view(r.Context(), a, id)
	if err != nil {
		return err
	}
	s.audit(r, a, store.ActionView, "submission", itoa(id), nil)
	return writeJSON(w, http.StatusOK, v)
}

func (s *Server) apiCancel(w http.ResponseWriter, r *http.Request, a *actor) error {
	id, err := pathID(r, "submission")
	if err != nil {
		return err
	}
	job, err := s.cancel(r, a, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, job)
}

func (s *Server) apiRerun(w http.ResponseWriter, r *http.Request, a *actor) error {
	id, err := pathID(r, "submission")
	if err != nil {
		return err
	}
	job, err := s.rerun(r, a, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, job)
}

func (s *Server) apiEvaluations(w http.ResponseWriter, r *http.Request, a *actor) error {
	var f store.EvaluationFilter
	for _, st := range r.URL.Query()["status"] {
		f.Statuses = append(f.Statuses, store.EvaluationStatus(st))
	}
	evs, err := s.store.Evaluations(r.Context(), a.scope(), f)
	if err != nil {
		return err
	}
	for i := range evs {
		evs[i].Result = nil
	}
	return writeJSON(w, http.StatusOK, map[string]any{"evaluations": evs})
}

type evaluationBody struct {
	store.Evaluation
	QA        []store.QAItem   `json:"qa"`
	Comments  []store.Comment  `json:"comments"`
	Decisions []store.Decision `json:"decisions"`
}

func (s *Server) apiEvaluation(w http.ResponseWriter, r *http.Request, a *actor) error {
	id, err := pathID(r, "evaluation")
	if err != nil {
		return err
	}
	d, err := s.evaluationDetail(r, a, id)
	if err != nil {
		return err
	}
	s.audit(r, a, store.ActionView, "evaluation", itoa(id), nil)
	body := evaluationBody{Evaluation: d.Evaluation, QA: d.QA, Decisions: d.Decisions, Comments: []store.Comment{}}
	for _, c := range d.Comments {
		body.Comments = append(body.Comments, c.Comment)
	}
	return writeJSON(w, http.StatusOK, body)
}

func (s *Server) apiEstimatesCSV(w http.ResponseWriter, r *http.Request, a *actor) error {
	return s.estimatesCSV(w, r, a)
}

func (s *Server) apiReport(w http.ResponseWriter, r *http.Request, a *actor) error {
	return s.draftReport(w, r, a)
}

func (s *Server) apiReview(w http.ResponseWriter, r *http.Request, a *actor) error {
	id, err := pathID(r, "evaluation")
	if err != nil {
		return err
	}
	var in reviewInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	ev, err := s.review(r, a, id, in)
	if err != nil {
		return err
	}
	ev.Result = nil
	return writeJSON(w, http.StatusOK, ev)
}

func (s *Server) apiPublish(w http.ResponseWriter, r *http.Request, a *actor) error {
	id, err := pathID(r, "evaluation")
	if err != nil {
		return err
	}
	rep, err := s.publish(r, a, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, publishedBody(*rep))
}

type publishedReport struct {
	store.Report
	URL string `json:"url"`
}

func publishedBody(rep store.Report) publishedReport {
	return publishedReport{Report: rep, URL: "/published/" + rep.Slug}
}

func (s *Server) apiPublished(w http.ResponseWriter, r *http.Request, a *actor) error {
	reps, err := s.store.Reports(r.Context())
	if err != nil {
		return err
	}
	out := make([]publishedReport, len(reps))
	for i, rep := range reps {
		out[i] = publishedBody(rep)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"reports": out})
}

func (s *Server) apiPublishedOne(w http.ResponseWriter, r *http.Request, a *actor) error {
	rep, err := s.store.ReportBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		return notFound(err, "published report")
	}
	return writeJSON(w, http.StatusOK, publishedBody(rep))
}

func (s *Server) apiTokens(w http.ResponseWriter, r *http.Request, a *actor) error {
	toks, err := s.store.APITokens(r.Context(), a.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"tokens": toks})
}

func (s *Server) apiTokenCreate(w http.ResponseWriter, r *http.Request, a *actor) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > 100 {
		return fieldError("name", "give the token a name of up to 100 characters")
	}
	secret, tok, err := s.store.CreateAPIToken(r.Context(), a.User, name, s.now(), nil)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"token": tok, "secret": secret})
}

func (s *Server) apiTokenDelete(w http.ResponseWriter, r *http.Request, a *actor) error {
	id, err := pathID(r, "API token")
	if err != nil {
		return err
	}
	if err := s.revokeToken(r, a, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request, a *actor) error {
	users, err := s.store.Users(r.Context(), a.scope())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"users": users})
}

func (s *Server) apiUserCreate(w http.ResponseWriter, r *http.Request, a *actor) error {
	var in userInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, err := s.createUser(r, a, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, u)
}

func (s *Server) apiUserRole(w http.ResponseWriter, r *http.Request, a *actor) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	var in roleInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, err := s.setRole(r, a, id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}

func (s *Server) apiUserAccess(w http.ResponseWriter, r *http.Request, a *actor) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	var in accessInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, err := s.setAccess(r, a, id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}

func (s *Server) apiOrgs(w http.ResponseWriter, r *http.Request, a *actor) error {
	orgs, err := s.store.Organisations(r.Context(), a.scope())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"organisations": orgs})
}

func (s *Server) apiOrgCreate(w http.ResponseWriter, r *http.Request, a *actor) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Name) == "" {
		return fieldError("name", "give the organisation's name")
	}
	o, err := s.store.CreateOrganisation(r.Context(), a.userPtr(), strings.TrimSpace(in.Name), s.now())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, o)
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request, a *actor) error {
	rows, err := s.auditRows(r, a, 500)
	if err != nil {
		return err
	}
	type row struct {
		store.AuditEntry
		Actor string `json:"actor"`
	}
	out := make([]row, len(rows))
	for i, e := range rows {
		out[i] = row{e.AuditEntry, e.Actor}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"entries": out})
}
