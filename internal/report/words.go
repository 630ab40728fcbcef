package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// unit is how an outcome's figures are read: a share of people (shown as
// percentages, impacts in percentage points), a number of weeks, or pounds.
type unit int

const (
	unitShare unit = iota
	unitWeeks
	unitPounds
)

// outcomeWords describes one outcome (at one week, for weekly ones) in the
// report's words.
type outcomeWords struct {
	unit unit
	// short names the outcome in a heading: "employment two years after
	// starting".
	short string
	// subject is the sentence's subject: "The percentage of participants
	// who were employed two years (104 weeks) after starting".
	subject string
	// verb agrees with subject: "was" or "were".
	verb string
}

func when(week int) string {
	switch week {
	case 104:
		return "two years (104 weeks) after starting"
	case 52:
		return "one year (52 weeks) after starting"
	case 26:
		return "six months (26 weeks) after starting"
	case 0:
		return "on the day they started"
	}
	return fmt.Sprintf("%d weeks after starting", week)
}

func whenShort(week int) string {
	switch week {
	case 104:
		return "two years after starting"
	case 52:
		return "one year after starting"
	}
	return when(week)
}

// describe returns the words for outcome name at week (−1: summary).
func describe(name string, week int) outcomeWords {
	switch name {
	case "employed":
		return outcomeWords{unitShare, "employment " + whenShort(week), "The percentage of participants who were employed " + when(week), "was"}
	case "on_out_of_work_benefit":
		return outcomeWords{unitShare, "out-of-work benefits " + whenShort(week), "The percentage of participants on an out-of-work benefit (JSA or Universal Credit, searching for work) " + when(week), "was"}
	case "on_inactivity_benefit":
		return outcomeWords{unitShare, "inactivity benefits " + whenShort(week), "The percentage of participants on an inactivity benefit (ESA, IS, IB or Universal Credit with no work search) " + when(week), "was"}
	case "weeks_employed_0_51":
		return outcomeWords{unitWeeks, "weeks in employment in the first year", "The number of weeks participants spent in employment in the year after starting", "was"}
	case "weeks_employed_0_103":
		return outcomeWords{unitWeeks, "weeks in employment over two years", "The number of weeks participants spent in employment in the two years after starting", "was"}
	case "earnings_months_1_12":
		return outcomeWords{unitPounds, "earnings in the first year", "Participants' earnings in the 12 months after the month they started", "were"}
	case "earnings_months_13_24":
		return outcomeWords{unitPounds, "earnings in the second year", "Participants' earnings in months 13 to 24 after the month they started", "were"}
	case "sustained_employment_13":
		return outcomeWords{unitShare, "sustained employment (13 weeks)", "The percentage of participants who started a spell of at least 13 consecutive weeks in employment within a year of starting", "was"}
	case "sustained_employment_26":
		return outcomeWords{unitShare, "sustained employment (26 weeks)", "The percentage of participants who started a spell of at least 26 consecutive weeks in employment within a year of starting", "was"}
	}
	u := unitWeeks
	if d, ok := timeline.LookupOutcome(name); ok && d.Binary {
		u = unitShare
	}
	label := strings.ReplaceAll(name, "_", " ")
	if week >= 0 {
		label += " " + when(week)
	}
	return outcomeWords{u, label, "The value of " + label, "was"}
}

// magnitude formats |v| in the outcome's unit of difference.
func (u unit) difference(v float64) string {
	a := math.Abs(v)
	switch u {
	case unitShare:
		s := strconv.FormatFloat(100*a, 'f', 1, 64)
		if s == "1.0" {
			return "1.0 percentage point"
		}
		return s + " percentage points"
	case unitWeeks:
		s := strconv.FormatFloat(a, 'f', 1, 64)
		if s == "1.0" {
			return "1.0 week"
		}
		return s + " weeks"
	}
	return "£" + thousands(int(math.Round(a)))
}

// level formats a group mean.
func (u unit) level(v float64) string {
	switch u {
	case unitShare:
		return strconv.FormatFloat(100*v, 'f', 1, 64) + "%"
	case unitWeeks:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return "£" + thousands(int(math.Round(v)))
}

// signed formats an impact with its sign.
func (u unit) signed(v float64) string {
	s := "+"
	if v < 0 {
		s = "−"
	}
	switch u {
	case unitShare:
		return s + strconv.FormatFloat(100*math.Abs(v), 'f', 1, 64) + " pp"
	case unitWeeks:
		return s + strconv.FormatFloat(math.Abs(v), 'f', 1, 64)
	}
	return s + "£" + thousands(int(math.Round(math.Abs(v))))
}

func (u unit) higher(v float64) string {
	switch {
	case u == unitWeeks && v < 0:
		return "fewer"
	case u == unitWeeks:
		return "more"
	case v < 0:
		return "lower"
	}
	return "higher"
}

// interval is the sentence's middle: "between 2.1 and 5.3 percentage points
// higher", or "between 1.0 percentage point lower and 3.2 percentage points
// higher" when the interval spans zero.
func (u unit) interval(lo, hi float64) string {
	switch {
	case lo >= 0 || hi <= 0:
		a, b := math.Abs(lo), math.Abs(hi)
		if a > b {
			a, b = b, a
		}
		num := func(x float64) string {
			switch u {
			case unitShare:
				return strconv.FormatFloat(100*x, 'f', 1, 64)
			case unitWeeks:
				return strconv.FormatFloat(x, 'f', 1, 64)
			}
			return "£" + thousands(int(math.Round(x)))
		}
		dir := u.higher(lo + hi)
		if u == unitPounds {
			return fmt.Sprintf("between %s and %s %s", num(a), num(b), dir)
		}
		return fmt.Sprintf("between %s and %s %s", num(a), u.difference(b), dir)
	}
	return fmt.Sprintf("between %s %s and %s %s", u.difference(lo), u.higher(lo), u.difference(hi), u.higher(hi))
}

func pValue(p float64) string {
	if p < 0.001 {
		return "p < 0.001"
	}
	return "p = " + strconv.FormatFloat(p, 'f', 3, 64)
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
