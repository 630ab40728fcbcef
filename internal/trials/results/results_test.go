package results

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/evidence"
	"github.com/employment-data-lab/datalab/internal/linkage"
	"github.com/employment-data-lab/datalab/internal/pipeline"
	"github.com/employment-data-lab/datalab/internal/spine"
	"github.com/employment-data-lab/datalab/internal/spine/index"
	"github.com/employment-data-lab/datalab/internal/store"
	"github.com/employment-data-lab/datalab/internal/synth"
	"github.com/employment-data-lab/datalab/internal/trials/analysis"
	"github.com/employment-data-lab/datalab/internal/trials/followup"
	"github.com/employment-data-lab/datalab/internal/trials/plan"
	"github.com/employment-data-lab/datalab/internal/trials/randomise"
)

// world is a synthetic world of 30,000 people (seed 7) imported into
// DuckDB, shared by the tests. Its jobsearch_plus participants (about 500,
// every one of whom joined the programme) are the trial's participants:
// randomising them between two arms that the spine cannot tell apart
// makes the true ITT effect exactly zero, and a known effect added to
// one arm's outcomes is then the truth.
type world struct{ dir, db, participants string }

var sharedWorld = sync.OnceValues(func() (world, error) {
	dir, err := os.MkdirTemp("", "datalab-trial-*")
	if err != nil {
		return world{}, err
	}
	ctx := context.Background()
	cfg := synth.DefaultConfig()
	cfg.People, cfg.Seed, cfg.Noise = 30000, 7, false
	if _, err := synth.Write(ctx, dir, cfg, nil); err != nil {
		return world{}, err
	}
	db := filepath.Join(dir, "spine.duckdb")
	if _, err := spine.Import(ctx, filepath.Join(dir, "spine"), db, spine.ImportOptions{}); err != nil {
		return world{}, err
	}
	return world{dir: dir, db: db, participants: filepath.Join(dir, "programmes", "jobsearch_plus", "participants.csv")}, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if w, err := sharedWorld(); err == nil {
		os.RemoveAll(w.dir)
	}
	os.Exit(code)
}

func newWorld(t *testing.T) world {
	t.Helper()
	w, err := sharedWorld()
	if err != nil {
		t.Fatal(err)
	}
	return w
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

var siteDesign = randomise.Design{Arms: []string{"control", "treatment"}, Ratio: []int{1, 1}, BlockSizes: []int{4, 6},
	Factors: []randomise.Factor{{Name: "site", Levels: []string{"North", "Midlands", "South_and_East", "West_and_Nations"}}}}

// newTrial creates trial T1 with a fixed seed, enrols the world's
// jobsearch_plus participants stratified by site, and saves plan p.
func newTrial(t *testing.T, w world, p plan.Plan, lock bool) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "lab.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.CreateTrial(ctx, "T1", "Jobsearch plus trial", siteDesign, t0, bytes.NewReader(bytes.Repeat([]byte{7}, 64))); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(w.participants)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range recs[1:] {
		lv := map[string]string{"site": strings.ReplaceAll(r[7], " ", "_")}
		if _, err := db.Enrol(ctx, "T1", r[0], lv, t0.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	p.Trial = "T1"
	if _, err := db.SavePlan(ctx, p, t0); err != nil {
		t.Fatal(err)
	}
	if lock {
		if _, err := db.LockPlan(ctx, "T1", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func week(w int) *int { return &w }

func near(got, want, tol float64) bool {
	d := math.Abs(got - want)
	return d <= tol || d <= tol*math.Abs(want)
}

// The whole analysis on a trial whose true effect is zero: the log is
// verified, the plan hash and flow are recorded, the 95% CI covers 0, the
// published report holds only disclosure-controlled tables and the library
// gains an SMS 5 RCT; nothing written holds an identifier.
func TestAnalyseNullTrial(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	p := plan.Plan{PrimaryOutcome: "employed", HorizonWeek: week(52), Covariates: []string{"age", "weeks_employed_104", "site"},
		Subgroups: []string{"sex"}, MDE: 0.1}
	db := newTrial(t, w, p, true)
	out := t.TempDir()
	lib := evidence.NewMemory()
	res, err := Analyse(ctx, db, Config{Trial: "T1", Participants: w.participants, Spine: w.db, Identities: identities(w.db),
		Out: out, Library: lib, InterventionType: "job_search_support", Intervention: "Jobsearch plus", Now: func() time.Time { return t0.Add(48 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	doc := res.Document
	n := doc.Flow.Enrolled
	if n < 400 || doc.Flow.Allocated["control"]+doc.Flow.Allocated["treatment"] != n || doc.Flow.Analysed["control"] < 150 {
		t.Errorf("flow %+v", doc.Flow)
	}
	e := doc.Estimates[0]
	t.Logf("null trial: estimate %.4f (SE %.4f) [%.4f, %.4f], n %d/%d", *e.Estimate, *e.SE, *e.CILow, *e.CIHigh, e.NArm, e.NReference)
	if e.Subgroup != "" || *e.CILow > 0 || *e.CIHigh < 0 || e.VarianceEstimator != "HC2" || len(e.Covariates) != 5 {
		t.Errorf("primary %+v: want a 95%% CI covering the true effect 0 with 5 adjustment columns", e)
	}
	if len(doc.Estimates) != 3 || doc.Plan.Hash == "" || len(doc.Departures) != 0 || !doc.Log.Verified {
		t.Errorf("estimates %d, plan %+v, departures %v", len(doc.Estimates), doc.Plan, doc.Departures)
	}
	if doc.Evidence == nil || doc.Evidence.SMSLevel != 5 || doc.Evidence.Design != "rct" {
		t.Fatalf("evidence %+v", doc.Evidence)
	}
	s, err := lib.Study(ctx, doc.Evidence.StudyID)
	if err != nil || !strings.Contains(s.Citation, doc.Plan.Hash) || s.Source != evidence.SourceTrial || !near(*s.Estimate, 100**e.Estimate, 1e-9) {
		t.Errorf("study %+v, %v", s, err)
	}
	tr, _ := db.Trial(ctx, "T1")
	if tr.LinkedAt == nil || !tr.LinkedAt.Equal(t0.Add(48*time.Hour)) {
		t.Errorf("first link not recorded: %+v", tr.LinkedAt)
	}
	// A plan cannot be locked after outcomes were linked, and an analysis
	// finds a lock later than the first link (a store edited by hand).
	if _, err := db.LockPlan(ctx, "T1", t0.Add(72*time.Hour)); err == nil {
		t.Error("lock after linking accepted")
	}
	noIdentifiers(t, w, out)
	if res.HTMLPath != filepath.Join(out, "trial_report.html") {
		t.Errorf("HTML report at %q", res.HTMLPath)
	}
	page := checkTrialHTML(t, res.HTMLPath)
	if !strings.Contains(page, "None: the analysis was run exactly as the locked plan specified") || strings.Contains(page, "departs from its locked plan") {
		t.Error("the report of an analysis run as planned does not say so")
	}
	if !strings.Contains(page, doc.Plan.Hash) || !strings.Contains(page, "level 5 of the Maryland Scientific Methods Scale") {
		t.Error("the HTML report lacks the plan hash or the evidence standard")
	}

	var rep Report
	b, _ := os.ReadFile(filepath.Join(out, "trial_report.json"))
	if err := json.Unmarshal(b, &rep); err != nil || rep.Schema != ReportSchema || len(rep.Tables) != 3 || rep.Disclosure.Rules.Round != 5 {
		t.Errorf("trial_report.json: %v %+v", err, rep.Disclosure)
	}
	var raw struct {
		Tables []struct {
			ID   string
			Rows []struct{ Values []any }
		}
	}
	json.Unmarshal(b, &raw)
	for _, c := range raw.Tables[0].Rows[0].Values[1:] {
		if v, ok := c.(float64); ok && int(v)%5 != 0 {
			t.Errorf("published count %v is not rounded to 5", v)
		}
	}
}

// The departures rule end to end: an override without a reason is
// refused; with one it runs, is stored, and is in the JSON and summary.
func TestAnalyseDeparture(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	db := newTrial(t, w, plan.Plan{PrimaryOutcome: "employed", HorizonWeek: week(52), MDE: 0.1}, true)
	cfg := Config{Trial: "T1", Participants: w.participants, Spine: w.db, Identities: identities(w.db), Out: t.TempDir(),
		Overrides: Overrides{Horizon: week(26)}}
	if _, err := Analyse(ctx, db, cfg); err == nil || !strings.Contains(err.Error(), "--allow-departure") {
		t.Fatalf("departure without a reason: %v", err)
	}
	cfg.AllowDeparture = "week 26 asked for by the commissioner"
	res, err := Analyse(ctx, db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Document.Departures) != 1 || res.Document.Departures[0].Field != "horizon_week" || res.Document.DepartureReason != cfg.AllowDeparture {
		t.Errorf("departures %+v", res.Document.Departures)
	}
	if !strings.Contains(res.Summary, "DEPARTS FROM THE PLAN") || !strings.Contains(res.Summary, "planned 52, used 26") {
		t.Errorf("summary:\n%s", res.Summary)
	}
	page := checkTrialHTML(t, res.HTMLPath)
	for _, want := range []string{"This analysis departs from its locked plan.", cfg.AllowDeparture, "<th scope=\"row\">horizon_week</th><td>52</td><td>26</td>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the HTML report does not show the departure: %q missing", want)
		}
	}
	// The notice comes before the headline results.
	if strings.Index(page, "departs from its locked plan") > strings.Index(page, `<h2 id="results">`) {
		t.Error("the departure notice is not at the top of the report")
	}
	noIdentifiers(t, w, cfg.Out)
	ds, _ := db.Deviations(ctx, "T1")
	if len(ds) != 1 || ds[0].Reason != cfg.AllowDeparture {
		t.Errorf("stored deviations %+v", ds)
	}
}

func TestAnalyseRefusals(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	p := plan.Plan{PrimaryOutcome: "employed", HorizonWeek: week(52), MDE: 0.1}
	cfg := Config{Trial: "T1", Participants: w.participants, Spine: w.db, Identities: identities(w.db), Out: t.TempDir()}
	db := newTrial(t, w, p, false)
	if _, err := Analyse(ctx, db, cfg); err == nil || !strings.Contains(err.Error(), "not locked") {
		t.Errorf("unlocked plan: %v", err)
	}
	if _, err := db.LockPlan(ctx, "T1", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// A tampered log: an arm changed by hand.
	if _, err := db.ExecContext(ctx, `UPDATE trial_allocations SET arm = CASE arm WHEN 'control' THEN 'treatment' ELSE 'control' END WHERE trial_id = 'T1' AND position = 7`); err != nil {
		t.Fatal(err)
	}
	if _, err := Analyse(ctx, db, cfg); err == nil || !strings.Contains(err.Error(), "position 7") || !strings.Contains(err.Error(), "edited") {
		t.Errorf("tampered log: %v", err)
	}
	if tr, _ := db.Trial(ctx, "T1"); tr.LinkedAt != nil {
		t.Error("a refused analysis recorded an outcome link")
	}
}

// A known effect: follow the trial up, add to each treated participant's
// earnings in months 1–12 an effect of £800 + 0.25 × their prior
// earnings, and analyse. The truth is the mean of that effect over the
// analysed participants (randomisation makes the arms exchangeable); the
// 95% CI must cover it, and adding a constant to the treated shifts the
// estimate by exactly that constant (an invariant of the estimator).
func TestKnownEffectRecovered(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	p := plan.Plan{PrimaryOutcome: "earnings_months_1_12", Covariates: []string{"earnings_prior_12", "age", "site"}, MDE: 500}
	db := newTrial(t, w, p, true)
	_, locked, err := db.Plan(ctx, "T1")
	if err != nil {
		t.Fatal(err)
	}
	allocs, err := db.Allocations(ctx, "T1")
	if err != nil {
		t.Fatal(err)
	}
	ix, err := index.Open(ctx, w.db, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fu, err := followup.Follow(ctx, followup.Config{Participants: w.participants, Identities: identities(w.db), Index: ix,
		Out: t.TempDir(), Plan: locked.Plan, Design: siteDesign, Allocations: allocs})
	if err != nil {
		t.Fatal(err)
	}
	prior := -1
	for j, c := range fu.Columns {
		if c == "earnings_prior_12" {
			prior = j
		}
	}
	in := analysis.Input{Arms: siteDesign.Arms, Locked: locked, Used: locked.Plan, Columns: fu.Columns, Participants: fu.Participants}
	base, err := analysis.Analyse(in)
	if err != nil {
		t.Fatal(err)
	}
	var truth float64
	var n int
	shifted := make([]analysis.Participant, len(fu.Participants))
	for i, pt := range fu.Participants {
		shifted[i] = pt
		if !pt.Linked || !pt.OutcomeOK {
			continue
		}
		eff := 800 + 0.25*pt.Covariates[prior]
		truth += eff
		n++
		if pt.Arm == "treatment" {
			shifted[i].Outcome += eff
		}
	}
	truth /= float64(n)
	in.Participants = shifted
	got, err := analysis.Analyse(in)
	if err != nil {
		t.Fatal(err)
	}
	e := got.Primary[0].Effect
	t.Logf("known effect: truth %.1f, estimate %.1f (SE %.1f) [%.1f, %.1f], n %d", truth, e.Estimate, e.SE, e.CILow, e.CIHigh, e.N)
	if e.CILow > truth || e.CIHigh < truth {
		t.Errorf("effect %.1f [%.1f, %.1f], truth %.1f not covered", e.Estimate, e.CILow, e.CIHigh, truth)
	}
	// Adjusting for prior earnings (prognostic) narrows the interval
	// against the unadjusted difference in means.
	unadj := in
	unadj.Used.Covariates, unadj.Reason, unadj.Columns = nil, "unadjusted comparison", nil
	unadj.Participants = make([]analysis.Participant, len(shifted))
	for i, pt := range shifted {
		pt.Covariates = []float64{}
		unadj.Participants[i] = pt
	}
	u, err := analysis.Analyse(unadj)
	if err != nil {
		t.Fatal(err)
	}
	if ue := u.Primary[0].Effect; !(e.SE > 0 && e.SE < ue.SE) || ue.CILow > truth || ue.CIHigh < truth {
		t.Errorf("adjusted SE %.1f, unadjusted %.1f [%.1f, %.1f]: want adjustment to narrow the interval, both covering %.1f", e.SE, ue.SE, ue.CILow, ue.CIHigh, truth)
	}
	// Constant shift invariant, to rounding.
	for i := range shifted {
		shifted[i] = fu.Participants[i]
		if shifted[i].Arm == "treatment" {
			shifted[i].Outcome += 1000
		}
	}
	c, err := analysis.Analyse(in)
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Primary[0].Effect.Estimate - base.Primary[0].Effect.Estimate; !near(d, 1000, 1e-6) {
		t.Errorf("a constant 1000 added to the treated moved the estimate by %.9g", d)
	}
}

// checkTrialHTML reads trial_report.html and checks what every published
// page must hold: no external URL and no script, headings in order from
// one h1, captioned tables with scoped headers, a headline sentence with
// its interval, and no count below 10 (every number in a count cell is 0
// or at least 10, rounded to 5).
func checkTrialHTML(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := string(b)
	for _, bad := range []string{"http://", "https://", "<script", " src=", "@import", "url("} {
		if strings.Contains(h, bad) {
			t.Errorf("trial_report.html contains %q", bad)
		}
	}
	for _, m := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(h, -1) {
		if !strings.HasPrefix(m[1], "#") {
			t.Errorf("link to %q leaves the page", m[1])
		}
	}
	last := 0
	for _, m := range regexp.MustCompile(`<h([1-6])[ >]`).FindAllStringSubmatch(h, -1) {
		level, _ := strconv.Atoi(m[1])
		if level > last+1 {
			t.Errorf("heading h%d follows h%d", level, last)
		}
		last = level
	}
	if strings.Count(h, "<h1") != 1 || strings.Count(h, "<table") != strings.Count(h, "<caption") || strings.Contains(h, "<th>") {
		t.Error("want one h1, a caption on every table and a scope on every header cell")
	}
	if !strings.Contains(h, "confidence interval; best estimate") || !strings.Contains(h, "statistically significant") {
		t.Error("no headline sentence with its interval and significance")
	}
	counts := 0
	for _, m := range regexp.MustCompile(`<td class="num">([0-9][0-9,]*)</td>`).FindAllStringSubmatch(h, -1) {
		n, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
		counts++
		if (n > 0 && n < 10) || n%5 != 0 {
			t.Errorf("trial_report.html shows the count %d", n)
		}
	}
	if counts < 8 {
		t.Errorf("only %d counts in the HTML tables; the CONSORT flow is missing", counts)
	}
	return h
}

func identities(db string) linkage.IdentitySource { return pipeline.Identities(db) }

// noIdentifiers checks that no NINO or postcode of the
// participants file appears in any file written to out.
func noIdentifiers(t *testing.T, w world, out string) {
	t.Helper()
	f, _ := os.Open(w.participants)
	defer f.Close()
	recs, _ := csv.NewReader(f).ReadAll()
	files, _ := filepath.Glob(filepath.Join(out, "*"))
	rng := rand.New(rand.NewPCG(1, 1))
	for _, path := range files {
		b, _ := os.ReadFile(path)
		for k := 0; k < 50; k++ {
			r := recs[1+rng.IntN(len(recs)-1)]
			for _, v := range []string{r[1], r[5], r[2] + " " + r[3]} {
				if len(v) > 3 && bytes.Contains(b, []byte(v)) {
					t.Errorf("%s holds identifier %q", filepath.Base(path), v)
				}
			}
		}
	}
}
