// Package service wires the lab's web service together for `datalab
// serve`: it opens the store (SQLite file or PostgreSQL URL), the spine's
// timeline index, the background job runner and the HTTP server, and runs
// them until the context ends, then shuts down in order (HTTP first, so no
// new job is queued; then the runner, whose running jobs are left to be
// recovered on the next start).
package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/employment-data-lab/datalab/internal/jobs"
	"github.com/employment-data-lab/datalab/internal/labdemo"
	"github.com/employment-data-lab/datalab/internal/pipeline"
	"github.com/employment-data-lab/datalab/internal/server"
	"github.com/employment-data-lab/datalab/internal/store"
)

// Options are `datalab serve`'s settings.
type Options struct {
	Addr string // listen address (default 127.0.0.1:8080)
	DB   string // store: a SQLite file or a postgres:// URL (default DataDir/lab.db)
	// DataDir holds the SQLite store and the jobs' private work folders.
	DataDir string
	// Spine is an imported spine database (datalab spine import); without
	// one, uploads are checked and queued but no job runs.
	Spine string
	// TLSCert and TLSKey serve https; cookies then take the __Host- prefix.
	TLSCert, TLSKey string
	// InsecureCookies drops the cookies' Secure attribute so sign-in works
	// over plain http on loopback. It is refused on any other address.
	InsecureCookies bool
	// AllowRemote permits a non-loopback address without TLS (behind a
	// TLS-terminating proxy).
	AllowRemote bool
	// Demo seeds a synthetic world, demo organisations and accounts and a
	// published example report (internal/labdemo) and prints the
	// accounts. On plain http on loopback it also drops the cookies'
	// Secure attribute, as InsecureCookies does, so any browser can sign in.
	Demo bool
	// KeyFile is the lab's secret differencing key (at least 32 bytes);
	// empty: DataDir/lab.key, generated at the first start (DigestKey).
	KeyFile   string
	MaxUpload int64
	Workers   int
	Log       *slog.Logger
	Stdout    io.Writer
	// Ready, if set, receives the server's base URL once it listens.
	Ready func(url string)
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Run serves until ctx is done.
func Run(ctx context.Context, o Options) error {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:8080"
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.DataDir == "" {
		o.DataDir = "datalab-data"
	}
	tls := o.TLSCert != "" || o.TLSKey != ""
	if tls && (o.TLSCert == "" || o.TLSKey == "") {
		return errors.New("serve: give both --tls-cert and --tls-key")
	}
	loop := isLoopback(o.Addr)
	if !loop && !tls && !o.AllowRemote {
		return fmt.Errorf("serve: %s is not a loopback address and no TLS certificate was given; passwords and session cookies would cross the network in clear. Give --tls-cert and --tls-key, or --allow-remote if a TLS-terminating proxy is in front", o.Addr)
	}
	if o.InsecureCookies && !loop {
		return fmt.Errorf("serve: --insecure-cookies is only allowed on a loopback address, not %s", o.Addr)
	}
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return fmt.Errorf("serve: creating the data folder %s: %w", o.DataDir, err)
	}
	if o.DB == "" {
		o.DB = filepath.Join(o.DataDir, "lab.db")
	}
	db, err := store.Open(ctx, o.DB)
	if err != nil {
		return fmt.Errorf("serve: opening the store: %w", err)
	}
	defer db.Close()

	// The differencing guard's key: every evaluation job stores its
	// cohort's keyed digests under it, and publication compares them with
	// the organisation's published cohorts (store.Publish).
	key, err := DigestKey(o.DataDir, o.KeyFile, nil)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}

	render := jobs.Render(jobs.RenderReport)
	runner := &jobs.Runner{Queue: db, Kinds: []string{jobs.KindEvaluation}, Workers: o.Workers, Log: o.Log.With("component", "jobs")}
	var sp *pipeline.Spine
	if o.Demo {
		if o.Spine != "" {
			return errors.New("serve: --demo builds its own spine; leave out --spine")
		}
		fmt.Fprintf(o.Stdout, "Seeding the demo lab in %s (a synthetic world, its spine, two provider organisations, a published report; about a minute the first time)...\n", o.DataDir)
		res, err := labdemo.Seed(ctx, labdemo.Options{DataDir: o.DataDir, Store: db, Render: render, DigestKey: key, Log: o.Log.With("component", "demo")})
		if err != nil {
			return fmt.Errorf("serve --demo: %w", err)
		}
		sp = res.Spine
		printDemo(o.Stdout, res)
		if loop && !tls && !o.InsecureCookies {
			o.InsecureCookies = true
			fmt.Fprintln(o.Stdout, "Demo on plain http: cookies are sent without the Secure attribute (loopback only).")
		}
	} else if o.Spine != "" {
		if sp, err = pipeline.OpenSpine(ctx, o.Spine, o.Log); err != nil {
			return fmt.Errorf("serve: %w", err)
		}
	}
	if sp != nil {
		work := &jobs.Evaluations{Records: db, Spine: sp, Dir: filepath.Join(o.DataDir, "jobs"), Render: render,
			DigestKey: key, Jobs: db, Log: o.Log.With("component", "evaluation")}
		runner.Work = work.Run
	} else {
		o.Log.Warn("no --spine given: uploads are checked and queued, but no evaluation runs until the server is started with a spine")
	}

	srv, err := server.New(server.Config{
		Store:  db,
		Render: server.Render(render),
		Enqueue: func(org, sub int64, programme string) (store.NewJob, error) {
			return jobs.NewEvaluationJob(org, sub, jobs.EvaluationParams{Programme: programme})
		},
		Notify:        runner.Notify,
		Log:           o.Log,
		MaxUpload:     o.MaxUpload,
		SecureCookies: !o.InsecureCookies,
		AuditQueue:    4096,
		TLS:           tls,
	})
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // a 20 MB upload on a slow line
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(o.Log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("serve: listening on %s: %w", o.Addr, err)
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	url := scheme + "://" + ln.Addr().String()
	fmt.Fprintf(o.Stdout, "Employment Data Lab serving at %s (store: %s)\n", url, db.Backend())

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	if runner.Work != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := runner.Run(runCtx); err != nil && !errors.Is(err, context.Canceled) {
				errc <- fmt.Errorf("serve: job runner: %w", err)
			}
		}()
	}
	go func() {
		var err error
		if tls {
			err = hs.ServeTLS(ln, o.TLSCert, o.TLSKey)
		} else {
			err = hs.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("serve: %w", err)
		}
	}()
	if o.Ready != nil {
		o.Ready(url)
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	o.Log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutCtx); err != nil && runErr == nil {
		runErr = fmt.Errorf("serve: shutting down HTTP: %w", err)
	}
	if err := srv.Close(shutCtx); err != nil && runErr == nil {
		runErr = fmt.Errorf("serve: writing the queued audit rows: %w", err)
	}
	stop()
	wg.Wait()
	return runErr
}

func printDemo(w io.Writer, res *labdemo.Result) {
	fmt.Fprintln(w, "Demo accounts (passwords are new at every start):")
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "  role\temail\tpassword\torganisation")
	for _, a := range res.Accounts {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", a.Role, a.Email, a.Password, a.Organisation)
	}
	tw.Flush()
	if res.Published.Slug != "" {
		fmt.Fprintf(w, "Published example report: /published/%s\n", res.Published.Slug)
	}
}

// RedactDSN hides the password of a postgres:// URL, for messages.
func RedactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// CreateUser is `datalab admin create-user`: it opens the store and adds
// an account, creating the organisation by name if it does not exist.
func CreateUser(ctx context.Context, dsn, email, name, role, org, password string, now time.Time) (store.User, *store.Organisation, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return store.User{}, nil, fmt.Errorf("opening the store %s: %w", RedactDSN(dsn), err)
	}
	defer db.Close()
	r, err := store.ParseRole(role)
	if err != nil {
		return store.User{}, nil, err
	}
	var o *store.Organisation
	if org != "" {
		orgs, err := db.Organisations(ctx, store.AllOrgs())
		if err != nil {
			return store.User{}, nil, err
		}
		for i := range orgs {
			if orgs[i].Name == org {
				o = &orgs[i]
			}
		}
		if o == nil {
			created, err := db.CreateOrganisation(ctx, nil, org, now)
			if err != nil {
				return store.User{}, nil, fmt.Errorf("creating organisation %q: %w", org, err)
			}
			o = &created
		}
	}
	var orgID *int64
	if o != nil {
		orgID = &o.ID
	}
	u, err := db.CreateUser(ctx, nil, store.NewUser{Email: email, Name: name, Role: r, OrgID: orgID, Password: password}, now)
	if err != nil {
		return store.User{}, nil, fmt.Errorf("creating user %s: %w", email, err)
	}
	return u, o, nil
}
