package linkage_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	. "github.com/employment-data-lab/datalab/internal/linkage"
	"github.com/employment-data-lab/datalab/internal/linkage/submission"
	"github.com/employment-data-lab/datalab/internal/spine"
	"github.com/employment-data-lab/datalab/internal/synth"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

// TestLinkAccuracySynth links every programme's noisy submission in a
// synth world of 20,000 people (internal/synth writes participants_noisy.csv
// and the true links) and checks the targets on the pooled result:
// precision ≥ 99.5% and recall ≥ 97% in the match band. Identities are read
// through spine.ReadIdentities, as the command does.
func TestLinkAccuracySynth(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := synth.DefaultConfig()
	cfg.People = 20000
	cfg.Seed = 5
	sum, err := synth.Write(ctx, dir, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []Identity
	err = spine.ReadIdentities(ctx, filepath.Join(dir, "spine"), func(id spine.Identity) error {
		ids = append(ids, Identity{PersonID: id.PersonID, NINO: id.NINO, FirstName: id.FirstName, LastName: id.LastName,
			DateOfBirth: id.DateOfBirth, DateOfBirthMissing: !id.HasDateOfBirth, Postcode: id.Postcode})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cov := timeline.Interval{Start: sum.Config.Start, End: sum.Config.End}
	var total accuracy
	for _, p := range sum.Programmes {
		pdir := filepath.Join(dir, "programmes", p.Name)
		f, err := os.Open(filepath.Join(pdir, "participants_noisy.csv"))
		if err != nil {
			t.Fatal(err)
		}
		sub, err := submission.Read(f, "participants_noisy.csv", submission.Options{Coverage: &cov})
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		res, err := Link(ctx, sub, Identities(ids), Spec{})
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		truth := readTruth(t, filepath.Join(pdir, "true_links.csv"))
		a := score(res, truth)
		t.Logf("%s: %d submitted, %d invalid; precision %.4f recall %.4f (%d links, %d right, %d in spine, %d review)",
			p.Name, sub.Report.Rows, sub.Report.Excluded, a.precision(), a.recall(), a.links, a.right, a.inSpine, a.review)
		total.links += a.links
		total.right += a.right
		total.inSpine += a.inSpine
	}
	t.Logf("pooled: precision %.4f recall %.4f (%d links, %d right, %d in spine)", total.precision(), total.recall(), total.links, total.right, total.inSpine)
	if total.inSpine < 300 {
		t.Fatalf("only %d participants in the spine: too few to test the targets", total.inSpine)
	}
	if total.precision() < 0.995 {
		t.Errorf("precision %.4f < 0.995", total.precision())
	}
	if total.recall() < 0.97 {
		t.Errorf("recall %.4f < 0.97", total.recall())
	}
}

func readTruth(t *testing.T, path string) map[string]string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	truth := map[string]string{}
	for _, r := range recs[1:] {
		truth[r[col["participant_ref"]]] = r[col["person_id"]]
	}
	return truth
}
