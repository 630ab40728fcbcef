package report

import (
	"encoding/csv"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/employment-data-lab/datalab/internal/disclosure"
)

// csvHeader is the layout of the report's CSV: one row per published cell
// (a long, "tidy" table), so every table shares one header.
var csvHeader = []string{"table", "row", "column", "column_label", "kind", "status", "value"}

// WriteCSV writes every published table as one CSV in long form: table,
// row key, column key and label, kind (label, count, statistic), status
// (shown, suppressed, not_available) and value (empty unless shown; counts
// rounded). Every cell is escaped against formula injection (EscapeCell).
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, t := range r.Release.Tables() {
		cols := t.Columns()
		for _, row := range t.Rows() {
			for i, c := range row.Cells() {
				val := ""
				switch {
				case c.Kind() == disclosure.KindLabel:
					val = c.Text()
				case c.State() != disclosure.Shown:
				case c.Kind() == disclosure.KindCount:
					n, _ := c.Count()
					val = strconv.Itoa(n)
				default:
					v, _ := c.Value()
					val = strconv.FormatFloat(v, 'g', -1, 64)
				}
				rec := []string{t.ID(), row.Key(), cols[i].Key, cols[i].Label, c.Kind().String(), c.State().String(), val}
				for k := range rec {
					rec[k] = EscapeCell(rec[k])
				}
				if err := cw.Write(rec); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// EscapeCell defuses a CSV cell a spreadsheet would run as a formula: one
// beginning with =, +, -, @, a tab or a carriage return gets a leading
// single quote (OWASP, "CSV Injection"). A plain decimal number such as
// -0.012 or -1.5e-3 is left alone: a spreadsheet reads it as a number, never
// as a formula, and escaping it would turn every negative impact into text.
func EscapeCell(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) || plainNumber.MatchString(s) {
		return s
	}
	return "'" + s
}

var plainNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)
