package toolkit

import (
	"fmt"
	"sort"
)

// Step is one step of the rating rule as applied to an intervention type.
type Step struct {
	Rule   string `json:"rule"`
	Detail string `json:"detail"`
	Score  int    `json:"score_after"`
}

// Rating is an evidence-strength rating with the steps that produced it.
type Rating struct {
	Score int    `json:"score"`
	Label string `json:"label"`
	Steps []Step `json:"steps"`
}

// RatingInput is what the rating rule looks at.
type RatingInput struct {
	SMS    []int   // SMS level of each pooled study
	TotalN int     // participants across the pooled studies
	I2     float64 // percent; ignored for one study
}

// RatingLabel names a score.
func RatingLabel(score int) string {
	return [...]string{"no evidence", "very limited", "limited", "moderate", "strong", "very strong"}[score]
}

// RatingRule is the rule in words, for the pages.
func RatingRule() []string {
	return []string{
		"0 if no study gives a usable effect on an employment outcome.",
		"Otherwise start from the lower of (a) design: the median SMS level of the pooled studies, rounded down, and (b) quantity: 2 for one study, 4 for two to four studies, 5 for five or more.",
		"(c) Heterogeneity: subtract 1 if I² is 75% or more across two or more studies.",
		"(d) Sample: subtract 1 if the pooled studies have fewer than 1,000 participants in all (a study that does not report its sample counts as 0).",
		"The rating is never below 1 when at least one study is pooled.",
	}
}

// Rate applies the evidence-strength rule (see the package doc).
func Rate(in RatingInput) Rating {
	k := len(in.SMS)
	if k == 0 {
		return Rating{Score: 0, Label: RatingLabel(0), Steps: []Step{{"no usable studies", "no study gives a usable effect on an employment outcome", 0}}}
	}
	sms := append([]int(nil), in.SMS...)
	sort.Ints(sms)
	var med int
	if k%2 == 1 {
		med = sms[k/2]
	} else {
		med = (sms[k/2-1] + sms[k/2]) / 2 // rounded down
	}
	quantity := 5
	switch {
	case k == 1:
		quantity = 2
	case k <= 4:
		quantity = 4
	}
	score := min(med, quantity)
	var steps []Step
	steps = append(steps, Step{"(a) design", fmt.Sprintf("median SMS level of the %d pooled %s is %d", k, plural(k, "study", "studies"), med), med})
	steps = append(steps, Step{"(b) quantity", fmt.Sprintf("%d %s allow at most %d; start from the lower, %d", k, plural(k, "study", "studies"), quantity, score), score})
	if k >= 2 && in.I2 >= 75 {
		score--
		steps = append(steps, Step{"(c) heterogeneity", fmt.Sprintf("I² = %.0f%% (75%% or more): minus 1", in.I2), score})
	} else if k >= 2 {
		steps = append(steps, Step{"(c) heterogeneity", fmt.Sprintf("I² = %.0f%% (below 75%%): no change", in.I2), score})
	} else {
		steps = append(steps, Step{"(c) heterogeneity", "one study: heterogeneity cannot be assessed; no change", score})
	}
	if in.TotalN < 1000 {
		score--
		steps = append(steps, Step{"(d) sample", fmt.Sprintf("%d participants in all (fewer than 1,000): minus 1", in.TotalN), score})
	} else {
		steps = append(steps, Step{"(d) sample", fmt.Sprintf("%d participants in all (1,000 or more): no change", in.TotalN), score})
	}
	if score < 1 {
		score = 1
		steps = append(steps, Step{"floor", "at least one study is pooled: the rating is at least 1", score})
	}
	return Rating{Score: score, Label: RatingLabel(score), Steps: steps}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
