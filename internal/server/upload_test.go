package server

import (
	"strings"
	"testing"
)

func TestCleanFileName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"participants.csv", true},
		{"Cohort 2024 (final).CSV", true},
		{"données.csv", true},
		{"", false},
		{"../participants.csv", false},
		{"..", false},
		{"a/b.csv", false},
		{`a\b.csv`, false},
		{"/etc/passwd", false},
		{".hidden.csv", false},
		{"tab\there.csv", false},
		{"nul\x00.csv", false},
		{"bell\x07.csv", false},
		{"bad\xff.csv", false},
		{strings.Repeat("a", 256), false},
	}
	for _, tt := range tests {
		_, err := cleanFileName(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("cleanFileName(%q) error = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestSniffCSV(t *testing.T) {
	tests := []struct {
		name    string
		content string
		ok      bool
	}{
		{"csv", "participant_ref,nino\nP1,\n", true},
		{"csv with BOM", "\xEF\xBB\xBFparticipant_ref,nino\n", true},
		{"xlsx", "PK\x03\x04\x14\x00rest", false},
		{"pdf", "%PDF-1.7\n", false},
		{"png", "\x89PNG\r\n\x1a\n\x00\x00", false},
		{"utf16", "\xFF\xFEp\x00a\x00", false},
		{"latin1", "name\nJos\xe9\n", false},
	}
	for _, tt := range tests {
		if err := sniffCSV([]byte(tt.content)); (err == nil) != tt.ok {
			t.Errorf("%s: sniffCSV error = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

// Expected values from OWASP's CSV Injection page: cells starting with
// = + - @ tab or CR are prefixed with a single quote.
func TestEscapeCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"employed", "employed"},
		{"=1+1", "'=1+1"},
		{"+cmd", "'+cmd"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := escapeCell(tt.in); got != tt.want {
			t.Errorf("escapeCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSafeNext(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/submissions/3", "/submissions/3"},
		{"/evaluations?status=reviewed", "/evaluations?status=reviewed"},
		{"https://evil.example/", "/"},
		{"//evil.example/", "/"},
		{`/\evil.example`, "/"},
		{"", "/"},
		{"relative", "/"},
	}
	for _, tt := range tests {
		if got := safeNext(tt.in); got != tt.want {
			t.Errorf("safeNext(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
