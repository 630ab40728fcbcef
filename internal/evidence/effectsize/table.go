package effectsize

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Row is one study read from an effects table.
type Row struct {
	Study  string            `json:"study"`
	Line   int               `json:"line"`
	Effect Effect            `json:"effect"`
	Attrs  map[string]string `json:"attrs,omitempty"` // every column, as read, for moderators
}

// Table is an effects table: one Row per study, all on one measure.
type Table struct {
	Measure Measure
	Source  string // "yi/vi", "yi/se", "counts" or "means"
	Rows    []Row
}

// ReadTable reads a CSV effects table from r (name is used in messages). It
// accepts, by header:
//
//   - study, yi, vi (or yi, se / sei): effects already computed; measure
//     labels them and may be empty;
//   - study, tpos, tneg, cpos, cneg (or ai, bi, ci, di): 2x2 counts, with
//     measure RD, RR or OR;
//   - study, m1i, sd1i, n1i, m2i, sd2i, n2i: means and SDs, with measure SMD
//     or MD.
//
// Without a study column the label is "author year" when both columns are
// present (as in metafor's dat.bcg), else trial, else the row number. Every
// column is kept in Row.Attrs so any of them can serve as a moderator.
func ReadTable(r io.Reader, name string, measure Measure) (*Table, error) {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("effectsize: %s is empty; it needs a header row and one row per study", name)
		}
		return nil, fmt.Errorf("effectsize: read header of %s: %w", name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		header[i] = h
		col[h] = i
	}
	has := func(names ...string) bool {
		for _, n := range names {
			if _, ok := col[n]; !ok {
				return false
			}
		}
		return true
	}
	alias := func(a, b string) string {
		if _, ok := col[a]; ok {
			return a
		}
		return b
	}
	t := &Table{Measure: measure}
	var compute func(get func(string) (float64, error)) (Effect, error)
	switch {
	case has("yi") && (has("vi") || has("se") || has("sei")):
		t.Source = "yi/vi"
		vcol := "vi"
		if !has("vi") {
			vcol = alias("se", "sei")
			t.Source = "yi/se"
		}
		compute = func(get func(string) (float64, error)) (Effect, error) {
			y, err := get("yi")
			if err != nil {
				return Effect{}, err
			}
			v, err := get(vcol)
			if err != nil {
				return Effect{}, err
			}
			if vcol != "vi" {
				v *= v
			}
			return Effect{Measure: measure, Yi: y, Vi: v}.check("yi with " + vcol)
		}
	case has("tpos", "tneg", "cpos", "cneg") || has("ai", "bi", "ci", "di"):
		t.Source = "counts"
		if measure != RD && measure != RR && measure != OR {
			return nil, fmt.Errorf("effectsize: %s holds 2x2 counts; choose the measure with --measure RD, RR or OR (got %q)", name, measure)
		}
		names := [4]string{"tpos", "tneg", "cpos", "cneg"}
		if !has("tpos", "tneg", "cpos", "cneg") {
			names = [4]string{"ai", "bi", "ci", "di"}
		}
		compute = func(get func(string) (float64, error)) (Effect, error) {
			var c [4]float64
			for i, n := range names {
				v, err := get(n)
				if err != nil {
					return Effect{}, err
				}
				c[i] = v
			}
			return FromCounts(measure, Table2x2{c[0], c[1], c[2], c[3]})
		}
	case has("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"):
		t.Source = "means"
		if measure != SMD && measure != MD {
			return nil, fmt.Errorf("effectsize: %s holds means and SDs; choose the measure with --measure SMD or MD (got %q)", name, measure)
		}
		compute = func(get func(string) (float64, error)) (Effect, error) {
			var v [6]float64
			for i, n := range []string{"m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"} {
				x, err := get(n)
				if err != nil {
					return Effect{}, err
				}
				v[i] = x
			}
			return FromMeans(measure, Means{M1: v[0], SD1: v[1], N1: int(v[2]), M2: v[3], SD2: v[4], N2: int(v[5])})
		}
	default:
		return nil, fmt.Errorf("effectsize: %s has columns %s; it needs study with yi and vi (or se), or tpos, tneg, cpos, cneg, or m1i, sd1i, n1i, m2i, sd2i, n2i",
			name, strings.Join(header, ", "))
	}

	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("effectsize: %s line %d: %w", name, line, err)
		}
		attrs := make(map[string]string, len(header))
		for i, h := range header {
			if i < len(rec) {
				attrs[h] = strings.TrimSpace(rec[i])
			}
		}
		get := func(c string) (float64, error) {
			s := attrs[c]
			if s == "" {
				return 0, fmt.Errorf("column %s is empty", c)
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return 0, fmt.Errorf("column %s: %q is not a number", c, s)
			}
			return v, nil
		}
		e, err := compute(get)
		if err != nil {
			return nil, fmt.Errorf("effectsize: %s line %d: %w; fix or remove the row", name, line, err)
		}
		t.Rows = append(t.Rows, Row{Study: label(attrs, line), Line: line, Effect: e, Attrs: attrs})
	}
	if len(t.Rows) == 0 {
		return nil, fmt.Errorf("effectsize: %s has a header but no studies", name)
	}
	return t, nil
}

func label(attrs map[string]string, line int) string {
	if s := attrs["study"]; s != "" {
		return s
	}
	if a, y := attrs["author"], attrs["year"]; a != "" && y != "" {
		return a + " " + y
	}
	if s := attrs["trial"]; s != "" {
		return "trial " + s
	}
	return "row " + strconv.Itoa(line-1)
}
