package linkage

// JaroWinkler returns the Jaro–Winkler similarity of a and b, in [0, 1]:
// 1 for identical strings, 0 for strings with no characters in common.
//
// The Jaro similarity (Jaro 1989, JASA 84(406):414–420,
// doi:10.1080/01621459.1989.10478785) counts the characters the two strings
// share within a window of max(len)/2 − 1 positions, and the transpositions
// among them. Winkler (1990, "String comparator metrics and enhanced
// decision rules in the Fellegi–Sunter model of record linkage", Proc.
// Section on Survey Research Methods, ASA, 354–359) raises it for a common
// prefix of up to four characters, by 0.1 a character, when the Jaro
// similarity exceeds 0.7 (the boost threshold of Winkler's strcmp95).
//
// It compares bytes: callers pass names already folded to ASCII by
// identifier.NormaliseName. It does not allocate for strings of up to 64
// bytes.
//
// We implement it here rather than depend on a string-metrics module: it is
// thirty lines, the modules that provide it (xrash/smetrics,
// adrg/strutil) are lightly maintained and allocate on every call, and the
// linkage inner loop calls it millions of times. The tests check it against
// Winkler's published comparator table.
func JaroWinkler(a, b string) float64 {
	j := jaro(a, b)
	if j <= 0.7 {
		return j
	}
	l := 0
	for l < 4 && l < len(a) && l < len(b) && a[l] == b[l] {
		l++
	}
	return j + float64(l)*0.1*(1-j)
}

func jaro(a, b string) float64 {
	if a == b {
		if a == "" {
			return 0
		}
		return 1
	}
	la, lb := len(a), len(b)
	if la == 0 || lb == 0 {
		return 0
	}
	if la > lb {
		a, b, la, lb = b, a, lb, la
	}
	window := lb/2 - 1
	if window < 0 {
		window = 0
	}
	var fa, fb [64]bool
	var ma, mb []bool
	if lb <= 64 {
		ma, mb = fa[:la], fb[:lb]
	} else {
		ma, mb = make([]bool, la), make([]bool, lb)
	}
	m := 0
	for i := 0; i < la; i++ {
		lo, hi := i-window, i+window+1
		if lo < 0 {
			lo = 0
		}
		if hi > lb {
			hi = lb
		}
		for k := lo; k < hi; k++ {
			if !mb[k] && a[i] == b[k] {
				ma[i], mb[k] = true, true
				m++
				break
			}
		}
	}
	if m == 0 {
		return 0
	}
	t, k := 0, 0
	for i := 0; i < la; i++ {
		if !ma[i] {
			continue
		}
		for !mb[k] {
			k++
		}
		if a[i] != b[k] {
			t++
		}
		k++
	}
	fm := float64(m)
	return (fm/float64(la) + fm/float64(lb) + (fm-float64(t)/2)/fm) / 3
}
