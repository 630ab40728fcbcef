package linkage_test

import (
	"context"
	"strings"
	"testing"

	. "github.com/employment-data-lab/datalab/internal/linkage"
	"github.com/employment-data-lab/datalab/internal/linkage/linkagetest"
	"github.com/employment-data-lab/datalab/internal/linkage/submission"
)

// Two participants claim one spine person: the better-scoring one is
// linked and the other is a non-match because its candidate was taken.
func TestCandidateTaken(t *testing.T) {
	w := linkagetest.NewWorld(9, 5000, 300, linkagetest.DefaultNoise())
	id := w.Identities[4999]
	for _, p := range w.Truth {
		if p == id.PersonID {
			t.Skip("identity already in the submission")
		}
	}
	dob := id.DateOfBirth.String()
	rows := "\r\nX1," + id.NINO + "," + id.FirstName + "," + id.LastName + "," + dob + "," + id.Postcode + ",2022-06-01,site1" +
		"\r\nX2,," + id.FirstName + "e," + id.LastName + "," + dob + "," + id.Postcode + ",2022-06-01,site1\r\n"
	sub, err := submission.Read(strings.NewReader(strings.TrimRight(w.CSV, "\r\n")+rows), "p.csv", submission.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Link(context.Background(), sub, Identities(w.Identities), Spec{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Outcome{}
	for _, o := range res.Outcomes {
		got[o.ParticipantRef] = o
	}
	if o := got["X1"]; o.Status != StatusMatch || o.PersonID != id.PersonID || o.Route != RouteDeterministic {
		t.Errorf("X1: %+v", o)
	}
	if o := got["X2"]; o.Status != StatusNonMatch || o.Reason != ReasonCandidateTaken || o.PersonID != "" {
		t.Errorf("X2: %+v, want a non-match with reason %q", o, ReasonCandidateTaken)
	}
	if res.Cohort.Report.NonMatchReasons[ReasonCandidateTaken] < 1 {
		t.Errorf("report reasons %v", res.Cohort.Report.NonMatchReasons)
	}
}
