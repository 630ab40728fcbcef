package matching

import "math"

// BalanceRow is one covariate's balance before and after matching.
type BalanceRow struct {
	Covariate string
	Kind      Kind
	// SMDBefore and SMDAfter are standardised mean differences, (weighted)
	// participant mean minus comparison mean over the participants' SD in
	// the full sample (unweighted), as MatchIt and cobalt do for the ATT
	// (Austin 2009, Statistics in Medicine 28(25):3083–3107,
	// doi:10.1002/sim.3697). For a binary covariate the SD is sqrt(p(1-p))
	// of the participants' proportion p, as MatchIt's summary computes it.
	SMDBefore, SMDAfter float64
	// VarianceRatioBefore and VarianceRatioAfter are the participants'
	// (weighted) variance over the comparison units'; NaN for binary
	// covariates, as MatchIt reports.
	VarianceRatioBefore, VarianceRatioAfter float64
	// Flag is set when |SMDAfter| > BalanceThreshold.
	Flag bool
}

// BalanceThreshold is the |SMD| above which a covariate is flagged.
const BalanceThreshold = 0.1

// Balance compares participants and comparison units on every design
// column, before (weights before; nil means unweighted) and after (weights
// after, e.g. Result.Weights) matching. Weighted variances use the
// bias-corrected form Σw(x-m)² / (Σw - Σw²/Σw), which reduces to the usual
// n-1 variance for unit weights.
func Balance(X *Design, treated []bool, before, after []float64) []BalanceRow {
	n, p := X.Rows(), X.Cols()
	if len(treated) != n || (before != nil && len(before) != n) || len(after) != n {
		panic("matching.Balance: treatment flags or weights do not match the design's rows")
	}
	rows := make([]BalanceRow, p)
	for j := range p {
		x := X.Column(j)
		sdT := math.Sqrt(groupVar(x, treated, true, nil))
		if X.Kinds()[j] == Binary {
			// MatchIt's convention for binary covariates: sqrt(p(1-p)).
			pT := groupMean(x, treated, true, nil)
			sdT = math.Sqrt(pT * (1 - pT))
		}
		mtB, mcB := groupMean(x, treated, true, before), groupMean(x, treated, false, before)
		mtA, mcA := groupMean(x, treated, true, after), groupMean(x, treated, false, after)
		r := BalanceRow{
			Covariate:           X.Names()[j],
			Kind:                X.Kinds()[j],
			SMDBefore:           (mtB - mcB) / sdT,
			SMDAfter:            (mtA - mcA) / sdT,
			VarianceRatioBefore: math.NaN(),
			VarianceRatioAfter:  math.NaN(),
		}
		if r.Kind == Continuous {
			r.VarianceRatioBefore = groupVar(x, treated, true, before) / groupVar(x, treated, false, before)
			r.VarianceRatioAfter = groupVar(x, treated, true, after) / groupVar(x, treated, false, after)
		}
		r.Flag = math.Abs(r.SMDAfter) > BalanceThreshold
		rows[j] = r
	}
	return rows
}

func weight(w []float64, i int) float64 {
	if w == nil {
		return 1
	}
	return w[i]
}

func groupMean(x []float64, treated []bool, group bool, w []float64) float64 {
	var sw, s float64
	for i, v := range x {
		if treated[i] == group {
			wi := weight(w, i)
			sw += wi
			s += wi * v
		}
	}
	return s / sw
}

func groupVar(x []float64, treated []bool, group bool, w []float64) float64 {
	m := groupMean(x, treated, group, w)
	var sw, sw2, s float64
	for i, v := range x {
		if treated[i] == group {
			wi := weight(w, i)
			sw += wi
			sw2 += wi * wi
			s += wi * (v - m) * (v - m)
		}
	}
	return s / (sw - sw2/sw)
}
