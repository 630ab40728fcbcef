package impact

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// Rosenbaum is a sensitivity analysis of a matched-pairs effect to hidden
// bias: Rosenbaum's bounds on the one-sided p-value of Wilcoxon's
// signed-rank test when, within a pair, the odds of participation may
// differ by a factor up to Γ because of an unobserved covariate (Rosenbaum
// 2002, Observational Studies, 2nd ed., Springer, ch. 4,
// doi:10.1007/978-1-4757-3692-2; normal approximation as in R's
// rbounds::psens).
type Rosenbaum struct {
	Pairs int // pairs with a non-zero difference
	// Positive is true when the effect tested is an increase (more
	// positive than negative rank mass); the test is one-sided in that
	// direction.
	Positive bool
	// PValue is the upper bound on the one-sided p-value at Γ = 1 (no
	// hidden bias): the usual signed-rank test.
	PValue float64
	// Gamma is the smallest Γ at which the upper-bound p-value reaches
	// Alpha: a hidden bias of that size could explain the result away.
	// 1 when the result is not significant even without hidden bias.
	Gamma float64
	Alpha float64
}

// RosenbaumBounds finds the Γ at which the matched-pairs differences
// diffs (participant minus comparison outcome, one per pair) stop being
// significant at level alpha (default 0.05).
func RosenbaumBounds(diffs []float64, alpha float64) (Rosenbaum, error) {
	if alpha == 0 {
		alpha = 0.05
	}
	if !(alpha > 0 && alpha < 1) {
		return Rosenbaum{}, fmt.Errorf("impact.RosenbaumBounds: alpha = %v; set it between 0 and 1 (e.g. 0.05)", alpha)
	}
	ranks, t, pos := signedRanks(diffs)
	if len(ranks) < 2 {
		return Rosenbaum{}, fmt.Errorf("impact.RosenbaumBounds: %d pairs with a non-zero difference; the signed-rank test needs more", len(ranks))
	}
	r := Rosenbaum{Pairs: len(ranks), Positive: pos, Alpha: alpha}
	p := func(gamma float64) float64 { return rosenbaumP(ranks, t, gamma) }
	r.PValue = p(1)
	if r.PValue >= alpha {
		r.Gamma = 1
		return r, nil
	}
	lo, hi := 0.0, 1.0 // in log Γ
	for p(math.Exp(hi)) < alpha {
		hi *= 2
		if hi > 50 {
			return r, fmt.Errorf("impact.RosenbaumBounds: still significant at Γ = e^50; the differences are all one-signed and very many")
		}
	}
	for range 100 {
		mid := (lo + hi) / 2
		if p(math.Exp(mid)) < alpha {
			lo = mid
		} else {
			hi = mid
		}
	}
	r.Gamma = math.Exp((lo + hi) / 2)
	return r, nil
}

// RosenbaumPValue is the upper bound on the one-sided signed-rank p-value
// at hidden bias gamma (>= 1), in the direction of the observed effect.
func RosenbaumPValue(diffs []float64, gamma float64) float64 {
	ranks, t, _ := signedRanks(diffs)
	return rosenbaumP(ranks, t, gamma)
}

// signedRanks ranks |d| over non-zero differences (mid-ranks for ties) and
// returns the ranks, the signed-rank statistic in the effect's direction,
// and whether that direction is positive.
func signedRanks(diffs []float64) ([]float64, float64, bool) {
	var d []float64
	for _, v := range diffs {
		if v != 0 && !math.IsNaN(v) {
			d = append(d, v)
		}
	}
	idx := make([]int, len(d))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return math.Abs(d[idx[a]]) < math.Abs(d[idx[b]]) })
	ranks := make([]float64, len(d))
	for a := 0; a < len(idx); {
		b := a + 1
		for b < len(idx) && math.Abs(d[idx[b]]) == math.Abs(d[idx[a]]) {
			b++
		}
		mid := float64(a+b+1) / 2 // mean of ranks a+1..b
		for k := a; k < b; k++ {
			ranks[idx[k]] = mid
		}
		a = b
	}
	var tPos, total float64
	for i, v := range d {
		total += ranks[i]
		if v > 0 {
			tPos += ranks[i]
		}
	}
	if tPos >= total/2 {
		return ranks, tPos, true
	}
	return ranks, total - tPos, false
}

func rosenbaumP(ranks []float64, t, gamma float64) float64 {
	pp := gamma / (1 + gamma)
	var s, s2 float64
	for _, r := range ranks {
		s += r
		s2 += r * r
	}
	mean := pp * s
	sd := math.Sqrt(pp * (1 - pp) * s2)
	return distuv.UnitNormal.Survival((t - mean) / sd)
}
