package report

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/employment-data-lab/datalab/internal/disclosure"
)

//go:embed trial.html.tmpl
var trialTemplate string

// TrialModel is what the published report of a randomised trial shows:
// the trial's description, its locked plan and any departure from it, and
// the disclosure-controlled tables of internal/trials/results (Release:
// tables "flow", "exclusions" and "estimates"). Every number printed comes
// from Release, except the plan's own settings and the balance statistic
// (a standardised difference, which rests on every analysed participant).
type TrialModel struct {
	ID, Title string
	// Arms are the trial's arms; the first is the reference.
	Arms []string
	// PlanHash is the SHA-256 of the locked analysis plan; PlanLockedAt
	// when it was locked (RFC 3339), OutcomesLinkedAt when outcome data
	// was first linked.
	PlanHash, PlanLockedAt, OutcomesLinkedAt string
	// Outcome is the outcomes-framework name of the primary outcome and
	// HorizonWeek its week (nil: a summary outcome).
	Outcome     string
	HorizonWeek *int
	// Level is the confidence level (0.95).
	Level float64
	// Departures from the locked plan, with the reason given.
	Departures      []TrialDeparture
	DepartureReason string
	// Method notes (intention to treat, Lin 2013 adjustment, HC2 errors).
	Method []string
	// Quality is the attrition and balance judgement per arm; SMSLevel the
	// evidence standard it gives (Maryland Scientific Methods Scale).
	Quality  []TrialQuality
	SMSLevel int
	// GeneratedAt is when the analysis ran.
	GeneratedAt string
	Release     *disclosure.Release
}

// TrialDeparture is one way the analysis departs from the locked plan.
type TrialDeparture struct {
	Field, Planned, Used string
}

// TrialQuality is the evidence-standard judgement of one arm against the
// reference.
type TrialQuality struct {
	Arm, Reference         string
	AttritionOK, BalanceOK bool
	MaxAbsSMD              float64
	Rule                   string
}

type trialView struct {
	TrialModel
	CSS         template.CSS
	Tables      map[string]*viewTable
	Heading     string
	Horizon     string
	Headlines   []Headline
	Flow        string
	QualityText []string
	Limitations []string
	Plan        []Setting
	Disclosed   disclosure.Stats
}

// TrialHTML writes the published report of a trial as one self-contained
// HTML page with the same template machinery, styles and accessibility
// properties as the evaluation report (inline CSS, no script, no external
// URL, headings in order, captioned tables with scoped headers, withheld
// figures marked [c]): the headline in plain English with its interval
// and significance, any departure from the locked plan at the top, the
// CONSORT flow, the quality of the evidence, the method and the
// limitations.
func TrialHTML(w io.Writer, m TrialModel) error {
	if m.Release == nil {
		return errors.New("report: the trial report needs the disclosure-controlled release (results.Report.Release)")
	}
	if m.Level <= 0 || m.Level >= 1 {
		m.Level = 0.95
	}
	wk := -1
	if m.HorizonWeek != nil {
		wk = *m.HorizonWeek
	}
	words := describe(m.Outcome, wk)
	v := trialView{TrialModel: m, CSS: template.CSS(css), Tables: map[string]*viewTable{}, Disclosed: m.Release.Stats()}
	v.Heading = words.short
	if wk >= 0 {
		v.Horizon = when(wk)
	} else {
		v.Horizon = "the outcome's own period"
	}
	fmtStat := func(_, _, col string, x float64) string {
		switch col {
		case "mean_arm", "mean_reference":
			return words.unit.level(x)
		case "estimate", "ci_low", "ci_high":
			return words.unit.signed(x)
		case "se":
			return strings.TrimPrefix(words.unit.signed(x), "+")
		case "p_value":
			if x < 0.001 {
				return "<0.001"
			}
			return fmtNum(x, 3)
		}
		return fmtNum(x, 2)
	}
	for _, t := range m.Release.Tables() {
		vt := view(t, fmtStat)
		v.Tables[t.ID()] = &vt
	}
	v.Headlines = trialHeadlines(m, words)
	v.Flow = trialFlow(m)
	v.QualityText = trialQuality(m)
	v.Limitations = trialLimitations(m)
	rules := m.Release.Rules()
	horizon := "none (a summary outcome)"
	if wk >= 0 {
		horizon = strconv.Itoa(wk)
	}
	v.Plan = []Setting{
		{Name: "Trial", Value: m.ID},
		{Name: "Arms (the first is the reference)", Value: strings.Join(m.Arms, ", ")},
		{Name: "Primary outcome", Value: m.Outcome},
		{Name: "Horizon week", Value: horizon},
		{Name: "Analysis plan (SHA-256)", Value: m.PlanHash},
		{Name: "Plan locked at", Value: m.PlanLockedAt},
		{Name: "Outcome data first linked at", Value: orDash(m.OutcomesLinkedAt)},
		{Name: "Confidence level", Value: fmtNum(100*m.Level, 0) + "%"},
		{Name: "Disclosure control", Value: fmt.Sprintf("published only when at least %d participants are analysed; figures resting on fewer than %d people withheld, with further figures withheld so they cannot be worked out from totals; counts rounded to the nearest %d", rules.MinCohort, rules.MinCell, rules.Round)},
		{Name: "Analysed at", Value: m.GeneratedAt},
	}
	tmpl, err := parseTemplate("trial", trialTemplate, template.FuncMap{
		"table": func(id string) *viewTable { return v.Tables[id] },
	})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, v); err != nil {
		return fmt.Errorf("report: rendering the trial report: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// trialHeadlines words each arm's whole-trial estimate (subgroup "all").
func trialHeadlines(m TrialModel, words outcomeWords) []Headline {
	t, ok := m.Release.Table("estimates")
	if !ok {
		return nil
	}
	level := fmtNum(100*m.Level, 0)
	var out []Headline
	for _, row := range t.Rows() {
		cell := func(col string) disclosure.Cell { c, _ := t.Lookup(row.Key(), col); return c }
		if cell("subgroup").Text() != "all" {
			continue
		}
		arm, ref := cell("arm").Text(), cell("reference").Text()
		h := Headline{Key: row.Key(), Primary: len(out) == 0}
		lo, okLo := finite(cell("ci_low"))
		hi, okHi := finite(cell("ci_high"))
		est, okEst := finite(cell("estimate"))
		p, okP := finite(cell("p_value"))
		switch {
		case okLo && okHi && okEst:
			sig := lo > 0 || hi < 0
			if okP {
				sig = p < 1-m.Level
			}
			h.Significant = &sig
			h.Sentence = fmt.Sprintf("%s %s %s in the %s arm than in the %s arm (%s%% confidence interval; best estimate %s).",
				words.subject, words.verb, words.unit.interval(lo, hi), arm, ref, level, words.unit.signed(est))
			ptext := ""
			if okP {
				ptext = " (" + pValue(p) + ")"
			}
			if sig {
				dir := "Increase"
				if est < 0 {
					dir = "Decrease"
				}
				h.Title = fmt.Sprintf("%s in %s: %s against %s", dir, words.short, arm, ref)
				h.Significance = "This result is statistically significant" + ptext + ": because people were allocated to the arms at random, the difference is unlikely to be due to chance alone."
			} else {
				h.Title = fmt.Sprintf("No statistically significant impact on %s: %s against %s", words.short, arm, ref)
				h.Significance = "This result is not statistically significant" + ptext + ": the data are consistent with no difference between the arms, though they do not show that there is none; the interval shows how large a difference they cannot rule out."
			}
		case cell("estimate").State() == disclosure.Suppressed:
			h.Title = fmt.Sprintf("Impact on %s withheld: %s against %s", words.short, arm, ref)
			h.Sentence = "The result is not published: it would rest on fewer people than the minimum the lab publishes."
		default:
			h.Title = fmt.Sprintf("Impact on %s not available: %s against %s", words.short, arm, ref)
			h.Sentence = "The effect could not be estimated for this arm."
		}
		out = append(out, h)
	}
	return out
}

// trialCount words a published count of the flow table.
func trialCount(m TrialModel, row, col string) string {
	t, _ := m.Release.Table("flow")
	if c, ok := t.Lookup(row, col); ok {
		if n, ok := c.Count(); ok {
			return thousands(n)
		}
	}
	return "an undisclosed number"
}

func trialFlow(m TrialModel) string {
	return fmt.Sprintf("%s people were randomised. Of these, %s were linked to the administrative benefit and employment records, %s could be followed up to the outcome's horizon, and %s were analysed, each in the arm they were allocated to (intention to treat). The tables give the numbers by arm and the reasons people left the flow.",
		capital(trialCount(m, "allocated", "all")), trialCount(m, "linked", "all"), trialCount(m, "outcome_observable", "all"), trialCount(m, "analysed", "all"))
}

func trialQuality(m TrialModel) []string {
	var out []string
	for _, q := range m.Quality {
		att := "adequate"
		if !q.AttritionOK {
			att = "not adequate"
		}
		bal := "adequate"
		if !q.BalanceOK {
			bal = "not adequate"
		}
		smd := ""
		if !math.IsNaN(q.MaxAbsSMD) {
			smd = fmt.Sprintf(" (largest standardised mean difference of an adjusted covariate %s)", fmtNum(q.MaxAbsSMD, 3))
		}
		out = append(out, fmt.Sprintf("%s against %s: attrition %s; baseline balance among the analysed %s%s.", capital(q.Arm), q.Reference, att, bal, smd))
	}
	if len(m.Quality) > 0 && m.Quality[0].Rule != "" {
		out = append(out, "Rule: "+m.Quality[0].Rule+".")
	}
	switch m.SMSLevel {
	case 5:
		out = append(out, "Evidence standard: level 5 of the Maryland Scientific Methods Scale (a randomised controlled trial with adequate attrition and balance).")
	case 0:
	default:
		out = append(out, fmt.Sprintf("Evidence standard: level %d of the Maryland Scientific Methods Scale: a randomised controlled trial whose attrition or baseline balance falls short of the rule above, so it is rated below level 5.", m.SMSLevel))
	}
	return out
}

func trialLimitations(m TrialModel) []string {
	out := []string{
		"The result compares the arms as allocated (intention to treat): it is the effect of being offered the intervention, not of receiving all of it.",
		"Only participants who were linked to the administrative records and whose outcome could be observed are analysed (complete cases); if the people lost differ between arms, the estimate can be biased. The attrition judgement above says whether the loss is within the accepted limits.",
		"Employment is measured from payroll (PAYE) records and benefits from benefit records: self-employment and informal work are not seen.",
		"The result applies to the people who took part in this trial, in its places and at its time; it may not carry over to other people or settings.",
		"Subgroup results are exploratory unless the plan named them: differences between subgroups are not themselves tested.",
		"Counts are rounded to the nearest 5 and figures resting on few people are withheld, so tables may not sum exactly.",
	}
	if len(m.Departures) > 0 {
		out = append([]string{"The analysis departs from the locked plan (see above): the departure was recorded with its reason before the analysis ran, but a result from an analysis that was not pre-specified deserves more caution."}, out...)
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
