package power

import (
	"fmt"
	"math"
)

// bisect finds x in [lo, hi] with f(x) = 0 for f monotone on [lo, hi] with
// f(lo) and f(hi) of opposite signs. It halves the bracket until it is
// narrower than a relative 1e-13 of x (or 200 halvings), which is more than
// the accuracy of the power functions it is used on.
func bisect(f func(float64) float64, lo, hi float64) (float64, error) {
	flo, fhi := f(lo), f(hi)
	if math.IsNaN(flo) || math.IsNaN(fhi) {
		return math.NaN(), fmt.Errorf("power function undefined at the search bounds [%g, %g]", lo, hi)
	}
	if flo == 0 {
		return lo, nil
	}
	if fhi == 0 {
		return hi, nil
	}
	if (flo > 0) == (fhi > 0) {
		return math.NaN(), errNoRoot
	}
	for i := 0; i < 200; i++ {
		mid := lo + (hi-lo)/2
		fm := f(mid)
		if fm == 0 {
			return mid, nil
		}
		if (fm > 0) == (flo > 0) {
			lo, flo = mid, fm
		} else {
			hi = mid
		}
		if hi-lo <= 1e-13*math.Max(1, math.Abs(mid)) {
			break
		}
	}
	return lo + (hi-lo)/2, nil
}
