package matching

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// Kind says how a design column is treated by balance diagnostics.
type Kind uint8

const (
	// Continuous columns get a variance ratio as well as an SMD.
	Continuous Kind = iota
	// Binary columns (0/1 indicators, dummy-coded levels) get an SMD only;
	// a variance ratio is reported as NaN, as MatchIt does.
	Binary
)

// Design is a covariate matrix: Rows() units by Cols() covariates, held
// row-major so the propensity fit can stream over units. The intercept is
// not part of a Design; Fit adds it.
type Design struct {
	names  []string
	kinds  []Kind
	source []string // the variable a column came from ("race" for "race=hispan")
	n, p   int
	data   []float64
}

// NewDesign wraps a row-major n×len(names) matrix. Kinds are inferred: a
// column whose values are all 0 or 1 is Binary, otherwise Continuous. data is
// used in place, not copied.
func NewDesign(names []string, data []float64) (*Design, error) {
	p := len(names)
	if p == 0 {
		return nil, fmt.Errorf("matching.NewDesign: no covariate names given; name every column of the matrix")
	}
	if len(data)%p != 0 {
		return nil, fmt.Errorf("matching.NewDesign: %d values do not make whole rows of %d columns; pass a row-major matrix with len(data) = rows × %d", len(data), p, p)
	}
	d := &Design{names: slices.Clone(names), source: slices.Clone(names), n: len(data) / p, p: p, data: data}
	d.kinds = make([]Kind, p)
	for j := range p {
		d.kinds[j] = Binary
		for i := 0; i < d.n; i++ {
			v := data[i*p+j]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("matching.NewDesign: covariate %q, row %d is %v; covariates must be finite (impute or drop the unit first)", names[j], i, v)
			}
			if v != 0 && v != 1 {
				d.kinds[j] = Continuous
			}
		}
	}
	return d, nil
}

// Rows is the number of units.
func (d *Design) Rows() int { return d.n }

// Cols is the number of covariate columns (dummies counted separately).
func (d *Design) Cols() int { return d.p }

// Names are the column names; a dummy-coded level is named "var=level".
func (d *Design) Names() []string { return d.names }

// Kinds are the column kinds, in column order.
func (d *Design) Kinds() []Kind { return d.kinds }

// Source is the variable column j was built from: its own name, or the
// categorical variable for a dummy column.
func (d *Design) Source(j int) string { return d.source[j] }

// At returns unit i's value of column j.
func (d *Design) At(i, j int) float64 { return d.data[i*d.p+j] }

// Row returns unit i's covariates (a view; do not modify).
func (d *Design) Row(i int) []float64 { return d.data[i*d.p : (i+1)*d.p] }

// Column copies column j into a new slice.
func (d *Design) Column(j int) []float64 {
	out := make([]float64, d.n)
	for i := range out {
		out[i] = d.data[i*d.p+j]
	}
	return out
}

// DesignBuilder assembles a Design one variable at a time, dummy-coding
// categorical variables against a reference level (as R's treatment
// contrasts do).
type DesignBuilder struct {
	n      int
	names  []string
	kinds  []Kind
	source []string
	cols   [][]float64
	err    error
}

// NewDesignBuilder starts a design for n units.
func NewDesignBuilder(n int) *DesignBuilder { return &DesignBuilder{n: n} }

// Numeric adds a numeric column. A column of only 0s and 1s is Binary.
func (b *DesignBuilder) Numeric(name string, values []float64) *DesignBuilder {
	if b.err != nil {
		return b
	}
	if len(values) != b.n {
		b.err = fmt.Errorf("matching.DesignBuilder: covariate %q has %d values for %d units; give one value per unit", name, len(values), b.n)
		return b
	}
	kind := Binary
	for i, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b.err = fmt.Errorf("matching.DesignBuilder: covariate %q, unit %d is %v; covariates must be finite (impute or drop the unit first)", name, i, v)
			return b
		}
		if v != 0 && v != 1 {
			kind = Continuous
		}
	}
	b.add(name, name, kind, slices.Clone(values))
	return b
}

// Categorical dummy-codes a column of strings: one 0/1 column per level
// other than reference, named "name=level", levels in sorted order (R's
// factor order). The reference level must occur in the data.
func (b *DesignBuilder) Categorical(name string, values []string, reference string) *DesignBuilder {
	if b.err != nil {
		return b
	}
	if len(values) != b.n {
		b.err = fmt.Errorf("matching.DesignBuilder: categorical %q has %d values for %d units; give one value per unit", name, len(values), b.n)
		return b
	}
	seen := map[string]bool{}
	for _, v := range values {
		seen[v] = true
	}
	if !seen[reference] {
		levels := make([]string, 0, len(seen))
		for l := range seen {
			levels = append(levels, l)
		}
		sort.Strings(levels)
		b.err = fmt.Errorf("matching.DesignBuilder: categorical %q has no unit at reference level %q (levels: %v); choose a reference level that occurs", name, reference, levels)
		return b
	}
	levels := make([]string, 0, len(seen))
	for l := range seen {
		if l != reference {
			levels = append(levels, l)
		}
	}
	sort.Strings(levels)
	for _, l := range levels {
		col := make([]float64, b.n)
		for i, v := range values {
			if v == l {
				col[i] = 1
			}
		}
		b.add(name+"="+l, name, Binary, col)
	}
	return b
}

func (b *DesignBuilder) add(name, source string, kind Kind, col []float64) {
	if slices.Contains(b.names, name) {
		b.err = fmt.Errorf("matching.DesignBuilder: column %q added twice; give each covariate a distinct name", name)
		return
	}
	b.names = append(b.names, name)
	b.source = append(b.source, source)
	b.kinds = append(b.kinds, kind)
	b.cols = append(b.cols, col)
}

// Build returns the row-major Design, or the first error met while adding.
func (b *DesignBuilder) Build() (*Design, error) {
	if b.err != nil {
		return nil, b.err
	}
	p := len(b.cols)
	if p == 0 {
		return nil, fmt.Errorf("matching.DesignBuilder: no covariates added; add at least one")
	}
	data := make([]float64, b.n*p)
	for j, col := range b.cols {
		for i, v := range col {
			data[i*p+j] = v
		}
	}
	return &Design{names: b.names, kinds: b.kinds, source: b.source, n: b.n, p: p, data: data}, nil
}
