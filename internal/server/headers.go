package server

import (
	"net/http"
	"strings"
)

// Content-Security-Policy values. Pages load only the lab's own CSS and
// images and run no script at all (the core flow works without
// JavaScript). Published reports are self-contained HTML with inline CSS
// and SVG charts and no script, so their policy admits inline styles and
// data: images but still no script.
const (
	cspPages  = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	cspReport = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	cspAPI    = "default-src 'none'; frame-ancestors 'none'"
)

// securityHeaders sets the headers every response carries; handlers that
// serve a report override Content-Security-Policy with cspReport.
func securityHeaders(next http.Handler, tls bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if strings.HasPrefix(r.URL.Path, "/api/") {
			h.Set("Content-Security-Policy", cspAPI)
		} else {
			h.Set("Content-Security-Policy", cspPages)
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if tls {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}
