package evidence

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/employment-data-lab/datalab/internal/evidence/effectsize"
)

// Intervention is a programme or service that was evaluated.
type Intervention struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Type        string `json:"type"` // a Taxonomy code
	Description string `json:"description,omitempty"`
}

// Design is a study design, the fact the evidence standard rests on.
type Design string

// The designs DeriveSMS grades.
const (
	RCT                     Design = "rct"
	NaturalExperiment       Design = "natural_experiment"
	RegressionDiscontinuity Design = "regression_discontinuity"
	InstrumentalVariable    Design = "instrumental_variable"
	MatchedComparison       Design = "matched_comparison"
	DifferenceInDifferences Design = "difference_in_differences"
	UnmatchedComparison     Design = "unmatched_comparison"
	BeforeAfter             Design = "before_after"
	CrossSection            Design = "cross_section"
)

// Designs lists the designs with their names in words.
func Designs() []struct {
	Design Design
	Name   string
} {
	return []struct {
		Design Design
		Name   string
	}{
		{RCT, "randomised controlled trial"},
		{NaturalExperiment, "natural experiment"},
		{RegressionDiscontinuity, "regression discontinuity"},
		{InstrumentalVariable, "instrumental variable"},
		{MatchedComparison, "matched comparison"},
		{DifferenceInDifferences, "difference in differences"},
		{UnmatchedComparison, "unmatched comparison group"},
		{BeforeAfter, "before-after (no comparison group)"},
		{CrossSection, "cross-section (no comparison group)"},
	}
}

// ParseDesign reads a design by code or in words ("matched comparison",
// "randomised controlled trial", "RDD", "DiD", …).
func ParseDesign(s string) (Design, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.NewReplacer(" ", "_", "-", "_").Replace(k)
	aliases := map[string]Design{
		"randomised_controlled_trial": RCT, "randomized_controlled_trial": RCT, "randomised": RCT, "trial": RCT,
		"rdd": RegressionDiscontinuity, "rd": RegressionDiscontinuity, "iv": InstrumentalVariable,
		"did": DifferenceInDifferences, "diff_in_diff": DifferenceInDifferences, "matched": MatchedComparison,
		"psm": MatchedComparison, "unmatched_comparison_group": UnmatchedComparison,
	}
	if d, ok := aliases[k]; ok {
		return d, nil
	}
	var codes []string
	for _, d := range Designs() {
		if Design(k) == d.Design {
			return d.Design, nil
		}
		codes = append(codes, string(d.Design))
	}
	return "", fmt.Errorf("design %q is not known; use one of %s", s, strings.Join(codes, ", "))
}

// Name is the design in words.
func (d Design) Name() string {
	for _, x := range Designs() {
		if x.Design == d {
			return x.Name
		}
	}
	return string(d)
}

// Source says where a study came from.
const (
	SourceExternal = "external" // a published evaluation from elsewhere
	SourceLab      = "lab"      // a Data Lab evaluation
	SourceTrial    = "trial"    // a trial run with the lab's trials toolkit
)

// Study is one evaluation of one intervention on one outcome. Optional
// numbers are nil when not reported.
type Study struct {
	ID             string `json:"id"`
	InterventionID string `json:"intervention_id"`
	Title          string `json:"title"`
	Citation       string `json:"citation,omitempty"`
	URL            string `json:"url,omitempty"`
	Year           int    `json:"year,omitempty"`
	Country        string `json:"country,omitempty"`
	Population     string `json:"population,omitempty"`
	PeriodStart    string `json:"period_start,omitempty"` // YYYY or YYYY-MM
	PeriodEnd      string `json:"period_end,omitempty"`

	Design            Design `json:"design"`
	AttritionOK       bool   `json:"attrition_ok"` // RCT: attrition and baseline balance adequate
	PretrendsOK       bool   `json:"pretrends_ok"` // DiD: parallel pre-trends shown
	SMSOverride       int    `json:"sms_override,omitempty"`
	SMSOverrideReason string `json:"sms_override_reason,omitempty"`

	NTreated       int    `json:"n_treated,omitempty"`
	NControl       int    `json:"n_control,omitempty"`
	Outcome        string `json:"outcome"`
	OutcomeCode    string `json:"outcome_code,omitempty"`   // outcomes framework code, see Outcomes
	OutcomeDomain  string `json:"outcome_domain,omitempty"` // derived from the code when there is one
	FollowUpMonths int    `json:"followup_months,omitempty"`

	// Reported statistics. Estimate is on the reporting scale: percentage
	// points for RD, the ratio itself for RR and OR.
	Measure       effectsize.Measure `json:"measure,omitempty"`
	Estimate      *float64           `json:"estimate,omitempty"`
	SE            *float64           `json:"se,omitempty"` // for RR/OR, the SE of the log ratio
	CILow         *float64           `json:"ci_low,omitempty"`
	CIHigh        *float64           `json:"ci_high,omitempty"`
	CILevel       *float64           `json:"ci_level,omitempty"` // default 0.95
	EventsTreated *int               `json:"events_treated,omitempty"`
	EventsControl *int               `json:"events_control,omitempty"`
	MeanTreated   *float64           `json:"mean_treated,omitempty"`
	SDTreated     *float64           `json:"sd_treated,omitempty"`
	MeanControl   *float64           `json:"mean_control,omitempty"`
	SDControl     *float64           `json:"sd_control,omitempty"`
	ControlRate   *float64           `json:"control_rate,omitempty"` // comparison group's outcome rate, a proportion

	CostPerParticipant *float64 `json:"cost_per_participant,omitempty"` // pounds
	CostPriceYear      int      `json:"cost_price_year,omitempty"`

	Source       string `json:"source"`
	Illustrative bool   `json:"illustrative"`
	Notes        string `json:"notes,omitempty"`
}

var (
	idPattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,99}$`)
	periodPattern = regexp.MustCompile(`^\d{4}(-(0[1-9]|1[0-2]))?$`)
)

// Slug turns free text into an identifier: lower case, runs of other
// characters replaced by a hyphen.
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimSuffix(b.String(), "-")
	if len(out) > 90 {
		out = strings.TrimSuffix(out[:90], "-")
	}
	return out
}

// Validate checks the intervention's fields.
func (iv Intervention) Validate() error {
	if !idPattern.MatchString(iv.ID) {
		return fmt.Errorf("intervention id %q: use lower-case letters, digits, '.', '_' or '-', e.g. %q", iv.ID, Slug(iv.Name))
	}
	if strings.TrimSpace(iv.Name) == "" {
		return fmt.Errorf("intervention %s: name is empty; give the programme's name", iv.ID)
	}
	if _, err := LookupType(iv.Type); err != nil {
		return fmt.Errorf("intervention %s: %w", iv.ID, err)
	}
	return nil
}

// Normalise fills in derived fields (the type code, design code, outcome
// domain, default source and CI level) and checks every field; the error
// names the study and the field, and says what to do.
func (s *Study) Normalise() error {
	fail := func(field, format string, a ...any) error {
		return fmt.Errorf("study %s: %s: %s", s.ID, field, fmt.Sprintf(format, a...))
	}
	if !idPattern.MatchString(s.ID) {
		return fmt.Errorf("study id %q: use lower-case letters, digits, '.', '_' or '-', e.g. %q", s.ID, Slug(s.Title))
	}
	if !idPattern.MatchString(s.InterventionID) {
		return fail("intervention_id", "%q is not an intervention id; give the id of the intervention evaluated", s.InterventionID)
	}
	if strings.TrimSpace(s.Title) == "" {
		return fail("title", "empty; give the study's title")
	}
	d, err := ParseDesign(string(s.Design))
	if err != nil {
		return fail("design", "%v", err)
	}
	s.Design = d
	if s.SMSOverride != 0 {
		if s.SMSOverride < 1 || s.SMSOverride > 5 {
			return fail("sms_override", "%d is not a level; use 1 to 5, or 0 for none", s.SMSOverride)
		}
		if strings.TrimSpace(s.SMSOverrideReason) == "" {
			return fail("sms_override_reason", "an override of the SMS level needs a reason; say why the design deserves level %d", s.SMSOverride)
		}
	} else if s.SMSOverrideReason != "" {
		return fail("sms_override_reason", "a reason is given but no sms_override level; set the level or drop the reason")
	}
	if s.Year != 0 && (s.Year < 1900 || s.Year > 2200) {
		return fail("year", "%d is not a plausible publication year", s.Year)
	}
	for _, p := range []struct{ name, v string }{{"period_start", s.PeriodStart}, {"period_end", s.PeriodEnd}} {
		if p.v != "" && !periodPattern.MatchString(p.v) {
			return fail(p.name, "%q; write YYYY or YYYY-MM", p.v)
		}
	}
	if s.NTreated < 0 || s.NControl < 0 {
		return fail("n_treated/n_control", "%d/%d; sample sizes cannot be negative", s.NTreated, s.NControl)
	}
	if strings.TrimSpace(s.Outcome) == "" {
		return fail("outcome", "empty; say what was measured, e.g. \"in paid work 12 months after starting\"")
	}
	if s.OutcomeCode != "" {
		o, err := LookupOutcome(s.OutcomeCode)
		if err != nil {
			return fail("outcome_code", "%v", err)
		}
		if s.OutcomeDomain != "" && s.OutcomeDomain != o.Domain {
			return fail("outcome_domain", "%q disagrees with outcome_code %s (domain %s); leave it empty", s.OutcomeDomain, o.Code, o.Domain)
		}
		s.OutcomeDomain = o.Domain
	}
	if s.OutcomeDomain == "" {
		s.OutcomeDomain = DomainOther
	}
	if !validDomain(s.OutcomeDomain) {
		return fail("outcome_domain", "%q; use employment, benefits, earnings or other", s.OutcomeDomain)
	}
	if s.Measure != "" {
		m, err := effectsize.ParseMeasure(string(s.Measure))
		if err != nil {
			return fail("measure", "%v", err)
		}
		s.Measure = m
	}
	if s.Estimate != nil && s.Measure == "" {
		return fail("measure", "an estimate is given without its measure; set measure to RD, RR, OR, SMD or MD")
	}
	if (s.SE != nil || s.CILow != nil || s.CIHigh != nil) && s.Estimate == nil {
		return fail("estimate", "a standard error or interval is given without the estimate")
	}
	if (s.CILow == nil) != (s.CIHigh == nil) {
		return fail("ci_low/ci_high", "give both ends of the interval, or neither")
	}
	if s.CILevel == nil && s.CILow != nil {
		lvl := 0.95
		s.CILevel = &lvl
	}
	if s.Estimate != nil {
		if _, _, err := s.reported(); err != nil {
			return fail("estimate", "%v", err)
		}
	}
	for _, e := range []struct {
		name   string
		events *int
		n      int
	}{{"events_treated", s.EventsTreated, s.NTreated}, {"events_control", s.EventsControl, s.NControl}} {
		if e.events != nil && (*e.events < 0 || *e.events > e.n) {
			return fail(e.name, "%d is not between 0 and the group size %d; set n_treated and n_control too", *e.events, e.n)
		}
	}
	if (s.EventsTreated == nil) != (s.EventsControl == nil) {
		return fail("events_treated/events_control", "give the counts for both groups, or neither")
	}
	if s.ControlRate != nil && !(*s.ControlRate > 0 && *s.ControlRate < 1) {
		return fail("control_rate", "%v; give the comparison group's rate as a proportion strictly between 0 and 1", *s.ControlRate)
	}
	if s.CostPerParticipant != nil && (*s.CostPerParticipant < 0 || math.IsNaN(*s.CostPerParticipant)) {
		return fail("cost_per_participant", "%v; give pounds per participant, zero or more", *s.CostPerParticipant)
	}
	switch s.Source {
	case "":
		s.Source = SourceExternal
	case SourceExternal, SourceLab, SourceTrial:
	default:
		return fail("source", "%q; use external, lab or trial", s.Source)
	}
	return nil
}

// N is the total sample size, treated plus comparison.
func (s Study) N() int { return s.NTreated + s.NControl }

// reported is the effect from the reported estimate with its SE or CI.
func (s Study) reported() (effectsize.Effect, bool, error) {
	if s.Estimate == nil || (s.SE == nil && s.CILow == nil) {
		return effectsize.Effect{}, false, nil
	}
	var e effectsize.Effect
	var err error
	if s.SE != nil {
		e, err = effectsize.FromSE(s.Measure, *s.Estimate, *s.SE)
	} else {
		e, err = effectsize.FromCI(s.Measure, *s.Estimate, *s.CILow, *s.CIHigh, *s.CILevel)
	}
	return e, err == nil, err
}

// EffectOn gives the study's effect on scale RD (percentage points) or SMD,
// and how it was obtained, trying in order:
//
//	RD:  the reported RD; the 2x2 counts; a reported RR or OR at the
//	     comparison group's rate (effectsize.RiskDifferenceAt)
//	SMD: the reported SMD; means and SDs; a reported OR converted
//	     (effectsize.LogOddsRatioToSMD); the 2x2 counts' log OR converted
//
// ok is false when the study has nothing that gives the scale.
func (s Study) EffectOn(scale effectsize.Measure) (e effectsize.Effect, how string, ok bool) {
	rep, hasRep, _ := s.reported()
	var counts *effectsize.Table2x2
	if s.EventsTreated != nil && s.EventsControl != nil && s.NTreated > 0 && s.NControl > 0 {
		counts = &effectsize.Table2x2{
			TreatedEvents: float64(*s.EventsTreated), TreatedNonEvents: float64(s.NTreated - *s.EventsTreated),
			ControlEvents: float64(*s.EventsControl), ControlNonEvents: float64(s.NControl - *s.EventsControl),
		}
	}
	switch scale {
	case effectsize.RD:
		if hasRep && s.Measure == effectsize.RD {
			return rep, "reported risk difference", true
		}
		if counts != nil {
			if e, err := effectsize.RiskDifference(*counts); err == nil {
				return e, "risk difference from counts", true
			}
		}
		if hasRep && s.Measure.IsRatio() && s.ControlRate != nil {
			if e, err := effectsize.RiskDifferenceAt(rep, *s.ControlRate); err == nil {
				return e, fmt.Sprintf("reported %s converted at comparison rate %.3g", s.Measure, *s.ControlRate), true
			}
		}
	case effectsize.SMD:
		if hasRep && s.Measure == effectsize.SMD {
			return rep, "reported SMD", true
		}
		if s.MeanTreated != nil && s.MeanControl != nil && s.SDTreated != nil && s.SDControl != nil {
			if e, err := effectsize.StandardisedMeanDifference(effectsize.Means{
				M1: *s.MeanTreated, SD1: *s.SDTreated, N1: s.NTreated,
				M2: *s.MeanControl, SD2: *s.SDControl, N2: s.NControl}); err == nil {
				return e, "Hedges' g from means and SDs", true
			}
		}
		if hasRep && s.Measure == effectsize.OR {
			if e, err := effectsize.LogOddsRatioToSMD(rep); err == nil {
				return e, "reported OR converted to SMD", true
			}
		}
		if counts != nil {
			if or, err := effectsize.LogOddsRatio(*counts); err == nil {
				if e, err := effectsize.LogOddsRatioToSMD(or); err == nil {
					return e, "log OR from counts converted to SMD", true
				}
			}
		}
	}
	return effectsize.Effect{}, "", false
}

func optFloat(s string) (*float64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, fmt.Errorf("%q is not a number", s)
	}
	return &v, nil
}

func optInt(s string) (*int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("%q is not a whole number", s)
	}
	return &v, nil
}
