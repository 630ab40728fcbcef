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

// DateOf returns the Date for a calendar year, month and day. Out-of-range
// months and days are normalised as time.Date does (2023-02-30 becomes
// 2023-03-02); use ParseDate to reject them.
func DateOf(year int, month time.Month, day int) Date {
	if month >= time.January && month <= time.December && day >= 1 && day <= daysIn(year, int(month)) {
		return Date(daysFromCivil(int64(year), int64(month), int64(day)))
	}
	return Date(time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// ParseDate parses a strict ISO date, YYYY-MM-DD, rejecting impossible dates
// such as 2023-02-30 and short forms such as 2023-2-3.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, fmt.Errorf("date %q is not in the form YYYY-MM-DD: write it with a 4-digit year and 2-digit month and day, e.g. 2023-02-03", s)
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return 0, fmt.Errorf("date %q is not in the form YYYY-MM-DD: year, month and day must be digits", s)
	}
	if m < 1 || m > 12 {
		return 0, fmt.Errorf("date %q is not a real calendar date: month %02d is not 01..12", s, m)
	}
	if n := daysIn(y, m); d < 1 || d > n {
		return 0, fmt.Errorf("date %q is not a real calendar date: %s %04d has days 01..%02d", s, time.Month(m), y, n)
	}
	return Date(daysFromCivil(int64(y), int64(m), int64(d))), nil
}

// Time returns the date as midnight UTC.
func (d Date) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// String formats the date as YYYY-MM-DD, or "ongoing" for Ongoing.
func (d Date) String() string {
	if d == Ongoing {
		return "ongoing"
	}
	y, m, dd := d.Civil()
	if y < 0 || y > 9999 {
		return d.Time().Format("2006-01-02")
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, int(m), dd)
}

// Civil returns the calendar year, month and day of d (proleptic Gregorian
// calendar). It is pure integer arithmetic, so it is cheap enough to call
// per (person, date) pair.
func (d Date) Civil() (year int, month time.Month, day int) {
	y, m, dd := civilFromDays(int64(d))
	return int(y), time.Month(m), int(dd)
}

// Month returns the calendar month that contains d.
func (d Date) Month() Month {
	y, m, _ := civilFromDays(int64(d))
	return Month((y-1970)*12 + m - 1)
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
		return 0, fmt.Errorf("month %q is not in the form YYYY-MM: write it with a 4-digit year and 2-digit month, e.g. 2023-02", s)
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	if !ok1 || !ok2 {
		return 0, fmt.Errorf("month %q is not in the form YYYY-MM: year and month must be digits", s)
	}
	if m < 1 || m > 12 {
		return 0, fmt.Errorf("month %q is not a real calendar month: month %02d is not 01..12", s, m)
	}
	return MonthOf(y, time.Month(m)), nil
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
func (m Month) First() Date {
	y, mm := m.YearMonth()
	return Date(daysFromCivil(int64(y), int64(mm), 1))
}

// Last returns the last day of the month.
func (m Month) Last() Date { return (m + 1).First() - 1 }

// String formats the month as YYYY-MM.
func (m Month) String() string {
	y, mm := m.YearMonth()
	return fmt.Sprintf("%04d-%02d", y, int(mm))
}

// digits parses a string of ASCII digits.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// isLeap reports whether year is a Gregorian leap year.
func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// daysIn returns the number of days in month m (1..12) of year y.
func daysIn(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// floorDiv is integer division rounding towards minus infinity (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

// daysFromCivil and civilFromDays convert between days since 1970-01-01
// and proleptic Gregorian year, month (1..12), day, after H. Hinnant,
// "chrono-Compatible Low-Level Date Algorithms" (2013),
// https://howardhinnant.github.io/date_algorithms.html.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400 // [0, 399]
	mp := (m + 9) % 12 // March = 0
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy // [0, 146096]
	return era*146097 + doe - 719468
}

func civilFromDays(z int64) (y, m, d int64) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097                                  // [0, 146096]
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // [0, 399]
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100) // [0, 365]
	mp := (5*doy + 2) / 153                  // March = 0
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}
