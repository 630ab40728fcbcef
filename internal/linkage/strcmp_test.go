package linkage

import (
	"math"
	"testing"
)

// Jaro and Jaro–Winkler values from Winkler's published string-comparator
// table (Porter & Winkler 1997, "Approximate string comparison and its
// effect on an advanced record linkage system", US Census Bureau), to the
// 3 decimals printed there; DIXON/DICKSONX and
// CRATE/TRACE are the worked examples usually quoted with the definition.
func TestJaroWinkler(t *testing.T) {
	tests := []struct {
		a, b string
		jaro float64
		jw   float64
	}{
		{"martha", "marhta", 0.944, 0.961},
		{"dwayne", "duane", 0.822, 0.840},
		{"dixon", "dicksonx", 0.767, 0.813},
		{"jones", "johnson", 0.790, 0.832},
		{"massey", "massie", 0.889, 0.933},
		{"abroms", "abrams", 0.889, 0.922},
		{"hardin", "martinez", 0.722, 0.722},
		{"itman", "smith", 0.467, 0.467},
		{"jeraldine", "geraldine", 0.926, 0.926},
		{"michelle", "michael", 0.869, 0.921},
		{"julies", "julius", 0.889, 0.933},
		{"tanya", "tonya", 0.867, 0.880},
		{"sean", "susan", 0.783, 0.805},
		{"jon", "john", 0.917, 0.933},
		{"crate", "trace", 0.733, 0.733},
		{"abc", "xyz", 0, 0},
		{"same", "same", 1, 1},
		{"", "", 0, 0},
		{"a", "", 0, 0},
	}
	for _, tt := range tests {
		if got := jaro(tt.a, tt.b); math.Abs(got-tt.jaro) > 0.0015 {
			t.Errorf("jaro(%q, %q) = %.4f, want %.3f ± 0.0015", tt.a, tt.b, got, tt.jaro)
		}
		if got := JaroWinkler(tt.a, tt.b); math.Abs(got-tt.jw) > 0.0015 {
			t.Errorf("JaroWinkler(%q, %q) = %.4f, want %.3f ± 0.0015", tt.a, tt.b, got, tt.jw)
		}
		if JaroWinkler(tt.a, tt.b) != JaroWinkler(tt.b, tt.a) {
			t.Errorf("JaroWinkler(%q, %q) is not symmetric", tt.a, tt.b)
		}
	}
	long := "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
	// Beyond the 64-byte fast path: one substitution at the end of an
	// n-byte string leaves m = n-1 matches and no transpositions, so
	// jaro = (2(n-1)/n + 1)/3 and the 4-character prefix adds 0.4(1-jaro).
	other := long[:len(long)-1] + "!"
	n := float64(len(long))
	j := (2*(n-1)/n + 1) / 3
	if got, want := JaroWinkler(long, other), j+0.4*(1-j); math.Abs(got-want) > 1e-12 {
		t.Errorf("long strings: %v, want %v", got, want)
	}
}

// Soundex codes from the US National Archives' Soundex guide
// (archives.gov/research/census/soundex) and Knuth, TAOCP vol. 3.
func TestSoundex(t *testing.T) {
	tests := []struct{ in, want string }{
		{"robert", "R163"}, {"rupert", "R163"}, {"rubin", "R150"},
		{"ashcraft", "A261"}, {"ashcroft", "A261"}, {"tymczak", "T522"},
		{"pfister", "P236"}, {"honeyman", "H555"}, {"lee", "L000"},
		{"gutierrez", "G362"}, {"jackson", "J250"}, {"washington", "W252"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Soundex(tt.in); got != tt.want {
			t.Errorf("Soundex(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkJaroWinkler(b *testing.B) {
	for i := 0; i < b.N; i++ {
		JaroWinkler("catherine", "kathryn")
	}
}
