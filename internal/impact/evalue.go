package impact

import "math"

// EValue is the minimum strength of association, on the risk-ratio scale,
// that an unmeasured confounder would need with both participation and the
// outcome to explain away an estimate (VanderWeele & Ding 2017, Annals of
// Internal Medicine 167(4):268–274, doi:10.7326/M16-2607).
type EValue struct {
	Point float64 // for the point estimate
	CI    float64 // for the confidence limit nearer the null (1 if the CI includes it)
}

// evalueRR is RR + sqrt(RR(RR-1)) for RR >= 1, applied to 1/RR below 1.
func evalueRR(rr float64) float64 {
	if rr < 1 {
		rr = 1 / rr
	}
	return rr + math.Sqrt(rr*(rr-1))
}

// EValueRR is the E-value of a risk ratio rr with confidence limits lo, hi
// (e.g. the proportion employed among participants over that among
// comparison units).
func EValueRR(rr, lo, hi float64) EValue {
	e := EValue{Point: evalueRR(rr)}
	switch {
	case lo > 1:
		e.CI = evalueRR(lo)
	case hi < 1:
		e.CI = evalueRR(hi)
	default:
		e.CI = 1
	}
	return e
}

// EValueSMD is the E-value of a standardised mean difference d (the ATT
// over the outcome's SD) with standard error se, using the approximation
// RR ≈ exp(0.91·d) and its CI exp(0.91·d ± 1.78·se) (VanderWeele & Ding
// 2017, and VanderWeele 2017, Epidemiology 28(6):e45-e46, for continuous
// outcomes such as earnings).
func EValueSMD(d, se float64) EValue {
	return EValueRR(math.Exp(0.91*d), math.Exp(0.91*d-1.78*se), math.Exp(0.91*d+1.78*se))
}
