package identifier

import "strings"

// NormaliseNINO returns s upper-cased with spaces, hyphens and dots
// removed ("ab 12 34 56 c" becomes "AB123456C").
func NormaliseNINO(s string) string {
	var b strings.Builder
	b.Grow(9)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '-' || c == '.' || c == '\t':
			continue
		case 'a' <= c && c <= 'z':
			b.WriteByte(c - 'a' + 'A')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// CheckNINO reports why a normalised NINO is not a valid National Insurance
// number, or "" if it is. The reason names the rule, never the value.
func CheckNINO(n string) string {
	if len(n) != 9 {
		return "a NINO has 9 characters (two letters, six digits, a letter A-D)"
	}
	a, b := n[0], n[1]
	if !isUpper(a) || !isUpper(b) {
		return "a NINO starts with two letters"
	}
	for i := 2; i < 8; i++ {
		if n[i] < '0' || n[i] > '9' {
			return "a NINO has six digits after its two prefix letters"
		}
	}
	if n[:2] == "TN" {
		return "the prefix TN marks a temporary reference number, not a NINO; leave nino empty instead"
	}
	s := n[8]
	if s < 'A' || s > 'D' {
		if isUpper(s) {
			return "the suffix must be A, B, C or D (other suffixes mark temporary reference numbers); leave nino empty instead"
		}
		return "a NINO ends with a letter A, B, C or D"
	}
	if strings.IndexByte("DFIQUV", a) >= 0 {
		return "the first prefix letter cannot be D, F, I, Q, U or V"
	}
	if strings.IndexByte("DFIOQUV", b) >= 0 {
		return "the second prefix letter cannot be D, F, I, O, Q, U or V"
	}
	switch n[:2] {
	case "BG", "GB", "KN", "NK", "NT", "ZZ":
		return "the prefix is one HMRC never allocates (BG, GB, KN, NK, NT, TN, ZZ)"
	}
	return ""
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
