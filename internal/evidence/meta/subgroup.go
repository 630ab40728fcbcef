package meta

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// Subgroup is the model fitted within one level of a moderator.
type Subgroup struct {
	Level string `json:"level"`
	Fit   Fit    `json:"fit"`
}

// SubgroupTest is a subgroup analysis with the test of differences.
type SubgroupTest struct {
	By       string     `json:"by"`
	Groups   []Subgroup `json:"groups"`
	QBetween float64    `json:"q_between"`
	DF       int        `json:"df"`
	P        float64    `json:"p"`
	Warnings []string   `json:"warnings,omitempty"`
}

// Subgroups fits s separately within each Group of the studies (each with
// its own τ²) and tests whether the subgroup estimates differ:
// Q_between = Σ_g (μ̂_g - μ̄)²/SE_g² on G-1 degrees of freedom, μ̄ the
// inverse-variance mean of the μ̂_g (Borenstein et al. 2009, ch. 19). A
// subgroup of one study is its own estimate; Hartung–Knapp is not applied
// to it (it needs two), and a warning says so. Levels are sorted by name.
func Subgroups(studies []Study, by string, s Spec) (*SubgroupTest, error) {
	byLevel := map[string][]Study{}
	for _, st := range studies {
		if st.Group == "" {
			return nil, fmt.Errorf("meta: study %q has no value for moderator %q; fill it in or drop the study", st.Label, by)
		}
		byLevel[st.Group] = append(byLevel[st.Group], st)
	}
	if len(byLevel) < 2 {
		return nil, fmt.Errorf("meta: moderator %q has %d level(s); a subgroup analysis needs at least 2", by, len(byLevel))
	}
	levels := make([]string, 0, len(byLevel))
	for l := range byLevel {
		levels = append(levels, l)
	}
	sort.Strings(levels)
	t := &SubgroupTest{By: by, DF: len(levels) - 1}
	est := make([]float64, len(levels))
	v := make([]float64, len(levels))
	for i, l := range levels {
		gs := s
		if len(byLevel[l]) < 2 && s.KnHa {
			gs.KnHa = false
			t.Warnings = append(t.Warnings, fmt.Sprintf("subgroup %q has one study: Hartung–Knapp not applied to it", l))
		}
		f, err := Pool(byLevel[l], gs)
		if err != nil {
			return nil, fmt.Errorf("meta: subgroup %s = %q: %w", by, l, err)
		}
		t.Groups = append(t.Groups, Subgroup{Level: l, Fit: f})
		est[i], v[i] = f.Estimate, f.SE*f.SE
	}
	t.QBetween = cochranQ(est, v)
	t.P = distuv.ChiSquared{K: float64(t.DF)}.Survival(t.QBetween)
	if math.IsNaN(t.P) {
		t.P = 1
	}
	return t, nil
}
