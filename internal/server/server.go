package server

import (
	"context"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/employment-data-lab/datalab/internal/linkage/submission"
	"github.com/employment-data-lab/datalab/web"
)

// Config holds the server's dependencies and settings.
type Config struct {
	Store Store
	// Render renders a report (at publication, and the draft a provider
	// or analyst views); required.
	Render Render
	// Enqueue builds an evaluation job (jobs.NewEvaluationJob); required.
	Enqueue Enqueue
	// Notify, if set, is called after a job is queued (jobs.Runner.Notify)
	// so an idle worker claims it at once.
	Notify func()
	Log    *slog.Logger
	Now    func() time.Time // the clock (default time.Now)

	// MaxUpload is the largest participants file accepted, in bytes
	// (default 20 MB).
	MaxUpload int64
	// Check configures the submission checks (the spine's coverage).
	Check submission.Options

	// SecureCookies sets the Secure attribute on cookies. Turn it off only
	// for plain http on loopback: browsers do not send Secure cookies over
	// http (except to localhost, and not all of them), so sign-in would
	// fail.
	SecureCookies bool
	// TLS says the server is reached over https: cookies then take the
	// __Host- prefix (Secure, Path=/, no Domain: a sibling subdomain cannot
	// set or overwrite them) and Strict-Transport-Security is sent.
	TLS bool
	// SessionTTL is how long a session lasts (default 8 hours).
	SessionTTL time.Duration
	// AuditQueue, when above 0, writes the server's own audit rows
	// (sign-ins, views, downloads) from a queue of this length off the
	// request path (see auditWriter); 0 writes each within its request.
	// Call Close at shutdown to write what is queued.
	AuditQueue int
	// LoginPerMinute and LoginBurst set the sign-in rate limit, applied
	// per account and per client IP (default 5 a minute, burst 10).
	LoginPerMinute float64
	LoginBurst     int
}

// Server is the lab's web service: pages and the JSON API.
type Server struct {
	cfg       Config
	store     Store
	log       *slog.Logger
	now       func() time.Time
	pages     map[string]*template.Template
	styled    bool
	mux       *http.ServeMux
	handler   http.Handler
	loginUser *limiter
	loginIP   *limiter
	routes    []route
	auditQ    *auditWriter
}

// route is one registered pattern, kept for the OpenAPI coverage check.
type route struct {
	Method, Path string
}

// New builds a server from cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("server: Config.Store is required")
	}
	if cfg.Render == nil || cfg.Enqueue == nil {
		return nil, errors.New("server: Config.Render and Config.Enqueue are required")
	}
	if cfg.Notify == nil {
		cfg.Notify = func() {}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = 20 << 20
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 8 * time.Hour
	}
	if cfg.LoginPerMinute <= 0 {
		cfg.LoginPerMinute = 5
	}
	if cfg.LoginBurst <= 0 {
		cfg.LoginBurst = 10
	}
	s := &Server{
		cfg:       cfg,
		store:     cfg.Store,
		log:       cfg.Log,
		now:       cfg.Now,
		styled:    web.HasGOVUKFrontend(),
		loginUser: newLimiter(cfg.LoginPerMinute, cfg.LoginBurst, cfg.Now),
		loginIP:   newLimiter(cfg.LoginPerMinute*4, cfg.LoginBurst*4, cfg.Now),
	}
	if !s.styled {
		s.log.Warn("GOV.UK Frontend is not embedded (run make assets before building); pages will be served unstyled")
	}
	var err error
	if s.pages, err = parsePages(web.Templates()); err != nil {
		return nil, err
	}
	if cfg.AuditQueue > 0 {
		s.auditQ = newAuditWriter(cfg.Store, cfg.AuditQueue, s.log.Error)
	}
	s.mux = http.NewServeMux()
	s.registerRoutes()
	s.handler = securityHeaders(s.mux, cfg.TLS)
	return s, nil
}

// Close writes any queued audit rows (Config.AuditQueue) and stops the
// writer; call it after the HTTP server has shut down.
func (s *Server) Close(ctx context.Context) error {
	if s.auditQ == nil {
		return nil
	}
	return s.auditQ.close(ctx)
}

// ServeHTTP serves pages, assets and the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Routes lists the registered method and path patterns.
func (s *Server) Routes() []route { return append([]route(nil), s.routes...) }

// handle registers h for pattern ("GET /path/{id}").
func (s *Server) handle(method, path string, h http.Handler) {
	s.routes = append(s.routes, route{method, path})
	s.mux.Handle(method+" "+path, h)
}

func (s *Server) registerStatic() {
	static := web.Static()
	assets, _ := fs.Sub(static, "govuk/assets")
	longCache := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/") { // no directory listings
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			h.ServeHTTP(w, r)
		})
	}
	s.mux.HandleFunc("GET /static/app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Write(web.AppJS())
	})
	s.mux.Handle("GET /static/", longCache(http.StripPrefix("/static/", http.FileServerFS(static))))
	s.mux.Handle("GET /assets/", longCache(http.StripPrefix("/assets/", http.FileServerFS(assets))))
}
