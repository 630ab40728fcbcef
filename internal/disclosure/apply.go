package disclosure

import (
	"encoding/json"
	"fmt"
	"slices"
)

// State is whether a cell is published.
type State int

// The states of a published cell.
const (
	// Shown: published (a count rounded to the nearest Round).
	Shown State = iota
	// Suppressed: withheld by disclosure control (GSS symbol [c]).
	Suppressed
	// NotAvailable: there is no figure (GSS symbol [x]), e.g. an outcome
	// past the spine's window, or a subgroup too small to estimate.
	NotAvailable
)

func (s State) String() string {
	switch s {
	case Suppressed:
		return "suppressed"
	case NotAvailable:
		return "not_available"
	}
	return "shown"
}

// Why a cell was suppressed.
const (
	ReasonSmallCount     = "fewer than the minimum number of people"
	ReasonSecondary      = "withheld so that a suppressed figure cannot be worked out from totals"
	ReasonSmallStatistic = "rests on fewer than the minimum number of people"
)

// Cell is one published cell. Only Apply makes cells, so a renderer that
// takes a Release cannot print an unchecked figure (DESIGN.md, STYLE.md §10).
type Cell struct {
	kind   Kind
	state  State
	text   string
	value  float64
	reason string
}

// Kind says whether the cell is a label, a count or a statistic.
func (c Cell) Kind() Kind { return c.kind }

// State says whether the cell is shown, suppressed or not available.
func (c Cell) State() State { return c.state }

// Text is a label cell's text ("" for other kinds).
func (c Cell) Text() string { return c.text }

// Value is a shown count (rounded) or statistic; ok is false otherwise.
func (c Cell) Value() (v float64, ok bool) {
	if c.state != Shown || c.kind == KindLabel {
		return 0, false
	}
	return c.value, true
}

// Count is a shown count, rounded; ok is false otherwise.
func (c Cell) Count() (n int, ok bool) {
	if c.state != Shown || c.kind != KindCount {
		return 0, false
	}
	return int(c.value), true
}

// Reason says why a suppressed cell was suppressed.
func (c Cell) Reason() string { return c.reason }

// Row is one published row.
type Row struct {
	key   string
	cells []Cell
}

// Key is the row's stable key.
func (r Row) Key() string { return r.key }

// Cells are the row's cells, in column order.
func (r Row) Cells() []Cell { return slices.Clone(r.cells) }

// Cell is the cell in column i.
func (r Row) Cell(i int) Cell { return r.cells[i] }

// Table is one published table.
type Table struct {
	id, title string
	columns   []Column
	rows      []Row
}

// ID is the table's stable key.
func (t Table) ID() string { return t.id }

// Title is the table's caption.
func (t Table) Title() string { return t.title }

// Columns are the table's columns.
func (t Table) Columns() []Column { return slices.Clone(t.columns) }

// Rows are the table's rows.
func (t Table) Rows() []Row { return slices.Clone(t.rows) }

// Lookup returns the cell at row key and column key.
func (t Table) Lookup(row, column string) (Cell, bool) {
	ci := slices.IndexFunc(t.columns, func(c Column) bool { return c.Key == column })
	ri := slices.IndexFunc(t.rows, func(r Row) bool { return r.key == row })
	if ci < 0 || ri < 0 {
		return Cell{}, false
	}
	return t.rows[ri].cells[ci], true
}

// Release is a disclosure-controlled set of tables: the only input the
// report renderers accept.
type Release struct {
	rules  Rules
	tables []Table
	stats  Stats
}

// Stats says how much disclosure control withheld.
type Stats struct {
	Counts            int `json:"counts"`             // counts in the tables
	SuppressedPrimary int `json:"suppressed_primary"` // counts below the minimum cell size
	// SuppressedSecondary counts cells withheld to protect others.
	SuppressedSecondary int `json:"suppressed_secondary"`
	Statistics          int `json:"statistics"`
	// SuppressedStatistics counts statistics withheld because a group they
	// rest on is below the minimum cell size.
	SuppressedStatistics int `json:"suppressed_statistics"`
}

// Rules are the thresholds the release was made with.
func (r *Release) Rules() Rules { return r.rules }

// Tables are the release's tables, in the draft's order.
func (r *Release) Tables() []Table { return slices.Clone(r.tables) }

// Table returns the table with the given id.
func (r *Release) Table(id string) (Table, bool) {
	for _, t := range r.tables {
		if t.id == id {
			return t, true
		}
	}
	return Table{}, false
}

// Stats says how much was withheld.
func (r *Release) Stats() Stats { return r.stats }

// Apply puts a draft through disclosure control:
//
//  1. the output is refused when it rests on fewer than MinCohort people;
//  2. every relation is checked on the true values (total = Σ parts);
//  3. primary suppression: counts from 1 to MinCell−1 are withheld; hidden
//     counts are never shown;
//  4. secondary suppression: the table is audited as a reader would attack
//     it, knowing every relation, that a shown count r is the true count
//     rounded to the nearest Round (so lies in r−Round/2..r+(Round−1)/2)
//     and is 0 or at least MinCell, that a withheld count is not zero, and
//     which withheld counts are small; bounds are propagated through the
//     relations to a fixed point. While some small withheld count, or the
//     sum of a relation's withheld parts under a shown total, can be
//     narrowed to fewer than max(Round−1, 2) values, one more count is
//     withheld: in the relation that bounds it most tightly, the smallest
//     shown non-zero count that is not essential (Draft.Essential), a part
//     before the total. Rounding thus protects a small count that is the
//     difference of two rounded counts, and a headline count is withheld
//     only when nothing else can protect (see doc.go for the rule and its
//     justification);
//  5. statistics: all statistics of a row are withheld together when any
//     of them rests on a group of 1 to MinCell−1 people (a row's mean,
//     difference and interval would otherwise give each other away);
//  6. shown counts are rounded to the nearest Round, after every decision
//     above was made on the true values.
//
// Zero counts are published: a zero is not a small group of people.
func Apply(rules Rules, d *Draft) (*Release, error) { return apply(rules, d, true) }

// apply is Apply; secondary false skips secondary suppression, for the
// tests' control case only (an attacker must then succeed).
func apply(rules Rules, d *Draft, secondary bool) (*Release, error) {
	rules, err := rules.withDefaults()
	if err != nil {
		return nil, err
	}
	if d.err != nil {
		return nil, d.err
	}
	if d.cohort < rules.MinCohort {
		return nil, &Refusal{Reason: fmt.Sprintf("the results rest on %d matched participants, below the minimum of %d people the lab publishes (a smaller cohort risks identifying individuals and gives estimates too imprecise to use)", d.cohort, rules.MinCohort)}
	}
	for _, rel := range d.relations {
		total, err := d.count(rel.total)
		if err != nil {
			return nil, err
		}
		sum := 0
		for _, p := range rel.parts {
			n, err := d.count(p)
			if err != nil {
				return nil, err
			}
			sum += n
		}
		if sum != total {
			return nil, fmt.Errorf("disclosure: relation %s = Σ %v does not hold: the total is %d but the parts sum to %d; fix the table builder", rel.total, rel.parts, total, sum)
		}
	}

	// Suppression decisions on true values.
	p, err := d.problem(rules)
	if err != nil {
		return nil, err
	}
	if secondary {
		p.protect()
	}
	supp := map[Ref]string{}
	for i, ref := range p.refs {
		switch p.state[i] {
		case stPrimary:
			supp[ref] = ReasonSmallCount
		case stSecondary:
			supp[ref] = ReasonSecondary
		}
	}

	// The release.
	out := &Release{rules: rules}
	for _, t := range d.tables {
		pt := Table{id: t.id, title: t.title, columns: slices.Clone(t.columns)}
		for _, r := range t.rows {
			row := Row{key: r.key, cells: make([]Cell, len(r.figures))}
			smallStat := false
			for _, f := range r.figures {
				if f.kind == KindStatistic && f.available {
					for _, b := range f.bases {
						if b > 0 && b < rules.MinCell {
							smallStat = true
						}
					}
				}
			}
			for ci, f := range r.figures {
				c := Cell{kind: f.kind}
				switch f.kind {
				case KindLabel:
					c.text = f.text
				case KindCount:
					out.stats.Counts++
					if why, ok := supp[Ref{t.id, r.key, t.columns[ci].Key}]; ok {
						c.state, c.reason = Suppressed, why
						if why == ReasonSecondary {
							out.stats.SuppressedSecondary++
						} else {
							out.stats.SuppressedPrimary++
						}
					} else {
						c.value = float64(rules.RoundCount(f.count))
					}
				case KindStatistic:
					out.stats.Statistics++
					switch {
					case !f.available:
						c.state = NotAvailable
					case smallStat:
						c.state, c.reason = Suppressed, ReasonSmallStatistic
						out.stats.SuppressedStatistics++
					default:
						c.value = f.value
					}
				}
				row.cells[ci] = c
			}
			pt.rows = append(pt.rows, row)
		}
		out.tables = append(out.tables, pt)
	}
	return out, nil
}

// MarshalJSON writes a table in the report schema: columns, then rows of
// values aligned with the columns (null when not shown) and each cell's
// state.
func (t Table) MarshalJSON() ([]byte, error) {
	type row struct {
		Key    string   `json:"key"`
		Values []any    `json:"values"`
		Status []string `json:"status"`
	}
	doc := struct {
		ID      string   `json:"id"`
		Title   string   `json:"title"`
		Columns []Column `json:"columns"`
		Kinds   []string `json:"kinds"`
		Rows    []row    `json:"rows"`
	}{ID: t.id, Title: t.title, Columns: t.columns, Rows: []row{}}
	for i := range t.columns {
		k := KindLabel
		if len(t.rows) > 0 {
			k = t.rows[0].cells[i].kind
		}
		doc.Kinds = append(doc.Kinds, k.String())
	}
	for _, r := range t.rows {
		out := row{Key: r.key}
		for _, c := range r.cells {
			out.Status = append(out.Status, c.state.String())
			switch {
			case c.kind == KindLabel:
				out.Values = append(out.Values, c.text)
			case c.state != Shown:
				out.Values = append(out.Values, nil)
			case c.kind == KindCount:
				out.Values = append(out.Values, int(c.value))
			default:
				out.Values = append(out.Values, c.value)
			}
		}
		doc.Rows = append(doc.Rows, out)
	}
	return json.Marshal(doc)
}
