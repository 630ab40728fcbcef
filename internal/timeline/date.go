package timeline

import (
	"fmt"
	"time"
)

// Date is a civil (calendar) date, counted in days since 1970-01-01.
// Using a plain integer keeps timelines compact (4 bytes a date) and makes
// "week w after d" simple arithmetic: d + 7w.
type Date int32

// Ongoing is the End of an interval that has not ended (an empty end_date).
const Ongoing Date = 1<<31 - 1

// DateOf returns the Date for a calendar year, month and day.
func DateOf(year int, month time.Month, day int) Date {
	return Date(time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// ParseDate parses a strict ISO date, YYYY-MM-DD, rejecting impossible dates
// such as 2023-02-30.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, fmt.Errorf("date %q is not in the form YYYY-MM-DD", s)
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return 0, fmt.Errorf("date %q is not a real calendar date (YYYY-MM-DD)", s)
	}
	return Date(t.Unix() / 86400), nil
}

// Time returns the date as midnight UTC.
func (d Date) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// String formats the date as YYYY-MM-DD, or "ongoing" for Ongoing.
func (d Date) String() string {
	if d == Ongoing {
		return "ongoing"
	}
	return d.Time().Format("2006-01-02")
}

// Month returns the calendar month that contains d.
func (d Date) Month() Month {
	t := d.Time()
	return MonthOf(t.Year(), t.Month())
}

// Month is a calendar month, counted in months since 1970-01.
type Month int32

// MonthOf returns the Month for a calendar year and month.
func MonthOf(year int, month time.Month) Month {
	return Month((year-1970)*12 + int(month) - 1)
}

// ParseMonth parses a strict YYYY-MM month.
func ParseMonth(s string) (Month, error) {
	if len(s) != 7 || s[4] != '-' {
		return 0, fmt.Errorf("month %q is not in the form YYYY-MM", s)
	}
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return 0, fmt.Errorf("month %q is not a real calendar month (YYYY-MM)", s)
	}
	return MonthOf(t.Year(), t.Month()), nil
}

// YearMonth returns the calendar year and month.
func (m Month) YearMonth() (int, time.Month) {
	y := int(m) / 12
	mm := int(m) % 12
	if mm < 0 {
		mm += 12
		y--
	}
	return 1970 + y, time.Month(mm + 1)
}

// First returns the first day of the month.
func (m Month) First() Date { y, mm := m.YearMonth(); return DateOf(y, mm, 1) }

// Last returns the last day of the month.
func (m Month) Last() Date { return (m + 1).First() - 1 }

// String formats the month as YYYY-MM.
func (m Month) String() string {
	y, mm := m.YearMonth()
	return fmt.Sprintf("%04d-%02d", y, int(mm))
}
