package server

import (
	"net/http"
	"regexp"
	"strings"
)

// openAPIDoc builds the OpenAPI 3.0 description of the JSON API from the
// registered routes and the operation notes below, so a route cannot be
// added without a description (TestOpenAPICoversRoutes checks both ways).
func (s *Server) openAPIDoc() map[string]any {
	paths := map[string]any{}
	for _, rt := range s.routes {
		if !strings.HasPrefix(rt.Path, "/api/v1/") {
			continue
		}
		op, ok := apiOps[rt.Method+" "+rt.Path]
		if !ok {
			continue // the coverage test fails on this
		}
		item, _ := paths[rt.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.Path] = item
		}
		item[strings.ToLower(rt.Method)] = op.operation(rt.Method, rt.Path)
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":   "Employment Data Lab API",
			"version": "1",
			"description": "Every action of the lab's web service. Authenticate with an API token " +
				"(Authorization: Bearer <token>, created on the API tokens page or with POST /api/v1/tokens), " +
				"or with the session cookie from POST /api/v1/signin, in which case every non-GET call must send " +
				"the csrf_token it returned as the X-CSRF-Token header. Providers see only their own organisation's " +
				"submissions and evaluations; another organisation's object answers 404, like a missing one.",
		},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": sessionCookie},
			},
			"schemas": map[string]any{
				"Error": map[string]any{"type": "object", "properties": map[string]any{
					"error": map[string]any{"type": "object", "properties": map[string]any{
						"status":  map[string]any{"type": "integer"},
						"message": map[string]any{"type": "string"},
						"field":   map[string]any{"type": "string"},
					}},
				}},
			},
		},
		"security": []any{map[string]any{"bearer": []any{}}, map[string]any{"session": []any{}}},
	}
}

// apiOp describes one operation.
type apiOp struct {
	summary string
	roles   string // who may call it
	body    string // "json:{...}" schema sketch, "multipart", or ""
	ok      int    // success status
	out     string // "json", "csv", "none"
}

func obj(props ...string) map[string]any {
	p := map[string]any{}
	for _, kv := range props {
		k, t, _ := strings.Cut(kv, ":")
		switch t {
		case "object":
			p[k] = map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "boolean"}}
		default:
			p[k] = map[string]any{"type": t}
		}
	}
	return map[string]any{"type": "object", "properties": p}
}

var apiBodies = map[string]map[string]any{
	"signin": obj("email:string", "password:string"),
	"review": obj("checklist:object", "comment:string", "decision:string"),
	"token":  obj("name:string"),
	"user":   obj("email:string", "name:string", "role:string", "org_id:integer", "password:string"),
	"role":   obj("role:string", "org_id:integer"),
	"access": obj("disabled:boolean"),
	"org":    obj("name:string"),
	"trial": {"type": "object", "required": []any{"id"}, "properties": map[string]any{
		"id":    map[string]any{"type": "string", "description": "1–64 letters, digits, '_', '.' or '-'"},
		"title": map[string]any{"type": "string"},
		"arms":  map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "description": "default control, treatment"},
		"ratio": map[string]any{"type": "array", "items": map[string]any{"type": "integer"}, "description": "one weight per arm; default 1 each"},
		"factors": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
			"name": map[string]any{"type": "string"}, "levels": map[string]any{"type": "array", "items": map[string]any{"type": "string"}}}}},
		"stratify":    map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "description": "factors as on the command line, factor=level,level"},
		"block_sizes": map[string]any{"type": "array", "items": map[string]any{"type": "integer"}, "description": "multiples of the ratio's total; default 2 and 3 times it"},
	}},
	"enrolment": {"type": "object", "required": []any{"participant_ref"}, "properties": map[string]any{
		"participant_ref": map[string]any{"type": "string", "description": "your own reference for the person (never a direct identifier)"},
		"stratum":         map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}, "description": "the participant's level of every stratification factor"},
	}},
}

var pathParam = regexp.MustCompile(`\{([a-z]+)\}`)

func (o apiOp) operation(method, path string) map[string]any {
	op := map[string]any{
		"summary":     o.summary,
		"description": "Who may call it: " + o.roles + ".",
		"operationId": strings.ToLower(method) + strings.NewReplacer("/api/v1/", "_", "/", "_", "{", "", "}", "", ".", "_").Replace(path),
	}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		typ := "integer"
		if m[1] == "slug" || m[1] == "trial" {
			typ = "string"
		}
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": typ}})
	}
	if method != http.MethodGet && o.roles != "anyone" {
		params = append(params, map[string]any{"name": csrfHeader, "in": "header", "required": false,
			"description": "required when authenticated by the session cookie", "schema": map[string]any{"type": "string"}})
	}
	if params != nil {
		op["parameters"] = params
	}
	switch {
	case o.body == "multipart":
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"multipart/form-data": map[string]any{
			"schema": map[string]any{"type": "object", "required": []any{uploadField, "programme"}, "properties": map[string]any{
				uploadField: map[string]any{"type": "string", "format": "binary", "description": "participants.csv (DESIGN.md §4); checked by content"},
				"programme": map[string]any{"type": "string"},
				csrfField:   map[string]any{"type": "string", "description": "the session's CSRF token, if not sent as a header"},
			}}}}}
	case o.body != "":
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": apiBodies[o.body]}}}
	}
	errRef := map[string]any{"description": "error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
	resp := map[string]any{"default": errRef}
	switch o.out {
	case "csv":
		resp[itoa(int64(o.ok))] = map[string]any{"description": "CSV download (cells formula-escaped)", "content": map[string]any{"text/csv": map[string]any{"schema": map[string]any{"type": "string"}}}}
	case "html":
		resp[itoa(int64(o.ok))] = map[string]any{"description": "the report", "content": map[string]any{"text/html": map[string]any{"schema": map[string]any{"type": "string"}}}}
	case "none":
		resp[itoa(int64(o.ok))] = map[string]any{"description": "done"}
	default:
		resp[itoa(int64(o.ok))] = map[string]any{"description": "OK", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}}
	}
	if o.roles == "anyone" {
		op["security"] = []any{}
	}
	op["responses"] = resp
	return op
}

// apiOps documents every /api/v1 route (method and pattern as registered).
var apiOps = map[string]apiOp{
	"POST /api/v1/signin":                        {"Sign in; sets the session cookie and returns the CSRF token", "anyone", "signin", 200, "json"},
	"POST /api/v1/signout":                       {"Sign out (ends the session)", "any signed-in user", "", 204, "none"},
	"GET /api/v1/me":                             {"The signed-in user (and CSRF token for a session)", "any signed-in user", "", 200, "json"},
	"GET /api/v1/submissions":                    {"Submissions with check results, latest job and evaluation", "provider (own organisation), analyst, publisher", "", 200, "json"},
	"POST /api/v1/submissions":                   {"Upload participants.csv: checked at once (422 with the check report if refused), then queued for linkage and evaluation", "provider", "multipart", 201, "json"},
	"GET /api/v1/submissions/{id}":               {"One submission with its check report and job progress", "provider (own organisation), analyst, publisher", "", 200, "json"},
	"POST /api/v1/submissions/{id}/cancel":       {"Cancel the submission's queued or running job", "provider (own organisation), analyst", "", 200, "json"},
	"POST /api/v1/submissions/{id}/rerun":        {"Queue the submission's evaluation again", "analyst", "", 202, "json"},
	"GET /api/v1/evaluations":                    {"Evaluations (filter with ?status=)", "provider (own organisation), analyst, publisher", "", 200, "json"},
	"GET /api/v1/evaluations/{id}":               {"One evaluation with evaluation.json, QA checklist, comments and decisions", "provider (own organisation), analyst, publisher", "", 200, "json"},
	"GET /api/v1/evaluations/{id}/estimates.csv": {"The estimates as CSV", "analyst, publisher", "", 200, "csv"},
	"GET /api/v1/evaluations/{id}/report":        {"The evaluation's report (disclosure-controlled HTML; a draft until published)", "provider (own organisation), analyst, publisher", "", 200, "html"},
	"POST /api/v1/evaluations/{id}/review":       {"Tick QA items, comment, and decide (save, reviewed, request_changes, approve)", "analyst", "review", 200, "json"},
	"POST /api/v1/evaluations/{id}/publish":      {"Approve a reviewed evaluation and publish its report at /published/{slug}", "publisher", "", 200, "json"},
	"GET /api/v1/published":                      {"Published reports", "anyone", "", 200, "json"},
	"GET /api/v1/published/{slug}":               {"One published report's record (the HTML is at /published/{slug})", "anyone", "", 200, "json"},
	"GET /api/v1/tokens":                         {"Your API tokens (never their secrets)", "any signed-in user", "", 200, "json"},
	"POST /api/v1/tokens":                        {"Create an API token; the secret is returned once", "any signed-in user", "token", 201, "json"},
	"DELETE /api/v1/tokens/{id}":                 {"Revoke one of your API tokens", "any signed-in user", "", 204, "none"},
	"GET /api/v1/admin/users":                    {"All users", "admin", "", 200, "json"},
	"POST /api/v1/admin/users":                   {"Create a user", "admin", "user", 201, "json"},
	"POST /api/v1/admin/users/{id}/role":         {"Change a user's role (audited)", "admin", "role", 200, "json"},
	"POST /api/v1/admin/users/{id}/access":       {"Disable a user (ending their sessions; their API tokens stop working) or enable them again (audited)", "admin", "access", 200, "json"},
	"GET /api/v1/admin/organisations":            {"All organisations", "admin", "", 200, "json"},
	"POST /api/v1/admin/organisations":           {"Create an organisation", "admin", "org", 201, "json"},
	"POST /api/v1/trials":                        {"Create a randomised trial: arms, ratio, strata, block sizes; its secret seed is drawn and never returned", "analyst, admin (providers: 404)", "trial", 201, "json"},
	"GET /api/v1/trials/{trial}":                 {"A trial's record: design, genesis, chain head, allocations made", "analyst, admin (providers: 404)", "", 200, "json"},
	"POST /api/v1/trials/{trial}/enrolments":     {"Enrol a participant: 201 with the allocation, or 200 \"already enrolled\" with the arm the reference already has", "analyst, admin (providers: 404)", "enrolment", 201, "json"},
	"GET /api/v1/trials/{trial}/allocations":     {"The allocation log (?format=csv for CSV, cells formula-escaped)", "analyst, admin (providers: 404)", "", 200, "json"},
	"GET /api/v1/trials/{trial}/verify":          {"Verify the allocation log's hash chain and sequence (?head= a chain head kept elsewhere); a failing log is 200 with ok false and the first break", "analyst, admin (providers: 404)", "", 200, "json"},
	"GET /api/v1/admin/audit":                    {"The audit log, newest first (?before=ID pages back, ?action= filters)", "admin", "", 200, "json"},
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	writeJSON(w, http.StatusOK, s.openAPIDoc())
}
