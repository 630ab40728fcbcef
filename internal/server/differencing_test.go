package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/store"
)

// TestPublishRefusedByDifferencingGuard: a provider's second cohort
// differs from its published first by 3 people (200 people, 3 of them
// dropped). The publisher's page answers 409 with the reason in a GOV.UK
// error summary, the JSON API answers 409 with it as the message, and
// nothing is published; a cohort 100 people larger publishes.
func TestPublishRefusedByDifferencingGuard(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		a := e.signIn("a@provider.example")
		analyst, err := e.db.UserByEmail(ctx, "analyst@lab.example")
		if err != nil {
			t.Fatal(err)
		}
		publisher, err := e.db.UserByEmail(ctx, "publisher@lab.example")
		if err != nil {
			t.Fatal(err)
		}
		// approved evaluates a new submission of the provider's with the
		// cohort P00000+from .. P00000+(to-1), QA'd, signed off and approved.
		approved := func(programme string, from, to int) int64 {
			t.Helper()
			ev := e.evaluate(a.uploadOK(programme), programme)
			if err := e.db.SetCohortDigests(ctx, ev, testCohort(t, "P", from, to), time.Now()); err != nil {
				t.Fatal(err)
			}
			for _, q := range store.QAChecklist() {
				if _, err := e.db.TickQA(ctx, analyst, ev, q.Key, true, "", time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := e.db.Decide(ctx, analyst, ev, store.EvaluationReviewed, "", time.Now()); err != nil {
				t.Fatal(err)
			}
			if _, err := e.db.Decide(ctx, publisher, ev, store.EvaluationApproved, "", time.Now()); err != nil {
				t.Fatal(err)
			}
			return ev
		}
		pub := e.signIn("publisher@lab.example")
		first := approved("Work Well", 0, 200)
		if res := pub.form(fmt.Sprintf("/evaluations/%d/publish", first), url.Values{}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("first publication: status %d: %s", res.StatusCode, body(t, res))
		}
		second := approved("Work Well again", 3, 200)
		wants := []string{"cannot be published", "by 3 people", "fewer than the minimum of 100", `"Work Well"`, "at least 100 people"}

		res := pub.form(fmt.Sprintf("/evaluations/%d/publish", second), url.Values{})
		page := html.UnescapeString(body(t, res))
		if res.StatusCode != http.StatusConflict || !strings.Contains(page, "govuk-error-summary") {
			t.Errorf("page: status %d, want 409 with a GOV.UK error summary", res.StatusCode)
		}
		for _, want := range wants {
			if !strings.Contains(page, want) {
				t.Errorf("page: the refusal lacks %q", want)
			}
		}

		res = pub.api("POST", fmt.Sprintf("/api/v1/evaluations/%d/publish", second), nil)
		var got struct {
			Error struct {
				Status  int    `json:"status"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusConflict || got.Error.Status != http.StatusConflict {
			t.Errorf("API: status %d (%d in the body), want 409", res.StatusCode, got.Error.Status)
		}
		for _, want := range wants {
			if !strings.Contains(got.Error.Message, want) {
				t.Errorf("API: message %q lacks %q", got.Error.Message, want)
			}
		}

		var list struct {
			Reports []struct {
				EvaluationID int64 `json:"evaluation_id"`
			} `json:"reports"`
		}
		e.anonymous().getJSON("/api/v1/published", &list)
		if len(list.Reports) != 1 || list.Reports[0].EvaluationID != first {
			t.Errorf("published after the refusals: %+v; want only evaluation %d", list.Reports, first)
		}
		if ev, _ := e.db.Evaluation(ctx, store.AllOrgs(), second); ev.Status != store.EvaluationApproved {
			t.Errorf("the refused evaluation is %s, want still approved", ev.Status)
		}

		third := approved("Work Well wider", 0, 300)
		if res := pub.api("POST", fmt.Sprintf("/api/v1/evaluations/%d/publish", third), nil); res.StatusCode != http.StatusOK {
			t.Errorf("a cohort 100 people larger: status %d: %s", res.StatusCode, body(t, res))
		}
	})
}
