package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/browsertest"
	"github.com/employment-data-lab/datalab/web"
)

var browsers browsertest.Shared

func TestMain(m *testing.M) { os.Exit(browsers.Run(m)) }

// sessionToken signs in through the JSON API and returns the session
// cookie's value, for a browser tab to use.
func (e *env) sessionToken(email string) string {
	e.t.Helper()
	c := e.anonymous()
	req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/signin", strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, email, pw)))
	req.Header.Set("Content-Type", "application/json")
	res := c.do(req)
	for _, ck := range res.Cookies() {
		if ck.Name == "datalab_session" {
			return ck.Value
		}
	}
	e.t.Fatalf("no session cookie for %s (status %d)", email, res.StatusCode)
	return ""
}

// TestPagesAccessible opens every page as the role that uses it in
// Chromium and runs axe-core's WCAG 2.x A and AA rules on it; it also
// checks the pages load nothing from another origin and log no errors
// (CSP violations included).
func TestPagesAccessible(t *testing.T) {
	e := newEnv(t, filepath.Join(t.TempDir(), "lab.db"))
	b := browsers.Browser(t)
	a := e.signIn("a@provider.example")
	sub := a.uploadOK("Work Well")
	ev := e.evaluate(sub, "Work Well")
	refused := a.upload("/submissions", "participants.csv", "Work Well", []byte("participant_ref,first_name\nP1,Ann\n"))
	if refused.StatusCode != 422 {
		t.Fatalf("refused upload: status %d", refused.StatusCode)
	}
	var tok struct{ Secret string }
	json.NewDecoder(a.api("POST", "/api/v1/tokens", map[string]string{"name": "script"}).Body).Decode(&tok)

	pages := []struct{ who, path string }{
		{"", "/"},
		{"", "/signin"},
		{"", "/published"},
		{"", "/no-such-page"},
		{"a@provider.example", "/submissions"},
		{"a@provider.example", "/submissions/new"},
		{"a@provider.example", fmt.Sprintf("/submissions/%d", sub)},
		{"a@provider.example", fmt.Sprintf("/submissions/%d", sub+1)}, // the refused upload's check report
		{"a@provider.example", fmt.Sprintf("/evaluations/%d", ev)},
		{"a@provider.example", "/tokens"},
		{"analyst@lab.example", "/evaluations"},
		{"analyst@lab.example", fmt.Sprintf("/evaluations/%d", ev)},
		{"publisher@lab.example", "/approvals"},
		{"admin@lab.example", "/admin/users"},
		{"admin@lab.example", "/admin/organisations"},
		{"admin@lab.example", "/admin/audit"},
	}
	tokens := map[string]string{}
	for _, pg := range pages {
		if pg.who != "" && tokens[pg.who] == "" {
			tokens[pg.who] = e.sessionToken(pg.who)
		}
	}
	for _, pg := range pages {
		t.Run(strings.TrimPrefix(pg.who+pg.path, "/"), func(t *testing.T) {
			t.Parallel()
			p := b.NewPage(t)
			if pg.who != "" {
				// A same-origin page first, to set the session cookie on.
				p.Open(t, e.ts.URL+"/published")
				if _, err := browsertest.Eval[string](p, `document.cookie = "datalab_session=`+tokens[pg.who]+`; path=/"`); err != nil {
					t.Fatal(err)
				}
			}
			p.Open(t, e.ts.URL+pg.path)
			p.AssertVisible(t, "main h1")
			if web.HasGOVUKFrontend() {
				// The module script ran under the page CSP.
				var ok bool
				var err error
				for deadline := time.Now().Add(10 * time.Second); !ok && err == nil && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
					ok, err = browsertest.Eval[bool](p, `document.body.classList.contains('govuk-frontend-supported')`)
				}
				if err != nil || !ok {
					t.Errorf("GOV.UK Frontend's JavaScript did not start (%v)", err)
				}
			}
			p.AssertUniqueIDs(t)
			p.AssertNoExternalRequests(t)
			if pg.path != "/no-such-page" { // its 404 status is logged as an error
				p.AssertNoErrors(t)
			}
			if v := p.Axe(t, browsertest.WCAG2AA()...); len(v) > 0 {
				t.Errorf("accessibility violations on %s:\n%s", pg.path, browsertest.Describe(v))
			}
			if os.Getenv("DATALAB_SCREENSHOT_DIR") != "" {
				p.SaveScreenshot(t, strings.NewReplacer("/", "_", "@", "_").Replace(pg.who+pg.path)+".png")
			}
		})
	}
}
