package matching

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io/fs"
	"math"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/employment-data-lab/datalab/internal/impact"
)

// readCSV reads a testdata CSV into its header and rows.
func readCSV(t *testing.T, path string) ([]string, [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows[0], rows[1:]
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	v, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// rPairs reads a MatchIt match matrix written as (treated_row, control_row),
// 1-based, into 0-based control by treated unit.
func rPairs(t *testing.T, path string) map[int]int {
	t.Helper()
	_, rows := readCSV(t, path)
	out := map[int]int{}
	for _, r := range rows {
		out[atoi(t, r[0])-1] = atoi(t, r[1]) - 1
	}
	return out
}

// TestLalondeTestdataIsSharedReference checks that testdata/lalonde.csv is
// byte for byte the shared reference file the figures below were made from
// (../shared/reference/lalonde.csv beside the repository), when that exists.
func TestLalondeTestdataIsSharedReference(t *testing.T) {
	shared, err := os.ReadFile("../../../shared/reference/lalonde.csv")
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("../shared/reference/lalonde.csv is not beside the repository; testdata/lalonde.csv stands alone")
	}
	if err != nil {
		t.Fatal(err)
	}
	ours, err := os.ReadFile("testdata/lalonde.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ours, shared) {
		t.Fatal("testdata/lalonde.csv differs from shared/reference/lalonde.csv; copy the shared file over it and rerun the R scripts in testdata")
	}
}

// TestNearestLalondeMatchIt reproduces 1:1 nearest-neighbour matching on the
// propensity score (no replacement, no caliper, largest score first) on
// lalonde under both rules for comparing distances, pair for pair, with the
// ATT on re78, its cluster-robust SE (pairs as clusters, HC1 as
// sandwich::vcovCL) and balance after matching.
//
// Sources, all R 4.2.2 with Debian's r-cran-matchit 4.5.1-1, sandwich and
// lmtest, run on this repository's testdata/lalonde.csv:
//   - CompareTruncated: testdata/lalonde_matchit451.R, MatchIt 4.5.1's
//     default run; its figures are those of shared/reference/README.md;
//     pairs in testdata/lalonde_matchit451_pairs.csv.
//   - CompareExact: testdata/lalonde_matchit451_exact.R, the same matcher
//     given the score times 1e9 so that its truncation acts at 1e-9; its
//     balance is MatchIt 4.7's published output (age 0.0718, educ -0.1290,
//     …; see TestBalanceLalonde); pairs in
//     testdata/lalonde_matchit451_exact_pairs.csv.
//
// Tolerances: ATT and SE 1e-7 relative (R printed 10 significant digits;
// both are closed forms of the same pairs); SMDs and variance ratios 1e-6
// absolute (R printed 6 significant digits).
func TestNearestLalondeMatchIt(t *testing.T) {
	type bal struct{ smd, vr float64 }
	cases := []struct {
		compare string
		pairs   string
		att, se float64
		balance map[string]bal
	}{
		{
			compare: CompareTruncated,
			pairs:   "testdata/lalonde_matchit451_pairs.csv",
			att:     770.3901678, se: 701.5750622,
			balance: map[string]bal{
				"age": {0.0853682, 0.463338}, "educ": {-0.1182890, 0.586200},
				"race=hispan": {-0.6400104, math.NaN()}, "race=white": {-0.7478067, math.NaN()},
				"married": {-0.0276026, math.NaN()}, "nodegree": {0.1307857, math.NaN()},
				"re74": {-0.0780445, 1.262915}, "re75": {-0.0427698, 1.471170},
			},
		},
		{
			compare: CompareExact,
			pairs:   "testdata/lalonde_matchit451_exact_pairs.csv",
			att:     894.3674803, se: 705.2297641,
			balance: map[string]bal{
				"age": {0.0717697, 0.456803}, "educ": {-0.1290426, 0.572114},
				"race=hispan": {-0.6628680, math.NaN()}, "race=white": {-0.7295675, math.NaN()},
				"married": {-0.0552052, math.NaN()}, "nodegree": {0.1545649, math.NaN()},
				"re74": {-0.0504508, 1.328909}, "re75": {-0.0256860, 1.495620},
			},
		},
	}
	l := loadLalonde(t)
	X := l.design(t)
	m, err := Fit(context.Background(), X, l.treated, PropensitySpec{})
	if err != nil {
		t.Fatal(err)
	}
	spread := map[string]float64{}
	for _, c := range cases {
		t.Run(c.compare, func(t *testing.T) {
			res, err := Match(context.Background(), NewProblem(m, l.treated, nil),
				Spec{Distance: DistancePropensity, Caliper: NoCaliper, Compare: c.compare})
			if err != nil {
				t.Fatal(err)
			}
			want := rPairs(t, c.pairs)
			if len(res.Pairs) != len(want) {
				t.Fatalf("%d pairs, MatchIt %d", len(res.Pairs), len(want))
			}
			for _, p := range res.Pairs {
				if want[p.Treated] != p.Control {
					t.Errorf("treated row %d matched row %d, MatchIt row %d", p.Treated+1, p.Control+1, want[p.Treated]+1)
				}
				spread[c.compare] += math.Abs(res.Distance[p.Treated] - res.Distance[p.Control])
			}

			e, err := impact.Estimate(context.Background(), l.cols["re78"], nil,
				impact.UnitSample(l.treated, res.Weights, res.Set), impact.VarianceSpec{Method: impact.ClusterSets})
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(e.ATT-c.att) > 1e-7*c.att {
				t.Errorf("ATT %.7f, MatchIt %.7f", e.ATT, c.att)
			}
			if math.Abs(e.SE-c.se) > 1e-7*c.se {
				t.Errorf("SE %.7f, MatchIt %.7f", e.SE, c.se)
			}

			seen := 0
			for _, r := range Balance(X, l.treated, nil, res.Weights) {
				w, ok := c.balance[r.Covariate]
				if !ok {
					continue
				}
				seen++
				if math.Abs(r.SMDAfter-w.smd) > 1e-6 {
					t.Errorf("%s: SMD after %.7f, MatchIt %.7f", r.Covariate, r.SMDAfter, w.smd)
				}
				if math.IsNaN(w.vr) != math.IsNaN(r.VarianceRatioAfter) || math.Abs(r.VarianceRatioAfter-w.vr) > 1e-6 {
					t.Errorf("%s: variance ratio after %.6f, MatchIt %.6f", r.Covariate, r.VarianceRatioAfter, w.vr)
				}
			}
			if seen != len(c.balance) {
				t.Errorf("balance table has %d of %d covariates", seen, len(c.balance))
			}
		})
	}
	// Why CompareTruncated is not the default: its pairs are further apart.
	if len(spread) == 2 && !(spread[CompareTruncated] > spread[CompareExact]) {
		t.Errorf("summed |score difference| over pairs: truncated %.6f, exact %.6f; want truncated larger", spread[CompareTruncated], spread[CompareExact])
	}
	t.Logf("summed |score difference| over 185 pairs: truncated %.6f, exact %.6f", spread[CompareTruncated], spread[CompareExact])
}

// TestNearestTruncatedMatchIt451 compares CompareTruncated with MatchIt
// 4.5.1's matches on testdata/nearest_matchit451_data.csv (distances on a
// 0.1 grid spread over several whole units), in six settings: 1:1 and 1:2
// without replacement and 1:1 with replacement, each with and without a
// caliper of 0.4 SD (see the script for 1:2 with replacement). Source:
// testdata/nearest_matchit451.R (Debian r-cran-matchit 4.5.1-1, R 4.2.2).
// Matches are integers: compared exactly.
func TestNearestTruncatedMatchIt451(t *testing.T) {
	_, rows := readCSV(t, "testdata/nearest_matchit451_data.csv")
	var prob Problem
	for _, r := range rows {
		prob.Treated = append(prob.Treated, r[0] == "1")
		v, err := strconv.ParseFloat(r[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		prob.Logit = append(prob.Logit, v)
	}
	_, rows = readCSV(t, "testdata/nearest_matchit451.csv")
	want := map[string]map[int][]int{} // setting -> treated -> controls by round
	for _, r := range rows {
		s := r[0]
		if want[s] == nil {
			want[s] = map[int][]int{}
		}
		if r[3] != "" {
			tr := atoi(t, r[1]) - 1
			want[s][tr] = append(want[s][tr], atoi(t, r[3])-1)
		}
	}
	settings := []struct {
		name string
		spec Spec
	}{
		{"k1", Spec{Ratio: 1, Caliper: NoCaliper}},
		{"k2", Spec{Ratio: 2, Caliper: NoCaliper}},
		{"k1_caliper0.4", Spec{Ratio: 1, Caliper: 0.4}},
		{"k2_caliper0.4", Spec{Ratio: 2, Caliper: 0.4}},
		{"k1_replace", Spec{Ratio: 1, Replace: true, Caliper: NoCaliper}},
		{"k1_replace_caliper0.4", Spec{Ratio: 1, Replace: true, Caliper: 0.4}},
	}
	if len(want) != len(settings) {
		t.Fatalf("%d settings in nearest_matchit451.csv, %d here", len(want), len(settings))
	}
	for _, s := range settings {
		t.Run(s.name, func(t *testing.T) {
			for _, cmp := range []string{CompareTruncated, CompareExact} {
				spec := s.spec
				spec.Compare = cmp
				res, err := Match(context.Background(), prob, spec)
				if err != nil {
					t.Fatal(err)
				}
				got := map[int][]int{}
				for _, p := range res.Pairs {
					got[p.Treated] = append(got[p.Treated], p.Control)
				}
				same := len(got) == len(want[s.name])
				for tr, cs := range want[s.name] {
					if !slices.Equal(got[tr], cs) {
						same = false
						if cmp == CompareTruncated {
							t.Errorf("treated row %d matched rows %v, MatchIt 4.5.1 %v", tr+1, plus1(got[tr]), plus1(cs))
						}
					}
				}
				if cmp == CompareTruncated && len(got) != len(want[s.name]) {
					t.Errorf("%d participants matched, MatchIt 4.5.1 %d", len(got), len(want[s.name]))
				}
				// The exact rule must differ here, or this problem would not
				// tell the rules apart.
				if cmp == CompareExact && same {
					t.Errorf("CompareExact gives MatchIt 4.5.1's matches too: the problem does not test truncation")
				}
			}
		})
	}
}

func plus1(xs []int) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = x + 1
	}
	return out
}

// TestNearestTruncatedSmall pins the behaviour of MatchIt 4.5.1 (Debian
// r-cran-matchit 4.5.1-1) on three-unit problems, run with
// matchit(treat ~ ps, distance = ps, ...) and, for the caliper rows,
// caliper = width, std.caliper = FALSE.
func TestNearestTruncatedSmall(t *testing.T) {
	cases := []struct {
		name    string
		treated []bool
		d       []float64
		width   float64 // caliper in distance units; 0 for none
		want    map[int]int
	}{
		{"score: the lower side wins though 8 times further", []bool{true, false, false}, []float64{0.5, 0.1, 0.55}, 0, map[int]int{0: 1}},
		{"whole units: 0 beats 3", []bool{true, false, false}, []float64{5, 1.1, 5.5}, 0, map[int]int{0: 2}},
		{"equal whole units: lower side", []bool{true, false, false}, []float64{5, 3.9, 6.2}, 0, map[int]int{0: 1}},
		{"caliper 0.01 does not bind below one unit", []bool{true, false, false, true}, []float64{0.5, 0.1, 0.15, 0.9}, 0.01, map[int]int{0: 1, 3: 2}},
		{"caliper 0.5 binds at 5 units", []bool{true, false, false, true}, []float64{5.5, 0.1, 0.15, 0.9}, 0.5, map[int]int{3: 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := Spec{Compare: CompareTruncated, Caliper: NoCaliper}
			if c.width > 0 {
				spec.Caliper = c.width / sdExcluding(c.d, make([]bool, len(c.d)))
			}
			res, err := Match(context.Background(), Problem{Treated: c.treated, Logit: c.d}, spec)
			if err != nil {
				t.Fatal(err)
			}
			got := map[int]int{}
			for _, p := range res.Pairs {
				got[p.Treated] = p.Control
			}
			if len(got) != len(c.want) {
				t.Fatalf("matches %v, MatchIt 4.5.1 %v", got, c.want)
			}
			for tr, ctl := range c.want {
				if got[tr] != ctl {
					t.Fatalf("matches %v, MatchIt 4.5.1 %v", got, c.want)
				}
			}
		})
	}
}
