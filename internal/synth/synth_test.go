package synth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/employment-data-lab/datalab/internal/timeline"
)

// hashWorld returns the SHA-256 of every file under dir, by relative path.
func hashWorld(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out[rel] = fmt.Sprintf("%x", h.Sum(nil))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func smallConfig(seed uint64) Config {
	cfg := DefaultConfig()
	cfg.People = 3000
	cfg.Seed = seed
	return cfg
}

// The same seed gives byte-identical files, whatever the number of cores;
// another seed gives another world.
func TestWriteIsDeterministic(t *testing.T) {
	ctx := context.Background()
	dirs := []string{t.TempDir(), t.TempDir(), t.TempDir()}
	procs := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(procs)
	for i, p := range []int{2, 1} {
		runtime.GOMAXPROCS(p)
		if _, err := Write(ctx, dirs[i], smallConfig(5), nil); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GOMAXPROCS(procs)
	if _, err := Write(ctx, dirs[2], smallConfig(6), nil); err != nil {
		t.Fatal(err)
	}
	a, b, c := hashWorld(t, dirs[0]), hashWorld(t, dirs[1]), hashWorld(t, dirs[2])
	if len(a) != 16 {
		t.Errorf("world has %d files, want 16 (6 spine, 3×3 programme, truth.json)", len(a))
	}
	for name, h := range a {
		if b[name] != h {
			t.Errorf("%s differs between runs with the same seed on 2 and 1 cores", name)
		}
	}
	if a["spine/people.csv"] == c["spine/people.csv"] || a["truth.json"] == c["truth.json"] {
		t.Error("seeds 5 and 6 gave the same people.csv or truth.json")
	}
}

// Every file parses as data contract v1.
func TestWorldFollowsContract(t *testing.T) {
	dir, sum := world(t)
	cfg := sum.Config
	date := func(file string, line int, field, s string, empty bool) timeline.Date {
		if s == "" && empty {
			return timeline.Ongoing
		}
		d, err := timeline.ParseDate(s)
		if err != nil {
			t.Fatalf("%s line %d %s: %v", file, line, field, err)
		}
		return d
	}
	regions := map[string]bool{}
	for _, r := range newWorldTables().regions {
		regions[r.Name] = true
	}
	people := map[string]timeline.Date{}
	for i, r := range readCSV(t, filepath.Join(dir, "spine", "people.csv"), "person_id", "date_of_birth", "sex", "region", "district") {
		dob := date("people.csv", i+2, "date_of_birth", r[1], false)
		if _, dup := people[r[0]]; dup {
			t.Fatalf("people.csv line %d: person_id %s twice", i+2, r[0])
		}
		people[r[0]] = dob
		if r[2] != "F" && r[2] != "M" {
			t.Errorf("people.csv line %d: sex %q", i+2, r[2])
		}
		if !regions[r[3]] || r[4] == "" {
			t.Errorf("people.csv line %d: region %q district %q", i+2, r[3], r[4])
		}
		// Working age (16..66) at some point in the window.
		if a0, a1 := float64(cfg.Start-dob)/365.25, float64(cfg.End-dob)/365.25; a1 < 16 || a0 > 67 {
			t.Errorf("people.csv line %d: aged %.1f to %.1f in the window", i+2, a0, a1)
		}
	}
	if len(people) != sharedPeople {
		t.Fatalf("people.csv has %d people, want %d", len(people), sharedPeople)
	}
	ninos := map[string]bool{}
	for i, r := range readCSV(t, filepath.Join(dir, "spine", "identities.csv"), "person_id", "nino", "first_name", "last_name", "date_of_birth", "postcode") {
		if people[r[0]] != date("identities.csv", i+2, "date_of_birth", r[4], false) {
			t.Errorf("identities.csv line %d: date of birth differs from people.csv", i+2)
		}
		if len(r[1]) != 9 || ninos[r[1]] || strings.ContainsAny(r[1][:2], "DFIQUV") || r[1][1] == 'O' || r[1][8] < 'A' || r[1][8] > 'D' {
			t.Errorf("identities.csv line %d: NINO not valid or not unique", i+2)
		}
		ninos[r[1]] = true
		if r[2] == "" || r[3] == "" || len(r[5]) < 6 || r[5][len(r[5])-4] != ' ' {
			t.Errorf("identities.csv line %d: empty name or malformed postcode", i+2)
		}
	}
	spells := func(name string, header ...string) {
		n := 0
		for i, r := range readCSV(t, filepath.Join(dir, "spine", name), header...) {
			n++
			if _, ok := people[r[0]]; !ok {
				t.Fatalf("%s line %d: person_id %s not in people.csv", name, i+2, r[0])
			}
			si, ei := slices.Index(header, "start_date"), slices.Index(header, "end_date")
			s := date(name, i+2, "start_date", r[si], false)
			e := date(name, i+2, "end_date", r[ei], true)
			if e < s {
				t.Errorf("%s line %d: end %s before start %s", name, i+2, r[ei], r[si])
			}
			if e < cfg.Start || s > cfg.End {
				t.Errorf("%s line %d: spell %s..%s does not overlap the window", name, i+2, r[si], r[ei])
			}
			if e != timeline.Ongoing && e > cfg.End {
				t.Errorf("%s line %d: spell ends after the window's end", name, i+2)
			}
			if name == "benefit_spells.csv" {
				if _, ok := timeline.ClassOf(r[1]); !ok {
					t.Errorf("%s line %d: unknown benefit %q", name, i+2, r[1])
				}
			}
			if name == "education.csv" && (!slices.Contains(levelNames[:], r[3]) || (r[4] != "true" && r[4] != "false")) {
				t.Errorf("%s line %d: level %q achieved %q", name, i+2, r[3], r[4])
			}
		}
		if n == 0 {
			t.Errorf("%s is empty", name)
		}
	}
	spells("benefit_spells.csv", "person_id", "benefit", "start_date", "end_date")
	spells("employment_spells.csv", "person_id", "employer_id", "start_date", "end_date")
	spells("education.csv", "person_id", "start_date", "end_date", "level", "achieved")
	seen := map[string]bool{}
	for i, r := range readCSV(t, filepath.Join(dir, "spine", "earnings.csv"), "person_id", "month", "amount") {
		if _, ok := people[r[0]]; !ok {
			t.Fatalf("earnings.csv line %d: person_id %s not in people.csv", i+2, r[0])
		}
		m, err := timeline.ParseMonth(r[1])
		if err != nil || m < cfg.Start.Month() || m > cfg.End.Month() {
			t.Errorf("earnings.csv line %d: month %q outside the window (%v)", i+2, r[1], err)
		}
		if seen[r[0]+r[1]] {
			t.Errorf("earnings.csv line %d: person-month twice", i+2)
		}
		seen[r[0]+r[1]] = true
		v, err := strconv.ParseFloat(r[2], 64)
		if err != nil || v <= 0 || r[2][len(r[2])-3] != '.' {
			t.Errorf("earnings.csv line %d: amount %q is not positive pounds with 2 decimals", i+2, r[2])
		}
	}
}

// Participants are a small share of the population, in each programme's
// target group, with clean identities exactly as in identities.csv; and
// the covariates that drove take-up are exactly the ones the lab's kernel
// computes from the written spine.
func TestParticipantsAreTargetedOnObservables(t *testing.T) {
	dir, sum := world(t)
	tr, err := ReadTruth(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string][]string{}
	byKey := map[string]string{}
	for _, r := range readCSV(t, filepath.Join(dir, "spine", "identities.csv"), "person_id", "nino", "first_name", "last_name", "date_of_birth", "postcode") {
		ids[r[0]] = r[1:]
		byKey[r[1]] = r[0]
	}
	rows := spineRows(t, dir)
	// Shares of the population (design: about 1.5%, 0.5% and 0.3%;
	// measured on seed 11 at 20,000 people: 1.6%, 0.5%, 0.3%).
	share := map[string][2]float64{"jobsearch_plus": {0.010, 0.022}, "health_works": {0.003, 0.008}, "mentoring_null": {0.0015, 0.006}}
	total := 0
	for _, ps := range sum.Programmes {
		prog, _ := tr.Programme(ps.Name)
		s := float64(ps.Participants) / float64(sharedPeople)
		if s < share[ps.Name][0] || s > share[ps.Name][1] {
			t.Errorf("%s: %.2f%% of the population, want %.1f%%..%.1f%%", ps.Name, 100*s, 100*share[ps.Name][0], 100*share[ps.Name][1])
		}
		total += ps.Participants
		parts := readCSV(t, filepath.Join(dir, "programmes", ps.Name, "participants.csv"),
			"participant_ref", "nino", "first_name", "last_name", "date_of_birth", "postcode", "start_date", "site")
		if len(parts) != ps.Participants || prog.Participants != ps.Participants {
			t.Fatalf("%s: %d rows, summary %d, truth %d", ps.Name, len(parts), ps.Participants, prog.Participants)
		}
		for i, r := range parts {
			pid, ok := byKey[r[1]]
			if !ok || fmt.Sprint(ids[pid]) != fmt.Sprint(r[1:6]) {
				t.Fatalf("%s line %d: identity is not exactly a spine identity", ps.Name, i+2)
			}
			d, err := timeline.ParseDate(r[6])
			if err != nil || d.Time().Weekday() != time.Monday || r[6] < prog.FirstStart || r[6] > prog.LastStart || r[7] == "" {
				t.Fatalf("%s line %d: start %q (want a Monday in %s..%s), site %q", ps.Name, i+2, r[6], prog.FirstStart, prog.LastStart, r[7])
			}
			tl := timeline.Build(*rows[pid])
			c := tl.Covariates(d)
			if c.Age < prog.Eligibility.AgeMin || c.Age >= prog.Eligibility.AgeBelow || !slices.Contains(prog.Eligibility.BenefitClasses, c.BenefitClass.String()) {
				t.Errorf("%s line %d: not in the target group: age %.1f, benefit class %s", ps.Name, i+2, c.Age, c.BenefitClass)
			}
		}
	}
	if s := float64(total) / float64(sharedPeople); s < 0.01 || s > 0.035 {
		t.Errorf("participants are %.2f%% of the population, want 1%%..3.5%%", 100*s)
	}

	// The simulation's covariates at each start, rebuilt from the spine.
	cfg := sum.Config
	g := newGenerator(&cfg)
	parts, err := g.participants(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != total {
		t.Fatalf("re-simulation found %d participants, the world %d", len(parts), total)
	}
	for _, p := range parts {
		pid := string(appendID(nil, 'P', p.idx+1, 7))
		tl := timeline.Build(*rows[pid])
		got := tl.Covariates(p.start)
		want := p.cov
		if !near(got.EarningsPrior12, want.EarningsPrior12, 1e-6, 0) {
			t.Errorf("%s at %s: kernel earnings_prior_12 %.2f, take-up saw %.2f", pid, p.start, got.EarningsPrior12, want.EarningsPrior12)
		}
		got.EarningsPrior12, want.EarningsPrior12 = 0, 0
		if got != want {
			t.Errorf("%s at %s: kernel covariates\n%+v\ntake-up saw\n%+v", pid, p.start, got, want)
		}
	}
}

// Every eligibility rule requires a benefit class on the day, which lets
// the simulation skip the take-up model for people without one.
func TestEligibilityNeedsABenefitClass(t *testing.T) {
	for _, p := range programmes() {
		for _, age := range []float64{16, 18, 24, 30, 64} {
			c := timeline.Covariates{Age: age, BenefitClass: timeline.ClassNone}
			if p.TakeUp.eligible(&c) {
				t.Errorf("%s: eligible with no benefit class at age %v", p.Name, age)
			}
		}
	}
	// Take-up is a function of the default covariates alone: the model's
	// only input is a timeline.Covariates.
	var f func(*takeUp, *timeline.Covariates) float64 = (*takeUp).probability
	c := timeline.Covariates{Age: 30, Sex: 'F', Region: "London", BenefitClass: timeline.ClassOutOfWork, WeeksOutOfWork52: 20}
	m := programmes()[0].TakeUp
	want := 1 / (1 + math.Exp(-(m.Intercept + m.AgePer10*(30-40)/10 + m.Region["London"] + m.OOW52*20.0/52)))
	if got := f(&m, &c); !near(got, want, 1e-15, 1e-12) {
		t.Errorf("take-up probability %v, want %v (hand-computed logistic)", got, want)
	}
}

// The zero-effect programme's truth is exactly 0; the others have the
// designed signs; participants' means are what the lab computes from the
// written spine.
func TestTruth(t *testing.T) {
	dir, _ := world(t)
	tr, err := ReadTruth(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Programmes) != 3 {
		t.Fatalf("%d programmes, want 3", len(tr.Programmes))
	}
	for _, p := range tr.Programmes {
		for _, def := range timeline.DefaultOutcomes() {
			for _, m := range []Outcomes{p.ATT, p.ATTNeverJoined, p.MeanParticipants, p.MeanCounterfactual} {
				want := 1
				if def.Weekly {
					want = timeline.Horizon + 1
				}
				if len(m[def.Name]) != want || len(p.N[def.Name]) != want {
					t.Fatalf("%s %s: %d values, want %d", p.Name, def.Name, len(m[def.Name]), want)
				}
			}
			if v, ok := p.ATT[def.Name].At(0); def.Weekly && (!ok || v != 0) {
				t.Errorf("%s %s: ATT at week 0 is %v, want exactly 0 (the start day is before any effect)", p.Name, def.Name, v)
			}
		}
	}
	null, _ := tr.Programme("mentoring_null")
	for name, s := range null.ATT {
		for w, v := range s {
			if v != nil && *v != 0 {
				t.Errorf("mentoring_null %s week %d: ATT %v, want exactly 0", name, w, *v)
			}
		}
	}
	for name, s := range null.ATTNeverJoined {
		if v, _ := s.At(0); v != 0 {
			t.Errorf("mentoring_null %s: ATT (never joined) %v, want exactly 0", name, v)
		}
	}
	// Its late starters lack late follow-up: fewer participants at week 104
	// than at week 0, and null would mark a week nobody reaches.
	if n := null.N["employed"]; n[104] >= n[0] {
		t.Errorf("mentoring_null: %d participants observed at week 104, %d at week 0; want fewer", n[104], n[0])
	}

	// Designed signs (measured on seed 11 at 20,000 people: jobsearch_plus
	// employed −0.038 at week 3, +0.086 at week 26; health_works employed
	// +0.029 and on an inactivity benefit −0.038 at week 52).
	jsp, _ := tr.Programme("jobsearch_plus")
	hw, _ := tr.Programme("health_works")
	for _, c := range []struct {
		prog    *ProgrammeTruth
		outcome string
		week    int
		sign    float64
	}{
		{jsp, "employed", 3, -1}, // lock-in while on the course
		{jsp, "employed", 26, +1},
		{jsp, "on_out_of_work_benefit", 26, -1},
		{jsp, "weeks_employed_0_51", 0, +1},
		{jsp, "earnings_months_1_12", 0, +1},
		{hw, "employed", 52, +1},
		{hw, "on_inactivity_benefit", 52, -1},
		{hw, "weeks_employed_0_103", 0, +1},
	} {
		v, ok := c.prog.ATT[c.outcome].At(c.week)
		if !ok || v*c.sign <= 0 {
			t.Errorf("%s %s week %d: ATT %v, want sign %+v", c.prog.Name, c.outcome, c.week, v, c.sign)
		}
	}

	// mean_participants is what the lab computes from the written files.
	rows := spineRows(t, dir)
	byNINO := map[string]string{}
	for _, r := range readCSV(t, filepath.Join(dir, "spine", "identities.csv"), "person_id", "nino", "first_name", "last_name", "date_of_birth", "postcode") {
		byNINO[r[1]] = r[0]
	}
	win := timeline.Window{Start: timeline.DateOf(2017, 1, 1), End: timeline.DateOf(2023, 12, 31), EarningsFrom: timeline.MonthOf(2017, 1)}
	for _, p := range tr.Programmes {
		var sumW26, sumEarn float64
		n := 0
		for _, r := range readCSV(t, filepath.Join(dir, "programmes", p.Name, "participants.csv"),
			"participant_ref", "nino", "first_name", "last_name", "date_of_birth", "postcode", "start_date", "site") {
			d, _ := timeline.ParseDate(r[6])
			tl := timeline.Build(*rows[byNINO[r[1]]])
			o := tl.Outcomes(d, win)
			v, _ := o.Value("employed", 26)
			e, _ := o.Value("earnings_months_1_12", 0)
			sumW26 += v
			sumEarn += e
			n++
		}
		w26, _ := p.MeanParticipants["employed"].At(26)
		earn, _ := p.MeanParticipants["earnings_months_1_12"].At(0)
		if !near(sumW26/float64(n), w26, 1e-12, 0) || !near(sumEarn/float64(n), earn, 1e-6, 1e-12) {
			t.Errorf("%s: lab's participant means employed@26 %.6f, earnings 1-12 %.2f; truth says %.6f, %.2f",
				p.Name, sumW26/float64(n), sumEarn/float64(n), w26, earn)
		}
	}
}

// With Effect 0 every programme's truth is exactly zero.
func TestNoEffectWorld(t *testing.T) {
	cfg := smallConfig(3)
	cfg.Effect = 0
	cfg.Noise = false
	dir := t.TempDir()
	sum, err := Write(context.Background(), dir, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Files) != 6+3+1 {
		t.Errorf("%d files without noise, want 10", len(sum.Files))
	}
	tr, err := ReadTruth(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range tr.Programmes {
		if p.Participants == 0 {
			t.Errorf("%s has no participants in a 3,000-person world", p.Name)
		}
		for name, s := range p.ATT {
			for w, v := range s {
				if v != nil && *v != 0 {
					t.Errorf("effect 0: %s %s week %d ATT %v, want exactly 0", p.Name, name, w, *v)
				}
			}
		}
	}
}

// Write refuses a non-empty directory without Overwrite, replaces a world
// with it, and leaves nothing that looks like a world when cancelled.
func TestWriteDirectoryHandling(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := smallConfig(1)
	cfg.People = 500
	if _, err := Write(context.Background(), dir, cfg, nil); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("non-empty directory: err %v, want a refusal", err)
	}
	cfg.Overwrite = true
	if _, err := Write(context.Background(), dir, cfg, nil); err != nil {
		t.Fatal(err)
	}
	cfg.Seed = 2
	if _, err := Write(context.Background(), dir, cfg, nil); err != nil {
		t.Fatalf("overwriting a world: %v", err)
	}
	tr, err := ReadTruth(filepath.Join(dir, "truth.json"))
	if err != nil || tr.Seed != 2 {
		t.Fatalf("after overwrite truth.json has seed %d (%v), want 2", tr.Seed, err)
	}

	empty := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cfg.People = 10000
	if _, err := Write(ctx, empty, cfg, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: err %v, want context.Canceled", err)
	}
	ents, _ := os.ReadDir(empty)
	if len(ents) != 0 {
		t.Errorf("cancelled run left %d entries in the directory", len(ents))
	}
}

// Bad settings are refused with what to do.
func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"negative people", func(c *Config) { c.People = -1 }, "choose 1 to"},
		{"negative effect", func(c *Config) { c.Effect = -1 }, "choose a multiplier"},
		{"start mid-month", func(c *Config) { c.Start = timeline.DateOf(2017, 1, 5) }, "first day of a month"},
		{"end mid-month", func(c *Config) { c.End = timeline.DateOf(2023, 12, 5) }, "last day of a month"},
		{"short window", func(c *Config) { c.Start = timeline.DateOf(2020, 1, 1) }, "at least 84"},
		{"bad noise rate", func(c *Config) { c.NoiseRates = DefaultNoiseRates(); c.NoiseRates.NameTypo = 2 }, "not a probability"},
	} {
		cfg := DefaultConfig()
		c.edit(&cfg)
		_, err := Write(context.Background(), t.TempDir(), cfg, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want it to say %q", c.name, err, c.want)
		}
	}
}
