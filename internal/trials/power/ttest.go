package power

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// tTest is the exact power of the two-sample t test with pooled variance
// (pwr.t.test, pwr.t2n.test): under the alternative the statistic has a
// noncentral t distribution with n1 + n2 − 2 degrees of freedom and
// noncentrality d·√(n1·n2/(n1+n2)). The CDF is Lenth's AS 243
// (1989) through gonum, arranged as R's pt() arranges it (nct.go).
func tTest(p Problem) (design, error) {
	if p.P1 != 0 || p.P2 != 0 || p.H != 0 {
		return design{}, fmt.Errorf("power: proportions or h given for two means: give --d, the difference in means divided by the common SD")
	}
	d := design{
		power: func(n1, n2, d float64) float64 {
			nu := n1 + n2 - 2
			ncp := d * math.Sqrt(n1*n2/(n1+n2))
			t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: nu}
			switch p.Alternative {
			case Greater:
				return 1 - nctCDF(t.Quantile(1-p.Alpha), nu, ncp)
			case Less:
				return nctCDF(t.Quantile(p.Alpha), nu, ncp)
			default:
				q := t.Quantile(1 - p.Alpha/2)
				return 1 - nctCDF(q, nu, ncp) + nctCDF(-q, nu, ncp)
			}
		},
		minEffN: 2,
	}
	if p.D != 0 {
		d.x, d.xKnown = p.D, true
	}
	// pwr searches d in (1e-7, 10); a d of 50 SDs is past any real trial.
	if p.Alternative == Less {
		d.xlo, d.xhi = -50, -1e-10
	} else {
		d.xlo, d.xhi = 1e-10, 50
	}
	d.report = func(r *Result, x float64) { r.Effect, r.EffectName = x, "d" }
	return d, nil
}
