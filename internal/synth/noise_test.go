package synth

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// Each kind of submission error occurs at its configured rate, within four
// binomial standard errors over 20,000 rows, and changes the row the way it
// says.
func TestNoiseRates(t *testing.T) {
	cfg, err := DefaultConfig().resolve()
	if err != nil {
		t.Fatal(err)
	}
	g := newGenerator(&cfg)
	s := newSim(g.cfg, g.w, g.progs)
	nr := NoiseRates{MissingNINO: 0.15, NINOTypo: 0.05, Nickname: 0.3, NameTypo: 0.1, DOBSwap: 0.2,
		DOBTypo: 0.05, SurnameChange: 0.08, DOBSlashes: 0.1, MovedPostcode: 0.12, Formatting: 0.1}
	const n = 20000
	r := newPCG(9, 9, streamNoise)
	counts := map[string]int{}
	eligible := map[string]int{}
	for i := range n {
		p := s.newPerson(i)
		row := submissionRow{first: p.first, nick: p.nick, last: p.last, nino: p.nino, postcode: p.postcode, dob: p.dob, district: p.district}
		var e noiseEdits
		e.apply(&r, nr, &row, s, len(g.w.districts))
		count := func(kind string, applied, canApply bool) {
			if canApply {
				eligible[kind]++
				if applied {
					counts[kind]++
				}
			} else if applied {
				t.Fatalf("row %d: %s applied where it cannot be", i, kind)
			}
		}
		_, m, d := p.dob.Civil()
		count("missing", e.missingNINO, true)
		count("ninoTypo", e.ninoTypo, true)
		count("nickname", e.nickname, p.nick != "")
		count("nameTypo", e.nameTypo, true)
		count("dobSwap", e.dobSwap, d <= 12 && d != int(m))
		count("slashes", e.slashes, true)
		count("surname", e.surname, true)
		if e.dobTypo && (e.dobSwap || e.dob == p.dob) {
			t.Fatalf("row %d: DOB typo left %s from %s", i, e.dob, p.dob)
		}
		if !e.dobSwap {
			count("dobTypo", e.dobTypo, true)
		}
		count("moved", e.moved, true)
		count("formatting", e.formatting, true)
		// Each edit does what it says.
		if e.missingNINO && e.nino != "" || e.ninoTypo && !e.formatting && (e.nino == p.nino || len(e.nino) != 9) {
			t.Fatalf("row %d: NINO edit wrong", i)
		}
		if e.dobSwap {
			y2, m2, d2 := e.dob.Civil()
			y1, m1, d1 := p.dob.Civil()
			if y2 != y1 || int(m2) != d1 || d2 != int(m1) {
				t.Fatalf("row %d: DOB swap gave %s from %s", i, e.dob, p.dob)
			}
		}
		if e.moved && !e.formatting && (e.postcode == p.postcode || !postcodeInOtherDistrict(g.w, e.postcode, p.district)) {
			t.Fatalf("row %d: moved postcode %q not in another district", i, e.postcode)
		}
		if !e.formatting && !e.nameTypo && !e.nickname && e.first != p.first {
			t.Fatalf("row %d: first name changed without an edit", i)
		}
		if e.surname && e.last == p.last {
			t.Fatalf("row %d: surname change kept the surname", i)
		}
	}
	want := map[string]float64{"missing": nr.MissingNINO, "ninoTypo": nr.NINOTypo, "nickname": nr.Nickname, "nameTypo": nr.NameTypo,
		"dobSwap": nr.DOBSwap, "dobTypo": nr.DOBTypo, "surname": nr.SurnameChange, "slashes": nr.DOBSlashes, "moved": nr.MovedPostcode, "formatting": nr.Formatting}
	for kind, p := range want {
		m := eligible[kind]
		got := float64(counts[kind]) / float64(m)
		se := math.Sqrt(p * (1 - p) / float64(m))
		if m < 1000 || math.Abs(got-p) > 4*se {
			t.Errorf("%s: rate %.4f over %d eligible rows, want %.4f ± %.4f (4 SE)", kind, got, m, p, 4*se)
		}
	}
}

// postcodeInOtherDistrict reports whether pc's area belongs to a district
// other than d (areas shared between districts count as other only if d
// does not have them).
func postcodeInOtherDistrict(w *worldTables, pc string, d int) bool {
	area := strings.TrimRight(strings.SplitN(pc, " ", 2)[0], "0123456789")
	for _, a := range w.districts[d].Areas {
		if a == area {
			return w.districts[d].Name == "Belfast" || w.districts[d].Name == "Northern Ireland West"
		}
	}
	return true
}

// The noisy file has the same refs as participants.csv plus the extra
// people the spine does not hold, and true_links.csv says which is which.
func TestNoisySubmissions(t *testing.T) {
	dir, sum := world(t)
	for _, ps := range sum.Programmes {
		base := filepath.Join(dir, "programmes", ps.Name)
		hdr := []string{"participant_ref", "nino", "first_name", "last_name", "date_of_birth", "postcode", "start_date", "site"}
		clean := readCSV(t, filepath.Join(base, "participants.csv"), hdr...)
		noisy := readCSV(t, filepath.Join(base, "participants_noisy.csv"), hdr...)
		links := readCSV(t, filepath.Join(base, "true_links.csv"), "participant_ref", "person_id")
		if len(noisy) != len(links) || len(noisy) != ps.NoisyRows {
			t.Fatalf("%s: %d noisy rows, %d links, summary %d", ps.Name, len(noisy), len(links), ps.NoisyRows)
		}
		wantExtra := int(math.Round(DefaultNoiseRates().NotInSpine * float64(len(clean))))
		if ps.NotInSpine != wantExtra || len(noisy)-len(clean) != wantExtra {
			t.Errorf("%s: %d rows not in the spine, want %d (2%% of %d)", ps.Name, len(noisy)-len(clean), wantExtra, len(clean))
		}
		cleanByRef := map[string][]string{}
		for _, r := range clean {
			cleanByRef[r[0]] = r
		}
		differ, slashes := 0, 0
		for i, r := range noisy {
			c, inSpine := cleanByRef[r[0]]
			if inSpine != (links[i][1] != "") || links[i][0] != r[0] {
				t.Fatalf("%s line %d: true_links says person %q for ref %s, in participants.csv: %v", ps.Name, i+2, links[i][1], r[0], inSpine)
			}
			if !inSpine {
				continue
			}
			if r[6] != c[6] || r[7] != c[7] {
				t.Errorf("%s line %d: start date or site changed by noise", ps.Name, i+2)
			}
			if strings.Join(r, ",") != strings.Join(c, ",") {
				differ++
			}
			if strings.Contains(r[4], "/") {
				slashes++
				if _, err := timeline.ParseDate(r[4][6:10] + "-" + r[4][3:5] + "-" + r[4][0:2]); err != nil {
					t.Errorf("%s line %d: DD/MM/YYYY date of birth %q is not a date", ps.Name, i+2, r[4])
				}
			}
		}
		// With the default rates about 45% of rows carry at least one error.
		if f := float64(differ) / float64(len(clean)); f < 0.25 || f > 0.65 {
			t.Errorf("%s: %.0f%% of rows carry noise, want about 45%%", ps.Name, 100*f)
		}
	}
}
