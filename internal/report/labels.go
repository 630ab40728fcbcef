package report

import (
	"strconv"
	"strings"

	"github.com/employment-data-lab/datalab/internal/matching"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// The label catalogue: the words a reader sees for each covariate column,
// subgroup, level, outcome and setting. The machine-readable outputs (JSON,
// CSV) keep the raw names, which are the stable schema; only the HTML uses
// these labels, and the method and reproducibility sections show both
// where a reader needs the raw name to re-run ("Nearest-neighbour matching
// (nearest)"). A name the catalogue does not know is shown as it is, never
// guessed at.

// covariateWords are the plain-English names of the timeline catalogue's
// covariates (timeline.DefaultCovariates), short enough to label a row of
// the balance chart. A covariate added to the catalogue without an entry
// here is labelled from the first clause of its catalogue description
// (TestEveryCatalogueNameHasALabel fails until it gets one).
var covariateWords = map[string]string{
	"age":                           "Age (years)",
	"sex":                           "Sex",
	"region":                        "Region",
	"benefit_class":                 "Benefit held at the start",
	"disability":                    "On a disability benefit (PIP or DLA)",
	"weeks_employed_52":             "Weeks employed, previous year",
	"weeks_employed_104":            "Weeks employed, previous 2 years",
	"weeks_out_of_work_benefit_52":  "Weeks on out-of-work benefit, previous year",
	"weeks_out_of_work_benefit_104": "Weeks on out-of-work benefit, previous 2 years",
	"weeks_inactivity_benefit_52":   "Weeks on inactivity benefit, previous year",
	"weeks_inactivity_benefit_104":  "Weeks on inactivity benefit, previous 2 years",
	"earnings_prior_12":             "Earnings, previous 12 months (£)",
	// The exact-matching key (timeline.Covariates.StartMonth), not a model
	// term and so not in the catalogue.
	"start_month": "Month of starting",
}

// levelWords are the words for the levels of the catalogue's binary and
// categorical covariates, and of the subgroups the evaluation forms from
// them (internal/evaluation subgroups: sex, age_band).
var levelWords = map[string]map[string]string{
	"sex": {"F": "Female", "M": "Male"},
	"benefit_class": {
		"none":        "no benefit",
		"out_of_work": "out-of-work benefit",
		"inactivity":  "inactivity benefit",
		"in_work":     "in-work Universal Credit",
		"disability":  "disability benefit",
	},
	"age_band": {"16-24": "16 to 24", "25-34": "25 to 34", "35-49": "35 to 49", "50+": "50 and over"},
}

// subgroupWords name the subgroups the evaluation forms itself; a
// submitted attribute (e.g. site) is shown under its own name.
var subgroupWords = map[string]string{
	"sex":      "Sex",
	"age_band": "Age group",
}

// covariateLabel words one covariate column of the design (a
// timeline.Column name such as "region_London" or "sex_M"): the
// catalogue's covariate and, for a 0/1 column of a categorical or binary
// covariate, its level. Unknown names are returned as they are.
func covariateLabel(column string) string {
	if w, ok := covariateWords[column]; ok {
		if column == "sex" {
			return "Male" // the binary covariate indicates M
		}
		return w
	}
	for _, d := range timeline.DefaultCovariates() {
		if d.Kind == timeline.Numeric || !strings.HasPrefix(column, d.Name+"_") {
			continue
		}
		level := strings.TrimPrefix(column, d.Name+"_")
		if d.Name == "sex" {
			return levelLabel("sex", level)
		}
		return catalogueWords(d) + ": " + levelLabel(d.Name, level)
	}
	return column
}

// catalogueWords is a catalogue covariate's label: covariateWords, else the
// first clause of its description.
func catalogueWords(d timeline.CovariateDef) string {
	if w, ok := covariateWords[d.Name]; ok {
		return w
	}
	desc := d.Description
	if i := strings.IndexAny(desc, ",:(;"); i > 0 {
		desc = desc[:i]
	}
	if desc = strings.TrimSpace(desc); desc == "" {
		return d.Name
	}
	return capital(desc)
}

// subgroupLabel names a subgroup variable.
func subgroupLabel(by string) string {
	if w, ok := subgroupWords[by]; ok {
		return w
	}
	return by
}

// levelLabel names a level of a covariate or subgroup variable.
func levelLabel(by, level string) string {
	if w, ok := levelWords[by][level]; ok {
		return w
	}
	return level
}

// settingWords word the matching package's named settings.
var settingWords = map[string]map[string]string{
	"method": {
		matching.Nearest: "Nearest-neighbour matching on the propensity score",
		matching.Kernel:  "Kernel matching (Epanechnikov) on the propensity score",
		matching.IPW:     "Inverse-probability weighting for the participants (ATT weights)",
	},
	"distance": {
		matching.DistanceLogit:      "Logit of the propensity score",
		matching.DistancePropensity: "Propensity score",
	},
	"order": {
		matching.OrderLargest:  "Highest propensity score first",
		matching.OrderSmallest: "Lowest propensity score first",
		matching.OrderData:     "In the order of the submitted list",
		matching.OrderRandom:   "In a random order drawn from the seed",
	},
}

// settingLabel words a setting's value and keeps its raw name, which the
// command line takes, in brackets: "Nearest-neighbour matching on the
// propensity score (nearest)". Unknown values are returned as they are.
func settingLabel(kind, value string) string {
	if w, ok := settingWords[kind][value]; ok {
		return w + " (" + value + ")"
	}
	return value
}

// outcomeKeyLabel words an outcome key, "employed@104" or a summary
// outcome's name, keeping the key: "employment two years after starting
// (employed@104)".
func outcomeKeyLabel(key string) string {
	name, wk := key, -1
	if i := strings.IndexByte(key, '@'); i >= 0 {
		n, err := strconv.Atoi(key[i+1:])
		if err != nil {
			return key
		}
		name, wk = key[:i], n
	}
	if _, ok := timeline.LookupOutcome(name); !ok {
		return key
	}
	return capital(describe(name, wk).short) + " (" + key + ")"
}

// classPhrases word a benefit class inside a sentence.
var classPhrases = map[string]string{
	"none":        "no benefit",
	"out_of_work": "an out-of-work benefit",
	"inactivity":  "an inactivity benefit",
	"in_work":     "in-work Universal Credit",
	"disability":  "a disability benefit",
}

// eligibilityWords replaces the benefit class names in the evaluation's
// eligibility rule ("holding benefit class [out_of_work] on it") by words
// ("holding an out-of-work benefit on it").
func eligibilityWords(rule string) string {
	open := strings.Index(rule, "benefit class [")
	if open < 0 {
		return rule
	}
	start := open + len("benefit class [")
	end := strings.IndexByte(rule[start:], ']')
	if end < 0 {
		return rule
	}
	var names []string
	for _, c := range strings.Fields(rule[start : start+end]) {
		p, ok := classPhrases[c]
		if !ok {
			return rule
		}
		names = append(names, p)
	}
	if len(names) == 0 {
		return rule
	}
	return rule[:open] + strings.Join(names, " or ") + rule[start+end+1:]
}

// covariateList words the propensity model's columns for the method
// section, the levels of one covariate together: "Age (years); Sex: Male;
// Region: East of England, London, …".
func covariateList(columns []string) string {
	var parts []string
	last := ""
	for _, col := range columns {
		group, level := col, ""
		for _, d := range timeline.DefaultCovariates() {
			if d.Kind != timeline.Numeric && strings.HasPrefix(col, d.Name+"_") {
				group, level = catalogueWords(d), levelLabel(d.Name, strings.TrimPrefix(col, d.Name+"_"))
			}
		}
		switch {
		case level == "":
			parts = append(parts, covariateLabel(col))
			last = ""
		case group == last:
			parts[len(parts)-1] += ", " + level
		default:
			parts = append(parts, group+": "+level)
			last = group
		}
	}
	return strings.Join(parts, "; ")
}
