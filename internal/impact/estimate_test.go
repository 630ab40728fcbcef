package impact

import (
	"context"
	"encoding/csv"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/employment-data-lab/datalab/internal/matching"
)

// lalondeMatched runs MatchIt's default on lalonde (1:1 nearest neighbour on
// the propensity score, no replacement, no caliper) and returns re78 and
// the match.
func lalondeMatched(t *testing.T) ([]float64, []bool, *matching.Result) {
	t.Helper()
	f, err := os.Open("../matching/testdata/lalonde.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for k, name := range rows[0] {
		col[name] = k
	}
	num := func(name string) []float64 {
		var out []float64
		for _, r := range rows[1:] {
			v, err := strconv.ParseFloat(r[col[name]], 64)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
		return out
	}
	var race []string
	var treated []bool
	for i, v := range num("treat") {
		treated = append(treated, v == 1)
		race = append(race, rows[i+1][col["race"]])
	}
	X, err := matching.NewDesignBuilder(len(treated)).Numeric("age", num("age")).Numeric("educ", num("educ")).
		Categorical("race", race, "black").Numeric("married", num("married")).Numeric("nodegree", num("nodegree")).
		Numeric("re74", num("re74")).Numeric("re75", num("re75")).Build()
	if err != nil {
		t.Fatal(err)
	}
	m, err := matching.Fit(context.Background(), X, treated, matching.PropensitySpec{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := matching.Match(context.Background(), matching.NewProblem(m, treated, nil),
		matching.Spec{Distance: matching.DistancePropensity, Caliper: matching.NoCaliper})
	if err != nil {
		t.Fatal(err)
	}
	return num("re78"), treated, res
}

func TestEstimateLalondePairs(t *testing.T) {
	y, treated, res := lalondeMatched(t)
	e, err := Estimate(context.Background(), y, nil, UnitSample(treated, res.Weights, res.Set), VarianceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	// Participants' mean re78 in the Dehejia–Wahba NSW sample: $6,349.14
	// (Dehejia & Wahba 1999, JASA 94(448), Table 1; MatchIt's lalonde).
	if math.Abs(e.ParticipantsMean-6349.1435) > 1e-3 {
		t.Errorf("participants' mean %.4f, want 6349.1435", e.ParticipantsMean)
	}
	if e.Variance != ClusterSets || e.Clusters != 185 || e.Treated != 185 || e.Controls != 185 || e.DF != 368 {
		t.Errorf("variance %s, %d clusters, %d+%d units, df %d; want cluster, 185, 185+185, 368", e.Variance, e.Clusters, e.Treated, e.Controls, e.DF)
	}
	// Second route to the cluster-robust (HC1) variance for 1:1 pairs with
	// unit weights: bread (X'X)⁻¹ has rows (1/m)(1,-1) and (1/m)(-1,2), so
	// Var(ATT) = G/(G-1) · (n-1)/(n-2) · Σ_pairs (e_t - e_c)² / m², with e
	// the residuals from the two group means.
	m := float64(len(res.Pairs))
	var ss float64
	for _, p := range res.Pairs {
		d := (y[p.Treated] - e.ParticipantsMean) - (y[p.Control] - e.ComparisonMean)
		ss += d * d
	}
	n := 2 * m
	want := math.Sqrt(m / (m - 1) * (n - 1) / (n - 2) * ss / (m * m))
	if math.Abs(e.SE-want) > 1e-9*want {
		t.Errorf("SE %.6f, closed form %.6f", e.SE, want)
	}
	// The matched comparison group is the one MatchIt's summary reports
	// (see internal/matching TestNearestLalondeMatchedMeans); on it the ATT
	// is 894.3675. shared/reference/README.md's 770.3902 (SE 701.5751)
	// belongs to a different matched sample whose balance figures do not
	// match MatchIt's published output, so it is not asserted here.
	if math.Abs(e.ATT-894.3675) > 1e-4*894.3675 {
		t.Errorf("ATT %.4f, want 894.3675", e.ATT)
	}
	if !(e.CILow < e.ATT && e.ATT < e.CIHigh) || e.PValue <= 0 || e.PValue >= 1 {
		t.Errorf("CI [%v, %v] p %v inconsistent", e.CILow, e.CIHigh, e.PValue)
	}
	t.Logf("lalonde 1:1 NN: ATT %.4f SE %.4f CI [%.2f, %.2f] p %.4f", e.ATT, e.SE, e.CILow, e.CIHigh, e.PValue)

	// Two-way clustering on set and unit equals one-way clustering on sets
	// when no comparison unit is reused (the unit and set∩unit terms cancel).
	tr, ct, set := pairSlices(res)
	two, err := Estimate(context.Background(), y, nil, PairSample(tr, ct, set), VarianceSpec{Method: TwoWay})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(two.SE-e.SE) > 1e-9*e.SE || math.Abs(two.ATT-e.ATT) > 1e-9 {
		t.Errorf("two-way SE %.6f ATT %.4f, one-way %.6f %.4f", two.SE, two.ATT, e.SE, e.ATT)
	}
}

func pairSlices(res *matching.Result) (tr, ct, set []int) {
	for _, p := range res.Pairs {
		tr = append(tr, p.Treated)
		ct = append(ct, p.Control)
		set = append(set, p.Set)
	}
	return
}

func TestEstimateUnavailable(t *testing.T) {
	y, treated, res := lalondeMatched(t)
	s := UnitSample(treated, res.Weights, res.Set)
	ok := make([]bool, len(y))
	for i := range ok {
		ok[i] = i%5 != 0
	}
	e, err := Estimate(context.Background(), y, ok, s, VarianceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	// Second route: drop the rows first, then estimate with all available.
	var sub Sample
	wantT, wantC := 0, 0
	for r, u := range s.Unit {
		if !ok[u] {
			if s.Treated[r] {
				wantT++
			} else {
				wantC++
			}
			continue
		}
		sub.Unit = append(sub.Unit, u)
		sub.Treated = append(sub.Treated, s.Treated[r])
		sub.Weight = append(sub.Weight, s.Weight[r])
		sub.Set = append(sub.Set, s.Set[r])
	}
	e2, err := Estimate(context.Background(), y, nil, sub, VarianceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(e.ATT-e2.ATT) > 1e-9 || math.Abs(e.SE-e2.SE) > 1e-9*e2.SE || e.UnavailableTreated != wantT || e.UnavailableControls != wantC {
		t.Errorf("with unavailable: ATT %v SE %v (%d, %d dropped); dropped first: %v %v (%d, %d)", e.ATT, e.SE, e.UnavailableTreated, e.UnavailableControls, e2.ATT, e2.SE, wantT, wantC)
	}
	// Nobody observable yet: unavailable, never zero.
	none := make([]bool, len(y))
	e3, err := Estimate(context.Background(), y, none, s, VarianceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	if e3.Available || !math.IsNaN(e3.ATT) || !math.IsNaN(e3.ParticipantsMean) || e3.UnavailableTreated != 185 {
		t.Errorf("unobservable outcome reported as %+v", e3)
	}
}

// world is a synthetic labour market with selection on observables and a
// known, heterogeneous programme effect on earnings.
func world(seed uint64, n int) (X *matching.Design, treated []bool, y []float64, trueATT float64) {
	rng := rand.New(rand.NewPCG(seed, 11))
	x1, x2, x3 := make([]float64, n), make([]float64, n), make([]float64, n)
	treated = make([]bool, n)
	y = make([]float64, n)
	var sumTau float64
	var nt int
	for i := range n {
		x1[i], x2[i] = rng.NormFloat64(), rng.NormFloat64()
		if rng.Float64() < 0.4 {
			x3[i] = 1
		}
		lin := -1.2 + 0.7*x1[i] - 0.5*x2[i] + 0.6*x3[i]
		treated[i] = rng.Float64() < 1/(1+math.Exp(-lin))
		y[i] = 1000 + 500*x1[i] + 300*x2[i] - 400*x3[i] + 400*rng.NormFloat64()
		if treated[i] {
			tau := 800 + 200*x1[i]
			y[i] += tau
			sumTau += tau
			nt++
		}
	}
	X, err := matching.NewDesignBuilder(n).Numeric("x1", x1).Numeric("x2", x2).Numeric("x3", x3).Build()
	if err != nil {
		panic(err)
	}
	return X, treated, y, sumTau / float64(nt)
}

func TestEstimateRecoversKnownEffect(t *testing.T) {
	X, treated, y, truth := world(5, 6000)
	m, err := matching.Fit(context.Background(), X, treated, matching.PropensitySpec{})
	if err != nil {
		t.Fatal(err)
	}
	prob := matching.NewProblem(m, treated, nil)
	naive, _ := Estimate(context.Background(), y, nil, UnitSample(treated, ones(len(y)), nil), VarianceSpec{})
	cases := []struct {
		name     string
		spec     matching.Spec
		variance string
		pairs    bool
	}{
		{"nearest 1:1 caliper", matching.Spec{}, ClusterSets, false},
		{"nearest 1:3 with replacement", matching.Spec{Ratio: 3, Replace: true}, TwoWay, true},
		{"kernel", matching.Spec{Method: matching.Kernel}, Robust, false},
		{"ipw", matching.Spec{Method: matching.IPW}, Robust, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := matching.Match(context.Background(), prob, c.spec)
			if err != nil {
				t.Fatal(err)
			}
			s := UnitSample(treated, res.Weights, res.Set)
			if c.pairs {
				s = PairSample(pairSlices(res))
			}
			e, err := Estimate(context.Background(), y, nil, s, VarianceSpec{Method: c.variance})
			if err != nil {
				t.Fatal(err)
			}
			if !(e.CILow <= truth && truth <= e.CIHigh) {
				t.Errorf("ATT %.1f (95%% CI %.1f to %.1f) misses the true ATT %.1f", e.ATT, e.CILow, e.CIHigh, truth)
			}
			if math.Abs(e.ATT-truth) > math.Abs(naive.ATT-truth)/3 {
				t.Errorf("ATT %.1f removes too little of the naive bias (naive %.1f, truth %.1f)", e.ATT, naive.ATT, truth)
			}
			t.Logf("%s: ATT %.1f SE %.1f (truth %.1f, naive %.1f), %d participants matched", c.name, e.ATT, e.SE, truth, naive.ATT, e.Treated)
		})
	}
}

func ones(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1
	}
	return w
}

func TestIPWWeightsFormula(t *testing.T) {
	X, treated, _, _ := world(8, 500)
	m, err := matching.Fit(context.Background(), X, treated, matching.PropensitySpec{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := matching.Match(context.Background(), matching.NewProblem(m, treated, nil), matching.Spec{Method: matching.IPW})
	if err != nil {
		t.Fatal(err)
	}
	// ATT weights (Hirano, Imbens & Ridder 2003): 1 for participants,
	// e/(1-e) for comparison units.
	for i, e := range m.Score {
		want := 1.0
		if !treated[i] {
			want = e / (1 - e)
		}
		if math.Abs(res.Weights[i]-want) > 1e-12*math.Max(1, want) {
			t.Fatalf("unit %d (treated %v, e %.4f): weight %v, want %v", i, treated[i], e, res.Weights[i], want)
		}
	}
}

func TestEstimateErrors(t *testing.T) {
	y := []float64{1, 2, 3, 4}
	s := Sample{Unit: []int{0, 1, 2, 3}, Treated: []bool{true, false, true, false}, Weight: []float64{1, 1, 1, 1}, Set: []int{-1, -1, -1, -1}}
	for _, c := range []struct {
		name string
		spec VarianceSpec
	}{
		{"cluster without sets", VarianceSpec{Method: ClusterSets}},
		{"unknown method", VarianceSpec{Method: "bootstrap"}},
		{"bad level", VarianceSpec{Level: 95}},
	} {
		if _, err := Estimate(context.Background(), y, nil, s, c.spec); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}
