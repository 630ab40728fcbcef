package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
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

type viewTable struct {
	ID, Caption string
	Head        []string // first is the row-header column
	Rows        []viewRow
	Note        string
}

type htmlView struct {
	*Report
	CSS       template.CSS
	Tables    map[string]*viewTable
	Figures   map[string]Figure
	Disclosed disclosure.Stats
}

// WriteHTML writes the report as one self-contained HTML page: inline CSS
// and SVG, no script, no external URL; headings in order; every chart next
// to the table holding its figures.
func (r *Report) WriteHTML(w io.Writer) error {
	figs, err := r.figures()
	if err != nil {
		return err
	}
	v := htmlView{Report: r, CSS: template.CSS(css), Tables: map[string]*viewTable{}, Figures: figs, Disclosed: r.Release.Stats()}
	for _, t := range r.Release.Tables() {
		vt := view(t, format)
		v.Tables[t.ID()] = &vt
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
		return fmtNum(v, 3)
	}
	return fmtNum(v, 2)
}

// view lays out a published table for the HTML, words each shown statistic
// with fmtStat (table id, row key, column key, value), and hides a "type"
// column (it becomes the row's class). Weekly tables show every fourth week
// (all weeks are in the JSON and CSV tables).
func view(t disclosure.Table, fmtStat func(table, row, col string, v float64) string) viewTable {
	cols := t.Columns()
	skip := map[int]bool{}
	for i, c := range cols {
		if c.Key == "type" {
			skip[i] = true
		}
	}
	vt := viewTable{ID: t.ID(), Caption: t.Title()}
	weekly := strings.HasPrefix(t.ID(), "weekly_")
	if weekly {
		vt.Note = "Every fourth week is shown; the JSON and CSV tables hold every week."
	}
	for i, c := range cols {
		if !skip[i] {
			vt.Head = append(vt.Head, c.Label)
		}
	}
	rows := t.Rows()
	for k, row := range rows {
		if weekly {
			if wk, err := strconv.Atoi(row.Key()); err == nil && wk%4 != 0 && k != len(rows)-1 {
				continue
			}
		}
		vr := viewRow{}
		first := true
		for i, c := range row.Cells() {
			if skip[i] {
				vr.Class = c.Text()
				continue
			}
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
				case disclosure.KindCount:
					n, _ := c.Count()
					vc.Text, vc.Class = thousands(n), "num"
				default:
					v, _ := c.Value()
					vc.Text, vc.Class = fmtStat(t.ID(), row.Key(), cols[i].Key, v), "num"
				}
			}
			if first {
				vr.Header, first = vc, false
				continue
			}
			vr.Cells = append(vr.Cells, vc)
		}
		vt.Rows = append(vt.Rows, vr)
	}
	return vt
}
