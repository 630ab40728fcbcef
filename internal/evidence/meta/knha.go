package meta

import "math"

// knhaSE is the Hartung–Knapp–Sidik–Jonkman standard error (Hartung & Knapp
// 2001, doi:10.1002/sim.791; Sidik & Jonkman 2002, doi:10.1002/sim.1262):
// the model SE times sqrt(Σ w_i (y_i - μ̂)² / (k-1)), with the
// random-effects weights w. As metafor's test = "knha", the factor is not
// truncated at 1 (Knapp & Hartung 2003 discuss the ad hoc truncation).
func knhaSE(y, w []float64, mu, se float64) float64 {
	q := 0.0
	for i := range y {
		q += w[i] * (y[i] - mu) * (y[i] - mu)
	}
	return se * math.Sqrt(q/float64(len(y)-1))
}
