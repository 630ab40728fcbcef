package report

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/employment-data-lab/datalab/internal/disclosure"
	"github.com/employment-data-lab/datalab/internal/evaluation"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// Schema names the layout of the report's JSON (WriteJSON).
const Schema = "datalab.report/v1"

// Options configure a report.
type Options struct {
	// Rules are the disclosure-control thresholds (zero: the defaults).
	Rules disclosure.Rules
}

// Report is the publishable report of one evaluation: the disclosure-
// controlled tables and the words written from them. Every number a
// renderer prints comes from Release.
type Report struct {
	Programme string
	CreatedAt string
	Release   *disclosure.Release
	// Headlines are the headline results, the primary outcome first.
	Headlines []Headline
	// Analysed is the sentence on who was analysed.
	Analysed string
	// Balance is the sentence on balance after matching.
	Balance string
	// Sensitivity are sentences on the sensitivity analysis, one per
	// headline outcome that has one.
	Sensitivity []string
	// OverTime says where the charts and weekly tables start, and why.
	OverTime string
	// Subgroups is the sentence introducing the subgroup results.
	Subgroups string
	CanSay    []string
	CannotSay []string
	Caveats   []string
	// Method lists every setting of the evaluation; Reproducibility what is
	// needed to re-run it.
	Method          []Setting
	Reproducibility []Setting
	// Weekly lists the weekly outcomes with a table (in report order).
	Weekly []WeeklyOutcome
	// Summary lists the summary outcomes' table rows.
	Summary []string

	ev *evaluation.Evaluation
}

// Headline is one headline result.
type Headline struct {
	Key     string // outcome@week or a summary outcome's name
	Primary bool
	// Title is EDL-style: "Increase in employment two years after
	// starting", or "No statistically significant impact on …".
	Title string
	// Sentence gives the 95% interval in words; Significance says whether
	// it is statistically significant.
	Sentence     string
	Significance string
	// Significant is nil when no interval could be published.
	Significant *bool
}

// Setting is one named setting. Value is in words for the HTML; Raw, when
// set, is the evaluation's own name for it (what the command line and the
// JSON take: "nearest", "employed@104").
type Setting struct {
	Name, Value, Raw string
}

// WeeklyOutcome is one weekly outcome's table.
type WeeklyOutcome struct {
	Name, Title, Table string
}

// Column keys of the estimate tables.
var estimateColumns = []disclosure.Column{
	{Key: "outcome", Label: "Outcome"},
	{Key: "participants", Label: "Participants observed"},
	{Key: "comparison", Label: "Comparison group observed"},
	{Key: "participants_mean", Label: "Participants"},
	{Key: "comparison_mean", Label: "Comparison group"},
	{Key: "impact", Label: "Impact"},
	{Key: "ci_low", Label: "95% CI, lower"},
	{Key: "ci_high", Label: "95% CI, upper"},
	{Key: "p_value", Label: "p-value"},
}

// FromJSON builds a report from the bytes of a stored evaluation.json: the
// entry point for the web service.
func FromJSON(evaluationJSON []byte, opt Options) (*Report, error) {
	var ev evaluation.Evaluation
	if err := json.Unmarshal(evaluationJSON, &ev); err != nil {
		return nil, fmt.Errorf("report: reading the evaluation: %w", err)
	}
	if ev.Schema != evaluation.SchemaVersion {
		return nil, fmt.Errorf("report: the evaluation has schema %q; this program reads %q (re-run datalab evaluate)", ev.Schema, evaluation.SchemaVersion)
	}
	return Build(&ev, opt)
}

// Build makes the report of an evaluation: it lays out the tables, puts them
// through disclosure control, and writes the words from the published
// figures only. It is a pure function of the evaluation and the options.
// It returns a *disclosure.Refusal (errors.Is disclosure.ErrRefused) when
// the evaluation may not be published.
func Build(ev *evaluation.Evaluation, opt Options) (*Report, error) {
	rules, err := opt.Rules.Resolved()
	if err != nil {
		return nil, fmt.Errorf("report of %q: %w", ev.Programme, err)
	}
	d, weekly, summary, err := draft(ev, rules)
	if err != nil {
		return nil, err
	}
	rel, err := disclosure.Apply(opt.Rules, d)
	if err != nil {
		return nil, fmt.Errorf("report of %q: %w", ev.Programme, err)
	}
	r := &Report{Programme: ev.Programme, CreatedAt: ev.CreatedAt, Release: rel, Weekly: weekly, Summary: summary, ev: ev}
	r.write()
	return r, nil
}

func headlineKey(row evaluation.EstimateRow) string {
	if row.Week == nil {
		return row.Outcome
	}
	return row.Outcome + "@" + strconv.Itoa(*row.Week)
}

func week(row evaluation.EstimateRow) int {
	if row.Week == nil {
		return -1
	}
	return *row.Week
}

func binary(outcome string) bool {
	d, ok := timeline.LookupOutcome(outcome)
	return ok && d.Binary
}

// draft lays out every published table and its relations.
func draft(ev *evaluation.Evaluation, rules disclosure.Rules) (*disclosure.Draft, []WeeklyOutcome, []string, error) {
	c := ev.Counts
	d := disclosure.NewDraft(c.Matched)
	people := func(table, row string) disclosure.Ref {
		return disclosure.Ref{Table: table, Row: row, Column: "people"}
	}

	// Who was analysed: the funnel, its stages and the reasons between them.
	d.Table("funnel", "Who was analysed: from the people submitted to the people matched",
		disclosure.Column{Key: "stage", Label: "Stage"}, disclosure.Column{Key: "type", Label: "Type"}, disclosure.Column{Key: "people", Label: "People"})
	stage := func(key, label string, n int) {
		d.Row("funnel", key, disclosure.Label(label), disclosure.Label("stage"), disclosure.Count(n))
	}
	step := func(from, to string, fromN, toN int, reasons [][2]string, counts []int) {
		sum := 0
		for _, n := range counts {
			sum += n
		}
		rest := fromN - toN - sum
		if rest > 0 {
			// An older evaluation.json without the drop-out detail.
			reasons = append(reasons, [2]string{from + "_other", "other reasons (not recorded)"})
			counts = append(counts, rest)
		}
		// Two or more reasons that would each be withheld protect nothing
		// but each other, and secondary suppression may then have to
		// withhold a stage: merge them into one row before disclosure
		// control, so the stages a reader needs stay shown.
		var small []string
		smallSum := 0
		for i, n := range counts {
			if n > 0 && n < rules.MinCell {
				small = append(small, reasons[i][1])
				smallSum += n
			}
		}
		merge := len(small) >= 2
		var parts []disclosure.Ref
		for i, r := range reasons {
			if merge && counts[i] > 0 && counts[i] < rules.MinCell {
				continue
			}
			d.Row("funnel", r[0], disclosure.Label(r[1]), disclosure.Label("reason"), disclosure.Count(counts[i]))
			parts = append(parts, people("funnel", r[0]))
		}
		if merge {
			key := from + "_other_small"
			d.Row("funnel", key, disclosure.Label(fmt.Sprintf("other reasons, each for fewer than %d people (%s)", rules.MinCell, strings.Join(small, "; "))),
				disclosure.Label("reason"), disclosure.Count(smallSum))
			parts = append(parts, people("funnel", key))
		}
		if rest < 0 {
			return // inconsistent counts: publish them, relate nothing
		}
		d.Relate(people("funnel", from), append(parts, people("funnel", to))...)
	}
	stage("submitted", "Submitted by the organisation", c.Submitted)
	reasons := [][2]string{{"excluded", "excluded by the submission checks"}, {"review", "possible match left for clerical review (not linked)"}}
	counts := []int{c.ExcludedByChecks, c.ClericalReview}
	keys := make([]string, 0, len(c.NotLinked))
	for k := range c.NotLinked {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		reasons = append(reasons, [2]string{fmt.Sprintf("not_linked_%d", i), "not linked: " + k})
		counts = append(counts, c.NotLinked[k])
	}
	step("submitted", "linked", c.Submitted, c.Linked, reasons, counts)
	stage("linked", "Linked to the administrative data", c.Linked)
	step("linked", "eligible", c.Linked, c.Eligible, [][2]string{
		{"not_in_index", "not in the timeline index"},
		{"outside_window", "started outside the period the data cover"},
		{"ineligible", "did not meet the eligibility rule"},
	}, []int{c.NotInIndex, c.StartOutsideWindow, c.Ineligible})
	stage("eligible", "Eligible for the analysis", c.Eligible)
	step("eligible", "matched", c.Eligible, c.Matched, [][2]string{
		{"outside_caliper", "no comparator close enough (outside the caliper)"},
		{"no_comparator", "no comparator who started in the same month"},
	}, []int{c.UnmatchedCaliper, c.UnmatchedNoComparator})
	stage("matched", "Matched to a comparison group", c.Matched)
	matched := people("funnel", "matched")
	// The stages are what a reader needs most: a drop-out reason is
	// withheld before any of them.
	d.Essential(people("funnel", "submitted"), people("funnel", "linked"), people("funnel", "eligible"), matched)

	// The comparison group.
	d.Table("comparison", "The comparison group",
		disclosure.Column{Key: "measure", Label: "Measure"}, disclosure.Column{Key: "people", Label: "People"})
	d.Row("comparison", "pool", disclosure.Label("comparison pool (eligible people not taking part by their reference date, sampled)"), disclosure.Count(c.ComparisonPool))
	d.Row("comparison", "used", disclosure.Label("comparators in the matched comparison group"), disclosure.Count(c.Comparison))
	d.Row("comparison", "reused", disclosure.Label("comparators matched to more than one participant"), disclosure.Count(c.ComparisonReused))
	d.Row("comparison", "joined_later", disclosure.Label("comparators who joined the programme later"), disclosure.Count(c.ComparisonJoinedLater))
	used := people("comparison", "used")
	d.Essential(used)

	// The pool by start month.
	if len(ev.Pool) > 0 {
		d.Table("pool", "Participants and the comparison pool by start month",
			disclosure.Column{Key: "month", Label: "Start month"}, disclosure.Column{Key: "participants", Label: "Eligible participants"},
			disclosure.Column{Key: "eligible", Label: "Eligible non-participants"}, disclosure.Column{Key: "sampled", Label: "In the pool"},
			disclosure.Column{Key: "joined_later", Label: "In the pool, joined later"})
		var parts, sampled []disclosure.Ref
		sumP, sumS := 0, 0
		for _, m := range ev.Pool {
			d.Row("pool", m.Month, disclosure.Label(m.Month), disclosure.Count(m.Participants), disclosure.Count(m.Eligible), disclosure.Count(m.Sampled), disclosure.Count(m.JoinedLater))
			parts = append(parts, disclosure.Ref{Table: "pool", Row: m.Month, Column: "participants"})
			sampled = append(sampled, disclosure.Ref{Table: "pool", Row: m.Month, Column: "sampled"})
			sumP += m.Participants
			sumS += m.Sampled
		}
		if sumP == c.Eligible {
			d.Relate(people("funnel", "eligible"), parts...)
		}
		if sumS == c.ComparisonPool {
			d.Relate(people("comparison", "pool"), sampled...)
		}
	}

	// Estimate rows, with the observed counts' hidden complements.
	estimate := func(table, key, label string, row evaluation.EstimateRow, bases ...int) {
		nt, nc := row.Participants, row.Comparison
		mean := func(v *float64, n int) disclosure.Figure {
			if binary(row.Outcome) {
				return disclosure.Proportion(v, n)
			}
			return disclosure.Statistic(v, n)
		}
		all := append([]int{nt, nc}, bases...)
		d.Row(table, key, disclosure.Label(label), disclosure.Count(nt), disclosure.Count(nc),
			mean(row.ParticipantsMean, nt), mean(row.ComparisonMean, nc),
			disclosure.Statistic(row.Estimate, all...), disclosure.Statistic(row.CILow, all...),
			disclosure.Statistic(row.CIHigh, all...), disclosure.Statistic(row.PValue, all...))
		if nt <= c.Matched {
			d.Relate(matched, disclosure.Ref{Table: table, Row: key, Column: "participants"}, d.Hidden(table+"/"+key+"/participants", c.Matched-nt))
		}
		if nc <= c.Comparison {
			d.Relate(used, disclosure.Ref{Table: table, Row: key, Column: "comparison"}, d.Hidden(table+"/"+key+"/comparison", c.Comparison-nc))
		}
	}
	d.Table("headline", "Headline results: the primary outcome first", estimateColumns...)
	for _, h := range ev.Headline {
		w := describe(h.Outcome, week(h))
		estimate("headline", headlineKey(h), w.short, h)
	}
	var weekly []WeeklyOutcome
	var summary []string
	byOutcome := map[string][]evaluation.EstimateRow{}
	var order []string
	for _, row := range ev.Estimates {
		if _, ok := byOutcome[row.Outcome]; !ok {
			order = append(order, row.Outcome)
		}
		byOutcome[row.Outcome] = append(byOutcome[row.Outcome], row)
	}
	hasSummary := false
	for _, name := range order {
		if byOutcome[name][0].Week == nil {
			hasSummary = true
		}
	}
	if hasSummary {
		d.Table("summary_outcomes", "Impacts on the summary outcomes", estimateColumns...)
	}
	for _, name := range order {
		rows := byOutcome[name]
		if rows[0].Week == nil {
			for _, row := range rows {
				estimate("summary_outcomes", name, describe(name, -1).short, row)
				summary = append(summary, name)
			}
			continue
		}
		title := map[string]string{
			"employed":               "Employment rate by week after starting",
			"on_out_of_work_benefit": "Out-of-work benefit rate by week after starting",
			"on_inactivity_benefit":  "Inactivity benefit rate by week after starting",
		}[name]
		if title == "" {
			title = strings.ReplaceAll(name, "_", " ") + " by week after starting"
		}
		table := "weekly_" + name
		cols := slices.Clone(estimateColumns)
		cols[0] = disclosure.Column{Key: "week", Label: "Week"}
		d.Table(table, title, cols...)
		for _, row := range rows {
			estimate(table, strconv.Itoa(week(row)), strconv.Itoa(week(row)), row)
		}
		weekly = append(weekly, WeeklyOutcome{Name: name, Title: title, Table: table})
	}

	// Balance: standardised differences rest on the whole matched sample.
	d.Table("balance", "Balance of each covariate before and after matching",
		disclosure.Column{Key: "covariate", Label: "Covariate"},
		disclosure.Column{Key: "smd_before", Label: "SMD before"}, disclosure.Column{Key: "smd_after", Label: "SMD after"},
		disclosure.Column{Key: "variance_ratio_before", Label: "Variance ratio before"}, disclosure.Column{Key: "variance_ratio_after", Label: "Variance ratio after"},
		disclosure.Column{Key: "balanced", Label: "Balanced after matching"})
	for _, b := range ev.Balance {
		flag := "yes"
		if b.Flag {
			flag = "no (|SMD| above 0.1)"
		}
		d.Row("balance", b.Covariate, disclosure.Label(b.Covariate),
			disclosure.Statistic(b.SMDBefore, c.Eligible, c.ComparisonPool), disclosure.Statistic(b.SMDAfter, c.Matched, c.Comparison),
			disclosure.Statistic(b.VarianceRatioBefore, c.Eligible, c.ComparisonPool), disclosure.Statistic(b.VarianceRatioAfter, c.Matched, c.Comparison),
			disclosure.Label(flag))
	}

	// Sensitivity.
	if len(ev.Sensitivity) > 0 {
		d.Table("sensitivity", "Sensitivity to an unmeasured confounder",
			disclosure.Column{Key: "outcome", Label: "Outcome"}, disclosure.Column{Key: "e_value", Label: "E-value (estimate)"},
			disclosure.Column{Key: "e_value_ci", Label: "E-value (confidence limit)"}, disclosure.Column{Key: "rosenbaum_gamma", Label: "Rosenbaum Γ"})
		for _, s := range ev.Sensitivity {
			row := evaluation.EstimateRow{Outcome: s.Outcome, Week: s.Week}
			nt, nc := 0, 0
			for _, h := range ev.Headline {
				if headlineKey(h) == headlineKey(row) {
					nt, nc = h.Participants, h.Comparison
				}
			}
			d.Row("sensitivity", headlineKey(row), disclosure.Label(describe(s.Outcome, week(row)).short),
				disclosure.Statistic(s.EValue, nt, nc), disclosure.Statistic(s.EValueCI, nt, nc), disclosure.Statistic(s.RosenbaumGamma, nt, nc))
		}
	}

	// Subgroups: sizes relate to the eligible total; estimates rest on the
	// subgroup's observed participants and comparators.
	if len(ev.Subgroups) > 0 {
		d.Table("subgroup_sizes", "Subgroups: eligible participants",
			disclosure.Column{Key: "by", Label: "Subgroup"}, disclosure.Column{Key: "level", Label: "Group"},
			disclosure.Column{Key: "people", Label: "Eligible participants"}, disclosure.Column{Key: "estimated", Label: "Estimated"})
		cols := append([]disclosure.Column{{Key: "by", Label: "Subgroup"}, {Key: "level", Label: "Group"}}, estimateColumns...)
		d.Table("subgroup_estimates", "Subgroups: impacts on the headline outcomes", cols...)
		byDim := map[string][]disclosure.Ref{}
		sums := map[string]int{}
		var dims []string
		for _, s := range ev.Subgroups {
			if s.Level == "" {
				continue
			}
			key := s.By + "=" + s.Level
			est := "no (too few participants to estimate reliably)"
			if len(s.Estimates) > 0 {
				est = "yes"
			}
			d.Row("subgroup_sizes", key, disclosure.Label(s.By), disclosure.Label(s.Level), disclosure.Count(s.Participants), disclosure.Label(est))
			if _, ok := byDim[s.By]; !ok {
				dims = append(dims, s.By)
			}
			byDim[s.By] = append(byDim[s.By], people("subgroup_sizes", key))
			sums[s.By] += s.Participants
			for _, e := range s.Estimates {
				nt, nc := e.Participants, e.Comparison
				mean := func(v *float64, n int) disclosure.Figure {
					if binary(e.Outcome) {
						return disclosure.Proportion(v, n)
					}
					return disclosure.Statistic(v, n)
				}
				bases := []int{nt, nc, s.Participants}
				d.Row("subgroup_estimates", key+"/"+headlineKey(e), disclosure.Label(s.By), disclosure.Label(s.Level),
					disclosure.Label(describe(e.Outcome, week(e)).short), disclosure.Count(nt), disclosure.Count(nc),
					mean(e.ParticipantsMean, nt), mean(e.ComparisonMean, nc),
					disclosure.Statistic(e.Estimate, bases...), disclosure.Statistic(e.CILow, bases...),
					disclosure.Statistic(e.CIHigh, bases...), disclosure.Statistic(e.PValue, bases...))
				if nt <= s.Participants {
					d.Relate(people("subgroup_sizes", key), disclosure.Ref{Table: "subgroup_estimates", Row: key + "/" + headlineKey(e), Column: "participants"},
						d.Hidden("subgroup/"+key+"/"+headlineKey(e), s.Participants-nt))
				}
			}
		}
		for _, by := range dims {
			if rest := c.Eligible - sums[by]; rest >= 0 {
				d.Relate(people("funnel", "eligible"), append(byDim[by], d.Hidden("subgroup/"+by+"/not_recorded", rest))...)
			}
		}
	}
	return d, weekly, summary, nil
}

// finite reports whether a published cell holds a number.
func finite(c disclosure.Cell) (float64, bool) {
	v, ok := c.Value()
	return v, ok && !math.IsNaN(v)
}
