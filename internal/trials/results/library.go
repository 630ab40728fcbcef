package results

import (
	"context"
	"fmt"
	"strings"

	"github.com/employment-data-lab/datalab/internal/evidence"
	"github.com/employment-data-lab/datalab/internal/evidence/effectsize"
	"github.com/employment-data-lab/datalab/internal/timeline"
	"github.com/employment-data-lab/datalab/internal/trials/analysis"
)

// EvidenceOutcome maps an outcomes-framework outcome (and the horizon week
// of a weekly one) to the what-works library's outcome code; "" when the
// library has no code for it.
func EvidenceOutcome(outcome string, week *int) string {
	w := func(prefix string) string {
		if week == nil {
			return ""
		}
		return fmt.Sprintf("%s_%d", prefix, *week)
	}
	switch outcome {
	case "employed":
		return w("employed_week")
	case "on_out_of_work_benefit":
		return w("out_of_work_benefit_week")
	case "on_inactivity_benefit":
		return w("inactivity_benefit_week")
	case "weeks_employed_0_51", "weeks_employed_0_103":
		return outcome
	case "earnings_months_1_12":
		return "earnings_1_12"
	case "earnings_months_13_24":
		return "earnings_13_24"
	case "sustained_employment_13":
		return "sustained_13"
	case "sustained_employment_26":
		return "sustained_26"
	}
	return ""
}

// addToLibrary enters each arm's primary (whole-trial) estimate in the
// library: a binary outcome as a risk difference in percentage points, any
// other as a mean difference.
func addToLibrary(ctx context.Context, cfg Config, doc *Document, res analysis.Result) (*EvidenceInfo, error) {
	p := doc.Plan.AsRun
	def, _ := timeline.LookupOutcome(p.PrimaryOutcome)
	name := cfg.Intervention
	if name == "" {
		name = doc.Trial.Title
	}
	if name == "" {
		name = doc.Trial.ID
	}
	var deps []string
	for _, d := range doc.Departures {
		deps = append(deps, fmt.Sprintf("%s %s → %s", d.Field, d.Planned, d.Used))
	}
	departures := ""
	if len(deps) > 0 {
		departures = strings.Join(deps, "; ") + " (reason: " + doc.DepartureReason + ")"
	}
	var info *EvidenceInfo
	for _, c := range res.Primary {
		e := c.Effect
		scale, measure := 1.0, effectsize.MD
		if def.Binary {
			scale, measure = 100, effectsize.RD
		}
		var q analysis.Quality
		for _, x := range res.Quality {
			if x.Arm == c.Arm {
				q = x
			}
		}
		iv := name
		if len(res.Primary) > 1 {
			iv = name + " (" + c.Arm + ")"
		}
		r := evidence.TrialResult{
			Trial: doc.Trial.ID, Title: doc.Trial.Title, PlanHash: doc.Plan.Hash, Departures: departures,
			Intervention: iv, InterventionType: cfg.InterventionType, Arm: c.Arm, Reference: c.Reference,
			Outcome: EvidenceOutcome(p.PrimaryOutcome, p.HorizonWeek), OutcomeName: outcomeWords(p.PrimaryOutcome, p.HorizonWeek),
			Measure: measure, Estimate: scale * e.Estimate, SE: scale * e.SE, CILow: scale * e.CILow, CIHigh: scale * e.CIHigh,
			MeanTreated: e.MeanTreated, MeanControl: e.MeanControl, NTreated: e.NTreated, NControl: e.NControl,
			AttritionBalance: q.AttritionOK && q.BalanceOK, Year: doc.GeneratedAt.Year(),
			AdjustedFor: e.Covariates, VarianceEstimator: e.VarianceEstimator,
		}
		if len(res.Primary) > 1 {
			r.Trial = doc.Trial.ID + "-" + c.Arm
		}
		s, err := evidence.AddTrial(ctx, cfg.Library, r)
		if err != nil {
			return nil, err
		}
		if info == nil {
			info = &EvidenceInfo{StudyID: s.ID, InterventionID: s.InterventionID, Design: string(s.Design), SMSLevel: s.Standard().Level}
		}
	}
	return info, nil
}

func outcomeWords(outcome string, week *int) string {
	if week != nil {
		return fmt.Sprintf("%s at week %d", outcome, *week)
	}
	return outcome
}
