package matching

import (
	"context"
	"math"
	"testing"
)

func lalondeMatch(t *testing.T, spec Spec) (*Design, []bool, *Result) {
	t.Helper()
	l := loadLalonde(t)
	X := l.design(t)
	m, err := Fit(context.Background(), X, l.treated, PropensitySpec{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Match(context.Background(), NewProblem(m, l.treated, nil), spec)
	if err != nil {
		t.Fatal(err)
	}
	return X, l.treated, res
}

// MatchIt's default run on lalonde: 1:1 nearest neighbour on the
// propensity score, no replacement, no caliper, largest first.
var matchItDefault = Spec{Distance: DistancePropensity, Caliper: NoCaliper}

func TestNearestLalondeMatchedMeans(t *testing.T) {
	X, treated, res := lalondeMatch(t, matchItDefault)
	// Means of the matched comparison group printed by MatchIt's
	// summary(matchit(treat ~ re74 + re75 + educ + black + hispan + age +
	// married + nodegree, data = lalonde, method = "nearest")), published
	// at http://rogosateaching.com/somgen290/week1RQ2.sol and reproduced by
	// MatchIt 4.x with cobalt 4.6.0 at
	// https://rstudio-pubs-static.s3.amazonaws.com/1320142_a6e432407b6645ff98235dd4ce2f7c84.html
	// (distance 0.3629 in both). Printed to 4 decimals: tolerance 6e-5 abs.
	want := map[string]float64{
		"re74": 2342.1076, "re75": 1614.7451, "educ": 10.6054, "age": 25.3027,
		"married": 0.2108, "nodegree": 0.6378, "race=hispan": 0.2162,
	}
	for j, name := range X.Names() {
		w, ok := want[name]
		if !ok {
			continue
		}
		got := groupMean(X.Column(j), treated, false, res.Weights)
		if math.Abs(got-w) > 6e-5 {
			t.Errorf("%s: matched comparison mean %.4f, want %.4f", name, got, w)
		}
	}
	var black, dist float64
	for i, w := range res.Weights {
		if !treated[i] && w > 0 {
			dist += res.Distance[i]
			if X.At(i, 2) == 0 && X.At(i, 3) == 0 {
				black++
			}
		}
	}
	if got := black / 185; math.Abs(got-0.4703) > 6e-5 {
		t.Errorf("race=black: matched comparison share %.4f, want 0.4703", got)
	}
	if got := dist / 185; math.Abs(got-0.3629) > 6e-5 {
		t.Errorf("distance: matched comparison mean %.4f, want 0.3629", got)
	}
	if res.Counts.TreatedMatched != 185 || res.Counts.ControlsUsed != 185 || len(res.Pairs) != 185 {
		t.Errorf("counts %+v, want 185 pairs", res.Counts)
	}
}

func TestBalanceLalonde(t *testing.T) {
	X, treated, res := lalondeMatch(t, matchItDefault)
	rows := Balance(X, treated, nil, res.Weights)
	// Standardised mean differences and variance ratios after matching, as
	// MatchIt 4.x's summary() prints them for this run (matched means as in
	// TestNearestLalondeMatchedMeans; participants' SD in the full sample;
	// sqrt(p(1-p)) for binary covariates). Printed to 4 decimals: tolerance
	// 1e-3 abs as the brief asks (observed agreement is < 6e-5).
	//
	// shared/reference/README.md lists different figures (age 0.0854, educ
	// -0.1183, …): they come from MatchIt 4.5.1 built on Linux, whose
	// matcher truncated distances to whole numbers; Spec.Compare =
	// CompareTruncated reproduces them (TestNearestLalondeMatchIt).
	want := map[string]struct{ smd, vr float64 }{
		"age":      {0.0718, 0.4568},
		"educ":     {-0.1290, 0.5721},
		"married":  {-0.0552, math.NaN()},
		"nodegree": {0.1546, math.NaN()},
		"re74":     {-0.0505, 1.3289},
		"re75":     {-0.0257, 1.4956},
	}
	seen := 0
	for _, r := range rows {
		w, ok := want[r.Covariate]
		if !ok {
			continue
		}
		seen++
		if math.Abs(r.SMDAfter-w.smd) > 1e-3 {
			t.Errorf("%s: SMD after %.4f, want %.4f", r.Covariate, r.SMDAfter, w.smd)
		}
		if math.IsNaN(w.vr) != math.IsNaN(r.VarianceRatioAfter) || math.Abs(r.VarianceRatioAfter-w.vr) > 1e-3 {
			t.Errorf("%s: variance ratio after %.4f, want %.4f", r.Covariate, r.VarianceRatioAfter, w.vr)
		}
		if r.Flag != (math.Abs(w.smd) > 0.1) {
			t.Errorf("%s: flag %v for SMD %.4f", r.Covariate, r.Flag, r.SMDAfter)
		}
	}
	if seen != len(want) {
		t.Fatalf("balance table has %d of %d covariates", seen, len(want))
	}
	// Before matching: MatchIt's "Summary of Balance for All Data" (same
	// sources): age -0.3094 (VR 0.4400), educ 0.0550 (VR 0.4959), re74
	// -0.7211 (VR 0.5181), re75 -0.2903 (VR 0.9563), married -0.8263.
	before := map[string]struct{ smd, vr float64 }{
		"age": {-0.3094, 0.4400}, "educ": {0.0550, 0.4959}, "re74": {-0.7211, 0.5181},
		"re75": {-0.2903, 0.9563}, "married": {-0.8263, math.NaN()},
	}
	for _, r := range rows {
		w, ok := before[r.Covariate]
		if !ok {
			continue
		}
		if math.Abs(r.SMDBefore-w.smd) > 1e-3 || (!math.IsNaN(w.vr) && math.Abs(r.VarianceRatioBefore-w.vr) > 1e-3) {
			t.Errorf("%s before: SMD %.4f VR %.4f, want %.4f %.4f", r.Covariate, r.SMDBefore, r.VarianceRatioBefore, w.smd, w.vr)
		}
	}
}
