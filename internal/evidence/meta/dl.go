package meta

import "math"

// tau2DerSimonianLaird is the method-of-moments estimator of DerSimonian &
// Laird (1986), doi:10.1016/0197-2456(86)90046-2:
// τ² = max(0, (Q - (k-1)) / (Σw - Σw²/Σw)) with w_i = 1/v_i.
func tau2DerSimonianLaird(y, v []float64, _ Spec) (float64, int, error) {
	w := weights(v, 0)
	sw := sum(w)
	c := sw - dot(w, w)/sw
	return math.Max(0, (cochranQ(y, v)-float64(len(y)-1))/c), 0, nil
}
