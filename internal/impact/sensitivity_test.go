package impact

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestEValue(t *testing.T) {
	// VanderWeele & Ding (2017), Annals of Internal Medicine 167(4):268–274:
	// for RR = 3.9 with 95% CI 1.8 to 8.7 the E-value is 3.9 + sqrt(3.9·2.9)
	// = 7.26 and for the lower limit 1.8 + sqrt(1.8·0.8) = 3.0 (their
	// worked example). Closed forms: tolerance 1e-9 abs.
	cases := []struct {
		name          string
		rr, lo, hi    float64
		point, ciWant float64
	}{
		{"harmful, CI excludes 1", 3.9, 1.8, 8.7, 3.9 + math.Sqrt(3.9*2.9), 3.0},
		{"protective", 0.5, 0.3, 0.8, 2 + math.Sqrt(2), 1/0.8 + math.Sqrt(1/0.8*(1/0.8-1))},
		{"CI includes 1", 1.3, 0.9, 1.8, 1.3 + math.Sqrt(1.3*0.3), 1},
	}
	for _, c := range cases {
		e := EValueRR(c.rr, c.lo, c.hi)
		if math.Abs(e.Point-c.point) > 1e-9 || math.Abs(e.CI-c.ciWant) > 1e-9 {
			t.Errorf("%s: E-value %v (CI %v), want %v (%v)", c.name, e.Point, e.CI, c.point, c.ciWant)
		}
	}
	if e := EValueSMD(0.5, 0.1); math.Abs(e.Point-evalueRR(math.Exp(0.455))) > 1e-12 || math.Abs(e.CI-evalueRR(math.Exp(0.455-0.178))) > 1e-12 {
		t.Errorf("SMD E-value %+v", e)
	}
}

// exactSignedRankP is the exact upper-bound p-value by enumerating every
// sign pattern: under hidden bias Γ each pair's difference is positive
// with probability at most Γ/(1+Γ), independently (Rosenbaum 2002, §4.3).
func exactSignedRankP(d []float64, gamma float64) float64 {
	ranks, t, _ := signedRanks(d)
	pp := gamma / (1 + gamma)
	n := len(ranks)
	var p float64
	for mask := 0; mask < 1<<n; mask++ {
		var s, prob float64 = 0, 1
		for i := range n {
			if mask&(1<<i) != 0 {
				s += ranks[i]
				prob *= pp
			} else {
				prob *= 1 - pp
			}
		}
		if s >= t {
			p += prob
		}
	}
	return p
}

func TestRosenbaum(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	d := make([]float64, 20)
	for i := range d {
		d[i] = 0.6 + rng.NormFloat64()
	}
	// Normal approximation against exact enumeration (tolerance 0.03 abs:
	// the approximation's error at n = 20 in the tail that matters).
	for _, g := range []float64{1, 1.5, 2} {
		if got, want := RosenbaumPValue(d, g), exactSignedRankP(d, g); math.Abs(got-want) > 0.03 {
			t.Errorf("Γ = %v: p %.4f, exact %.4f", g, got, want)
		}
	}
	big := make([]float64, 200)
	for i := range big {
		big[i] = 0.5 + rng.NormFloat64()
	}
	r, err := RosenbaumBounds(big, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Positive || r.Gamma <= 1 || r.PValue >= 0.05 {
		t.Fatalf("bounds %+v: want a positive effect, significant at Γ=1", r)
	}
	// Two routes: the Γ found gives p = alpha, and p rises with Γ.
	if p := RosenbaumPValue(big, r.Gamma); math.Abs(p-0.05) > 1e-9 {
		t.Errorf("p at Γ* = %.4f is %v, want 0.05", r.Gamma, p)
	}
	if RosenbaumPValue(big, r.Gamma*0.9) >= 0.05 || RosenbaumPValue(big, r.Gamma*1.1) <= 0.05 {
		t.Error("p-value bound not increasing through Γ*")
	}
	// A negative effect is tested in its own direction.
	neg := make([]float64, len(big))
	for i, v := range big {
		neg[i] = -v
	}
	rn, _ := RosenbaumBounds(neg, 0.05)
	if rn.Positive || math.Abs(rn.Gamma-r.Gamma) > 1e-9 {
		t.Errorf("mirrored effect: %+v vs %+v", rn, r)
	}
	// No effect in a small sample: not significant even without hidden
	// bias, so Γ = 1.
	flat := []float64{1, -1, 2, -2, 3, -3, 0.5, -0.4}
	if rz, err := RosenbaumBounds(flat, 0.05); err != nil || rz.Gamma != 1 {
		t.Errorf("null differences: %+v, %v; want Γ = 1", rz, err)
	}
}
