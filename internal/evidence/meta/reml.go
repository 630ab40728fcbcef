package meta

import (
	"fmt"
	"math"
)

// tau2REML is the restricted maximum-likelihood estimator of τ² by Fisher
// scoring, as metafor's rma(method = "REML") (Viechtbauer 2005,
// doi:10.3102/10769986030003261). For the intercept-only model, with
// w_i = 1/(v_i + τ²) and μ̂ the weighted mean,
//
//	P y    = w_i (y_i - μ̂)
//	tr P   = Σw - Σw²/Σw
//	tr PP  = Σw² - 2Σw³/Σw + (Σw²/Σw)²
//	step   = (Σ w_i² (y_i - μ̂)² - tr P) / tr PP
//
// The step is halved while it would take τ² below zero. It starts from the
// DerSimonian–Laird value and stops when a step changes τ² by less than
// s.Tol.
func tau2REML(y, v []float64, s Spec) (float64, int, error) {
	tau2, _, _ := tau2DerSimonianLaird(y, v, s)
	for it := 1; it <= s.MaxIter; it++ {
		w := weights(v, tau2)
		sw := sum(w)
		mu := dot(w, y) / sw
		var sw2, sw3, ypp float64
		for i := range w {
			w2 := w[i] * w[i]
			sw2 += w2
			sw3 += w2 * w[i]
			r := y[i] - mu
			ypp += w2 * r * r
		}
		trP := sw - sw2/sw
		trPP := sw2 - 2*sw3/sw + (sw2/sw)*(sw2/sw)
		adj := (ypp - trP) / trPP
		for tau2+adj < 0 {
			adj /= 2
			if math.Abs(adj) < 1e-300 {
				adj = -tau2
				break
			}
		}
		tau2 += adj
		if math.Abs(adj) < s.Tol {
			return tau2, it, nil
		}
	}
	return 0, s.MaxIter, fmt.Errorf("meta: REML did not converge in %d iterations (tolerance %g); try --method dl, or raise the iteration limit", s.MaxIter, s.Tol)
}
