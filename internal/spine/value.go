package spine

import (
	"math"
	"strconv"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// Value is one parsed cell of a spine row. Which field holds the value
// depends on the column's Kind: Str for strings, codes and person_ids; Day
// for dates and months (a timeline.Date, for a month its first day); Amount;
// Bool. Null marks an empty cell in a Nullable column.
type Value struct {
	Str    string
	Day    timeline.Date
	Amount float64
	Bool   bool
	Null   bool
}

// parseValue parses raw as kind k. The reason it returns on failure never
// quotes raw, so it is safe for identity columns; callers add the value
// where the column is not an identity.
func parseValue(k Kind, raw string) (Value, string) {
	switch k {
	case KindString, KindPerson:
		return Value{Str: raw}, ""
	case KindDate:
		d, reason := parseDate(raw)
		return Value{Day: d}, reason
	case KindMonth:
		m, reason := parseMonth(raw)
		return Value{Day: m.First()}, reason
	case KindBenefit:
		if _, ok := timeline.ClassOf(raw); !ok {
			return Value{}, "unknown benefit code (known: JSA, UC_SEARCHING, ESA, IS, IB, UC_PREPARING, UC_NO_WORK_REQ, UC_WORKING, PIP, DLA)"
		}
		return Value{Str: raw}, ""
	case KindAmount:
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return Value{}, "not a number (pounds, e.g. 1234.56)"
		}
		if f < 0 {
			return Value{}, "negative amount (amounts are pounds earned, 0 or more)"
		}
		return Value{Amount: f}, ""
	case KindBool:
		switch raw {
		case "true":
			return Value{Bool: true}, ""
		case "false":
			return Value{Bool: false}, ""
		}
		return Value{}, "not true or false"
	case KindSex:
		if raw != "F" && raw != "M" {
			return Value{}, "sex must be F or M"
		}
		return Value{Str: raw}, ""
	}
	return Value{}, "unknown column kind"
}

// parseDate parses a strict YYYY-MM-DD calendar date without allocating
// (the import parses tens of millions of them). It agrees with
// timeline.ParseDate (tested).
func parseDate(s string) (timeline.Date, string) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, "not a date in the form YYYY-MM-DD"
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return 0, "not a date in the form YYYY-MM-DD"
	}
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, "not a real calendar date"
	}
	return timeline.Date(daysFromCivil(y, m, d)), ""
}

// parseMonth parses a strict YYYY-MM month.
func parseMonth(s string) (timeline.Month, string) {
	if len(s) != 7 || s[4] != '-' {
		return 0, "not a month in the form YYYY-MM"
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	if !ok1 || !ok2 {
		return 0, "not a month in the form YYYY-MM"
	}
	if m < 1 || m > 12 {
		return 0, "not a real calendar month"
	}
	return timeline.Month((y-1970)*12 + m - 1), ""
}

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

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil counts days from 1970-01-01 to y-m-d in the proleptic
// Gregorian calendar (H. Hinnant, "chrono-Compatible Low-Level Date
// Algorithms", 2013).
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}
