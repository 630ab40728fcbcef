package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bcgPath finds shared/reference/bcg.csv above the package directory; the
// test fails (never skips) without it.
func bcgPath(t *testing.T) string {
	t.Helper()
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		for _, c := range []string{filepath.Join(d, "shared", "reference", "bcg.csv"), filepath.Join(d, "..", "shared", "reference", "bcg.csv")} {
			if _, err := os.Stat(c); err == nil {
				return c
			}
		}
		if filepath.Dir(d) == d {
			t.Fatalf("shared/reference/bcg.csv not found above %s; clone shared/ beside the repository", dir)
		}
	}
}

func runEvidence(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	return out.String(), err
}

func TestMetaCommand(t *testing.T) {
	bcg := bcgPath(t)
	dir := t.TempDir()
	out, err := runEvidence(t, "meta", "--effects", bcg, "--measure", "RR", "--json", "--by", "alloc",
		"--forest", filepath.Join(dir, "f.svg"), "--funnel", filepath.Join(dir, "u.svg"))
	if err != nil {
		t.Fatal(err)
	}
	var js map[string]any
	if err := json.Unmarshal([]byte(out), &js); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, out)
	}
	for _, f := range []string{"estimate", "se", "ci_low", "ci_high", "tau2", "i2", "q", "pi_low", "pi_high", "k"} {
		if _, ok := js[f]; !ok {
			t.Errorf("JSON has no field %q", f)
		}
	}
	// metafor 3.8-1 REML on the BCG trials (shared/reference/README.md).
	if e := js["estimate"].(float64); e < -0.71463 || e > -0.71443 {
		t.Errorf("estimate %v, want -0.7145323", e)
	}
	if js["k"].(float64) != 13 || js["subgroups"] == nil {
		t.Errorf("k %v, subgroups %v", js["k"], js["subgroups"])
	}
	for _, f := range []string{"f.svg", "u.svg"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || !bytes.Contains(b, []byte("<svg")) {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	out, err = runEvidence(t, "meta", "--effects", bcg, "--measure", "RR", "--method", "dl", "--knha")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DerSimonian–Laird", "Hartung–Knapp", "tau^2 = 0.3088", "Egger", "Leave-one-out", "Aronson 1948"} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}
	if _, err := runEvidence(t, "meta", "--effects", bcg); err == nil || !strings.Contains(err.Error(), "--measure") {
		t.Errorf("counts without --measure: %v", err)
	}
	if _, err := runEvidence(t, "meta", "--effects", bcg, "--measure", "RR", "--method", "pm"); err == nil {
		t.Error("unknown method accepted")
	}
}

func TestEvidenceCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "lab.db")
	csvPath := filepath.Join("..", "..", "internal", "evidence", "testdata", "illustrative_studies.csv")
	out, err := runEvidence(t, "evidence", "import", csvPath, "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "imported 11 studies") || !strings.Contains(out, "ILLUSTRATIVE") {
		t.Errorf("import output: %s", out)
	}
	out, err = runEvidence(t, "evidence", "add", "--db", db, "--id", "x-1", "--intervention-id", "x",
		"--intervention-name", "X <b>", "--intervention-type", "mentoring", "--title", "T", "--design", "matched comparison",
		"--outcome", "employed at a year", "--outcome-code", "employed_week_52", "--measure", "RD", "--estimate", "3", "--se", "1",
		"--n-treated", "500", "--n-control", "600", "--sms-override", "2", "--sms-override-reason", "poor balance")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "SMS 2 (overridden from 3: poor balance)") {
		t.Errorf("add output: %s", out)
	}
	if _, err := runEvidence(t, "evidence", "add", "--db", db, "--id", "x-1", "--intervention-id", "x", "--title", "T",
		"--design", "rct", "--outcome", "o"); err == nil {
		t.Error("duplicate id accepted without --replace")
	}
	out, err = runEvidence(t, "evidence", "list", "--db", db, "--type", "mentoring")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "x-1") || !strings.Contains(out, "2*") || !strings.Contains(out, "+3.0 pp") || !strings.Contains(out, "2 studies") {
		t.Errorf("list output:\n%s", out)
	}
	out, err = runEvidence(t, "evidence", "show", "ill-ips-a", "--db", db, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var js map[string]any
	if err := json.Unmarshal([]byte(out), &js); err != nil || js["standard"].(map[string]any)["level"].(float64) != 5 {
		t.Errorf("show --json: %v %s", err, out)
	}
	out, _ = runEvidence(t, "evidence", "show", "ill-ips-a", "--db", db)
	if !strings.HasPrefix(out, "ILLUSTRATIVE") {
		t.Errorf("show does not label an illustrative study:\n%s", out)
	}
	exp := filepath.Join(dir, "out.csv")
	if _, err := runEvidence(t, "evidence", "export", "--db", db, "--out", exp); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(exp)
	if n := strings.Count(string(b), "\n"); n != 13 {
		t.Errorf("export has %d lines, want header + 12", n)
	}
	if _, err := runEvidence(t, "evidence", "show", "nope", "--db", db); err == nil {
		t.Error("show of a missing study: no error")
	}

	// The toolkit command (registered by the lead in main.go).
	var tout bytes.Buffer
	a := &app{stdout: &tout, stderr: io.Discard, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	tk := newToolkitCmd(a)
	site := filepath.Join(dir, "site")
	tk.SetArgs([]string{"build", "--db", db, "--out", site})
	if err := tk.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tout.String(), "9 intervention types") || !strings.Contains(tout.String(), "ILLUSTRATIVE") {
		t.Errorf("toolkit build output: %s", tout.String())
	}
	for _, f := range []string{"index.html", "ips.html", "mentoring.html", "toolkit.json"} {
		if _, err := os.Stat(filepath.Join(site, f)); err != nil {
			t.Errorf("toolkit build did not write %s", f)
		}
	}
	page, _ := os.ReadFile(filepath.Join(site, "mentoring.html"))
	if !strings.Contains(string(page), "X &lt;b&gt;") {
		t.Error("intervention name not escaped on the mentoring page")
	}
}

func TestEvidenceHelp(t *testing.T) {
	for _, args := range [][]string{
		{"meta", "--help"}, {"evidence", "--help"}, {"evidence", "add", "--help"}, {"evidence", "list", "--help"},
		{"evidence", "show", "--help"}, {"evidence", "import", "--help"}, {"evidence", "export", "--help"}, {"evidence", "types", "--help"},
	} {
		out, err := runEvidence(t, args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if !strings.Contains(out, "Usage:") || !strings.Contains(out, "Examples:") {
			t.Errorf("%v: help lacks usage or examples:\n%s", args, out)
		}
	}
	var out bytes.Buffer
	a := &app{stdout: &out, stderr: io.Discard}
	tk := newToolkitCmd(a)
	tk.SetOut(&out)
	tk.SetArgs([]string{"build", "--help"})
	if err := tk.Execute(); err != nil || !strings.Contains(out.String(), "Examples:") || !strings.Contains(out.String(), "I²") {
		t.Errorf("toolkit build --help: %v\n%s", err, out.String())
	}
}
