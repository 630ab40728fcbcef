package labdemo

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/employment-data-lab/datalab/internal/disclosure"
	"github.com/employment-data-lab/datalab/internal/evaluation"
	"github.com/employment-data-lab/datalab/internal/jobs"
	"github.com/employment-data-lab/datalab/internal/linkage/submission"
	"github.com/employment-data-lab/datalab/internal/pipeline"
	"github.com/employment-data-lab/datalab/internal/spine"
	"github.com/employment-data-lab/datalab/internal/store"
	"github.com/employment-data-lab/datalab/internal/synth"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// DefaultPeople is the demo world's size. The health_works programme takes
// about 0.4% of the population, so 30,000 people give it some 170 noisy
// submission rows: enough to clear the minimum cohort of 100 after
// linkage, while the whole seed stays well under a minute on 2 cores.
const DefaultPeople = 30000

// Options configure Seed.
type Options struct {
	// DataDir holds the world (DataDir/world), the spine
	// (DataDir/spine.duckdb and its index) and the jobs' work folders
	// (DataDir/jobs). Required.
	DataDir string
	Store   *store.DB
	// People and Seed size and fix the synthetic world (defaults
	// DefaultPeople and 1). An existing world in DataDir is reused as it is.
	People int
	Seed   uint64
	// MinCohort is the smallest linked cohort evaluated (default 100, the
	// lab's rule); tests on a tiny world lower it.
	MinCohort int
	// DigestKey is the lab's secret differencing key (at least
	// disclosure.MinKeyBytes; the web service's, service.DigestKey). The
	// demo's evaluation jobs store their cohorts' keyed digests under it,
	// and the demo report is published through the differencing guard
	// like any other (store.Publish). Required.
	DigestKey []byte
	// Render renders a report for publication (default
	// jobs.RenderReport).
	Render jobs.Render
	// Random is the source of the generated passwords (default
	// crypto/rand).
	Random io.Reader
	Now    func() time.Time
	Log    *slog.Logger
}

// Account is a demo login.
type Account struct {
	Role         store.Role
	Email        string
	Name         string
	Organisation string // providers only
	// Password is newly generated at every Seed.
	Password string
}

// Result is the seeded lab.
type Result struct {
	// Spine is the opened spine and index: hand it to the server's job
	// runner (jobs.Evaluations.Spine) so it is not opened twice.
	Spine         *pipeline.Spine
	World         string // the synthetic world's folder (truth.json holds the true effects)
	Organisations []store.Organisation
	Accounts      []Account
	// Published is the published example report; AwaitingReview the
	// evaluation left for an analyst.
	Published      store.Report
	AwaitingReview store.Evaluation
}

// demoOrg is a demo provider and the synthetic programme it submits.
type demoOrg struct {
	Name, Domain, Contact string
	Programme, Title      string
	// Publish takes the evaluation through review to a published report;
	// otherwise it is left awaiting review.
	Publish bool
}

var demoOrgs = []demoOrg{
	{Name: "Jobsearch Plus Ltd", Domain: "jobsearch-plus.example", Contact: "Jo Provider", Programme: "jobsearch_plus",
		Title: "Jobsearch Plus: intensive job-search support", Publish: true},
	{Name: "Health Works CIC", Domain: "health-works.example", Contact: "Sam Provider", Programme: "health_works",
		Title: "Health Works: work-focused health support"},
}

// Staff accounts (at the lab.example domain, reserved by RFC 2606).
var demoStaff = []Account{
	{Role: store.RoleAdmin, Email: "admin@lab.example", Name: "Alex Admin"},
	{Role: store.RoleAnalyst, Email: "analyst@lab.example", Name: "Ana Analyst"},
	{Role: store.RolePublisher, Email: "publisher@lab.example", Name: "Pat Publisher"},
}

// seeder carries one Seed's settings.
type seeder struct {
	Options
	sp    *pipeline.Spine
	users map[string]store.User // by email
}

// Seed prepares the demo lab (see the package documentation) and returns
// its accounts, with passwords, for the caller to print.
func Seed(ctx context.Context, opt Options) (*Result, error) {
	if opt.DataDir == "" || opt.Store == nil {
		return nil, errors.New("labdemo: Seed needs a data folder and a store")
	}
	if len(opt.DigestKey) < disclosure.MinKeyBytes {
		return nil, fmt.Errorf("labdemo: Seed needs the lab's differencing key (at least %d bytes; service.DigestKey makes one), got %d bytes", disclosure.MinKeyBytes, len(opt.DigestKey))
	}
	if opt.People == 0 {
		opt.People = DefaultPeople
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	if opt.Render == nil {
		opt.Render = jobs.RenderReport
	}
	if opt.Random == nil {
		opt.Random = rand.Reader
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	s := &seeder{Options: opt, users: map[string]store.User{}}
	t0 := time.Now()
	res := &Result{World: filepath.Join(opt.DataDir, "world")}
	if err := s.world(ctx, res.World); err != nil {
		return nil, err
	}
	var err error
	if s.sp, err = s.spine(ctx, res.World); err != nil {
		return nil, err
	}
	res.Spine = s.sp
	if res.Accounts, res.Organisations, err = s.accounts(ctx); err != nil {
		return nil, err
	}
	evs, err := s.evaluations(ctx, res.Organisations)
	if err != nil {
		return nil, err
	}
	for i, o := range demoOrgs {
		if !o.Publish {
			res.AwaitingReview = evs[i]
			continue
		}
		if res.Published, err = s.publish(ctx, evs[i], o); err != nil {
			return nil, err
		}
	}
	s.Log.Info("demo lab ready", "seconds", fmt.Sprintf("%.1f", time.Since(t0).Seconds()),
		"published", "/published/"+res.Published.Slug, "awaiting_review", res.AwaitingReview.ID)
	return res, nil
}

// world generates the synthetic world unless a complete one (truth.json
// is written last) is there.
func (s *seeder) world(ctx context.Context, dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "truth.json")); err == nil {
		s.Log.Info("demo world found: reusing it", "dir", dir)
		return nil
	}
	cfg := synth.DefaultConfig()
	cfg.People, cfg.Seed, cfg.Overwrite = s.People, s.Seed, true
	s.Log.Info("generating the demo's synthetic world", "people", cfg.People, "seed", cfg.Seed, "dir", dir)
	if _, err := synth.Write(ctx, dir, cfg, nil); err != nil {
		return fmt.Errorf("labdemo: generating the synthetic world: %w", err)
	}
	return nil
}

// spine imports the world's spine (unless already imported) and opens its
// timeline index.
func (s *seeder) spine(ctx context.Context, world string) (*pipeline.Spine, error) {
	db := filepath.Join(s.DataDir, "spine.duckdb")
	if _, err := spine.ReadMeta(ctx, db); err != nil {
		s.Log.Info("importing the demo spine", "db", db)
		if _, err := spine.Import(ctx, filepath.Join(world, "spine"), db, spine.ImportOptions{}); err != nil {
			return nil, fmt.Errorf("labdemo: importing the demo spine: %w", err)
		}
	}
	return pipeline.OpenSpine(ctx, db, s.Log)
}

// accounts creates (or finds) the organisations and every role's account,
// and sets a new generated password on each.
func (s *seeder) accounts(ctx context.Context) ([]Account, []store.Organisation, error) {
	existing, err := s.Store.Organisations(ctx, store.AllOrgs())
	if err != nil {
		return nil, nil, fmt.Errorf("labdemo: %w", err)
	}
	var orgs []store.Organisation
	accounts := append([]Account(nil), demoStaff...)
	for _, d := range demoOrgs {
		o, ok := findOrg(existing, d.Name)
		if !ok {
			if o, err = s.Store.CreateOrganisation(ctx, nil, d.Name, s.Now()); err != nil {
				return nil, nil, fmt.Errorf("labdemo: %w", err)
			}
		}
		orgs = append(orgs, o)
		accounts = append(accounts, Account{Role: store.RoleProvider, Email: "provider@" + d.Domain, Name: d.Contact, Organisation: d.Name})
	}
	for i := range accounts {
		a := &accounts[i]
		var org *int64
		if a.Organisation != "" {
			o, _ := findOrg(orgs, a.Organisation)
			org = &o.ID
		}
		if a.Password, err = password(s.Random); err != nil {
			return nil, nil, err
		}
		u, err := s.Store.UserByEmail(ctx, a.Email)
		switch {
		case errors.Is(err, store.ErrNotFound):
			u, err = s.Store.CreateUser(ctx, nil, store.NewUser{Email: a.Email, Name: a.Name, Role: a.Role, OrgID: org, Password: a.Password}, s.Now())
		case err == nil:
			if u.Role != a.Role {
				return nil, nil, fmt.Errorf("labdemo: the store already has %s as %s, not %s: use a fresh store for the demo", a.Email, u.Role, a.Role)
			}
			err = s.Store.SetPassword(ctx, nil, u.ID, a.Password, s.Now())
		}
		if err != nil {
			return nil, nil, fmt.Errorf("labdemo: demo account %s: %w", a.Email, err)
		}
		s.users[a.Email] = u
	}
	return accounts, orgs, nil
}

func findOrg(orgs []store.Organisation, name string) (store.Organisation, bool) {
	for _, o := range orgs {
		if o.Name == name {
			return o, true
		}
	}
	return store.Organisation{}, false
}

// passwordAlphabet leaves out look-alikes (0/o, 1/l/i).
const passwordAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// password returns a fresh password of four groups of five characters
// (about 99 bits), e.g. "k7mqa-..." (generated; never a fixed one).
func password(random io.Reader) (string, error) {
	var b [20]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		return "", fmt.Errorf("labdemo: generating a password: %w", err)
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%5 == 0 {
			sb.WriteByte('-')
		}
		// 256 mod 31 = 8: the first 8 letters are very slightly more
		// likely; about 0.1 bit lost over 20 characters.
		sb.WriteByte(passwordAlphabet[int(c)%len(passwordAlphabet)])
	}
	return sb.String(), nil
}

// evaluations returns each demo organisation's evaluation, uploading and
// evaluating its submission (through the job runner) where there is none
// yet.
func (s *seeder) evaluations(ctx context.Context, orgs []store.Organisation) ([]store.Evaluation, error) {
	out := make([]store.Evaluation, len(demoOrgs))
	var pending []int64 // jobs to run
	for i, d := range demoOrgs {
		org := orgs[i]
		evs, err := s.Store.Evaluations(ctx, store.OrgScope(org.ID), store.EvaluationFilter{})
		if err != nil {
			return nil, fmt.Errorf("labdemo: %w", err)
		}
		if len(evs) > 0 {
			out[i] = evs[0]
			continue
		}
		id, err := s.submit(ctx, org, d)
		if err != nil {
			return nil, err
		}
		pending = append(pending, id)
	}
	if len(pending) == 0 {
		return out, nil
	}
	if err := s.run(ctx, pending); err != nil {
		return nil, err
	}
	for i, org := range orgs {
		if out[i].ID != 0 {
			continue
		}
		evs, err := s.Store.Evaluations(ctx, store.OrgScope(org.ID), store.EvaluationFilter{})
		if err != nil {
			return nil, fmt.Errorf("labdemo: %w", err)
		}
		if len(evs) == 0 {
			return nil, fmt.Errorf("labdemo: %s's evaluation job ended without an evaluation", org.Name)
		}
		out[i] = evs[0]
	}
	return out, nil
}

// submit returns the job evaluating org's demo submission: one already
// queued or running (a start interrupted while it ran), or a new upload
// of the programme's noisy participants file, checked and queued.
func (s *seeder) submit(ctx context.Context, org store.Organisation, d demoOrg) (int64, error) {
	subs, err := s.Store.Submissions(ctx, store.OrgScope(org.ID))
	if err != nil {
		return 0, fmt.Errorf("labdemo: %w", err)
	}
	for _, sub := range subs {
		js, err := s.Store.Jobs(ctx, store.AllOrgs(), store.JobFilter{SubmissionID: &sub.ID, States: []store.JobState{store.JobQueued, store.JobRunning}})
		if err != nil {
			return 0, fmt.Errorf("labdemo: %w", err)
		}
		if len(js) > 0 {
			return js[0].ID, nil
		}
	}
	path := filepath.Join(s.DataDir, "world", "programmes", d.Programme, "participants_noisy.csv")
	content, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("labdemo: the demo world has no %s submission: %w", d.Programme, err)
	}
	uploader := s.users["provider@"+d.Domain]
	sub, err := s.Store.CreateSubmission(ctx, uploader, store.NewSubmission{OrgID: org.ID, FileName: "participants.csv", Content: content}, s.Now())
	if err != nil {
		return 0, fmt.Errorf("labdemo: uploading %s's participants: %w", org.Name, err)
	}
	// The submission checks, as an upload's (their report holds no
	// identifier: issues name rows and columns only).
	win := s.sp.Index.Window()
	checked, rerr := submission.Read(bytes.NewReader(content), "participants.csv", submission.Options{Coverage: &timeline.Interval{Start: win.Start, End: win.End}})
	report, err := json.Marshal(checked.Report)
	if err != nil {
		return 0, fmt.Errorf("labdemo: %w", err)
	}
	if _, err := s.Store.RecordChecks(ctx, sub.ID, rerr == nil, report, s.Now()); err != nil {
		return 0, fmt.Errorf("labdemo: %w", err)
	}
	if rerr != nil {
		return 0, fmt.Errorf("labdemo: %s's demo submission failed its checks: %w", org.Name, rerr)
	}
	nj, err := jobs.NewEvaluationJob(org.ID, sub.ID, jobs.EvaluationParams{Programme: d.Title, Seed: 1})
	if err != nil {
		return 0, err
	}
	j, err := s.Store.EnqueueJob(ctx, &uploader, nj, s.Now())
	if err != nil {
		return 0, fmt.Errorf("labdemo: queueing %s's evaluation: %w", org.Name, err)
	}
	s.Log.Info("demo submission uploaded and queued", "organisation", org.Name, "submission", sub.ID, "job", j.ID)
	return j.ID, nil
}

// run runs the job runner until the given jobs have ended, and checks
// they succeeded.
func (s *seeder) run(ctx context.Context, ids []int64) error {
	work := &jobs.Evaluations{Records: s.Store, Spine: s.sp, Dir: filepath.Join(s.DataDir, "jobs"), Render: s.Render,
		MinCohort: s.MinCohort, Spec: evaluation.Spec{}, DigestKey: s.DigestKey, Jobs: s.Store, Now: s.Now, Log: s.Log}
	rctx, stop := context.WithCancel(ctx)
	r := &jobs.Runner{Queue: s.Store, Work: work.Run, Kinds: []string{jobs.KindEvaluation}, Name: "demo-seed",
		Poll: 100 * time.Millisecond, Now: s.Now, Log: s.Log}
	done := make(chan error, 1)
	go func() { done <- r.Run(rctx) }()
	defer func() {
		stop()
		<-done
	}()
	for _, id := range ids {
		for {
			j, err := s.Store.Job(ctx, store.AllOrgs(), id)
			if err != nil {
				return fmt.Errorf("labdemo: %w", err)
			}
			if j.State.Terminal() {
				if j.State != store.JobSucceeded {
					return fmt.Errorf("labdemo: demo evaluation job %d %s: %s", id, j.State, j.Error)
				}
				break
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case err := <-done:
				return fmt.Errorf("labdemo: the job runner stopped: %v", err)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

// publish takes the evaluation on through review to a published report:
// the analyst ticks the QA checklist and signs it off, the publisher (a
// different person) approves it, and it is published with its
// disclosure-controlled report.
func (s *seeder) publish(ctx context.Context, ev store.Evaluation, d demoOrg) (store.Report, error) {
	analyst, publisher := s.users["analyst@lab.example"], s.users["publisher@lab.example"]
	step := func(what string, err error) error {
		if err != nil {
			return fmt.Errorf("labdemo: %s the demo evaluation %d: %w", what, ev.ID, err)
		}
		return nil
	}
	if ev.Status == store.EvaluationAwaitingReview {
		items, err := s.Store.QA(ctx, store.AllOrgs(), ev.ID)
		if err := step("reading the QA checklist of", err); err != nil {
			return store.Report{}, err
		}
		for _, it := range items {
			if it.Ticked {
				continue
			}
			_, err := s.Store.TickQA(ctx, analyst, ev.ID, it.Key, true, "checked for the demo", s.Now())
			if err := step("ticking QA of", err); err != nil {
				return store.Report{}, err
			}
		}
		ev, err = s.Store.Decide(ctx, analyst, ev.ID, store.EvaluationReviewed, "QA complete: balance, estimates and disclosure checked", s.Now())
		if err := step("signing off", err); err != nil {
			return store.Report{}, err
		}
	}
	if ev.Status == store.EvaluationReviewed {
		var err error
		ev, err = s.Store.Decide(ctx, publisher, ev.ID, store.EvaluationApproved, "approved for publication", s.Now())
		if err := step("approving", err); err != nil {
			return store.Report{}, err
		}
	}
	if ev.Status == store.EvaluationApproved {
		full, err := s.Store.Evaluation(ctx, store.AllOrgs(), ev.ID)
		if err := step("reading", err); err != nil {
			return store.Report{}, err
		}
		html, err := s.Render(ctx, full.Result)
		if err := step("rendering the report of", err); err != nil {
			return store.Report{}, err
		}
		_, err = s.Store.Publish(ctx, publisher, ev.ID, store.Publication{Slug: "demo-" + strings.ReplaceAll(d.Programme, "_", "-"), Title: d.Title, HTML: html}, s.Now())
		if err := step("publishing", err); err != nil {
			return store.Report{}, err
		}
	}
	reports, err := s.Store.Reports(ctx)
	if err != nil {
		return store.Report{}, fmt.Errorf("labdemo: %w", err)
	}
	for _, r := range reports {
		if r.EvaluationID == ev.ID {
			return r, nil
		}
	}
	return store.Report{}, fmt.Errorf("labdemo: the demo evaluation %d is %s, not published; use a fresh store for the demo", ev.ID, ev.Status)
}
