package timeline

import "math/bits"

// Outcomes returns the default outcomes of DESIGN.md §4 after reference date
// d, and the reserved extensions of §4.1, given the spine's window w:
//
//   - AvailableWeeks is the number of weeks k >= 0 with d+7k <= w.End,
//     at most Horizon+1. Weekly bitsets are set only for available weeks.
//   - WeeksEmployed0_51 (0_103) counts employed weeks 0..51 (0..103); known
//     only if all those weeks are available.
//   - Earnings1_12 (13_24) sums months m+1..m+12 (m+13..m+24), m the month
//     of d; known only if the range starts at or after w.EarningsFrom and
//     its last month ends on or before w.End.
//   - Sustained13 (26) is true if some start week s in 0..51 begins a run of
//     13 (26) available employed weeks. It is known only if all of weeks
//     0..51+k-1 are available (SustainedComplete), even when a run is seen
//     earlier: "known because achieved" would make availability depend on
//     the outcome itself and bias means over known values upwards.
//   - NEET (reserved, §4.1) for people aged 16–24 in completed years at d:
//     available weeks neither employed nor in education.
//   - CourseAchieved0_103 (reserved, §4.1): an achieved education spell
//     ending in days d..d+727 (weeks 0..103); known if seen, or if
//     d+727 <= w.End.
//
// Window.Start is not consulted: reference dates before the window's start
// are for the cohort stage to reject. Read values through Outcomes.Value,
// which never returns an unavailable value as zero. Outcomes allocates
// nothing.
func (t *Timeline) Outcomes(d Date, w Window) Outcomes {
	var o Outcomes
	if d <= w.End {
		o.AvailableWeeks = int(min((int64(w.End)-int64(d))/7+1, Horizon+1))
	}
	avail := prefix(o.AvailableWeeks)
	o.Employed = t.weekSet(Employed, d).and(avail)
	o.OutOfWorkBenefit = t.weekSet(OutOfWorkBenefit, d).and(avail)
	o.InactivityBenefit = t.weekSet(InactivityBenefit, d).and(avail)
	o.InEducation = t.weekSet(InEducation, d).and(avail)

	if o.AvailableWeeks >= 52 {
		o.WeeksEmployed0_51, o.WeeksEmployed0_51OK = o.Employed.and(prefix(52)).count(), true
	}
	if o.AvailableWeeks >= 104 {
		o.WeeksEmployed0_103, o.WeeksEmployed0_103OK = o.Employed.and(prefix(104)).count(), true
	}

	m := d.Month()
	if m+1 >= w.EarningsFrom && (m+12).Last() <= w.End {
		o.Earnings1_12, o.Earnings1_12OK = t.Earnings(m+1, m+12), true
	}
	if m+13 >= w.EarningsFrom && (m+24).Last() <= w.End {
		o.Earnings13_24, o.Earnings13_24OK = t.Earnings(m+13, m+24), true
	}

	o.Sustained13, o.Sustained13OK, o.Sustained26, o.Sustained26OK = sustained(o.Employed, o.AvailableWeeks)

	if age := AgeInYears(t.Person.DateOfBirth, d); age >= 16 && age <= 24 {
		o.NEETEligible = true
		o.NEET = avail.andNot(o.Employed).andNot(o.InEducation)
	}

	last := int64(d) + 7*104 - 1 // the last day of week 103
	i := searchDate(t.CourseAchieved, d)
	if last <= int64(w.End) { // known only with the whole span observed, as sustained employment
		o.CourseAchieved0_103OK = true
		o.CourseAchieved0_103 = i < len(t.CourseAchieved) && int64(t.CourseAchieved[i]) <= last
	}
	return o
}

// SustainedComplete reports whether the window observes every week that
// sustained employment for k consecutive weeks can depend on (weeks
// 0..51+k-1), so that its availability does not depend on the outcome.
func (o *Outcomes) SustainedComplete(k int) bool { return o.AvailableWeeks >= 51+k }

// sustained reports whether employed has a run of 13 and of 26 weeks
// starting in weeks 0..51, and whether each is known given the available
// weeks. run13 has bit s when weeks s..s+12 are all employed: runs of 2, 4,
// 8 by doubling, then 13 = 8 overlapped with 8 shifted by 5; runs of 26 are
// two runs of 13 back to back.
func sustained(employed Weeks, available int) (a13, ok13, a26, ok26 bool) {
	r := employed
	r = r.and(r.shr(1))
	r = r.and(r.shr(2))
	r = r.and(r.shr(4))
	run13 := r.and(r.shr(5))
	run26 := run13.and(run13.shr(13))
	// Starts 0..51 are the low 52 bits of the first word.
	const starts = 1<<52 - 1
	a13 = run13[0]&starts != 0
	a26 = run26[0]&starts != 0
	// Known only when every week the outcome can depend on is observed:
	// "known because already achieved" would make availability depend on
	// the outcome and bias any mean over known values upwards.
	return a13, available >= 51+13, a26, available >= 51+26
}

// weekSet returns the weeks 0..Horizon at which status s covers day d+7w,
// set interval by interval.
func (t *Timeline) weekSet(s Status, d Date) Weeks {
	var b Weeks
	iv := t.Spells[s]
	hi := int64(d) + 7*Horizon
	for i := searchEnd(iv, d); i < len(iv) && int64(iv[i].Start) <= hi; i++ {
		lo := max(ceilDiv(int64(iv[i].Start)-int64(d), 7), 0)
		up := min(floorDiv(int64(iv[i].End)-int64(d), 7), Horizon)
		if lo <= up {
			b.setRange(int(lo), int(up))
		}
	}
	return b
}

// setRange adds weeks lo..hi (0 <= lo <= hi < 128).
func (b *Weeks) setRange(lo, hi int) {
	for k := range 2 {
		l, h := max(lo-64*k, 0), min(hi-64*k, 63)
		if l <= h {
			b[k] |= (^uint64(0) >> (63 - (h - l))) << l
		}
	}
}

// prefix returns the set of weeks 0..n-1 (0 <= n <= 128).
func prefix(n int) Weeks {
	var b Weeks
	if n > 0 {
		b.setRange(0, n-1)
	}
	return b
}

func (b Weeks) and(c Weeks) Weeks    { return Weeks{b[0] & c[0], b[1] & c[1]} }
func (b Weeks) andNot(c Weeks) Weeks { return Weeks{b[0] &^ c[0], b[1] &^ c[1]} }

// shr shifts the set down by n weeks (0 <= n < 128): week w+n becomes w.
func (b Weeks) shr(n int) Weeks {
	if n >= 64 {
		return Weeks{b[1] >> (n - 64), 0}
	}
	return Weeks{b[0]>>n | b[1]<<(64-n), b[1] >> n}
}

// Count returns the number of weeks in the set.
func (b Weeks) Count() int { return b.count() }

func (b Weeks) count() int { return bits.OnesCount64(b[0]) + bits.OnesCount64(b[1]) }

// OutcomeDef names one outcome of the outcomes framework.
type OutcomeDef struct {
	Name        string
	Weekly      bool // a value at each week 0..Horizon (Value's week argument); otherwise one summary value
	Binary      bool // 0 or 1
	Description string
}

// DefaultOutcomes returns the catalogue of default outcomes of DESIGN.md §4.
func DefaultOutcomes() []OutcomeDef {
	return []OutcomeDef{
		{"employed", true, true, "an employment spell covers day d+7w, weeks 0..104"},
		{"on_out_of_work_benefit", true, true, "an out-of-work benefit (JSA, UC_SEARCHING) covers day d+7w, weeks 0..104"},
		{"on_inactivity_benefit", true, true, "an inactivity benefit (ESA, IS, IB, UC_PREPARING, UC_NO_WORK_REQ) covers day d+7w, weeks 0..104"},
		{"weeks_employed_0_51", false, false, "number of weeks 0..51 employed"},
		{"weeks_employed_0_103", false, false, "number of weeks 0..103 employed"},
		{"earnings_months_1_12", false, false, "earnings (pounds) in the 12 calendar months after the month of d"},
		{"earnings_months_13_24", false, false, "earnings (pounds) in calendar months 13..24 after the month of d"},
		{"sustained_employment_13", false, true, "employed 13 consecutive weeks, starting in weeks 0..51"},
		{"sustained_employment_26", false, true, "employed 26 consecutive weeks, starting in weeks 0..51"},
	}
}

// ExtendedOutcomes returns the reserved outcomes of DESIGN.md §4.1, which
// are not default outcomes: they are for the youth-programme work to come.
func ExtendedOutcomes() []OutcomeDef {
	return []OutcomeDef{
		{"neet", true, true, "not employed and not in education at day d+7w, weeks 0..104, for people aged 16–24 (completed years) at d; unavailable for others"},
		{"course_achieved_0_103", false, true, "an education spell with achieved=true ended in weeks 0..103 (days d..d+727)"},
	}
}

// LookupOutcome returns the definition of a default or extended outcome by
// name, so a caller can reject an unknown name before reading values.
func LookupOutcome(name string) (OutcomeDef, bool) {
	for _, list := range [][]OutcomeDef{DefaultOutcomes(), ExtendedOutcomes()} {
		for _, d := range list {
			if d.Name == name {
				return d, true
			}
		}
	}
	return OutcomeDef{}, false
}

// Value returns outcome name (a DefaultOutcomes or ExtendedOutcomes name)
// at week (weekly outcomes; ignored for summary ones), binary outcomes as 0
// or 1. ok is false when the value is unavailable (past the window's end,
// or neet for someone not aged 16–24), when week is outside 0..Horizon, or
// for an unknown name: an unavailable value is never returned as zero.
func (o *Outcomes) Value(name string, week int) (v float64, ok bool) {
	switch name {
	case "employed":
		return o.weekly(o.Employed, week)
	case "on_out_of_work_benefit":
		return o.weekly(o.OutOfWorkBenefit, week)
	case "on_inactivity_benefit":
		return o.weekly(o.InactivityBenefit, week)
	case "weeks_employed_0_51":
		return summary(float64(o.WeeksEmployed0_51), o.WeeksEmployed0_51OK)
	case "weeks_employed_0_103":
		return summary(float64(o.WeeksEmployed0_103), o.WeeksEmployed0_103OK)
	case "earnings_months_1_12":
		return summary(o.Earnings1_12, o.Earnings1_12OK)
	case "earnings_months_13_24":
		return summary(o.Earnings13_24, o.Earnings13_24OK)
	case "sustained_employment_13":
		return summary(b2f(o.Sustained13), o.Sustained13OK)
	case "sustained_employment_26":
		return summary(b2f(o.Sustained26), o.Sustained26OK)
	case "neet":
		if !o.NEETEligible {
			return 0, false
		}
		return o.weekly(o.NEET, week)
	case "course_achieved_0_103":
		return summary(b2f(o.CourseAchieved0_103), o.CourseAchieved0_103OK)
	}
	return 0, false
}

func (o *Outcomes) weekly(b Weeks, week int) (float64, bool) {
	if week < 0 || week > Horizon || week >= o.AvailableWeeks {
		return 0, false
	}
	return b2f(b.Has(week)), true
}

func summary(v float64, ok bool) (float64, bool) {
	if !ok {
		return 0, false
	}
	return v, true
}
