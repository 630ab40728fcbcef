package matching

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// PropensitySpec holds the settings of the logistic propensity model.
type PropensitySpec struct {
	// MaxIterations caps IRLS iterations (default 25, as R's glm).
	MaxIterations int
	// Tolerance is the convergence criterion on the relative change in
	// deviance, |dev - dev_old| / (|dev| + 0.1) (default 1e-8, as R's glm).
	Tolerance float64
	// Workers is the number of goroutines that stream over units in each
	// iteration (default runtime.GOMAXPROCS(0)).
	Workers int
}

func (s PropensitySpec) withDefaults() (PropensitySpec, error) {
	if s.MaxIterations == 0 {
		s.MaxIterations = 25
	}
	if s.Tolerance == 0 {
		s.Tolerance = 1e-8
	}
	if s.Workers == 0 {
		s.Workers = runtime.GOMAXPROCS(0)
	}
	switch {
	case s.MaxIterations < 0:
		return s, fmt.Errorf("matching.Fit: MaxIterations = %d; set it above 0 (default 25)", s.MaxIterations)
	case !(s.Tolerance > 0):
		return s, fmt.Errorf("matching.Fit: Tolerance = %v; set it above 0 (default 1e-8)", s.Tolerance)
	case s.Workers < 0:
		return s, fmt.Errorf("matching.Fit: Workers = %d; set it above 0 (0 means one per CPU)", s.Workers)
	}
	return s, nil
}

// PropensityModel is a fitted logistic regression of participation on the
// design, with an intercept.
type PropensityModel struct {
	Terms        []string  // "(Intercept)" then the design's column names
	Coefficients []float64 // log-odds coefficients, in Terms order
	StdErrors    []float64 // model-based standard errors (inverse information)
	Deviance     float64
	Iterations   int
	// Logit is every unit's linear predictor (the logit of its score), in
	// design row order.
	Logit []float64
	// Score is every unit's propensity score, 1/(1+exp(-Logit)).
	Score []float64
	Spec  PropensitySpec // settings used
}

// Fit estimates P(treated | X) by logistic regression, using iteratively
// reweighted least squares (Newton–Raphson on the log-likelihood; McCullagh
// & Nelder 1989, Generalized Linear Models, 2nd ed.). Each iteration streams
// over units in parallel chunks to form X'WX and X'(y-μ), so memory does not
// grow with the number of units beyond the design itself, and solves with a
// Cholesky factorisation.
//
// Before fitting it looks for covariates that cannot be estimated: a
// constant column, a 0/1 column (such as a dummy level) held only by
// participants or only by non-participants, or a continuous column whose
// participants' and non-participants' ranges do not overlap. It returns a
// *SeparationError naming the covariate for separation (also when the
// coefficients diverge during the fit), and a *ConvergenceError when IRLS
// stops at its limit.
func Fit(ctx context.Context, X *Design, treated []bool, spec PropensitySpec) (*PropensityModel, error) {
	spec, err := spec.withDefaults()
	if err != nil {
		return nil, err
	}
	if X == nil {
		panic("matching.Fit: nil design")
	}
	n, p := X.Rows(), X.Cols()
	if len(treated) != n {
		panic(fmt.Sprintf("matching.Fit: %d treatment flags for %d design rows", len(treated), n))
	}
	n1 := 0
	for _, t := range treated {
		if t {
			n1++
		}
	}
	if n1 == 0 || n1 == n {
		return nil, fmt.Errorf("matching.Fit: %d participants among %d units; the propensity model needs both participants and comparison units", n1, n)
	}
	if err := checkCovariates(X, treated); err != nil {
		return nil, err
	}

	q := p + 1 // with intercept
	beta := make([]float64, q)
	beta[0] = math.Log(float64(n1) / float64(n-n1))
	m := &PropensityModel{
		Terms: append([]string{"(Intercept)"}, X.Names()...),
		Logit: make([]float64, n),
		Spec:  spec,
	}
	sd := columnSDs(X)

	var (
		devOld = math.Inf(1)
		change = math.Inf(1)
		hess   = mat.NewSymDense(q, nil)
		chol   mat.Cholesky
	)
	for iter := 0; iter <= spec.MaxIterations; iter++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("matching.Fit: cancelled at iteration %d: %w", iter, err)
		}
		acc := irlsPass(X, treated, beta, m.Logit, spec.Workers)
		dev := acc.dev
		if math.IsNaN(dev) || math.IsInf(dev, 0) {
			return nil, fmt.Errorf("matching.Fit: deviance became %v at iteration %d; look for covariates with extreme values and rescale them", dev, iter)
		}
		for a := range q {
			for b := a; b < q; b++ {
				hess.SetSym(a, b, acc.h[packedIndex(a, b, q)])
			}
		}
		if ok := chol.Factorize(hess); !ok {
			return nil, collinearityError(X, treated, hess)
		}
		if iter > 0 {
			change = math.Abs(dev-devOld) / (math.Abs(dev) + 0.1)
			if change < spec.Tolerance {
				m.Iterations = iter
				m.Deviance = dev
				return finish(m, beta, &chol, X, sd)
			}
		}
		if iter == spec.MaxIterations {
			break
		}
		step := mat.NewVecDense(q, nil)
		if err := chol.SolveVecTo(step, mat.NewVecDense(q, acc.g)); err != nil {
			return nil, collinearityError(X, treated, hess)
		}
		for a := range q {
			beta[a] += step.AtVec(a)
		}
		devOld = dev
	}
	if j := divergingCovariate(beta, sd); j >= 0 {
		return nil, &SeparationError{Covariate: X.Names()[j], Detail: fmt.Sprintf("its coefficient was still growing after %d iterations (%.3g log-odds per SD) with fitted probabilities at 0 or 1", spec.MaxIterations, beta[j+1]*sd[j])}
	}
	return nil, &ConvergenceError{Iterations: spec.MaxIterations, Change: change, Tolerance: spec.Tolerance}
}

// separationLimit is the coefficient size, in log-odds per SD of the
// covariate, above which a fit is treated as separated: a one-SD change
// multiplying the odds by more than e^15 (about 3 million).
const separationLimit = 15

func finish(m *PropensityModel, beta []float64, chol *mat.Cholesky, X *Design, sd []float64) (*PropensityModel, error) {
	if j := divergingCovariate(beta, sd); j >= 0 {
		return nil, &SeparationError{Covariate: X.Names()[j], Detail: fmt.Sprintf("its coefficient is %.3g log-odds per SD, so fitted probabilities reach 0 or 1", beta[j+1]*sd[j])}
	}
	q := len(beta)
	var inv mat.SymDense
	if err := chol.InverseTo(&inv); err != nil {
		return nil, fmt.Errorf("matching.Fit: inverting the information matrix: %w", err)
	}
	m.Coefficients = beta
	m.StdErrors = make([]float64, q)
	for a := range q {
		m.StdErrors[a] = math.Sqrt(inv.At(a, a))
	}
	m.Score = make([]float64, len(m.Logit))
	for i, e := range m.Logit {
		m.Score[i] = 1 / (1 + math.Exp(-e))
	}
	return m, nil
}

func divergingCovariate(beta, sd []float64) int {
	worst, at := 0.0, -1
	for j, s := range sd {
		if v := math.Abs(beta[j+1] * s); v > separationLimit && v > worst {
			worst, at = v, j
		}
	}
	return at
}

// packedIndex is the position of (a, b), a <= b, in a row-packed upper
// triangle of a q×q symmetric matrix.
func packedIndex(a, b, q int) int { return a*q - a*(a-1)/2 + (b - a) }

type irlsAcc struct {
	h   []float64 // packed upper triangle of X'WX (intercept first)
	g   []float64 // X'(y - mu)
	dev float64
}

// irlsPass evaluates, at beta, the deviance, the information X'WX and the
// score X'(y-μ), streaming over rows in parallel chunks; it writes the
// linear predictor into eta.
func irlsPass(X *Design, treated []bool, beta, eta []float64, workers int) irlsAcc {
	n, q := X.Rows(), len(beta)
	if workers > n/4096+1 {
		workers = n/4096 + 1
	}
	parts := make([]irlsAcc, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[w] = irlsChunk(X, treated, beta, eta, lo, hi, q)
		}()
	}
	wg.Wait()
	out := parts[0]
	for _, pt := range parts[1:] {
		for k := range out.h {
			out.h[k] += pt.h[k]
		}
		for k := range out.g {
			out.g[k] += pt.g[k]
		}
		out.dev += pt.dev
	}
	return out
}

func irlsChunk(X *Design, treated []bool, beta, eta []float64, lo, hi, q int) irlsAcc {
	p := q - 1
	h := make([]float64, q*(q+1)/2)
	g := make([]float64, q)
	x := make([]float64, q)
	x[0] = 1
	dev := 0.0
	data := X.data
	for i := lo; i < hi; i++ {
		copy(x[1:], data[i*p:(i+1)*p])
		e := beta[0]
		for j := 1; j < q; j++ {
			e += beta[j] * x[j]
		}
		eta[i] = e
		var mu, r float64
		if e >= 0 {
			z := math.Exp(-e)
			mu = 1 / (1 + z)
			if treated[i] {
				dev += 2 * math.Log1p(z)
			} else {
				dev += 2 * (e + math.Log1p(z))
			}
		} else {
			z := math.Exp(e)
			mu = z / (1 + z)
			if treated[i] {
				dev += 2 * (-e + math.Log1p(z))
			} else {
				dev += 2 * math.Log1p(z)
			}
		}
		if treated[i] {
			r = 1 - mu
		} else {
			r = -mu
		}
		w := mu * (1 - mu)
		k := 0
		for a := range q {
			wa := w * x[a]
			g[a] += r * x[a]
			row := h[k : k+q-a]
			xs := x[a:]
			for b := range row {
				row[b] += wa * xs[b]
			}
			k += q - a
		}
	}
	return irlsAcc{h: h, g: g, dev: dev}
}

func columnSDs(X *Design) []float64 {
	n, p := X.Rows(), X.Cols()
	mean := make([]float64, p)
	m2 := make([]float64, p)
	for i := range n {
		row := X.Row(i)
		for j, v := range row {
			d := v - mean[j]
			mean[j] += d / float64(i+1)
			m2[j] += d * (v - mean[j])
		}
	}
	sd := make([]float64, p)
	for j := range sd {
		if n > 1 {
			sd[j] = math.Sqrt(m2[j] / float64(n-1))
		}
	}
	return sd
}

// checkCovariates finds, before fitting, covariates that cannot be
// estimated: constant columns and those that separate the groups alone.
func checkCovariates(X *Design, treated []bool) error {
	n, p := X.Rows(), X.Cols()
	names, kinds := X.Names(), X.Kinds()
	for j := range p {
		minT, maxT := math.Inf(1), math.Inf(-1)
		minC, maxC := math.Inf(1), math.Inf(-1)
		var onesT, onesC int
		for i := range n {
			v := X.data[i*p+j]
			if treated[i] {
				minT, maxT = math.Min(minT, v), math.Max(maxT, v)
				if v == 1 {
					onesT++
				}
			} else {
				minC, maxC = math.Min(minC, v), math.Max(maxC, v)
				if v == 1 {
					onesC++
				}
			}
		}
		if math.Min(minT, minC) == math.Max(maxT, maxC) {
			return fmt.Errorf("matching.Fit: covariate %q is constant (every unit has %v), so its coefficient cannot be estimated; drop it from the model", names[j], minT)
		}
		if kinds[j] == Binary {
			n1 := 0
			for _, t := range treated {
				if t {
					n1++
				}
			}
			zerosT, zerosC := n1-onesT, (n-n1)-onesC
			switch {
			case onesT > 0 && onesC == 0:
				return &SeparationError{Covariate: names[j], Detail: fmt.Sprintf("all %d units with %s = 1 are participants", onesT, names[j])}
			case onesC > 0 && onesT == 0:
				return &SeparationError{Covariate: names[j], Detail: fmt.Sprintf("all %d units with %s = 1 are comparison units", onesC, names[j])}
			case zerosT > 0 && zerosC == 0:
				return &SeparationError{Covariate: names[j], Detail: fmt.Sprintf("all %d units with %s = 0 are participants", zerosT, names[j])}
			case zerosC > 0 && zerosT == 0:
				return &SeparationError{Covariate: names[j], Detail: fmt.Sprintf("all %d units with %s = 0 are comparison units", zerosC, names[j])}
			}
			continue
		}
		if maxC <= minT {
			return &SeparationError{Covariate: names[j], Detail: fmt.Sprintf("every participant has %s >= %v and every comparison unit has %s <= %v", names[j], minT, names[j], maxC)}
		}
		if maxT <= minC {
			return &SeparationError{Covariate: names[j], Detail: fmt.Sprintf("every participant has %s <= %v and every comparison unit has %s >= %v", names[j], maxT, names[j], minC)}
		}
	}
	return nil
}

// collinearityError names the first design column that is a linear
// combination of the intercept and the columns before it, found by
// factorising leading blocks of the information matrix.
func collinearityError(X *Design, treated []bool, h *mat.SymDense) error {
	q := h.SymmetricDim()
	// Scale to a correlation-like matrix so the test is unit-free.
	d := make([]float64, q)
	for a := range q {
		d[a] = 1 / math.Sqrt(h.At(a, a))
	}
	for k := 2; k <= q; k++ {
		s := mat.NewSymDense(k, nil)
		for a := range k {
			for b := a; b < k; b++ {
				s.SetSym(a, b, h.At(a, b)*d[a]*d[b])
			}
		}
		var c mat.Cholesky
		if !c.Factorize(s) || c.Cond() > 1e13 {
			return fmt.Errorf("matching.Fit: covariate %q is (nearly) a linear combination of the intercept and the covariates before it, so the model cannot be estimated; drop it or one of the covariates it duplicates", X.Names()[k-2])
		}
	}
	return fmt.Errorf("matching.Fit: the information matrix is singular; look for duplicated or collinear covariates")
}
