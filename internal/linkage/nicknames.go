package linkage

import (
	_ "embed"
	"slices"
	"strings"
)

//go:embed nicknames.txt
var nicknameText string

// Nicknames knows which first names are variants of one another (Robert,
// Bob and Rob; Margaret, Maggie and Peggy). The table is data in the
// package, nicknames.txt: one group a line, the formal name first.
// A Nicknames is read-only after NewNicknames and safe for concurrent use.
type Nicknames struct {
	groups map[string][]int // name -> the groups it belongs to
	formal []string         // group -> its formal name
}

// NewNicknames parses the package's nickname table.
func NewNicknames() *Nicknames { return parseNicknames(nicknameText) }

func parseNicknames(text string) *Nicknames {
	n := &Nicknames{groups: map[string][]int{}}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		formal, rest, _ := strings.Cut(line, ":")
		g := len(n.formal)
		n.formal = append(n.formal, strings.TrimSpace(formal))
		names := append([]string{formal}, strings.Split(rest, ",")...)
		for _, name := range names {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			if gs := n.groups[name]; len(gs) == 0 || gs[len(gs)-1] != g {
				n.groups[name] = append(gs, g)
			}
		}
	}
	return n
}

// Same reports whether two normalised first names are equal or known
// variants of one another.
func (n *Nicknames) Same(a, b string) bool {
	if a == b {
		return true
	}
	return shareGroup(n.groups[a], n.groups[b])
}

// shareGroup reports whether two names' group lists intersect.
func shareGroup(ga, gb []int) bool {
	for _, x := range ga {
		for _, y := range gb {
			if x == y {
				return true
			}
		}
	}
	return false
}

// Formal returns the formal names a normalised first name may stand for
// ("bob" → ["robert"], "sam" → ["samantha", "samuel"]), or the name itself
// when the table does not know it. Blocking keys use them so that a
// nickname falls in the same block as the formal name.
func (n *Nicknames) Formal(name string) []string {
	return n.formalOf(name, n.groups[name])
}

func (n *Nicknames) formalOf(name string, gs []int) []string {
	if len(gs) == 0 {
		return []string{name}
	}
	if len(gs) == 1 {
		return n.formal[gs[0] : gs[0]+1 : gs[0]+1]
	}
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = n.formal[g]
	}
	return out
}

// Variants returns the other names known to be variants of a normalised
// first name, sorted ("bob" → ["bert", "bobby", …, "robert", …]).
func (n *Nicknames) Variants(name string) []string {
	var out []string
	for other := range n.groups {
		if other != name && n.Same(name, other) {
			out = append(out, other)
		}
	}
	slices.Sort(out)
	return out
}
