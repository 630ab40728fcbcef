package timeline

import (
	"fmt"
	"math"
)

// Covers reports whether a spell of status s covers day. It is a binary
// search over the merged intervals.
func (t *Timeline) Covers(s Status, day Date) bool {
	iv := t.Spells[s]
	i := searchEnd(iv, day)
	return i < len(iv) && iv[i].Start <= day
}

// WeeksCovered returns the number of weeks w in [from, to] for which a spell
// of status s covers the day d + 7w. It is computed per interval, counting
// the integers k with start <= d + 7k <= end, not by visiting weeks, so its
// cost grows with the intervals in the range and not with its length.
func (t *Timeline) WeeksCovered(s Status, d Date, from, to int) int {
	if from > to {
		return 0
	}
	lo := int64(d) + 7*int64(from)
	hi := int64(d) + 7*int64(to)
	iv := t.Spells[s]
	n := int64(0)
	for i := searchEnd(iv, clampDate(lo)); i < len(iv) && int64(iv[i].Start) <= hi; i++ {
		a := max(ceilDiv(int64(iv[i].Start)-int64(d), 7), int64(from))
		b := min(floorDiv(int64(iv[i].End)-int64(d), 7), int64(to))
		if b >= a {
			n += b - a + 1
		}
	}
	return int(n)
}

// Earnings returns the total earnings in the calendar months from..to,
// inclusive (0 if to < from or no month in the range has earnings). It uses
// the running totals, so its cost is two binary searches.
func (t *Timeline) Earnings(from, to Month) float64 {
	if to < from {
		return 0
	}
	i := searchMonth(t.EarnMonths, from) // first month >= from
	j := searchMonth(t.EarnMonths, to+1) // first month > to
	if j <= i {
		return 0
	}
	s := t.EarnCum[j-1]
	if i > 0 {
		s -= t.EarnCum[i-1]
	}
	return s
}

// Check reports whether t keeps the invariants Build establishes: for each
// status, intervals with Start <= End, sorted, neither overlapping nor
// adjacent; earnings months strictly increasing with one running total
// each; achievement dates sorted. An index that maps a Timeline onto stored
// arrays (Flat) can call it on load to catch a damaged file.
func (t *Timeline) Check() error {
	for s := range NumStatus {
		iv := t.Spells[s]
		for i, x := range iv {
			if x.Start > x.End {
				return fmt.Errorf("timeline: %s interval %d runs from %s to %s, ending before it starts; rebuild the timeline from its rows", s, i, x.Start, x.End)
			}
			if i > 0 && int64(x.Start) <= int64(iv[i-1].End)+1 {
				return fmt.Errorf("timeline: %s intervals %d (%s..%s) and %d (%s..%s) are out of order, overlap or touch; rebuild the timeline with Build, which merges them", s, i-1, iv[i-1].Start, iv[i-1].End, i, x.Start, x.End)
			}
		}
	}
	if len(t.EarnMonths) != len(t.EarnCum) {
		return fmt.Errorf("timeline: %d earnings months but %d running totals; they must match one to one", len(t.EarnMonths), len(t.EarnCum))
	}
	for i := 1; i < len(t.EarnMonths); i++ {
		if t.EarnMonths[i] <= t.EarnMonths[i-1] {
			return fmt.Errorf("timeline: earnings month %d (%s) does not come after month %d (%s); months must be strictly increasing", i, t.EarnMonths[i], i-1, t.EarnMonths[i-1])
		}
	}
	for i, c := range t.EarnCum {
		if math.IsNaN(c) || math.IsInf(c, 0) {
			return fmt.Errorf("timeline: running earnings total %d (%s) is %v; earnings amounts must be finite", i, t.EarnMonths[i], c)
		}
	}
	for i := 1; i < len(t.CourseAchieved); i++ {
		if t.CourseAchieved[i] < t.CourseAchieved[i-1] {
			return fmt.Errorf("timeline: course achievement dates %d (%s) and %d (%s) are out of order; they must be sorted", i-1, t.CourseAchieved[i-1], i, t.CourseAchieved[i])
		}
	}
	return nil
}

// searchEnd returns the index of the first interval with End >= x. Merged
// intervals are disjoint, so their ends are sorted like their starts.
func searchEnd(iv []Interval, x Date) int {
	lo, hi := 0, len(iv)
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if iv[h].End < x {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return lo
}

// searchMonth returns the index of the first month >= x.
func searchMonth(ms []Month, x Month) int {
	lo, hi := 0, len(ms)
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if ms[h] < x {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return lo
}

// searchDate returns the index of the first date >= x.
func searchDate(ds []Date, x Date) int {
	lo, hi := 0, len(ds)
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if ds[h] < x {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return lo
}

// clampDate converts a day count to a Date, saturating at the int32 range.
func clampDate(x int64) Date {
	return Date(min(max(x, math.MinInt32), math.MaxInt32))
}

// ceilDiv is integer division rounding towards plus infinity (b > 0).
func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }
