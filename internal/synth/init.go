package synth

import (
	"math"
	"time"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// Dates of the benefit reforms that shape the initial spells: ESA replaced
// Incapacity Benefit for new claims from 27 October 2008 and IB claimants
// were reassessed onto ESA from April 2011 to 2014; PIP replaced DLA for
// working-age claimants from 8 April 2013, with DLA awards reassessed to
// PIP mostly from October 2015 to 2019 (DWP statistics).
var (
	esaIntroduced  = timeline.DateOf(2008, time.October, 27)
	ibReassessFrom = timeline.DateOf(2011, time.April, 1)
	ibReassessTo   = timeline.DateOf(2014, time.March, 31)
	pipIntroduced  = timeline.DateOf(2013, time.April, 8)
	dlaReassessTo  = timeline.DateOf(2019, time.June, 30)
	dlaReassessFrm = timeline.DateOf(2015, time.October, 1)
)

// initState draws the person's state in week 0 (two years before the
// window), with spells that may have begun years earlier. The burn-in lets
// the weekly dynamics settle before the window opens.
func (s *sim) initState() {
	st := s.st
	p := &s.p
	g := s.gr.g0
	if g < p.d16 {
		st.lab = lbChild
		return
	}
	r := &st.rng
	age := s.age(g)
	a := p.ability
	since16 := int((g - p.d16) / 7) // weeks since the 16th birthday
	capW := func(k int) int { return max(min(k, since16), 0) }
	expW := func(mean float64) int { return int(-mean * math.Log(unif(r))) }

	st.disabled = unif(r) < logistic(-3.6+0.05*(age-16)+math.Log(p.disF))
	if st.disabled && age < 66 && unif(r) < 0.5 {
		start := g - timeline.Date(7*capW(expW(260)))
		if start < pipIntroduced {
			s.openAt(&st.dis_, &st.curDis, start, uint8(bDLA))
			st.dis = bDLA
			lo, hi := s.gr.firstWeekFrom(dlaReassessFrm), s.gr.firstWeekFrom(dlaReassessTo)
			st.dlaEnd = int32(max(lo+int(unif(r)*float64(hi-lo)), 1))
		} else {
			s.openAt(&st.dis_, &st.curDis, start, uint8(bPIP))
			st.dis = bPIP
		}
	}

	switch {
	case age >= 66:
		st.lab = lbRetired
		return
	case age < 18.5 && unif(r) < logistic(1.7+0.6*a):
		level := levL2
		if unif(r) < logistic(0.3+0.9*a) {
			level = levL3
		}
		k := since16
		s.initEdu(level, k, 100, unif(r) < logistic(1.0+0.9*a))
		return
	case age >= 18.5 && age < 21.5 && unif(r) < 0.8*logistic(-0.9+1.3*a):
		k := int((g - p.d18) / 7)
		s.initEdu(levL6, max(k, 0), 156, unif(r) < 0.85)
		return
	}

	dis := 0.0
	if st.disabled {
		dis = 1
	}
	older := 0.0
	if age > 55 {
		older = 0.12 * (age - 55)
	}
	young := 0.0
	if age < 25 {
		young = 0.5
	}
	w := [5]float64{
		math.Exp(1.9 + 0.7*a - 1.5*dis - older),
		math.Exp(-1.1 - 0.3*a + young),
		math.Exp(-2.6 + 2.0*dis + 0.02*(age-40)),
		math.Exp(-1.4 + math.Log(p.homeF) - 0.02*(age-40)),
		0,
	}
	if age >= 60 {
		w[4] = math.Exp(-1.5 + 0.35*(age-60))
	}
	sum := w[0] + w[1] + w[2] + w[3] + w[4]
	u := unif(r) * sum
	pickW := 0
	for acc := w[0]; u >= acc && pickW < 4; acc += w[pickW] {
		pickW++
	}
	switch pickW {
	case 0:
		k := capW(expW(260))
		st.lab, st.dur = lbEmp, int32(k)
		start := g - timeline.Date(7*k)
		wage := float64(s.newWageAt(wageIndex(start), s.age(start), normal(unif(r)), unif(r), false))
		years := k / 52
		for y := 1; y <= years; y++ {
			if y <= 5 {
				wage *= 1.05
			} else {
				wage *= 1.03
			}
		}
		st.wage = int64(wage + 0.5)
		s.openAt(&st.emp, &st.curEmp, start, 0)
		st.emp[st.curEmp].Employer = s.employer(r.Uint64())
	case 1:
		k := capW(expW(26))
		st.lab, st.dur = lbUnemp, int32(k)
		if g-timeline.Date(7*k) >= p.d18 && unif(r) < p.claimProp {
			s.initClaim(g-timeline.Date(7*k), s.searchCode(0))
		}
	case 2:
		k := capW(expW(200))
		st.lab, st.dur = lbSick, int32(k)
		start := g - timeline.Date(7*k)
		if start >= p.d18 && unif(r) < 0.85 {
			switch {
			case s.ucLiveAt(0):
				s.initClaim(start, s.sickCode(0, unif(r)))
			case start >= esaIntroduced:
				s.initClaim(start, bESA)
			case unif(r) < 0.25:
				s.initClaim(start, bIB)
			default:
				lo := max(start, ibReassessFrom)
				hi := min(ibReassessTo, g)
				if hi < lo {
					hi = lo
				}
				s.initClaim(lo+timeline.Date(unif(r)*float64(hi-lo)), bESA)
			}
		}
	case 3:
		k := capW(expW(150))
		st.lab, st.dur = lbHome, int32(k)
		start := g - timeline.Date(7*k)
		if start >= p.d18 && unif(r) < 0.35 {
			s.initClaim(start, s.homeCode(0, unif(r)))
		}
	default:
		st.lab = lbRetired
	}
}

// openAt opens a spell that began on day start (possibly before the grid).
func (s *sim) openAt(list *[]spell, cur *int32, start timeline.Date, code uint8) {
	*list = append(*list, spell{Start: start, End: timeline.Ongoing, Code: code})
	*cur = int32(len(*list) - 1)
}

func (s *sim) initClaim(start timeline.Date, b benefit) {
	st := s.st
	s.openAt(&st.ben_, &st.curBen, start, uint8(b))
	st.ben = b
}

// initEdu places someone in an education spell that began k weeks before
// week 0 and lasts weeks in all.
func (s *sim) initEdu(level uint8, k, weeks int, achieved bool) {
	st := s.st
	k = min(k, weeks-1)
	st.lab, st.dur = lbEdu, int32(k)
	st.eduLevel, st.eduAch, st.eduEnd = level, achieved, int32(weeks-k)
	st.edu = append(st.edu, spell{Start: s.gr.g0 - timeline.Date(7*k), End: timeline.Ongoing, Code: level, Achieved: achieved})
	st.curEdu = int32(len(st.edu) - 1)
}
