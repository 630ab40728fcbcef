package spine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// writeSpine writes files (name -> content) into a new folder.
func writeSpine(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// goodSpine is a small valid spine of three people.
func goodSpine() map[string]string {
	return map[string]string{
		"people.csv": "person_id,date_of_birth,sex,region\n" +
			"P1,1990-05-17,F,London\n" +
			"P2,1985-02-28,M,Wales\n" +
			"P3,2000-02-29,F,London\n",
		"identities.csv": "person_id,nino,first_name,last_name,date_of_birth,postcode\n" +
			"P1,AB123456C,Ada,Lovelace,1990-05-17,SW1A 1AA\n" +
			"P2,CD654321E,Bob,Jones,1985-02-28,CF10 1AA\n" +
			"P3,,Cara,Smith,2000-02-29,E1 6AN\n",
		"benefit_spells.csv": "person_id,benefit,start_date,end_date\n" +
			"P1,JSA,2020-01-06,2020-03-01\n" +
			"P2,ESA,2019-06-01,\n" +
			"P2,PIP,2019-06-01,\n",
		"employment_spells.csv": "person_id,employer_id,start_date,end_date\n" +
			"P1,E1,2020-03-02,\n" +
			"P3,E2,2020-01-01,2020-06-30\n",
		"earnings.csv": "person_id,month,amount\n" +
			"P1,2020-03,1500.50\n" +
			"P1,2020-04,1600\n" +
			"P3,2020-01,900\n" +
			"P3,2021-06,0\n",
	}
}

func fixedNow() time.Time { return time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC) }

func TestImportAndReadBack(t *testing.T) {
	ctx := context.Background()
	dir := writeSpine(t, goodSpine())
	db := filepath.Join(t.TempDir(), "spine.duckdb")
	rep, err := Import(ctx, dir, db, ImportOptions{ValidateOptions: ValidateOptions{Now: fixedNow}, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ProblemCount != 0 {
		t.Fatalf("problems: %v", rep.Problems)
	}
	m, err := ReadMeta(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"people": 3, "identities": 3, "benefit_spells": 3, "employment_spells": 2, "earnings": 4, "education": 0}
	for k, n := range want {
		if m.Rows[k] != n {
			t.Errorf("rows.%s = %d, want %d", k, m.Rows[k], n)
		}
	}
	wantWin := timeline.Window{Start: timeline.DateOf(2020, 1, 1), End: timeline.DateOf(2021, 6, 30), EarningsFrom: timeline.MonthOf(2020, 1)}
	if m.Window != wantWin {
		t.Errorf("window = %+v, want %+v", m.Window, wantWin)
	}
	if m.ContentHash != rep.ContentHash || len(m.ContentHash) != 64 {
		t.Errorf("content hash %q vs report %q", m.ContentHash, rep.ContentHash)
	}
	if !m.ImportedAt.Equal(fixedNow()) || m.Version != "test" {
		t.Errorf("imported_at %v version %q", m.ImportedAt, m.Version)
	}

	// Identities read back from the database and from the folder agree.
	for _, src := range []string{db, dir} {
		var got []Identity
		err := ReadIdentities(ctx, src, func(id Identity) error { got = append(got, id); return nil })
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if len(got) != 3 {
			t.Fatalf("%s: %d identities, want 3", src, len(got))
		}
		byID := map[string]Identity{}
		for _, id := range got {
			byID[id.PersonID] = id
		}
		p1 := Identity{PersonID: "P1", NINO: "AB123456C", FirstName: "Ada", LastName: "Lovelace", DateOfBirth: timeline.DateOf(1990, 5, 17), HasDateOfBirth: true, Postcode: "SW1A 1AA"}
		if byID["P1"] != p1 {
			t.Errorf("%s: P1 = %+v, want %+v", src, byID["P1"], p1)
		}
		if byID["P3"].NINO != "" || byID["P3"].DateOfBirth != timeline.DateOf(2000, 2, 29) {
			t.Errorf("%s: P3 = %+v", src, byID["P3"])
		}
	}
}

func TestContentHashStable(t *testing.T) {
	ctx := context.Background()
	a, err := Check(ctx, writeSpine(t, goodSpine()), ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Check(ctx, writeSpine(t, goodSpine()), ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.ContentHash != b.ContentHash {
		t.Errorf("same files, different hashes %s %s", a.ContentHash, b.ContentHash)
	}
	files := goodSpine()
	files["earnings.csv"] = strings.Replace(files["earnings.csv"], "1600", "1601", 1)
	c, err := Check(ctx, writeSpine(t, files), ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.ContentHash == a.ContentHash {
		t.Error("a changed byte kept the hash")
	}
}
