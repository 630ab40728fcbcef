package meta

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Egger is Egger's regression test for funnel-plot asymmetry.
type Egger struct {
	Intercept float64 `json:"intercept"` // the asymmetry (bias) coefficient
	SE        float64 `json:"se"`
	T         float64 `json:"t"`
	DF        int     `json:"df"`
	P         float64 `json:"p"`
	Slope     float64 `json:"slope"` // the effect as the SE tends to zero
}

// EggerTest regresses the standard normal deviate y_i/√v_i on precision
// 1/√v_i by ordinary least squares and tests the intercept with t on k-2
// degrees of freedom (Egger, Davey Smith, Schneider & Minder 1997,
// doi:10.1136/bmj.315.7109.629). It equals metafor's regtest(model = "lm").
// It needs at least 3 studies.
func EggerTest(studies []Study) (*Egger, error) {
	k := len(studies)
	if k < 3 {
		return nil, fmt.Errorf("meta: Egger's test needs at least 3 studies, have %d", k)
	}
	x := make([]float64, k)
	z := make([]float64, k)
	for i, st := range studies {
		se := math.Sqrt(st.Vi)
		x[i], z[i] = 1/se, st.Yi/se
	}
	a, b := stat.LinearRegression(x, z, nil, false)
	rss := 0.0
	mx := stat.Mean(x, nil)
	sxx := 0.0
	for i := range x {
		r := z[i] - a - b*x[i]
		rss += r * r
		sxx += (x[i] - mx) * (x[i] - mx)
	}
	if sxx == 0 {
		return nil, fmt.Errorf("meta: Egger's test needs studies of different precision; all have the same variance")
	}
	df := k - 2
	if rss == 0 {
		return nil, fmt.Errorf("meta: Egger's regression fits the %d studies exactly; the test is undefined", k)
	}
	s2 := rss / float64(df)
	se := math.Sqrt(s2 * (1/float64(k) + mx*mx/sxx))
	e := &Egger{Intercept: a, SE: se, DF: df, Slope: b}
	e.T = a / se
	e.P = 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(df)}.Survival(math.Abs(e.T))
	return e, nil
}
