package submission

import (
	"strings"
	"time"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// dateFormats is how the accepted forms are described in reasons.
const dateFormats = "YYYY-MM-DD or DD/MM/YYYY"

// ParseDate reads a date written YYYY-MM-DD or DD/MM/YYYY (day and month
// may have one digit; a spreadsheet's trailing midnight time, " 00:00:00"
// or "T00:00:00", is ignored). It never reads MM/DD/YYYY. On failure it
// returns a reason that does not repeat the value.
func ParseDate(s string) (timeline.Date, string) {
	s = strings.TrimSpace(s)
	for _, suffix := range []string{"T00:00:00Z", "T00:00:00", " 00:00:00", " 00:00"} {
		s = strings.TrimSuffix(s, suffix)
	}
	if s == "" {
		return 0, "is empty"
	}
	var y, m, d int
	var ok bool
	switch {
	case len(s) == 10 && s[4] == '-' && s[7] == '-':
		y, ok = digits(s[0:4])
		if ok {
			m, ok = digits(s[5:7])
		}
		if ok {
			d, ok = digits(s[8:10])
		}
	case strings.Count(s, "/") == 2:
		parts := strings.Split(s, "/")
		if len(parts[0]) >= 1 && len(parts[0]) <= 2 && len(parts[1]) >= 1 && len(parts[1]) <= 2 && len(parts[2]) == 4 {
			d, ok = digits(parts[0])
			if ok {
				m, ok = digits(parts[1])
			}
			if ok {
				y, ok = digits(parts[2])
			}
		} else if len(parts[0]) <= 2 && len(parts[1]) <= 2 && len(parts[2]) == 2 {
			return 0, "has a two-digit year; write the year in full (" + dateFormats + ")"
		}
	}
	if !ok {
		return 0, "is not a date in the form " + dateFormats
	}
	if m < 1 || m > 12 {
		return 0, "has a month outside 1-12 (dates are read as " + dateFormats + ", never MM/DD/YYYY)"
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if d < 1 || t.Day() != d || t.Month() != time.Month(m) {
		return 0, "is not a real calendar date (the day does not exist in that month)"
	}
	return timeline.DateOf(y, time.Month(m), d), ""
}

func digits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
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
