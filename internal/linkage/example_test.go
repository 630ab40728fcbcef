package linkage_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/employment-data-lab/datalab/internal/linkage"
	"github.com/employment-data-lab/datalab/internal/linkage/linkagetest"
	"github.com/employment-data-lab/datalab/internal/linkage/submission"
)

// Link a noisy submission of 500 participants (10% not in the spine) to a
// synthetic spine of 20,000 identities.
func ExampleLink() {
	w := linkagetest.NewWorld(1, 20000, 500, linkagetest.DefaultNoise())
	sub, err := submission.Read(strings.NewReader(w.CSV), "participants.csv", submission.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := linkage.Link(context.Background(), sub, linkage.Identities(w.Identities), linkage.Spec{})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := res.Cohort.Report
	fmt.Printf("valid %d: matched %d (deterministic %d, probabilistic %d), review %d, not linked %d\n",
		r.Valid, r.Matched, r.MatchedDeterministic, r.MatchedProbabilistic, r.Review, r.NonMatched)
	right := 0
	for _, o := range res.Outcomes {
		if o.Status == linkage.StatusMatch && w.Truth[o.ParticipantRef] == o.PersonID {
			right++
		}
	}
	fmt.Printf("right %d of %d matches; cohort of %d\n", right, r.Matched, len(res.Cohort.Members))
	// Output:
	// valid 500: matched 434 (deterministic 264, probabilistic 170), review 0, not linked 66
	// right 434 of 434 matches; cohort of 434
}
