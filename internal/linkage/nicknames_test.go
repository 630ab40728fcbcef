package linkage

import (
	"strings"
	"testing"
)

func TestNicknames(t *testing.T) {
	n := NewNicknames()
	tests := []struct {
		a, b string
		same bool
	}{
		{"robert", "bob", true}, {"bob", "rob", true}, {"william", "bill", true},
		{"elizabeth", "liz", true}, {"beth", "liz", true}, {"margaret", "peggy", true},
		{"maggie", "margaret", true}, {"sam", "samantha", true}, {"sam", "samuel", true},
		{"samuel", "samantha", false}, {"robert", "william", false}, {"zed", "zed", true},
		{"zed", "zeb", false},
	}
	for _, tt := range tests {
		if got := n.Same(tt.a, tt.b); got != tt.same {
			t.Errorf("Same(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.same)
		}
	}
	if got := strings.Join(n.Formal("sam"), ","); got != "samantha,samuel" {
		t.Errorf("Formal(sam) = %s", got)
	}
	if got := strings.Join(n.Formal("zed"), ","); got != "zed" {
		t.Errorf("Formal(zed) = %s", got)
	}
}

// The table must be well formed: lower-case ASCII names only, as
// NormaliseName produces, or a variant could never be found.
func TestNicknameTableIsNormalised(t *testing.T) {
	n := NewNicknames()
	if len(n.formal) < 50 {
		t.Fatalf("only %d groups parsed", len(n.formal))
	}
	for name := range n.groups {
		for _, c := range name {
			if c < 'a' || c > 'z' {
				t.Errorf("name %q in nicknames.txt is not lower-case ASCII letters", name)
			}
		}
	}
}
