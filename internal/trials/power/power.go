package power

import (
	"errors"
	"fmt"
	"math"
)

// Test is the comparison a trial's primary analysis makes.
type Test string

// The tests Solve knows.
const (
	TwoProportions Test = "two-proportions"
	TwoMeans       Test = "two-means"
)

// Method is how the power of a test is approximated.
type Method string

// The methods, one file each.
const (
	Arcsine Method = "arcsine" // two proportions, Cohen's h (pwr.2p.test)
	Normal  Method = "normal"  // two proportions, Fleiss's normal approximation (power.prop.test)
	T       Method = "t"       // two means, exact noncentral t (pwr.t.test)
)

// Alternative is the alternative hypothesis, in pwr's words.
type Alternative string

// The alternatives.
const (
	TwoSided Alternative = "two.sided"
	Greater  Alternative = "greater" // effect > 0
	Less     Alternative = "less"    // effect < 0
)

// Problem is a power calculation with exactly one unknown: the sample size
// (N1 and Cluster.Clusters zero), the power (Power zero) or the effect
// (D zero for two means; H and P1 zero for two proportions, in which case
// P2 is the comparison group's proportion and P1 the detectable one).
// Zero means "unknown" throughout, since a zero effect, size or power has no
// solution to offer.
type Problem struct {
	Test   Test
	Method Method // default arcsine for two proportions, t for two means

	P1, P2 float64 // two proportions: the proportions in groups 1 and 2
	H      float64 // arcsine method: Cohen's h, instead of P1 and P2
	D      float64 // two means: Cohen's d, the difference in SD units

	N1    float64 // per-group size of group 1 (individuals, also when clustered)
	Ratio float64 // allocation ratio n2/n1; default 1

	Power       float64
	Alpha       float64     // default 0.05
	Alternative Alternative // default two.sided

	Cluster *Cluster // nil for individual randomisation
}

// Cluster describes a cluster-randomised design.
type Cluster struct {
	Size     float64 // mean number of individuals per cluster (m̄), at least 1
	ICC      float64 // intracluster correlation coefficient, 0 <= ICC < 1
	CV       float64 // coefficient of variation of cluster sizes; 0 when all equal
	Clusters float64 // clusters in group 1, an alternative to giving N1
}

// Result is a solved problem. Field names in JSON are the ones the CLI
// prints and the README documents.
type Result struct {
	Test        Test        `json:"test"`
	Method      Method      `json:"method"`
	Alternative Alternative `json:"alternative"`
	SolvedFor   string      `json:"solved_for"` // "n", "power" or "effect"

	N1         float64 `json:"n1"` // per group, unrounded
	N2         float64 `json:"n2"`
	N1Required int     `json:"n1_required"` // rounded up
	N2Required int     `json:"n2_required"`
	Ratio      float64 `json:"ratio"`

	Power float64 `json:"power"`
	Alpha float64 `json:"alpha"`

	// Effect is Cohen's h (arcsine), the difference p1 − p2 (normal) or
	// Cohen's d (t); EffectName says which.
	Effect     float64 `json:"effect"`
	EffectName string  `json:"effect_name"`
	P1         float64 `json:"p1,omitempty"`
	P2         float64 `json:"p2,omitempty"`

	// Cluster-randomised designs only.
	DesignEffect      float64 `json:"design_effect,omitempty"`
	ClusterSize       float64 `json:"cluster_size,omitempty"`
	ICC               float64 `json:"icc,omitempty"`
	CV                float64 `json:"cv,omitempty"`
	Clusters1         float64 `json:"clusters1,omitempty"` // n1 / cluster size, unrounded
	Clusters2         float64 `json:"clusters2,omitempty"`
	Clusters1Required int     `json:"clusters1_required,omitempty"`
	Clusters2Required int     `json:"clusters2_required,omitempty"`
}

var errNoRoot = errors.New("no root in the search interval")

// design is what a method file provides: the power at per-group effective
// sizes n1, n2 and effect x, the range x may take in the direction of the
// alternative, and how to report x.
type design struct {
	power    func(n1, n2, x float64) float64
	xlo, xhi float64                    // search interval for the effect
	x        float64                    // the effect when known
	xKnown   bool                       // whether x was given
	report   func(r *Result, x float64) // fills Effect, EffectName, P1, P2
	minEffN  float64                    // smallest effective size per group
}

// Solve solves p for its one unknown.
func Solve(p Problem) (Result, error) {
	if err := p.defaults(); err != nil {
		return Result{}, err
	}
	var d design
	var err error
	switch p.Method {
	case Arcsine:
		d, err = arcsine(p)
	case Normal:
		d, err = normal(p)
	case T:
		d, err = tTest(p)
	}
	if err != nil {
		return Result{}, err
	}
	de := 1.0
	if p.Cluster != nil {
		de = p.Cluster.DesignEffect()
		if p.N1 == 0 && p.Cluster.Clusters > 0 {
			p.N1 = p.Cluster.Clusters * p.Cluster.Size
		}
	}
	// pw is the power at nominal group-1 size n1 (individuals), effect x.
	pw := func(n1, x float64) float64 {
		return d.power(n1/de, p.Ratio*n1/de, x)
	}
	unknowns := 0
	if p.N1 == 0 {
		unknowns++
	}
	if p.Power == 0 {
		unknowns++
	}
	if !d.xKnown {
		unknowns++
	}
	if unknowns != 1 {
		return Result{}, fmt.Errorf("power: %d of sample size, power and effect are unknown: give exactly two of them (e.g. the effect and --power to solve for n, or the effect and --n to solve for power)", unknowns)
	}

	if d.xKnown && p.Alternative != TwoSided && (d.x < d.xlo || d.x > d.xhi) {
		return Result{}, fmt.Errorf("power: the effect is in the opposite direction to --alternative %s (greater means group 1 above group 2, less below): swap the groups or the alternative", p.Alternative)
	}
	r := Result{Test: p.Test, Method: p.Method, Alternative: p.Alternative, Ratio: p.Ratio, Alpha: p.Alpha}
	x := d.x
	switch {
	case p.N1 == 0:
		r.SolvedFor = "n"
		lo := d.minEffN * de / math.Min(1, p.Ratio)
		f := func(n1 float64) float64 { return pw(n1, x) - p.Power }
		n1, err := bisect(f, lo, 1e9)
		if errors.Is(err, errNoRoot) {
			if f(lo) > 0 {
				return Result{}, fmt.Errorf("power: power %g is already exceeded with %g per group (the smallest sample the test allows): ask for more power or a smaller effect", p.Power, math.Ceil(lo))
			}
			return Result{}, fmt.Errorf("power: power %g is not reached even with a billion per group: the effect %g is too small to detect", p.Power, x)
		}
		if err != nil {
			return Result{}, fmt.Errorf("power: solving for n: %w", err)
		}
		p.N1 = n1
	case p.Power == 0:
		r.SolvedFor = "power"
		if min := math.Min(p.N1, p.Ratio*p.N1) / de; min < d.minEffN {
			return Result{}, fmt.Errorf("power: the smaller group has an effective size of %g (after the design effect %g); the test needs at least %g per group: increase --n", min, de, d.minEffN)
		}
	default:
		r.SolvedFor = "effect"
		if min := math.Min(p.N1, p.Ratio*p.N1) / de; min < d.minEffN {
			return Result{}, fmt.Errorf("power: the smaller group has an effective size of %g (after the design effect %g); the test needs at least %g per group: increase --n", min, de, d.minEffN)
		}
		// Power rises as the effect moves away from zero, in the
		// direction of the alternative (bisect takes either slope).
		f := func(x float64) float64 { return pw(p.N1, x) - p.Power }
		xs, err := bisect(f, d.xlo, d.xhi)
		if errors.Is(err, errNoRoot) {
			return Result{}, fmt.Errorf("power: no effect in the possible range [%g, %g] reaches power %g with n1 = %g: increase --n or lower --power", d.xlo, d.xhi, p.Power, p.N1)
		}
		if err != nil {
			return Result{}, fmt.Errorf("power: solving for the effect: %w", err)
		}
		x = xs
	}
	r.N1, r.N2 = p.N1, p.Ratio*p.N1
	r.N1Required, r.N2Required = ceilInt(r.N1), ceilInt(r.N2)
	r.Power = pw(p.N1, x)
	d.report(&r, x)
	if c := p.Cluster; c != nil {
		r.DesignEffect, r.ClusterSize, r.ICC, r.CV = de, c.Size, c.ICC, c.CV
		r.Clusters1, r.Clusters2 = r.N1/c.Size, r.N2/c.Size
		r.Clusters1Required, r.Clusters2Required = ceilInt(r.Clusters1), ceilInt(r.Clusters2)
	}
	return r, nil
}

// ceilInt rounds a solved size up, forgiving the last few bits of the root
// finder so that 64.0000000000001 is 64.
func ceilInt(x float64) int {
	return int(math.Ceil(x - 1e-9*math.Max(1, x)))
}

// defaults fills in defaults and validates p, naming the flag to change.
func (p *Problem) defaults() error {
	switch p.Test {
	case TwoProportions:
		if p.Method == "" {
			p.Method = Arcsine
		}
		if p.Method != Arcsine && p.Method != Normal {
			return fmt.Errorf("power: method %q does not apply to two proportions: use arcsine or normal", p.Method)
		}
	case TwoMeans:
		if p.Method == "" {
			p.Method = T
		}
		if p.Method != T {
			return fmt.Errorf("power: method %q does not apply to two means: two means use the exact noncentral t (method t)", p.Method)
		}
	default:
		return fmt.Errorf("power: unknown test %q: use %s or %s", p.Test, TwoProportions, TwoMeans)
	}
	if p.Alpha == 0 {
		p.Alpha = 0.05
	}
	if p.Ratio == 0 {
		p.Ratio = 1
	}
	if p.Alternative == "" {
		p.Alternative = TwoSided
	}
	switch {
	case !(p.Alpha > 0 && p.Alpha < 1):
		return fmt.Errorf("power: alpha %g is outside (0, 1): set --alpha to e.g. 0.05", p.Alpha)
	case p.Power != 0 && !(p.Power > 0 && p.Power < 1):
		return fmt.Errorf("power: power %g is outside (0, 1): set --power to e.g. 0.8", p.Power)
	case !(p.Ratio > 0) || math.IsInf(p.Ratio, 0):
		return fmt.Errorf("power: allocation ratio %g must be a positive number (n2/n1): set --ratio to e.g. 1 or 2", p.Ratio)
	case p.N1 < 0 || math.IsNaN(p.N1) || math.IsInf(p.N1, 0):
		return fmt.Errorf("power: n %g must be a positive size per group", p.N1)
	}
	switch p.Alternative {
	case TwoSided, Greater, Less:
	default:
		return fmt.Errorf("power: alternative %q is not one of two.sided, greater, less", p.Alternative)
	}
	if p.Power != 0 {
		// With no effect the test rejects with probability alpha (one
		// tail's worth for one-sided tests); power must be above that.
		if p.Power <= p.Alpha {
			return fmt.Errorf("power: power %g is not above alpha %g, which a test reaches with no effect at all: ask for more power", p.Power, p.Alpha)
		}
	}
	if c := p.Cluster; c != nil {
		switch {
		case !(c.Size >= 1):
			return fmt.Errorf("power: cluster size %g must be at least 1: set --m to the mean individuals per cluster", c.Size)
		case !(c.ICC >= 0 && c.ICC < 1):
			return fmt.Errorf("power: ICC %g is outside [0, 1): set --icc to the intracluster correlation, e.g. 0.05", c.ICC)
		case !(c.CV >= 0):
			return fmt.Errorf("power: cv %g must be 0 or more (0 when clusters are all the same size)", c.CV)
		case c.Clusters < 0:
			return fmt.Errorf("power: clusters %g must be a positive count per group", c.Clusters)
		case c.Clusters > 0 && p.N1 > 0:
			return fmt.Errorf("power: both n (%g) and clusters (%g) given: give one of them", p.N1, c.Clusters)
		}
	}
	return nil
}

// zTestPower is the power of a test whose statistic is N(mu, 1) under the
// alternative, rejecting at level alpha.
func zTestPower(mu, alpha float64, alt Alternative) float64 {
	switch alt {
	case Greater:
		return normCDF(mu - normQuantile(1-alpha))
	case Less:
		return normCDF(-normQuantile(1-alpha) - mu)
	default:
		z := normQuantile(1 - alpha/2)
		return normCDF(mu-z) + normCDF(-z-mu)
	}
}
