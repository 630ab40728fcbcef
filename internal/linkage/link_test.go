package linkage_test

import (
	"context"
	"strings"
	"testing"

	. "github.com/employment-data-lab/datalab/internal/linkage"
	"github.com/employment-data-lab/datalab/internal/linkage/linkagetest"
	"github.com/employment-data-lab/datalab/internal/linkage/submission"
)

// accuracy scores the match band against the truth: precision is the share
// of links that are right, recall the share of participants truly in the
// spine that were linked, to the right person, in the match band.
type accuracy struct {
	links, right, inSpine int
	review, reviewRight   int
}

func (a accuracy) precision() float64 { return float64(a.right) / float64(a.links) }
func (a accuracy) recall() float64    { return float64(a.right) / float64(a.inSpine) }

func score(res Result, truth map[string]string) accuracy {
	var a accuracy
	for _, id := range truth {
		if id != "" {
			a.inSpine++
		}
	}
	for _, o := range res.Outcomes {
		switch o.Status {
		case StatusMatch:
			a.links++
			if truth[o.ParticipantRef] == o.PersonID {
				a.right++
			}
		case StatusReview:
			a.review++
			if truth[o.ParticipantRef] == o.PersonID {
				a.reviewRight++
			}
		}
	}
	return a
}

func linkWorld(t testing.TB, w linkagetest.World, spec Spec) Result {
	t.Helper()
	sub, err := submission.Read(strings.NewReader(w.CSV), "participants.csv", submission.Options{})
	if err != nil {
		t.Fatalf("submission.Read: %v", err)
	}
	res, err := Link(context.Background(), sub, Identities(w.Identities), spec)
	if err != nil {
		t.Fatalf("Link: %v", err)
	}
	return res
}

// TestLinkAccuracy is the target on our own noisy generator:
// precision ≥ 99.5% and recall ≥ 97% in the match band.
func TestLinkAccuracy(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		w := linkagetest.NewWorld(seed, 50000, 3000, linkagetest.DefaultNoise())
		res := linkWorld(t, w, Spec{})
		a := score(res, w.Truth)
		r := res.Cohort.Report
		t.Logf("seed %d: precision %.4f recall %.4f (links %d right %d in spine %d; review %d of which right %d); det %d prob %d non %d %v; pairs %d; th %.2f/%.2f; est FMR %.4f; EM %v lambda %.3g",
			seed, a.precision(), a.recall(), a.links, a.right, a.inSpine, a.review, a.reviewRight,
			r.MatchedDeterministic, r.MatchedProbabilistic, r.NonMatched, r.NonMatchReasons, r.CandidatePairs,
			r.Thresholds.Upper, r.Thresholds.Lower, r.EstimatedFalseMatchRate, r.Model.Sessions, r.Model.Lambda)
		if a.precision() < 0.995 {
			t.Errorf("seed %d: precision %.4f < 0.995", seed, a.precision())
		}
		if a.recall() < 0.97 {
			t.Errorf("seed %d: recall %.4f < 0.97", seed, a.recall())
		}
	}
}
