package power

import (
	"math"
	"strings"
	"testing"
)

// close reports whether got is within tol of want, absolutely or relative
// to want.
func close(got, want, tol float64) bool {
	d := math.Abs(got - want)
	return d <= tol || d <= tol*math.Abs(want)
}

// Expected figures: R 4.2.2 with pwr 1.3-0 (pwr.*) and stats
// (power.prop.test), from testdata/pwr_reference.R, whose output is
// testdata/pwr_reference.out. The first two rows are also in
// shared/reference/README.md. R solves with uniroot at tolerance ε^¼, so
// solved sizes and effects agree to about 1e-4; the tolerance is 1e-3
// (absolute or relative), as the issue asks.
func TestSolveAgainstPwr(t *testing.T) {
	tests := []struct {
		name  string
		p     Problem
		field string // which result field to compare
		want  float64
	}{
		{"pwr.2p.test n, README", Problem{Test: TwoProportions, P1: 0.30, P2: 0.25, Power: 0.8}, "n1", 1249.584},
		{"pwr.2p.test h via ES.h", Problem{Test: TwoProportions, P1: 0.30, P2: 0.25, Power: 0.8}, "effect", 0.1120819},
		{"pwr.t.test n, README", Problem{Test: TwoMeans, D: 0.2, Power: 0.8}, "n1", 393.4057},
		{"pwr.2p.test n less", Problem{Test: TwoProportions, H: -0.15, Power: 0.8, Alternative: Less}, "n1", 549.560642831},
		{"pwr.2p.test power greater", Problem{Test: TwoProportions, H: 0.2, N1: 200, Alternative: Greater}, "power", 0.638760031312},
		{"pwr.2p.test h", Problem{Test: TwoProportions, N1: 500, Power: 0.8}, "effect", 0.177186826891},
		{"pwr.2p2n.test power, ratio 2", Problem{Test: TwoProportions, H: 0.2, N1: 300, Ratio: 2}, "power", 0.807430419433},
		{"pwr.t.test n d=0.5 (Cohen's table 2.4.1: 64)", Problem{Test: TwoMeans, D: 0.5, Power: 0.8}, "n1", 63.7656104441},
		{"pwr.t.test n greater", Problem{Test: TwoMeans, D: 0.3, Power: 0.9, Alternative: Greater}, "n1", 190.987924488},
		{"pwr.t.test n less alpha 0.01", Problem{Test: TwoMeans, D: -0.4, Power: 0.8, Alpha: 0.01, Alternative: Less}, "n1", 126.812293658},
		{"pwr.t.test d", Problem{Test: TwoMeans, N1: 100, Power: 0.8}, "effect", 0.398140733302},
		{"pwr.t.test power", Problem{Test: TwoMeans, D: 0.2, N1: 50}, "power", 0.167675486497},
		{"pwr.t2n.test power, ratio 2", Problem{Test: TwoMeans, D: 0.25, N1: 200, Ratio: 2}, "power", 0.821775035412},
		{"pwr.t2n.test d, ratio 2", Problem{Test: TwoMeans, N1: 150, Ratio: 2, Power: 0.8}, "effect", 0.280750865571},
		{"power.prop.test n strict", Problem{Test: TwoProportions, Method: Normal, P1: 0.30, P2: 0.25, Power: 0.8}, "n1", 1250.71377075},
		{"power.prop.test n strict .50 .75", Problem{Test: TwoProportions, Method: Normal, P1: 0.50, P2: 0.75, Power: 0.9}, "n1", 76.7069178978},
		{"power.prop.test power strict", Problem{Test: TwoProportions, Method: Normal, P1: 0.30, P2: 0.25, N1: 1000}, "power", 0.70706043362},
		{"power.prop.test power at its solved p1", Problem{Test: TwoProportions, Method: Normal, P1: 0.19777395469, P2: 0.25, N1: 1000}, "power", 0.8},
		{"power.prop.test n one-sided", Problem{Test: TwoProportions, Method: Normal, P1: 0.30, P2: 0.25, Power: 0.8, Alternative: Greater}, "n1", 985.071000238},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Solve(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]float64{"n1": r.N1, "power": r.Power, "effect": r.Effect}[tt.field]
			if !close(got, tt.want, 1e-3) {
				t.Errorf("%s = %.10g, want %.10g (pwr)", tt.field, got, tt.want)
			}
		})
	}
}

// The README's two figures to the stated 1e-3, plus the rounded-up sizes.
func TestReadmeFigures(t *testing.T) {
	r, err := Solve(Problem{Test: TwoProportions, P1: 0.30, P2: 0.25, Power: 0.8})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.Effect-0.1120819) > 1e-6 || math.Abs(r.N1-1249.584) > 1e-3 || r.N1Required != 1250 || r.N2Required != 1250 {
		t.Errorf("two proportions: h %.7f n1 %.4f (%d, %d); want 0.1120819, 1249.584 (1250, 1250)", r.Effect, r.N1, r.N1Required, r.N2Required)
	}
	r, err = Solve(Problem{Test: TwoMeans, D: 0.2, Power: 0.8})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.N1-393.4057) > 1e-3 || r.N1Required != 394 || r.Method != T {
		t.Errorf("two means: n1 %.4f (%d) method %s; want 393.4057 (394), t", r.N1, r.N1Required, r.Method)
	}
}

// Two routes to one answer: solving for n and then for the power at that
// n gives back the power asked for; solving for the effect at that n gives
// back the effect. Checked for every method, alternative and a ratio.
func TestInverseConsistency(t *testing.T) {
	base := []Problem{
		{Test: TwoProportions, P1: 0.40, P2: 0.32},
		{Test: TwoProportions, Method: Normal, P1: 0.40, P2: 0.32},
		{Test: TwoMeans, D: 0.15},
		{Test: TwoMeans, D: 0.3, Cluster: &Cluster{Size: 12, ICC: 0.04, CV: 0.6}},
		{Test: TwoProportions, Method: Normal, P1: 0.40, P2: 0.32, Cluster: &Cluster{Size: 30, ICC: 0.02}},
	}
	for _, b := range base {
		for _, alt := range []Alternative{TwoSided, Greater} {
			for _, ratio := range []float64{1, 2.5} {
				p := b
				p.Alternative, p.Ratio, p.Power = alt, ratio, 0.8
				rn, err := Solve(p)
				if err != nil {
					t.Fatalf("%+v: %v", p, err)
				}
				q := b
				q.Alternative, q.Ratio, q.N1 = alt, ratio, rn.N1
				rp, err := Solve(q)
				if err != nil {
					t.Fatal(err)
				}
				if !close(rp.Power, 0.8, 1e-9) {
					t.Errorf("%s %s %s ratio %g: power at solved n %.6f = %.12f, want 0.8", p.Test, rn.Method, alt, ratio, rn.N1, rp.Power)
				}
				e := q
				e.D, e.P1, e.H, e.Power = 0, 0, 0, 0.8
				re, err := Solve(e)
				if err != nil {
					t.Fatal(err)
				}
				if !close(re.Effect, rn.Effect, 1e-7) {
					t.Errorf("%s %s %s ratio %g: effect at solved n = %.10f, want %.10f", p.Test, rn.Method, alt, ratio, re.Effect, rn.Effect)
				}
			}
		}
	}
}

// The design effect by hand: 1 + (20 − 1)·0.05 = 1.95 for equal clusters of
// 20 (Donner & Klar 2000); 1 + ((0.5² + 1)·20 − 1)·0.05 = 2.2 with cv 0.5
// (Eldridge, Ashby & Kerry 2006). The clustered n is the individual n
// (pwr.t.test: 393.405696022) times the design effect.
func TestCluster(t *testing.T) {
	tests := []struct {
		c      Cluster
		de     float64
		n1     float64
		k1     float64
		k1Need int
	}{
		{Cluster{Size: 20, ICC: 0.05}, 1.95, 393.405696022 * 1.95, 393.405696022 * 1.95 / 20, 39},
		{Cluster{Size: 20, ICC: 0.05, CV: 0.5}, 2.2, 393.405696022 * 2.2, 393.405696022 * 2.2 / 20, 44},
		{Cluster{Size: 1, ICC: 0.3}, 1, 393.405696022, 393.405696022, 394},
	}
	for _, tt := range tests {
		c := tt.c
		r, err := Solve(Problem{Test: TwoMeans, D: 0.2, Power: 0.8, Cluster: &c})
		if err != nil {
			t.Fatal(err)
		}
		if !close(r.DesignEffect, tt.de, 1e-12) || !close(r.N1, tt.n1, 1e-3) || !close(r.Clusters1, tt.k1, 1e-3) || r.Clusters1Required != tt.k1Need {
			t.Errorf("%+v: DE %.6f n1 %.4f clusters %.4f (%d); want %.6f %.4f %.4f (%d)", c, r.DesignEffect, r.N1, r.Clusters1, r.Clusters1Required, tt.de, tt.n1, tt.k1, tt.k1Need)
		}
		// Power from a number of clusters: the solved count gives 0.8 back.
		c.Clusters = r.Clusters1
		rp, err := Solve(Problem{Test: TwoMeans, D: 0.2, Cluster: &c})
		if err != nil {
			t.Fatal(err)
		}
		if !close(rp.Power, 0.8, 1e-9) {
			t.Errorf("%+v: power with %.4f clusters = %.10f, want 0.8", c, c.Clusters, rp.Power)
		}
	}
}

// The detectable p1 is reported for the arcsine method when p2 is given,
// and reproduces h.
func TestArcsineDetectableP1(t *testing.T) {
	r, err := Solve(Problem{Test: TwoProportions, P2: 0.25, N1: 1249.583864736565, Power: 0.8})
	if err != nil {
		t.Fatal(err)
	}
	if !close(r.P1, 0.30, 1e-6) || !close(r.Effect, 0.112081929531, 1e-6) {
		t.Errorf("p1 %.8f h %.8f, want 0.30, 0.1120819", r.P1, r.Effect)
	}
}

// Bad problems fail with a message naming the field and the fix.
func TestBadProblems(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{Test: "three-means", D: 0.2, Power: 0.8}, "unknown test"},
		{Problem{Test: TwoMeans, D: 0.2}, "exactly two"},
		{Problem{Test: TwoMeans, D: 0.2, N1: 100, Power: 0.8}, "exactly two"},
		{Problem{Test: TwoMeans, D: 0.2, Power: 1.2}, "--power"},
		{Problem{Test: TwoMeans, D: 0.2, Power: 0.8, Alpha: 2}, "--alpha"},
		{Problem{Test: TwoMeans, D: 0.2, Power: 0.8, Ratio: -1}, "--ratio"},
		{Problem{Test: TwoMeans, D: 0.2, Power: 0.8, Method: Arcsine}, "two means"},
		{Problem{Test: TwoProportions, P1: 1.3, P2: 0.2, Power: 0.8}, "--p1"},
		{Problem{Test: TwoProportions, P1: 0.3, Power: 0.8}, "--p2"},
		{Problem{Test: TwoProportions, P1: 0.3, P2: 0.3, Power: 0.8}, "no effect"},
		{Problem{Test: TwoProportions, Method: Normal, H: 0.2, Power: 0.8}, "--p1 and --p2"},
		{Problem{Test: TwoMeans, D: 1e-9, Power: 0.8}, "too small"},
		{Problem{Test: TwoMeans, D: 0.2, Power: 0.04}, "not above alpha"},
		{Problem{Test: TwoMeans, D: 0.2, Power: 0.8, Cluster: &Cluster{Size: 10, ICC: 1}}, "--icc"},
		{Problem{Test: TwoMeans, N1: 1.5, D: 0.2}, "increase --n"},
		{Problem{Test: TwoProportions, P2: 0.9, N1: 10, Power: 0.99}, "increase --n"},
		{Problem{Test: TwoMeans, D: 20, Power: 0.8}, "already exceeded"},
		{Problem{Test: TwoMeans, D: -0.2, Power: 0.8, Alternative: Greater}, "opposite direction"},
		{Problem{Test: TwoProportions, Method: Normal, P1: 0.3, P2: 0.25, Power: 0.8, Alternative: Less}, "opposite direction"},
	}
	for _, tt := range tests {
		_, err := Solve(tt.p)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: error %v, want one containing %q", tt.p, err, tt.want)
		}
	}
}
