package identifier

import "strings"

// NormaliseName folds a personal name to lower-case ASCII letters: common
// Latin accents become their base letter ("Zoë" becomes "zoe"), and spaces,
// hyphens, apostrophes, digits and other marks are removed ("O'Brien-Smith"
// becomes "obriensmith"). Comparing the folded forms makes stray spaces,
// mixed case and punctuation irrelevant.
func NormaliseName(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	var b strings.Builder
	b.Grow(len(s))
	if ascii {
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case 'a' <= c && c <= 'z':
				b.WriteByte(c)
			case 'A' <= c && c <= 'Z':
				b.WriteByte(c + 'a' - 'A')
			}
		}
		return b.String()
	}
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z':
			b.WriteRune(r)
		case 'A' <= r && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		default:
			if f, ok := accentFold[r]; ok {
				b.WriteString(f)
			}
		}
	}
	return b.String()
}

// accentFold maps the accented Latin letters common in UK names to ASCII.
// It is read-only.
var accentFold = func() map[rune]string {
	m := map[rune]string{}
	add := func(base string, rs string) {
		for _, r := range rs {
			m[r] = base
		}
	}
	add("a", "àáâãäåāăąÀÁÂÃÄÅĀĂĄ")
	add("ae", "æÆ")
	add("c", "çćčÇĆČ")
	add("d", "ďđĎĐ")
	add("e", "èéêëēėęěÈÉÊËĒĖĘĚ")
	add("g", "ğĞ")
	add("i", "ìíîïīįıÌÍÎÏĪĮİ")
	add("l", "łĺľŁĹĽ")
	add("n", "ñńňÑŃŇ")
	add("o", "òóôõöøōőÒÓÔÕÖØŌŐ")
	add("oe", "œŒ")
	add("r", "řŕŘŔ")
	add("s", "śšşșŚŠŞȘ")
	add("ss", "ß")
	add("t", "ťţțŤŢȚ")
	add("u", "ùúûüūůűųÙÚÛÜŪŮŰŲ")
	add("y", "ýÿŷÝŸŶ")
	add("z", "źżžŹŻŽ")
	return m
}()
