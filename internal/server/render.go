package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/employment-data-lab/datalab/internal/store"
)

// page is what every template receives.
type page struct {
	Title   string
	User    *store.User
	OrgName string // the provider's organisation
	CSRF    string
	Nav     []navItem
	Flash   string
	Errors  []formError
	Styled  bool
	Refresh int // seconds; 0 for none
	Data    any
}

type navItem struct {
	Href, Text string
	Current    bool
}

type formError struct {
	Field string // the id of the input at fault ("" for none)
	Text  string
}

var funcs = template.FuncMap{
	"statusClass": statusClass,
	"statusText":  statusText,
	"percent":     func(f float64) string { return strconv.Itoa(int(math.Round(f*100))) + "%" },
	"when":        func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
	"num": func(p *float64, digits int) string {
		if p == nil || math.IsNaN(*p) {
			return "–"
		}
		return strconv.FormatFloat(*p, 'f', digits, 64)
	},
	"abs": func(p *float64) float64 {
		if p == nil {
			return 0
		}
		return math.Abs(*p)
	},
	"itoa":       itoa,
	"percentNum": func(f float64) int { return int(math.Round(f * 100)) },
	"deref": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// statusClass is the GOV.UK tag colour for a job or review state.
func statusClass(state any) string {
	switch fmt.Sprint(state) {
	case string(store.JobQueued), string(store.SubmissionReceived), string(store.JobCancelled):
		return "govuk-tag--grey"
	case string(store.JobRunning), string(store.SubmissionChecked):
		return "govuk-tag--blue"
	case string(store.JobSucceeded), string(store.EvaluationReviewed), string(store.EvaluationApproved):
		return "govuk-tag--turquoise"
	case string(store.EvaluationPublished):
		return "govuk-tag--green"
	case string(store.JobFailed), string(store.SubmissionRejected):
		return "govuk-tag--red"
	case string(store.EvaluationAwaitingReview):
		return "govuk-tag--yellow"
	case string(store.EvaluationChangesRequested):
		return "govuk-tag--orange"
	}
	return ""
}

func statusText(state any) string {
	st := fmt.Sprint(state)
	switch st {
	case string(store.EvaluationAwaitingReview):
		return "Awaiting review"
	case string(store.EvaluationReviewed):
		return "Reviewed, awaiting approval"
	case string(store.EvaluationApproved):
		return "Approved, awaiting publication"
	case string(store.JobSucceeded):
		return "Analysed"
	case "":
		return "Not started"
	}
	return strings.ToUpper(st[:1]) + strings.ReplaceAll(st[1:], "_", " ")
}

// parsePages parses layout.tmpl with each page template.
func parsePages(fsys fs.FS) (map[string]*template.Template, error) {
	base, err := template.New("layout").Funcs(funcs).ParseFS(fsys, "layout.tmpl")
	if err != nil {
		return nil, fmt.Errorf("server: parsing layout template: %w", err)
	}
	names, err := fs.Glob(fsys, "*.tmpl")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		if n == "layout.tmpl" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("server: parsing template %s: %w", n, err)
		}
		pages[strings.TrimSuffix(n, ".tmpl")] = t
	}
	return pages, nil
}

// newPage starts a page for actor a (nil when anonymous).
func (s *Server) newPage(r *http.Request, a *actor, title string) *page {
	p := &page{Title: title, Styled: s.styled}
	if a != nil {
		p.User = a.userPtr()
		p.CSRF = a.csrf
		if a.OrgID != nil {
			if o, err := s.store.Organisation(r.Context(), a.scope(), *a.OrgID); err == nil {
				p.OrgName = o.Name
			}
		}
	}
	p.Nav = nav(a, r.URL.Path)
	if f := r.URL.Query().Get("done"); f != "" {
		p.Flash = flashText(f)
	}
	return p
}

// flashText maps a ?done= code to a message (codes, not text, so a link
// cannot make the service display arbitrary words).
func flashText(code string) string {
	switch code {
	case "reviewed":
		return "Review saved"
	case "approved":
		return "Evaluation approved for publication"
	case "published":
		return "Report published"
	case "cancelled":
		return "Job cancelled"
	case "rerun":
		return "Evaluation queued to run again"
	case "user":
		return "Account saved"
	case "org":
		return "Organisation created"
	case "token":
		return "API token revoked"
	}
	return ""
}

func nav(a *actor, current string) []navItem {
	var items []navItem
	add := func(href, text string) {
		cur := current == href || (href != "/" && strings.HasPrefix(current, href+"/"))
		items = append(items, navItem{href, text, cur})
	}
	switch {
	case a == nil:
		add("/signin", "Sign in")
	case a.Role == store.RoleProvider:
		add("/submissions", "Your submissions")
		add("/submissions/new", "Upload participants")
	case a.Role == store.RoleAnalyst:
		add("/evaluations", "Evaluations")
		add("/submissions", "Submissions")
	case a.Role == store.RolePublisher:
		add("/approvals", "Awaiting publication")
		add("/evaluations", "Evaluations")
	case a.Role == store.RoleAdmin:
		add("/admin/users", "Users")
		add("/admin/organisations", "Organisations")
		add("/admin/audit", "Audit log")
	}
	add("/published", "Published evaluations")
	if a != nil {
		add("/tokens", "API tokens")
	}
	return items
}

// render writes template name with p at status.
func (s *Server) render(w http.ResponseWriter, status int, name string, p *page) error {
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("server: no template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("server: rendering %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// writeJSON writes v as JSON at status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}

// pageFunc handles a page; it returns an error for the wrapper to render.
type pageFunc func(w http.ResponseWriter, r *http.Request, a *actor) error

// anyone marks a route open to anonymous visitors.
var anyone []store.Role

// page registers a page route. roles lists who may use it (nil: anyone,
// signed in or not). POST routes check the CSRF token before h runs.
func (s *Server) page(method, pattern string, roles []store.Role, h pageFunc) {
	s.handle(method, pattern, s.wrapPage(method, roles, false, h))
}

// uploadRoute registers the upload form's route, whose handler streams the
// multipart body and checks the CSRF token itself, before it stores
// anything (the token field comes before the file).
func (s *Server) uploadRoute(pattern string, roles []store.Role, h pageFunc) {
	s.handle(http.MethodPost, pattern, s.wrapPage(http.MethodPost, roles, true, h))
}

func (s *Server) wrapPage(method string, roles []store.Role, selfCSRF bool, h pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := s.resolve(r)
		if err == nil && roles != nil {
			switch {
			case a == nil:
				http.Redirect(w, r, "/signin?next="+url.QueryEscape(safeNext(r.URL.RequestURI())), http.StatusSeeOther)
				return
			case !a.is(roles...):
				err = errorf(KindForbidden, "your account (%s) cannot use this page", a.Role)
			}
		}
		if err == nil && method == http.MethodPost && !selfCSRF {
			// Any encoding a form can use (a cross-site form may choose
			// multipart), at most 64 KB.
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			var perr error
			if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
				perr = r.ParseMultipartForm(64 << 10)
			} else {
				perr = r.ParseForm()
			}
			if perr != nil {
				err = errorf(KindForbidden, "the form could not be read, so its CSRF token could not be checked; reload the page and try again")
			} else {
				err = checkCSRF(a, r, r.PostFormValue(csrfField))
			}
		}
		if err == nil {
			err = h(w, r, a)
		}
		if err != nil {
			s.pageError(w, r, a, err)
		}
	})
}

func (s *Server) pageError(w http.ResponseWriter, r *http.Request, a *actor, err error) {
	e := asError(err)
	if e.Kind == KindInternal {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if e.Kind == KindUnauthorised {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	p := s.newPage(r, a, http.StatusText(status(e.Kind)))
	p.Data = e
	if rerr := s.render(w, status(e.Kind), "error", p); rerr != nil {
		s.log.Error("rendering error page", "err", rerr)
		http.Error(w, e.Message, status(e.Kind))
	}
}

// safeNext keeps a post-sign-in redirect on this site: a path only.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return path.Clean(u.Path) + func() string {
		if u.RawQuery != "" {
			return "?" + u.RawQuery
		}
		return ""
	}()
}
