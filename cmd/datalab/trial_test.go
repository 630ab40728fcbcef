package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/employment-data-lab/datalab/internal/evidence"
	"github.com/employment-data-lab/datalab/internal/store"
)

func runTrial(args ...string) (string, error) {
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	return out.String(), err
}

// TestTrialEndToEnd runs a trial from the command line only: a synthetic
// world and its spine, a stratified trial, a locked plan, enrolment from
// eight goroutines at once (each calling datalab trial enrol), tampering
// that verify and analyse both catch, the log restored, and the analysis
// written with its SMS 5 entry in the what-works library.
func TestTrialEndToEnd(t *testing.T) {
	dir := t.TempDir()
	world := filepath.Join(dir, "world")
	spineDB := filepath.Join(dir, "spine.duckdb")
	lab := filepath.Join(dir, "lab.db")
	must := func(args ...string) string {
		t.Helper()
		out, err := runTrial(args...)
		if err != nil {
			t.Fatalf("datalab %s: %v", strings.Join(args, " "), err)
		}
		return out
	}
	must("synth", "--out", world, "--people", "15000", "--seed", "5", "-q")
	must("spine", "import", "--from", filepath.Join(world, "spine"), "--db", spineDB, "-q")
	participants := filepath.Join(world, "programmes", "jobsearch_plus", "participants.csv")

	must("trial", "create", "--db", lab, "--trial", "e2e", "--title", "Jobsearch plus", "--stratify", "site=North,Midlands,South_and_East,West_and_Nations")
	must("trial", "plan", "--db", lab, "--trial", "e2e", "--primary", "employed", "--horizon", "52",
		"--covariates", "age,weeks_employed_104,site", "--subgroups", "sex", "--mde", "0.1")
	must("trial", "lock", "--db", lab, "--trial", "e2e")

	// Enrol concurrently: eight goroutines, each enrolling every eighth
	// participant through the enrol command.
	f, err := os.Open(participants)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	recs = recs[1:]
	var wg sync.WaitGroup
	errs := make(chan error, len(recs))
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < len(recs); i += 8 {
				site := strings.ReplaceAll(recs[i][7], " ", "_")
				if _, err := runTrial("trial", "enrol", "--db", lab, "--trial", "e2e", "--ref", recs[i][0], "--stratum", "site="+site); err != nil {
					errs <- fmt.Errorf("enrol %s: %w", recs[i][0], err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	out := must("trial", "verify", "--db", lab, "--trial", "e2e", "--json")
	var vr struct {
		OK      bool
		Entries int
	}
	if err := json.Unmarshal([]byte(out), &vr); err != nil || !vr.OK || vr.Entries != len(recs) {
		t.Fatalf("verify after concurrent enrolment: %s (%v); want %d entries", out, err, len(recs))
	}

	// Tamper: flip the arm of the 5th allocation behind the service's back.
	raw, err := sql.Open("sqlite", lab)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var arm string
	if err := raw.QueryRow(`SELECT arm FROM trial_allocations WHERE trial_id = 'e2e' AND position = 5`).Scan(&arm); err != nil {
		t.Fatal(err)
	}
	other := map[string]string{"control": "treatment", "treatment": "control"}[arm]
	if _, err := raw.Exec(`UPDATE trial_allocations SET arm = ? WHERE trial_id = 'e2e' AND position = 5`, other); err != nil {
		t.Fatal(err)
	}
	outDir := filepath.Join(dir, "results")
	analyse := []string{"trial", "analyse", "--db", lab, "--trial", "e2e", "--participants", participants, "--spine", spineDB,
		"--out", outDir, "--intervention-type", "job_search_support", "-q"}
	if _, err := runTrial("trial", "verify", "--db", lab, "--trial", "e2e"); err == nil || !strings.Contains(err.Error(), "position 5") {
		t.Errorf("verify of a tampered log: %v", err)
	}
	if _, err := runTrial(analyse...); err == nil || !strings.Contains(err.Error(), "refused") || !strings.Contains(err.Error(), "position 5") {
		t.Errorf("analyse of a tampered log: %v", err)
	}
	if _, err := os.Stat(filepath.Join(outDir, "trial_analysis.json")); err == nil {
		t.Error("a refused analysis wrote results")
	}
	if _, err := raw.Exec(`UPDATE trial_allocations SET arm = ? WHERE trial_id = 'e2e' AND position = 5`, arm); err != nil {
		t.Fatal(err)
	}
	must("trial", "verify", "--db", lab, "--trial", "e2e")

	// Departing from the plan without a reason is refused.
	if _, err := runTrial(append(analyse, "--horizon", "26")...); err == nil || !strings.Contains(err.Error(), "--allow-departure") {
		t.Errorf("departure without reason: %v", err)
	}
	sum := must(analyse...)
	for _, want := range []string{"allocation log verified", "run as planned", "CONSORT flow", "treatment vs control", "HC2", "SMS "} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
	var doc struct {
		Schema  string
		Plan    struct{ Hash string }
		Consort struct {
			Enrolled int
			Analysed map[string]int
		}
		Estimates []struct{ Estimate *float64 }
		Quality   []struct {
			AttritionOK bool `json:"attrition_ok"`
			BalanceOK   bool `json:"balance_ok"`
		}
	}
	b, err := os.ReadFile(filepath.Join(outDir, "trial_analysis.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.Schema != "datalab.trial/v1" || doc.Consort.Enrolled != len(recs) || doc.Plan.Hash == "" || len(doc.Estimates) == 0 {
		t.Errorf("trial_analysis.json: %v %+v", err, doc)
	}
	// The allocation is truly random (concealed), so chance imbalance can
	// decide the level: SMS 5 needs acceptable attrition and every baseline
	// |SMD| ≤ 0.25 (What Works Clearinghouse), else SMS 4. The level
	// reported must follow the judgement recorded beside it.
	wantLevel := 5
	for _, q := range doc.Quality {
		if !q.AttritionOK || !q.BalanceOK {
			wantLevel = 4
		}
	}
	if len(doc.Quality) == 0 {
		t.Error("trial_analysis.json has no quality judgement")
	}
	if want := fmt.Sprintf("SMS %d", wantLevel); !strings.Contains(sum, want) {
		t.Errorf("summary lacks %q (from the recorded attrition and balance judgement):\n%s", want, sum)
	}
	for _, name := range []string{"trial_report.json", "trial_report.html", "summary.txt", "linked.csv"} {
		if fi, err := os.Stat(filepath.Join(outDir, name)); err != nil {
			t.Errorf("%s not written: %v", name, err)
		} else if fi.Size() == 0 {
			t.Errorf("%s is empty", name)
		}
	}
	if html, err := os.ReadFile(filepath.Join(outDir, "trial_report.html")); err == nil && !bytes.Contains(html, []byte("<h1")) {
		t.Errorf("trial_report.html has no heading: %.200s", html)
	}

	db, err := store.Open(context.Background(), lab)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	studies, err := db.Evidence().Studies(context.Background(), evidence.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range studies {
		if s.Source == evidence.SourceTrial && strings.Contains(s.Citation, doc.Plan.Hash) {
			found = true
			if s.Standard().Level != wantLevel || s.Design != evidence.RCT || s.OutcomeCode != "employed_week_52" {
				t.Errorf("library entry %+v: want an SMS %d RCT on employed_week_52", s, wantLevel)
			}
		}
	}
	if !found {
		t.Errorf("no trial study with plan hash %s in the library (%d studies)", doc.Plan.Hash, len(studies))
	}
}
