package evidence

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/employment-data-lab/datalab/internal/evidence/effectsize"
)

// TrialResult is a randomised trial's primary result as the lab's trials
// toolkit (internal/trials) hands it to the library.
type TrialResult struct {
	Trial            string // the trial's identifier
	Title            string // the trial's title (optional)
	PlanHash         string // SHA-256 of the locked analysis plan
	Departures       string // the analysis's departures from the plan and their reason, in words; "" when run as planned
	Intervention     string // the intervention tested, e.g. "Intensive coaching"
	InterventionType string // a Taxonomy code or name
	Arm, Reference   string // the arms compared
	Outcome          string // an outcomes-framework code, e.g. "employed_week_52"; "" with OutcomeName for one outside it
	OutcomeName      string // the outcome in words when Outcome is ""
	// Measure of Estimate: RD in percentage points (a difference in
	// proportions × 100) or MD for counts and amounts.
	Measure           effectsize.Measure
	Estimate, SE      float64
	CILow, CIHigh     float64
	MeanTreated       float64 // the treatment arm's outcome mean (a proportion for RD)
	MeanControl       float64
	NTreated          int
	NControl          int
	AttritionBalance  bool // attrition and baseline balance adequate (SMS 5); otherwise SMS 4
	Year              int  // year of the analysis
	PeriodStart       string
	PeriodEnd         string
	Country           string // default "UK"
	AdjustedFor       []string
	VarianceEstimator string
}

// AddTrial puts a trial analysed by the lab in the library as a
// randomised controlled trial: SMS 5 when attrition and baseline balance
// are adequate, 4 otherwise (DeriveSMS). The intervention is
// "trial-<slug of intervention>", the study "trial-<slug of trial>-<slug of
// outcome>"; analysing the trial again replaces the study. Its provenance
// (trial, plan hash, departures) is kept in the citation and notes.
func AddTrial(ctx context.Context, lib Library, r TrialResult) (Study, error) {
	if strings.TrimSpace(r.Trial) == "" {
		return Study{}, fmt.Errorf("evidence: trial result: trial identifier is empty")
	}
	if strings.TrimSpace(r.Intervention) == "" {
		return Study{}, fmt.Errorf("evidence: trial %s: the intervention tested is not named; give its name", r.Trial)
	}
	if !(r.SE > 0) || math.IsNaN(r.Estimate) || math.IsInf(r.Estimate, 0) {
		return Study{}, fmt.Errorf("evidence: trial %s: estimate %v with SE %v; the SE must be positive", r.Trial, r.Estimate, r.SE)
	}
	if r.PlanHash == "" {
		return Study{}, fmt.Errorf("evidence: trial %s: no analysis-plan hash; only a trial analysed against its locked plan enters the library", r.Trial)
	}
	t, err := LookupType(r.InterventionType)
	if err != nil {
		return Study{}, fmt.Errorf("evidence: trial %s: %w", r.Trial, err)
	}
	outcome, code := r.OutcomeName, ""
	if r.Outcome != "" {
		o, err := LookupOutcome(r.Outcome)
		if err != nil {
			return Study{}, fmt.Errorf("evidence: trial %s: %w", r.Trial, err)
		}
		outcome, code = o.Name, o.Code
	}
	if strings.TrimSpace(outcome) == "" {
		return Study{}, fmt.Errorf("evidence: trial %s: the outcome is not named", r.Trial)
	}
	if r.Measure == "" {
		r.Measure = effectsize.RD
	}
	if r.Country == "" {
		r.Country = "UK"
	}
	iv := Intervention{ID: "trial-" + Slug(r.Intervention), Name: r.Intervention, Type: t.Code,
		Description: "Tested in a randomised trial run with the Employment Data Lab's trials toolkit."}
	title := r.Title
	if title == "" {
		title = r.Trial
	}
	est, se, lo, hi, level := r.Estimate, r.SE, r.CILow, r.CIHigh, 0.95
	outcomeKey := code
	if outcomeKey == "" {
		outcomeKey = outcome
	}
	notes := fmt.Sprintf("Randomised trial %s (%s vs %s), analysed by intention to treat against its locked analysis plan (SHA-256 %s); adjusted for %s; %s standard errors.",
		r.Trial, r.Arm, r.Reference, r.PlanHash, orNone(r.AdjustedFor), r.VarianceEstimator)
	if r.Departures != "" {
		notes += " Departures from the plan: " + r.Departures + "."
	} else {
		notes += " No departures from the plan."
	}
	if !r.AttritionBalance {
		notes += " Attrition or baseline balance fell short of the standard: SMS 4."
	}
	s := Study{
		ID:             Slug("trial-" + r.Trial + "-" + outcomeKey),
		InterventionID: iv.ID,
		Title:          fmt.Sprintf("Randomised trial %s: %s", r.Trial, title),
		Citation:       fmt.Sprintf("Employment Data Lab trial %s, analysis plan SHA-256 %s", r.Trial, r.PlanHash),
		Year:           r.Year,
		Country:        r.Country,
		Population:     "participants randomised in the trial and linked to administrative data",
		PeriodStart:    r.PeriodStart,
		PeriodEnd:      r.PeriodEnd,
		Design:         RCT,
		AttritionOK:    r.AttritionBalance,
		NTreated:       r.NTreated,
		NControl:       r.NControl,
		Outcome:        outcome,
		OutcomeCode:    code,
		Measure:        r.Measure,
		Estimate:       &est,
		SE:             &se,
		CILow:          &lo,
		CIHigh:         &hi,
		CILevel:        &level,
		Source:         SourceTrial,
		Notes:          notes,
	}
	mt, mc := r.MeanTreated, r.MeanControl
	s.MeanTreated, s.MeanControl = &mt, &mc
	if r.Measure == effectsize.RD && mc > 0 && mc < 1 {
		s.ControlRate = &mc
	}
	if w := WeekOf(code); w >= 0 {
		s.FollowUpMonths = int(math.Round(float64(w) * 7 / 30.4375))
	}
	return Add(ctx, lib, iv, s, true)
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "no covariates"
	}
	return strings.Join(s, ", ")
}
