package report_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/employment-data-lab/datalab/internal/browsertest"
	"github.com/employment-data-lab/datalab/internal/report"
)

// TestReportLayoutInBrowser checks, in headless Chromium, what a reviewer
// found wrong in an earlier rendering: at a 1280 px window the page does
// not scroll sideways (a wide table scrolls inside its own region instead),
// no outcome name in an estimate table wraps to more than two lines, and
// the charts fill the column rather than staying at their natural 640 px;
// at 320 px (WCAG 1.4.10, reflow) the page still does not scroll sideways.
func TestReportLayoutInBrowser(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "evaluation.json"))
	if err != nil {
		t.Fatal(err)
	}
	html, err := report.RenderHTML(data, report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	page := browsertest.New(t).NewPage(t)
	if err := chromedp.Do(page.Context(), chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	page.OpenHTML(t, html)

	type layout struct {
		Window, Page float64 // the window's and the page's widths
		Column       float64 // the main column's content width
		Unwrapped    []string
		Charts       []float64 // each chart's drawn width
		OutcomeLines float64   // most lines an estimate table's outcome name takes
		Worst        string
	}
	const js = `(() => {
  const main = document.querySelector("main");
  const cs = getComputedStyle(main);
  const column = main.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
  const unwrapped = [...document.querySelectorAll("table")]
    .filter((t) => !t.parentElement.classList.contains("table-wrap") || getComputedStyle(t.parentElement).overflowX !== "auto")
    .map((t) => t.id);
  let lines = 0, worst = "";
  for (const th of document.querySelectorAll("table.estimates tbody th[scope=row]")) {
    const s = getComputedStyle(th);
    const n = (th.clientHeight - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom)) / parseFloat(s.lineHeight);
    if (n > lines) { lines = n; worst = th.textContent; }
  }
  return {Window: window.innerWidth, Page: document.documentElement.scrollWidth, Column: column, Unwrapped: unwrapped,
    Charts: [...document.querySelectorAll("figure svg")].map((s) => s.getBoundingClientRect().width),
    OutcomeLines: lines, Worst: worst};
})()`
	measure := func(t *testing.T) layout {
		t.Helper()
		l, err := browsertest.Eval[layout](page, js)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}

	t.Run("desktop", func(t *testing.T) {
		l := measure(t)
		if l.Page > l.Window+0.5 {
			t.Errorf("the page is %g px wide in a %g px window: it scrolls sideways", l.Page, l.Window)
		}
		if len(l.Unwrapped) > 0 {
			t.Errorf("tables %v are not in a region that scrolls sideways", l.Unwrapped)
		}
		if l.OutcomeLines > 2.5 {
			t.Errorf("the outcome %q takes %.1f lines", l.Worst, l.OutcomeLines)
		}
		if len(l.Charts) == 0 {
			t.Fatal("no charts")
		}
		for i, w := range l.Charts {
			if w < l.Column-1 || w > l.Column+1 {
				t.Errorf("chart %d is %g px wide in a %g px column", i, w, l.Column)
			}
		}
	})
	t.Run("narrow screen", func(t *testing.T) {
		if err := chromedp.Do(page.Context(), chromedp.EmulateViewport(320, 720)); err != nil {
			t.Fatal(err)
		}
		if l := measure(t); l.Page > l.Window+0.5 {
			t.Errorf("the page is %g px wide on a %g px screen", l.Page, l.Window)
		}
	})
}
