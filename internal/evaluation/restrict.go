package evaluation

import (
	"fmt"
	"slices"
	"strings"

	"github.com/employment-data-lab/datalab/internal/matching"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// RestrictedLevel is a level of a categorical covariate that no participant
// has: the comparison units at it were left out of the propensity model
// and the matching.
type RestrictedLevel struct {
	Covariate string `json:"covariate"` // sex, region, benefit_class or disability
	Level     string `json:"level"`
	// ComparisonExcluded is the number of comparison-pool units (person at
	// a reference date) left out for having this level (a unit at two such
	// levels counts under both).
	ComparisonExcluded int `json:"comparison_excluded"`
}

// String is "region=North East (312 comparison units)".
func (r RestrictedLevel) String() string {
	return fmt.Sprintf("%s=%s (%d comparison units)", r.Covariate, r.Level, r.ComparisonExcluded)
}

// categoricalCovariates are the covariates whose levels a pool is
// restricted to (those with levels; numeric ones are not).
var categoricalCovariates = []string{"sex", "region", "benefit_class", "disability"}

// levelOf is unit c's level of a categorical covariate.
func levelOf(c *timeline.Covariates, name string) string {
	switch name {
	case "sex":
		return string(c.Sex)
	case "region":
		return c.Region
	case "benefit_class":
		return c.BenefitClass.String()
	case "disability":
		return fmt.Sprint(c.Disability)
	}
	panic("evaluation: levelOf: not a categorical covariate: " + name)
}

// restrictToParticipantLevels returns the indices of the units to analyse:
// every participant, and every comparison unit whose level of each
// categorical covariate (sex, region, benefit class, disability) at least
// one participant has; and the levels that excluded comparison units.
//
// Why restrict the pool rather than drop the covariate's column. A level
// held by comparison units only (a provider that works in one region, a
// cohort with no disabled participant) separates the groups
// quasi-completely: the logit coefficient of that level's dummy runs to
// −∞, so the maximum-likelihood estimate does not exist (Albert &
// Anderson 1984, Biometrika 71(1):1–10, doi:10.1093/biomet/71.1.1;
// Heinze & Schemper 2002, Statistics in Medicine 21(16):2409–2419,
// doi:10.1002/sim.1047). The log-likelihood then splits: the units at the
// level contribute only through that dummy's coefficient, and their
// contribution tends to its supremum (zero) as it runs to −∞, so the
// limit of the maximum-likelihood fit — what R's glm approaches when it
// warns "fitted probabilities numerically 0 or 1 occurred" and carries on
// — has every other coefficient equal to the fit without those units, and
// gives them a propensity score of 0. A score of 0 means they can never be
// a participant's nearest neighbour on the score, and they get weight
// e/(1−e) = 0 for the ATT (Hirano, Imbens & Ridder 2003). Leaving them out
// is therefore that limit computed exactly: exact matching on the levels
// participants have, a well-posed fit, and no comparator from a region (or
// class) where nobody took part. Dropping the column instead would pool
// the level with the reference level, change the other coefficients, and
// give those units a finite score that could match them to participants
// elsewhere — imbalance on a level the model was meant to balance. The
// ATT's target population is the participants, so no estimand is lost
// (Stuart 2010, Statistical Science 25(1):1–21, doi:10.1214/09-STS313,
// on discarding comparison units outside the participants' range).
//
// Only levels without participants are handled here. A level without
// comparison units (participants no comparator resembles) is a genuine
// problem and still stops the propensity fit with a SeparationError, as
// does separation on a numeric covariate.
func restrictToParticipantLevels(units []Unit, covs []timeline.Covariates) ([]int, []RestrictedLevel) {
	have := make([]map[string]bool, len(categoricalCovariates))
	for v, name := range categoricalCovariates {
		have[v] = map[string]bool{}
		for i, u := range units {
			if u.Treated {
				have[v][levelOf(&covs[i], name)] = true
			}
		}
	}
	excluded := map[[2]string]int{}
	keep := make([]int, 0, len(units))
	for i, u := range units {
		out := false
		if !u.Treated {
			for v, name := range categoricalCovariates {
				if l := levelOf(&covs[i], name); !have[v][l] {
					excluded[[2]string{name, l}]++
					out = true
				}
			}
		}
		if !out {
			keep = append(keep, i)
		}
	}
	var levels []RestrictedLevel
	for k, n := range excluded {
		levels = append(levels, RestrictedLevel{Covariate: k[0], Level: k[1], ComparisonExcluded: n})
	}
	slices.SortFunc(levels, func(a, b RestrictedLevel) int {
		if c := strings.Compare(a.Covariate, b.Covariate); c != 0 {
			return c
		}
		return strings.Compare(a.Level, b.Level)
	})
	return keep, levels
}

// dropConstantColumns returns X without the columns that have one value
// for every unit, and those columns' names. It fails only if no column is
// left.
func dropConstantColumns(X *matching.Design) (*matching.Design, []string, error) {
	n, p := X.Rows(), X.Cols()
	varies := make([]bool, p)
	if n > 0 {
		first := X.Row(0)
		for i := 1; i < n; i++ {
			for j, v := range X.Row(i) {
				if v != first[j] {
					varies[j] = true
				}
			}
		}
	}
	var keep []int
	var dropped []string
	for j, ok := range varies {
		if ok {
			keep = append(keep, j)
		} else {
			dropped = append(dropped, X.Names()[j])
		}
	}
	if len(dropped) == 0 {
		return X, nil, nil
	}
	if len(keep) == 0 {
		return nil, dropped, fmt.Errorf("every covariate (%s) has one value for every unit; the propensity model has nothing to fit", strings.Join(dropped, ", "))
	}
	names := make([]string, len(keep))
	for k, j := range keep {
		names[k] = X.Names()[j]
	}
	data := make([]float64, n*len(keep))
	for i := range n {
		row := X.Row(i)
		for k, j := range keep {
			data[i*len(keep)+k] = row[j]
		}
	}
	out, err := matching.NewDesign(names, data)
	return out, dropped, err
}
