package synth

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// labour is a person's labour-market state in a week.
type labour uint8

const (
	lbChild   labour = iota // not yet 16
	lbEdu                   // full-time education
	lbEmp                   // employed
	lbUnemp                 // unemployed (searching, claiming or not)
	lbSick                  // inactive through ill health
	lbHome                  // inactive: caring or other reasons
	lbRetired               // left the labour market for good
)

// benefit is a working-age benefit code of DESIGN.md §4.
type benefit uint8

const (
	bNone benefit = iota
	bJSA
	bESA
	bIS
	bIB
	bUCS // UC_SEARCHING
	bUCP // UC_PREPARING
	bUCN // UC_NO_WORK_REQ
	bUCW // UC_WORKING
	bPIP
	bDLA
)

var benefitCodes = [...]string{"", "JSA", "ESA", "IS", "IB", "UC_SEARCHING", "UC_PREPARING", "UC_NO_WORK_REQ", "UC_WORKING", "PIP", "DLA"}

// Education levels (Regulated Qualifications Framework).
const (
	levL2 uint8 = iota
	levL3
	levL6
)

var levelNames = [...]string{"L2", "L3", "L6"}

// Weekly status bits, as the lab's timeline would see them on a grid day.
const (
	bitEmp uint8 = 1 << iota
	bitOOW
	bitInact
	bitInWork
	bitDis
	bitEdu
)

// spell is one spell as simulated: Start and End are grid-exact (a spell
// covering weeks a..b runs from day g(a) to g(b)+6); End is Ongoing while
// the spell is open. Jitter is added only when writing.
type spell struct {
	Start, End timeline.Date
	Employer   int32
	Code       uint8 // benefit code or education level
	Achieved   bool
}

// state is everything that changes over a life; a branch is a deep copy.
type state struct {
	rng      rand.PCG
	lab      labour
	dur      int32 // weeks in the current labour state (tenure when employed)
	disabled bool  // a long-term health condition (unobserved; PIP follows it)
	wage     int64 // weekly pay in pence in the current job
	ben      benefit
	dis      benefit // PIP, DLA or none
	dlaEnd   int32   // week a DLA award is reassessed
	eduEnd   int32   // week the education spell ends
	eduLevel uint8
	eduAch   bool

	joined  [maxProgrammes]int32 // week joined, −1 if not
	blocked [maxProgrammes]int32 // may not join before this week

	curEmp, curBen, curDis, curEdu int32 // open spell index, −1 if none
	emp, ben_, dis_, edu           []spell
	earn                           []int64     // pence by month index from the grid's first month
	cum                            [3][]uint16 // prefix counts of weeks employed, on out-of-work and on inactivity benefit
}

func (st *state) clone() *state {
	c := *st
	c.emp = slices.Clone(st.emp)
	c.ben_ = slices.Clone(st.ben_)
	c.dis_ = slices.Clone(st.dis_)
	c.edu = slices.Clone(st.edu)
	c.earn = slices.Clone(st.earn)
	for k := range c.cum {
		c.cum[k] = slices.Clone(st.cum[k])
	}
	return &c
}

// grid is the weekly calendar of the simulation: week t is the day
// g0 + 7t, a Monday. It starts two years before the window (burn-in) and
// ends with the last Monday on or before the window's end.
type grid struct {
	g0        timeline.Date
	T         int
	month0    timeline.Month
	weekMonth []int32 // month index (from month0) of each week
	nMonths   int
	winWeek   int // first week on or after the window's start
	winMonth  int // month index of the window's first month
}

func newGrid(start, end timeline.Date) *grid {
	x := start - 728
	g0 := x - timeline.Date((int64(x)+3)%7) // Monday on or before (1970-01-01 was a Thursday)
	gr := &grid{g0: g0, month0: g0.Month()}
	gr.T = int((end-g0)/7) + 1
	gr.weekMonth = make([]int32, gr.T)
	for t := range gr.T {
		gr.weekMonth[t] = int32(gr.day(t).Month() - gr.month0)
	}
	gr.nMonths = int(end.Month()-gr.month0) + 1
	gr.winWeek = int((start - g0 + 6) / 7)
	gr.winMonth = int(start.Month() - gr.month0)
	return gr
}

func (gr *grid) day(t int) timeline.Date { return gr.g0 + timeline.Date(7*t) }

// firstWeekFrom returns the first week whose day is on or after x.
func (gr *grid) firstWeekFrom(x timeline.Date) int {
	if x <= gr.g0 {
		return 0
	}
	return int((x - gr.g0 + 6) / 7)
}

// lastWeekTo returns the last week whose day is on or before x.
func (gr *grid) lastWeekTo(x timeline.Date) int { return int((x - gr.g0) / 7) }

// join records that the factual path joined programme prog in week t, with
// the snapshots from which the counterfactual branches run.
type join struct {
	prog   int
	week   int
	cov    timeline.Covariates
	notNow *state // not joining now (may join later): the lab's default estimand
	never  *state // never joining this programme
}

// sim simulates one person at a time; one per goroutine.
type sim struct {
	cfg          *Config
	w            *worldTables
	m            macro
	gr           *grid
	progs        []programme
	progWeeks    [maxProgrammes][2]int
	ninoPrefixes []string
	nEmployers   int
	// Read-only lookup tables.
	ddUnemp []float64 // (1+δ)^−0.3: duration dependence of job finding
	ddInact []float64 // (1+δ/52)^−0.7: duration dependence out of inactivity
	sepTen  []float64 // 1 + 3·exp(−τ/26): separations are likelier early in a job
	wageIdx []float64 // wageIndex by week
	ucLive  []int     // first week UC is live, by district

	p      person
	st     *state
	branch bool // running a counterfactual branch: no new joins are recorded
	joins  []join
}

const maxDur = 1040

func newSim(cfg *Config, w *worldTables, progs []programme) *sim {
	s := &sim{cfg: cfg, w: w, m: newMacro(), gr: newGrid(cfg.Start, cfg.End), progs: progs, ninoPrefixes: ninoPrefixes()}
	s.nEmployers = max(50, cfg.People/15)
	s.ddUnemp = make([]float64, maxDur+1)
	s.ddInact = make([]float64, maxDur+1)
	s.sepTen = make([]float64, maxDur+1)
	for d := range maxDur + 1 {
		s.ddUnemp[d] = math.Pow(1+float64(d), -0.25)
		s.ddInact[d] = math.Pow(1+float64(d)/52, -0.7)
		s.sepTen[d] = 1 + 3*math.Exp(-float64(d)/26)
	}
	s.wageIdx = make([]float64, s.gr.T)
	for t := range s.gr.T {
		s.wageIdx[t] = wageIndex(s.gr.day(t))
	}
	for _, d := range w.districts {
		s.ucLive = append(s.ucLive, s.gr.firstWeekFrom(d.UC))
	}
	endMonth := cfg.End.Month()
	for k, p := range progs {
		s.progWeeks[k] = [2]int{
			s.gr.firstWeekFrom((endMonth - timeline.Month(p.FirstBack)).First()),
			s.gr.lastWeekTo((endMonth - timeline.Month(p.LastBack)).Last()),
		}
	}
	return s
}

func clampDur(d int32) int {
	if d > maxDur {
		return maxDur
	}
	return int(d)
}

// draws are a week's four 64-bit random numbers, read as eight uniforms in
// (0, 1) (32 bits each), converted only when used.
type draws [4]uint64

// u returns uniform i (0..7).
func (d *draws) u(i int) float64 {
	x := d[i>>1]
	if i&1 == 0 {
		x >>= 32
	}
	return (float64(uint32(x)) + 0.5) * 0x1p-32
}

// run simulates person idx from the grid's first week to its last and then
// the counterfactual branches of each programme they joined.
func (s *sim) run(idx int, st *state) {
	s.p = s.newPerson(idx)
	s.st = st
	s.branch = false
	s.joins = s.joins[:0]
	s.reset(idx)
	for t := range s.gr.T {
		s.step(t)
	}
}

// reset clears the state for a new person and draws their state in week 0.
func (s *sim) reset(idx int) {
	st := s.st
	earn, cum0, cum1, cum2 := st.earn, st.cum[0], st.cum[1], st.cum[2]
	emp, ben, dis, edu := st.emp[:0], st.ben_[:0], st.dis_[:0], st.edu[:0]
	*st = state{rng: newPCG(s.cfg.Seed, uint64(idx), streamDynamics), curEmp: -1, curBen: -1, curDis: -1, curEdu: -1,
		emp: emp, ben_: ben, dis_: dis, edu: edu}
	st.earn = resize(earn, s.gr.nMonths)
	st.cum = [3][]uint16{resize(cum0, s.gr.T+1), resize(cum1, s.gr.T+1), resize(cum2, s.gr.T+1)}
	for k := range st.joined {
		st.joined[k] = -1
	}
	s.initState()
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// step simulates week t: the transition into the week, the record of the
// week's status and earnings, and the take-up decisions on its first day.
// Every week of an adult life draws exactly four 64-bit numbers, whatever
// happens, so branches that diverge keep drawing the same numbers in the
// same weeks (common random numbers).
func (s *sim) step(t int) {
	st := s.st
	g := s.gr.day(t)
	if st.lab == lbChild && g < s.p.d16 {
		s.record(t)
		return
	}
	u := draws{st.rng.Uint64(), st.rng.Uint64(), st.rng.Uint64(), st.rng.Uint64()}
	switch st.lab {
	case lbChild:
		s.enter16(t, &u)
	case lbRetired:
	default:
		s.transition(t, g, &u)
	}
	s.disability(t, g, u.u(4))
	bits := s.record(t)
	if bits&(bitOOW|bitInact|bitInWork) != 0 {
		s.takeUp(t, g, bits, &u)
	}
}

// record stores week t's status in the prefix counts and adds its pay to
// the month's earnings.
func (s *sim) record(t int) uint8 {
	st := s.st
	bits := s.bits()
	st.cum[0][t+1] = st.cum[0][t] + uint16(bits&bitEmp)
	st.cum[1][t+1] = st.cum[1][t] + uint16(bits&bitOOW>>1)
	st.cum[2][t+1] = st.cum[2][t] + uint16(bits&bitInact>>2)
	if st.lab == lbEmp {
		st.earn[s.gr.weekMonth[t]] += st.wage
	}
	return bits
}

func (s *sim) bits() uint8 {
	st := s.st
	var b uint8
	if st.lab == lbEmp {
		b |= bitEmp
	}
	if st.lab == lbEdu {
		b |= bitEdu
	}
	switch st.ben {
	case bJSA, bUCS:
		b |= bitOOW
	case bESA, bIS, bIB, bUCP, bUCN:
		b |= bitInact
	case bUCW:
		b |= bitInWork
	}
	if st.dis != bNone {
		b |= bitDis
	}
	return b
}

// covariates returns the default covariates at week t, computed from the
// simulated weeks exactly as the lab's timeline computes them from the
// written spells (week t's day is the reference date d).
func (s *sim) covariates(t int, g timeline.Date, bits uint8) timeline.Covariates {
	st := s.st
	c := timeline.Covariates{
		Age:        float64(int64(g)-int64(s.p.dob)) / 365.25,
		Sex:        s.p.sex,
		Region:     s.w.regions[s.p.region].Name,
		Disability: bits&bitDis != 0,
		StartMonth: g.Month(),
	}
	switch {
	case bits&bitOOW != 0:
		c.BenefitClass = timeline.ClassOutOfWork
	case bits&bitInact != 0:
		c.BenefitClass = timeline.ClassInactivity
	case bits&bitInWork != 0:
		c.BenefitClass = timeline.ClassInWork
	}
	w52, w104 := max(t-52, 0), max(t-104, 0)
	c.WeeksEmployed52 = int(st.cum[0][t] - st.cum[0][w52])
	c.WeeksEmployed104 = int(st.cum[0][t] - st.cum[0][w104])
	c.WeeksOutOfWork52 = int(st.cum[1][t] - st.cum[1][w52])
	c.WeeksOutOfWork104 = int(st.cum[1][t] - st.cum[1][w104])
	c.WeeksInactivity52 = int(st.cum[2][t] - st.cum[2][w52])
	c.WeeksInactivity104 = int(st.cum[2][t] - st.cum[2][w104])
	m := int(s.gr.weekMonth[t])
	var pence int64
	for i := max(m-12, s.gr.winMonth); i < m; i++ {
		pence += st.earn[i]
	}
	c.EarningsPrior12 = float64(pence) / 100
	return c
}

// takeUp decides, for each programme open in week t, whether the person
// joins. The probability is the programme's logistic take-up model of the
// default covariates and nothing else.
func (s *sim) takeUp(t int, g timeline.Date, bits uint8, u *draws) {
	st := s.st
	var c timeline.Covariates
	have := false
	var now [maxProgrammes]bool
	for k := range s.progs {
		if t < s.progWeeks[k][0] || t > s.progWeeks[k][1] || st.joined[k] >= 0 || int32(t) < st.blocked[k] {
			continue
		}
		if !have {
			c, have = s.covariates(t, g, bits), true
		}
		if u.u(5+k) < s.progs[k].TakeUp.probability(&c) {
			st.joined[k] = int32(t)
			now[k] = true
		}
	}
	if s.branch {
		return
	}
	// Snapshots for the counterfactual branches are taken after every
	// programme's decision this week, so a branch differs from the factual
	// path only in its own programme.
	for k := range s.progs {
		if !now[k] {
			continue
		}
		j := join{prog: k, week: t, cov: c, notNow: st.clone(), never: st.clone()}
		j.notNow.joined[k], j.notNow.blocked[k] = -1, int32(t+1)
		j.never.joined[k], j.never.blocked[k] = -1, math.MaxInt32
		s.joins = append(s.joins, j)
	}
}

// progFactor is the product of the effects of the programmes joined so far
// on hazard h in week t.
func (s *sim) progFactor(h hazard, t int) float64 {
	f := 1.0
	for k := range s.progs {
		if j := s.st.joined[k]; j >= 0 {
			f *= s.progs[k].factor(h, t-int(j), s.cfg.Effect)
		}
	}
	return f
}

// Spell bookkeeping. A spell opened in week t starts on g(t); one closed
// in week t ended the day before, g(t) − 1.

func (s *sim) openEmp(t int, employer int32) {
	st := s.st
	s.closeEmp(t)
	st.emp = append(st.emp, spell{Start: s.gr.day(t), End: timeline.Ongoing, Employer: employer})
	st.curEmp = int32(len(st.emp) - 1)
}

func (s *sim) closeEmp(t int) {
	st := s.st
	if st.curEmp >= 0 {
		st.emp[st.curEmp].End = s.gr.day(t) - 1
		st.curEmp = -1
	}
}

func (s *sim) setBenefit(t int, b benefit) {
	st := s.st
	if st.ben == b {
		return
	}
	if st.curBen >= 0 {
		st.ben_[st.curBen].End = s.gr.day(t) - 1
		st.curBen = -1
	}
	st.ben = b
	if b != bNone {
		st.ben_ = append(st.ben_, spell{Start: s.gr.day(t), End: timeline.Ongoing, Code: uint8(b)})
		st.curBen = int32(len(st.ben_) - 1)
	}
}

func (s *sim) setDisability(t int, b benefit) {
	st := s.st
	if st.dis == b {
		return
	}
	if st.curDis >= 0 {
		st.dis_[st.curDis].End = s.gr.day(t) - 1
		st.curDis = -1
	}
	st.dis = b
	if b != bNone {
		st.dis_ = append(st.dis_, spell{Start: s.gr.day(t), End: timeline.Ongoing, Code: uint8(b)})
		st.curDis = int32(len(st.dis_) - 1)
	}
}

func (s *sim) openEdu(t int, level uint8, weeks int, achieved bool) {
	st := s.st
	st.lab, st.dur = lbEdu, 0
	st.eduLevel, st.eduAch, st.eduEnd = level, achieved, int32(t+weeks)
	st.edu = append(st.edu, spell{Start: s.gr.day(t), End: timeline.Ongoing, Code: level, Achieved: achieved})
	st.curEdu = int32(len(st.edu) - 1)
}

func (s *sim) closeEdu(t int) {
	st := s.st
	if st.curEdu >= 0 {
		st.edu[st.curEdu].End = s.gr.day(t) - 1
		st.curEdu = -1
	}
}

func (s *sim) ucLiveAt(t int) bool { return t >= s.ucLive[s.p.district] }

// Benefit codes for a new claim in week t, by the regime in force in the
// person's district: legacy benefits before Universal Credit full service,
// UC after (with its conditionality regime).
func (s *sim) searchCode(t int) benefit {
	if s.ucLiveAt(t) {
		return bUCS
	}
	return bJSA
}

func (s *sim) sickCode(t int, u float64) benefit {
	if !s.ucLiveAt(t) {
		return bESA
	}
	if u < 0.65 {
		return bUCN
	}
	return bUCP
}

func (s *sim) homeCode(t int, u float64) benefit {
	if !s.ucLiveAt(t) {
		return bIS
	}
	if u < 0.5 {
		return bUCN
	}
	return bUCP
}

// ucWorkThreshold is the weekly pay below which a UC claim continues in
// work (UC_WORKING), in pence, rising with wages.
func (s *sim) ucWorkThreshold(t int) int64 { return int64(26500 * s.wageIdx[t]) }

func isUC(b benefit) bool { return b >= bUCS && b <= bUCW }

// newWage draws the weekly pay of a job starting in week t, in pence:
// a Mincer-type log wage in experience (Mincer 1974, "Schooling,
// Experience, and Earnings", NBER) plus the person's ability, region and
// sex terms, a match-specific draw z, a scar after long unemployment, and
// half pay for a part-time job.
func (s *sim) newWage(t int, age float64, z, uPT float64, scar bool) int64 {
	return s.newWageAt(s.wageIdx[t], age, z, uPT, scar)
}

// newWageAt is newWage at wage index idx.
func (s *sim) newWageAt(idx float64, age float64, z, uPT float64, scar bool) int64 {
	p := &s.p
	e := min(max(age-17, 0), 45)
	lw := 5.9 + 0.30*p.ability + s.w.regions[p.region].Wage + 0.045*e - 0.0009*e*e + 0.22*z
	if p.sex == 'F' {
		lw -= 0.08
	}
	if scar {
		lw -= 0.08
	}
	w := math.Exp(lw) * idx
	if uPT < p.ptProb {
		w *= 0.5
	}
	return max(int64(w*100+0.5), 9000)
}

// employer draws an employer id from 64 random bits: a skewed draw, so a few
// employers are large.
func (s *sim) employer(x uint64) int32 {
	v := float64(mix64(x)>>11) * 0x1p-53
	return int32(v * v * float64(s.nEmployers))
}

func (s *sim) age(g timeline.Date) float64 { return float64(g-s.p.dob) / 365.25 }

// startJob moves the person into a new job in week t, settling any claim:
// a UC claim continues as UC_WORKING when pay is low, other claims end.
func (s *sim) startJob(t int, g timeline.Date, u *draws, scar bool) {
	st := s.st
	st.lab, st.dur = lbEmp, 0
	st.wage = s.newWage(t, s.age(g), normal(u.u(1)), u.u(2), scar)
	s.openEmp(t, s.employer(u[1]))
	if isUC(st.ben) && st.wage < s.ucWorkThreshold(t) && u.u(3) < 0.85 {
		s.setBenefit(t, bUCW)
	} else {
		s.setBenefit(t, bNone)
	}
}

// enter16 places a 16-year-old: most stay in education, the rest enter the
// labour market.
func (s *sim) enter16(t int, u *draws) {
	a := s.p.ability
	if u.u(1) < logistic(1.7+0.6*a) {
		level := levL2
		if u.u(2) < logistic(0.3+0.9*a) {
			level = levL3
		}
		s.openEdu(t, level, 100, u.u(3) < logistic(1.0+0.9*a))
		return
	}
	s.leaveEducation(t, u)
}

// leaveEducation places someone leaving education (or a 16-year-old not
// staying on): work, job search or inactivity.
func (s *sim) leaveEducation(t int, u *draws) {
	st := s.st
	g := s.gr.day(t)
	switch v := u.u(0); {
	case v < 0.45:
		s.startJob(t, g, u, false)
	case v < 0.8:
		st.lab, st.dur = lbUnemp, 0
		if g >= s.p.d18 && u.u(3) < s.p.claimProp {
			s.setBenefit(t, s.searchCode(t))
		}
	default:
		st.lab, st.dur = lbHome, 0
	}
}

// transition moves an adult from last week's state into week t's.
func (s *sim) transition(t int, g timeline.Date, u *draws) {
	st := s.st
	p := &s.p
	age := s.age(g)
	if g >= p.d66 && st.lab != lbEmp {
		s.retire(t)
		return
	}
	switch st.lab {
	case lbEdu:
		if int32(t) < st.eduEnd {
			st.dur++
			return
		}
		s.closeEdu(t)
		if st.eduLevel == levL3 && st.eduAch && u.u(1) < logistic(-0.9+1.3*p.ability) {
			s.openEdu(t, levL6, 156, u.u(3) < 0.85)
			return
		}
		s.leaveEducation(t, u)

	case lbEmp:
		tenure := clampDur(st.dur)
		young := 1.0
		if age < 25 {
			young = 1.5
		}
		var h [5]float64
		h[0] = 0.0009 * s.sepTen[tenure] * p.sepF * s.m.sepFactor(g) * young // to unemployment
		h[1] = 0.00015 * (1 + max(age-40, 0)/25)                             // to ill-health inactivity
		if st.disabled {
			h[1] *= 5
		}
		h[2] = 0.00035 * p.homeF // to caring / other inactivity
		if age > 45 {
			h[2] *= 0.6
		}
		h[3] = 0.003 // to another job
		switch {
		case g >= p.d66:
			h[4] = 0.02
		case g >= p.d60:
			h[4] = 0.002
		}
		switch pick(u.u(0), h[:]) {
		case 0:
			s.closeEmp(t)
			st.lab, st.dur = lbUnemp, 0
			if st.ben == bUCW {
				s.setBenefit(t, bUCS)
			} else if g >= p.d18 && u.u(1) < p.claimProp {
				s.setBenefit(t, s.searchCode(t))
			}
		case 1:
			s.closeEmp(t)
			st.lab, st.dur = lbSick, 0
			s.setBenefit(t, bNone)
			if u.u(1) < 0.85 {
				s.setBenefit(t, s.sickCode(t, u.u(2)))
			}
		case 2:
			s.closeEmp(t)
			st.lab, st.dur = lbHome, 0
			s.setBenefit(t, bNone)
			if u.u(1) < 0.35 {
				s.setBenefit(t, s.homeCode(t, u.u(2)))
			}
		case 3:
			wage := int64(float64(st.wage)*math.Exp(0.04+0.1*normal(u.u(1))) + 0.5)
			st.dur = 0
			st.wage = max(wage, 9000)
			s.openEmp(t, s.employer(u[1]))
			if st.ben == bUCW && st.wage >= s.ucWorkThreshold(t) {
				s.setBenefit(t, bNone)
			}
		case 4:
			s.retire(t)
		default:
			st.dur++
			if st.dur%52 == 0 {
				r := 1.03
				if st.dur <= 260 {
					r += 0.02
				}
				st.wage = int64(float64(st.wage)*r + 0.5)
			}
			low := st.wage < s.ucWorkThreshold(t)
			switch {
			case st.ben == bUCW && (!low || u.u(3) < 0.005):
				s.setBenefit(t, bNone)
			case st.ben == bNone && low && s.ucLiveAt(t) && g >= p.d18 && u.u(3) < 0.002:
				s.setBenefit(t, bUCW)
			}
		}

	case lbUnemp:
		d := clampDur(st.dur)
		ageF := 1.0
		switch {
		case age < 25:
			ageF = 1.1
		case age >= 60:
			ageF = 0.5
		case age >= 50:
			ageF = 0.75
		}
		if st.disabled {
			ageF *= 0.6
		}
		var h [5]float64
		h[0] = 0.09 * p.findF * ageF * s.ddUnemp[d] * s.m.findFactor(g) * s.progFactor(hazJobFinding, t)
		h[1] = 0.0015
		if st.disabled {
			h[1] *= 3
		}
		h[2] = 0.0012 * p.homeF
		switch {
		case age < 25:
			h[3] = 0.003
		case age < 50:
			h[3] = 0.0008
		}
		if g >= p.d60 {
			h[4] = 0.0015
		}
		switch pick(u.u(0), h[:]) {
		case 0:
			s.startJob(t, g, u, st.dur > 26)
		case 1:
			claiming := st.ben != bNone
			st.lab, st.dur = lbSick, 0
			if claiming && isUC(st.ben) {
				s.setBenefit(t, s.sickCode(t, u.u(2)))
			} else {
				s.setBenefit(t, bNone)
				if (claiming && u.u(1) < 0.9) || (!claiming && u.u(1) < 0.6) {
					s.setBenefit(t, s.sickCode(t, u.u(2)))
				}
			}
		case 2:
			claiming := st.ben != bNone
			st.lab, st.dur = lbHome, 0
			s.setBenefit(t, bNone)
			if (claiming && u.u(1) < 0.5) || (!claiming && u.u(1) < 0.2) {
				s.setBenefit(t, s.homeCode(t, u.u(2)))
			}
		case 3:
			s.setBenefit(t, bNone)
			s.openEdu(t, levL2, 26, u.u(3) < 0.6)
		case 4:
			s.retire(t)
		default:
			st.dur++
			switch {
			case st.ben != bNone && u.u(3) < 0.004:
				s.setBenefit(t, bNone) // stops claiming, still looking
			case st.ben == bNone && g >= p.d18 && u.u(3) < 0.02*p.claimProp:
				s.setBenefit(t, s.searchCode(t))
			}
		}

	case lbSick, lbHome:
		d := clampDur(st.dur)
		sick := st.lab == lbSick
		var h [5]float64
		base := s.ddInact[d] * s.m.findFactor(g)
		if sick {
			h[0] = 0.003 * base
			h[1] = 0.004 * s.ddInact[d]
			if st.disabled {
				h[0] *= 0.7
				h[1] *= 0.6
			} else {
				h[0] *= 1.3
				h[1] *= 1.4
			}
			h[2] = 0.0005 // to caring / other
		} else {
			h[0] = 0.005 * base
			h[1] = 0.003 * s.ddInact[d]
			h[2] = 0.0006 // to ill health
			if st.disabled {
				h[2] *= 3
			}
		}
		h[0] *= p.findF06 * s.progFactor(hazInactiveToWork, t)
		h[1] *= s.progFactor(hazInactiveToSearch, t)
		if g >= p.d60 {
			h[3] = 0.002
		}
		switch pick(u.u(0), h[:4]) {
		case 0:
			s.startJob(t, g, u, true)
		case 1:
			claiming := st.ben != bNone
			st.lab, st.dur = lbUnemp, 0
			if claiming && isUC(st.ben) {
				s.setBenefit(t, bUCS)
			} else {
				s.setBenefit(t, bNone)
				if g >= p.d18 && ((claiming && u.u(1) < 0.9) || u.u(1) < p.claimProp) {
					s.setBenefit(t, s.searchCode(t))
				}
			}
		case 2:
			claiming := st.ben != bNone
			if sick {
				st.lab, st.dur = lbHome, 0
				if !isUC(st.ben) {
					s.setBenefit(t, bNone)
					if claiming && u.u(1) < 0.5 {
						s.setBenefit(t, s.homeCode(t, u.u(2)))
					}
				}
			} else {
				st.lab, st.dur = lbSick, 0
				if !isUC(st.ben) {
					s.setBenefit(t, bNone)
					if u.u(1) < 0.7 {
						s.setBenefit(t, s.sickCode(t, u.u(2)))
					}
				}
			}
		case 3:
			s.retire(t)
		default:
			st.dur++
			stop := 0.0012
			if !sick {
				stop = 0.002
			}
			switch {
			case st.ben != bNone && u.u(3) < stop:
				s.setBenefit(t, bNone)
			case st.ben == bNone && g >= p.d18 && sick && u.u(3) < 0.004:
				s.setBenefit(t, s.sickCode(t, u.u(2)))
			}
		}
	}
}

// retire ends working life: the job and working-age benefits end.
func (s *sim) retire(t int) {
	st := s.st
	s.closeEmp(t)
	s.closeEdu(t)
	s.setBenefit(t, bNone)
	st.lab, st.dur = lbRetired, 0
}

// disability moves the unobserved health condition and the disability
// (extra-cost) benefits that follow it: onset rises with age; a person with
// the condition may claim PIP; awards end with reviews; DLA awards are
// reassessed to PIP.
func (s *sim) disability(t int, g timeline.Date, u float64) {
	st := s.st
	p := &s.p
	if g >= p.d66 {
		return
	}
	age := s.age(g)
	if !st.disabled {
		if u < 0.00004*p.disF*(1+max(age-25, 0)/12) {
			st.disabled = true
		}
		return
	}
	switch st.dis {
	case bNone:
		h := 0.002
		if st.lab == lbSick {
			h = 0.006
		}
		if u < h {
			s.setDisability(t, bPIP)
		} else if u > 1-0.0008 {
			st.disabled = false // recovers
		}
	case bPIP:
		if u < 0.0015 {
			s.setDisability(t, bNone)
		}
	case bDLA:
		if int32(t) >= st.dlaEnd {
			if u < 0.7 {
				s.setDisability(t, bPIP)
			} else {
				s.setDisability(t, bNone)
			}
		}
	}
}

// pick chooses among competing weekly hazards h with one uniform u: event i
// if u falls in its slice of [0, Σh), −1 (no event) otherwise. The total is
// capped at 0.95.
func pick(u float64, h []float64) int {
	if u >= 0.95 {
		return -1
	}
	acc := 0.0
	for i, x := range h {
		acc += x
		if u < acc {
			return i
		}
	}
	return -1
}
