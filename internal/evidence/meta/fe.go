package meta

// tau2FixedEffect is the fixed-effect (common-effect) model: τ² = 0, so
// every study is weighted by 1/v_i (Borenstein et al. 2009, ch. 11).
func tau2FixedEffect(_, _ []float64, _ Spec) (float64, int, error) { return 0, 0, nil }
