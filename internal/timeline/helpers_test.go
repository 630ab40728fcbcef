package timeline

import (
	"math"
	"testing"
)

// day parses a YYYY-MM-DD test date; "" is Ongoing.
func day(t testing.TB, s string) Date {
	t.Helper()
	if s == "" {
		return Ongoing
	}
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// month parses a YYYY-MM test month.
func month(t testing.TB, s string) Month {
	t.Helper()
	m, err := ParseMonth(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// span is an interval from two test dates ("" end: ongoing).
func span(t testing.TB, start, end string) Interval {
	t.Helper()
	return Interval{day(t, start), day(t, end)}
}

// close reports whether a and b agree to an absolute or relative tolerance.
func close(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// naiveWeeks counts, one week at a time, the weeks w in [from, to] with a raw
// spell covering d+7w: the brute-force route WeeksCovered must agree with.
func naiveWeeks(raw []Interval, d Date, from, to int) int {
	n := 0
	for w := from; w <= to; w++ {
		x := int64(d) + 7*int64(w)
		for _, iv := range raw {
			if int64(iv.Start) <= x && x <= int64(iv.End) {
				n++
				break
			}
		}
	}
	return n
}
