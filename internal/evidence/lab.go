package evidence

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/employment-data-lab/datalab/internal/evidence/effectsize"
)

// LabResult is a published Data Lab evaluation's headline result, as the
// lab hands it to the library.
type LabResult struct {
	Name             string // the programme evaluated, e.g. "Acme Works Pathways"
	InterventionType string // a Taxonomy code or name
	Outcome          string // an outcomes-framework code, e.g. "employed_week_52"
	// Measure of Estimate: RD (the default) in percentage points — multiply a
	// difference in proportions by 100 — or MD for counts and amounts.
	Measure     effectsize.Measure
	Estimate    float64
	SE          float64
	NTreated    int
	NComparison int
	Design      string // "matched comparison" (SMS 3) unless said otherwise
	Year        int    // year published
	Period      string // cohort start period, YYYY or YYYY-MM (optional)
	Citation    string // the report's reference or URL (optional)
	Country     string // default "UK"
}

// AddLabEvaluation puts a published Data Lab evaluation in the library as a
// study, so the toolkit learns as the lab works. The intervention is
// "lab-<slug of name>" and the study "lab-<slug of name>-<outcome>";
// publishing again replaces the study. A matched comparison is SMS 3.
func AddLabEvaluation(ctx context.Context, lib Library, r LabResult) (Study, error) {
	if strings.TrimSpace(r.Name) == "" {
		return Study{}, fmt.Errorf("evidence: lab evaluation: name is empty")
	}
	if !(r.SE > 0) || math.IsNaN(r.Estimate) || math.IsInf(r.Estimate, 0) {
		return Study{}, fmt.Errorf("evidence: lab evaluation %q: estimate %v with SE %v; the SE must be positive", r.Name, r.Estimate, r.SE)
	}
	o, err := LookupOutcome(r.Outcome)
	if err != nil {
		return Study{}, fmt.Errorf("evidence: lab evaluation %q: %w", r.Name, err)
	}
	t, err := LookupType(r.InterventionType)
	if err != nil {
		return Study{}, fmt.Errorf("evidence: lab evaluation %q: %w", r.Name, err)
	}
	if r.Measure == "" {
		r.Measure = effectsize.RD
	}
	if r.Design == "" {
		r.Design = string(MatchedComparison)
	}
	if r.Country == "" {
		r.Country = "UK"
	}
	slug := Slug(r.Name)
	iv := Intervention{ID: "lab-" + slug, Name: r.Name, Type: t.Code,
		Description: "Evaluated by the Employment Data Lab."}
	est, se := r.Estimate, r.SE
	s := Study{
		ID:             "lab-" + slug + "-" + Slug(o.Code),
		InterventionID: iv.ID,
		Title:          fmt.Sprintf("Employment Data Lab evaluation of %s", r.Name),
		Citation:       r.Citation,
		Year:           r.Year,
		Country:        r.Country,
		Population:     "programme participants matched to similar non-participants in administrative data",
		PeriodStart:    r.Period,
		Design:         Design(r.Design),
		NTreated:       r.NTreated,
		NControl:       r.NComparison,
		Outcome:        o.Name,
		OutcomeCode:    o.Code,
		Measure:        r.Measure,
		Estimate:       &est,
		SE:             &se,
		Source:         SourceLab,
	}
	if w := WeekOf(o.Code); w >= 0 {
		s.FollowUpMonths = int(math.Round(float64(w) * 7 / 30.4375))
	}
	return Add(ctx, lib, iv, s, true)
}
