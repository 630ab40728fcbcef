package spine

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// TestProblems checks every row-level validation error: each case adds or
// replaces rows of the good spine and names the exact problems expected.
func TestProblems(t *testing.T) {
	cases := []struct {
		name  string
		file  string // file to change
		body  string // replaces the file (header included)
		want  []string
		valid int64 // valid rows left in that file
	}{
		{"bad date", "employment_spells.csv",
			"person_id,employer_id,start_date,end_date\nP1,E1,2020-13-01,\nP3,E2,01/02/2020,2020-06-30\n",
			[]string{
				`employment_spells.csv:2: start_date: not a real calendar date (value "2020-13-01")`,
				`employment_spells.csv:3: start_date: not a date in the form YYYY-MM-DD (value "01/02/2020")`,
			}, 0},
		{"end before start", "benefit_spells.csv",
			"person_id,benefit,start_date,end_date\nP1,JSA,2020-03-01,2020-02-29\nP2,ESA,2019-06-01,2019-06-01\n",
			[]string{`benefit_spells.csv:2: end_date: end before start: end_date is earlier than start_date (value "2020-02-29")`}, 1},
		{"unknown benefit code", "benefit_spells.csv",
			"person_id,benefit,start_date,end_date\nP1,JSX,2020-01-06,\nP1,jsa,2020-01-06,2019-12-31\n",
			[]string{
				`benefit_spells.csv:2: benefit: unknown benefit code (known: JSA, UC_SEARCHING, ESA, IS, IB, UC_PREPARING, UC_NO_WORK_REQ, UC_WORKING, PIP, DLA) (value "JSX")`,
				`benefit_spells.csv:3: benefit: unknown benefit code (known: JSA, UC_SEARCHING, ESA, IS, IB, UC_PREPARING, UC_NO_WORK_REQ, UC_WORKING, PIP, DLA) (value "jsa")`,
				`benefit_spells.csv:3: end_date: end before start: end_date is earlier than start_date (value "2019-12-31")`,
			}, 0},
		{"duplicate person_id", "people.csv",
			"person_id,date_of_birth,sex,region\nP1,1990-05-17,F,London\nP2,1985-02-28,M,Wales\nP3,2000-02-29,F,London\nP1,1970-01-01,M,Wales\n",
			[]string{`people.csv:5: person_id: duplicate person_id: it already appears on an earlier row (value "P1")`}, 3},
		{"spell for an unknown person", "employment_spells.csv",
			"person_id,employer_id,start_date,end_date\nP9,E1,2020-01-01,\n",
			[]string{`employment_spells.csv:2: person_id: unknown person: not in people (or that row was rejected) (value "P9")`}, 0},
		{"earnings for an unknown person", "earnings.csv",
			"person_id,month,amount\nP1,2020-03,10\nP9,2020-03,10\n",
			[]string{`earnings.csv:3: person_id: unknown person: not in people (or that row was rejected) (value "P9")`}, 1},
		{"negative amount", "earnings.csv",
			"person_id,month,amount\nP1,2020-03,-0.01\nP1,2020-04,ten\nP1,2020-05,0\n",
			[]string{
				`earnings.csv:2: amount: negative amount (amounts are pounds earned, 0 or more) (value "-0.01")`,
				`earnings.csv:3: amount: not a number (pounds, e.g. 1234.56) (value "ten")`,
			}, 1},
		{"bad month", "earnings.csv",
			"person_id,month,amount\nP1,2020-13,10\nP1,2020-3,10\nP1,2020-03-01,10\nP1,2020-04,1\n",
			[]string{
				`earnings.csv:2: month: not a real calendar month (value "2020-13")`,
				`earnings.csv:3: month: not a month in the form YYYY-MM (value "2020-3")`,
				`earnings.csv:4: month: not a month in the form YYYY-MM (value "2020-03-01")`,
			}, 1},
		{"sex not F or M", "people.csv",
			"person_id,date_of_birth,sex,region\nP1,1990-05-17,F,London\nP2,1985-02-28,M,Wales\nP3,2000-02-29,F,London\nP4,2000-01-01,X,Wales\n",
			[]string{`people.csv:5: sex: sex must be F or M (value "X")`}, 3},
		{"achieved not true or false", "education.csv",
			"person_id,start_date,end_date,level,achieved\nP1,2019-09-01,2020-06-30,L3,yes\nP2,2019-09-01,,L2,\n",
			[]string{`education.csv:2: achieved: not true or false (value "yes")`}, 1},
		{"empty required value and wrong field count", "employment_spells.csv",
			"person_id,employer_id,start_date,end_date\nP1,,2020-01-01,\nP1,E1,2020-01-01\n",
			[]string{
				`employment_spells.csv:2: employer_id: empty, but a value is required`,
				`employment_spells.csv:3: the row has 3 fields but the header has 4`,
			}, 0},
		{"identity values never shown", "identities.csv",
			"person_id,nino,first_name,last_name,date_of_birth,postcode\nP1,AB123456C,Ada,Lovelace,1990-02-30,SW1A 1AA\nP9,CD654321E,Bob,Jones,1985-02-28,CF10 1AA\n",
			[]string{
				`identities.csv:2: date_of_birth: not a real calendar date`,
				`identities.csv:3: person_id: unknown person: not in people (or that row was rejected) (value "P9")`,
			}, 0},
		{"people date of birth never shown", "people.csv",
			"person_id,date_of_birth,sex,region\nP1,17/05/1990,F,London\nP2,1985-02-28,M,Wales\nP3,2000-02-29,F,London\n",
			// P1's rejection makes its rows elsewhere unknown people.
			[]string{
				`people.csv:2: date_of_birth: not a date in the form YYYY-MM-DD`,
				`identities.csv:2: person_id: unknown person: not in people (or that row was rejected) (value "P1")`,
				`benefit_spells.csv:2: person_id: unknown person: not in people (or that row was rejected) (value "P1")`,
				`employment_spells.csv:2: person_id: unknown person: not in people (or that row was rejected) (value "P1")`,
				`earnings.csv:2: person_id: unknown person: not in people (or that row was rejected) (value "P1")`,
				`earnings.csv:3: person_id: unknown person: not in people (or that row was rejected) (value "P1")`,
			}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := goodSpine()
			files[c.file] = c.body
			dir := writeSpine(t, files)
			var all []Problem
			rep, err := Check(context.Background(), dir, ValidateOptions{OnProblem: func(p Problem) error { all = append(all, p); return nil }})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range rep.Problems {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			if rep.ProblemCount != int64(len(c.want)) || len(all) != len(c.want) {
				t.Errorf("ProblemCount %d, OnProblem saw %d, want %d", rep.ProblemCount, len(all), len(c.want))
			}
			for _, f := range rep.Files {
				if f.Name == c.file && f.Valid != c.valid {
					t.Errorf("%s: %d valid rows, want %d", f.Name, f.Valid, c.valid)
				}
			}
		})
	}
}

// TestIdentityValuesNeverShown imports a spine whose identity columns are
// all invalid and checks that none of their values reaches an error, the
// report or the rejects file.
func TestIdentityValuesNeverShown(t *testing.T) {
	files := goodSpine()
	secrets := []string{"31/02/1990", "1990-02-31", "19900517"}
	files["identities.csv"] = "person_id,nino,first_name,last_name,date_of_birth,postcode\n" +
		"P1,AB123456C,Ada,Lovelace," + secrets[0] + ",SW1A 1AA\n" +
		"P2,CD654321E,Bob,Jones," + secrets[1] + ",CF10 1AA\n"
	files["people.csv"] = strings.Replace(files["people.csv"], "1990-05-17", secrets[2], 1)
	dir := writeSpine(t, files)
	db := filepath.Join(t.TempDir(), "spine.duckdb")
	rep, err := Import(context.Background(), dir, db, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.Write(&out)
	rejects, err := os.ReadFile(RejectsPath(db))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range append(secrets, "AB123456C", "Ada", "Lovelace", "SW1A") {
		if strings.Contains(out.String(), s) || strings.Contains(string(rejects), s) {
			t.Errorf("identity value %q appears in the report or rejects file:\n%s\n%s", s, out.String(), rejects)
		}
	}
	if rep.ProblemCount < 3 {
		t.Errorf("%d problems, want at least 3", rep.ProblemCount)
	}
}

func TestMissingColumnAndFile(t *testing.T) {
	ctx := context.Background()
	files := goodSpine()
	files["earnings.csv"] = "person_id,month\nP1,2020-03\n"
	_, err := Check(ctx, writeSpine(t, files), ValidateOptions{})
	if err == nil || !strings.Contains(err.Error(), "earnings.csv:1: amount: required column is missing") {
		t.Errorf("missing column: %v", err)
	}
	files = goodSpine()
	delete(files, "benefit_spells.csv")
	if _, err := Check(ctx, writeSpine(t, files), ValidateOptions{}); err == nil || !strings.Contains(err.Error(), "no benefit_spells.csv") {
		t.Errorf("missing file: %v", err)
	}
	// education is optional.
	files = goodSpine()
	if rep, err := Check(ctx, writeSpine(t, files), ValidateOptions{}); err != nil || rep.ProblemCount != 0 {
		t.Errorf("spine without education: %v %v", err, rep.Problems)
	}
}

// TestCSVDialect: a byte-order mark, CRLF line ends, quoted fields (one
// spanning two lines) and an unknown column kept as an attribute.
func TestCSVDialect(t *testing.T) {
	files := goodSpine()
	files["people.csv"] = "\ufeffperson_id,date_of_birth,sex,region,site\r\n" +
		"P1,1990-05-17,F,\"North, East\",A\r\n" +
		"P2,1985-02-28,M,\"Two\r\nLines\",B\r\n" +
		"P3,2000-02-29,Q,London,\r\n"
	dir := writeSpine(t, files)
	db := filepath.Join(t.TempDir(), "spine.duckdb")
	rep, err := Import(context.Background(), dir, db, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// P3 starts on line 5: the quoted field spans lines 3 and 4.
	if len(rep.Problems) == 0 || rep.Problems[0].String() != `people.csv:5: sex: sex must be F or M (value "Q")` {
		t.Errorf("problems %v", rep.Problems)
	}
	if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], `"site"`) {
		t.Errorf("warnings %v", rep.Warnings)
	}
	sdb, err := OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	var region, site string
	if err := sdb.QueryRow(`SELECT p.region, a.value FROM people p JOIN people_attributes a USING (pid) WHERE p.person_id = 'P1' AND a.name = 'site'`).Scan(&region, &site); err != nil {
		t.Fatal(err)
	}
	if region != "North, East" || site != "A" {
		t.Errorf("P1 region %q site %q", region, site)
	}
}

func TestParseDateAgreesWithTimeline(t *testing.T) {
	for d := timeline.DateOf(1899, 12, 25); d < timeline.DateOf(2101, 1, 5); d++ {
		got, reason := parseDate(d.String())
		if reason != "" || got != d {
			t.Fatalf("parseDate(%s) = %v, %q", d, got, reason)
		}
	}
	for _, s := range []string{"2023-02-29", "2024-02-30", "2024-00-01", "2024-13-01", "2024-1-01", "2024-01-1 ", "+024-01-01", "2024/01/01"} {
		if _, reason := parseDate(s); reason == "" {
			t.Errorf("parseDate(%q) accepted", s)
		}
		if _, err := timeline.ParseDate(s); err == nil {
			t.Errorf("timeline.ParseDate(%q) accepted: the two parsers disagree", s)
		}
	}
}

// TestStrictAndAtomic: a strict import with a bad row, a cancelled import
// and a missing file all leave the previous database byte for byte as it
// was, and leave no temporary files; a lenient import loads the valid rows
// and writes the rejects file.
func TestStrictAndAtomic(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	db := filepath.Join(out, "spine.duckdb")
	if _, err := Import(ctx, writeSpine(t, goodSpine()), db, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	rejectsBefore, _ := os.ReadFile(RejectsPath(db))

	bad := goodSpine()
	bad["earnings.csv"] += "P1,2020-05,-3\nP9,2020-05,3\n"
	badDir := writeSpine(t, bad)
	_, err = Import(ctx, badDir, db, ImportOptions{Strict: true})
	if !errors.Is(err, ErrStrict) {
		t.Errorf("strict import with bad rows: %v, want ErrStrict", err)
	}
	unchanged := func(what string) {
		t.Helper()
		after, err := os.ReadFile(db)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(before, after) {
			t.Errorf("%s changed the previous database", what)
		}
		if r, _ := os.ReadFile(RejectsPath(db)); !bytes.Equal(r, rejectsBefore) {
			t.Errorf("%s changed the rejects file", what)
		}
		entries, _ := os.ReadDir(out)
		for _, e := range entries {
			if strings.Contains(e.Name(), ".tmp-") {
				t.Errorf("%s left %s behind", what, e.Name())
			}
		}
	}
	unchanged("a strict import")

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Import(cctx, badDir, db, ImportOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled import: %v", err)
	}
	unchanged("a cancelled import")

	missing := goodSpine()
	delete(missing, "earnings.csv")
	if _, err := Import(ctx, writeSpine(t, missing), db, ImportOptions{}); err == nil {
		t.Error("import without earnings succeeded")
	}
	unchanged("a failed import")

	// Lenient: valid rows load, rejects listed.
	rep, err := Import(ctx, badDir, db, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := ReadMeta(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if m.Rows["earnings"] != 4 || m.RejectedRows != 2 || rep.RejectedRows != 2 {
		t.Errorf("earnings rows %d, rejected %d/%d; want 4, 2", m.Rows["earnings"], m.RejectedRows, rep.RejectedRows)
	}
	rejects, err := os.ReadFile(RejectsPath(db))
	if err != nil {
		t.Fatal(err)
	}
	want := "file,line,column,reason,value\n" +
		"earnings.csv,6,amount,\"negative amount (amounts are pounds earned, 0 or more)\",-3\n" +
		"earnings.csv,7,person_id,unknown person: not in people (or that row was rejected),P9\n"
	if string(rejects) != want {
		t.Errorf("rejects file:\n%s\nwant:\n%s", rejects, want)
	}
}

// TestParquet: the same spine as Parquet (typed columns, written by DuckDB
// COPY) loads the same rows; a bad Parquet row is reported by row number.
func TestParquet(t *testing.T) {
	ctx := context.Background()
	csvDir := writeSpine(t, goodSpine())
	pqDir := t.TempDir()
	conv, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer conv.Close()
	for _, name := range []string{"people", "identities", "benefit_spells", "employment_spells", "earnings"} {
		q := "COPY (SELECT * FROM read_csv(" + sqlString(filepath.Join(csvDir, name+".csv")) + ")) TO " +
			sqlString(filepath.Join(pqDir, name+".parquet")) + " (FORMAT parquet)"
		if _, err := conv.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db1 := filepath.Join(t.TempDir(), "csv.duckdb")
	db2 := filepath.Join(t.TempDir(), "pq.duckdb")
	if _, err := Import(ctx, csvDir, db1, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	rep, err := Import(ctx, pqDir, db2, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ProblemCount != 0 {
		t.Fatalf("parquet problems: %v", rep.Problems)
	}
	m1, _ := ReadMeta(ctx, db1)
	m2, _ := ReadMeta(ctx, db2)
	for k, n := range m1.Rows {
		if m2.Rows[k] != n {
			t.Errorf("rows.%s: csv %d, parquet %d", k, n, m2.Rows[k])
		}
	}
	if m1.Window != m2.Window {
		t.Errorf("window csv %v, parquet %v", m1.Window, m2.Window)
	}

	// A bad row: row 2 of earnings.parquet.
	q := "COPY (SELECT * FROM (VALUES ('P1', '2020-03', 5.0), ('P1', '2020-04', -1.5)) t(person_id, month, amount)) TO " +
		sqlString(filepath.Join(pqDir, "earnings.parquet")) + " (FORMAT parquet)"
	if _, err := conv.Exec(q); err != nil {
		t.Fatal(err)
	}
	crep, err := Check(ctx, pqDir, ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(crep.Problems) != 1 || crep.Problems[0].String() != `earnings.parquet:2: amount: negative amount (amounts are pounds earned, 0 or more) (value "-1.5")` {
		t.Errorf("parquet problems %v", crep.Problems)
	}

	// Both formats of one file is ambiguous.
	os.WriteFile(filepath.Join(pqDir, "earnings.csv"), []byte("person_id,month,amount\n"), 0o644)
	if _, err := Check(ctx, pqDir, ValidateOptions{}); err == nil || !strings.Contains(err.Error(), "keep one") {
		t.Errorf("csv and parquet side by side: %v", err)
	}
}

func TestSummary(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "spine.duckdb")
	if _, err := Import(ctx, writeSpine(t, goodSpine()), db, ImportOptions{ValidateOptions: ValidateOptions{Now: fixedNow}, Version: "v9"}); err != nil {
		t.Fatal(err)
	}
	s, err := Summarize(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := s.Write(&buf); err != nil {
		t.Fatal(err)
	}
	lines := map[string]string{}
	for _, l := range strings.Split(buf.String(), "\n") {
		f := strings.Fields(l)
		if len(f) > 0 {
			lines[f[0]] = strings.Join(f, " ")
		}
	}
	// Counted by hand from goodSpine: 3 people; benefit spells JSA, ESA,
	// PIP one each (33.3%); employment 2020-01-01..2020-06-30 with one
	// ongoing; earnings 2020-01..2021-06.
	for _, want := range []string{
		"people 3",
		"window 2020-01-01 to 2021-06-30 (earnings from 2020-01)",
		"benefit_spells 3 2019-06-01 2020-03-01 2",
		"employment_spells 2 2020-01-01 2020-06-30 1",
		"earnings 4 2020-01 2021-06",
		"education 0 - - 0",
		"ESA inactivity 1 33.3% 1",
		"JSA out_of_work 1 33.3% 1",
		"PIP disability 1 33.3% 1",
		"imported 2024-01-02 03:04:05 UTC by datalab v9 (contract v1)",
	} {
		f := strings.Fields(want)
		if lines[f[0]] != want {
			t.Errorf("summary line %q, want %q\n%s", lines[f[0]], want, buf.String())
		}
	}
}
