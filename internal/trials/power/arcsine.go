package power

import (
	"fmt"
	"math"
)

// CohenH is Cohen's effect size for two proportions,
// h = 2·asin(√p1) − 2·asin(√p2) (Cohen 1988, eq. 6.2.1; pwr's ES.h). The
// arcsine transformation stabilises the variance of a proportion, so h is
// N(h, 1/n1 + 1/n2) approximately, whatever p1 and p2 are.
func CohenH(p1, p2 float64) float64 {
	return 2*math.Asin(math.Sqrt(p1)) - 2*math.Asin(math.Sqrt(p2))
}

// arcsine is pwr.2p.test / pwr.2p2n.test: the test statistic is normal
// with mean h·√(n1·n2/(n1+n2)) and unit variance.
func arcsine(p Problem) (design, error) {
	if err := checkProportions(p); err != nil {
		return design{}, err
	}
	if p.D != 0 {
		return design{}, fmt.Errorf("power: d (%g) is an effect size for two means: for two proportions give --p1 and --p2, or --h", p.D)
	}
	if p.H != 0 && p.P1 != 0 {
		return design{}, fmt.Errorf("power: both h (%g) and p1 (%g) given: give --h, or --p1 and --p2", p.H, p.P1)
	}
	d := design{
		power: func(n1, n2, h float64) float64 {
			return zTestPower(h*math.Sqrt(n1*n2/(n1+n2)), p.Alpha, p.Alternative)
		},
		minEffN: 2,
	}
	switch {
	case p.H != 0:
		d.x, d.xKnown = p.H, true
	case p.P1 != 0 && p.P2 != 0:
		d.x, d.xKnown = CohenH(p.P1, p.P2), true
	case p.P1 != 0:
		return design{}, fmt.Errorf("power: p1 given without p2: give --p2 too (or leave out --p1 and give --p2, --n and --power to solve for the detectable p1)")
	}
	// h ranges over (−π, π); with p2 known, over the values that keep p1
	// inside [0, 1].
	hmax, hmin := math.Pi, -math.Pi
	if p.P2 != 0 {
		a2 := 2 * math.Asin(math.Sqrt(p.P2))
		hmax, hmin = math.Pi-a2, -a2
	}
	if p.Alternative == Less {
		d.xlo, d.xhi = hmin, -1e-10
	} else {
		d.xlo, d.xhi = 1e-10, hmax
	}
	d.report = func(r *Result, h float64) {
		r.Effect, r.EffectName = h, "h"
		if p.P2 != 0 {
			r.P2 = p.P2
			r.P1 = p.P1
			if p.P1 == 0 {
				s := math.Sin(math.Asin(math.Sqrt(p.P2)) + h/2)
				r.P1 = s * s
			}
		}
	}
	return d, nil
}

// checkProportions checks that given proportions lie strictly inside (0, 1).
func checkProportions(p Problem) error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"p1", p.P1}, {"p2", p.P2}} {
		if f.v != 0 && !(f.v > 0 && f.v < 1) {
			return fmt.Errorf("power: %s = %g is not a proportion strictly between 0 and 1: give e.g. --%s 0.3", f.name, f.v, f.name)
		}
	}
	if p.P1 != 0 && p.P1 == p.P2 {
		return fmt.Errorf("power: p1 and p2 are both %g: there is no effect to detect", p.P1)
	}
	return nil
}
