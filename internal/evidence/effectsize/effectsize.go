package effectsize

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
)

// Measure names an effect-size scale.
type Measure string

// The measures this package computes. Ratio measures are held on the log scale.
const (
	RD  Measure = "RD"  // risk difference, percentage points
	RR  Measure = "RR"  // log risk ratio
	OR  Measure = "OR"  // log odds ratio
	SMD Measure = "SMD" // standardised mean difference, Hedges' g
	MD  Measure = "MD"  // raw mean difference
)

// Measures lists the measures in the order they are documented.
func Measures() []Measure { return []Measure{RD, RR, OR, SMD, MD} }

// ParseMeasure reads a measure name, case-insensitively.
func ParseMeasure(s string) (Measure, error) {
	m := Measure(strings.ToUpper(strings.TrimSpace(s)))
	for _, k := range Measures() {
		if m == k {
			return m, nil
		}
	}
	return "", fmt.Errorf("effectsize: measure %q is not one of RD, RR, OR, SMD, MD", s)
}

// IsRatio reports whether the measure is pooled on the log scale.
func (m Measure) IsRatio() bool { return m == RR || m == OR }

// Describe is the measure in words, for reports.
func (m Measure) Describe() string {
	switch m {
	case RD:
		return "risk difference (percentage points)"
	case RR:
		return "log risk ratio"
	case OR:
		return "log odds ratio"
	case SMD:
		return "standardised mean difference (Hedges' g)"
	case MD:
		return "mean difference"
	}
	return string(m)
}

// Effect is one study's effect size on the analysis scale and its sampling
// variance.
type Effect struct {
	Measure Measure `json:"measure"`
	Yi      float64 `json:"yi"`
	Vi      float64 `json:"vi"`
}

// SE is the standard error, the square root of Vi.
func (e Effect) SE() float64 { return math.Sqrt(e.Vi) }

func (e Effect) check(where string) (Effect, error) {
	if math.IsNaN(e.Yi) || math.IsInf(e.Yi, 0) || math.IsNaN(e.Vi) || math.IsInf(e.Vi, 0) || e.Vi <= 0 {
		return Effect{}, fmt.Errorf("effectsize: %s gives estimate %v with variance %v; the variance must be positive and finite", where, e.Yi, e.Vi)
	}
	return e, nil
}

// Table2x2 holds a two-arm study's counts: people with and without the
// outcome in the treated and comparison groups (metafor's ai, bi, ci, di;
// the meta command's tpos, tneg, cpos, cneg).
type Table2x2 struct {
	TreatedEvents, TreatedNonEvents float64
	ControlEvents, ControlNonEvents float64
}

// corrected returns the table with 1/2 added to every cell if any cell is
// zero (escalc's add = 1/2, to = "only0").
func (t Table2x2) corrected() (Table2x2, error) {
	cells := []float64{t.TreatedEvents, t.TreatedNonEvents, t.ControlEvents, t.ControlNonEvents}
	zero := false
	for i, c := range cells {
		if c < 0 || math.IsNaN(c) {
			return t, fmt.Errorf("effectsize: 2x2 cell %d is %v; counts must be zero or more", i+1, c)
		}
		if c == 0 {
			zero = true
		}
	}
	if t.TreatedEvents+t.TreatedNonEvents == 0 || t.ControlEvents+t.ControlNonEvents == 0 {
		return t, fmt.Errorf("effectsize: a 2x2 table has an empty arm (treated %v+%v, comparison %v+%v); both arms need people",
			t.TreatedEvents, t.TreatedNonEvents, t.ControlEvents, t.ControlNonEvents)
	}
	if zero {
		t.TreatedEvents += 0.5
		t.TreatedNonEvents += 0.5
		t.ControlEvents += 0.5
		t.ControlNonEvents += 0.5
	}
	return t, nil
}

// FromCounts computes measure m (RD, RR or OR) from a 2x2 table.
func FromCounts(m Measure, t Table2x2) (Effect, error) {
	switch m {
	case RD:
		return RiskDifference(t)
	case RR:
		return LogRiskRatio(t)
	case OR:
		return LogOddsRatio(t)
	}
	return Effect{}, fmt.Errorf("effectsize: counts give RD, RR or OR, not %q; use means and SDs for SMD or MD", m)
}

// RiskDifference is 100(p1 - p2) in percentage points with variance
// 10^4 [p1(1-p1)/n1 + p2(1-p2)/n2] (Borenstein et al. 2009, eq. 5.13-5.14).
func RiskDifference(t Table2x2) (Effect, error) {
	t, err := t.corrected()
	if err != nil {
		return Effect{}, err
	}
	n1 := t.TreatedEvents + t.TreatedNonEvents
	n2 := t.ControlEvents + t.ControlNonEvents
	p1, p2 := t.TreatedEvents/n1, t.ControlEvents/n2
	return Effect{Measure: RD, Yi: 100 * (p1 - p2), Vi: 1e4 * (p1*(1-p1)/n1 + p2*(1-p2)/n2)}.check("risk difference")
}

// LogRiskRatio is log[(a/n1)/(c/n2)] with variance 1/a - 1/n1 + 1/c - 1/n2
// (Borenstein et al. 2009, eq. 5.1-5.3).
func LogRiskRatio(t Table2x2) (Effect, error) {
	t, err := t.corrected()
	if err != nil {
		return Effect{}, err
	}
	n1 := t.TreatedEvents + t.TreatedNonEvents
	n2 := t.ControlEvents + t.ControlNonEvents
	return Effect{
		Measure: RR,
		Yi:      math.Log((t.TreatedEvents / n1) / (t.ControlEvents / n2)),
		Vi:      1/t.TreatedEvents - 1/n1 + 1/t.ControlEvents - 1/n2,
	}.check("log risk ratio")
}

// LogOddsRatio is log(ad/bc) with variance 1/a + 1/b + 1/c + 1/d (Woolf 1955;
// Borenstein et al. 2009, eq. 5.8-5.10).
func LogOddsRatio(t Table2x2) (Effect, error) {
	t, err := t.corrected()
	if err != nil {
		return Effect{}, err
	}
	return Effect{
		Measure: OR,
		Yi:      math.Log(t.TreatedEvents * t.ControlNonEvents / (t.TreatedNonEvents * t.ControlEvents)),
		Vi:      1/t.TreatedEvents + 1/t.TreatedNonEvents + 1/t.ControlEvents + 1/t.ControlNonEvents,
	}.check("log odds ratio")
}

// Means holds a two-arm study's summary statistics on a continuous outcome.
type Means struct {
	M1, SD1 float64
	N1      int
	M2, SD2 float64
	N2      int
}

func (m Means) validate(needSD bool) error {
	if m.N1 < 2 || m.N2 < 2 {
		return fmt.Errorf("effectsize: group sizes n1=%d, n2=%d; each group needs at least 2 people", m.N1, m.N2)
	}
	if needSD && (m.SD1 <= 0 || m.SD2 <= 0 || math.IsNaN(m.SD1) || math.IsNaN(m.SD2)) {
		return fmt.Errorf("effectsize: standard deviations sd1=%v, sd2=%v; both must be positive", m.SD1, m.SD2)
	}
	return nil
}

// HedgesJ is Hedges' exact small-sample correction factor for m degrees of
// freedom, Γ(m/2) / (sqrt(m/2) Γ((m-1)/2)) (Hedges 1981, eq. 6e). It is
// close to the familiar approximation 1 - 3/(4m - 1).
func HedgesJ(m float64) float64 {
	a, _ := math.Lgamma(m / 2)
	b, _ := math.Lgamma((m - 1) / 2)
	return math.Exp(a - math.Log(math.Sqrt(m/2)) - b)
}

// CohensD is the mean difference over the pooled standard deviation, with
// variance (n1+n2)/(n1 n2) + d²/(2(n1+n2)) (Borenstein et al. 2009, eq.
// 4.18-4.20). Pool Hedges' g (StandardisedMeanDifference) rather than d.
func CohensD(m Means) (d, vd float64, err error) {
	if err := m.validate(true); err != nil {
		return 0, 0, err
	}
	n1, n2 := float64(m.N1), float64(m.N2)
	sp := math.Sqrt(((n1-1)*m.SD1*m.SD1 + (n2-1)*m.SD2*m.SD2) / (n1 + n2 - 2))
	d = (m.M1 - m.M2) / sp
	vd = (n1+n2)/(n1*n2) + d*d/(2*(n1+n2))
	return d, vd, nil
}

// StandardisedMeanDifference is Hedges' g = J(n1+n2-2) d with variance
// 1/n1 + 1/n2 + g²/(2(n1+n2)), as metafor's escalc("SMD") (Hedges 1981).
func StandardisedMeanDifference(m Means) (Effect, error) {
	d, _, err := CohensD(m)
	if err != nil {
		return Effect{}, err
	}
	n1, n2 := float64(m.N1), float64(m.N2)
	g := HedgesJ(n1+n2-2) * d
	return Effect{Measure: SMD, Yi: g, Vi: 1/n1 + 1/n2 + g*g/(2*(n1+n2))}.check("standardised mean difference")
}

// MeanDifference is m1 - m2 with variance sd1²/n1 + sd2²/n2 (Borenstein et
// al. 2009, eq. 4.3).
func MeanDifference(m Means) (Effect, error) {
	if err := m.validate(true); err != nil {
		return Effect{}, err
	}
	n1, n2 := float64(m.N1), float64(m.N2)
	return Effect{Measure: MD, Yi: m.M1 - m.M2, Vi: m.SD1*m.SD1/n1 + m.SD2*m.SD2/n2}.check("mean difference")
}

// FromMeans computes measure m (SMD or MD) from two groups' means and SDs.
func FromMeans(m Measure, x Means) (Effect, error) {
	switch m {
	case SMD:
		return StandardisedMeanDifference(x)
	case MD:
		return MeanDifference(x)
	}
	return Effect{}, fmt.Errorf("effectsize: means give SMD or MD, not %q; use counts for RD, RR or OR", m)
}

// FromSE takes a reported estimate and its standard error. For RR and OR the
// estimate is the ratio itself (not its log) and se the standard error of
// its log, as papers report them.
func FromSE(m Measure, estimate, se float64) (Effect, error) {
	if !(se > 0) || math.IsInf(se, 0) {
		return Effect{}, fmt.Errorf("effectsize: standard error %v; it must be positive", se)
	}
	y, err := toScale(m, estimate)
	if err != nil {
		return Effect{}, err
	}
	return Effect{Measure: m, Yi: y, Vi: se * se}.check("estimate with standard error")
}

// FromCI takes a reported estimate with a confidence interval at level (e.g.
// 0.95) and recovers the standard error as (high - low)/(2z), on the log
// scale for RR and OR (Cochrane Handbook §6.3.1-6.3.2). The interval must
// contain the estimate; an asymmetric interval's average half-width is used.
func FromCI(m Measure, estimate, low, high, level float64) (Effect, error) {
	if !(level > 0 && level < 1) {
		return Effect{}, fmt.Errorf("effectsize: confidence level %v; give it as a proportion between 0 and 1, e.g. 0.95", level)
	}
	if !(low < high) || estimate < low || estimate > high {
		return Effect{}, fmt.Errorf("effectsize: interval %v to %v does not contain the estimate %v in order; give low < estimate < high", low, high, estimate)
	}
	y, err := toScale(m, estimate)
	if err != nil {
		return Effect{}, err
	}
	lo, err := toScale(m, low)
	if err != nil {
		return Effect{}, err
	}
	hi, err := toScale(m, high)
	if err != nil {
		return Effect{}, err
	}
	z := distuv.UnitNormal.Quantile(0.5 + level/2)
	se := (hi - lo) / (2 * z)
	return Effect{Measure: m, Yi: y, Vi: se * se}.check("estimate with confidence interval")
}

func toScale(m Measure, x float64) (float64, error) {
	if _, err := ParseMeasure(string(m)); err != nil {
		return 0, err
	}
	if m.IsRatio() {
		if !(x > 0) {
			return 0, fmt.Errorf("effectsize: a %s of %v is not positive; give the ratio itself, not its log", m, x)
		}
		return math.Log(x), nil
	}
	return x, nil
}

// Back returns an analysis-scale value on the reporting scale: exp for
// ratio measures, itself otherwise.
func (m Measure) Back(y float64) float64 {
	if m.IsRatio() {
		return math.Exp(y)
	}
	return y
}

// LogOddsRatioToSMD converts a log odds ratio to a standardised mean
// difference: d = log(OR) √3/π, V_d = V 3/π² (Hasselblad & Hedges 1995).
func LogOddsRatioToSMD(e Effect) (Effect, error) {
	if e.Measure != OR {
		return Effect{}, fmt.Errorf("effectsize: LogOddsRatioToSMD needs an OR effect, got %s", e.Measure)
	}
	return Effect{Measure: SMD, Yi: e.Yi * math.Sqrt(3) / math.Pi, Vi: e.Vi * 3 / (math.Pi * math.Pi)}.check("log odds ratio converted to SMD")
}

// SMDToLogOddsRatio is the inverse of LogOddsRatioToSMD: log(OR) = d π/√3,
// V = V_d π²/3 (Hasselblad & Hedges 1995).
func SMDToLogOddsRatio(e Effect) (Effect, error) {
	if e.Measure != SMD {
		return Effect{}, fmt.Errorf("effectsize: SMDToLogOddsRatio needs an SMD effect, got %s", e.Measure)
	}
	return Effect{Measure: OR, Yi: e.Yi * math.Pi / math.Sqrt(3), Vi: e.Vi * math.Pi * math.Pi / 3}.check("SMD converted to log odds ratio")
}

// RiskDifferenceAt converts a log risk ratio or log odds ratio to a risk
// difference in percentage points at comparison-group risk p0 (a proportion),
// with the delta-method variance treating p0 as fixed (Cochrane Handbook
// §15.4.4; Oehlert 1992).
func RiskDifferenceAt(e Effect, p0 float64) (Effect, error) {
	if !(p0 > 0 && p0 < 1) {
		return Effect{}, fmt.Errorf("effectsize: comparison-group risk %v; give a proportion strictly between 0 and 1 (e.g. 0.42 for 42%%)", p0)
	}
	var p1, dp float64
	switch e.Measure {
	case RR:
		p1 = p0 * math.Exp(e.Yi)
		dp = p1
	case OR:
		or := math.Exp(e.Yi)
		p1 = or * p0 / (1 - p0 + or*p0)
		dp = p1 * (1 - p1)
	default:
		return Effect{}, fmt.Errorf("effectsize: only RR and OR convert to a risk difference, not %s", e.Measure)
	}
	if p1 > 1 {
		return Effect{}, fmt.Errorf("effectsize: risk ratio %.3g at comparison risk %.3g implies a treated risk of %.3g, above 1; the conversion does not apply", math.Exp(e.Yi), p0, p1)
	}
	return Effect{Measure: RD, Yi: 100 * (p1 - p0), Vi: 1e4 * dp * dp * e.Vi}.check("converted risk difference")
}
