package evidence

import "fmt"

// SMSRule is one row of the documented rule from design facts to a
// Maryland Scientific Methods Scale level (see the package doc).
type SMSRule struct {
	Design    Design `json:"design"`
	Condition string `json:"condition,omitempty"`
	Level     int    `json:"level"`
}

// SMSRules is the rule DeriveSMS applies, as a table for documentation and
// the toolkit pages.
func SMSRules() []SMSRule {
	return []SMSRule{
		{RCT, "attrition and baseline balance adequate", 5},
		{RCT, "attrition or balance problems", 4},
		{NaturalExperiment, "", 4},
		{RegressionDiscontinuity, "", 4},
		{InstrumentalVariable, "", 4},
		{MatchedComparison, "", 3},
		{DifferenceInDifferences, "parallel pre-trends shown", 3},
		{DifferenceInDifferences, "pre-trends not shown", 2},
		{UnmatchedComparison, "", 2},
		{BeforeAfter, "", 1},
		{CrossSection, "", 1},
	}
}

// DeriveSMS applies the SMS rule to a study's design facts.
func DeriveSMS(d Design, attritionOK, pretrendsOK bool) (int, error) {
	switch d {
	case RCT:
		if attritionOK {
			return 5, nil
		}
		return 4, nil
	case NaturalExperiment, RegressionDiscontinuity, InstrumentalVariable:
		return 4, nil
	case MatchedComparison:
		return 3, nil
	case DifferenceInDifferences:
		if pretrendsOK {
			return 3, nil
		}
		return 2, nil
	case UnmatchedComparison:
		return 2, nil
	case BeforeAfter, CrossSection:
		return 1, nil
	}
	return 0, fmt.Errorf("design %q has no SMS rule", d)
}

// Standard is a study's evidence standard: the level used, the level the
// rule derives, and the override's reason when there is one.
type Standard struct {
	Level      int    `json:"level"`
	Derived    int    `json:"derived"`
	Overridden bool   `json:"overridden"`
	Reason     string `json:"reason,omitempty"`
}

// Standard is the study's evidence standard. Call Normalise first.
func (s Study) Standard() Standard {
	d, _ := DeriveSMS(s.Design, s.AttritionOK, s.PretrendsOK)
	st := Standard{Level: d, Derived: d}
	if s.SMSOverride != 0 {
		st.Level, st.Overridden, st.Reason = s.SMSOverride, true, s.SMSOverrideReason
	}
	return st
}

// String is e.g. "SMS 3" or "SMS 2 (overridden from 3: reason)".
func (st Standard) String() string {
	if st.Overridden {
		return fmt.Sprintf("SMS %d (overridden from %d: %s)", st.Level, st.Derived, st.Reason)
	}
	return fmt.Sprintf("SMS %d", st.Level)
}
