package synth

import (
	"math"
	"math/rand/v2"

	"github.com/employment-data-lab/datalab/internal/timeline"
	"gonum.org/v1/gonum/stat/distuv"
)

// person holds what does not change over a synthetic life: demographics,
// the unobserved traits that drive the dynamics, and the identity that
// identities.csv records.
type person struct {
	idx      int
	dob      timeline.Date
	sex      byte
	region   int
	district int
	// Birthdays that change what a person can do.
	d16, d18, d60, d66 timeline.Date

	// Unobserved heterogeneity (never written, never seen by take-up).
	ability   float64 // persistent productivity, standard normal
	findF     float64 // job-finding multiplier: exp(0.5·ability) × region; age and disability terms are applied per week
	findF06   float64 // findF^0.6: the weaker pull of ability on moves from inactivity into work
	sepF      float64 // separation multiplier: exp(−0.35·ability)
	claimProp float64 // probability of claiming when out of work
	disF      float64 // onset multiplier of a long-term health condition: exp(0.8·frailty)
	homeF     float64 // propensity to leave work for caring or other inactivity
	ptProb    float64 // probability that a new job is part-time

	// Identity.
	first, last string
	nick        string // informal first name, "" if none
	nino        string
	postcode    string
}

// mix64 is the SplitMix64 finaliser (Steele, Lea & Flood 2014, "Fast
// splittable pseudorandom number generators", OOPSLA,
// doi:10.1145/2660193.2660195): it turns counters into well-spread seeds.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Stream purposes: each person has independent PCG streams for its static
// draws and its weekly dynamics, so adding a static draw never shifts the
// dynamics.
const (
	streamStatic   = 1
	streamDynamics = 2
	streamNoise    = 3
)

// newPCG returns the PCG stream for (seed, index, purpose).
func newPCG(seed uint64, index uint64, purpose uint64) rand.PCG {
	return *rand.NewPCG(mix64(seed^0x5deece66d), mix64(index*8+purpose))
}

func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// unif returns a uniform in (0, 1) from r.
func unif(r *rand.PCG) float64 { return (float64(r.Uint64()>>11) + 0.5) * 0x1p-53 }

// normal returns a standard normal variate from a uniform in (0, 1).
func normal(u float64) float64 { return distuv.UnitNormal.Quantile(u) }

// newPerson draws person idx's static attributes.
func (s *sim) newPerson(idx int) person {
	r := newPCG(s.cfg.Seed, uint64(idx), streamStatic)
	p := person{idx: idx}
	// Date of birth: uniform over everyone of working age (16–66) at some
	// point in the window.
	lo := int64(s.cfg.Start) - 24106 - 364
	hi := int64(s.cfg.End) - 5844
	p.dob = timeline.Date(lo + int64(unif(&r)*float64(hi-lo)))
	if unif(&r) < 0.5 {
		p.sex = 'F'
	} else {
		p.sex = 'M'
	}
	u := unif(&r)
	for i, c := range s.w.regionCum {
		if u < c || i == len(s.w.regionCum)-1 {
			p.region = i
			break
		}
	}
	ds := s.w.byRegion[p.region]
	p.district = ds[int(unif(&r)*float64(len(ds)))]
	y, m, d := p.dob.Civil()
	p.d16 = timeline.DateOf(y+16, m, d)
	p.d18 = timeline.DateOf(y+18, m, d)
	p.d60 = timeline.DateOf(y+60, m, d)
	p.d66 = timeline.DateOf(y+66, m, d)

	p.ability = normal(unif(&r))
	p.findF = math.Exp(0.5*p.ability) * s.w.regions[p.region].JobFinding
	p.findF06 = math.Pow(p.findF, 0.6)
	p.sepF = math.Exp(-0.35 * p.ability)
	p.claimProp = logistic(1.0 - 0.3*p.ability + 0.8*normal(unif(&r)))
	p.disF = math.Exp(0.8*normal(unif(&r)) - 0.2*p.ability)
	if p.sex == 'F' {
		p.homeF = 1.6
		p.ptProb = 0.38
	} else {
		p.homeF = 0.5
		p.ptProb = 0.12
	}
	p.homeF *= math.Exp(0.5 * normal(unif(&r)))

	// Identity.
	if p.sex == 'F' {
		n := femaleNames[int(unif(&r)*float64(len(femaleNames)))]
		p.first, p.nick = n.Formal, n.Nick
	} else {
		n := maleNames[int(unif(&r)*float64(len(maleNames)))]
		p.first, p.nick = n.Formal, n.Nick
	}
	p.last = surnames[int(unif(&r)*float64(len(surnames)))]
	p.nino = s.nino(uint64(idx))
	p.postcode = s.postcode(&r, p.district)
	return p
}

// nino returns the National Insurance number of identity number i: a
// bijection i → (a·i + b) mod M over the M allocatable numbers, so no two
// identities share one; the suffix letter is a hash of the number.
func (s *sim) nino(i uint64) string {
	const a = 2654435761 // prime; M's only prime factors are 2, 5 and those of len(prefixes)
	m := uint64(len(s.ninoPrefixes)) * 1_000_000
	n := (a%m*(i%m) + mix64(s.cfg.Seed)%m) % m
	b := make([]byte, 0, 9)
	b = append(b, s.ninoPrefixes[n/1_000_000]...)
	d := n % 1_000_000
	for div := uint64(100000); div > 0; div /= 10 {
		b = append(b, byte('0'+d/div%10))
	}
	b = append(b, "ABCD"[mix64(n)&3])
	return string(b)
}

// postcode draws a postcode in district d: an outward code from one of its
// postcode areas and an inward code (a digit and two letters).
func (s *sim) postcode(r *rand.PCG, d int) string {
	dist := s.w.districts[d]
	area := dist.Areas[int(unif(r)*float64(len(dist.Areas)))]
	var num int
	switch {
	case dist.Name == "Belfast":
		num = 1 + int(unif(r)*17)
	case area == "BT":
		num = 20 + int(unif(r)*75)
	case len(area) == 1:
		num = 1 + int(unif(r)*30)
	default:
		num = 1 + int(unif(r)*20)
	}
	b := make([]byte, 0, 8)
	b = append(b, area...)
	if num >= 10 {
		b = append(b, byte('0'+num/10))
	}
	b = append(b, byte('0'+num%10), ' ', byte('0'+int(unif(r)*10)))
	b = append(b, inwardLetters[int(unif(r)*float64(len(inwardLetters)))], inwardLetters[int(unif(r)*float64(len(inwardLetters)))])
	return string(b)
}
