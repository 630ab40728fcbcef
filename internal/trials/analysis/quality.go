package analysis

import (
	"fmt"
	"math"
)

// Balance is one covariate column's baseline balance between an arm and
// the reference arm among the analysed participants.
type Balance struct {
	Arm       string  `json:"arm"`
	Reference string  `json:"reference"`
	Covariate string  `json:"covariate"`
	MeanArm   float64 `json:"mean_arm"`
	MeanRef   float64 `json:"mean_reference"`
	// SMD is the standardised mean difference (MeanArm − MeanRef) over the
	// pooled SD √((s²arm + s²ref)/2); 0 when the column is constant.
	SMD float64 `json:"smd"`
}

// Quality is what an arm's evidence standard rests on: attrition between
// allocation and analysis, overall and differential, and the baseline
// balance of the analysed participants.
type Quality struct {
	Arm                   string  `json:"arm"`
	Reference             string  `json:"reference"`
	OverallAttrition      float64 `json:"overall_attrition"`      // share of the two arms' allocated not analysed
	DifferentialAttrition float64 `json:"differential_attrition"` // |attrition in arm − attrition in reference|
	MaxAbsSMD             float64 `json:"max_abs_smd"`
	AttritionOK           bool    `json:"attrition_ok"`
	BalanceOK             bool    `json:"balance_ok"`
	Rule                  string  `json:"rule"`
}

// The thresholds of Quality, after the What Works Clearinghouse Procedures
// and Standards Handbook (version 5.0, 2022, US Institute of Education
// Sciences): attrition is judged on overall and differential attrition
// together, and baseline differences above 0.25 SD cannot be adjusted
// away. WWC's attrition boundary is a curve; the single pair used here
// (overall ≤ 20%, differential ≤ 5 points) lies inside its cautious
// boundary's acceptable region.
const (
	MaxOverallAttrition      = 0.20
	MaxDifferentialAttrition = 0.05
	MaxBaselineSMD           = 0.25
)

// QualityRule states the thresholds in words, for the report.
var QualityRule = fmt.Sprintf("attrition adequate when overall attrition ≤ %.0f%% and differential attrition ≤ %.0f percentage points; balance adequate when every adjusted covariate's |SMD| ≤ %.2f among the analysed (after the What Works Clearinghouse Standards Handbook v5.0)",
	100*MaxOverallAttrition, 100*MaxDifferentialAttrition, MaxBaselineSMD)

func balance(in Input, arm, ref string) []Balance {
	var out []Balance
	for j, name := range in.Columns {
		var a, r []float64
		for _, p := range in.Participants {
			if !p.Linked || !p.OutcomeOK {
				continue
			}
			switch p.Arm {
			case arm:
				a = append(a, p.Covariates[j])
			case ref:
				r = append(r, p.Covariates[j])
			}
		}
		ma, va := meanVar(a)
		mr, vr := meanVar(r)
		b := Balance{Arm: arm, Reference: ref, Covariate: name, MeanArm: ma, MeanRef: mr}
		if sd := math.Sqrt((va + vr) / 2); sd > 0 {
			b.SMD = (ma - mr) / sd
		}
		out = append(out, b)
	}
	return out
}

// meanVar is the mean and the sample variance (n − 1); zeros for n < 2.
func meanVar(x []float64) (float64, float64) {
	if len(x) == 0 {
		return 0, 0
	}
	var m float64
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	if len(x) < 2 {
		return m, 0
	}
	var ss float64
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	return m, ss / float64(len(x)-1)
}

func quality(f Flow, bal []Balance, arm, ref string) Quality {
	q := Quality{Arm: arm, Reference: ref, Rule: QualityRule}
	attr := func(a string) float64 {
		if f.Allocated[a] == 0 {
			return 0
		}
		return 1 - float64(f.Analysed[a])/float64(f.Allocated[a])
	}
	if n := f.Allocated[arm] + f.Allocated[ref]; n > 0 {
		q.OverallAttrition = 1 - float64(f.Analysed[arm]+f.Analysed[ref])/float64(n)
	}
	q.DifferentialAttrition = math.Abs(attr(arm) - attr(ref))
	for _, b := range bal {
		if b.Arm == arm && b.Reference == ref {
			q.MaxAbsSMD = math.Max(q.MaxAbsSMD, math.Abs(b.SMD))
		}
	}
	q.AttritionOK = q.OverallAttrition <= MaxOverallAttrition && q.DifferentialAttrition <= MaxDifferentialAttrition
	q.BalanceOK = q.MaxAbsSMD <= MaxBaselineSMD
	return q
}
