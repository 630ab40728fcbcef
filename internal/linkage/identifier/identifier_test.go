package identifier

import "testing"

// Expected validity follows HMRC's National Insurance Manual (prefix and
// suffix rules) as summarised in the package doc.
func TestCheckNINO(t *testing.T) {
	tests := []struct {
		in    string
		valid bool
	}{
		{"AB123456C", true},
		{"ab 12 34 56 c", true},
		{"JG-10-37-21-A", true},
		{"ZX123456D", true},
		{"AB123456", false},   // no suffix
		{"AB123456E", false},  // suffix outside A-D
		{"TN010185M", false},  // temporary reference number
		{"TN123456A", false},  // TN prefix
		{"DA123456A", false},  // first letter D
		{"QA123456A", false},  // first letter Q
		{"AO123456A", false},  // second letter O
		{"AV123456A", false},  // second letter V
		{"GB123456A", false},  // never allocated
		{"ZZ123456A", false},  // never allocated
		{"NK123456A", false},  // never allocated
		{"A1123456A", false},  // digit in prefix
		{"AB12345XA", false},  // letter in digits
		{"AB1234567A", false}, // too long
		{"", false},
	}
	for _, tt := range tests {
		reason := CheckNINO(NormaliseNINO(tt.in))
		if (reason == "") != tt.valid {
			t.Errorf("CheckNINO(%q) reason %q, want valid=%v", tt.in, reason, tt.valid)
		}
	}
}

func TestNINOReasonsDoNotEchoValue(t *testing.T) {
	for _, in := range []string{"TN010185M", "AB12345XA", "QQ123456A", "AB123456E"} {
		r := CheckNINO(in)
		if r == "" {
			t.Fatalf("%q accepted", in)
		}
		for _, part := range []string{in, in[2:8]} {
			if contains(r, part) {
				t.Errorf("reason %q echoes %q", r, part)
			}
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// Postcode shapes from Royal Mail's Programmers' Guide (outward formats A9,
// A99, AA9, AA99, A9A, AA9A; inward 9AA).
func TestParsePostcode(t *testing.T) {
	tests := []struct {
		in                     string
		full, sector, district string
		bad                    bool
	}{
		{"SW1A 1AA", "SW1A1AA", "SW1A1", "SW1A", false},
		{" sw1a1aa ", "SW1A1AA", "SW1A1", "SW1A", false},
		{"M1 1AE", "M11AE", "M11", "M1", false},
		{"B33 8TH", "B338TH", "B338", "B33", false},
		{"CR2 6XH", "CR26XH", "CR26", "CR2", false},
		{"DN55 1PT", "DN551PT", "DN551", "DN55", false},
		{"W1A 0AX", "W1A0AX", "W1A0", "W1A", false},
		{"", "", "", "", false},
		{"SW1A", "", "", "", true},
		{"12345", "", "", "", true},
		{"SW1A 1A1", "", "", "", true},
		{"SWAA 1AA", "", "", "", true},
		{"SW1AA 1AA", "", "", "", true},
	}
	for _, tt := range tests {
		p, reason := ParsePostcode(tt.in)
		if (reason != "") != tt.bad {
			t.Errorf("ParsePostcode(%q) reason %q, want bad=%v", tt.in, reason, tt.bad)
			continue
		}
		if p.Full != tt.full || p.Sector != tt.sector || p.District != tt.district {
			t.Errorf("ParsePostcode(%q) = %+v, want %s/%s/%s", tt.in, p, tt.full, tt.sector, tt.district)
		}
	}
}

func TestNormaliseName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  Smith ", "smith"},
		{"O'Brien-Smith", "obriensmith"},
		{"ZOË", "zoe"},
		{"Zoë", "zoe"},
		{"José María", "josemaria"},
		{"Łukasz", "lukasz"},
		{"mary jane", "maryjane"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormaliseName(tt.in); got != tt.want {
			t.Errorf("NormaliseName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
