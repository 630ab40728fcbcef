package timeline

import (
	"math/rand/v2"
	"testing"
)

func TestCovers(t *testing.T) {
	tl := Build(Rows{
		Employment: []Interval{span(t, "2021-06-01", "2021-06-15"), span(t, "2022-01-01", "")},
	})
	cases := []struct {
		day  string
		want bool
	}{
		{"2021-05-31", false}, // the day before the first spell
		{"2021-06-01", true},  // its first day
		{"2021-06-15", true},  // its last day: closed interval
		{"2021-06-16", false}, // the day after
		{"2021-12-31", false}, // the day before the ongoing spell
		{"2022-01-01", true},
		{"2100-01-01", true}, // ongoing
	}
	for _, c := range cases {
		if got := tl.Covers(Employed, day(t, c.day)); got != c.want {
			t.Errorf("Covers(employed, %s) = %v, want %v", c.day, got, c.want)
		}
	}
	if tl.Covers(OutOfWorkBenefit, day(t, "2021-06-10")) {
		t.Error("Covers(out_of_work_benefit) with no benefit spells = true")
	}
}

// Expected counts worked by hand: week w is day d+7w, so a spell [a, b]
// covers the weeks w with a <= d+7w <= b, i.e. ceil((a-d)/7) <= w <=
// floor((b-d)/7), cut to [from, to].
func TestWeeksCovered(t *testing.T) {
	cases := []struct {
		name     string
		spells   [][2]string
		d        string
		from, to int
		want     int
	}{
		// [06-01, 06-15], d = 06-15: w = 0 is d itself, covered.
		{"spell ends on the reference day: week 0", [][2]string{{"2021-06-01", "2021-06-15"}}, "2021-06-15", 0, 0, 1},
		// d-7k >= 06-01 <=> 7k <= 14 <=> k <= 2: weeks -2, -1.
		{"spell ends on the reference day: weeks before", [][2]string{{"2021-06-01", "2021-06-15"}}, "2021-06-15", -52, -1, 2},
		// Starts d+1: week 0 not covered.
		{"spell starts the day after: week 0", [][2]string{{"2021-06-16", "2021-09-30"}}, "2021-06-15", 0, 0, 0},
		// d+7w >= d+1 <=> w >= 1; 09-30 is d+107 (15+31+31+30) so 7w <= 107 <=> w <= 15: weeks 1..15.
		{"spell starts the day after: weeks 0..104", [][2]string{{"2021-06-16", "2021-09-30"}}, "2021-06-15", 0, 104, 15},
		// Ongoing from before d: all of 0..104.
		{"ongoing spell, weeks after", [][2]string{{"2020-01-01", ""}}, "2021-06-15", 0, 104, 105},
		// d - 2020-01-01 = 366 (2020 is leap) + 165 (31+28+31+30+31+14) = 531; 7k <= 531 <=> k <= 75.
		{"ongoing spell, weeks before, cut by its start", [][2]string{{"2020-01-01", ""}}, "2021-06-15", -104, -1, 75},
		// Weeks -1 (02-22), 0 (02-29), 1 (03-07): only 0 is in [02-28, 03-01].
		{"reference date 2020-02-29, spell across it", [][2]string{{"2020-02-28", "2020-03-01"}}, "2020-02-29", -1, 1, 1},
		// d = 02-22: week 1 is 2020-02-29.
		{"a one-day spell on a leap day", [][2]string{{"2020-02-29", "2020-02-29"}}, "2020-02-22", 0, 10, 1},
		// d = 2021-01-04; weeks 1..10 are Jan 11, 18, 25, Feb 1, 8, 15, 22, Mar 1, 8, 15;
		// in January: 11, 18, 25 (3); in March: 1, 8, 15 (3).
		{"two spells cut by the range", [][2]string{{"2021-01-01", "2021-01-31"}, {"2021-03-01", "2021-03-31"}}, "2021-01-04", 1, 10, 6},
		{"empty range", [][2]string{{"2020-01-01", ""}}, "2021-06-15", 5, 4, 0},
		{"no spells", nil, "2021-06-15", -104, 104, 0},
	}
	for _, c := range cases {
		var r Rows
		for _, s := range c.spells {
			r.Employment = append(r.Employment, span(t, s[0], s[1]))
		}
		tl := Build(r)
		if got := tl.WeeksCovered(Employed, day(t, c.d), c.from, c.to); got != c.want {
			t.Errorf("%s: WeeksCovered(employed, %s, %d, %d) = %d, want %d", c.name, c.d, c.from, c.to, got, c.want)
		}
	}
}

// Property: the arithmetic count agrees with a week-by-week loop over the
// raw (unmerged) spells, for random people, dates and ranges.
func TestWeeksCoveredAgreesWithLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 19))
	for trial := range 2000 {
		r := randomRows(rng, 8)
		tl := Build(r)
		d := Date(13900 + rng.Int32N(7600))
		from := rng.IntN(400) - 250
		to := from + rng.IntN(300) - 20
		for s := range NumStatus {
			want := naiveWeeks(rawSpells(r, s), d, from, to)
			if got := tl.WeeksCovered(s, d, from, to); got != want {
				t.Fatalf("trial %d: WeeksCovered(%s, %s, %d, %d) = %d, loop says %d (spells %v)", trial, s, d, from, to, got, want, tl.Spells[s])
			}
		}
	}
}

// Expected sums by hand from the rows: 2020-01 100, 2020-03 300 + 50, 2020-04 400.
func TestEarnings(t *testing.T) {
	tl := Build(Rows{Earnings: []Earning{
		{month(t, "2020-04"), 400}, {month(t, "2020-01"), 100}, {month(t, "2020-03"), 300}, {month(t, "2020-03"), 50},
	}})
	cases := []struct {
		from, to string
		want     float64
	}{
		{"2020-01", "2020-12", 850}, // 100 + 350 + 400
		{"2020-02", "2020-02", 0},   // a month without a row
		{"2020-02", "2020-03", 350}, // 300 + 50, the duplicate month summed
		{"2020-03", "2020-04", 750}, // 350 + 400
		{"2019-01", "2019-12", 0},   // before the first month
		{"2019-06", "2020-01", 100}, // range starting before the rows
		{"2020-04", "2021-04", 400}, // range ending after the rows
		{"2020-04", "2020-01", 0},   // reversed: empty
		{"1969-01", "2099-12", 850}, // everything, across 1970
	}
	for _, c := range cases {
		if got := tl.Earnings(month(t, c.from), month(t, c.to)); !close(got, c.want, 1e-12) {
			t.Errorf("Earnings(%s, %s) = %v, want %v", c.from, c.to, got, c.want)
		}
	}
}
