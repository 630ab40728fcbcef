package evaluation

import (
	"context"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// fakeSpine is a hand-built spine of a few timelines.
type fakeSpine struct {
	ids []string
	tls []timeline.Timeline
	win timeline.Window
}

func (f *fakeSpine) Len() int { return len(f.ids) }
func (f *fakeSpine) Lookup(id string) (int, bool) {
	for i, v := range f.ids {
		if v == id {
			return i, true
		}
	}
	return 0, false
}
func (f *fakeSpine) Timeline(i int) timeline.Timeline { return f.tls[i] }
func (f *fakeSpine) Window() timeline.Window          { return f.win }
func (f *fakeSpine) ContentHash() string              { return "fake" }

func day(y int, m time.Month, d int) timeline.Date { return timeline.DateOf(y, m, d) }

// claimant is someone born in 1990 on JSA from 2019 onwards.
func claimant() timeline.Timeline {
	return timeline.Build(timeline.Rows{
		Person:   timeline.Person{DateOfBirth: day(1990, 1, 1), Sex: 'F', Region: "London"},
		Benefits: []timeline.BenefitSpell{{Code: "JSA", Interval: timeline.Interval{Start: day(2019, 1, 1), End: timeline.Ongoing}}},
	})
}

func TestPoolKeepsLaterJoinersUntilTheyJoin(t *testing.T) {
	worker := timeline.Build(timeline.Rows{
		Person:     timeline.Person{DateOfBirth: day(1990, 1, 1), Sex: 'M', Region: "London"},
		Employment: []timeline.Interval{{Start: day(2015, 1, 1), End: timeline.Ongoing}},
	})
	sp := &fakeSpine{
		ids: []string{"A", "EARLY", "LATER", "NEVER", "WORKER", "OLD"},
		tls: []timeline.Timeline{claimant(), claimant(), claimant(), claimant(), worker,
			timeline.Build(timeline.Rows{Person: timeline.Person{DateOfBirth: day(1950, 1, 1), Sex: 'F', Region: "London"},
				Benefits: []timeline.BenefitSpell{{Code: "JSA", Interval: timeline.Interval{Start: day(2019, 1, 1), End: timeline.Ongoing}}}})},
		win: timeline.Window{Start: day(2017, 1, 1), End: day(2023, 12, 31), EarningsFrom: timeline.MonthOf(2017, 1)},
	}
	// A starts in March 2020; EARLY started in February (a participant by
	// then: not a comparator in March); LATER starts in September (eligible
	// in March, joined later: stays in the March pool).
	treated := []Unit{
		{Person: 0, Date: day(2020, 3, 10), Treated: true, Participant: 0},
		{Person: 1, Date: day(2020, 2, 3), Treated: true, Participant: 1},
		{Person: 2, Date: day(2020, 9, 1), Treated: true, Participant: 2},
	}
	elig := DeriveEligibility(sp, treated)
	if elig.AgeMin != 30 || elig.AgeMax != 30 || len(elig.Classes) != 1 || elig.Classes[0] != timeline.ClassOutOfWork {
		t.Fatalf("derived eligibility = %+v; want age 30 (born 1990-01-01, every start in 2020) and out-of-work only", elig)
	}
	for _, c := range []struct {
		name  string
		never bool
		march []string // comparators in the March 2020 pool
	}{
		{"joining now versus not now (default)", false, []string{"LATER", "NEVER"}},
		{"never participated (sensitivity option)", true, []string{"NEVER"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pool, months, err := BuildPool(context.Background(), sp, treated, PoolSpec{Eligibility: elig, Cap: 100, NeverParticipated: c.never, Seed: 1, Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			joinedLater := 0
			for _, u := range pool {
				if u.Date.Month() != timeline.MonthOf(2020, 3) {
					continue
				}
				if u.Date != day(2020, 3, 10) {
					t.Errorf("comparator %s has reference date %s; the only March start is 2020-03-10", sp.ids[u.Person], u.Date)
				}
				got = append(got, sp.ids[u.Person])
				if u.JoinedLater {
					joinedLater++
				}
			}
			if len(got) != len(c.march) {
				t.Fatalf("March pool = %v; want %v (WORKER holds no benefit, OLD is outside the age range, A and EARLY are participants by then)", got, c.march)
			}
			for i := range got {
				if got[i] != c.march[i] {
					t.Fatalf("March pool = %v; want %v", got, c.march)
				}
			}
			var march PoolMonth
			for _, m := range months {
				if m.Month == "2020-03" {
					march = m
				}
			}
			if march.Sampled != len(c.march) || march.JoinedLater != joinedLater || march.Participants != 1 {
				t.Errorf("March pool report = %+v; want %d sampled, %d joined later, 1 participant", march, len(c.march), joinedLater)
			}
		})
	}
}

func TestPoolCapSamplesDeterministically(t *testing.T) {
	sp := &fakeSpine{win: timeline.Window{Start: day(2017, 1, 1), End: day(2023, 12, 31)}}
	for i := range 500 {
		sp.ids = append(sp.ids, string(rune('a'+i%26))+string(rune('0'+i/26)))
		sp.tls = append(sp.tls, claimant())
	}
	// Two participants start on different days of March; neither is a
	// comparator (each is a participant by the earlier date or joins on it).
	treated := []Unit{{Person: 0, Date: day(2020, 3, 10), Treated: true}, {Person: 1, Date: day(2020, 3, 10), Treated: true}, {Person: 2, Date: day(2020, 3, 20), Treated: true}}
	elig := DeriveEligibility(sp, treated)
	draw := func(workers int) []Unit {
		pool, months, err := BuildPool(context.Background(), sp, treated, PoolSpec{Eligibility: elig, Cap: 50, Seed: 7, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		// 497 never-participants, plus person 2 whenever their drawn
		// reference date is 2020-03-10 (they join later, on the 20th).
		if e := months[0].Eligible; (e != 497 && e != 498) || months[0].Sampled != 50 {
			t.Fatalf("pool report %+v; want 497 or 498 eligible, 50 sampled", months[0])
		}
		return pool
	}
	a, b := draw(1), draw(3)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("the pool depends on the number of workers: unit %d is %+v with 1 worker, %+v with 3", i, a[i], b[i])
		}
	}
	dates := map[timeline.Date]int{}
	for _, u := range a {
		dates[u.Date]++
	}
	if len(dates) != 2 {
		t.Errorf("comparator reference dates %v; want both participants' start dates drawn", dates)
	}
	if _, _, err := BuildPool(context.Background(), sp, treated, PoolSpec{Eligibility: elig, Cap: 0}); err == nil {
		t.Error("a cap of 0 was accepted")
	}
}
