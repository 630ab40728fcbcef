package identifier

// Postcode is a UK postcode split into the parts linkage compares. All
// parts are upper-case without spaces; a zero Postcode is a missing one.
type Postcode struct {
	Full     string // e.g. "SW1A1AA"
	Sector   string // outward code and the inward digit, e.g. "SW1A1"
	District string // outward code, e.g. "SW1A"
}

// Missing reports whether the postcode is absent.
func (p Postcode) Missing() bool { return p.Full == "" }

// ParsePostcode normalises s (any case, any spacing) and splits it. It
// returns a reason, naming the rule broken, when s is not empty and is not
// shaped like a UK postcode; the Postcode is then zero.
func ParsePostcode(s string) (Postcode, string) {
	var buf [16]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '-':
			continue
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		if n == len(buf) {
			return Postcode{}, "a postcode has 5 to 7 letters and digits"
		}
		buf[n] = c
		n++
	}
	if n == 0 {
		return Postcode{}, ""
	}
	if n < 5 || n > 7 {
		return Postcode{}, "a postcode has 5 to 7 letters and digits"
	}
	p := buf[:n]
	in := p[n-3:]
	if !isDigit(in[0]) || !isUpper(in[1]) || !isUpper(in[2]) {
		return Postcode{}, "a postcode ends with a digit and two letters (the inward code)"
	}
	out := p[:n-3]
	// Outward: A9, A99, AA9, AA99, A9A, AA9A.
	if !isUpper(out[0]) {
		return Postcode{}, "a postcode starts with a letter (the area)"
	}
	i := 1
	if i < len(out) && isUpper(out[i]) {
		i++
	}
	if i >= len(out) || !isDigit(out[i]) {
		return Postcode{}, "a postcode's area letters are followed by a district number"
	}
	i++
	if i < len(out) {
		if !isDigit(out[i]) && !isUpper(out[i]) {
			return Postcode{}, "a postcode's district is a number, optionally followed by a digit or letter"
		}
		i++
	}
	if i != len(out) {
		return Postcode{}, "a postcode's outward code has 2 to 4 characters"
	}
	full := string(p)
	return Postcode{Full: full, Sector: full[:n-2], District: full[:n-3]}, ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
