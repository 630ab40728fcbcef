package report

import (
	"bytes"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/employment-data-lab/datalab/internal/disclosure"
)

// trialRelease lays out tables shaped like internal/trials/results': a
// CONSORT flow of 480 randomised, 7 of them (control) and 12 (treatment)
// not linked, and one estimate with a planted small subgroup (8 people).
func trialRelease(t *testing.T) *disclosure.Release {
	t.Helper()
	fp := func(v float64) *float64 { return &v }
	d := disclosure.NewDraft(461)
	arms := []string{"control", "treatment"}
	d.Table("flow", "CONSORT flow: participants at each stage, by arm",
		disclosure.Column{Key: "stage", Label: "Stage"}, disclosure.Column{Key: "control", Label: "control"},
		disclosure.Column{Key: "treatment", Label: "treatment"}, disclosure.Column{Key: "all", Label: "All arms"})
	flow := map[string][2]int{"allocated": {240, 240}, "linked": {233, 228}, "analysed": {233, 228}}
	for _, s := range []string{"allocated", "linked", "analysed"} {
		n := flow[s]
		d.Row("flow", s, disclosure.Label(s), disclosure.Count(n[0]), disclosure.Count(n[1]), disclosure.Count(n[0]+n[1]))
		d.Relate(disclosure.Ref{Table: "flow", Row: s, Column: "all"}, disclosure.Ref{Table: "flow", Row: s, Column: "control"}, disclosure.Ref{Table: "flow", Row: s, Column: "treatment"})
	}
	d.Table("exclusions", "Why participants left the flow, by arm",
		disclosure.Column{Key: "stage", Label: "Stage"}, disclosure.Column{Key: "reason", Label: "Reason"},
		disclosure.Column{Key: "control", Label: "control"}, disclosure.Column{Key: "treatment", Label: "treatment"}, disclosure.Column{Key: "all", Label: "All arms"})
	d.Row("exclusions", "r1", disclosure.Label("not linked"), disclosure.Label("no candidate"), disclosure.Count(7), disclosure.Count(12), disclosure.Count(19))
	for i, a := range arms {
		d.Relate(disclosure.Ref{Table: "flow", Row: "allocated", Column: a}, disclosure.Ref{Table: "flow", Row: "linked", Column: a}, disclosure.Ref{Table: "exclusions", Row: "r1", Column: a})
		_ = i
	}
	cols := []disclosure.Column{{Key: "arm", Label: "Arm"}, {Key: "reference", Label: "Against"}, {Key: "subgroup", Label: "Subgroup"},
		{Key: "n_arm", Label: "Analysed in arm"}, {Key: "n_reference", Label: "Analysed in reference"},
		{Key: "mean_arm", Label: "Mean in arm"}, {Key: "mean_reference", Label: "Mean in reference"},
		{Key: "estimate", Label: "Effect"}, {Key: "se", Label: "Standard error"},
		{Key: "ci_low", Label: "CI low"}, {Key: "ci_high", Label: "CI high"}, {Key: "p_value", Label: "p-value"}}
	d.Table("estimates", "Intention-to-treat estimates", cols...)
	row := func(key, sub string, na, nr int, est, lo, hi, p float64) {
		st := func(v float64) disclosure.Figure { return disclosure.Statistic(fp(v), na, nr) }
		d.Row("estimates", key, disclosure.Label("treatment"), disclosure.Label("control"), disclosure.Label(sub),
			disclosure.Count(na), disclosure.Count(nr), disclosure.Proportion(fp(0.5), na), disclosure.Proportion(fp(0.45), nr),
			st(est), st((hi-lo)/3.92), st(lo), st(hi), st(p))
	}
	row("e1", "all", 228, 233, 0.052, 0.021, 0.083, 0.0012)
	row("e2", "sex=F", 8, 110, 0.1, -0.2, 0.4, 0.5)
	rel, err := disclosure.Apply(disclosure.DefaultRules(), d)
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

// TestTrialHTML: the trial report is self-contained and accessible like
// the evaluation report, leads with the interval in words, shows a
// departure from the plan at the top, and prints no count below 10.
func TestTrialHTML(t *testing.T) {
	wk := 52
	m := TrialModel{ID: "T1", Title: "Jobsearch plus trial", Arms: []string{"control", "treatment"},
		PlanHash: "abc123", PlanLockedAt: "2026-03-02T10:00:00Z", Outcome: "employed", HorizonWeek: &wk, Level: 0.95,
		Departures: []TrialDeparture{{Field: "horizon_week", Planned: "52", Used: "26"}}, DepartureReason: "asked for by the <commissioner>",
		Method: []string{"Intention to treat."}, Quality: []TrialQuality{{Arm: "treatment", Reference: "control", AttritionOK: true, BalanceOK: true, MaxAbsSMD: 0.04, Rule: "a rule"}},
		SMSLevel: 5, GeneratedAt: "2026-03-04T09:00:00Z", Release: trialRelease(t)}
	var b bytes.Buffer
	if err := TrialHTML(&b, m); err != nil {
		t.Fatal(err)
	}
	h := b.String()
	if p := os.Getenv("DATALAB_TRIAL_HTML"); p != "" {
		os.WriteFile(p, b.Bytes(), 0o644)
	}
	for _, bad := range []string{"http://", "https://", "<script", " src=", "url(", "<commissioner>"} {
		if strings.Contains(h, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	last := 0
	for _, mm := range regexp.MustCompile(`<h([1-6])[ >]`).FindAllStringSubmatch(h, -1) {
		level, _ := strconv.Atoi(mm[1])
		if level > last+1 {
			t.Errorf("heading h%d follows h%d", level, last)
		}
		last = level
	}
	// Interval in words: 0.021..0.083 is 2.1 to 8.3 percentage points.
	for _, want := range []string{
		"between 2.1 and 8.3 percentage points higher in the treatment arm than in the control arm (95% confidence interval; best estimate &#43;5.2 pp)",
		"This result is statistically significant (p = 0.001)",
		"This analysis departs from its locked plan.", "asked for by the &lt;commissioner&gt;",
		`<th scope="row">horizon_week</th><td>52</td><td>26</td>`,
		"level 5 of the Maryland Scientific Methods Scale", "<h2 id=\"limitations\">Limitations</h2>",
		"480 people were randomised",
	} {
		if !strings.Contains(h, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Index(h, "departs from its locked plan") > strings.Index(h, `<h2 id="results">`) {
		t.Error("the departure notice is not above the results")
	}
	for _, mm := range regexp.MustCompile(`<td class="num">([0-9][0-9,]*)</td>`).FindAllStringSubmatch(h, -1) {
		if n, _ := strconv.Atoi(strings.ReplaceAll(mm[1], ",", "")); (n > 0 && n < 10) || n%5 != 0 {
			t.Errorf("page shows the count %d", n)
		}
	}
	if !strings.Contains(h, "[c]") {
		t.Error("the subgroup of 8 and the 7 not linked are not marked withheld")
	}
	if err := TrialHTML(&b, TrialModel{}); err == nil {
		t.Error("a model without a release was rendered")
	}
}

// When no one left the flow, the exclusions table has no rows: the page says
// so in words instead of printing an empty table.
func TestTrialHTMLNoExclusions(t *testing.T) {
	fp := func(v float64) *float64 { return &v }
	d := disclosure.NewDraft(480)
	d.Table("flow", "CONSORT flow: participants at each stage, by arm",
		disclosure.Column{Key: "stage", Label: "Stage"}, disclosure.Column{Key: "control", Label: "control"},
		disclosure.Column{Key: "treatment", Label: "treatment"}, disclosure.Column{Key: "all", Label: "All arms"})
	for _, s := range []string{"allocated", "linked", "analysed"} {
		d.Row("flow", s, disclosure.Label(s), disclosure.Count(240), disclosure.Count(240), disclosure.Count(480))
	}
	d.Table("exclusions", "Why participants left the flow, by arm",
		disclosure.Column{Key: "stage", Label: "Stage"}, disclosure.Column{Key: "reason", Label: "Reason"},
		disclosure.Column{Key: "control", Label: "control"}, disclosure.Column{Key: "treatment", Label: "treatment"}, disclosure.Column{Key: "all", Label: "All arms"})
	d.Table("estimates", "Intention-to-treat estimates",
		disclosure.Column{Key: "arm", Label: "Arm"}, disclosure.Column{Key: "reference", Label: "Against"}, disclosure.Column{Key: "subgroup", Label: "Subgroup"},
		disclosure.Column{Key: "n_arm", Label: "Analysed in arm"}, disclosure.Column{Key: "n_reference", Label: "Analysed in reference"},
		disclosure.Column{Key: "mean_arm", Label: "Mean in arm"}, disclosure.Column{Key: "mean_reference", Label: "Mean in reference"},
		disclosure.Column{Key: "estimate", Label: "Effect"}, disclosure.Column{Key: "se", Label: "Standard error"},
		disclosure.Column{Key: "ci_low", Label: "CI low"}, disclosure.Column{Key: "ci_high", Label: "CI high"}, disclosure.Column{Key: "p_value", Label: "p-value"})
	st := func(v float64) disclosure.Figure { return disclosure.Statistic(fp(v), 240, 240) }
	d.Row("estimates", "e1", disclosure.Label("treatment"), disclosure.Label("control"), disclosure.Label("all"),
		disclosure.Count(240), disclosure.Count(240), disclosure.Proportion(fp(0.5), 240), disclosure.Proportion(fp(0.45), 240),
		st(0.05), st(0.045), st(-0.04), st(0.14), st(0.27))
	rel, err := disclosure.Apply(disclosure.DefaultRules(), d)
	if err != nil {
		t.Fatal(err)
	}
	wk := 52
	m := TrialModel{ID: "T2", Title: "Trial", Arms: []string{"control", "treatment"}, PlanHash: "abc", PlanLockedAt: "2026-03-02T10:00:00Z",
		Outcome: "employed", HorizonWeek: &wk, Level: 0.95, SMSLevel: 5, GeneratedAt: "2026-03-04T09:00:00Z", Release: rel}
	var b bytes.Buffer
	if err := TrialHTML(&b, m); err != nil {
		t.Fatal(err)
	}
	h := b.String()
	if !strings.Contains(h, "No one left the flow after allocation") {
		t.Error("the page does not say that no one left the flow")
	}
	if strings.Contains(h, `id="exclusions"`) {
		t.Error("the page prints the empty exclusions table")
	}
}
