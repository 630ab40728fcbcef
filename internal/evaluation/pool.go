package evaluation

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// Spine is what the evaluation reads from the timeline index: people by
// position, their timelines, and the window over which the spine is
// complete. internal/spine/index implements it.
type Spine interface {
	Len() int
	Lookup(personID string) (int, bool)
	Timeline(i int) timeline.Timeline
	Window() timeline.Window
	ContentHash() string
}

// Participant is one linked member of the cohort: a pseudonymous person_id,
// the day they started, and their subgroup attributes. No direct identifier
// reaches this package.
type Participant struct {
	PersonID   string
	Start      timeline.Date
	Attributes map[string]string
}

// Unit is one row of the analysis: a participant at their start date, or a
// comparator at a reference date in a participant start month.
type Unit struct {
	Person  int           // position in the Spine
	Date    timeline.Date // reference date: week 0
	Treated bool
	// JoinedLater marks a comparator who is a participant with a start date
	// after Date: eligible now, joined later (DESIGN.md §2).
	JoinedLater bool
	// Participant is the index into the cohort of a treated unit, -1 for a
	// comparator.
	Participant int
}

// Eligibility is the rule that decides who can be a comparator (and which
// participants are analysed): an age range in completed years at the
// reference date and the benefit classes held on it.
type Eligibility struct {
	AgeMin, AgeMax int
	// Classes lists the benefit classes (timeline.ClassNone..ClassInWork)
	// a person may hold on the reference date.
	Classes []timeline.BenefitClass
}

func (e Eligibility) allows(c timeline.BenefitClass) bool { return slices.Contains(e.Classes, c) }

// String describes the rule, for the method section.
func (e Eligibility) String() string {
	names := make([]string, len(e.Classes))
	for i, c := range e.Classes {
		names[i] = c.String()
	}
	return fmt.Sprintf("aged %d–%d at the reference date, holding benefit class %v on it", e.AgeMin, e.AgeMax, names)
}

// DeriveEligibility returns the default rule from the participants'
// characteristics at their start dates: their age range and the benefit
// classes seen among them (DESIGN.md §2), so the comparison pool is drawn
// from people who could have been participants.
func DeriveEligibility(sp Spine, units []Unit) Eligibility {
	e := Eligibility{AgeMin: 1 << 30, AgeMax: -1}
	seen := map[timeline.BenefitClass]bool{}
	for _, u := range units {
		if !u.Treated {
			continue
		}
		t := sp.Timeline(u.Person)
		age := timeline.AgeInYears(t.Person.DateOfBirth, u.Date)
		e.AgeMin, e.AgeMax = min(e.AgeMin, age), max(e.AgeMax, age)
		seen[t.BenefitClassOn(u.Date)] = true
	}
	for c := timeline.ClassNone; c <= timeline.ClassInWork; c++ {
		if seen[c] {
			e.Classes = append(e.Classes, c)
		}
	}
	return e
}

func (e Eligibility) admits(t *timeline.Timeline, d timeline.Date) bool {
	age := timeline.AgeInYears(t.Person.DateOfBirth, d)
	return age >= e.AgeMin && age <= e.AgeMax && e.allows(t.BenefitClassOn(d))
}

// PoolMonth records how one start month's comparison pool was drawn.
type PoolMonth struct {
	Month        string `json:"month"`
	Participants int    `json:"participants"`
	Eligible     int    `json:"eligible"`     // eligible non-participants-by-then in the spine
	Sampled      int    `json:"sampled"`      // kept after the cap
	JoinedLater  int    `json:"joined_later"` // sampled comparators who joined the programme later
}

// PoolSpec says how to draw the comparison pool.
type PoolSpec struct {
	Eligibility Eligibility
	// Cap is the largest pool kept per start month; larger pools are a
	// simple random sample of Cap people (without replacement).
	Cap int
	// NeverParticipated drops from the pool everyone who ever joined the
	// programme (the sensitivity option of DESIGN.md §2).
	NeverParticipated bool
	Seed              uint64
	Workers           int
}

// BuildPool draws the comparison pool for each participant start month.
//
// A comparator's reference date is drawn at random from the start dates of
// the participants who started in that month, so the pool has the same
// spread of days within the month as the participants. A person is in the
// pool for a start month if they are eligible on their reference date and
// are not a participant by that date: people who join later stay in the pool
// until they join, because excluding them would condition on the future and
// bias the comparison against the programme (Sianesi 2004, REStat
// doi:10.1162/003465304323023651; Li, Propert & Rosenbaum 2001, JASA
// doi:10.1198/016214501753208573).
//
// treated holds the participants' units; start maps spine positions of
// participants to their start dates.
func BuildPool(ctx context.Context, sp Spine, treated []Unit, spec PoolSpec) ([]Unit, []PoolMonth, error) {
	if spec.Cap <= 0 {
		return nil, nil, fmt.Errorf("evaluation: comparison pool cap is %d; set it above 0", spec.Cap)
	}
	start := make(map[int]timeline.Date, len(treated))
	byMonth := map[timeline.Month][]timeline.Date{}
	for _, u := range treated {
		start[u.Person] = u.Date
		m := u.Date.Month()
		byMonth[m] = append(byMonth[m], u.Date)
	}
	months := make([]timeline.Month, 0, len(byMonth))
	for m := range byMonth {
		months = append(months, m)
	}
	slices.Sort(months)
	workers := max(spec.Workers, 1)
	n := sp.Len()
	var pool []Unit
	var report []PoolMonth
	for _, m := range months {
		dates := byMonth[m]
		slices.Sort(dates)
		// Scan the spine in parallel chunks; each worker keeps its eligible
		// units in spine order so the result does not depend on scheduling.
		chunks := make([][]Unit, workers)
		var wg sync.WaitGroup
		var cerr error
		var once sync.Once
		for w := range workers {
			lo, hi := n*w/workers, n*(w+1)/workers
			wg.Add(1)
			go func() {
				defer wg.Done()
				var out []Unit
				for j := lo; j < hi; j++ {
					if (j-lo)&0xffff == 0 && ctx.Err() != nil {
						once.Do(func() { cerr = ctx.Err() })
						return
					}
					d := dates[pick(spec.Seed, uint64(m), uint64(j), len(dates))]
					s, isParticipant := start[j]
					if isParticipant && (spec.NeverParticipated || s <= d) {
						continue
					}
					t := sp.Timeline(j)
					if !spec.Eligibility.admits(&t, d) {
						continue
					}
					out = append(out, Unit{Person: j, Date: d, JoinedLater: isParticipant, Participant: -1})
				}
				chunks[w] = out
			}()
		}
		wg.Wait()
		if cerr != nil {
			return nil, nil, fmt.Errorf("evaluation: drawing the comparison pool for %s: %w", m, cerr)
		}
		var eligible []Unit
		for _, c := range chunks {
			eligible = append(eligible, c...)
		}
		pm := PoolMonth{Month: m.String(), Participants: len(dates), Eligible: len(eligible)}
		if len(eligible) > spec.Cap {
			// A seeded partial Fisher–Yates shuffle: a simple random sample
			// of Cap, then back into spine order for stable output.
			r := rand.New(rand.NewPCG(spec.Seed, uint64(m)))
			for i := 0; i < spec.Cap; i++ {
				k := i + r.IntN(len(eligible)-i)
				eligible[i], eligible[k] = eligible[k], eligible[i]
			}
			eligible = eligible[:spec.Cap]
			sort.Slice(eligible, func(a, b int) bool { return eligible[a].Person < eligible[b].Person })
		}
		for _, u := range eligible {
			if u.JoinedLater {
				pm.JoinedLater++
			}
		}
		pm.Sampled = len(eligible)
		pool = append(pool, eligible...)
		report = append(report, pm)
	}
	return pool, report, nil
}

// pick chooses one of n dates for person j in month m, deterministically
// from the seed (a splitmix64 mix), so the pool does not depend on the order
// of the scan or on the number of workers.
func pick(seed, m, j uint64, n int) int {
	if n == 1 {
		return 0
	}
	return int(splitmix(splitmix(splitmix(seed)^m)^j) % uint64(n))
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
