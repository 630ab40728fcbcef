package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/store"
)

// The randomisation service over HTTP: the figures checked (40 enrolments,
// positions 1..40, one arm per reference, the tampered position) are the
// test's own construction; the arms themselves come from the trial's
// secret seed and are checked by the store's verify, not by value.

type enrolReceipt struct {
	Trial          string `json:"trial"`
	Position       int    `json:"position"`
	ParticipantRef string `json:"participant_ref"`
	Stratum        string `json:"stratum"`
	Arm            string `json:"arm"`
	Hash           string `json:"hash"`
	New            bool   `json:"new"`
	Head           string `json:"head"`
	Status         string `json:"status"`
}

type verifyReport struct {
	OK              bool `json:"ok"`
	Entries         int  `json:"entries"`
	SequenceChecked bool `json:"sequence_checked"`
	Break           *struct {
		Position int    `json:"position"`
		Kind     string `json:"kind"`
	} `json:"break"`
}

// enrolRaw enrols over HTTP from any goroutine (no t.Fatal): with the
// session's cookie and CSRF header when bearer is empty, else with the
// API token alone.
func enrolRaw(e *env, c *client, bearer, trial, ref string, stratum map[string]string) (int, enrolReceipt, error) {
	b, _ := json.Marshal(map[string]any{"participant_ref": ref, "stratum": stratum})
	req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/trials/"+trial+"/enrolments", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	} else {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, enrolReceipt{}, err
	}
	defer res.Body.Close()
	var rc enrolReceipt
	if res.StatusCode < 300 {
		err = json.NewDecoder(res.Body).Decode(&rc)
	}
	return res.StatusCode, rc, err
}

func createTrial(t *testing.T, c *client, id string) {
	t.Helper()
	res := c.api("POST", "/api/v1/trials", map[string]any{
		"id": id, "title": "Work Well coaching", "arms": []string{"control", "treatment"},
		"stratify": []string{"site=North,South"}, "block_sizes": []int{4, 6},
	})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create trial %s: status %d: %s", id, res.StatusCode, body(t, res))
	}
}

func TestTrialAPIEnrolExportVerify(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		analyst := e.signIn("analyst@lab.example")
		admin := e.signIn("admin@lab.example")

		res := analyst.api("POST", "/api/v1/trials", map[string]any{
			"id": "wb1", "title": "Work Well coaching", "arms": []string{"control", "treatment"},
			"stratify": []string{"site=North,South"}, "block_sizes": []int{4, 6},
		})
		raw := body(t, res)
		if res.StatusCode != http.StatusCreated || res.Header.Get("Location") != "/api/v1/trials/wb1" {
			t.Fatalf("create: status %d, Location %q: %s", res.StatusCode, res.Header.Get("Location"), raw)
		}
		var created map[string]any
		json.Unmarshal([]byte(raw), &created)
		if created["id"] != "wb1" || created["genesis"] != created["head"] || created["allocations"] != 0.0 {
			t.Errorf("created trial = %v; want id wb1, head = genesis, 0 allocations", created)
		}
		if strings.Contains(strings.ToLower(raw), "seed") {
			t.Errorf("the created trial's record mentions its seed: %s", raw)
		}

		// Refused creations: each a 4xx naming the field, nothing stored.
		for _, tc := range []struct {
			name  string
			body  map[string]any
			code  int
			field string
		}{
			{"same id", map[string]any{"id": "wb1"}, 409, "id"},
			{"bad id", map[string]any{"id": "wb 1"}, 400, "id"},
			{"block size not a multiple of the ratio", map[string]any{"id": "wb2", "ratio": []int{2, 1}, "block_sizes": []int{4}}, 400, "arms"},
			{"bad stratify", map[string]any{"id": "wb3", "stratify": []string{"site"}}, 400, "stratify"},
		} {
			res := analyst.api("POST", "/api/v1/trials", tc.body)
			var er struct{ Error struct{ Field string } }
			json.NewDecoder(res.Body).Decode(&er)
			if res.StatusCode != tc.code || er.Error.Field != tc.field {
				t.Errorf("create %s: status %d field %q, want %d %q", tc.name, res.StatusCode, er.Error.Field, tc.code, tc.field)
			}
		}

		// The admin enrols through an API token (no CSRF), the analyst
		// through the session: 40 at once.
		res = admin.api("POST", "/api/v1/tokens", map[string]string{"name": "enrolment script"})
		var tok struct{ Secret string }
		if res.StatusCode != 201 || json.NewDecoder(res.Body).Decode(&tok) != nil {
			t.Fatalf("token: status %d", res.StatusCode)
		}
		const n = 40
		receipts := make([]enrolReceipt, n)
		codes := make([]int, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				site := []string{"North", "South"}[i%2]
				bearer := ""
				if i%3 == 0 {
					bearer = tok.Secret
				}
				codes[i], receipts[i], errs[i] = enrolRaw(e, analyst, bearer, "wb1", fmt.Sprintf("P%03d", i), map[string]string{"site": site})
			}()
		}
		wg.Wait()
		positions := map[int]bool{}
		arms := map[string]string{}
		for i, rc := range receipts {
			if errs[i] != nil || codes[i] != http.StatusCreated {
				t.Fatalf("enrol P%03d: status %d, %v", i, codes[i], errs[i])
			}
			if rc.Status != "enrolled" || !rc.New || rc.ParticipantRef != fmt.Sprintf("P%03d", i) || (rc.Arm != "control" && rc.Arm != "treatment") {
				t.Errorf("enrol P%03d: receipt %+v", i, rc)
			}
			positions[rc.Position] = true
			arms[rc.ParticipantRef] = rc.Arm
		}
		for p := 1; p <= n; p++ {
			if !positions[p] {
				t.Errorf("no enrolment took position %d: positions %v", p, positions)
			}
		}

		// The receipt holds the allocation made and nothing more.
		res = analyst.api("POST", "/api/v1/trials/wb1/enrolments", map[string]any{"participant_ref": "P007", "stratum": map[string]string{"site": "South"}})
		var keys map[string]json.RawMessage
		json.NewDecoder(res.Body).Decode(&keys)
		var got []string
		for k := range keys {
			got = append(got, k)
		}
		sort.Strings(got)
		want := []string{"allocated_at", "arm", "hash", "head", "new", "participant_ref", "position", "prev_hash", "status", "stratum", "trial"}
		if !slices.Equal(got, want) {
			t.Errorf("enrolment receipt fields = %v, want %v", got, want)
		}

		// Enrolling again returns the same arm, 200, already enrolled.
		for i := range n {
			bearer := ""
			if i%2 == 0 {
				bearer = tok.Secret
			}
			code, rc, err := enrolRaw(e, analyst, bearer, "wb1", fmt.Sprintf("P%03d", i), map[string]string{"site": []string{"North", "South"}[i%2]})
			if err != nil || code != http.StatusOK || rc.Status != "already enrolled" || rc.New || rc.Arm != receipts[i].Arm || rc.Position != receipts[i].Position {
				t.Errorf("re-enrol P%03d: status %d %+v, want 200 already enrolled at position %d arm %s (%v)", i, code, rc, receipts[i].Position, receipts[i].Arm, err)
			}
		}

		// Refused enrolments: another stratum for an enrolled reference,
		// a direct identifier (not repeated back), an undeclared level.
		for _, tc := range []struct {
			name, ref string
			stratum   map[string]string
			code      int
			field     string
		}{
			{"changed stratum", "P000", map[string]string{"site": "South"}, 409, "stratum"},
			{"NI number", "AB123456C", map[string]string{"site": "North"}, 400, "participant_ref"},
			{"date of birth", "1985-03-07", map[string]string{"site": "North"}, 400, "participant_ref"},
			{"unknown level", "P900", map[string]string{"site": "East"}, 400, "stratum"},
			{"no stratum", "P901", nil, 400, "stratum"},
		} {
			res := analyst.api("POST", "/api/v1/trials/wb1/enrolments", map[string]any{"participant_ref": tc.ref, "stratum": tc.stratum})
			b := body(t, res)
			var er struct{ Error struct{ Field string } }
			json.Unmarshal([]byte(b), &er)
			if res.StatusCode != tc.code || er.Error.Field != tc.field {
				t.Errorf("enrol %s: status %d field %q, want %d %q: %s", tc.name, res.StatusCode, er.Error.Field, tc.code, tc.field, b)
			}
			if tc.field == "participant_ref" && strings.Contains(b, tc.ref) {
				t.Errorf("enrol %s: the refusal repeats the identifier: %s", tc.name, b)
			}
		}

		var summary struct {
			Allocations int    `json:"allocations"`
			Head        string `json:"head"`
		}
		if code := analyst.getJSON("/api/v1/trials/wb1", &summary); code != 200 || summary.Allocations != n {
			t.Errorf("summary: status %d, %d allocations, want 200 and %d", code, summary.Allocations, n)
		}

		var rep verifyReport
		if code := analyst.getJSON("/api/v1/trials/wb1/verify", &rep); code != 200 || !rep.OK || rep.Entries != n || !rep.SequenceChecked {
			t.Errorf("verify: status %d, %+v; want 200, ok, %d entries, sequence checked", code, rep, n)
		}
		if code := analyst.getJSON("/api/v1/trials/wb1/verify?head="+receipts[0].Hash, &rep); code != 200 || !rep.OK {
			t.Errorf("verify against an earlier receipt's head: status %d, %+v; want ok", code, rep)
		}
		if code := analyst.getJSON("/api/v1/trials/wb1/verify?head=00ff", &rep); code != 200 || rep.OK {
			t.Errorf("verify against a head not in the log: status %d, %+v; want 200, not ok", code, rep)
		}

		var export struct {
			Trial       string `json:"trial"`
			Head        string `json:"head"`
			Allocations []struct {
				Position       int    `json:"position"`
				ParticipantRef string `json:"participant_ref"`
				Arm            string `json:"arm"`
			} `json:"allocations"`
		}
		if code := admin.getJSON("/api/v1/trials/wb1/allocations", &export); code != 200 || len(export.Allocations) != n || export.Head != summary.Head {
			t.Fatalf("export: status %d, %d rows, head %s; want 200, %d rows, head %s", code, len(export.Allocations), export.Head, n, summary.Head)
		}
		for i, a := range export.Allocations {
			if a.Position != i+1 || arms[a.ParticipantRef] != a.Arm {
				t.Errorf("export row %d: %+v; want position %d and arm %s", i, a, i+1, arms[a.ParticipantRef])
			}
		}

		// CSV: a reference starting with '-' is written formula-escaped.
		if code, _, err := enrolRaw(e, analyst, "", "wb1", "-P041", map[string]string{"site": "North"}); code != 201 || err != nil {
			t.Fatalf("enrol -P041: status %d, %v", code, err)
		}
		res = analyst.get("/api/v1/trials/wb1/allocations?format=csv")
		if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || !strings.HasPrefix(ct, "text/csv") {
			t.Fatalf("CSV export: status %d, type %q", res.StatusCode, ct)
		}
		recs, err := csv.NewReader(res.Body).ReadAll()
		if err != nil || len(recs) != n+2 || strings.Join(recs[0], ",") != "position,participant_ref,stratum,arm,allocated_at,hash" {
			t.Fatalf("CSV export: %d records (want %d), header %v, %v", len(recs), n+2, recs[0], err)
		}
		if last := recs[n+1]; last[0] != "41" || last[1] != "'-P041" {
			t.Errorf("CSV export's last row = %v; want position 41 and the reference escaped as '-P041", last)
		}

		// Audit: one row per creation and new or repeated enrolment, and
		// per export (the server's queue writes them moments later).
		deadline := time.Now().Add(5 * time.Second)
		for {
			creates, _ := e.db.AuditLog(ctx, store.AllOrgs(), store.AuditFilter{Action: "trial.create"})
			enrols, _ := e.db.AuditLog(ctx, store.AllOrgs(), store.AuditFilter{Action: "trial.enrol", Limit: 1000})
			exports, _ := e.db.AuditLog(ctx, store.AllOrgs(), store.AuditFilter{Action: store.ActionDownload, ObjectType: "trial_allocations"})
			if len(creates) == 1 && len(enrols) == 2*n+2 && len(exports) == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("audit rows: %d trial.create, %d trial.enrol, %d exports; want 1, %d, 2", len(creates), len(enrols), len(exports), 2*n+2)
				break
			}
			time.Sleep(20 * time.Millisecond)
		}

		// Tamper with the log through the store's database: verify answers
		// 200 with ok false at the edited position.
		var arm17 string
		for _, a := range export.Allocations {
			if a.Position == 17 {
				arm17 = a.Arm
			}
		}
		other := map[string]string{"control": "treatment", "treatment": "control"}[arm17]
		if _, err := e.db.ExecContext(ctx, `UPDATE trial_allocations SET arm = ? WHERE trial_id = ? AND position = ?`, other, "wb1", 17); err != nil {
			t.Fatal(err)
		}
		rep = verifyReport{}
		if code := analyst.getJSON("/api/v1/trials/wb1/verify", &rep); code != 200 || rep.OK || rep.Break == nil || rep.Break.Position != 17 || rep.Break.Kind != "edited" {
			t.Errorf("verify after tampering: status %d, %+v (break %+v); want 200, not ok, edited at position 17", code, rep, rep.Break)
		}
	})
}

func TestTrialAPIAccess(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		analyst := e.signIn("analyst@lab.example")
		createTrial(t, analyst, "wb1")
		if code, _, err := enrolRaw(e, analyst, "", "wb1", "P001", map[string]string{"site": "North"}); code != 201 || err != nil {
			t.Fatalf("enrol: status %d, %v", code, err)
		}
		calls := []struct{ method, path string }{
			{"POST", "/api/v1/trials"},
			{"GET", "/api/v1/trials/wb1"},
			{"POST", "/api/v1/trials/wb1/enrolments"},
			{"GET", "/api/v1/trials/wb1/allocations"},
			{"GET", "/api/v1/trials/wb1/allocations?format=csv"},
			{"GET", "/api/v1/trials/wb1/verify"},
		}
		enrol := map[string]any{"participant_ref": "P002", "stratum": map[string]string{"site": "North"}}
		provider := e.signIn("a@provider.example")
		publisher := e.signIn("publisher@lab.example")
		anon := e.anonymous()
		for _, c := range calls {
			// A provider: the same 404 as for a trial that does not exist,
			// naming nothing of it.
			for _, path := range []string{c.path, strings.Replace(c.path, "wb1", "no-such-trial", 1)} {
				res := provider.api(c.method, path, enrol)
				if b := body(t, res); res.StatusCode != http.StatusNotFound || strings.Contains(b, "Work Well") || strings.Contains(b, "P001") {
					t.Errorf("provider %s %s: status %d: %s; want 404 naming nothing", c.method, path, res.StatusCode, b)
				}
			}
			if res := publisher.api(c.method, c.path, enrol); res.StatusCode != http.StatusForbidden {
				t.Errorf("publisher %s %s: status %d, want 403", c.method, c.path, res.StatusCode)
			}
			if res := anon.api(c.method, c.path, enrol); res.StatusCode != http.StatusUnauthorized {
				t.Errorf("anonymous %s %s: status %d, want 401", c.method, c.path, res.StatusCode)
			}
		}
		// A session POST without the CSRF header is refused and enrols
		// no one.
		noCSRF := *analyst
		noCSRF.csrf = ""
		if res := noCSRF.api("POST", "/api/v1/trials/wb1/enrolments", enrol); res.StatusCode != http.StatusForbidden {
			t.Errorf("enrol without CSRF token: status %d, want 403", res.StatusCode)
		}
		if res := noCSRF.api("POST", "/api/v1/trials", map[string]any{"id": "wb9"}); res.StatusCode != http.StatusForbidden {
			t.Errorf("create without CSRF token: status %d, want 403", res.StatusCode)
		}
		var summary struct{ Allocations int }
		if analyst.getJSON("/api/v1/trials/wb1", &summary); summary.Allocations != 1 {
			t.Errorf("%d allocations after refused calls, want 1", summary.Allocations)
		}
		if code := analyst.getJSON("/api/v1/trials/wb9", &summary); code != http.StatusNotFound {
			t.Errorf("trial created without CSRF: GET status %d, want 404", code)
		}
		for _, path := range []string{"/api/v1/trials/nope", "/api/v1/trials/nope/verify", "/api/v1/trials/nope/allocations"} {
			if res := analyst.get(path); res.StatusCode != http.StatusNotFound {
				t.Errorf("analyst GET %s: status %d, want 404", path, res.StatusCode)
			}
		}
		if code, _, _ := enrolRaw(e, analyst, "", "nope", "P003", map[string]string{"site": "North"}); code != http.StatusNotFound {
			t.Errorf("enrol in a missing trial: status %d, want 404", code)
		}
	})
}
