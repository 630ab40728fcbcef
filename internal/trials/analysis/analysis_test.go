package analysis

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/trials/itt"
	"github.com/employment-data-lab/datalab/internal/trials/plan"
)

// A synthetic trial with known truth: employment at week 52 is 0.30 in
// control and 0.38 with treatment (effect 0.08); 10% are not linked and 5%
// of the linked have no outcome yet. The flow counts are exact and the
// estimate is within 4 SEs of 0.08.
func TestAnalyseSyntheticTrial(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	w := 52
	p := plan.Plan{Trial: "T1", PrimaryOutcome: "employed", HorizonWeek: &w, Covariates: []string{"age"}, Subgroups: []string{"site"}, MDE: 0.05, Alpha: 0.05, Estimator: plan.DefaultEstimator}
	locked := plan.Lock(p, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	in := Input{Arms: []string{"control", "treatment"}, Locked: &locked, Used: p, Columns: []string{"age"}}
	want := Flow{Allocated: map[string]int{}, Linked: map[string]int{}, Analysed: map[string]int{}}
	for i := 0; i < 4000; i++ {
		arm := []string{"control", "treatment"}[i%2]
		age := 18 + 40*r.Float64()
		prob := 0.30 + 0.004*(age-38)
		if arm == "treatment" {
			prob += 0.08
		}
		y := 0.0
		if r.Float64() < prob {
			y = 1
		}
		pt := Participant{Ref: "P" + string(rune('a'+i%26)), Arm: arm, Linked: r.Float64() > 0.10, Outcome: y,
			Covariates: []float64{age}, Subgroups: map[string]string{"site": []string{"North", "South"}[i%3%2]}}
		pt.OutcomeOK = pt.Linked && r.Float64() > 0.05
		want.Enrolled++
		want.Allocated[arm]++
		if pt.Linked {
			want.Linked[arm]++
			if pt.OutcomeOK {
				want.Analysed[arm]++
			}
		}
		in.Participants = append(in.Participants, pt)
	}
	res, err := Analyse(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range in.Arms {
		if res.Flow.Allocated[a] != want.Allocated[a] || res.Flow.Linked[a] != want.Linked[a] || res.Flow.Analysed[a] != want.Analysed[a] {
			t.Errorf("flow %+v, want %+v", res.Flow, want)
		}
	}
	e := res.Primary[0].Effect
	if e.N != want.Analysed["control"]+want.Analysed["treatment"] || math.Abs(e.Estimate-0.08) > 4*e.SE || e.SE <= 0 {
		t.Errorf("primary %+v, want about 0.08 on %d", e, e.N)
	}
	if len(res.Subgroups) != 2 || res.Subgroups[0].Subgroup != "site=North" || res.Subgroups[0].Effect.N+res.Subgroups[1].Effect.N != e.N {
		t.Errorf("subgroups %+v", res.Subgroups)
	}
	if res.Deviation != nil || res.PlanHash != locked.Hash {
		t.Errorf("deviation %+v hash %s", res.Deviation, res.PlanHash)
	}

	// Departing from the plan needs a reason, and the result carries it.
	in.Used.Covariates = nil
	if _, err := Analyse(in); err == nil || !strings.Contains(err.Error(), "--allow-departure") {
		t.Errorf("departure without reason: %v", err)
	}
	in.Reason = "age missing for one site"
	res, err = Analyse(in)
	if err != nil || res.Deviation == nil || res.Deviation.Reason != in.Reason || res.Deviation.Departures[0].Field != "covariates" {
		t.Errorf("departure with reason: %+v %v", res.Deviation, err)
	}
}

// With no covariates and everyone observed, the analysis is the ITT
// difference in means, as itt computes it directly.
func TestAnalyseMatchesITT(t *testing.T) {
	p := plan.Plan{Trial: "T1", PrimaryOutcome: "earnings_months_1_12", MDE: 500, Alpha: 0.05, Estimator: plan.DefaultEstimator}
	locked := plan.Lock(p, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	ys := []float64{1200, 0, 5400, 300, 800, 0, 2500, 4100, 0, 900}
	in := Input{Arms: []string{"control", "treatment"}, Locked: &locked, Used: p}
	var d itt.Data
	for i, y := range ys {
		arm := []string{"control", "treatment"}[i%2]
		in.Participants = append(in.Participants, Participant{Ref: "x", Arm: arm, Linked: true, Outcome: y, OutcomeOK: true})
		d.Y, d.Treated = append(d.Y, y), append(d.Treated, i%2 == 1)
	}
	res, err := Analyse(in)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := itt.Estimate(d, itt.Options{})
	if got := res.Primary[0].Effect; got.Estimate != want.Estimate || got.SE != want.SE {
		t.Errorf("analysis %+v, itt %+v", got, want)
	}
	if _, err := Analyse(Input{Arms: in.Arms, Used: p}); err == nil || !strings.Contains(err.Error(), "trial lock") {
		t.Errorf("unlocked: %v", err)
	}
}

// Exclusions and attrition, counted by hand: 10 per arm allocated; control
// loses 1 not linked and 1 not observable, treatment loses 3 not linked.
// Overall attrition 5/20 = 25% (> 20%), differential |0.2 − 0.3| = 10
// points: attrition not adequate. The covariate is balanced exactly
// (same values in each arm): SMD 0.
func TestFlowExclusionsAndQuality(t *testing.T) {
	p := plan.Plan{Trial: "T1", PrimaryOutcome: "earnings_months_1_12", Covariates: []string{"age"}, MDE: 500, Alpha: 0.05, Estimator: plan.DefaultEstimator}
	locked := plan.Lock(p, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	in := Input{Arms: []string{"control", "treatment"}, Locked: &locked, Used: p, Columns: []string{"age"}}
	for i := 0; i < 20; i++ {
		arm := []string{"control", "treatment"}[i/10]
		k := i % 10
		pt := Participant{Arm: arm, Linked: true, OutcomeOK: true, Outcome: float64(100 * (i + k%3)), Covariates: []float64{float64(20 + k%4)}}
		switch {
		case arm == "control" && k == 0:
			pt.Linked, pt.NotLinked = false, "no candidate found in blocking"
		case arm == "control" && k == 1:
			pt.OutcomeOK, pt.NotObserved = false, "follow-up incomplete"
		case arm == "treatment" && k < 3:
			pt.Linked, pt.NotLinked = false, "no candidate found in blocking"
		}
		in.Participants = append(in.Participants, pt)
	}
	res, err := Analyse(in)
	if err != nil {
		t.Fatal(err)
	}
	f := res.Flow
	if f.Linked["control"] != 9 || f.Observable["control"] != 8 || f.Analysed["treatment"] != 7 || f.Linked["treatment"] != 7 {
		t.Errorf("flow %+v", f)
	}
	want := []Exclusion{{StageNotLinked, "control", "no candidate found in blocking", 1}, {StageNotLinked, "treatment", "no candidate found in blocking", 3},
		{StageNotObservable, "control", "follow-up incomplete", 1}}
	if len(f.Excluded) != len(want) {
		t.Fatalf("excluded %+v, want %+v", f.Excluded, want)
	}
	for i := range want {
		if f.Excluded[i] != want[i] {
			t.Errorf("excluded[%d] = %+v, want %+v", i, f.Excluded[i], want[i])
		}
	}
	q := res.Quality[0]
	if !near(q.OverallAttrition, 0.25, 1e-12) || !near(q.DifferentialAttrition, 0.10, 1e-12) || q.AttritionOK {
		t.Errorf("quality %+v", q)
	}
	// Analysed ages: control k=2..9 → 22,23,20,21,22,23,20,21 (mean 21.5);
	// treatment k=3..9 → 23,20,21,22,23,20,21 (mean 150/7).
	b := res.Balance[0]
	if !near(b.MeanRef, 21.5, 1e-12) || !near(b.MeanArm, 150.0/7, 1e-12) || math.Abs(b.SMD) > 0.25 || !q.BalanceOK {
		t.Errorf("balance %+v", b)
	}
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol || math.Abs(a-b) <= tol*math.Abs(b) }
