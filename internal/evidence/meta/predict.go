package meta

import "math"

// predictionInterval is μ̂ ± crit sqrt(SE² + τ²) (Higgins, Thompson &
// Spiegelhalter 2009, doi:10.1111/j.1467-985X.2008.00552.x), with the
// critical value of the model's test as metafor's predict.rma: normal, or t
// on k-1 degrees of freedom under Hartung–Knapp.
func predictionInterval(mu, se, tau2, crit float64) (lo, hi float64) {
	h := crit * math.Sqrt(se*se+tau2)
	return mu - h, mu + h
}
