package matching

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
)

// matchKernel is kernel matching for the ATT (Heckman, Ichimura & Todd
// 1998, Review of Economic Studies 65(2):261–294, doi:10.1111/1467-937X.00044):
// each participant t is compared with a weighted mean of the comparison
// units in its stratum, weights from the Epanechnikov kernel
// K(u) = ¾(1-u²) for |u| < 1, u = (d_c - d_t)/h, with h = CaliperWidth
// (Bandwidth SDs of the distance). A comparison unit's weight is the sum of
// its shares K_tc / Σ_c' K_tc' over participants, so comparison weights sum
// to the number of participants matched. A participant with no comparison
// unit within h is left unmatched (counted as outside the caliper).
func matchKernel(ctx context.Context, prob Problem, res *Result, groups [][]int32, discarded []bool) error {
	h := res.CaliperWidth
	if !(h > 0) {
		return fmt.Errorf("matching.Match (kernel): bandwidth is %v in distance units (the distance has no spread); the kernel needs units with different scores", h)
	}
	outside := make([]int, len(groups))
	noCtrl := make([]int, len(groups))
	err := forEachStratum(ctx, groups, res.Spec.Workers, func(k int, g []int32) error {
		var ctrl []int32
		for _, i := range g {
			if !prob.Treated[i] && !discarded[i] {
				ctrl = append(ctrl, i)
			}
		}
		d := res.Distance
		slices.SortStableFunc(ctrl, func(a, b int32) int {
			switch {
			case d[a] < d[b]:
				return -1
			case d[a] > d[b]:
				return 1
			}
			return 0
		})
		cd := make([]float64, len(ctrl))
		for j, c := range ctrl {
			cd[j] = d[c]
		}
		kern := make([]float64, 0, 64)
		for n, t := range g {
			if !prob.Treated[t] || discarded[t] {
				continue
			}
			if n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if len(ctrl) == 0 {
				noCtrl[k]++
				continue
			}
			lo := sort.SearchFloat64s(cd, d[t]-h)
			kern = kern[:0]
			var sum float64
			for j := lo; j < len(cd) && cd[j] <= d[t]+h; j++ {
				u := (cd[j] - d[t]) / h
				w := 0.75 * (1 - u*u)
				if w < 0 {
					w = 0
				}
				kern = append(kern, w)
				sum += w
			}
			if sum == 0 {
				outside[k]++
				continue
			}
			res.Weights[t] = 1
			for j, w := range kern {
				res.Weights[ctrl[lo+j]] += w / sum
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("matching.Match (kernel): %w", err)
	}
	for k := range groups {
		res.Counts.TreatedOutsideCaliper += outside[k]
		res.Counts.TreatedNoControls += noCtrl[k]
	}
	for i, w := range res.Weights {
		if !prob.Treated[i] && w > 0 && math.IsInf(w, 0) {
			return fmt.Errorf("matching.Match (kernel): unit %d has an infinite weight", i)
		}
	}
	return nil
}
