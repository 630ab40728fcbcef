package timeline

import (
	"cmp"
	"slices"
)

// Build turns one person's rows, in any order, into a Timeline: for each
// status, the spells sorted by start and merged where they overlap or are
// adjacent (one ends the day before the next starts); earnings summed by
// month, sorted, with running totals; and the end dates of achieved
// education spells.
//
// Rows are assumed valid (internal/spine checks them on import). Build never
// fails: a spell ending before it starts covers no day and is skipped, as is
// a benefit code ClassOf does not know. The result owns fresh memory (at
// most four allocations) and never aliases r.
func Build(r Rows) Timeline {
	var b Builder
	return b.Build(r)
}

// Builder builds timelines one person after another, reusing its memory, for
// a streaming index builder: once its buffers have grown to the largest
// person seen, Build allocates nothing.
//
// The Timeline it returns aliases the Builder's buffers and is valid only
// until the next call to Build: copy it out first (Flat.Append does). The
// zero Builder is ready to use. A Builder is not safe for concurrent use; use
// one per goroutine.
type Builder struct {
	spells []Interval
	months []Month
	cum    []float64
	ach    []Date
	earn   []Earning // sort scratch for earnings that arrive out of order
}

// Build is Build(r) reusing b's memory; see Builder.
func (b *Builder) Build(r Rows) Timeline {
	t := Timeline{Person: r.Person}
	b.buildSpells(&t, r)
	b.buildEarnings(&t, r.Earnings)
	b.buildAchieved(&t, r.Education)
	return t
}

// statusOfClass maps a benefit class to the status that records it.
func statusOfClass(c BenefitClass) (Status, bool) {
	switch c {
	case ClassOutOfWork:
		return OutOfWorkBenefit, true
	case ClassInactivity:
		return InactivityBenefit, true
	case ClassInWork:
		return InWorkBenefit, true
	case ClassDisability:
		return DisabilityBenefit, true
	}
	return 0, false
}

func (b *Builder) buildSpells(t *Timeline, r Rows) {
	// Count each status's valid spells, so that one buffer holds them all.
	var off [NumStatus + 1]int
	for _, iv := range r.Employment {
		if iv.Start <= iv.End {
			off[Employed+1]++
		}
	}
	for _, sp := range r.Benefits {
		if c, ok := ClassOf(sp.Code); ok && sp.Start <= sp.End {
			s, _ := statusOfClass(c)
			off[s+1]++
		}
	}
	for _, sp := range r.Education {
		if sp.Start <= sp.End {
			off[InEducation+1]++
		}
	}
	for s := range NumStatus {
		off[s+1] += off[s]
	}
	if off[NumStatus] == 0 {
		return
	}
	b.spells = grow(b.spells, off[NumStatus])

	next := off
	for _, iv := range r.Employment {
		if iv.Start <= iv.End {
			b.spells[next[Employed]] = iv
			next[Employed]++
		}
	}
	for _, sp := range r.Benefits {
		if c, ok := ClassOf(sp.Code); ok && sp.Start <= sp.End {
			s, _ := statusOfClass(c)
			b.spells[next[s]] = sp.Interval
			next[s]++
		}
	}
	for _, sp := range r.Education {
		if sp.Start <= sp.End {
			b.spells[next[InEducation]] = sp.Interval
			next[InEducation]++
		}
	}

	for s := range NumStatus {
		seg := b.spells[off[s]:off[s+1]]
		if len(seg) == 0 {
			continue
		}
		if !slices.IsSortedFunc(seg, byStart) {
			slices.SortFunc(seg, byStart)
		}
		n := mergeSorted(seg)
		t.Spells[s] = seg[:n:n] // cap limited: an append cannot reach the next status
	}
}

func byStart(a, b Interval) int { return cmp.Compare(a.Start, b.Start) }

// mergeSorted merges intervals sorted by Start in place, joining those that
// overlap or are adjacent, and returns how many remain.
func mergeSorted(iv []Interval) int {
	n := 0
	for i := 1; i < len(iv); i++ {
		cur := &iv[n]
		if int64(iv[i].Start) <= int64(cur.End)+1 { // int64: Ongoing+1 would overflow
			cur.End = max(cur.End, iv[i].End)
		} else {
			n++
			iv[n] = iv[i]
		}
	}
	return n + 1
}

func (b *Builder) buildEarnings(t *Timeline, rows []Earning) {
	if len(rows) == 0 {
		return
	}
	if !slices.IsSortedFunc(rows, byMonth) {
		b.earn = append(b.earn[:0], rows...)
		slices.SortFunc(b.earn, byMonth)
		rows = b.earn
	}
	n := 1
	for i := 1; i < len(rows); i++ {
		if rows[i].Month != rows[i-1].Month {
			n++
		}
	}
	b.months = grow(b.months, n)
	b.cum = grow(b.cum, n)
	k := -1
	total := 0.0
	for i, e := range rows {
		total += e.Amount
		if i == 0 || e.Month != rows[i-1].Month {
			k++
			b.months[k] = e.Month
		}
		b.cum[k] = total
	}
	t.EarnMonths = b.months[:n:n]
	t.EarnCum = b.cum[:n:n]
}

func byMonth(a, b Earning) int { return cmp.Compare(a.Month, b.Month) }

func (b *Builder) buildAchieved(t *Timeline, edu []EducationSpell) {
	n := 0
	for _, sp := range edu {
		if sp.Achieved && sp.End != Ongoing && sp.Start <= sp.End {
			n++
		}
	}
	if n == 0 {
		return
	}
	b.ach = grow(b.ach, n)
	k := 0
	for _, sp := range edu {
		if sp.Achieved && sp.End != Ongoing && sp.Start <= sp.End {
			b.ach[k] = sp.End
			k++
		}
	}
	slices.Sort(b.ach[:n])
	t.CourseAchieved = b.ach[:n:n]
}

// grow returns s resliced to length n, allocating exactly n if it is too
// small (the old contents are not kept).
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
