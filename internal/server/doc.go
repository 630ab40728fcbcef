// Package server is the lab's web service: the pages providers, analysts,
// publishers and admins use (GOV.UK Frontend markup, usable without
// JavaScript), the JSON API that mirrors every action (/api/v1/...,
// described by the OpenAPI 3 document at /api/openapi.json), and the
// public list of published evaluations (/published, /published/{slug}).
//
// # The flow
//
// A provider uploads participants.csv; the file is type-checked by its
// content (not its name) and the submission checks
// (internal/linkage/submission) run at once, so the next page lists every
// problem by line, field and reason. A usable file is stored (apart, until
// linkage deletes it) and an evaluation job is queued; the submission page
// shows the job's stage and progress and refreshes itself while it runs.
// An analyst reviews the evaluation (counts, balance with |SMD| > 0.1
// flagged, headline estimates, the QA checklist, comments) and signs it
// off or requests changes; a publisher approves and publishes it, which
// renders the disclosure-controlled report (internal/report) and stores it
// at a stable public URL.
//
// # Security
//
// Authentication is by session cookie (browsers) or bearer API token
// (scripts). The session cookie is HttpOnly, SameSite=Lax, Secure (it can
// be turned off only for plain http on loopback, where browsers would not
// send it otherwise) and __Host- prefixed over TLS; the store keeps only
// the SHA-256 of session and API tokens. Every state-changing request made
// with a session must carry the session's synchroniser token, in the form
// field csrf_token or the X-CSRF-Token header (OWASP CSRF Prevention Cheat
// Sheet); requests with an API token need none, since browsers never add
// an Authorization header by themselves. The sign-in form, which has no
// session yet, is guarded against login CSRF by the Origin and
// Sec-Fetch-Site headers.
//
// Sign-in is rate-limited with token buckets (Turner 1986), per account
// (5 a minute, burst 10) and per client address (four times that). The
// buckets live in memory: a restart empties them and several server
// processes would each keep their own, which suits one lab server; the
// store's login-attempt records are the durable trail.
//
// Authorisation is in one place: each route names the roles that may use
// it, and every read of organisation data passes the acting user's scope
// (store.ScopeOf) to the store, so a provider's queries cannot return
// another organisation's rows. Such a row answers 404, exactly like a
// missing one, so ids cannot be probed.
//
// Pages send a Content-Security-Policy of default-src 'self' with no
// inline script and frame-ancestors 'none'; reports (self-contained HTML
// with inline CSS and SVG, no script) are served with a policy that
// admits inline styles and nothing else. CSV downloads escape cells that a
// spreadsheet would run as formulas (OWASP CSV Injection).
//
// The participants file holds direct identifiers: it is never logged,
// never echoed back (check reasons never quote identifier values), and a
// refused file's copy is deleted at once.
//
// # Errors
//
// Handlers return errors; one wrapper per surface renders them (an error
// page or a JSON error body), and kinds map to HTTP status in one place
// (errors.go, status), store error kinds included.
package server
