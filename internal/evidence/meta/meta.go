package meta

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
)

// Method names a way to estimate the between-study variance τ².
type Method string

// The methods Pool knows.
const (
	FixedEffect Method = "FE"   // τ² = 0, fe.go
	DL          Method = "DL"   // DerSimonian–Laird, dl.go
	REML        Method = "REML" // restricted maximum likelihood, reml.go
)

// ParseMethod reads a method name, case-insensitively ("fe", "dl", "reml").
func ParseMethod(s string) (Method, error) {
	switch m := Method(strings.ToUpper(strings.TrimSpace(s))); m {
	case FixedEffect, DL, REML:
		return m, nil
	case "":
		return REML, nil
	}
	return "", fmt.Errorf("meta: method %q is not one of fe, dl, reml", s)
}

// Spec says how to pool. The zero value is REML with a 95% interval.
type Spec struct {
	Method  Method  `json:"method"`
	KnHa    bool    `json:"knha"`     // Hartung–Knapp–Sidik–Jonkman adjustment
	Level   float64 `json:"level"`    // confidence level, default 0.95
	Tol     float64 `json:"tol"`      // REML convergence on τ², default 1e-10
	MaxIter int     `json:"max_iter"` // REML iterations, default 100
}

// withDefaults validates s and fills in defaults, returning the spec used.
func (s Spec) withDefaults() (Spec, error) {
	if s.Method == "" {
		s.Method = REML
	}
	if _, err := ParseMethod(string(s.Method)); err != nil {
		return s, err
	}
	if s.Level == 0 {
		s.Level = 0.95
	}
	if !(s.Level > 0 && s.Level < 1) {
		return s, fmt.Errorf("meta: level %v; give a proportion between 0 and 1, e.g. 0.95", s.Level)
	}
	if s.Tol == 0 {
		s.Tol = 1e-10
	}
	if s.MaxIter == 0 {
		s.MaxIter = 100
	}
	if s.Tol < 0 || s.MaxIter < 0 {
		return s, fmt.Errorf("meta: tol %v and max_iter %d must be positive", s.Tol, s.MaxIter)
	}
	return s, nil
}

// Study is one study's effect on the analysis scale.
type Study struct {
	Label string  `json:"study"`
	Yi    float64 `json:"yi"`
	Vi    float64 `json:"vi"`
	Group string  `json:"group,omitempty"` // moderator level, for Subgroups
}

// Fit is one pooled model, with the fields metafor's rma() prints.
type Fit struct {
	Spec       Spec      `json:"spec"`
	K          int       `json:"k"`
	Estimate   float64   `json:"estimate"`
	SE         float64   `json:"se"`
	CILow      float64   `json:"ci_low"`
	CIHigh     float64   `json:"ci_high"`
	Stat       float64   `json:"stat"` // z, or t under Hartung–Knapp
	DF         int       `json:"df"`   // t degrees of freedom; 0 means a z test
	P          float64   `json:"p"`
	Tau2       float64   `json:"tau2"`
	Tau        float64   `json:"tau"`
	I2         float64   `json:"i2"` // percent
	H2         float64   `json:"h2"`
	Q          float64   `json:"q"`
	QDF        int       `json:"q_df"`
	QP         float64   `json:"q_p"`
	PILow      float64   `json:"pi_low"`
	PIHigh     float64   `json:"pi_high"`
	Weights    []float64 `json:"weights"` // percent of total weight, in study order
	Iterations int       `json:"iterations,omitempty"`
}

// tau2Estimator returns τ² for effects y with variances v, and iterations used.
type tau2Estimator func(y, v []float64, s Spec) (tau2 float64, iter int, err error)

// Pool fits the model s to the studies. It needs at least one study (two
// for a heterogeneity test, and two for Hartung–Knapp).
func Pool(studies []Study, s Spec) (Fit, error) {
	s, err := s.withDefaults()
	if err != nil {
		return Fit{}, err
	}
	k := len(studies)
	if k == 0 {
		return Fit{}, fmt.Errorf("meta: no studies to pool")
	}
	y := make([]float64, k)
	v := make([]float64, k)
	for i, st := range studies {
		if math.IsNaN(st.Yi) || math.IsInf(st.Yi, 0) || !(st.Vi > 0) || math.IsInf(st.Vi, 0) {
			return Fit{}, fmt.Errorf("meta: study %q has yi=%v, vi=%v; yi must be finite and vi positive", st.Label, st.Yi, st.Vi)
		}
		y[i], v[i] = st.Yi, st.Vi
	}
	if s.KnHa && k < 2 {
		return Fit{}, fmt.Errorf("meta: Hartung–Knapp needs at least 2 studies, have %d; drop --knha", k)
	}

	var est tau2Estimator
	switch s.Method {
	case FixedEffect:
		est = tau2FixedEffect
	case DL:
		est = tau2DerSimonianLaird
	case REML:
		est = tau2REML
	}
	tau2, iter := 0.0, 0
	if k > 1 {
		if tau2, iter, err = est(y, v, s); err != nil {
			return Fit{}, err
		}
	}

	f := Fit{Spec: s, K: k, Tau2: tau2, Tau: math.Sqrt(tau2), Iterations: iter}
	w := weights(v, tau2)
	sw := sum(w)
	f.Estimate = dot(w, y) / sw
	f.SE = math.Sqrt(1 / sw)
	f.Weights = make([]float64, k)
	for i := range w {
		f.Weights[i] = 100 * w[i] / sw
	}

	// Heterogeneity: Q with fixed-effect weights.
	f.Q, f.QDF = cochranQ(y, v), k-1
	if k > 1 {
		f.QP = distuv.ChiSquared{K: float64(k - 1)}.Survival(f.Q)
		if s.Method == FixedEffect {
			f.I2 = math.Max(0, 100*(f.Q-float64(k-1))/f.Q)
			f.H2 = f.Q / float64(k-1)
		} else {
			s2 := typicalVariance(v)
			f.I2 = 100 * tau2 / (tau2 + s2)
			f.H2 = (tau2 + s2) / s2
		}
	} else {
		f.QP, f.H2 = 1, 1 // as metafor for k = 1: no heterogeneity to test
	}

	crit := distuv.UnitNormal.Quantile(0.5 + s.Level/2)
	if s.KnHa {
		f.SE = knhaSE(y, w, f.Estimate, f.SE)
		f.DF = k - 1
		crit = distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(f.DF)}.Quantile(0.5 + s.Level/2)
		f.Stat = f.Estimate / f.SE
		f.P = 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(f.DF)}.Survival(math.Abs(f.Stat))
	} else {
		f.Stat = f.Estimate / f.SE
		f.P = 2 * distuv.UnitNormal.Survival(math.Abs(f.Stat))
	}
	f.CILow, f.CIHigh = f.Estimate-crit*f.SE, f.Estimate+crit*f.SE
	f.PILow, f.PIHigh = predictionInterval(f.Estimate, f.SE, tau2, crit)
	return f, nil
}

func weights(v []float64, tau2 float64) []float64 {
	w := make([]float64, len(v))
	for i := range v {
		w[i] = 1 / (v[i] + tau2)
	}
	return w
}

// cochranQ is Σ w_i (y_i - μ̂_FE)² with w_i = 1/v_i (Cochran 1954).
func cochranQ(y, v []float64) float64 {
	w := weights(v, 0)
	mu := dot(w, y) / sum(w)
	q := 0.0
	for i := range y {
		q += w[i] * (y[i] - mu) * (y[i] - mu)
	}
	return q
}

// typicalVariance is s² = (k-1)/(Σw - Σw²/Σw), w = 1/v (Higgins & Thompson
// 2002, eq. 9).
func typicalVariance(v []float64) float64 {
	w := weights(v, 0)
	sw := sum(w)
	return float64(len(v)-1) / (sw - dot(w, w)/sw)
}

func sum(x []float64) float64 {
	s := 0.0
	for _, a := range x {
		s += a
	}
	return s
}

func dot(x, y []float64) float64 {
	s := 0.0
	for i := range x {
		s += x[i] * y[i]
	}
	return s
}
