package timeline

// Covariates returns the default covariates of DESIGN.md §4 at reference
// date d (see the package documentation for each definition). It allocates
// nothing and costs a few binary searches per status.
func (t *Timeline) Covariates(d Date) Covariates {
	m := d.Month()
	c := Covariates{
		Age:          float64(int64(d)-int64(t.Person.DateOfBirth)) / 365.25,
		Sex:          t.Person.Sex,
		Region:       t.Person.Region,
		Disability:   t.Covers(DisabilityBenefit, d),
		BenefitClass: t.BenefitClassOn(d),

		WeeksEmployed52:    t.WeeksCovered(Employed, d, -52, -1),
		WeeksEmployed104:   t.WeeksCovered(Employed, d, -104, -1),
		WeeksOutOfWork52:   t.WeeksCovered(OutOfWorkBenefit, d, -52, -1),
		WeeksOutOfWork104:  t.WeeksCovered(OutOfWorkBenefit, d, -104, -1),
		WeeksInactivity52:  t.WeeksCovered(InactivityBenefit, d, -52, -1),
		WeeksInactivity104: t.WeeksCovered(InactivityBenefit, d, -104, -1),

		EarningsPrior12: t.Earnings(m-12, m-1),
		StartMonth:      m,
	}
	return c
}

// BenefitClassOn returns the benefit class held on day d: out-of-work,
// inactivity or in-work in that order of precedence (BenefitClass), or
// ClassNone. Disability benefits are not a class here; see
// Covers(DisabilityBenefit, d).
func (t *Timeline) BenefitClassOn(d Date) BenefitClass {
	switch {
	case t.Covers(OutOfWorkBenefit, d):
		return ClassOutOfWork
	case t.Covers(InactivityBenefit, d):
		return ClassInactivity
	case t.Covers(InWorkBenefit, d):
		return ClassInWork
	}
	return ClassNone
}

// AgeInYears returns the age in completed years on day d of someone born on
// dob: the number of birthdays passed, counting a birthday on 29 February
// as passed on 1 March in a common year. It is used where a rule names an
// age band ("aged 16–24"); the Age covariate is the continuous
// (d - dob) / 365.25.
func AgeInYears(dob, d Date) int {
	by, bm, bd := dob.Civil()
	y, m, dd := d.Civil()
	age := y - by
	if m < bm || (m == bm && dd < bd) {
		age--
	}
	return age
}

// CovariateKind says how a covariate enters a design row.
type CovariateKind uint8

// The kinds of covariate.
const (
	Numeric     CovariateKind = iota // a number, one column as it is
	Binary                           // two values, one 0/1 column
	Categorical                      // several levels, one 0/1 column per level (Coding)
)

var kindNames = [...]string{"numeric", "binary", "categorical"}

// String returns "numeric", "binary" or "categorical".
func (k CovariateKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// CovariateDef names one default covariate.
type CovariateDef struct {
	Name        string
	Kind        CovariateKind
	Description string
}

// DefaultCovariates returns the catalogue of default covariates of
// DESIGN.md §4, in design-row order. The start month (Covariates.StartMonth)
// is not among them: it is the exact-matching key, not a model term.
func DefaultCovariates() []CovariateDef {
	return []CovariateDef{
		{"age", Numeric, "age in years at the reference date, (date - date of birth) / 365.25"},
		{"sex", Binary, "sex, F or M (indicator: M)"},
		{"region", Categorical, "region of residence (people.csv)"},
		{"benefit_class", Categorical, "benefit class held on the reference date: none, out_of_work, inactivity or in_work (out-of-work takes precedence over inactivity over in-work)"},
		{"disability", Binary, "a disability (extra-cost) benefit, PIP or DLA, held on the reference date"},
		{"weeks_employed_52", Numeric, "weeks w in -52..-1 with an employment spell covering day d+7w"},
		{"weeks_employed_104", Numeric, "weeks w in -104..-1 with an employment spell covering day d+7w"},
		{"weeks_out_of_work_benefit_52", Numeric, "weeks w in -52..-1 on an out-of-work benefit (JSA, UC_SEARCHING) on day d+7w"},
		{"weeks_out_of_work_benefit_104", Numeric, "weeks w in -104..-1 on an out-of-work benefit (JSA, UC_SEARCHING) on day d+7w"},
		{"weeks_inactivity_benefit_52", Numeric, "weeks w in -52..-1 on an inactivity benefit (ESA, IS, IB, UC_PREPARING, UC_NO_WORK_REQ) on day d+7w"},
		{"weeks_inactivity_benefit_104", Numeric, "weeks w in -104..-1 on an inactivity benefit (ESA, IS, IB, UC_PREPARING, UC_NO_WORK_REQ) on day d+7w"},
		{"earnings_prior_12", Numeric, "earnings (pounds) in the 12 calendar months before the month of the reference date"},
	}
}

// Value returns a numeric or binary covariate by its DefaultCovariates
// name (binary ones as 0 or 1: sex is 1 for M). It returns false for a
// categorical covariate (use an Encoder) or an unknown name.
func (c *Covariates) Value(name string) (float64, bool) {
	switch name {
	case "age":
		return c.Age, true
	case "sex":
		return b2f(c.Sex == 'M'), true
	case "disability":
		return b2f(c.Disability), true
	case "weeks_employed_52":
		return float64(c.WeeksEmployed52), true
	case "weeks_employed_104":
		return float64(c.WeeksEmployed104), true
	case "weeks_out_of_work_benefit_52":
		return float64(c.WeeksOutOfWork52), true
	case "weeks_out_of_work_benefit_104":
		return float64(c.WeeksOutOfWork104), true
	case "weeks_inactivity_benefit_52":
		return float64(c.WeeksInactivity52), true
	case "weeks_inactivity_benefit_104":
		return float64(c.WeeksInactivity104), true
	case "earnings_prior_12":
		return c.EarningsPrior12, true
	}
	return 0, false
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
