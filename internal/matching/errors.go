package matching

import (
	"errors"
	"fmt"
)

// ErrSeparation is matched (errors.Is) by every *SeparationError.
var ErrSeparation = errors.New("perfect separation")

// ErrNotConverged is matched (errors.Is) by every *ConvergenceError.
var ErrNotConverged = errors.New("propensity model did not converge")

// SeparationError says that one covariate (alone or with the others)
// predicts participation perfectly, so the logistic maximum-likelihood
// estimate does not exist and the units it separates have no comparators.
type SeparationError struct {
	Covariate string // the design column that separates (e.g. "race=hispan")
	Detail    string // what the data show
}

func (e *SeparationError) Error() string {
	return fmt.Sprintf("propensity model: perfect separation on covariate %q: %s; the logit estimate does not exist and these units have no comparable units: drop or merge the covariate (or level), or restrict the cohort to where both groups occur", e.Covariate, e.Detail)
}

// Is makes errors.Is(err, ErrSeparation) true.
func (e *SeparationError) Is(target error) bool { return target == ErrSeparation }

// ConvergenceError says IRLS stopped at its iteration limit without the
// deviance settling.
type ConvergenceError struct {
	Iterations int
	Change     float64 // last relative change in deviance
	Tolerance  float64
}

func (e *ConvergenceError) Error() string {
	return fmt.Sprintf("propensity model: IRLS did not converge in %d iterations (relative deviance change %.3g, tolerance %.3g); raise MaxIterations, or look for covariates with extreme values or near-separation", e.Iterations, e.Change, e.Tolerance)
}

// Is makes errors.Is(err, ErrNotConverged) true.
func (e *ConvergenceError) Is(target error) bool { return target == ErrNotConverged }
