package impact

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Sample is the analysis sample of one evaluation: one row per unit (or,
// with replacement, per unit per matched set), as MatchIt's match.data and
// get_matches give it.
type Sample struct {
	Unit    []int     // index of the row's unit in the outcome vectors
	Treated []bool    // participant?
	Weight  []float64 // matching or weighting weight (> 0)
	Set     []int     // matched-set id, or -1 when there are no sets
}

// Len is the number of rows.
func (s Sample) Len() int { return len(s.Unit) }

// UnitSample has one row per unit with positive weight (match.data):
// the form for matching without replacement (sets are the matched pairs or
// sets), kernel matching and weighting (sets nil or all -1).
func UnitSample(treated []bool, weights []float64, sets []int) Sample {
	if len(weights) != len(treated) || (sets != nil && len(sets) != len(treated)) {
		panic("impact.UnitSample: treatment flags, weights and sets differ in length")
	}
	var s Sample
	for i, w := range weights {
		if w <= 0 {
			continue
		}
		set := -1
		if sets != nil {
			set = sets[i]
		}
		s.Unit = append(s.Unit, i)
		s.Treated = append(s.Treated, treated[i])
		s.Weight = append(s.Weight, w)
		s.Set = append(s.Set, set)
	}
	return s
}

// PairSample is the long form for matching with replacement
// (get_matches): for each matched set, the participant's row with weight 1
// and one row per comparison unit with weight 1/k, k the set's number of
// comparison units; a comparison unit reused in several sets appears in
// each. treatedUnit, controlUnit and set describe the matched pairs.
func PairSample(treatedUnit, controlUnit, set []int) Sample {
	if len(controlUnit) != len(treatedUnit) || len(set) != len(treatedUnit) {
		panic("impact.PairSample: pair slices differ in length")
	}
	k := map[int]int{}
	first := map[int]int{}
	var order []int
	for p, s := range set {
		if _, ok := k[s]; !ok {
			first[s] = treatedUnit[p]
			order = append(order, s)
		}
		k[s]++
	}
	var out Sample
	for _, s := range order {
		out.Unit = append(out.Unit, first[s])
		out.Treated = append(out.Treated, true)
		out.Weight = append(out.Weight, 1)
		out.Set = append(out.Set, s)
	}
	for p, s := range set {
		out.Unit = append(out.Unit, controlUnit[p])
		out.Treated = append(out.Treated, false)
		out.Weight = append(out.Weight, 1/float64(k[s]))
		out.Set = append(out.Set, s)
	}
	return out
}

// Variance methods of Estimate.
const (
	// ClusterSets is the cluster-robust (HC1) sandwich with matched sets as
	// clusters, as sandwich::vcovCL(fit, cluster = ~subclass) — MatchIt's
	// recommendation after matching without replacement.
	ClusterSets = "cluster"
	// TwoWay clusters on both the matched set and the unit (Cameron,
	// Gelbach & Miller 2011), for matching with replacement, as
	// sandwich::vcovCL(fit, cluster = ~subclass + id) on get_matches output.
	TwoWay = "twoway"
	// Robust is the heteroskedasticity-robust HC1 sandwich (White 1980),
	// for weighting and kernel matching.
	Robust = "robust"
)

// VarianceSpec sets how uncertainty is estimated.
type VarianceSpec struct {
	// Method is ClusterSets, TwoWay or Robust. Empty means ClusterSets when
	// every row has a set, else Robust.
	Method string
	// Level is the confidence level (default 0.95).
	Level float64
}

// Effect is one outcome's estimate of the average treatment effect on the
// treated.
type Effect struct {
	// Available is false when the outcome cannot be observed for any
	// participant or any comparison unit in the sample; then every figure
	// is NaN (never zero).
	Available        bool
	ParticipantsMean float64 // weighted mean outcome of participants
	ComparisonMean   float64 // weighted mean outcome of comparison units
	ATT              float64 // ParticipantsMean - ComparisonMean
	SE               float64
	CILow, CIHigh    float64
	PValue           float64 // two-sided, Student t with DF degrees of freedom
	DF               int     // residual degrees of freedom (rows - 2), as lmtest::coeftest
	Level            float64
	Variance         string // method used
	Clusters         int    // clusters (matched sets) for ClusterSets/TwoWay
	// Units with an available outcome and positive weight.
	Treated, Controls int
	// Units dropped because their outcome is unavailable (not yet
	// observable, or missing): never counted as zero.
	UnavailableTreated, UnavailableControls int
}

// Estimate computes the ATT on outcome y as the weighted least-squares
// coefficient of y on participation over the sample, with a sandwich
// standard error, a t-based confidence interval and p-value (df = rows - 2,
// as lmtest::coeftest on an lm fit). ok[i] false marks unit i's outcome as
// unavailable: its rows are dropped from this outcome's estimate.
func Estimate(ctx context.Context, y []float64, ok []bool, s Sample, spec VarianceSpec) (Effect, error) {
	n := s.Len()
	if len(s.Treated) != n || len(s.Weight) != n || len(s.Set) != n {
		panic("impact.Estimate: sample columns differ in length")
	}
	if ok != nil && len(ok) != len(y) {
		panic("impact.Estimate: availability and outcome vectors differ in length")
	}
	if err := ctx.Err(); err != nil {
		return Effect{}, fmt.Errorf("impact.Estimate: %w", err)
	}
	if spec.Level == 0 {
		spec.Level = 0.95
	}
	if !(spec.Level > 0 && spec.Level < 1) {
		return Effect{}, fmt.Errorf("impact.Estimate: Level = %v; set it between 0 and 1 (e.g. 0.95)", spec.Level)
	}
	if spec.Method == "" {
		spec.Method = ClusterSets
		for _, g := range s.Set {
			if g < 0 {
				spec.Method = Robust
				break
			}
		}
	}
	switch spec.Method {
	case ClusterSets, TwoWay:
		for r, g := range s.Set {
			if g < 0 {
				return Effect{}, fmt.Errorf("impact.Estimate: row %d (unit %d) has no matched set, but Method %q clusters on sets; use %q for weighting or kernel matching", r, s.Unit[r], spec.Method, Robust)
			}
		}
	case Robust:
	default:
		return Effect{}, fmt.Errorf("impact.Estimate: Method %q is not known; use %q, %q or %q", spec.Method, ClusterSets, TwoWay, Robust)
	}

	e := Effect{Level: spec.Level, Variance: spec.Method}
	nan := math.NaN()
	rows := make([]int, 0, n)
	// Per unit (an index into y): whether it has been counted as seen or
	// as unavailable. A slice, not maps: Estimate runs once per outcome and
	// week, so this loop is hot on large samples.
	const seenUnit, unavailableUnit = 1, 2
	state := make([]uint8, len(y))
	for r := range n {
		u := s.Unit[r]
		w := s.Weight[r]
		if !(w > 0) || math.IsInf(w, 0) {
			if w != 0 {
				return Effect{}, fmt.Errorf("impact.Estimate: row %d (unit %d) has weight %v; weights must be finite and not negative", r, u, w)
			}
			continue
		}
		if u < 0 || u >= len(y) {
			return Effect{}, fmt.Errorf("impact.Estimate: row %d refers to unit %d, outside the %d outcomes; Sample.Unit must index y", r, u, len(y))
		}
		if (ok != nil && !ok[u]) || math.IsNaN(y[u]) {
			if state[u]&unavailableUnit == 0 {
				state[u] |= unavailableUnit
				if s.Treated[r] {
					e.UnavailableTreated++
				} else {
					e.UnavailableControls++
				}
			}
			continue
		}
		rows = append(rows, r)
		if state[u]&seenUnit == 0 {
			state[u] |= seenUnit
			if s.Treated[r] {
				e.Treated++
			} else {
				e.Controls++
			}
		}
	}
	if e.Treated == 0 || e.Controls == 0 {
		e.ParticipantsMean, e.ComparisonMean, e.ATT, e.SE, e.CILow, e.CIHigh, e.PValue = nan, nan, nan, nan, nan, nan, nan
		return e, nil
	}
	e.Available = true

	// Weighted least squares of y on (1, treated): the coefficients are the
	// weighted group means.
	var swT, swC, syT, syC float64
	for _, r := range rows {
		w, v := s.Weight[r], y[s.Unit[r]]
		if s.Treated[r] {
			swT += w
			syT += w * v
		} else {
			swC += w
			syC += w * v
		}
	}
	e.ParticipantsMean, e.ComparisonMean = syT/swT, syC/swC
	e.ATT = e.ParticipantsMean - e.ComparisonMean

	// Estimating-function contributions w·e·x, x = (1, treated).
	score := make([][2]float64, len(rows))
	for k, r := range rows {
		res := y[s.Unit[r]] - e.ComparisonMean
		x1 := 0.0
		if s.Treated[r] {
			res = y[s.Unit[r]] - e.ParticipantsMean
			x1 = 1
		}
		score[k] = [2]float64{s.Weight[r] * res, s.Weight[r] * res * x1}
	}
	bread := mat.NewDense(2, 2, []float64{swT + swC, swT, swT, swT})
	if err := bread.Inverse(bread); err != nil {
		return Effect{}, fmt.Errorf("impact.Estimate: the weighted design is singular: %w", err)
	}
	nr := len(rows)
	var meat *mat.SymDense
	switch spec.Method {
	case ClusterSets:
		raw := make([]int, nr)
		for k, r := range rows {
			raw[k] = s.Set[r]
		}
		ids, g := denseIDs(raw)
		meat, e.Clusters = clusterMeat(score, ids, g)
	case TwoWay:
		meat, e.Clusters = twoWayMeat(score, rows, s)
	case Robust:
		meat = rowMeat(score)
	}
	if meat == nil {
		return Effect{}, fmt.Errorf("impact.Estimate: only one cluster; a cluster-robust variance needs at least two matched sets")
	}
	// HC1 small-sample factor (n-1)/(n-k), as sandwich's type = "HC1".
	meat.ScaleSym(float64(nr-1)/float64(nr-2), meat)
	var v mat.Dense
	v.Product(bread, meat, bread.T())
	varATT := v.At(1, 1)
	if !(varATT >= 0) {
		return Effect{}, fmt.Errorf("impact.Estimate: the %s variance of the ATT is %v (not positive); with two-way clustering this can happen in small samples: use %q instead", spec.Method, varATT, ClusterSets)
	}
	e.SE = math.Sqrt(varATT)
	e.DF = nr - 2
	if e.DF < 1 {
		return Effect{}, fmt.Errorf("impact.Estimate: %d rows leave no residual degrees of freedom; the estimate needs at least 3", nr)
	}
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(e.DF)}
	q := t.Quantile(0.5 + spec.Level/2)
	e.CILow, e.CIHigh = e.ATT-q*e.SE, e.ATT+q*e.SE
	if e.SE > 0 {
		e.PValue = 2 * t.Survival(math.Abs(e.ATT)/e.SE)
	} else {
		e.PValue = nan
	}
	return e, nil
}
