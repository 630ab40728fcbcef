package browsertest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// WCAG2AA returns the axe-core tags for WCAG 2.0, 2.1 and 2.2 at levels A
// and AA (axe's own tag names).
func WCAG2AA() []string {
	return []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}
}

// AxeRelPath is where `make assets` installs axe-core, from the repository
// root.
const AxeRelPath = "web/node_modules/axe-core/axe.min.js"

// Violation is one axe-core rule that failed, with the elements that failed
// it (axe's result format: https://www.deque.com/axe/core-documentation/api-documentation/#results-object).
type Violation struct {
	ID          string   `json:"id"`     // rule id, e.g. "color-contrast"
	Impact      string   `json:"impact"` // minor, moderate, serious, critical
	Help        string   `json:"help"`
	Description string   `json:"description"`
	HelpURL     string   `json:"helpUrl"`
	Tags        []string `json:"tags"`
	Nodes       []Node   `json:"nodes"`
}

// Node is one element that failed a rule.
type Node struct {
	Target         []string `json:"target"` // CSS selectors locating it
	HTML           string   `json:"html"`
	FailureSummary string   `json:"failureSummary"`
}

// AxeResult is the outcome of one axe run.
type AxeResult struct {
	Violations []Violation `json:"violations"`
	// Incomplete are rules axe could not decide (e.g. contrast over an
	// image); a person should look at them.
	Incomplete []Violation `json:"incomplete"`
	Passes     int         `json:"passes"` // rules passed
	Version    string      `json:"version"`
}

// RepoRoot walks up from the working directory to the folder holding go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("browsertest: no go.mod above the working directory")
		}
		dir = parent
	}
}

// AxePath is the path of axe.min.js, or an error saying how to install it.
func AxePath() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, AxeRelPath)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("axe-core is not installed at %s: run `make assets` (npm install in web/)", p)
	}
	return p, nil
}

// RunAxe injects axe-core into the page and runs the rules with the given
// tags (all rules when none).
func (p *Page) RunAxe(axePath string, tags ...string) (AxeResult, error) {
	src, err := os.ReadFile(axePath)
	if err != nil {
		return AxeResult{}, fmt.Errorf("browsertest: reading axe-core: %w", err)
	}
	if _, err := Eval[bool](p, string(src)+"\n;typeof axe === 'object'"); err != nil {
		return AxeResult{}, fmt.Errorf("browsertest: injecting axe-core: %w", err)
	}
	opts := map[string]any{"resultTypes": []string{"violations", "incomplete"}}
	if len(tags) > 0 {
		opts["runOnly"] = map[string]any{"type": "tag", "values": tags}
	}
	optJSON, err := json.Marshal(opts)
	if err != nil {
		return AxeResult{}, err
	}
	js := `axe.run(document, ` + string(optJSON) + `).then((r) => {
  const pick = (v) => ({id: v.id, impact: v.impact || "", help: v.help, description: v.description,
    helpUrl: v.helpUrl, tags: v.tags,
    nodes: v.nodes.map((n) => ({target: n.target.map(String), html: n.html, failureSummary: n.failureSummary || ""}))});
  return {violations: r.violations.map(pick), incomplete: r.incomplete.map(pick),
    passes: r.passes.length, version: r.testEngine.version};
})`
	res, err := Eval[AxeResult](p, js)
	if err != nil {
		return AxeResult{}, fmt.Errorf("browsertest: running axe-core: %w", err)
	}
	return res, nil
}

// Axe runs axe-core with the given tags (e.g. WCAG2AA()...) and returns the
// violations. When axe-core is not installed, t is skipped (or fails under
// DATALAB_REQUIRE_BROWSER=1). Rules axe could not decide are logged.
func (p *Page) Axe(t testing.TB, tags ...string) []Violation {
	t.Helper()
	path, err := AxePath()
	if err != nil {
		Unavailable(t, "%v", err)
	}
	res, err := p.RunAxe(path, tags...)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("axe-core %s: %d rules passed, %d violated, %d need a person to check", res.Version, res.Passes, len(res.Violations), len(res.Incomplete))
	for _, v := range res.Incomplete {
		t.Logf("axe could not decide %s (%s) on %d element(s)", v.ID, v.Help, len(v.Nodes))
	}
	return res.Violations
}

// Describe formats violations for a test failure message.
func Describe(vs []Violation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "- %s [%s]: %s (%s)\n", v.ID, v.Impact, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "    at %s: %s\n", strings.Join(n.Target, " "), abbreviateHTML(n.HTML))
			if n.FailureSummary != "" {
				fmt.Fprintf(&b, "      %s\n", strings.ReplaceAll(n.FailureSummary, "\n", "\n      "))
			}
		}
	}
	return b.String()
}

func abbreviateHTML(s string) string {
	if len(s) > 160 {
		return s[:157] + "..."
	}
	return s
}
