package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/employment-data-lab/datalab/internal/store"
)

// An admin disables a user: their open session and their API token stop
// working at once, the page and the API both do it, an admin cannot lock
// themself out, and enabling lets the user sign in again.
func TestAdminDisablesAndEnablesUser(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		provider := e.signIn("a@provider.example")
		res := provider.api("POST", "/api/v1/tokens", map[string]string{"name": "nightly"})
		var tok struct{ Secret string }
		if res.StatusCode != 201 || json.NewDecoder(res.Body).Decode(&tok) != nil {
			t.Fatalf("create token: status %d", res.StatusCode)
		}
		res.Body.Close()
		u, err := e.db.UserByEmail(ctx, "a@provider.example")
		if err != nil {
			t.Fatal(err)
		}
		admin := e.signIn("admin@lab.example")
		id := concrete("/api/v1/admin/users/{id}/access", u.ID)

		// The API refuses a body that does not say which.
		if res := admin.api("POST", id, map[string]any{}); res.StatusCode != http.StatusBadRequest && res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("access without disabled: status %d, want 400", res.StatusCode)
		}
		if res := admin.api("POST", id, map[string]any{"disabled": true}); res.StatusCode != 200 {
			t.Fatalf("disable: status %d: %s", res.StatusCode, body(t, res))
		}
		if res := provider.get("/api/v1/me"); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("disabled user's session: status %d, want 401", res.StatusCode)
		}
		req, _ := http.NewRequest("GET", e.ts.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok.Secret)
		if res := e.anonymous().do(req); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("disabled user's API token: status %d, want 401", res.StatusCode)
		}

		// The page form enables them again; they can sign in.
		if res := admin.form(concrete("/admin/users/{id}/access", u.ID), url.Values{"disabled": {"false"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("enable through the page: status %d: %s", res.StatusCode, body(t, res))
		}
		if back := e.signIn("a@provider.example"); back == nil {
			t.Error("enabled user cannot sign in")
		}

		// An admin cannot disable themself.
		me, _ := e.db.UserByEmail(ctx, "admin@lab.example")
		if res := admin.api("POST", concrete("/api/v1/admin/users/{id}/access", me.ID), map[string]any{"disabled": true}); res.StatusCode != http.StatusForbidden {
			t.Errorf("admin disabling themself: status %d, want 403", res.StatusCode)
		}
		// Only admins: a provider gets refused.
		other := e.signIn("b@provider.example")
		if res := other.api("POST", id, map[string]any{"disabled": true}); res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusNotFound {
			t.Errorf("provider disabling a user: status %d, want 403 or 404", res.StatusCode)
		}
		entries, err := e.db.AuditLog(ctx, store.AllOrgs(), store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, a := range entries {
			seen[a.Action] = true
		}
		if !seen[store.ActionUserDisable] || !seen[store.ActionUserEnable] {
			t.Errorf("audit log lacks the disable/enable entries (actions seen: %v)", seen)
		}
	})
}
