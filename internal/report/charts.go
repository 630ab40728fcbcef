package report

import (
	"fmt"
	"html/template"
	"math"
	"strconv"

	"github.com/employment-data-lab/datalab/internal/disclosure"
	"github.com/employment-data-lab/datalab/internal/report/chart"
)

// Figure is one chart with the table that is its text alternative.
type Figure struct {
	ID      string
	Caption string
	SVG     template.HTML // from internal/report/chart: trusted, escaped there
	// Table is the id of the table holding the same figures.
	Table string
}

// nan is a chart's "not published".
var nan = math.NaN()

func value(c disclosure.Cell) float64 {
	if v, ok := finite(c); ok {
		return v
	}
	return nan
}

// weeklySeries reads a weekly table's columns from firstWeek on, NaN where
// not published.
func (r *Report) weeklySeries(table string, cols ...string) ([]int, [][]float64) {
	t, ok := r.Release.Table(table)
	if !ok {
		return nil, nil
	}
	idx := make([]int, len(cols))
	for i, c := range cols {
		idx[i] = -1
		for j, tc := range t.Columns() {
			if tc.Key == c {
				idx[i] = j
			}
		}
	}
	var weeks []int
	out := make([][]float64, len(cols))
	for _, row := range t.Rows() {
		w, err := strconv.Atoi(row.Key())
		if err != nil || w < firstWeek {
			continue // week 0 is fixed by the eligibility rule (firstWeek)
		}
		weeks = append(weeks, w)
		for i, j := range idx {
			out[i] = append(out[i], value(row.Cell(j)))
		}
	}
	return weeks, out
}

var measures = map[string][2]string{
	"employed":               {"Employed", "employment"},
	"on_out_of_work_benefit": {"On an out-of-work benefit", "out-of-work benefit receipt"},
	"on_inactivity_benefit":  {"On an inactivity benefit", "inactivity benefit receipt"},
}

// figures draws the report's charts from the published figures only: each
// weekly outcome's rates and impact, and the Love plot.
func (r *Report) figures() (map[string]Figure, error) {
	out := map[string]Figure{}
	for _, w := range r.Weekly {
		m, ok := measures[w.Name]
		if !ok {
			continue
		}
		weeks, s := r.weeklySeries(w.Table, "participants_mean", "comparison_mean", "impact", "ci_low", "ci_high")
		if len(weeks) == 0 {
			continue
		}
		id := "rates-" + w.Name
		title := fmt.Sprintf("%s: participants and the comparison group, weeks %d to %d after starting", w.Title, weeks[0], weeks[len(weeks)-1])
		svg, err := chart.Rates(chart.RateChart{ID: id, Title: title, Measure: m[0], Weeks: weeks, Participants: s[0], Comparison: s[1]})
		if err != nil {
			return nil, fmt.Errorf("report: chart %s: %w", id, err)
		}
		out[id] = Figure{ID: id, Caption: title, SVG: template.HTML(svg), Table: w.Table}
		id = "impact-" + w.Name
		title = fmt.Sprintf("Estimated impact on %s by week, with its 95%% confidence interval", m[1])
		svg, err = chart.Impact(chart.ImpactChart{ID: id, Title: title, Outcome: m[1], Weeks: weeks, Estimate: s[2], Low: s[3], High: s[4]})
		if err != nil {
			return nil, fmt.Errorf("report: chart %s: %w", id, err)
		}
		out[id] = Figure{ID: id, Caption: title, SVG: template.HTML(svg), Table: w.Table}
	}
	if t, ok := r.Release.Table("balance"); ok && len(t.Rows()) > 0 {
		var names []string
		var before, after []float64
		for _, row := range t.Rows() {
			names = append(names, covariateLabel(row.Key()))
			before = append(before, value(row.Cell(1)))
			after = append(after, value(row.Cell(2)))
		}
		title := "Covariate balance: standardised mean differences before and after matching"
		svg, err := chart.Love(chart.BalanceChart{ID: "love", Title: title, Covariates: names, Before: before, After: after, Threshold: 0.1})
		if err != nil {
			return nil, fmt.Errorf("report: balance chart: %w", err)
		}
		out["love"] = Figure{ID: "love", Caption: title, SVG: template.HTML(svg), Table: "balance"}
	}
	return out, nil
}
