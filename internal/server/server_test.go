package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/disclosure"
	"github.com/employment-data-lab/datalab/internal/evaluation"
	"github.com/employment-data-lab/datalab/internal/jobs"
	"github.com/employment-data-lab/datalab/internal/server"
	"github.com/employment-data-lab/datalab/internal/store"
)

// The tests run the real server on the real store: SQLite in a temporary
// file always, and PostgreSQL too when DATALAB_TEST_POSTGRES holds a DSN
// (each test in a fresh schema, dropped after it).

const pw = "correct horse battery staple"

type env struct {
	t       testing.TB
	db      *store.DB
	srv     *server.Server
	ts      *httptest.Server
	orgA    store.Organisation
	orgB    store.Organisation
	renders int
}

func forEachBackend(t *testing.T, f func(t *testing.T, e *env)) {
	t.Helper()
	for _, b := range []string{"sqlite", "postgres"} {
		t.Run(b, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "lab.db")
			if b == "postgres" {
				base := os.Getenv("DATALAB_TEST_POSTGRES")
				if base == "" {
					t.Skip("set DATALAB_TEST_POSTGRES to run the server's tests on PostgreSQL too")
				}
				dsn = postgresSchema(t, base)
			}
			f(t, newEnv(t, dsn))
		})
	}
}

func postgresSchema(t testing.TB, base string) string {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "srv_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("creating test schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

func newEnv(t testing.TB, dsn string, tune ...func(*server.Config)) *env {
	t.Helper()
	ctx := context.Background()
	db, err := store.OpenWith(ctx, dsn, store.Options{Password: store.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{t: t, db: db}
	now := time.Now()
	if e.orgA, err = db.CreateOrganisation(ctx, nil, "Work Well Leeds", now); err != nil {
		t.Fatal(err)
	}
	if e.orgB, err = db.CreateOrganisation(ctx, nil, "Step Up Bristol", now); err != nil {
		t.Fatal(err)
	}
	users := []struct {
		email string
		role  store.Role
		org   *int64
	}{
		{"a@provider.example", store.RoleProvider, &e.orgA.ID},
		{"b@provider.example", store.RoleProvider, &e.orgB.ID},
		{"analyst@lab.example", store.RoleAnalyst, nil},
		{"publisher@lab.example", store.RolePublisher, nil},
		{"admin@lab.example", store.RoleAdmin, nil},
	}
	for _, u := range users {
		if _, err := db.CreateUser(ctx, nil, store.NewUser{Email: u.email, Role: u.role, OrgID: u.org, Password: pw}, now); err != nil {
			t.Fatal(err)
		}
	}
	cfg := server.Config{
		Store: db,
		Render: func(ctx context.Context, evaluationJSON []byte) ([]byte, error) {
			e.renders++
			var ev evaluation.Evaluation
			if err := json.Unmarshal(evaluationJSON, &ev); err != nil {
				return nil, err
			}
			return []byte("<!DOCTYPE html><html><head><style>p{color:red}</style></head><body><p>Report: " + ev.Programme + "</p></body></html>"), nil
		},
		Enqueue: func(org, sub int64, programme string) (store.NewJob, error) {
			return jobs.NewEvaluationJob(org, sub, jobs.EvaluationParams{Programme: programme})
		},
		Log:       slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelError})),
		MaxUpload: 64 << 10,
		// httptest serves plain http on loopback.
		SecureCookies: false,
	}
	for _, f := range tune {
		f(&cfg)
	}
	e.srv, err = server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.ts = httptest.NewServer(e.srv)
	t.Cleanup(func() {
		e.ts.Close()
		if err := e.srv.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return e
}

type testLog struct{ t testing.TB }

func (l testLog) Write(b []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// client is a browser or script talking to the test server.
type client struct {
	e    *env
	http *http.Client
	csrf string
}

func (e *env) anonymous() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signIn signs in through the HTML form and reads the CSRF token from
// /api/v1/me.
func (e *env) signIn(email string) *client {
	e.t.Helper()
	c := e.anonymous()
	res := c.form("/signin", url.Values{"email": {email}, "password": {pw}})
	if res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("sign in as %s: status %d, want 303", email, res.StatusCode)
	}
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	c.getJSON("/api/v1/me", &me)
	if me.CSRF == "" {
		e.t.Fatal("no csrf token for the session")
	}
	c.csrf = me.CSRF
	return c
}

func (c *client) do(req *http.Request) *http.Response {
	c.e.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	c.e.t.Cleanup(func() { res.Body.Close() })
	return res
}

func (c *client) get(path string) *http.Response {
	req, _ := http.NewRequest("GET", c.e.ts.URL+path, nil)
	return c.do(req)
}

func (c *client) getJSON(path string, v any) int {
	c.e.t.Helper()
	res := c.get(path)
	if res.StatusCode == http.StatusOK {
		if err := json.NewDecoder(res.Body).Decode(v); err != nil {
			c.e.t.Fatalf("GET %s: %v", path, err)
		}
	}
	return res.StatusCode
}

// form posts a urlencoded form with the session's CSRF token.
func (c *client) form(path string, v url.Values) *http.Response {
	if c.csrf != "" && v.Get("csrf_token") == "" {
		v.Set("csrf_token", c.csrf)
	}
	req, _ := http.NewRequest("POST", c.e.ts.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// api sends a JSON API call with the X-CSRF-Token header.
func (c *client) api(method, path string, body any) *http.Response {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.e.ts.URL+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	return c.do(req)
}

// upload posts a participants file through the HTML form.
func (c *client) upload(path, filename, programme string, content []byte) *http.Response {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf_token", c.csrf)
	mw.WriteField("programme", programme)
	fw, _ := mw.CreateFormFile("participants", filename)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", c.e.ts.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

func body(t testing.TB, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// goodCSV is a small synthetic participants file (made-up people).
const goodCSV = `participant_ref,nino,first_name,last_name,date_of_birth,postcode,start_date,site
P1,AB123456C,Ann,Smith,1985-03-07,LS1 4AP,2021-05-03,north
P2,,Bob,Jones,31/12/1990,LS2 9JT,2021-06-14,south
P3,,Cy,Brown,1990-02-30,LS2 9JT,2021-06-14,south
`

// uploadOK uploads goodCSV as c and returns the new submission's id.
func (c *client) uploadOK(programme string) int64 {
	c.e.t.Helper()
	res := c.upload("/submissions", "participants.csv", programme, []byte(goodCSV))
	if res.StatusCode != http.StatusSeeOther {
		c.e.t.Fatalf("upload: status %d, want 303: %s", res.StatusCode, body(c.e.t, res))
	}
	var id int64
	if _, err := fmt.Sscanf(res.Header.Get("Location"), "/submissions/%d", &id); err != nil {
		c.e.t.Fatalf("upload redirected to %q", res.Header.Get("Location"))
	}
	return id
}

// evaluate stores an evaluation for submission sub, as a finished job
// would.
func (e *env) evaluate(sub int64, programme string) int64 {
	e.t.Helper()
	est := func(v float64) *float64 { return &v }
	week := 52
	ev := evaluation.Evaluation{
		Schema: evaluation.SchemaVersion, Programme: programme,
		Counts:   evaluation.Counts{Submitted: 3, Linked: 2, Eligible: 2, Matched: 2},
		Balance:  []evaluation.BalanceRow{{Covariate: "age", SMDBefore: est(0.4), SMDAfter: est(0.15), Flag: true}},
		Headline: []evaluation.EstimateRow{{Outcome: "employed", Week: &week, Available: true, Estimate: est(0.05)}},
		Estimates: []evaluation.EstimateRow{
			{Outcome: "employed", Week: &week, Available: true, Participants: 2, Estimate: est(-0.05)},
			{Outcome: "=HYPERLINK(\"http://evil.example\")", Available: true, Estimate: est(1)},
		},
	}
	b, _ := json.Marshal(ev)
	got, err := e.db.CreateEvaluation(context.Background(), store.NewEvaluation{SubmissionID: sub, Title: programme, Result: b}, time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	// As the job would, leave the cohort's keyed digests for the
	// differencing guard: 150 people of the submission's own.
	if err := e.db.SetCohortDigests(context.Background(), got.ID, testCohort(e.t, fmt.Sprintf("S%d-", sub), 0, 150), time.Now()); err != nil {
		e.t.Fatal(err)
	}
	return got.ID
}

// testCohort is a cohort's digest list, as an evaluation job stores it,
// of the people prefix+from .. prefix+(to-1), under a test key.
func testCohort(t testing.TB, prefix string, from, to int) []byte {
	t.Helper()
	var ids []string
	for i := from; i < to; i++ {
		ids = append(ids, fmt.Sprintf("%s%05d", prefix, i))
	}
	ms, err := disclosure.Members(bytes.Repeat([]byte{0x11}, disclosure.MinKeyBytes), ids)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(ms)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSignInAndOut(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		c := e.anonymous()
		res := c.form("/signin", url.Values{"email": {"a@provider.example"}, "password": {"wrong password!!"}})
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body(t, res), "govuk-error-summary") {
			t.Fatalf("wrong password: status %d, want 400 with an error summary", res.StatusCode)
		}
		res = c.form("/signin", url.Values{"email": {"a@provider.example"}, "password": {pw}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/submissions" {
			t.Fatalf("sign in: status %d to %q, want 303 to /submissions", res.StatusCode, res.Header.Get("Location"))
		}
		ck := res.Cookies()
		if len(ck) != 1 || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteLaxMode || ck[0].Path != "/" {
			t.Fatalf("session cookie = %+v; want one HttpOnly, SameSite=Lax, Path=/ cookie", ck)
		}
		if res := c.get("/submissions"); res.StatusCode != http.StatusOK {
			t.Fatalf("signed-in dashboard: status %d", res.StatusCode)
		}
		// Sign out needs the CSRF token.
		if res := c.form("/signout", url.Values{}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("sign out without CSRF token: status %d, want 403", res.StatusCode)
		}
		var me struct {
			CSRF string `json:"csrf_token"`
		}
		c.getJSON("/api/v1/me", &me)
		c.csrf = me.CSRF
		if res := c.form("/signout", url.Values{}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign out: status %d, want 303", res.StatusCode)
		}
		if res := c.get("/submissions"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
			t.Fatalf("after sign out: status %d to %q, want a redirect to /signin", res.StatusCode, res.Header.Get("Location"))
		}
	})
}

func TestSignInRateLimited(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		c := e.anonymous()
		var last int
		for i := 0; i < 12; i++ {
			last = c.form("/signin", url.Values{"email": {"a@provider.example"}, "password": {"guess number " + fmt.Sprint(i)}}).StatusCode
		}
		if last != http.StatusTooManyRequests {
			t.Fatalf("12th wrong password in a row: status %d, want 429 (burst 10)", last)
		}
		// The right password is refused too while the bucket is empty.
		if res := c.form("/signin", url.Values{"email": {"a@provider.example"}, "password": {pw}}); res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("sign-in while limited: status %d, want 429", res.StatusCode)
		}
	})
}

// concrete fills a route pattern's wildcards.
func concrete(path string, id int64) string {
	path = strings.ReplaceAll(path, "{id}", fmt.Sprint(id))
	path = strings.ReplaceAll(path, "{slug}", "no-such-report")
	return strings.TrimSuffix(path, "{$}")
}

var public = map[string]bool{
	"GET /{$}": true, "GET /signin": true, "POST /signin": true, "GET /published": true, "GET /published/{slug}": true,
	"GET /api/openapi.json": true, "POST /api/v1/signin": true, "GET /api/v1/published": true, "GET /api/v1/published/{slug}": true,
}

func TestUnauthenticatedRefused(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		owner := e.signIn("a@provider.example")
		sub := owner.uploadOK("Work Well")
		e.evaluate(sub, "Work Well")
		c := e.anonymous()
		for _, rt := range e.srv.Routes() {
			if public[rt.Method+" "+rt.Path] {
				continue
			}
			req, _ := http.NewRequest(rt.Method, e.ts.URL+concrete(rt.Path, sub), strings.NewReader(""))
			res := c.do(req)
			want := http.StatusSeeOther
			if strings.HasPrefix(rt.Path, "/api/") {
				want = http.StatusUnauthorized
			}
			if res.StatusCode != want {
				t.Errorf("anonymous %s %s: status %d, want %d", rt.Method, rt.Path, res.StatusCode, want)
			}
		}
		// A wrong API token is refused, not treated as anonymous.
		req, _ := http.NewRequest("GET", e.ts.URL+"/api/v1/published", nil)
		req.Header.Set("Authorization", "Bearer not-a-token")
		if res := c.do(req); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("bad bearer token: status %d, want 401", res.StatusCode)
		}
	})
}

func TestCSRFEnforced(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		owner := e.signIn("a@provider.example")
		sub := owner.uploadOK("Work Well")
		ev := e.evaluate(sub, "Work Well")
		for _, who := range []string{"a@provider.example", "analyst@lab.example", "publisher@lab.example", "admin@lab.example"} {
			c := e.signIn(who)
			for _, rt := range e.srv.Routes() {
				if rt.Method == "GET" || public[rt.Method+" "+rt.Path] {
					continue
				}
				for _, tc := range []struct{ token, enc string }{{"", "form"}, {"forged-token", "form"}, {"", "multipart"}, {"forged-token", "multipart"}} {
					token := tc.token
					var reqBody bytes.Buffer
					ctype := "application/x-www-form-urlencoded"
					if tc.enc == "multipart" {
						// A cross-site form may pick this encoding.
						mw := multipart.NewWriter(&reqBody)
						mw.WriteField("csrf_token", token)
						mw.WriteField("decision", "reviewed")
						mw.WriteField("role", "admin")
						fw, _ := mw.CreateFormFile("participants", "p.csv")
						fw.Write([]byte(goodCSV))
						mw.Close()
						ctype = mw.FormDataContentType()
					} else {
						reqBody.WriteString("csrf_token=" + token)
					}
					req, _ := http.NewRequest(rt.Method, e.ts.URL+concrete(rt.Path, ev), &reqBody)
					req.Header.Set("Content-Type", ctype)
					if strings.HasPrefix(rt.Path, "/api/") && token != "" {
						req.Header.Set("X-CSRF-Token", token)
					}
					res := c.do(req)
					// 403 either for the CSRF failure or (checked first)
					// for the role; never a success.
					if res.StatusCode != http.StatusForbidden {
						t.Errorf("%s: %s %s (%s) with CSRF token %q: status %d, want 403", who, rt.Method, rt.Path, tc.enc, token, res.StatusCode)
					}
				}
			}
		}
		// Nothing changed: no upload stored, the evaluation still awaits
		// review.
		if subs, _ := e.db.Submissions(context.Background(), store.AllOrgs()); len(subs) != 1 {
			t.Errorf("%d submissions after forged uploads, want 1", len(subs))
		}
		got, err := e.db.Evaluation(context.Background(), store.AllOrgs(), ev)
		if err != nil || got.Status != store.EvaluationAwaitingReview {
			t.Errorf("evaluation after forged requests: %v %v, want awaiting_review", got.Status, err)
		}
		// Login CSRF: a cross-site sign-in form post is refused.
		c := e.anonymous()
		req, _ := http.NewRequest("POST", e.ts.URL+"/signin", strings.NewReader(url.Values{"email": {"a@provider.example"}, "password": {pw}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		if res := c.do(req); res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site sign-in: status %d, want 403", res.StatusCode)
		}
	})
}

func TestOtherOrganisationGetsNotFound(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		a := e.signIn("a@provider.example")
		b := e.signIn("b@provider.example")
		sub := a.uploadOK("Work Well")
		ev := e.evaluate(sub, "Work Well")
		// A sees its own.
		if res := a.get(fmt.Sprintf("/submissions/%d", sub)); res.StatusCode != http.StatusOK {
			t.Fatalf("owner: status %d", res.StatusCode)
		}
		// B gets the same 404 for A's ids as for ids that do not exist,
		// on every route with an id, read or write.
		for _, id := range []int64{sub, ev, 999999} {
			for _, rt := range e.srv.Routes() {
				if !strings.Contains(rt.Path, "{id}") || strings.Contains(rt.Path, "tokens") || strings.Contains(rt.Path, "/admin/") {
					continue
				}
				if rt.Path == "/evaluations/{id}/estimates.csv" || rt.Path == "/api/v1/evaluations/{id}/estimates.csv" ||
					rt.Path == "/submissions/{id}/rerun" || rt.Path == "/api/v1/submissions/{id}/rerun" ||
					rt.Path == "/evaluations/{id}/review" || rt.Path == "/api/v1/evaluations/{id}/review" ||
					rt.Path == "/evaluations/{id}/publish" || rt.Path == "/api/v1/evaluations/{id}/publish" {
					continue // staff only: 403 by role for every provider (TestRoles)
				}
				var res *http.Response
				if rt.Method == "GET" {
					res = b.get(concrete(rt.Path, id))
				} else if strings.HasPrefix(rt.Path, "/api/") {
					res = b.api(rt.Method, concrete(rt.Path, id), nil)
				} else {
					res = b.form(concrete(rt.Path, id), url.Values{})
				}
				if res.StatusCode != http.StatusNotFound {
					t.Errorf("provider B %s %s (id %d): status %d, want 404", rt.Method, rt.Path, id, res.StatusCode)
				}
				if strings.Contains(body(t, res), "Work Well") {
					t.Errorf("provider B %s %s (id %d): the response names A's programme", rt.Method, rt.Path, id)
				}
			}
		}
		// B's lists hold none of A's rows.
		var subs struct{ Submissions []json.RawMessage }
		b.getJSON("/api/v1/submissions", &subs)
		var evs struct{ Evaluations []json.RawMessage }
		b.getJSON("/api/v1/evaluations", &evs)
		if len(subs.Submissions) != 0 || len(evs.Evaluations) != 0 {
			t.Errorf("provider B sees %d submissions and %d evaluations, want 0 and 0", len(subs.Submissions), len(evs.Evaluations))
		}
		if strings.Contains(body(t, b.get("/submissions")), "Work Well") {
			t.Error("provider B's dashboard names A's programme")
		}
		// Nothing of A's was cancelled by B's attempts.
		var got struct {
			Job struct{ State string }
		}
		a.getJSON(fmt.Sprintf("/api/v1/submissions/%d", sub), &got)
		if got.Job.State != "queued" {
			t.Errorf("A's job after B's attempts: %q, want queued", got.Job.State)
		}
	})
}

func TestRoles(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		a := e.signIn("a@provider.example")
		sub := a.uploadOK("Work Well")
		ev := e.evaluate(sub, "Work Well")
		tests := []struct {
			who, method, path string
			want              int
		}{
			{"a@provider.example", "GET", "/admin/users", 403},
			{"a@provider.example", "GET", "/api/v1/admin/audit", 403},
			{"a@provider.example", "GET", "/evaluations", 403},
			{"a@provider.example", "GET", fmt.Sprintf("/evaluations/%d/estimates.csv", ev), 403},
			{"a@provider.example", "POST", fmt.Sprintf("/api/v1/evaluations/%d/publish", ev), 403},
			{"a@provider.example", "POST", fmt.Sprintf("/api/v1/evaluations/%d/review", ev), 403},
			{"analyst@lab.example", "POST", fmt.Sprintf("/api/v1/evaluations/%d/publish", ev), 403},
			{"analyst@lab.example", "POST", "/api/v1/admin/organisations", 403},
			{"analyst@lab.example", "GET", "/submissions/new", 403},
			{"publisher@lab.example", "POST", fmt.Sprintf("/api/v1/evaluations/%d/review", ev), 403},
			{"admin@lab.example", "GET", fmt.Sprintf("/api/v1/evaluations/%d", ev), 403},
			{"analyst@lab.example", "GET", fmt.Sprintf("/evaluations/%d", ev), 200},
			{"publisher@lab.example", "GET", "/approvals", 200},
			{"admin@lab.example", "GET", "/admin/audit", 200},
			{"a@provider.example", "GET", fmt.Sprintf("/evaluations/%d", ev), 200},
		}
		for _, tt := range tests {
			c := e.signIn(tt.who)
			var res *http.Response
			if tt.method == "GET" {
				res = c.get(tt.path)
			} else {
				res = c.api(tt.method, tt.path, map[string]any{})
			}
			if res.StatusCode != tt.want {
				t.Errorf("%s %s %s: status %d, want %d", tt.who, tt.method, tt.path, res.StatusCode, tt.want)
			}
		}
	})
}

func TestUploadChecks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		a := e.signIn("a@provider.example")
		big := bytes.Repeat([]byte("P9,,Ann,Smith,1985-03-07,LS1 4AP,2021-05-03,north\n"), 2000) // ~100 KB > 64 KB limit
		tests := []struct {
			name, file string
			content    []byte
			want       int
			text       string
		}{
			{"too large", "participants.csv", append([]byte("participant_ref,nino,first_name,last_name,date_of_birth,postcode,start_date,site\n"), big...), 413, "larger than the 64 KB limit"},
			{"xlsx", "participants.csv", []byte("PK\x03\x04\x14\x00\x06\x00rest of a workbook"), 415, "ZIP archive"},
			{"binary", "participants.csv", []byte("a,b\x00c\n"), 415, "NUL bytes"},
			{"traversal", "../../etc/passwd", []byte(goodCSV), 400, "folder separator"},
			{"windows traversal", `..\..\boot.ini`, []byte(goodCSV), 400, "folder separator"},
			{"dot dot", "..participants.csv", []byte(goodCSV), 400, `contains &#34;..&#34;`},
			{"control", "parti\x01cipants.csv", []byte(goodCSV), 400, "not valid multipart"}, // refused by the header parser before ours
			{"missing column", "participants.csv", []byte("participant_ref,first_name\nP1,Ann\n"), 422, "required column(s) missing"},
			{"no programme", "participants.csv", []byte(goodCSV), 400, "enter the name of the programme"},
		}
		for _, tt := range tests {
			prog := "Work Well"
			if tt.name == "no programme" {
				prog = ""
			}
			res := a.upload("/submissions", tt.file, prog, tt.content)
			got := body(t, res)
			if res.StatusCode != tt.want || !strings.Contains(got, tt.text) || !strings.Contains(got, "govuk-error-summary") {
				if i := strings.Index(got, "govuk-error-summary__list"); i > 0 {
					t.Log(got[i:min(len(got), i+300)])
				}
				t.Errorf("%s: status %d, want %d with %q in an error summary", tt.name, res.StatusCode, tt.want, tt.text)
			}
			if strings.Contains(got, "Smith") || strings.Contains(got, "AB123456C") {
				t.Errorf("%s: the page echoes an identifier from the file", tt.name)
			}
		}
		// A refused file's identifiers are deleted at once.
		subs, err := e.db.Submissions(context.Background(), store.AllOrgs())
		if err != nil {
			t.Fatal(err)
		}
		if len(subs) != 1 || subs[0].State != store.SubmissionRejected || subs[0].FileDeletedAt == nil {
			t.Fatalf("submissions after the uploads: %+v; want one rejected with its file deleted", subs)
		}
		// A good file: checked at once, row-level errors with line and
		// field, a queued job.
		sub := a.uploadOK("Work <b>Well</b>")
		page := body(t, a.get(fmt.Sprintf("/submissions/%d", sub)))
		for _, want := range []string{"Usable participants", "date_of_birth", "govuk-tag--grey\">Queued", "update automatically", "Work &lt;b&gt;Well&lt;/b&gt;"} {
			if !strings.Contains(page, want) {
				t.Errorf("submission page lacks %q", want)
			}
		}
		if strings.Contains(page, "<b>Well</b>") {
			t.Error("the programme name comes back unescaped")
		}
	})
}

func TestReviewPublishFlowAndAudit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		a := e.signIn("a@provider.example")
		sub := a.uploadOK("Work Well")
		ev := e.evaluate(sub, "Work Well")
		a.get(fmt.Sprintf("/submissions/%d", sub))
		an := e.signIn("analyst@lab.example")
		// Review page shows counts, the flagged balance row, estimates.
		page := body(t, an.get(fmt.Sprintf("/evaluations/%d", ev)))
		for _, want := range []string{"|SMD| &gt; 0.1", "Headline estimates", "QA checklist", "Sign off QA"} {
			if !strings.Contains(page, want) {
				t.Errorf("review page lacks %q", want)
			}
		}
		// Providers get the disclosure-controlled report, never the raw
		// evaluation; staff get both.
		for who, want := range map[*client]bool{a: false, an: true} {
			var got struct {
				Result json.RawMessage `json:"result"`
			}
			who.getJSON(fmt.Sprintf("/api/v1/evaluations/%d", ev), &got)
			if (len(got.Result) > 0) != want {
				t.Errorf("evaluation API result present = %v, want %v", len(got.Result) > 0, want)
			}
		}
		if strings.Contains(body(t, a.get(fmt.Sprintf("/evaluations/%d", ev))), "SMD before") {
			t.Error("the provider's evaluation page shows the raw balance table")
		}
		// Requesting changes needs a comment.
		if res := an.form(fmt.Sprintf("/evaluations/%d/review", ev), url.Values{"decision": {"request_changes"}}); res.StatusCode != 400 {
			t.Errorf("request changes without a comment: status %d, want 400", res.StatusCode)
		}
		v := url.Values{"decision": {"reviewed"}, "comment": {"Balance on age explained by the caliper."}}
		for _, q := range store.QAChecklist() {
			v.Add("qa", q.Key)
		}
		if res := an.form(fmt.Sprintf("/evaluations/%d/review", ev), v); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign off QA: status %d: %s", res.StatusCode, body(t, res))
		}
		// Publisher publishes; the report appears at a public URL.
		pub := e.signIn("publisher@lab.example")
		res := pub.form(fmt.Sprintf("/evaluations/%d/publish", ev), url.Values{})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/published/") {
			t.Fatalf("publish: status %d to %q: %s", res.StatusCode, res.Header.Get("Location"), body(t, res))
		}
		slugPath := strings.Split(res.Header.Get("Location"), "?")[0]
		anon := e.anonymous()
		rep := anon.get(slugPath)
		if rep.StatusCode != 200 || !strings.Contains(body(t, rep), "Report: Work Well") {
			t.Fatalf("public report: status %d", rep.StatusCode)
		}
		if csp := rep.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src 'unsafe-inline'") || strings.Contains(csp, "script-src") {
			t.Errorf("report CSP = %q; want inline styles allowed and no script source", csp)
		}
		if list := body(t, anon.get("/published")); !strings.Contains(list, slugPath) {
			t.Error("the published list does not link the report")
		}
		// The provider's dashboard shows each submission's job and review
		// state.
		a.uploadOK("Second cohort")
		dash := body(t, a.get("/submissions"))
		for _, want := range []string{"govuk-tag--green\">Published", "Second cohort", "govuk-tag--grey\">Queued"} {
			if !strings.Contains(dash, want) {
				t.Errorf("provider dashboard lacks %q", want)
			}
		}
		// Estimates CSV: formula cells escaped, negative numbers kept.
		csv := body(t, an.get(fmt.Sprintf("/evaluations/%d/estimates.csv", ev)))
		if !strings.Contains(csv, `'=HYPERLINK`) || !strings.Contains(csv, ",-0.05,") {
			t.Errorf("estimates CSV not escaped as expected:\n%s", csv)
		}
		// The audit log has the upload, views, the download and the
		// decisions, each with who.
		var log struct {
			Entries []struct {
				Action     string
				Actor      string
				ObjectType string `json:"object_type"`
			}
		}
		adm := e.signIn("admin@lab.example")
		if code := adm.getJSON("/api/v1/admin/audit", &log); code != 200 {
			t.Fatalf("audit API: %d", code)
		}
		seen := map[string]bool{}
		for _, en := range log.Entries {
			seen[en.Action+" "+en.ObjectType+" by "+en.Actor] = true
		}
		for _, want := range []struct{ key, actor string }{
			{"submission.upload submission", "a@provider.example"},
			{"view submission", "a@provider.example"},
			{"view evaluation", "analyst@lab.example"},
			{"download evaluation", "analyst@lab.example"},
			{"evaluation.publish evaluation", "publisher@lab.example"},
			{"login user", "admin@lab.example"},
			{"view report", "anonymous"},
		} {
			actor := want.actor
			if actor == "anonymous" {
				actor = "system" // no actor id
			}
			if !seen[want.key+" by "+actor] {
				t.Errorf("audit log: %q by %q not found (have %v)", want.key, actor, seen)
			}
		}
		// Audit CSV escapes formulas too.
		acsv := body(t, adm.get("/admin/audit.csv"))
		if !strings.HasPrefix(acsv, "id,at,actor,action") {
			t.Errorf("audit CSV header: %.60q", acsv)
		}
	})
}

func TestAPITokens(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		a := e.signIn("a@provider.example")
		res := a.api("POST", "/api/v1/tokens", map[string]string{"name": "nightly upload"})
		var tok struct{ Secret string }
		if res.StatusCode != 201 || json.NewDecoder(res.Body).Decode(&tok) != nil || tok.Secret == "" {
			t.Fatalf("create token: status %d", res.StatusCode)
		}
		// A script uploads with the token and no CSRF header.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("programme", "Scripted")
		fw, _ := mw.CreateFormFile("participants", "p.csv")
		fw.Write([]byte(goodCSV))
		mw.Close()
		req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/submissions", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+tok.Secret)
		res = e.anonymous().do(req)
		if res.StatusCode != 201 {
			t.Fatalf("upload with API token: status %d: %s", res.StatusCode, body(t, res))
		}
	})
}

func TestOpenAPICoversRoutes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		var doc struct {
			OpenAPI string                                `json:"openapi"`
			Paths   map[string]map[string]json.RawMessage `json:"paths"`
		}
		if code := e.anonymous().getJSON("/api/openapi.json", &doc); code != 200 || !strings.HasPrefix(doc.OpenAPI, "3.") {
			t.Fatalf("openapi.json: status %d, version %q", code, doc.OpenAPI)
		}
		registered := map[string]bool{}
		for _, rt := range e.srv.Routes() {
			if !strings.HasPrefix(rt.Path, "/api/v1/") {
				continue
			}
			registered[strings.ToLower(rt.Method)+" "+rt.Path] = true
			if _, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]; !ok {
				t.Errorf("%s %s is registered but not in openapi.json", rt.Method, rt.Path)
			}
		}
		for p, ops := range doc.Paths {
			for m := range ops {
				if !registered[m+" "+p] {
					t.Errorf("openapi.json documents %s %s, which is not registered", m, p)
				}
			}
		}
		if len(registered) < 20 {
			t.Errorf("only %d API routes registered", len(registered))
		}
	})
}

func TestTLSCookies(t *testing.T) {
	e := newEnv(t, filepath.Join(t.TempDir(), "lab.db"), func(c *server.Config) { c.TLS = true })
	res := e.anonymous().form("/signin", url.Values{"email": {"a@provider.example"}, "password": {pw}})
	ck := res.Cookies()
	if len(ck) != 1 || ck[0].Name != "__Host-datalab_session" || !ck[0].Secure || !ck[0].HttpOnly || ck[0].Path != "/" || ck[0].Domain != "" {
		t.Fatalf("cookie over TLS = %+v; want __Host-datalab_session, Secure, HttpOnly, Path=/, no Domain", ck)
	}
	if h := res.Header.Get("Strict-Transport-Security"); h == "" {
		t.Error("no Strict-Transport-Security header over TLS")
	}
}

func TestSecurityHeadersAndAssets(t *testing.T) {
	e := newEnv(t, filepath.Join(t.TempDir(), "lab.db"))
	res := e.anonymous().get("/")
	for h, want := range map[string]string{
		"Content-Security-Policy": "frame-ancestors 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
	} {
		if !strings.Contains(res.Header.Get(h), want) {
			t.Errorf("%s = %q, want it to contain %q", h, res.Header.Get(h), want)
		}
	}
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(body(t, res), -1) {
		if !strings.Contains(tag, ` src="/static/`) {
			t.Errorf("inline or foreign script %s; the CSP allows only the lab's own script files", tag)
		}
	}
	if res := e.anonymous().get("/static/"); res.StatusCode != 404 {
		t.Errorf("directory listing of /static/: status %d, want 404", res.StatusCode)
	}
}
