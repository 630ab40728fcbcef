package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runSynth(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	err = run(context.Background(), append([]string{"synth"}, args...), &o, &e)
	return o.String(), e.String(), err
}

func TestSynthHelp(t *testing.T) {
	out, _, err := runSynth(t, "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"data contract v1", "truth.json", "Examples:", "datalab synth --out world", "--people", "--seed", "--effect", "--noise", "--force"} {
		if !strings.Contains(out, want) {
			t.Errorf("synth --help lacks %q", want)
		}
	}
}

func TestSynthCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "world")
	out, errOut, err := runSynth(t, "--out", dir, "--people", "1500", "--seed", "4", "--effect", "0.5")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1500 people, seed 4", "spine/people.csv", "1500", "jobsearch_plus", "truth.json"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "simulated 1500 of 1500 people") {
		t.Errorf("no progress on stderr:\n%s", errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "programmes", "health_works", "participants_noisy.csv")); err != nil {
		t.Errorf("noisy submission missing: %v", err)
	}
	// Refuses to overwrite without --force; quiet means no progress.
	if _, _, err := runSynth(t, "--out", dir, "--people", "1500"); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("second run into a full directory: err %v, want a refusal naming --force", err)
	}
	_, errOut, err = runSynth(t, "--out", dir, "--people", "1000", "--force", "--quiet", "--noise=false")
	if err != nil {
		t.Fatal(err)
	}
	if errOut != "" {
		t.Errorf("--quiet still wrote to stderr: %q", errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "programmes", "health_works", "participants_noisy.csv")); !os.IsNotExist(err) {
		t.Errorf("--noise=false --force left the old noisy file: %v", err)
	}
	for _, bad := range [][]string{
		{"--out", t.TempDir(), "--start", "2017-13-01"},
		{"--out", t.TempDir(), "--end", "2023-12-15"},
		{"--out", t.TempDir(), "--people", "0"},
	} {
		if _, _, err := runSynth(t, bad...); err == nil {
			t.Errorf("synth %v: no error", bad)
		}
	}
}
