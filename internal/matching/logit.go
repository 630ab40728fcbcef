package matching

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/floats"
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
// Cholesky factorisation. With many comparison units it starts from a fit
// on a subsample of them (warmStart), which saves full passes but not
// accuracy: the full-data iterations stop by the same criterion.
//
// Before fitting it looks for covariates that cannot be estimated: a
// constant column, a 0/1 column (such as a dummy level) held only by
// participants or only by non-participants, or a continuous column whose
// participants' and non-participants' ranges do not overlap. It returns a
// *SeparationError naming the covariate for separation (also when the
// coefficients diverge during the fit), and a *ConvergenceError when IRLS
// stops at its limit.
func Fit(ctx context.Context, X *Design, treated []bool, spec PropensitySpec) (*PropensityModel, error) {
	m, _, err := fit(ctx, X, treated, spec, defaultWarm)
	return m, err
}

// fit is Fit with the warm start's settings; it also says whether the
// warm start was used.
func fit(ctx context.Context, X *Design, treated []bool, spec PropensitySpec, opt warmOptions) (*PropensityModel, bool, error) {
	spec, err := spec.withDefaults()
	if err != nil {
		return nil, false, err
	}
	if X == nil {
		panic("matching.Fit: nil design")
	}
	n, p := X.Rows(), X.Cols()
	if len(treated) != n {
		panic(fmt.Sprintf("matching.Fit: %d treatment flags for %d design rows", len(treated), n))
	}
	summary := summarise(X, treated, spec.Workers)
	n1 := summary.n1
	if n1 == 0 || n1 == n {
		return nil, false, fmt.Errorf("matching.Fit: %d participants among %d units; the propensity model needs both participants and comparison units", n1, n)
	}
	if err := checkCovariates(X, summary); err != nil {
		return nil, false, err
	}

	fitDevNull := func(n1, n int) float64 {
		pbar := float64(n1) / float64(n)
		return -2 * (float64(n1)*math.Log(pbar) + float64(n-n1)*math.Log(1-pbar))
	}
	// Deviance of the intercept-only model: the scale for the convergence
	// test (R's glm uses the current deviance; this is its first value).
	devNull := fitDevNull(n1, n)
	sd := summary.sd(n)
	cold := func() []float64 {
		beta := make([]float64, p+1)
		pbar := float64(n1) / float64(n)
		beta[0] = math.Log(pbar / (1 - pbar))
		return beta
	}
	beta, warm := cold(), false
	if start := warmStart(ctx, X, treated, n1, spec, opt, fitDevNull); start != nil {
		beta, warm = start, true
	}
	m := &PropensityModel{
		Terms: append([]string{"(Intercept)"}, X.Names()...),
		Logit: make([]float64, n),
		Spec:  spec,
	}
	iters, chol, change, err := newton(ctx, X, treated, nil, beta, spec, devNull)
	if warm && ((err != nil && ctx.Err() == nil) || (err == nil && iters < 0)) {
		// The warm start did not lead to convergence: start again from the
		// intercept-only model, so that what is reported (a separated
		// covariate, or the iteration limit) is what the cold fit finds.
		beta, warm = cold(), false
		iters, chol, change, err = newton(ctx, X, treated, nil, beta, spec, devNull)
	}
	if err != nil {
		return nil, false, err
	}
	if iters >= 0 {
		m.Iterations = iters
		m.Deviance = predict(X, treated, beta, m, spec.Workers)
		m, err := finish(m, beta, chol, X, sd)
		return m, warm, err
	}
	if j := divergingCovariate(beta, sd); j >= 0 {
		return nil, false, &SeparationError{Covariate: X.Names()[j], Detail: fmt.Sprintf("its coefficient was still growing after %d iterations (%.3g log-odds per SD) with fitted probabilities at 0 or 1", spec.MaxIterations, beta[j+1]*sd[j])}
	}
	return nil, false, &ConvergenceError{Iterations: spec.MaxIterations, Change: change, Tolerance: spec.Tolerance}
}

// newton runs IRLS (Newton–Raphson) from beta, updating it in place, on
// the design rows listed in rows (nil: every row), until
// the Newton decrement relative to devNull is below spec.Tolerance. It
// returns the number of iterations and the Cholesky factor of the last
// information matrix, or iterations -1 (and the last relative change) when
// it stops at spec.MaxIterations; err is for cancellation, collinearity and
// non-finite coefficients.
func newton(ctx context.Context, X *Design, treated []bool, rows []int32, beta []float64, spec PropensitySpec, devNull float64) (int, *mat.Cholesky, float64, error) {
	q := len(beta)
	hess := mat.NewSymDense(q, nil)
	step := mat.NewVecDense(q, nil)
	chol := new(mat.Cholesky)
	change := math.Inf(1)
	for iter := 0; iter < spec.MaxIterations; iter++ {
		if err := ctx.Err(); err != nil {
			return 0, nil, change, fmt.Errorf("matching.Fit: cancelled at iteration %d: %w", iter, err)
		}
		acc := irlsPass(X, treated, rows, beta, spec.Workers)
		for a := range q {
			for b := a; b < q; b++ {
				hess.SetSym(a, b, acc.h[packedIndex(a, b, q)])
			}
		}
		if ok := chol.Factorize(hess); !ok {
			return 0, nil, change, collinearityError(X, hess)
		}
		if err := chol.SolveVecTo(step, mat.NewVecDense(q, acc.g)); err != nil {
			return 0, nil, change, collinearityError(X, hess)
		}
		// The Newton decrement g'H⁻¹g is the deviance this step will remove
		// (to second order): the change R's glm tests, one step early.
		change = 0
		for a := range q {
			change += acc.g[a] * step.AtVec(a)
			beta[a] += step.AtVec(a)
		}
		change /= devNull + 0.1
		for _, b := range beta {
			if math.IsNaN(b) || math.IsInf(b, 0) {
				return 0, nil, change, fmt.Errorf("matching.Fit: coefficients became %v at iteration %d; look for covariates with extreme values and rescale them", b, iter)
			}
		}
		if change < spec.Tolerance {
			return iter + 1, chol, change, nil
		}
	}
	return -1, nil, change, nil
}

// warmOptions sets the warm start of Fit.
type warmOptions struct {
	// MinControls is the fewest comparison units for which Fit starts
	// from a subsample fit (0 disables the warm start).
	MinControls int
	// Fraction is the share of comparison units in the subsample.
	Fraction float64
}

// defaultWarm starts from a fit on every participant and one comparison
// unit in ten when there are at least 50,000 comparison units: below that
// a full IRLS pass is cheap and the saving small.
var defaultWarm = warmOptions{MinControls: 50_000, Fraction: 0.1}

// warmStart fits the model on every participant and a systematic sample
// (every k-th) of the comparison units, and returns its coefficients with
// the intercept corrected for the sampling: sampling comparison units with
// probability f adds log(1/f) to the log-odds of participation and leaves
// the slopes unchanged (the case-control result of Prentice & Pyke 1979,
// Biometrika 66(3):403–411, doi:10.1093/biomet/66.3.403; King & Zeng 2001,
// Political Analysis 9(2):137–163, doi:10.1093/oxfordjournals.pan.a004868),
// so intercept + log f estimates the full-data intercept. The full-data
// iterations then start inside Newton's region of quadratic convergence
// and need fewer passes over all units; they stop by the same criterion,
// so the answer is the cold start's to within that criterion. It returns
// nil when the warm start does not apply or the subsample fit fails (for
// example a rare level absent from the sample).
func warmStart(ctx context.Context, X *Design, treated []bool, n1 int, spec PropensitySpec, opt warmOptions, devNull func(n1, n int) float64) []float64 {
	n, p := X.Rows(), X.Cols()
	n0 := n - n1
	if opt.MinControls <= 0 || n0 < opt.MinControls || !(opt.Fraction > 0 && opt.Fraction < 1) {
		return nil
	}
	k := int(math.Round(1 / opt.Fraction))
	if k < 2 {
		return nil
	}
	if n > math.MaxInt32 {
		return nil
	}
	// The subsample is a list of row indices, not a copy: copying means
	// touching fresh pages, which costs as much as a pass.
	rows := make([]int32, 0, n1+n0/k+1)
	c := 0
	for i, t := range treated {
		if t {
			rows = append(rows, int32(i))
		} else {
			if c%k == 0 {
				rows = append(rows, int32(i))
			}
			c++
		}
	}
	m0 := len(rows) - n1
	beta := make([]float64, p+1)
	pbar := float64(n1) / float64(len(rows))
	beta[0] = math.Log(pbar / (1 - pbar))
	// The subsample's estimate is off the full data's by its sampling
	// error, far more than 1e-6 of the deviance: a tighter fit buys
	// nothing.
	subSpec := spec
	subSpec.Tolerance = max(spec.Tolerance, 1e-6)
	iters, _, _, err := newton(ctx, X, treated, rows, beta, subSpec, devNull(n1, len(rows)))
	if err != nil || iters < 0 {
		return nil
	}
	beta[0] += math.Log(float64(m0) / float64(n0))
	return beta
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
	h []float64 // packed upper triangle of X'WX (intercept first)
	g []float64 // X'(y - mu)
}

// irlsPass evaluates, at beta, the information X'WX and the score
// X'(y-μ) over the rows listed in rows (nil: every row), streaming over
// them in parallel chunks.
func irlsPass(X *Design, treated []bool, rows []int32, beta []float64, workers int) irlsAcc {
	n := X.Rows()
	if rows != nil {
		n = len(rows)
	}
	workers = min(workers, n/4096+1)
	parts := make([]irlsAcc, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[w] = irlsChunk(X, treated, rows, beta, lo, hi)
		}()
	}
	wg.Wait()
	out := parts[0]
	for _, pt := range parts[1:] {
		floats.Add(out.h, pt.h)
		floats.Add(out.g, pt.g)
	}
	return out
}

// irlsBlock is the number of rows gathered, transposed, before their
// cross-products are taken with vectorised dot products.
const irlsBlock = 256

func irlsChunk(X *Design, treated []bool, rows []int32, beta []float64, lo, hi int) irlsAcc {
	q := len(beta)
	p := q - 1
	h := make([]float64, q*(q+1)/2)
	g := make([]float64, q)
	xt := make([]float64, q*irlsBlock) // column a of the block at xt[a*irlsBlock:]
	wx := make([]float64, q*irlsBlock) // the same, times the IRLS weight
	rv := make([]float64, irlsBlock)   // y - mu
	for a := range irlsBlock {
		xt[a] = 1
	}
	data := X.data
	for start := lo; start < hi; start += irlsBlock {
		b := min(irlsBlock, hi-start)
		for l := range b {
			i := start + l
			if rows != nil {
				i = int(rows[i])
			}
			row := data[i*p : (i+1)*p : (i+1)*p]
			e := beta[0]
			for j, v := range row {
				e += beta[j+1] * v
			}
			mu := 1 / (1 + math.Exp(-e))
			w := mu * (1 - mu)
			if treated[i] {
				rv[l] = 1 - mu
			} else {
				rv[l] = -mu
			}
			wx[l] = w
			for j, v := range row {
				xt[(j+1)*irlsBlock+l] = v
				wx[(j+1)*irlsBlock+l] = w * v
			}
		}
		k := 0
		for a := range q {
			xa := xt[a*irlsBlock : a*irlsBlock+b]
			wa := wx[a*irlsBlock : a*irlsBlock+b]
			g[a] += floats.Dot(rv[:b], xa)
			for c := a; c < q; c++ {
				h[k] += floats.Dot(wa, xt[c*irlsBlock:c*irlsBlock+b])
				k++
			}
		}
	}
	return irlsAcc{h: h, g: g}
}

// predict writes the linear predictor and the score at beta into m and
// returns the deviance, streaming in parallel chunks.
func predict(X *Design, treated []bool, beta []float64, m *PropensityModel, workers int) float64 {
	n, p := X.Rows(), X.Cols()
	workers = min(workers, n/4096+1)
	dev := make([]float64, workers)
	m.Score = make([]float64, n)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			var d float64
			for i := lo; i < hi; i++ {
				row := X.data[i*p : (i+1)*p : (i+1)*p]
				e := beta[0]
				for j, v := range row {
					e += beta[j+1] * v
				}
				m.Logit[i] = e
				z := math.Exp(-math.Abs(e))
				if e >= 0 {
					m.Score[i] = 1 / (1 + z)
				} else {
					m.Score[i] = z / (1 + z)
				}
				// Deviance contribution 2·log(1+exp(∓e)), computed stably:
				// log(1+exp(u)) = max(u, 0) + log1p(exp(-|u|)).
				u := e
				if treated[i] {
					u = -e
				}
				if u < 0 {
					u = 0
				}
				d += 2 * (u + math.Log1p(z))
			}
			dev[w] = d
		}()
	}
	wg.Wait()
	return floats.Sum(dev)
}

// columnSummary holds, per design column, what the pre-fit checks and the
// separation test need, gathered in one row-major pass.
type columnSummary struct {
	minT, maxT, minC, maxC []float64
	onesT, onesC           []int
	sum, sumSq             []float64 // about the first row, for a stable SD
	n1                     int
}

func summarise(X *Design, treated []bool, workers int) columnSummary {
	n, p := X.Rows(), X.Cols()
	workers = min(workers, n/4096+1)
	parts := make([]columnSummary, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newSummary(p)
			shift := X.Row(0)
			for i := lo; i < hi; i++ {
				row := X.data[i*p : (i+1)*p : (i+1)*p]
				t := treated[i]
				if t {
					s.n1++
				}
				// Plain comparisons, not math.Min/Max: a Design holds no
				// NaN, and this pass is a good share of a large fit.
				lo, hi, ones := s.minC, s.maxC, s.onesC
				if t {
					lo, hi, ones = s.minT, s.maxT, s.onesT
				}
				for j, v := range row {
					if v < lo[j] {
						lo[j] = v
					}
					if v > hi[j] {
						hi[j] = v
					}
					if v == 1 {
						ones[j]++
					}
					d := v - shift[j]
					s.sum[j] += d
					s.sumSq[j] += d * d
				}
			}
			parts[w] = s
		}()
	}
	wg.Wait()
	out := parts[0]
	for _, s := range parts[1:] {
		out.n1 += s.n1
		for j := range p {
			out.minT[j] = math.Min(out.minT[j], s.minT[j])
			out.maxT[j] = math.Max(out.maxT[j], s.maxT[j])
			out.minC[j] = math.Min(out.minC[j], s.minC[j])
			out.maxC[j] = math.Max(out.maxC[j], s.maxC[j])
			out.onesT[j] += s.onesT[j]
			out.onesC[j] += s.onesC[j]
			out.sum[j] += s.sum[j]
			out.sumSq[j] += s.sumSq[j]
		}
	}
	return out
}

func newSummary(p int) columnSummary {
	s := columnSummary{
		minT: make([]float64, p), maxT: make([]float64, p), minC: make([]float64, p), maxC: make([]float64, p),
		onesT: make([]int, p), onesC: make([]int, p), sum: make([]float64, p), sumSq: make([]float64, p),
	}
	for j := range p {
		s.minT[j], s.minC[j] = math.Inf(1), math.Inf(1)
		s.maxT[j], s.maxC[j] = math.Inf(-1), math.Inf(-1)
	}
	return s
}

// sd is each column's sample SD.
func (s columnSummary) sd(n int) []float64 {
	out := make([]float64, len(s.sum))
	for j := range out {
		if n > 1 {
			v := (s.sumSq[j] - s.sum[j]*s.sum[j]/float64(n)) / float64(n-1)
			out[j] = math.Sqrt(math.Max(v, 0))
		}
	}
	return out
}

// checkCovariates finds, before fitting, covariates that cannot be
// estimated: constant columns and those that separate the groups alone.
func checkCovariates(X *Design, s columnSummary) error {
	n := X.Rows()
	names, kinds := X.Names(), X.Kinds()
	for j := range X.Cols() {
		minT, maxT, minC, maxC := s.minT[j], s.maxT[j], s.minC[j], s.maxC[j]
		if math.Min(minT, minC) == math.Max(maxT, maxC) {
			return fmt.Errorf("matching.Fit: covariate %q is constant (every unit has %v), so its coefficient cannot be estimated; drop it from the model", names[j], minT)
		}
		if kinds[j] == Binary {
			onesT, onesC := s.onesT[j], s.onesC[j]
			zerosT, zerosC := s.n1-onesT, (n-s.n1)-onesC
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
func collinearityError(X *Design, h *mat.SymDense) error {
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
