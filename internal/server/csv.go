package server

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/employment-data-lab/datalab/internal/evaluation"
)

// escapeCell defuses spreadsheet formula injection (OWASP "CSV
// Injection"): a cell starting with =, +, -, @, tab or carriage return is
// prefixed with a single quote so Excel and LibreOffice show it as text.
// Numbers the lab itself formats (a negative estimate) are written by
// number(), which does not escape.
func escapeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func number(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'g', 10, 64)
}

// writeCSV sends rows as a CSV download; every text cell in rows must
// already be escaped.
func writeCSV(w http.ResponseWriter, filename string, header []string, rows [][]string) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", filename))
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write(header)
	cw.WriteAll(rows)
	return cw.Error()
}

// estimateRows are the estimates of an evaluation as CSV rows.
func estimateRows(e *evaluation.Evaluation) [][]string {
	var rows [][]string
	for _, x := range e.Estimates {
		week := ""
		if x.Week != nil {
			week = strconv.Itoa(*x.Week)
		}
		rows = append(rows, []string{escapeCell(x.Outcome), week, strconv.FormatBool(x.Available),
			strconv.Itoa(x.Participants), strconv.Itoa(x.Comparison),
			number(x.ParticipantsMean), number(x.ComparisonMean), number(x.Estimate), number(x.SE),
			number(x.CILow), number(x.CIHigh), number(x.PValue)})
	}
	return rows
}

var estimateHeader = []string{"outcome", "week", "available", "participants", "comparison",
	"participants_mean", "comparison_mean", "estimate", "se", "ci_low", "ci_high", "p_value"}
