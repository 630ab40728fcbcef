package evaluation

import (
	"context"
	"fmt"
	"math"

	"github.com/employment-data-lab/datalab/internal/impact"
	"github.com/employment-data-lab/datalab/internal/matching"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// estimator holds a matched sample in compact form: the distinct units with
// positive weight, their outcomes, and the impact.Sample whose Unit indices
// point into them.
type estimator struct {
	sample   impact.Sample
	outs     []timeline.Outcomes // by compact unit
	variance impact.VarianceSpec
	// setTreated gives, for matching without replacement, for each sample
	// row the compact index of its matched set's participant (nil
	// otherwise), so a set whose participant's outcome is unavailable is
	// dropped whole rather than leaving its comparators unpaired. A slice by
	// row, not a map by set: values runs once per outcome and week.
	setTreated []int
	// pairs lists (participant, comparator) compact indices for 1:1
	// matching without replacement, for Rosenbaum bounds.
	pairs [][2]int
}

func varianceName(s matching.Spec) string {
	switch {
	case s.Method == matching.Nearest && !s.Replace:
		return "cluster-robust (HC1) on matched sets, t reference (MatchIt's recommendation; sandwich::vcovCL)"
	case s.Method == matching.Nearest:
		return "two-way cluster-robust on matched set and comparator (Cameron, Gelbach & Miller 2011), for matching with replacement"
	}
	return "heteroskedasticity-robust (HC1) sandwich on the weighted regression"
}

// newEstimator lays out the matched sample of res over units, computing
// each sampled unit's outcomes with outcome.
func newEstimator(ctx context.Context, units []Unit, res *matching.Result, workers int, outcome func(u Unit) timeline.Outcomes) (*estimator, error) {
	treated := make([]bool, len(units))
	for i, u := range units {
		treated[i] = u.Treated
	}
	s := res.Spec
	var full impact.Sample
	e := &estimator{}
	switch {
	case s.Method == matching.Nearest && s.Replace:
		tu, cu, set := make([]int, len(res.Pairs)), make([]int, len(res.Pairs)), make([]int, len(res.Pairs))
		for k, p := range res.Pairs {
			tu[k], cu[k], set[k] = p.Treated, p.Control, p.Set
		}
		full = impact.PairSample(tu, cu, set)
		e.variance = impact.VarianceSpec{Method: impact.TwoWay}
	case s.Method == matching.Nearest:
		full = impact.UnitSample(treated, res.Weights, res.Set)
		e.variance = impact.VarianceSpec{Method: impact.ClusterSets}
	default:
		full = impact.UnitSample(treated, res.Weights, nil)
		e.variance = impact.VarianceSpec{Method: impact.Robust}
	}
	// Compact the unit indices.
	compact := map[int]int{}
	var order []int
	for k, u := range full.Unit {
		c, ok := compact[u]
		if !ok {
			c = len(order)
			compact[u] = c
			order = append(order, u)
		}
		full.Unit[k] = c
	}
	e.sample = full
	e.outs = make([]timeline.Outcomes, len(order))
	if err := parallel(ctx, len(order), workers, func(k int) { e.outs[k] = outcome(units[order[k]]) }); err != nil {
		return nil, fmt.Errorf("evaluation: outcomes: %w", err)
	}
	if s.Method == matching.Nearest && !s.Replace {
		bySet := make([]int, len(res.Set)) // set ids index participants (0, 1, …)
		for i := range bySet {
			bySet[i] = -1
		}
		for k := range full.Unit {
			if full.Treated[k] && full.Set[k] >= 0 {
				bySet[full.Set[k]] = full.Unit[k]
			}
		}
		e.setTreated = make([]int, len(full.Unit))
		for k := range full.Unit {
			e.setTreated[k] = -1
			if s := full.Set[k]; s >= 0 {
				e.setTreated[k] = bySet[s]
			}
		}
		if s.Ratio == 1 {
			for _, p := range res.Pairs {
				e.pairs = append(e.pairs, [2]int{compact[p.Treated], compact[p.Control]})
			}
		}
	}
	return e, nil
}

// values returns each compact unit's value of outcome h, and whether it is
// available (never zero for unavailable).
func (e *estimator) values(h Headline) ([]float64, []bool) {
	y := make([]float64, len(e.outs))
	ok := make([]bool, len(e.outs))
	for i := range e.outs {
		y[i], ok[i] = e.outs[i].Value(h.Outcome, max(h.Week, 0))
	}
	if e.setTreated != nil {
		// Drop a matched set whose participant's outcome is unavailable.
		for k, u := range e.sample.Unit {
			if !e.sample.Treated[k] {
				if t := e.setTreated[k]; t >= 0 && !ok[t] {
					ok[u] = false
				}
			}
		}
	}
	return y, ok
}

// estimate is one outcome's row.
func (e *estimator) estimate(ctx context.Context, h Headline) (EstimateRow, error) {
	y, ok := e.values(h)
	row := EstimateRow{Outcome: h.Outcome, Week: intPtr(h.Week)}
	eff, err := impact.Estimate(ctx, y, ok, e.sample, e.variance)
	if err != nil {
		return row, fmt.Errorf("estimating %s: %w", h, err)
	}
	row.Available = eff.Available
	row.Participants, row.Comparison = eff.Treated, eff.Controls
	if eff.Available {
		row.ParticipantsMean, row.ComparisonMean = ptr(eff.ParticipantsMean), ptr(eff.ComparisonMean)
		row.Estimate, row.SE = ptr(eff.ATT), ptr(eff.SE)
		row.CILow, row.CIHigh, row.PValue = ptr(eff.CILow), ptr(eff.CIHigh), ptr(eff.PValue)
	}
	return row, nil
}

// all estimates every default outcome: weekly ones at weeks 0..Horizon.
func (e *estimator) all(ctx context.Context) ([]EstimateRow, error) {
	var rows []EstimateRow
	for _, def := range timeline.DefaultOutcomes() {
		weeks := []int{-1}
		if def.Weekly {
			weeks = weeks[:0]
			for w := 0; w <= timeline.Horizon; w++ {
				weeks = append(weeks, w)
			}
		}
		for _, w := range weeks {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			r, err := e.estimate(ctx, Headline{def.Name, w})
			if err != nil {
				return nil, err
			}
			rows = append(rows, r)
		}
	}
	return rows, nil
}

// sensitivity computes the E-value of a headline estimate and, for 1:1
// matching without replacement, Rosenbaum bounds.
func (e *estimator) sensitivity(h Headline, row EstimateRow) Sensitivity {
	s := Sensitivity{Outcome: h.Outcome, Week: intPtr(h.Week)}
	if !row.Available || row.Estimate == nil || row.SE == nil {
		s.Note = "outcome not observable in the spine's window"
		return s
	}
	def, _ := timeline.LookupOutcome(h.Outcome)
	y, ok := e.values(h)
	if def.Binary && row.ComparisonMean != nil && *row.ComparisonMean > 0 {
		// Risk ratio of participants to comparators, with the CI of the
		// difference carried onto the ratio at the comparison mean.
		cm := *row.ComparisonMean
		ev := impact.EValueRR((cm+*row.Estimate)/cm, (cm+*row.CILow)/cm, (cm+*row.CIHigh)/cm)
		s.EValue, s.EValueCI = ptr(ev.Point), ptr(ev.CI)
	} else if sd := sdOf(y, ok); sd > 0 {
		ev := impact.EValueSMD(*row.Estimate/sd, *row.SE/sd)
		s.EValue, s.EValueCI = ptr(ev.Point), ptr(ev.CI)
	}
	if e.pairs != nil {
		var diffs []float64
		for _, p := range e.pairs {
			if ok[p[0]] && ok[p[1]] {
				diffs = append(diffs, y[p[0]]-y[p[1]])
			}
		}
		if rb, err := impact.RosenbaumBounds(diffs, 0.05); err == nil {
			s.RosenbaumGamma = ptr(rb.Gamma)
		} else {
			s.Note = err.Error()
		}
	} else {
		s.Note = "Rosenbaum bounds need 1:1 matching without replacement; the E-value is given"
	}
	return s
}

// sdOf is the standard deviation of the available values.
func sdOf(y []float64, ok []bool) float64 {
	var n, m, m2 float64
	for i, v := range y {
		if !ok[i] {
			continue
		}
		n++
		d := v - m
		m += d / n
		m2 += d * (v - m)
	}
	if n < 2 {
		return 0
	}
	return math.Sqrt(m2 / (n - 1))
}
