package evidence

import (
	"fmt"
	"strconv"
	"strings"
)

// Outcome domains. The toolkit's headline is the employment domain.
const (
	DomainEmployment = "employment"
	DomainBenefits   = "benefits"
	DomainEarnings   = "earnings"
	DomainOther      = "other"
)

func validDomain(d string) bool {
	switch d {
	case DomainEmployment, DomainBenefits, DomainEarnings, DomainOther:
		return true
	}
	return false
}

// OutcomeDef is an outcomes-framework outcome a study's outcome can map to
// (DESIGN.md §4, the lab's default outcomes).
type OutcomeDef struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Domain string `json:"domain"`
	Binary bool   `json:"binary"` // a yes/no outcome, so a risk difference is natural
}

// Outcomes lists the framework's outcomes; week-indexed ones are shown with
// W standing for a week 0..104 (e.g. employed_week_52).
func Outcomes() []OutcomeDef {
	return []OutcomeDef{
		{"employed_week_W", "employed at week W after starting", DomainEmployment, true},
		{"sustained_13", "13 consecutive weeks employed starting within a year", DomainEmployment, true},
		{"sustained_26", "26 consecutive weeks employed starting within a year", DomainEmployment, true},
		{"weeks_employed_0_51", "weeks employed in the first year", DomainEmployment, false},
		{"weeks_employed_0_103", "weeks employed in the first two years", DomainEmployment, false},
		{"out_of_work_benefit_week_W", "on an out-of-work benefit at week W", DomainBenefits, true},
		{"inactivity_benefit_week_W", "on an inactivity benefit at week W", DomainBenefits, true},
		{"earnings_1_12", "earnings in months 1-12", DomainEarnings, false},
		{"earnings_13_24", "earnings in months 13-24", DomainEarnings, false},
	}
}

// LookupOutcome finds a framework outcome by code, resolving week indexes
// (employed_week_52 is employed_week_W with W = 52).
func LookupOutcome(code string) (OutcomeDef, error) {
	code = strings.ToLower(strings.TrimSpace(code))
	var codes []string
	for _, o := range Outcomes() {
		codes = append(codes, o.Code)
		if prefix, ok := strings.CutSuffix(o.Code, "_W"); ok {
			if w, found := strings.CutPrefix(code, prefix+"_"); found {
				n, err := strconv.Atoi(w)
				if err != nil || n < 0 || n > 104 {
					return OutcomeDef{}, fmt.Errorf("outcome code %q: week %q must be 0..104", code, w)
				}
				o.Code, o.Name = code, strings.Replace(o.Name, "W", w, 1)
				return o, nil
			}
			continue
		}
		if code == o.Code {
			return o, nil
		}
	}
	return OutcomeDef{}, fmt.Errorf("outcome code %q is not in the outcomes framework; use one of %s (W a week 0..104), or leave it empty and set outcome_domain", code, strings.Join(codes, ", "))
}

// WeekOf is the week of a week-indexed employment outcome code, or -1.
func WeekOf(code string) int {
	w, ok := strings.CutPrefix(code, "employed_week_")
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(w)
	if err != nil {
		return -1
	}
	return n
}
