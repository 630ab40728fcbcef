package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/employment-data-lab/datalab/internal/disclosure"
)

//go:embed report.html.tmpl
var htmlTemplate string

//go:embed tables.html.tmpl
var tablesTemplate string

//go:embed report.css
var css string

// parseTemplate parses a page template with the shared table templates.
func parseTemplate(name, page string, funcs template.FuncMap) (*template.Template, error) {
	t, err := template.New(name).Funcs(funcs).Parse(page)
	if err == nil {
		t, err = t.Parse(tablesTemplate)
	}
	if err != nil {
		return nil, fmt.Errorf("report: template %s: %w", name, err)
	}
	return t, nil
}

// viewCell is one rendered cell.
type viewCell struct {
	Text  string
	Abbr  string // title of an [c] or [x] symbol
	Class string
}

type viewRow struct {
	Header viewCell
	Cells  []viewCell
	Class  string
}

// headCell is one column heading (a blank cell when Scope is empty); Cols
// and Rows span columns and rows.
type headCell struct {
	Text       string
	Cols, Rows int
	Scope      string
	Num        bool
	NoWrap     bool // one word ("p-value"): never broken at its hyphen
}

// viewBody is a group of rows under an optional heading (a tbody).
type viewBody struct {
	Heading string
	Rows    []viewRow
}

type viewTable struct {
	ID, Caption, Class string
	// Head holds one or two heading rows (two when columns are grouped).
	Head   [][]headCell
	Width  int // number of columns
	Bodies []viewBody
	Note   string
}

// HasRows reports whether any body of the table has a row.
func (t *viewTable) HasRows() bool {
	for _, b := range t.Bodies {
		if len(b.Rows) > 0 {
			return true
		}
	}
	return false
}

// span groups consecutive columns under one heading: "Number observed"
// over participants and comparison group.
type span struct {
	Label string
	Keys  []string
}

// viewSpec says how a published table is laid out in the HTML. The zero
// viewSpec lays it out as it is: the first column heads each row, a "type"
// column becomes the row's class.
type viewSpec struct {
	// fmt words a shown statistic (table id, row key, column key, value).
	fmt func(table, row, col string, v float64) string
	// fmtRange words a 95% interval when ci_low and ci_high are merged
	// into one column (nil: they are shown as two columns).
	fmtRange func(table, row string, lo, hi float64) string
	// label rewords a label cell (column key, the row's label cells by
	// column key); nil: as published.
	label func(col string, row map[string]string) string
	// groupBy is a column whose value starts a new group of rows, with
	// groupLabel's heading; the column is not shown.
	groupBy    string
	groupLabel func(row map[string]string) string
	hide       map[string]bool   // columns not shown
	heads      map[string]string // column headings replacing the published ones
	spans      []span
	keep       func(disclosure.Row) bool // rows shown (nil: all)
	id, class  string                    // id replacing the table's; table class
	caption    string                    // caption replacing the published title
	note       string
}

type htmlView struct {
	*Report
	CSS       template.CSS
	Tables    map[string]*viewTable
	Figures   map[string]Figure
	Disclosed disclosure.Stats
	// SubgroupTables lists the subgroup impact tables, one per subgroup
	// variable, in the evaluation's order.
	SubgroupTables []subgroupView
	// FirstWeek is the first week the charts and weekly tables show.
	FirstWeek int
}

type subgroupView struct {
	Heading string
	Table   string
}

// firstWeek is the first week the HTML charts and weekly tables show. Week
// 0 is the day people started: outcomes on it are fixed by the eligibility
// rule (e.g. everyone on an out-of-work benefit, nobody employed) and equal
// in both groups by design, so it says nothing about the programme. It is
// kept in the JSON and CSV tables.
const firstWeek = 1

// estimateSpans group the estimate tables' columns.
func estimateSpec(share bool) viewSpec {
	level := "Percentage or average"
	if share {
		level = "Percentage"
	}
	return viewSpec{
		fmt:      format,
		fmtRange: formatRange,
		heads: map[string]string{
			"participants": "Participants", "comparison": "Comparison group",
			"participants_mean": "Participants", "comparison_mean": "Comparison group",
		},
		spans: []span{
			{"Number observed", []string{"participants", "comparison"}},
			{level, []string{"participants_mean", "comparison_mean"}},
		},
		label: func(col string, row map[string]string) string { return capital(row[col]) },
		class: "estimates",
	}
}

// impactKey is the note under the estimate tables.
const impactKey = "Impact is the participants' figure minus the comparison group's: in percentage points (pp) for percentages, in weeks for weeks in employment and in pounds for earnings."

// specs says how each published table is laid out in the HTML.
func (r *Report) specs() map[string]viewSpec {
	out := map[string]viewSpec{}
	for _, t := range r.Release.Tables() {
		id := t.ID()
		switch {
		case id == "headline" || id == "summary_outcomes":
			s := estimateSpec(false)
			s.class += " outcomes"
			s.note = impactKey
			out[id] = s
		case strings.HasPrefix(id, "weekly_"):
			s := estimateSpec(unitOf(id, "") == unitShare)
			rows := t.Rows()
			last := rows[len(rows)-1].Key()
			s.keep = func(row disclosure.Row) bool {
				wk, err := strconv.Atoi(row.Key())
				return err != nil || wk == firstWeek || (wk > firstWeek && wk%4 == 0) || (wk >= firstWeek && row.Key() == last)
			}
			s.note = fmt.Sprintf("Week %d and every fourth week after it are shown; the JSON and CSV tables hold every week from week 0. %s", firstWeek, impactKey)
			out[id] = s
		case id == "balance":
			out[id] = viewSpec{
				fmt:   format,
				label: func(col string, row map[string]string) string { return covariateLabel(row[col]) },
				heads: map[string]string{
					"smd_before": "Before", "smd_after": "After",
					"variance_ratio_before": "Before", "variance_ratio_after": "After",
					"balanced": "Balanced after matching",
				},
				spans: []span{
					{"Standardised mean difference", []string{"smd_before", "smd_after"}},
					{"Variance ratio", []string{"variance_ratio_before", "variance_ratio_after"}},
				},
				class: "balance",
				note:  "A standardised mean difference is the difference between the groups' averages in units of the participants' standard deviation; a variance ratio is shown for numeric characteristics only ([x] for yes/no ones).",
			}
		case id == "subgroup_sizes":
			out[id] = viewSpec{
				fmt:        format,
				groupBy:    "by",
				groupLabel: func(row map[string]string) string { return subgroupLabel(row["by"]) },
				label:      subgroupLevel,
				heads:      map[string]string{"level": "Group"},
			}
		case id == "sensitivity":
			out[id] = viewSpec{fmt: format, class: "outcomes", label: func(col string, row map[string]string) string { return capital(row[col]) }}
		default:
			out[id] = viewSpec{fmt: format}
		}
	}
	return out
}

// subgroupLevel words a subgroup table's level cell.
func subgroupLevel(col string, row map[string]string) string {
	if col == "level" {
		return levelLabel(row["by"], row["level"])
	}
	return row[col]
}

// WriteHTML writes the report as one self-contained HTML page: inline CSS
// and SVG, no script, no external URL; headings in order; every chart next
// to the table holding its figures.
func (r *Report) WriteHTML(w io.Writer) error {
	figs, err := r.figures()
	if err != nil {
		return err
	}
	v := htmlView{Report: r, CSS: template.CSS(css), Tables: map[string]*viewTable{}, Figures: figs, Disclosed: r.Release.Stats(), FirstWeek: firstWeek}
	specs := r.specs()
	for _, t := range r.Release.Tables() {
		vt := layout(t, specs[t.ID()])
		v.Tables[t.ID()] = &vt
	}
	// The subgroup impacts: one table per subgroup variable, a group of
	// rows per level.
	if t, ok := r.Release.Table("subgroup_estimates"); ok {
		var dims []string
		for _, row := range t.Rows() {
			if by := row.Cell(0).Text(); !slices.Contains(dims, by) {
				dims = append(dims, by)
			}
		}
		for i, by := range dims {
			s := estimateSpec(false)
			s.class += " outcomes"
			s.id = fmt.Sprintf("subgroup_estimates-%d", i+1)
			s.caption = "Impacts by " + lowerFirst(subgroupLabel(by)) + ": headline outcomes"
			s.hide = map[string]bool{"by": true}
			s.groupBy = "level"
			s.groupLabel = func(row map[string]string) string { return levelLabel(row["by"], row["level"]) }
			s.keep = func(row disclosure.Row) bool { return row.Cell(0).Text() == by }
			vt := layout(t, s)
			v.Tables[vt.ID] = &vt
			v.SubgroupTables = append(v.SubgroupTables, subgroupView{Heading: lowerFirst(subgroupLabel(by)), Table: vt.ID})
		}
	}
	tmpl, err := parseTemplate("report", htmlTemplate, template.FuncMap{
		"table": func(id string) *viewTable { return v.Tables[id] }, // nil: no such table
	})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, v); err != nil {
		return fmt.Errorf("report: rendering HTML: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// HTML returns the report as HTML bytes.
func (r *Report) HTML() ([]byte, error) {
	var b bytes.Buffer
	err := r.WriteHTML(&b)
	return b.Bytes(), err
}

// RenderHTML is the web service's entry point: the disclosure-controlled
// HTML report of a stored evaluation.json. It returns a *disclosure.Refusal
// (errors.Is disclosure.ErrRefused) when the evaluation may not be
// published.
func RenderHTML(evaluationJSON []byte, opt Options) ([]byte, error) {
	r, err := FromJSON(evaluationJSON, opt)
	if err != nil {
		return nil, err
	}
	return r.HTML()
}

// unitOf is the unit of an estimate table's row.
func unitOf(table, rowKey string) unit {
	if strings.HasPrefix(table, "weekly_") {
		return describe(strings.TrimPrefix(table, "weekly_"), 0).unit
	}
	if i := strings.LastIndex(rowKey, "/"); i >= 0 {
		rowKey = rowKey[i+1:]
	}
	name, wk := rowKey, -1
	if i := strings.IndexByte(rowKey, '@'); i >= 0 {
		name = rowKey[:i]
		wk, _ = strconv.Atoi(rowKey[i+1:])
	}
	return describe(name, wk).unit
}

// format words one shown statistic for the HTML.
func format(table, rowKey, col string, v float64) string {
	switch col {
	case "participants_mean", "comparison_mean":
		return unitOf(table, rowKey).level(v)
	case "impact", "ci_low", "ci_high":
		return unitOf(table, rowKey).signed(v)
	case "p_value":
		if v < 0.001 {
			return "<0.001"
		}
		return fmtNum(v, 3)
	case "smd_before", "smd_after":
		return strings.Replace(fmtNum(v, 3), "-", "−", 1)
	}
	return fmtNum(v, 2)
}

// formatRange words a 95% interval: "−0.8 to +10.7 pp", "+£219 to
// +£3,283".
func formatRange(table, rowKey string, lo, hi float64) string {
	u := unitOf(table, rowKey)
	l := u.signed(lo)
	if u == unitShare {
		l = strings.TrimSuffix(l, " pp")
	}
	return l + " to " + u.signed(hi)
}

// view lays out a published table as it is (the zero viewSpec), wording
// each shown statistic with fmtStat.
func view(t disclosure.Table, fmtStat func(table, row, col string, v float64) string) viewTable {
	return layout(t, viewSpec{fmt: fmtStat})
}

// layout lays out a published table for the HTML as spec says.
func layout(t disclosure.Table, spec viewSpec) viewTable {
	cols := t.Columns()
	idx := map[string]int{}
	for i, c := range cols {
		idx[c.Key] = i
	}
	hidden := func(key string) bool {
		return key == "type" || key == spec.groupBy || spec.hide[key] || (spec.fmtRange != nil && key == "ci_high")
	}
	vt := viewTable{ID: t.ID(), Caption: t.Title(), Class: spec.class, Note: spec.note}
	if spec.id != "" {
		vt.ID = spec.id
	}
	if spec.caption != "" {
		vt.Caption = spec.caption
	}

	// Headings: one row, or two when columns are grouped.
	inSpan := map[string]int{}
	for i, s := range spec.spans {
		for _, k := range s.Keys {
			inSpan[k] = i + 1
		}
	}
	var top, sub []headCell
	rows := 1
	if len(spec.spans) > 0 {
		rows = 2
	}
	var shown []int
	for i, c := range cols {
		if hidden(c.Key) {
			continue
		}
		shown = append(shown, i)
		text := c.Label
		if h, ok := spec.heads[c.Key]; ok {
			text = h
		} else if spec.fmtRange != nil && c.Key == "ci_low" {
			text = "95% confidence interval"
		}
		// Numbers are right-aligned, and so are their headings; a column
		// of words ("yes") keeps its heading on the left.
		num := len(shown) > 1 && (len(t.Rows()) == 0 || t.Rows()[0].Cell(i).Kind() != disclosure.KindLabel)
		if s := inSpan[c.Key]; s > 0 {
			if s != inSpan[prevKey(cols, i, hidden)] {
				top = append(top, headCell{Text: spec.spans[s-1].Label, Cols: len(spec.spans[s-1].Keys), Rows: 1, Scope: "colgroup"})
			}
			sub = append(sub, headCell{Text: text, Cols: 1, Rows: 1, Scope: "col", Num: num})
			continue
		}
		if rows == 2 {
			// A blank cell above, not a heading spanning two rows: the
			// heading then sits beside the others, and axe-core can check
			// its contrast.
			top = append(top, headCell{Cols: 1, Rows: 1})
			sub = append(sub, headCell{Text: text, Cols: 1, Rows: 1, Scope: "col", Num: num, NoWrap: !strings.Contains(text, " ")})
			continue
		}
		top = append(top, headCell{Text: text, Cols: 1, Rows: 1, Scope: "col", Num: num})
	}
	vt.Head = [][]headCell{top}
	if len(sub) > 0 {
		vt.Head = append(vt.Head, sub)
	}
	vt.Width = len(shown)

	// Rows, in groups.
	for _, row := range t.Rows() {
		if spec.keep != nil && !spec.keep(row) {
			continue
		}
		labels := map[string]string{}
		for i, c := range row.Cells() {
			if c.Kind() == disclosure.KindLabel {
				labels[cols[i].Key] = c.Text()
			}
		}
		if spec.groupBy != "" {
			g := labels[spec.groupBy]
			if spec.groupLabel != nil {
				g = spec.groupLabel(labels)
			}
			if len(vt.Bodies) == 0 || vt.Bodies[len(vt.Bodies)-1].Heading != g {
				vt.Bodies = append(vt.Bodies, viewBody{Heading: g})
			}
		} else if len(vt.Bodies) == 0 {
			vt.Bodies = append(vt.Bodies, viewBody{})
		}
		vr := viewRow{}
		if i, ok := idx["type"]; ok {
			vr.Class = row.Cell(i).Text()
		}
		for n, i := range shown {
			c := row.Cell(i)
			vc := viewCell{}
			switch c.State() {
			case disclosure.Suppressed:
				vc.Text, vc.Abbr, vc.Class = "[c]", "withheld to protect confidentiality", "num"
			case disclosure.NotAvailable:
				vc.Text, vc.Abbr, vc.Class = "[x]", "not available", "num"
			default:
				switch c.Kind() {
				case disclosure.KindLabel:
					vc.Text = c.Text()
					if spec.label != nil {
						vc.Text = spec.label(cols[i].Key, labels)
					}
				case disclosure.KindCount:
					n, _ := c.Count()
					vc.Text, vc.Class = thousands(n), "num"
				default:
					v, _ := c.Value()
					vc.Text, vc.Class = spec.fmt(t.ID(), row.Key(), cols[i].Key, v), "num"
					if spec.fmtRange != nil && cols[i].Key == "ci_low" {
						hi, ok := finite(row.Cell(idx["ci_high"]))
						if ok {
							vc.Text = spec.fmtRange(t.ID(), row.Key(), v, hi)
						}
					}
				}
			}
			if n == 0 {
				vr.Header = vc
				continue
			}
			vr.Cells = append(vr.Cells, vc)
		}
		b := &vt.Bodies[len(vt.Bodies)-1]
		b.Rows = append(b.Rows, vr)
	}
	return vt
}

// prevKey is the key of the shown column before column i ("" if none).
func prevKey(cols []disclosure.Column, i int, hidden func(string) bool) string {
	for j := i - 1; j >= 0; j-- {
		if !hidden(cols[j].Key) {
			return cols[j].Key
		}
	}
	return ""
}

// lowerFirst lower-cases the first letter: "Age group" → "age group".
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
