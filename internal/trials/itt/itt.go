package itt

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Data is an analysis population: one outcome, arm and covariate row per
// analysed participant.
type Data struct {
	Y       []float64   // outcome
	Treated []bool      // allocated to the treatment arm (ITT: as allocated)
	X       [][]float64 // covariate columns, each len(Y); may be empty
	Names   []string    // covariate names, one per column
}

// Options chooses the adjustment.
type Options struct {
	Additive bool    // covariates enter additively, without Lin's arm interactions
	Level    float64 // confidence level; default 0.95
}

// Effect is the ITT estimate.
type Effect struct {
	Estimate float64 `json:"estimate"` // treatment minus control
	SE       float64 `json:"se"`       // HC2
	CILow    float64 `json:"ci_low"`
	CIHigh   float64 `json:"ci_high"`
	Level    float64 `json:"level"`
	PValue   float64 `json:"p_value"` // two-sided, t on DF
	T        float64 `json:"t"`
	DF       float64 `json:"df"` // residual degrees of freedom, n − parameters

	N           int     `json:"n"`
	NTreated    int     `json:"n_treated"`
	NControl    int     `json:"n_control"`
	MeanTreated float64 `json:"mean_treated"` // unadjusted
	MeanControl float64 `json:"mean_control"`

	Covariates        []string `json:"covariates"`
	Adjustment        string   `json:"adjustment"`         // "none", "additive" or "interacted (Lin 2013)"
	VarianceEstimator string   `json:"variance_estimator"` // "HC2"
}

// Estimate fits y ~ arm (+ covariates) and returns the arm's coefficient
// with its HC2 standard error.
func Estimate(d Data, o Options) (Effect, error) {
	n := len(d.Y)
	if len(d.Treated) != n {
		panic(fmt.Sprintf("itt: %d outcomes but %d arms", n, len(d.Treated)))
	}
	if len(d.Names) != len(d.X) {
		panic(fmt.Sprintf("itt: %d covariate columns but %d names", len(d.X), len(d.Names)))
	}
	if o.Level == 0 {
		o.Level = 0.95
	}
	if !(o.Level > 0 && o.Level < 1) {
		return Effect{}, fmt.Errorf("itt: confidence level %g is outside (0, 1)", o.Level)
	}
	e := Effect{N: n, Level: o.Level, Covariates: append([]string{}, d.Names...), VarianceEstimator: "HC2"}
	var s1, s0 float64
	for i, y := range d.Y {
		if math.IsNaN(y) || math.IsInf(y, 0) {
			return Effect{}, fmt.Errorf("itt: outcome of row %d is %g: drop participants without an observed outcome before estimating, and report them in the flow", i+1, y)
		}
		if d.Treated[i] {
			e.NTreated++
			s1 += y
		} else {
			e.NControl++
			s0 += y
		}
	}
	if e.NTreated < 2 || e.NControl < 2 {
		return Effect{}, fmt.Errorf("itt: %d treated and %d control participants: each arm needs at least 2 to estimate an effect and its variance", e.NTreated, e.NControl)
	}
	e.MeanTreated, e.MeanControl = s1/float64(e.NTreated), s0/float64(e.NControl)

	// Design: intercept, arm, centred covariates (and arm × centred
	// covariates when interacted).
	p := len(d.X)
	cols := 2 + p
	interact := p > 0 && !o.Additive
	if interact {
		cols += p
	}
	switch {
	case p == 0:
		e.Adjustment = "none"
	case interact:
		e.Adjustment = "interacted (Lin 2013)"
	default:
		e.Adjustment = "additive"
	}
	if n <= cols {
		return Effect{}, fmt.Errorf("itt: %d participants for %d regression terms: drop covariates or use additive adjustment", n, cols)
	}
	X := mat.NewDense(n, cols, nil)
	for j, col := range d.X {
		if len(col) != n {
			panic(fmt.Sprintf("itt: covariate %s has %d values for %d outcomes", d.Names[j], len(col), n))
		}
		var m float64
		for i, v := range col {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return Effect{}, fmt.Errorf("itt: covariate %s of row %d is %g: impute or drop it before estimating", d.Names[j], i+1, v)
			}
			m += v
		}
		m /= float64(n)
		for i, v := range col {
			X.Set(i, 2+j, v-m)
			if interact && d.Treated[i] {
				X.Set(i, 2+p+j, v-m)
			}
		}
	}
	for i := 0; i < n; i++ {
		X.Set(i, 0, 1)
		if d.Treated[i] {
			X.Set(i, 1, 1)
		}
	}
	y := mat.NewVecDense(n, append([]float64{}, d.Y...))

	var xtx mat.SymDense
	xtx.SymOuterK(1, X.T())
	var ch mat.Cholesky
	if ok := ch.Factorize(&xtx); !ok || ch.Cond() > 1e13 {
		return Effect{}, fmt.Errorf("itt: the covariates are collinear (or constant within an arm): drop one of %v", d.Names)
	}
	var bread mat.SymDense // (X'X)^-1
	if err := ch.InverseTo(&bread); err != nil {
		return Effect{}, fmt.Errorf("itt: invert X'X: %w", err)
	}
	var xty, beta mat.VecDense
	xty.MulVec(X.T(), y)
	beta.MulVec(&bread, &xty)

	// Meat: Σ x_i x_i' e_i² / (1 − h_ii), h_ii = x_i' (X'X)^-1 x_i.
	meat := mat.NewSymDense(cols, nil)
	row := mat.NewVecDense(cols, nil)
	var bx mat.VecDense
	for i := 0; i < n; i++ {
		row.CopyVec(X.RowView(i))
		res := d.Y[i] - mat.Dot(row, &beta)
		bx.MulVec(&bread, row)
		h := mat.Dot(row, &bx)
		if h > 1-1e-10 {
			return Effect{}, fmt.Errorf("itt: participant %d has leverage 1 (a covariate value nobody else in the arm shares): HC2 is undefined; drop or coarsen that covariate, or use additive adjustment", i+1)
		}
		meat.SymRankOne(meat, res*res/(1-h), row)
	}
	var v, tmp mat.Dense
	tmp.Mul(&bread, meat)
	v.Mul(&tmp, &bread)

	e.Estimate = beta.AtVec(1)
	e.SE = math.Sqrt(v.At(1, 1))
	e.DF = float64(n - cols)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: e.DF}
	q := t.Quantile(1 - (1-o.Level)/2)
	e.CILow, e.CIHigh = e.Estimate-q*e.SE, e.Estimate+q*e.SE
	e.T = e.Estimate / e.SE
	e.PValue = 2 * t.Survival(math.Abs(e.T))
	return e, nil
}

// Flow is the CONSORT participant flow of a trial analysis (Schulz,
// Altman & Moher 2010, CONSORT 2010 item 13a).
type Flow struct {
	Enrolled  int            `json:"enrolled"`
	Allocated map[string]int `json:"allocated"` // per arm
	Linked    map[string]int `json:"linked"`    // per arm: found in the spine
	Analysed  map[string]int `json:"analysed"`  // per arm: with the primary outcome observed
}
