package power

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// nctCDF is P(T <= t) for T noncentral t with nu degrees of freedom and
// noncentrality ncp, arranged as R's pnt() arranges Lenth's AS 243 (1989):
//
//   - for t < 0 it uses the reflection P(T_{ν,δ} <= t) = 1 − P(T_{ν,−δ} <= −t),
//     so the series is only ever summed for t >= 0;
//   - when ν > 4·10⁵ or δ² is so large that exp(−δ²/2) underflows it uses
//     the normal approximation of Abramowitz & Stegun 26.7.10 (1964),
//     T·(1 − 1/(4ν)) ≈ N(δ, 1 + T²/(2ν)), as pnt() does.
//
// gonum's distuv.NoncentralT.CDF (v0.17.0) sums the same series but, in its
// underflow branch, takes the wrong tail for t < 0 (it returns about 0 for
// pt(−2.33, 2e9, −17889), which is about 1) and has no large-ν branch; the
// arrangement here avoids both and is tested against R's pt().
func nctCDF(t, nu, ncp float64) float64 {
	if t < 0 {
		return 1 - nctCDF(-t, nu, -ncp)
	}
	if nu > 4e5 || ncp*ncp > 2*math.Ln2*1021 {
		s := 1 / (4 * nu)
		return distuv.Normal{Mu: ncp, Sigma: math.Sqrt(1 + t*t*2*s)}.CDF(t * (1 - s))
	}
	return math.Min(distuv.NoncentralT{Nu: nu, Mu: ncp}.CDF(t), 1)
}
