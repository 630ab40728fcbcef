package power

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// normal is the normal approximation to the difference of two proportions
// without continuity correction (Fleiss, Levin & Paik 2003, §4.2): under
// the null the difference has the pooled variance p̄q̄(1/n1 + 1/n2), with
// p̄ = (n1·p1 + n2·p2)/(n1 + n2); under the alternative the unpooled
// variance p1q1/n1 + p2q2/n2. With equal groups and two-sided tests
// counting both tails it is R's power.prop.test(strict = TRUE).
func normal(p Problem) (design, error) {
	if err := checkProportions(p); err != nil {
		return design{}, err
	}
	switch {
	case p.H != 0:
		return design{}, fmt.Errorf("power: h (%g) is the arcsine method's effect size: with --method normal give --p1 and --p2", p.H)
	case p.D != 0:
		return design{}, fmt.Errorf("power: d (%g) is an effect size for two means: give --p1 and --p2", p.D)
	case p.P2 == 0:
		return design{}, fmt.Errorf("power: the normal method needs p2, the comparison group's proportion: give --p2")
	}
	p2 := p.P2
	d := design{
		power: func(n1, n2, p1 float64) float64 {
			pbar := (n1*p1 + n2*p2) / (n1 + n2)
			s0 := math.Sqrt(pbar * (1 - pbar) * (1/n1 + 1/n2))
			s1 := math.Sqrt(p1*(1-p1)/n1 + p2*(1-p2)/n2)
			diff := p1 - p2
			switch p.Alternative {
			case Greater:
				return normCDF((diff - normQuantile(1-p.Alpha)*s0) / s1)
			case Less:
				return normCDF((-normQuantile(1-p.Alpha)*s0 - diff) / s1)
			default:
				z := normQuantile(1 - p.Alpha/2)
				return normCDF((diff-z*s0)/s1) + normCDF((-z*s0-diff)/s1)
			}
		},
		minEffN: 2,
	}
	if p.P1 != 0 {
		d.x, d.xKnown = p.P1, true
	}
	// The effect searched for is p1 itself, above p2 unless the
	// alternative is "less".
	const eps = 1e-12
	if p.Alternative == Less {
		d.xlo, d.xhi = eps, p2-eps
	} else {
		d.xlo, d.xhi = p2+eps, 1-eps
	}
	d.report = func(r *Result, p1 float64) {
		r.Effect, r.EffectName, r.P1, r.P2 = p1-p2, "p1-p2", p1, p2
	}
	return d, nil
}

func normCDF(x float64) float64      { return distuv.UnitNormal.CDF(x) }
func normQuantile(p float64) float64 { return distuv.UnitNormal.Quantile(p) }
