package server

import (
	"net/http"

	"github.com/employment-data-lab/datalab/internal/store"
)

var (
	providers  = []store.Role{store.RoleProvider}
	analysts   = []store.Role{store.RoleAnalyst}
	publishers = []store.Role{store.RolePublisher}
	admins     = []store.Role{store.RoleAdmin}
	staff      = []store.Role{store.RoleAnalyst, store.RolePublisher}
	// viewers may see a submission or evaluation (providers their own
	// organisation's only, through the scope passed to the store).
	viewers   = []store.Role{store.RoleProvider, store.RoleAnalyst, store.RolePublisher}
	cancelers = []store.Role{store.RoleProvider, store.RoleAnalyst}
	signedIn  = []store.Role{store.RoleProvider, store.RoleAnalyst, store.RolePublisher, store.RoleAdmin}
)

func (s *Server) registerRoutes() {
	s.registerStatic()
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})

	// Pages. Any other path is a GOV.UK-styled 404 (not in Routes).
	s.mux.Handle("/", s.wrapPage(http.MethodGet, anyone, false, s.notFoundPage))
	s.page("GET", "/{$}", anyone, s.homePage)
	s.page("GET", "/signin", anyone, s.signInPage)
	s.page("POST", "/signin", anyone, s.signInPost)
	s.page("POST", "/signout", signedIn, s.signOutPost)
	s.page("GET", "/submissions", viewers, s.submissionsPage)
	s.page("GET", "/submissions/new", providers, s.uploadPage)
	s.uploadRoute("/submissions", providers, s.uploadPost)
	s.page("GET", "/submissions/{id}", viewers, s.submissionPage)
	s.page("POST", "/submissions/{id}/cancel", cancelers, s.cancelPost)
	s.page("POST", "/submissions/{id}/rerun", analysts, s.rerunPost)
	s.page("GET", "/evaluations", staff, s.evaluationsPage)
	s.page("GET", "/approvals", publishers, s.approvalsPage)
	s.page("GET", "/evaluations/{id}", viewers, s.evaluationPage)
	s.page("GET", "/evaluations/{id}/report", viewers, s.draftReport)
	s.page("GET", "/evaluations/{id}/estimates.csv", staff, s.estimatesCSV)
	s.page("POST", "/evaluations/{id}/review", analysts, s.reviewPost)
	s.page("POST", "/evaluations/{id}/publish", publishers, s.publishPost)
	s.page("GET", "/published", anyone, s.publishedPage)
	s.page("GET", "/published/{slug}", anyone, s.publishedReport)
	s.page("GET", "/tokens", signedIn, s.tokensPage)
	s.page("POST", "/tokens", signedIn, s.tokenCreatePost)
	s.page("POST", "/tokens/{id}/delete", signedIn, s.tokenDeletePost)
	s.page("GET", "/admin/users", admins, s.usersPage)
	s.page("POST", "/admin/users", admins, s.userCreatePost)
	s.page("POST", "/admin/users/{id}/role", admins, s.userRolePost)
	s.page("POST", "/admin/users/{id}/access", admins, s.userAccessPost)
	s.page("GET", "/admin/organisations", admins, s.orgsPage)
	s.page("POST", "/admin/organisations", admins, s.orgCreatePost)
	s.page("GET", "/admin/audit", admins, s.auditPage)
	s.page("GET", "/admin/audit.csv", admins, s.auditCSV)

	// JSON API (documented in openapi.go).
	s.handle("GET", "/api/openapi.json", http.HandlerFunc(s.openAPI))
	s.api("POST", "/api/v1/signin", anyone, s.apiSignIn)
	s.api("POST", "/api/v1/signout", signedIn, s.apiSignOut)
	s.api("GET", "/api/v1/me", signedIn, s.apiMe)
	s.api("GET", "/api/v1/submissions", viewers, s.apiSubmissions)
	s.api("POST", "/api/v1/submissions", providers, s.apiUpload)
	s.api("GET", "/api/v1/submissions/{id}", viewers, s.apiSubmission)
	s.api("POST", "/api/v1/submissions/{id}/cancel", cancelers, s.apiCancel)
	s.api("POST", "/api/v1/submissions/{id}/rerun", analysts, s.apiRerun)
	s.api("GET", "/api/v1/evaluations", viewers, s.apiEvaluations)
	s.api("GET", "/api/v1/evaluations/{id}", viewers, s.apiEvaluation)
	s.api("GET", "/api/v1/evaluations/{id}/estimates.csv", staff, s.apiEstimatesCSV)
	s.api("GET", "/api/v1/evaluations/{id}/report", viewers, s.apiReport)
	s.api("POST", "/api/v1/evaluations/{id}/review", analysts, s.apiReview)
	s.api("POST", "/api/v1/evaluations/{id}/publish", publishers, s.apiPublish)
	s.api("GET", "/api/v1/published", anyone, s.apiPublished)
	s.api("GET", "/api/v1/published/{slug}", anyone, s.apiPublishedOne)
	s.api("GET", "/api/v1/tokens", signedIn, s.apiTokens)
	s.api("POST", "/api/v1/tokens", signedIn, s.apiTokenCreate)
	s.api("DELETE", "/api/v1/tokens/{id}", signedIn, s.apiTokenDelete)
	s.api("GET", "/api/v1/admin/users", admins, s.apiUsers)
	s.api("POST", "/api/v1/admin/users", admins, s.apiUserCreate)
	s.api("POST", "/api/v1/admin/users/{id}/role", admins, s.apiUserRole)
	s.api("POST", "/api/v1/admin/users/{id}/access", admins, s.apiUserAccess)
	s.api("GET", "/api/v1/admin/organisations", admins, s.apiOrgs)
	s.api("POST", "/api/v1/admin/organisations", admins, s.apiOrgCreate)
	s.api("GET", "/api/v1/admin/audit", admins, s.apiAudit)
	s.registerTrialRoutes() // trials_api.go
}
