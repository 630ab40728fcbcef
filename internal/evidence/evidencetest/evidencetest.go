// Package evidencetest is the contract every evidence.Library must meet, run
// against the in-memory library and the SQLite store alike.
package evidencetest

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/employment-data-lab/datalab/internal/evidence"
	"github.com/employment-data-lab/datalab/internal/evidence/effectsize"
)

func fptr(v float64) *float64 { return &v }
func iptr(v int) *int         { return &v }

// Fixture is a fully populated intervention and study.
func Fixture() (evidence.Intervention, evidence.Study) {
	iv := evidence.Intervention{ID: "iv-1", Name: "Programme <One> & Co", Type: "ips", Description: "a description"}
	s := evidence.Study{
		ID: "study-1", InterventionID: "iv-1", Title: "Title <b>", Citation: "Author (2020)", URL: "https://example.org/x",
		Year: 2020, Country: "UK", Population: "adults", PeriodStart: "2018-01", PeriodEnd: "2019",
		Design: evidence.RCT, AttritionOK: false, PretrendsOK: true, SMSOverride: 3, SMSOverrideReason: "high attrition in both arms",
		NTreated: 100, NControl: 120, Outcome: "employed at 12 months", OutcomeCode: "employed_week_52", FollowUpMonths: 12,
		Measure: effectsize.RR, Estimate: fptr(1.2), SE: fptr(0.1), CILow: fptr(1.0), CIHigh: fptr(1.45), CILevel: fptr(0.9),
		EventsTreated: iptr(40), EventsControl: iptr(30), MeanTreated: fptr(1.5), SDTreated: fptr(0.5), MeanControl: fptr(1.25),
		SDControl: fptr(0.55), ControlRate: fptr(0.25), CostPerParticipant: fptr(1234.5), CostPriceYear: 2019,
		Source: evidence.SourceTrial, Illustrative: true, Notes: "notes, with \"quotes\"",
	}
	return iv, s
}

// Contract runs the Library contract on a fresh library from newLib.
func Contract(t *testing.T, newLib func(t *testing.T) evidence.Library) {
	ctx := context.Background()
	t.Run("round trip", func(t *testing.T) {
		lib := newLib(t)
		iv, s := Fixture()
		if err := lib.PutIntervention(ctx, iv); err != nil {
			t.Fatal(err)
		}
		want := s
		if err := want.Normalise(); err != nil {
			t.Fatal(err)
		}
		if err := lib.PutStudy(ctx, s); err != nil {
			t.Fatal(err)
		}
		got, err := lib.Study(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("study round trip:\n got %+v\nwant %+v", got, want)
		}
		giv, err := lib.Intervention(ctx, iv.ID)
		if err != nil || giv != iv {
			t.Errorf("intervention round trip: %+v, %v; want %+v", giv, err, iv)
		}
	})
	t.Run("optional fields stay nil", func(t *testing.T) {
		lib := newLib(t)
		iv, _ := Fixture()
		lib.PutIntervention(ctx, iv)
		s := evidence.Study{ID: "bare", InterventionID: iv.ID, Title: "t", Design: evidence.BeforeAfter, Outcome: "o"}
		if err := lib.PutStudy(ctx, s); err != nil {
			t.Fatal(err)
		}
		got, err := lib.Study(ctx, "bare")
		if err != nil {
			t.Fatal(err)
		}
		if got.Estimate != nil || got.EventsTreated != nil || got.CostPerParticipant != nil || got.Standard().Level != 1 {
			t.Errorf("bare study came back as %+v", got)
		}
	})
	t.Run("replace and filter", func(t *testing.T) {
		lib := newLib(t)
		iv, s := Fixture()
		lib.PutIntervention(ctx, iv)
		lib.PutIntervention(ctx, evidence.Intervention{ID: "iv-2", Name: "Two", Type: "mentoring"})
		lib.PutStudy(ctx, s)
		s.Title = "changed"
		if err := lib.PutStudy(ctx, s); err != nil {
			t.Fatal(err)
		}
		s2 := s
		s2.ID, s2.InterventionID = "study-0", "iv-2"
		if err := lib.PutStudy(ctx, s2); err != nil {
			t.Fatal(err)
		}
		all, _ := lib.Studies(ctx, evidence.Filter{})
		if len(all) != 2 || all[0].ID != "study-0" || all[1].Title != "changed" {
			t.Errorf("studies after replace: %+v", all)
		}
		ips, _ := lib.Studies(ctx, evidence.Filter{Type: "ips"})
		if len(ips) != 1 || ips[0].ID != "study-1" {
			t.Errorf("filter by type ips: %+v", ips)
		}
		byIV, _ := lib.Studies(ctx, evidence.Filter{InterventionID: "iv-2"})
		if len(byIV) != 1 || byIV[0].ID != "study-0" {
			t.Errorf("filter by intervention: %+v", byIV)
		}
		ivs, _ := lib.Interventions(ctx)
		if len(ivs) != 2 || ivs[0].ID != "iv-1" {
			t.Errorf("interventions: %+v", ivs)
		}
	})
	t.Run("not found and bad input", func(t *testing.T) {
		lib := newLib(t)
		if _, err := lib.Study(ctx, "nope"); !errors.Is(err, evidence.ErrNotFound) {
			t.Errorf("missing study: %v, want ErrNotFound", err)
		}
		if _, err := lib.Intervention(ctx, "nope"); !errors.Is(err, evidence.ErrNotFound) {
			t.Errorf("missing intervention: %v, want ErrNotFound", err)
		}
		_, s := Fixture()
		if err := lib.PutStudy(ctx, s); err == nil {
			t.Error("study of an unknown intervention was accepted")
		}
		if err := lib.PutIntervention(ctx, evidence.Intervention{ID: "x", Name: "x", Type: "astrology"}); err == nil {
			t.Error("intervention of an unknown type was accepted")
		}
	})
}
