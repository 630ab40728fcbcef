package disclosure

import (
	"fmt"
	"math"
	"slices"
)

// Kind is what a figure is.
type Kind int

// The kinds of figure.
const (
	// KindLabel is text: a row's name, a flag. Never suppressed.
	KindLabel Kind = iota
	// KindCount is a number of people. Suppressed when it is between 1 and
	// MinCell−1 (or to protect another), rounded when published.
	KindCount
	// KindStatistic is a mean, difference, standard error, interval limit,
	// p-value or ratio. Suppressed when any group it rests on has between 1
	// and MinCell−1 people; never rounded.
	KindStatistic
)

func (k Kind) String() string {
	switch k {
	case KindCount:
		return "count"
	case KindStatistic:
		return "statistic"
	}
	return "label"
}

// Figure is one cell of a draft table, before disclosure control. Build one
// with Label, Count, Statistic or Proportion.
type Figure struct {
	kind      Kind
	text      string
	count     int
	value     float64
	available bool
	bases     []int
}

// Label is a text cell.
func Label(s string) Figure { return Figure{kind: KindLabel, text: s, available: true} }

// Count is a count of n people.
func Count(n int) Figure { return Figure{kind: KindCount, count: n, available: true} }

// Statistic is a figure computed from groups of people, bases giving the
// number of people in each group it rests on (for an impact: the
// participants and the comparators observed). A nil v (or NaN) is "not
// available", which is not a suppression.
func Statistic(v *float64, bases ...int) Figure {
	f := Figure{kind: KindStatistic, bases: bases}
	if v != nil && !math.IsNaN(*v) && !math.IsInf(*v, 0) {
		f.value, f.available = *v, true
	}
	return f
}

// Proportion is the share p of n people with a binary outcome. A proportion
// is a count in disguise (p × n), so it rests on n, on the number with the
// outcome and on the number without it: each must be 0 or at least MinCell.
// For a weighted group, p × n is the nearest whole number of people.
func Proportion(p *float64, n int) Figure {
	f := Statistic(p, n)
	if f.available && n > 0 {
		with := int(math.Round(f.value * float64(n)))
		f.bases = append(f.bases, with, n-with)
	}
	return f
}

// Column is one column of a table: a stable key (the JSON and CSV name) and
// the heading a reader sees.
type Column struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

// Draft is the set of tables an output will publish, with the additive
// relations between their counts, before disclosure control. Only Apply
// turns it into something a renderer accepts.
type Draft struct {
	cohort    int
	tables    []*draftTable
	byID      map[string]*draftTable
	hidden    map[string]int
	relations []relation
	essential map[Ref]bool
	err       error
}

type draftTable struct {
	id, title string
	columns   []Column
	colIndex  map[string]int
	rows      []draftRow
	rowIndex  map[string]int
}

type draftRow struct {
	key     string
	figures []Figure
}

// Ref names one count: a table's cell (Table, Row, Column keys) or a hidden
// count (Table "", Row the hidden count's key).
type Ref struct {
	Table, Row, Column string
}

func (r Ref) String() string {
	if r.Table == "" {
		return "hidden:" + r.Row
	}
	return r.Table + "/" + r.Row + "/" + r.Column
}

type relation struct {
	total Ref
	parts []Ref
}

// NewDraft starts a draft for an output resting on cohort people (the
// matched participants of an evaluation): Apply refuses it when cohort is
// below the minimum.
func NewDraft(cohort int) *Draft {
	return &Draft{cohort: cohort, byID: map[string]*draftTable{}, hidden: map[string]int{}, essential: map[Ref]bool{}}
}

// Table adds a table. Keys must be unique within the draft; the first
// mistake is reported by Apply.
func (d *Draft) Table(id, title string, columns ...Column) {
	if _, dup := d.byID[id]; dup || id == "" {
		d.fail(fmt.Errorf("disclosure: table id %q is empty or used twice", id))
		return
	}
	t := &draftTable{id: id, title: title, columns: columns, colIndex: map[string]int{}, rowIndex: map[string]int{}}
	for i, c := range columns {
		if _, dup := t.colIndex[c.Key]; dup {
			d.fail(fmt.Errorf("disclosure: table %q: column key %q used twice", id, c.Key))
		}
		t.colIndex[c.Key] = i
	}
	d.tables = append(d.tables, t)
	d.byID[id] = t
}

// Row adds a row to table id, one figure per column.
func (d *Draft) Row(table, key string, figures ...Figure) {
	t, ok := d.byID[table]
	switch {
	case !ok:
		d.fail(fmt.Errorf("disclosure: row %q: no table %q", key, table))
		return
	case len(figures) != len(t.columns):
		d.fail(fmt.Errorf("disclosure: table %q row %q: %d figures for %d columns", table, key, len(figures), len(t.columns)))
		return
	}
	if _, dup := t.rowIndex[key]; dup {
		d.fail(fmt.Errorf("disclosure: table %q: row key %q used twice", table, key))
		return
	}
	t.rowIndex[key] = len(t.rows)
	t.rows = append(t.rows, draftRow{key: key, figures: figures})
}

// Hidden adds a count that is never published but takes part in relations:
// the complement a reader could work out by subtraction (for example the
// participants whose outcome could not be observed, Matched − observed).
// Treating it as a suppressed cell makes secondary suppression protect it.
func (d *Draft) Hidden(key string, n int) Ref {
	if _, dup := d.hidden[key]; dup {
		d.fail(fmt.Errorf("disclosure: hidden count %q added twice", key))
	}
	d.hidden[key] = n
	return Ref{Row: key}
}

// Relate declares that total is the sum of parts (all counts), so that a
// suppressed part cannot be recovered by subtraction. Apply checks the sum
// on the true values and fails if it does not hold. One part makes an
// equality: the same count published twice.
func (d *Draft) Relate(total Ref, parts ...Ref) {
	if len(parts) == 0 {
		d.fail(fmt.Errorf("disclosure: relation with total %s has no parts", total))
		return
	}
	d.relations = append(d.relations, relation{total: total, parts: parts})
}

// Essential marks counts a reader needs most (the stages of a funnel, the
// analysed total): secondary suppression withholds one only when no other
// count can protect a small one (the cell-cost idea of τ-ARGUS: Hundepool
// et al. 2012 §4.3). An essential count below MinCell is still withheld.
func (d *Draft) Essential(refs ...Ref) {
	for _, r := range refs {
		d.essential[r] = true
	}
}

// problem lays the draft's counts out for the audit: every table count and
// hidden count, primary suppression applied, with the relations between
// them.
func (d *Draft) problem(rules Rules) (*problem, error) {
	p := &problem{rules: rules, index: map[Ref]int{}}
	add := func(ref Ref, n int, st cellState) {
		p.index[ref] = len(p.refs)
		p.refs = append(p.refs, ref)
		p.truth = append(p.truth, n)
		p.state = append(p.state, st)
		p.essential = append(p.essential, d.essential[ref])
	}
	for _, t := range d.tables {
		for _, r := range t.rows {
			for ci, f := range r.figures {
				if f.kind != KindCount {
					continue
				}
				st := stShown
				if f.count > 0 && f.count < rules.MinCell {
					st = stPrimary
				}
				add(Ref{t.id, r.key, t.columns[ci].Key}, f.count, st)
			}
		}
	}
	keys := make([]string, 0, len(d.hidden))
	for k := range d.hidden {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		add(Ref{Row: k}, d.hidden[k], stHidden)
	}
	p.memberOf = make([][]int, len(p.refs))
	for _, rel := range d.relations {
		ar := auditRelation{total: -1}
		for j, m := range append([]Ref{rel.total}, rel.parts...) {
			i, ok := p.index[m]
			if !ok {
				if _, err := d.count(m); err != nil {
					return nil, err
				}
				return nil, fmt.Errorf("disclosure: relation names %s, which is not a count", m)
			}
			if j == 0 {
				ar.total = i
			} else {
				ar.parts = append(ar.parts, i)
			}
			if k := len(p.rels); !slices.Contains(p.memberOf[i], k) {
				p.memberOf[i] = append(p.memberOf[i], k)
			}
		}
		p.rels = append(p.rels, ar)
	}
	return p, nil
}

func (d *Draft) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// figure returns the count a Ref names.
func (d *Draft) count(r Ref) (int, error) {
	if r.Table == "" {
		n, ok := d.hidden[r.Row]
		if !ok {
			return 0, fmt.Errorf("disclosure: relation names hidden count %q, which was never added", r.Row)
		}
		return n, nil
	}
	t, ok := d.byID[r.Table]
	if !ok {
		return 0, fmt.Errorf("disclosure: relation names %s: no table %q", r, r.Table)
	}
	ri, ok := t.rowIndex[r.Row]
	if !ok {
		return 0, fmt.Errorf("disclosure: relation names %s: no row %q", r, r.Row)
	}
	ci, ok := t.colIndex[r.Column]
	if !ok {
		return 0, fmt.Errorf("disclosure: relation names %s: no column %q", r, r.Column)
	}
	f := t.rows[ri].figures[ci]
	if f.kind != KindCount {
		return 0, fmt.Errorf("disclosure: relation names %s, which is a %s, not a count", r, f.kind)
	}
	return f.count, nil
}
