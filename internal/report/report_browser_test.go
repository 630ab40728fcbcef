package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/employment-data-lab/datalab/internal/browsertest"
	"github.com/employment-data-lab/datalab/internal/report"
)

// TestReportInBrowser opens the published report of a realistic evaluation
// (testdata/evaluation.json, the output of `datalab evaluate` on a
// synthetic world) in headless Chromium and checks what a reader gets: the
// headline and every chart are drawn, the page fetches nothing, logs no
// error, has no WCAG 2.x A/AA violation axe-core can find, and its charts
// shrink to fit a phone's screen. The screenshot lands in t.TempDir() and,
// with DATALAB_SCREENSHOT_DIR set, there too.
func TestReportInBrowser(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "evaluation.json"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.FromJSON(data, report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	html, err := r.HTML()
	if err != nil {
		t.Fatal(err)
	}
	wantCharts := bytes.Count(html, []byte(`role="img"`))
	if wantCharts < 3 {
		t.Fatalf("the report has %d charts; want at least rates, impact and balance", wantCharts)
	}
	if len(r.Headlines) == 0 {
		t.Fatal("the report has no headline result")
	}

	page := browsertest.New(t).NewPage(t)
	page.OpenHTML(t, html)

	t.Run("headline", func(t *testing.T) {
		page.AssertVisible(t, "h1")
		if got := page.Text(t, "h1"); !strings.Contains(got, r.Programme) {
			t.Errorf("the page's heading %q does not name the programme %q", got, r.Programme)
		}
		page.AssertVisible(t, ".headline.primary h3")
		if got, want := page.Text(t, ".headline.primary h3"), r.Headlines[0].Title; got != want {
			t.Errorf("the primary headline reads %q, want %q", got, want)
		}
	})

	t.Run("charts", func(t *testing.T) {
		boxes := page.AssertVisible(t, `svg[role="img"]`)
		if len(boxes) != wantCharts {
			t.Errorf("%d charts drawn, want %d (every chart in the HTML)", len(boxes), wantCharts)
		}
		for _, b := range boxes {
			if b.Width < 300 || b.Height < 150 {
				t.Errorf("chart %s drawn at %g×%g: too small to read at desktop width", b.Selector, b.Width, b.Height)
			}
		}
		png, path := page.SaveScreenshot(t, "report")
		t.Logf("screenshot: %s (%d bytes)", path, len(png))
	})

	t.Run("self-contained", func(t *testing.T) {
		page.AssertNoExternalRequests(t)
		page.AssertNoErrors(t)
	})

	// Contents links and aria-labelledby resolve to the first element with
	// an id; a second one (a table named like its section) goes unreached.
	t.Run("unique ids", func(t *testing.T) {
		page.AssertUniqueIDs(t)
	})

	t.Run("accessibility", func(t *testing.T) {
		if v := page.Axe(t, browsertest.WCAG2AA()...); len(v) > 0 {
			t.Errorf("axe-core found %d WCAG 2.x A/AA violations in the report:\n%s", len(v), browsertest.Describe(v))
		}
	})

	// WCAG 1.4.10 (reflow): at 320 CSS pixels no chart is wider than the
	// screen.
	t.Run("narrow screen", func(t *testing.T) {
		const width = 320
		if err := chromedp.Do(page.Context(), chromedp.EmulateViewport(width, 720)); err != nil {
			t.Fatal(err)
		}
		for _, b := range page.AssertVisible(t, `svg[role="img"]`) {
			if b.X+b.Width > width+0.5 {
				t.Errorf("chart %s spans %g to %g px on a %d px screen", b.Selector, b.X, b.X+b.Width, width)
			}
		}
	})
}
