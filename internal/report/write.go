package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/employment-data-lab/datalab/internal/disclosure"
)

// cell returns a published cell (the zero Cell, NotAvailable-like, if the
// table or row is missing).
func (r *Report) cell(table, row, col string) disclosure.Cell {
	t, ok := r.Release.Table(table)
	if !ok {
		return disclosure.Cell{}
	}
	c, _ := t.Lookup(row, col)
	return c
}

// count words a published count: "1,235", or "an undisclosed number".
func (r *Report) count(table, row string) string {
	if n, ok := r.cell(table, row, "people").Count(); ok {
		return thousands(n)
	}
	return "an undisclosed number"
}

// write composes every sentence from the published figures.
func (r *Report) write() {
	ev := r.ev
	for i, h := range ev.Headline {
		key := headlineKey(h)
		w := describe(h.Outcome, week(h))
		hl := Headline{Key: key, Primary: i == 0}
		lo, okLo := finite(r.cell("headline", key, "ci_low"))
		hi, okHi := finite(r.cell("headline", key, "ci_high"))
		est, okEst := finite(r.cell("headline", key, "impact"))
		p, okP := finite(r.cell("headline", key, "p_value"))
		switch {
		case okLo && okHi && okEst:
			sig := lo > 0 || hi < 0
			if okP {
				sig = p < 0.05
			}
			hl.Significant = &sig
			hl.Sentence = fmt.Sprintf("%s %s %s than it would have been had they not taken part in the programme (95%% confidence interval; best estimate %s).",
				w.subject, w.verb, w.unit.interval(lo, hi), w.unit.signed(est))
			ptext := ""
			if okP {
				ptext = " (" + pValue(p) + ")"
			}
			if sig {
				dir := "Increase"
				if est < 0 {
					dir = "Decrease"
				}
				hl.Title = dir + " in " + w.short
				hl.Significance = "This result is statistically significant" + ptext + "."
			} else {
				hl.Title = "No statistically significant impact on " + w.short
				hl.Significance = "This result is not statistically significant" + ptext + ": the data are consistent with the programme having no impact on this outcome, though they do not show that it had none."
			}
		case r.cell("headline", key, "impact").State() == disclosure.Suppressed:
			hl.Title = "Impact on " + w.short + " withheld"
			hl.Sentence = "The impact on " + w.short + " is not published: it would rest on fewer people than the minimum the lab publishes."
		default:
			hl.Title = "Impact on " + w.short + " not yet available"
			hl.Sentence = "The impact on " + w.short + " could not be estimated: the administrative data do not yet cover that long after every participant's start."
		}
		r.Headlines = append(r.Headlines, hl)
	}

	r.Analysed = fmt.Sprintf("%s people were submitted by the organisation. Of these, %s were linked to the administrative benefit and employment records, %s were eligible for the analysis, and %s were matched to similar people who did not take part at that time (%s comparators in all). The results describe the matched participants.",
		capital(r.count("funnel", "submitted")), r.count("funnel", "linked"), r.count("funnel", "eligible"), r.count("funnel", "matched"), r.count("comparison", "used"))

	flagged, total := 0, 0
	if t, ok := r.Release.Table("balance"); ok {
		for _, row := range t.Rows() {
			total++
			if strings.HasPrefix(row.Cell(5).Text(), "no") {
				flagged++
			}
		}
	}
	switch {
	case total == 0:
		r.Balance = "No balance table was recorded."
	case flagged == 0:
		r.Balance = fmt.Sprintf("After matching, all %d covariate columns have a standardised mean difference of at most 0.1, the usual threshold for good balance (Austin 2009): the participants and the comparison group were similar on every characteristic measured before the start.", total)
	default:
		r.Balance = fmt.Sprintf("After matching, %d of %d covariate columns have a standardised mean difference above 0.1 (the usual threshold for good balance): the groups still differ on these characteristics, and the impacts should be read with more caution.", flagged, total)
	}

	if t, ok := r.Release.Table("sensitivity"); ok {
		for _, row := range t.Rows() {
			name := row.Cell(0).Text()
			e, okE := finite(row.Cell(1))
			eci, okCI := finite(row.Cell(2))
			g, okG := finite(row.Cell(3))
			var parts []string
			if okE {
				s := fmt.Sprintf("an unmeasured characteristic would need to be associated with both taking part and the outcome by a risk ratio of %s each to explain away the estimate", fmtNum(e, 2))
				if okCI {
					if eci <= 1 {
						s += " (the confidence interval already includes no effect)"
					} else {
						s += fmt.Sprintf(", and of %s to move its confidence interval to include no effect", fmtNum(eci, 2))
					}
				}
				parts = append(parts, s+" (E-value; VanderWeele & Ding 2017)")
			}
			if okG {
				parts = append(parts, fmt.Sprintf("the result stays statistically significant unless hidden bias changes the odds of taking part by a factor of more than %s between matched people (Rosenbaum Γ)", fmtNum(g, 2)))
			}
			if len(parts) > 0 {
				r.Sensitivity = append(r.Sensitivity, capital(name)+": "+strings.Join(parts, "; ")+".")
			}
		}
	}

	r.Subgroups = "Each subgroup was matched again within itself, so each comparison is built the same way as the main one. Subgroups with too few participants are not estimated, and any figure resting on fewer people than the lab's minimum is withheld. Differences between subgroups are not themselves tested: treat them as pointers for further work, not findings."

	r.CanSay = []string{
		fmt.Sprintf("The results estimate the effect of taking part in %s, at the time people joined, for the participants who were matched: how their employment and benefit receipt differed from what would have happened had they not joined then.", ev.Programme),
		"Where a result is statistically significant, it is unlikely to be due to chance alone, given the assumptions of the method.",
		"The interval gives the range of impacts consistent with the data; the true impact is likely to lie within it.",
	}
	r.CannotSay = []string{
		"The results do not describe people who were not linked, not eligible or not matched, or people who might join the programme in future.",
		"A result that is not statistically significant does not show that the programme had no effect: the interval shows how large an effect the data cannot rule out.",
		"The results cannot say which part of the programme made a difference, or how it compares with other programmes evaluated on different people.",
		"The comparison group may have received other support; the impact is relative to whatever they received, not to no support at all.",
	}
	r.Caveats = []string{
		"This is a quasi-experimental evaluation, not a randomised trial. The comparison group was matched on characteristics recorded in administrative data (age, sex, region, benefit and employment history, earnings). People who choose to take part may differ in ways these records do not show, such as motivation or health; if so, the estimates are biased. The sensitivity analysis shows how strong such a difference would need to be to change the conclusion.",
		"Employment is measured from payroll (PAYE) records and benefits from benefit records: self-employment and informal work are not seen.",
		"Comparators are people who were not taking part by their reference date. Some joined later; they stay in the comparison group, so the estimate is of joining the programme now versus not joining now (Sianesi 2004).",
		"Outcomes are only observed up to the end of the period the data cover; later weeks rest on fewer people or are not available.",
		"Counts are rounded to the nearest 5 and figures resting on few people are withheld, so tables may not sum exactly.",
	}

	m := ev.Method
	caliper := "none"
	if m.Caliper != nil {
		caliper = fmt.Sprintf("%s standard deviations of the logit of the propensity score", fmtNum(*m.Caliper, 2))
		if m.CaliperWidth != nil {
			caliper += fmt.Sprintf(" (%s on that scale)", fmtNum(*m.CaliperWidth, 4))
		}
	}
	rules := r.Release.Rules()
	exact := make([]string, len(m.Exact))
	for i, e := range m.Exact {
		exact[i] = covariateLabel(e)
		if exact[i] != e {
			exact[i] += " (" + e + ")"
		}
	}
	r.Method = []Setting{
		{Name: "Estimand", Value: m.Estimand},
		{Name: "Matching method", Value: settingLabel("method", m.Method), Raw: m.Method},
		{Name: "Distance", Value: settingLabel("distance", m.Distance), Raw: m.Distance},
		{Name: "Comparators per participant", Value: strconv.Itoa(m.Ratio)},
		{Name: "With replacement", Value: yesNo(m.Replace)},
		{Name: "Caliper", Value: caliper},
		{Name: "Matching order", Value: settingLabel("order", m.Order), Raw: m.Order},
		{Name: "Exact matching on", Value: strings.Join(exact, ", "), Raw: strings.Join(m.Exact, ", ")},
		{Name: "Characteristics in the propensity model", Value: covariateList(m.Covariates), Raw: strings.Join(m.Covariates, ", ")},
		{Name: "Eligibility", Value: eligibilityWords(m.Eligibility), Raw: m.Eligibility},
	}
	// Levels no participant had: their comparison units were left out
	// before the propensity fit (the model's limit; see internal/evaluation
	// restrict.go). The numbers left out are not published: they can be
	// small.
	if len(m.RestrictedLevels) > 0 {
		var words, raw []string
		for _, l := range m.RestrictedLevels {
			words = append(words, restrictedLevelLabel(l.Covariate, l.Level))
			raw = append(raw, l.Covariate+"="+l.Level)
		}
		r.Method = append(r.Method, Setting{Name: "Comparison group limited to what participants had (no participant had these, so comparators with them were left out)", Value: strings.Join(words, "; "), Raw: strings.Join(raw, ", ")})
	}
	if len(m.ConstantCovariates) > 0 {
		r.Method = append(r.Method, Setting{Name: "Characteristics left out of the propensity model (the same for everyone analysed)", Value: covariateList(m.ConstantCovariates), Raw: strings.Join(m.ConstantCovariates, ", ")})
	}
	r.Method = append(r.Method, []Setting{
		{Name: "Comparator reference dates", Value: m.ReferenceDates},
		{Name: "Largest comparison pool per start month", Value: thousands(m.PoolCap)},
		{Name: "Comparison pool excludes everyone who ever took part", Value: yesNo(m.NeverParticipated)},
		{Name: "Standard errors", Value: m.Variance},
		{Name: "Primary outcome (named before the analysis)", Value: outcomeKeyLabel(m.Primary), Raw: m.Primary},
		{Name: "Balance threshold", Value: "|standardised mean difference| of 0.1, with the participants' standard deviation"},
		{Name: "Disclosure control", Value: fmt.Sprintf("results published only for at least %d matched participants; figures resting on fewer than %d people withheld, with further figures withheld so they cannot be recovered from totals; counts rounded to the nearest %d", rules.MinCohort, rules.MinCell, rules.Round)},
	}...)
	if m.Bandwidth > 0 {
		r.Method = append(r.Method, Setting{Name: "Kernel bandwidth", Value: fmtNum(m.Bandwidth, 3) + " standard deviations"})
	}
	r.Reproducibility = []Setting{
		{Name: "Evaluation schema", Value: ev.Schema},
		{Name: "Evaluated at", Value: ev.CreatedAt},
		{Name: "Program version", Value: m.ProgramVersion},
		{Name: "Spine content hash", Value: m.SpineHash},
		{Name: "Spine window", Value: m.SpineWindow},
		{Name: "Participants file hash (SHA-256)", Value: m.ParticipantsHash},
		{Name: "Random seed", Value: strconv.FormatUint(m.Seed, 10)},
		{Name: "Command", Value: command(r)},
	}

	r.OverTime = fmt.Sprintf("The charts and tables start at week %d, a week after people started. Week 0, the day itself, is left out: people were chosen for the analysis by what they held that day (%s), so both groups are alike on it by design and it cannot show an impact. Its figures are in the JSON and CSV tables.",
		firstWeek, eligibilityWords(m.Eligibility))
}

// command is the datalab evaluate invocation that reproduces the settings.
func command(r *Report) string {
	m := r.ev.Method
	var b strings.Builder
	fmt.Fprintf(&b, "datalab evaluate --spine SPINE --participants PARTICIPANTS --out DIR --programme %q --method %s --seed %d --pool-cap %d --primary %s",
		r.Programme, m.Method, m.Seed, m.PoolCap, m.Primary)
	if m.Ratio > 0 {
		fmt.Fprintf(&b, " --ratio %d", m.Ratio)
	}
	if m.Replace {
		b.WriteString(" --replace")
	}
	switch {
	case m.Caliper != nil:
		fmt.Fprintf(&b, " --caliper %s", strconv.FormatFloat(*m.Caliper, 'g', -1, 64))
	case m.Method == "nearest":
		b.WriteString(" --no-caliper")
	}
	if len(m.Exact) > 1 {
		fmt.Fprintf(&b, " --exact %s", strings.Join(m.Exact[1:], ","))
	}
	if m.NeverParticipated {
		b.WriteString(" --never-participated")
	}
	return b.String()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func fmtNum(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// restrictedLevelLabel words a covariate level left out of the comparison
// group: "Region: North East", "Male", or for a yes/no covariate its label
// ("On a disability benefit (PIP or DLA)") or its negation.
func restrictedLevelLabel(covariate, level string) string {
	switch level {
	case "true":
		return covariateLabel(covariate)
	case "false":
		return "Not: " + strings.ToLower(covariateLabel(covariate)[:1]) + covariateLabel(covariate)[1:]
	}
	return covariateLabel(covariate + "_" + level)
}
