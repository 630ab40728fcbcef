package timeline

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// Day numbers from GNU coreutils: $(( $(date -u -d YYYY-MM-DD +%s) / 86400 )).
func TestParseDate(t *testing.T) {
	good := []struct {
		in   string
		want Date
	}{
		{"1970-01-01", 0},
		{"1969-12-31", -1},
		{"2020-02-29", 18321},  // 2020 is a leap year
		{"2020-03-01", 18322},  // the day after 2020-02-29
		{"2000-02-29", 11016},  // 2000: divisible by 400, so leap
		{"1900-03-01", -25508}, // 1900 is not leap: 1900-02-28 is the day before
		{"1969-02-01", -334},
		{"2023-12-31", 19722},
		{"2024-01-01", 19723},
		{"1600-01-01", -135140},
	}
	for _, c := range good {
		got, err := ParseDate(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseDate(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
		if s := got.String(); s != c.in {
			t.Errorf("ParseDate(%q).String() = %q", c.in, s)
		}
	}
	bad := []struct{ in, why string }{
		{"2023-02-30", "not a real calendar date"},
		{"2023-02-29", "not a real calendar date"}, // 2023 not leap
		{"2100-02-29", "not a real calendar date"}, // 2100: divisible by 100, not 400
		{"1900-02-29", "not a real calendar date"},
		{"2023-04-31", "not a real calendar date"},
		{"2023-13-01", "month 13 is not 01..12"},
		{"2023-00-10", "month 00 is not 01..12"},
		{"2023-01-00", "not a real calendar date"},
		{"2023-2-3", "not in the form YYYY-MM-DD"},
		{"2023-02-3", "not in the form YYYY-MM-DD"},
		{"2023/02/03", "not in the form YYYY-MM-DD"},
		{"20230203", "not in the form YYYY-MM-DD"},
		{"03-02-2023", "not in the form YYYY-MM-DD"},
		{"", "not in the form YYYY-MM-DD"},
		{" 2023-02-0", "not in the form YYYY-MM-DD"},
		{"2023-02-0 ", "year, month and day must be digits"},
		{"+023-02-03", "year, month and day must be digits"},
		{"2023-0a-03", "year, month and day must be digits"},
		{"２０２３-02-03", "not in the form YYYY-MM-DD"}, // full-width digits: too many bytes
	}
	for _, c := range bad {
		got, err := ParseDate(c.in)
		if err == nil {
			t.Errorf("ParseDate(%q) = %s, want an error", c.in, got)
			continue
		}
		if !strings.Contains(err.Error(), c.why) || !strings.Contains(err.Error(), c.in) {
			t.Errorf("ParseDate(%q) error %q; want it to quote the input and say %q", c.in, err, c.why)
		}
	}
}

func TestParseMonth(t *testing.T) {
	good := []struct {
		in   string
		want Month
	}{
		{"1970-01", 0},
		{"1969-12", -1},
		{"1968-12", -13},
		{"2023-12", 53*12 + 11}, // (2023-1970)*12 + 11
		{"2024-01", 54 * 12},
	}
	for _, c := range good {
		got, err := ParseMonth(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseMonth(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
		if s := got.String(); s != c.in {
			t.Errorf("ParseMonth(%q).String() = %q", c.in, s)
		}
	}
	for _, in := range []string{"2023-13", "2023-00", "2023-1", "2023/01", "202301", "2023-01-01", "", "2o23-01"} {
		if got, err := ParseMonth(in); err == nil {
			t.Errorf("ParseMonth(%q) = %s, want an error", in, got)
		}
	}
}

func TestMonthArithmetic(t *testing.T) {
	cases := []struct {
		m           Month
		year        int
		month       time.Month
		first, last string
	}{
		{MonthOf(2023, time.December) + 1, 2024, time.January, "2024-01-01", "2024-01-31"},
		{MonthOf(2024, time.January) - 1, 2023, time.December, "2023-12-01", "2023-12-31"},
		{MonthOf(1970, time.January) - 1, 1969, time.December, "1969-12-01", "1969-12-31"},
		{-13, 1968, time.December, "1968-12-01", "1968-12-31"}, // 13 months before 1970-01
		{-12, 1969, time.January, "1969-01-01", "1969-01-31"},  // exactly a year before
		{MonthOf(1969, time.February), 1969, time.February, "1969-02-01", "1969-02-28"},
		{MonthOf(2020, time.February), 2020, time.February, "2020-02-01", "2020-02-29"}, // leap
		{MonthOf(1900, time.February), 1900, time.February, "1900-02-01", "1900-02-28"}, // not leap
		{MonthOf(2000, time.February), 2000, time.February, "2000-02-01", "2000-02-29"}, // leap (÷400)
		{MonthOf(2023, time.November) + 14, 2025, time.January, "2025-01-01", "2025-01-31"},
	}
	for _, c := range cases {
		y, mm := c.m.YearMonth()
		if y != c.year || mm != c.month {
			t.Errorf("Month(%d).YearMonth() = %d %s, want %d %s", c.m, y, mm, c.year, c.month)
		}
		if got := c.m.First().String(); got != c.first {
			t.Errorf("%s.First() = %s, want %s", c.m, got, c.first)
		}
		if got := c.m.Last().String(); got != c.last {
			t.Errorf("%s.Last() = %s, want %s", c.m, got, c.last)
		}
		if got := c.m.Last().Month(); got != c.m {
			t.Errorf("%s.Last().Month() = %s", c.m, got)
		}
		if got := c.m.First().Month(); got != c.m {
			t.Errorf("%s.First().Month() = %s", c.m, got)
		}
	}
}

// The integer civil-date arithmetic must agree with the standard library's
// calendar on every day tried, over ±2000 years around 1970.
func TestCivilAgreesWithTimePackage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	days := []int64{0, -1, 1, -719468, -719469, 11016, 18321, -25508, -25509}
	for range 20000 {
		days = append(days, rng.Int64N(2*730500)-730500)
	}
	for _, z := range days {
		d := Date(z)
		tm := time.Unix(z*86400, 0).UTC()
		y, m, dd := d.Civil()
		if y != tm.Year() || m != tm.Month() || dd != tm.Day() {
			t.Fatalf("Date(%d).Civil() = %d-%d-%d, time says %s", z, y, m, dd, tm.Format("2006-01-02"))
		}
		if got, want := d.Month(), MonthOf(tm.Year(), tm.Month()); got != want {
			t.Fatalf("Date(%d).Month() = %d, want %d", z, got, want)
		}
		if back := DateOf(y, m, dd); back != d {
			t.Fatalf("DateOf(Date(%d).Civil()) = %d", z, back)
		}
		if tm.Year() >= 0 && tm.Year() <= 9999 && d.String() != tm.Format("2006-01-02") {
			t.Fatalf("Date(%d).String() = %s, want %s", z, d, tm.Format("2006-01-02"))
		}
	}
}

func TestDateOfNormalises(t *testing.T) {
	// time.Date normalises 2023-02-30 to 2023-03-02 (28 days in February).
	if got, want := DateOf(2023, time.February, 30), Date(19418); got != want {
		t.Errorf("DateOf(2023, February, 30) = %s, want %s", got, want)
	}
	if got := DateOf(2023, time.February, 30).String(); got != "2023-03-02" {
		t.Errorf("DateOf(2023, February, 30) = %s, want 2023-03-02", got)
	}
	if got := Ongoing.String(); got != "ongoing" {
		t.Errorf("Ongoing.String() = %q", got)
	}
}
