package randomise

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Design is what a trial randomises: its arms in allocation ratio, the
// factors it stratifies by and the block sizes it draws from.
type Design struct {
	Arms       []string `json:"arms"`        // e.g. control, treatment
	Ratio      []int    `json:"ratio"`       // one positive weight per arm, e.g. 1, 1
	Factors    []Factor `json:"factors"`     // stratification factors; none for a single stratum
	BlockSizes []int    `json:"block_sizes"` // each a multiple of the ratio's total
}

// Factor is a stratification factor and its declared levels.
type Factor struct {
	Name   string   `json:"name"`
	Levels []string `json:"levels"`
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,40}$`)

// Validate checks the design and names the field to fix.
func (d Design) Validate() error {
	if len(d.Arms) < 2 {
		return fmt.Errorf("design: %d arm(s) given: a trial needs at least two, e.g. --arms control,treatment", len(d.Arms))
	}
	if len(d.Ratio) != len(d.Arms) {
		return fmt.Errorf("design: %d ratio weights for %d arms: give one weight per arm, e.g. --ratio 1:1", len(d.Ratio), len(d.Arms))
	}
	seen := map[string]bool{}
	for i, a := range d.Arms {
		if !namePattern.MatchString(a) {
			return fmt.Errorf("design: arm %q: use 1–40 letters, digits, '_', '.' or '-'", a)
		}
		if seen[a] {
			return fmt.Errorf("design: arm %q appears twice: arm names must differ", a)
		}
		seen[a] = true
		if d.Ratio[i] < 1 || d.Ratio[i] > 100 {
			return fmt.Errorf("design: ratio weight %d for arm %q must be a whole number from 1 to 100", d.Ratio[i], a)
		}
	}
	total := d.ratioTotal()
	if len(d.BlockSizes) == 0 {
		return fmt.Errorf("design: no block sizes: give e.g. --block-sizes %d,%d", 2*total, 3*total)
	}
	for _, b := range d.BlockSizes {
		if b < total || b%total != 0 || b > 1000 {
			return fmt.Errorf("design: block size %d is not a multiple of the ratio's total %d (up to 1000): use e.g. %d or %d", b, total, 2*total, 3*total)
		}
	}
	fseen := map[string]bool{}
	for _, f := range d.Factors {
		if !namePattern.MatchString(f.Name) {
			return fmt.Errorf("design: factor %q: use 1–40 letters, digits, '_', '.' or '-'", f.Name)
		}
		if fseen[f.Name] {
			return fmt.Errorf("design: factor %q declared twice", f.Name)
		}
		fseen[f.Name] = true
		if len(f.Levels) < 2 {
			return fmt.Errorf("design: factor %q has %d level(s): stratify only by factors with two or more levels, e.g. --stratify %s=A,B", f.Name, len(f.Levels), f.Name)
		}
		lseen := map[string]bool{}
		for _, l := range f.Levels {
			if !namePattern.MatchString(l) {
				return fmt.Errorf("design: level %q of factor %q: use 1–40 letters, digits, '_', '.' or '-'", l, f.Name)
			}
			if lseen[l] {
				return fmt.Errorf("design: level %q of factor %q declared twice", l, f.Name)
			}
			lseen[l] = true
		}
	}
	return nil
}

func (d Design) ratioTotal() int {
	t := 0
	for _, r := range d.Ratio {
		t += r
	}
	return t
}

// Stratum returns the canonical name of the stratum with the given factor
// levels: "factor=level" pairs in the design's factor order joined by ';',
// or "all" for an unstratified trial. Every declared factor must be given
// a declared level, and nothing else may be given: a stratum is never
// personal data.
func (d Design) Stratum(levels map[string]string) (string, error) {
	if len(d.Factors) == 0 {
		if len(levels) > 0 {
			return "", fmt.Errorf("stratum: the trial is not stratified, but %s given: enrol without --stratum", joinKeys(levels))
		}
		return "all", nil
	}
	parts := make([]string, 0, len(d.Factors))
	for _, f := range d.Factors {
		v, ok := levels[f.Name]
		if !ok {
			return "", fmt.Errorf("stratum: factor %q missing: give --stratum %s=<one of %s>", f.Name, f.Name, strings.Join(f.Levels, ","))
		}
		found := false
		for _, l := range f.Levels {
			found = found || l == v
		}
		if !found {
			return "", fmt.Errorf("stratum: %q is not a declared level of factor %q: use one of %s", v, f.Name, strings.Join(f.Levels, ","))
		}
		parts = append(parts, f.Name+"="+v)
	}
	for k := range levels {
		known := false
		for _, f := range d.Factors {
			known = known || f.Name == k
		}
		if !known {
			return "", fmt.Errorf("stratum: %q is not a declared stratification factor (declared: %s): only declared factor levels are accepted at enrolment", k, d.factorNames())
		}
	}
	return strings.Join(parts, ";"), nil
}

func (d Design) factorNames() string {
	var s []string
	for _, f := range d.Factors {
		s = append(s, f.Name)
	}
	return strings.Join(s, ",")
}

func joinKeys(m map[string]string) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

// ParseLevels reads "factor=level,factor=level" (as typed after
// --stratum) into a map.
func ParseLevels(s string) (map[string]string, error) {
	m := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return m, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("stratum %q: %q is not factor=level: write e.g. site=North,sex=F", s, kv)
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("stratum %q: factor %q given twice", s, k)
		}
		m[k] = v
	}
	return m, nil
}

// ParseFactor reads "name=level1,level2,…" (as typed after --stratify).
func ParseFactor(s string) (Factor, error) {
	name, levels, ok := strings.Cut(s, "=")
	if !ok || name == "" || levels == "" {
		return Factor{}, fmt.Errorf("factor %q: write name=level1,level2, e.g. site=North,South", s)
	}
	f := Factor{Name: strings.TrimSpace(name)}
	for _, l := range strings.Split(levels, ",") {
		f.Levels = append(f.Levels, strings.TrimSpace(l))
	}
	return f, nil
}
