package linkage

// Soundex returns the American Soundex code of a name already folded to
// lower-case ASCII (identifier.NormaliseName): its first letter and three
// digits for the consonant sounds that follow, e.g. "robert" → "R163"
// (Russell 1918, US patent 1,261,167; the rules of the US National Archives,
// where consonants of the same code separated by H or W count once). It
// returns "" for a name with no letters. Linkage uses it only for blocking:
// two spellings that sound alike fall in the same block.
func Soundex(s string) string {
	var out [4]byte
	n := 0
	var last byte
	for i := 0; i < len(s) && n < 4; i++ {
		c := s[i]
		if c < 'a' || c > 'z' {
			continue
		}
		code := soundexCode[c-'a']
		if n == 0 {
			out[0] = c - 'a' + 'A'
			n = 1
			last = code
			continue
		}
		switch code {
		case 0: // vowel (and y): separates equal codes
			last = 0
		case '-': // h, w: do not separate
		default:
			if code != last {
				out[n] = code
				n++
			}
			last = code
		}
	}
	if n == 0 {
		return ""
	}
	for n < 4 {
		out[n] = '0'
		n++
	}
	return string(out[:])
}

// soundexCode holds each letter's code: 0 for vowels and y, '-' for h and w.
var soundexCode = [26]byte{
	0, '1', '2', '3', 0, '1', '2', '-', 0, '2', '2', '4', '5', // a–m
	'5', 0, '1', '2', '6', '2', '3', 0, '1', '-', '2', 0, '2', // n–z
}
