package matching

import (
	"fmt"
	"math"
)

// weightIPW sets inverse-probability-of-treatment weights for the ATT
// (Hirano, Imbens & Ridder 2003, Econometrica 71(4):1161–1189,
// doi:10.1111/1468-0262.00442): participants weigh 1, comparison units
// e/(1-e), the odds of their propensity score e, which reweights the
// comparison group to the participants' covariate distribution. Units
// dropped by Discard weigh 0. Weights are not normalised (the ATT does not
// depend on their scale).
func weightIPW(prob Problem, res *Result, discarded []bool) error {
	for i, t := range prob.Treated {
		if discarded[i] {
			continue
		}
		if t {
			res.Weights[i] = 1
			continue
		}
		// e/(1-e) = exp(logit), computed without forming e.
		w := math.Exp(prob.Logit[i])
		if math.IsInf(w, 1) {
			return fmt.Errorf("matching.Match (ipw): comparison unit %d has propensity score 1 (logit %v), so its weight is infinite; trim with Discard %q or %q, or refit the model", i, prob.Logit[i], DiscardControl, DiscardBoth)
		}
		res.Weights[i] = w
	}
	return nil
}
