package qa

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/employment-data-lab/datalab/internal/linkage"
	"github.com/employment-data-lab/datalab/internal/linkage/linkagetest"
)

// secrets lists every identifier value a submission carried, in the forms
// it could leak (searched without regard to case): names (each carries the
// tag "qx", so a name cannot be mistaken for an ordinary word), NINOs with
// and without spaces, dates of birth in both accepted formats, postcodes
// with and without the space.
func secrets(w linkagetest.World) []string {
	var out []string
	for _, p := range w.Submitted {
		out = append(out, p.FirstName, p.LastName,
			p.DateOfBirth.String(), p.DateOfBirth.Time().Format("02/01/2006"))
		if p.NINO != "" {
			out = append(out, p.NINO, p.NINO[:2]+" "+p.NINO[2:4]+" "+p.NINO[4:6])
		}
		if p.Postcode != "" {
			out = append(out, p.Postcode, strings.ReplaceAll(p.Postcode, " ", ""))
		}
	}
	return out
}

// TestNoIdentifierReachesAnyOutput runs the whole QA link with a logger
// writing to a buffer at debug level and every output in a temporary
// folder, then searches the log, the summary and every file written for
// any submitted name, NINO, date of birth or postcode.
func TestNoIdentifierReachesAnyOutput(t *testing.T) {
	noise := linkagetest.DefaultNoise()
	noise.NameTag = "qx"
	w := linkagetest.NewWorld(7, 20000, 400, noise)
	// Add rows that fail the checks, so that error and warning messages are
	// searched too.
	bad := "\r\nBAD1,TN010185M,Quintessa,Vexleigh,31/02/1971,ZZ9 9ZQ,2022-03-01,site1" +
		"\r\nBAD2,QQ123456A,Quintessa,Vexleigh,1971-13-13,NOPE,2022-03-01,site1" +
		"\r\nBAD3,,Quintessa,Vexleigh,2031-01-01,M1 1AE,2022-03-01,site1\r\n"
	dir := t.TempDir()
	in := filepath.Join(dir, "in", "participants.csv")
	os.MkdirAll(filepath.Dir(in), 0o755)
	if err := os.WriteFile(in, []byte(strings.TrimRight(w.CSV, "\r\n")+bad), 0o600); err != nil {
		t.Fatal(err)
	}
	outDir := filepath.Join(dir, "out")
	os.MkdirAll(outDir, 0o755)
	var logBuf, stdout bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Setenv("TMPDIR", outDir) // any temporary file would land here
	cohort, err := Run(context.Background(), Config{
		Participants: in,
		Identities:   linkage.Identities(w.Identities),
		Out:          filepath.Join(outDir, "linked.csv"),
		ReviewOut:    filepath.Join(outDir, "review.csv"),
		IssuesOut:    filepath.Join(outDir, "issues.csv"),
		Spec:         linkage.Spec{Logger: logger},
		Stdout:       &stdout,
	})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, stdout.String())
	}
	if len(cohort.Members) < 300 {
		t.Fatalf("only %d linked; the test needs a real linkage", len(cohort.Members))
	}
	if logBuf.Len() == 0 || stdout.Len() == 0 {
		t.Fatal("nothing logged or printed: the test would prove nothing")
	}
	// The cohort's JSON is what evaluation stores as a database row.
	stored, err := json.Marshal(cohort)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range cohort.Members {
		if strings.Contains(string(stored), `"`+m.ParticipantRef+`"`) {
			t.Fatalf("cohort JSON carries participant_ref %s; it must stay in memory and linked.csv", m.ParticipantRef)
		}
	}
	texts := map[string]string{"log": logBuf.String(), "stdout": stdout.String(), "cohort JSON": string(stored)}
	nFiles := 0
	filepath.WalkDir(outDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(path)
		texts[path] = string(b)
		nFiles++
		return nil
	})
	if nFiles != 3 {
		t.Errorf("%d files under the output folder, want exactly linked.csv, review.csv and issues.csv (no temporary files left)", nFiles)
	}
	extra := []string{"Quintessa", "Vexleigh", "TN010185M", "010185", "QQ123456A", "31/02/1971", "1971-13-13", "2031-01-01", "ZZ9 9ZQ", "NOPE"}
	all := append(secrets(w), extra...)
	for where, text := range texts {
		text = strings.ToLower(text)
		for _, s := range all {
			if len(s) >= 3 && strings.Contains(text, strings.ToLower(s)) {
				t.Errorf("%s contains a submitted identifier %q", where, s)
			}
		}
	}
	// The bad rows were reported, by field.
	if !strings.Contains(texts[filepath.Join(outDir, "issues.csv")], "date_of_birth") {
		t.Error("issues.csv does not name the date_of_birth field")
	}
}

// TestLinkedCSV checks the QA file's shape and that it agrees with the
// cohort and the truth.
func TestLinkedCSV(t *testing.T) {
	w := linkagetest.NewWorld(11, 5000, 300, linkagetest.DefaultNoise())
	dir := t.TempDir()
	in := filepath.Join(dir, "participants.csv")
	os.WriteFile(in, []byte(w.CSV), 0o600)
	var stdout bytes.Buffer
	out := filepath.Join(dir, "linked.csv")
	cohort, err := Run(context.Background(), Config{Participants: in, Identities: linkage.Identities(w.Identities), Out: out, Stdout: &stdout})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(out)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "participant_ref,person_id,status,score,route,reason,posterior" {
		t.Errorf("header %s", got)
	}
	if len(recs)-1 != 300 {
		t.Errorf("%d rows, want one per valid participant (300)", len(recs)-1)
	}
	matched, right := 0, 0
	for _, r := range recs[1:] {
		if r[2] == "match" {
			matched++
			if w.Truth[r[0]] == r[1] {
				right++
			}
			if r[4] != "deterministic" && r[4] != "probabilistic" {
				t.Errorf("match without a route: %v", r)
			}
		}
		if r[2] == "non-match" && (r[1] != "" || r[5] == "") {
			t.Errorf("non-match row %v: want empty person_id and a reason", r)
		}
	}
	if matched != len(cohort.Members) || right < matched-1 {
		t.Errorf("linked.csv has %d matches (%d right), cohort %d", matched, right, len(cohort.Members))
	}
	for _, want := range []string{"submitted", "deterministic", "match rate (of valid)", "thresholds:", "ready for evaluation"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestMinimumCohortRefused(t *testing.T) {
	w := linkagetest.NewWorld(3, 2000, 50, linkagetest.DefaultNoise())
	dir := t.TempDir()
	in := filepath.Join(dir, "participants.csv")
	os.WriteFile(in, []byte(w.CSV), 0o600)
	var stdout bytes.Buffer
	out := filepath.Join(dir, "linked.csv")
	cohort, err := Run(context.Background(), Config{Participants: in, Identities: linkage.Identities(w.Identities), Out: out, Stdout: &stdout})
	if !errors.Is(err, linkage.ErrCohortTooSmall) {
		t.Fatalf("err = %v, want ErrCohortTooSmall", err)
	}
	n := len(cohort.Members)
	if n == 0 || n >= 100 {
		t.Fatalf("cohort %d", n)
	}
	msg := err.Error()
	for _, want := range []string{"below the minimum of 100", "identified", "precise"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if !strings.Contains(msg, " "+itoa(n)+" of 50 submitted") {
		t.Errorf("message %q does not say how many were linked (%d of 50)", msg, n)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("linked.csv not written for a small cohort: %v", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestRefusedSubmission(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "participants.csv")
	os.WriteFile(in, []byte("participant_ref,first_name\nP1,Ann\n"), 0o600)
	var stdout bytes.Buffer
	out := filepath.Join(dir, "linked.csv")
	_, err := Run(context.Background(), Config{Participants: in, Identities: linkage.Identities(nil), Out: out, Stdout: &stdout})
	if err == nil || !strings.Contains(err.Error(), "required column(s) missing") {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(stdout.String(), "participants.csv:1: error") {
		t.Errorf("summary does not list the problem with file and line:\n%s", stdout.String())
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("linked.csv written for a refused submission")
	}
}
