package synth

import (
	"strconv"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// Hot-loop CSV formatting: strconv.Append* into reused buffers, no fmt.

// appendDate appends d as YYYY-MM-DD (nothing for Ongoing: an empty
// end_date).
func appendDate(b []byte, d timeline.Date) []byte {
	if d == timeline.Ongoing {
		return b
	}
	y, m, dd := d.Civil()
	b = append4(b, y)
	b = append(b, '-')
	b = append2(b, int(m))
	b = append(b, '-')
	return append2(b, dd)
}

// appendDateDMY appends d as DD/MM/YYYY.
func appendDateDMY(b []byte, d timeline.Date) []byte {
	y, m, dd := d.Civil()
	b = append2(b, dd)
	b = append(b, '/')
	b = append2(b, int(m))
	b = append(b, '/')
	return append4(b, y)
}

// appendMonth appends m as YYYY-MM.
func appendMonth(b []byte, m timeline.Month) []byte {
	y, mm := m.YearMonth()
	b = append4(b, y)
	b = append(b, '-')
	return append2(b, int(mm))
}

func append4(b []byte, v int) []byte {
	return append(b, byte('0'+v/1000%10), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10%10), byte('0'+v%10)) }

// appendPence appends an amount in pence as pounds with two decimals.
func appendPence(b []byte, p int64) []byte {
	b = strconv.AppendInt(b, p/100, 10)
	b = append(b, '.')
	return append2(b, int(p%100))
}

// appendID appends prefix and n zero-padded to width digits.
func appendID(b []byte, prefix byte, n, width int) []byte {
	b = append(b, prefix)
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], int64(n), 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// appendField appends a CSV field, quoting it if it holds a comma, quote,
// or line break (RFC 4180).
func appendField(b []byte, s string) []byte {
	quote := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\n', '\r':
			quote = true
		}
	}
	if !quote {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// idWidth is the number of digits in person and employer ids: at least 7,
// more for very large worlds.
func idWidth(n int) int {
	w := len(strconv.Itoa(n))
	return max(w, 7)
}
