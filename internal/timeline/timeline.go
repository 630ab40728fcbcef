package timeline

// Status is one of the weekly states a timeline records.
type Status uint8

// The statuses a timeline records. Benefit statuses follow the benefit
// classes of DESIGN.md §4.
const (
	Employed Status = iota
	OutOfWorkBenefit
	InactivityBenefit
	InWorkBenefit
	DisabilityBenefit
	InEducation
	NumStatus // number of statuses; not a status
)

var statusNames = [NumStatus]string{"employed", "out_of_work_benefit", "inactivity_benefit", "in_work_benefit", "disability_benefit", "in_education"}

// String returns the status's snake_case name.
func (s Status) String() string {
	if s < NumStatus {
		return statusNames[s]
	}
	return "unknown"
}

// Interval is a closed range of days [Start, End]. End is Ongoing for a
// spell that has not ended.
type Interval struct {
	Start, End Date
}

// Covers reports whether the interval covers day x.
func (iv Interval) Covers(x Date) bool { return iv.Start <= x && x <= iv.End }

// BenefitSpell is one benefit_spells.csv row, with its code already known
// to ClassOf.
type BenefitSpell struct {
	Code string
	Interval
}

// EducationSpell is one education.csv row.
type EducationSpell struct {
	Interval
	Level    string
	Achieved bool
}

// Earning is one earnings.csv row: pounds in a calendar month, all employers.
type Earning struct {
	Month  Month
	Amount float64
}

// Person is one people.csv row (without person_id, which the caller keys
// on).
type Person struct {
	DateOfBirth Date
	Sex         byte // 'F' or 'M'
	Region      string
}

// Rows is everything the spine holds for one person, in any order.
type Rows struct {
	Person     Person
	Employment []Interval
	Benefits   []BenefitSpell
	Education  []EducationSpell
	Earnings   []Earning
}

// Timeline is the compact, query-ready form of one person's rows: for each
// status, sorted, merged, non-overlapping intervals (overlapping or
// adjacent spells of one status, such as two employers at once, become one
// interval); and earnings as sorted months with running totals.
//
// A Timeline may be a view onto flat arrays held by an index (its slices
// then alias that storage; see Flat, and Check for the invariants a
// hand-made view must keep): it is read-only after Build. Its methods only
// read, so one Timeline may be queried from many goroutines at once.
type Timeline struct {
	Person Person
	// Spells[s] holds the merged intervals of status s, sorted by Start.
	Spells [NumStatus][]Interval
	// EarnMonths holds the months with earnings, strictly increasing;
	// EarnCum[i] is the total of the amounts for EarnMonths[0..i].
	EarnMonths []Month
	EarnCum    []float64
	// CourseAchieved holds the end dates of education spells with
	// achieved=true, sorted (for course_achieved outcomes).
	CourseAchieved []Date
}

// Window is the span over which the spine is complete. Days after End and
// months whose last day is after End are unobserved: outcomes that need them
// are unavailable. EarningsFrom is the first month the earnings file covers.
type Window struct {
	Start        Date
	End          Date
	EarningsFrom Month
}

// BenefitClass is the class of benefit held on a day, for the covariate
// "benefit class held on d". When several are held on one day the order of
// precedence is out-of-work, inactivity, in-work (the claimant's conditions
// are set by the most demanding regime).
type BenefitClass uint8

// The benefit classes of the covariate, ClassNone when none is held.
const (
	ClassNone BenefitClass = iota
	ClassOutOfWork
	ClassInactivity
	ClassInWork
	ClassDisability // disability (extra-cost) benefits; a separate covariate
)

var classNames = [...]string{"none", "out_of_work", "inactivity", "in_work", "disability"}

// String returns the class's snake_case name.
func (c BenefitClass) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "unknown"
}

// ClassOf returns the class of a benefit code from DESIGN.md §4, and false
// for a code the contract does not know.
func ClassOf(code string) (BenefitClass, bool) {
	switch code {
	case "JSA", "UC_SEARCHING":
		return ClassOutOfWork, true
	case "ESA", "IS", "IB", "UC_PREPARING", "UC_NO_WORK_REQ":
		return ClassInactivity, true
	case "UC_WORKING":
		return ClassInWork, true
	case "PIP", "DLA":
		return ClassDisability, true
	}
	return ClassNone, false
}

// Covariates are the default covariates of DESIGN.md §4 at a reference date.
type Covariates struct {
	Age                float64 // years at d, (d - date of birth) / 365.25
	Sex                byte
	Region             string
	BenefitClass       BenefitClass // held on d: none, out-of-work, inactivity or in-work
	Disability         bool         // a disability benefit held on d
	WeeksEmployed52    int
	WeeksEmployed104   int
	WeeksOutOfWork52   int
	WeeksOutOfWork104  int
	WeeksInactivity52  int
	WeeksInactivity104 int
	EarningsPrior12    float64 // months m-12..m-1, m the month of d
	StartMonth         Month   // the exact-matching key
}

// Horizon is the last week of the weekly outcomes: weeks 0..Horizon.
const Horizon = 104

// Weeks is a set of weeks 0..Horizon as a bitset.
type Weeks [2]uint64

// Has reports whether week w is in the set.
func (b Weeks) Has(w int) bool { return b[w>>6]>>(w&63)&1 == 1 }

// Set adds week w to the set.
func (b *Weeks) Set(w int) { b[w>>6] |= 1 << (w & 63) }

// Outcomes are the default outcomes of DESIGN.md §4 after a reference date.
// Weekly outcomes are available for weeks 0..AvailableWeeks-1; summary
// outcomes carry their own availability flag. A value that is unavailable
// is zero in the struct and must never be read as zero by an estimator.
type Outcomes struct {
	AvailableWeeks    int // weeks 0..AvailableWeeks-1 are observed (0..Horizon+1)
	Employed          Weeks
	OutOfWorkBenefit  Weeks
	InactivityBenefit Weeks
	InEducation       Weeks

	WeeksEmployed0_51    int
	WeeksEmployed0_51OK  bool
	WeeksEmployed0_103   int
	WeeksEmployed0_103OK bool
	Earnings1_12         float64
	Earnings1_12OK       bool
	Earnings13_24        float64
	Earnings13_24OK      bool
	Sustained13          bool
	Sustained13OK        bool
	Sustained26          bool
	Sustained26OK        bool

	// Reserved extensions of DESIGN.md §4.1 (see ExtendedOutcomes); they are
	// not default outcomes.
	NEETEligible          bool  // aged 16–24 in completed years at d
	NEET                  Weeks // not employed and not in education; set only if NEETEligible
	CourseAchieved0_103   bool  // an education spell achieved=true ended in days d..d+727
	CourseAchieved0_103OK bool
}
