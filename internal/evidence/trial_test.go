package evidence

import (
	"context"
	"strings"
	"testing"

	"github.com/employment-data-lab/datalab/internal/evidence/effectsize"
)

func TestAddTrial(t *testing.T) {
	ctx := context.Background()
	lib := NewMemory()
	r := TrialResult{Trial: "wb1", PlanHash: "ab12", Intervention: "Intensive coaching", InterventionType: "job_search_support",
		Arm: "treatment", Reference: "control", Outcome: "employed_week_52", Measure: effectsize.RD,
		Estimate: 6.1, SE: 2.4, CILow: 1.4, CIHigh: 10.8, MeanTreated: 0.41, MeanControl: 0.35, NTreated: 240, NControl: 236,
		AttritionBalance: true, Year: 2026, AdjustedFor: []string{"age", "site=South"}, VarianceEstimator: "HC2"}
	s, err := AddTrial(ctx, lib, r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := lib.Study(ctx, "trial-wb1-employed-week-52")
	if err != nil {
		t.Fatal(err)
	}
	st := got.Standard()
	if st.Level != 5 || got.Design != RCT || got.Source != SourceTrial || *got.Estimate != 6.1 || *got.SE != 2.4 || got.FollowUpMonths != 12 {
		t.Errorf("study %+v standard %+v", got, st)
	}
	if !strings.Contains(got.Citation, "ab12") || !strings.Contains(got.Notes, "No departures") || s.InterventionID != "trial-intensive-coaching" {
		t.Errorf("provenance: citation %q notes %q intervention %q", got.Citation, got.Notes, s.InterventionID)
	}
	// Attrition or balance problems: SMS 4, and the departures are kept.
	r.AttritionBalance, r.Departures = false, "horizon_week 52 → 26 (data for week 52 not yet available)"
	if _, err := AddTrial(ctx, lib, r); err != nil {
		t.Fatal(err)
	}
	got, _ = lib.Study(ctx, "trial-wb1-employed-week-52")
	if got.Standard().Level != 4 || !strings.Contains(got.Notes, "week 52 not yet available") {
		t.Errorf("SMS %d notes %q", got.Standard().Level, got.Notes)
	}
	for _, bad := range []TrialResult{{Trial: "x", Intervention: "y", InterventionType: "job_search_support", Outcome: "employed_week_52", Estimate: 1, SE: 1},
		{Trial: "x", Intervention: "y", InterventionType: "job_search_support", Outcome: "employed_week_52", Estimate: 1, SE: 0, PlanHash: "h"},
		{Trial: "x", Intervention: "y", InterventionType: "nope", Outcome: "employed_week_52", Estimate: 1, SE: 1, PlanHash: "h"}} {
		if _, err := AddTrial(ctx, lib, bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
