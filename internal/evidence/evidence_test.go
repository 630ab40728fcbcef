package evidence_test

import (
	"bytes"
	"context"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/employment-data-lab/datalab/internal/evidence"
	"github.com/employment-data-lab/datalab/internal/evidence/effectsize"
	"github.com/employment-data-lab/datalab/internal/evidence/evidencetest"
)

func TestMemoryContract(t *testing.T) {
	evidencetest.Contract(t, func(*testing.T) evidence.Library { return evidence.NewMemory() })
}

// TestSMSRule is the documented rule (doc.go) written out as a table.
func TestSMSRule(t *testing.T) {
	cases := []struct {
		design            string
		attrition, trends bool
		want              int
	}{
		{"randomised controlled trial", true, false, 5},
		{"rct", false, false, 4},
		{"natural experiment", false, false, 4},
		{"RDD", false, false, 4},
		{"iv", false, false, 4},
		{"matched comparison", false, false, 3},
		{"matched comparison", true, true, 3}, // facts for other designs do not matter
		{"DiD", false, true, 3},
		{"difference-in-differences", false, false, 2},
		{"unmatched comparison", false, false, 2},
		{"before-after", false, false, 1},
		{"cross section", false, false, 1},
	}
	for _, c := range cases {
		d, err := evidence.ParseDesign(c.design)
		if err != nil {
			t.Fatalf("%s: %v", c.design, err)
		}
		got, err := evidence.DeriveSMS(d, c.attrition, c.trends)
		if err != nil || got != c.want {
			t.Errorf("%s (attrition ok %v, pre-trends ok %v): SMS %d, %v; want %d", c.design, c.attrition, c.trends, got, err, c.want)
		}
	}
	// The rule table documented for the toolkit agrees with DeriveSMS.
	for _, r := range evidence.SMSRules() {
		got, _ := evidence.DeriveSMS(r.Design, strings.Contains(r.Condition, "adequate"), strings.Contains(r.Condition, "pre-trends shown"))
		if got != r.Level {
			t.Errorf("SMSRules row %+v: DeriveSMS gives %d", r, got)
		}
	}
	if _, err := evidence.ParseDesign("vibes"); err == nil {
		t.Error("unknown design accepted")
	}
}

func TestOverrideNeedsReason(t *testing.T) {
	s := evidence.Study{ID: "a", InterventionID: "b", Title: "t", Design: "matched_comparison", Outcome: "o", SMSOverride: 2}
	if err := s.Normalise(); err == nil || !strings.Contains(err.Error(), "reason") {
		t.Fatalf("override without reason: %v", err)
	}
	s.SMSOverrideReason = "large imbalance after matching"
	if err := s.Normalise(); err != nil {
		t.Fatal(err)
	}
	st := s.Standard()
	if st.Level != 2 || st.Derived != 3 || !st.Overridden || !strings.Contains(st.String(), "large imbalance") {
		t.Errorf("standard %+v (%s)", st, st)
	}
}

func TestNormaliseErrorsNameTheField(t *testing.T) {
	base := func() evidence.Study {
		return evidence.Study{ID: "s", InterventionID: "i", Title: "t", Design: "rct", Outcome: "o"}
	}
	f := func(v float64) *float64 { return &v }
	n := func(v int) *int { return &v }
	cases := []struct {
		field string
		mod   func(*evidence.Study)
	}{
		{"study id", func(s *evidence.Study) { s.ID = "Bad ID" }},
		{"design", func(s *evidence.Study) { s.Design = "vibes" }},
		{"sms_override", func(s *evidence.Study) { s.SMSOverride, s.SMSOverrideReason = 7, "x" }},
		{"outcome_code", func(s *evidence.Study) { s.OutcomeCode = "happiness" }},
		{"outcome_code", func(s *evidence.Study) { s.OutcomeCode = "employed_week_200" }},
		{"measure", func(s *evidence.Study) { s.Estimate = f(1) }},
		{"estimate", func(s *evidence.Study) { s.Measure, s.Estimate, s.SE = "RR", f(-1), f(0.1) }},
		{"ci_low/ci_high", func(s *evidence.Study) { s.Measure, s.Estimate, s.CILow = "RD", f(1), f(0) }},
		{"events_treated", func(s *evidence.Study) {
			s.NTreated, s.NControl, s.EventsTreated, s.EventsControl = 10, 10, n(11), n(1)
		}},
		{"control_rate", func(s *evidence.Study) { s.ControlRate = f(42) }},
		{"period_start", func(s *evidence.Study) { s.PeriodStart = "March 2019" }},
		{"source", func(s *evidence.Study) { s.Source = "rumour" }},
	}
	for _, c := range cases {
		s := base()
		c.mod(&s)
		err := s.Normalise()
		if err == nil || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: error %v should name the field", c.field, err)
		}
	}
}

func TestEffectOn(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	n := func(v int) *int { return &v }
	// Counts give both scales: RD directly, SMD via the log OR (Hasselblad &
	// Hedges 1995) — checked against effectsize's own functions.
	s := evidence.Study{NTreated: 100, NControl: 100, EventsTreated: n(5), EventsControl: n(10)}
	rd, how, ok := s.EffectOn(effectsize.RD)
	if !ok || math.Abs(rd.Yi+5) > 1e-12 || !strings.Contains(how, "counts") {
		t.Errorf("RD from counts: %+v %q %v", rd, how, ok)
	}
	smd, _, ok := s.EffectOn(effectsize.SMD)
	if !ok || math.Abs(smd.Yi-(-0.7472144018*math.Sqrt(3)/math.Pi)) > 1e-9 {
		t.Errorf("SMD from counts: %+v", smd)
	}
	// A reported RR at a 40% comparison rate: RR 1.25 is 10 pp.
	s = evidence.Study{Measure: effectsize.RR, Estimate: f(1.25), SE: f(0.1), ControlRate: f(0.4)}
	rd, _, ok = s.EffectOn(effectsize.RD)
	if !ok || math.Abs(rd.Yi-10) > 1e-9 {
		t.Errorf("RD from RR: %+v %v", rd, ok)
	}
	if _, _, ok := s.EffectOn(effectsize.SMD); ok {
		t.Error("an RR without counts should give no SMD")
	}
	// Nothing reported: no effect.
	if _, _, ok := (evidence.Study{}).EffectOn(effectsize.RD); ok {
		t.Error("empty study gave an effect")
	}
}

func TestCSVRoundTrip(t *testing.T) {
	ctx := context.Background()
	lib := evidence.NewMemory()
	f, err := os.Open("testdata/illustrative_studies.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := evidence.Import(ctx, lib, f, "illustrative_studies.csv")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Studies != 11 || rep.Illustrative != 11 || rep.Interventions != 9 {
		t.Errorf("import report %+v; want 11 studies (all illustrative) and 9 interventions", rep)
	}
	var first bytes.Buffer
	if n, err := evidence.Export(ctx, lib, &first); err != nil || n != 11 {
		t.Fatalf("export: %d, %v", n, err)
	}
	lib2 := evidence.NewMemory()
	if _, err := evidence.Import(ctx, lib2, bytes.NewReader(first.Bytes()), "export.csv"); err != nil {
		t.Fatal(err)
	}
	var second bytes.Buffer
	evidence.Export(ctx, lib2, &second)
	if first.String() != second.String() {
		t.Errorf("export → import → export changed the file:\n%s\n---\n%s", first.String(), second.String())
	}
	s, _ := lib2.Study(ctx, "ill-jss-d")
	if st := s.Standard(); st.Level != 2 || st.Derived != 1 || st.Reason == "" {
		t.Errorf("override lost in round trip: %+v", st)
	}
	s, _ = lib2.Study(ctx, "ill-jss-c")
	if s.CILevel == nil || *s.CILevel != 0.95 || s.OutcomeDomain != evidence.DomainEmployment {
		t.Errorf("CI level or domain lost: %+v", s)
	}
}

func TestImportErrors(t *testing.T) {
	ctx := context.Background()
	cases := []struct{ name, csv, want string }{
		{"missing column", "id,title\na,b\n", "intervention_id"},
		{"bad number", "id,intervention_id,intervention_name,intervention_type,title,design,outcome,n_treated\na,i,I,ips,T,rct,o,many\n", "line 2, column n_treated"},
		{"bad type", "id,intervention_id,intervention_name,intervention_type,title,design,outcome\na,i,I,astrology,T,rct,o\n", "line 2"},
		{"duplicate id", "id,intervention_id,intervention_name,intervention_type,title,design,outcome\na,i,I,ips,T,rct,o\na,i,I,ips,T,rct,o\n", "line 3"},
		{"unknown intervention", "id,intervention_id,title,design,outcome\na,nowhere,T,rct,o\n", "nowhere"},
	}
	for _, c := range cases {
		lib := evidence.NewMemory()
		_, err := evidence.Import(ctx, lib, strings.NewReader(c.csv), "in.csv")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "in.csv") {
			t.Errorf("%s: error %v should mention in.csv and %q", c.name, err, c.want)
		}
		if all, _ := lib.Studies(ctx, evidence.Filter{}); len(all) != 0 {
			t.Errorf("%s: a failed import wrote %d studies", c.name, len(all))
		}
	}
}

func TestAddLabEvaluation(t *testing.T) {
	ctx := context.Background()
	lib := evidence.NewMemory()
	r := evidence.LabResult{Name: "Acme Works Pathways", InterventionType: "job-search support", Outcome: "employed_week_52",
		Estimate: 3.1, SE: 1.2, NTreated: 800, NComparison: 800, Design: "matched comparison", Year: 2025}
	s, err := evidence.AddLabEvaluation(ctx, lib, r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := lib.Study(ctx, "lab-acme-works-pathways-employed-week-52")
	if err != nil {
		t.Fatal(err)
	}
	if got.Source != evidence.SourceLab || got.Standard().Level != 3 || got.OutcomeDomain != evidence.DomainEmployment || got.FollowUpMonths != 12 {
		t.Errorf("lab study %+v", got)
	}
	iv, _ := lib.Intervention(ctx, s.InterventionID)
	if iv.Type != "job_search_support" {
		t.Errorf("intervention type %q", iv.Type)
	}
	// Publishing again replaces, never duplicates.
	r.Estimate = 2.5
	if _, err := evidence.AddLabEvaluation(ctx, lib, r); err != nil {
		t.Fatal(err)
	}
	all, _ := lib.Studies(ctx, evidence.Filter{})
	if len(all) != 1 || *all[0].Estimate != 2.5 {
		t.Errorf("republish: %d studies, estimate %v", len(all), *all[0].Estimate)
	}
	if _, err := evidence.AddLabEvaluation(ctx, lib, evidence.LabResult{Name: "x", InterventionType: "ips", Outcome: "employed_week_52", SE: 0}); err == nil {
		t.Error("zero SE accepted")
	}
}

func TestAddRefusesDuplicate(t *testing.T) {
	ctx := context.Background()
	lib := evidence.NewMemory()
	iv, s := evidencetest.Fixture()
	if _, err := evidence.Add(ctx, lib, iv, s, false); err != nil {
		t.Fatal(err)
	}
	if _, err := evidence.Add(ctx, lib, iv, s, false); err == nil || !strings.Contains(err.Error(), "already") {
		t.Errorf("duplicate add: %v", err)
	}
	if _, err := evidence.Add(ctx, lib, iv, s, true); err != nil {
		t.Errorf("replace: %v", err)
	}
}

func TestTaxonomyAndOutcomes(t *testing.T) {
	seen := map[string]bool{}
	for _, ty := range evidence.Taxonomy() {
		if seen[ty.Code] || ty.Definition == "" || ty.Name == "" {
			t.Errorf("taxonomy entry %+v duplicated or incomplete", ty)
		}
		seen[ty.Code] = true
	}
	if len(seen) != 9 {
		t.Errorf("%d intervention types, want the 9 of issue 7", len(seen))
	}
	if ty, err := evidence.LookupType("Individual Placement and Support"); err != nil || ty.Code != "ips" {
		t.Errorf("lookup by name: %+v %v", ty, err)
	}
	o, err := evidence.LookupOutcome("employed_week_26")
	if err != nil || o.Domain != evidence.DomainEmployment || !o.Binary || o.Name != "employed at week 26 after starting" {
		t.Errorf("employed_week_26: %+v %v", o, err)
	}
	if o, _ := evidence.LookupOutcome("earnings_1_12"); o.Domain != evidence.DomainEarnings {
		t.Errorf("earnings_1_12 domain %q", o.Domain)
	}
}
