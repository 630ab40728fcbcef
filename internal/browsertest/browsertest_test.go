package browsertest

import (
	"bytes"
	"fmt"
	"image/png"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/employment-data-lab/datalab/internal/report/chart"
)

var browsers Shared

func TestMain(m *testing.M) { os.Exit(browsers.Run(m)) }

// chartsPage is a minimal published-report-like page holding one of each
// chart, inline.
func chartsPage(t *testing.T) []byte {
	t.Helper()
	weeks := make([]int, 105)
	var part, comp, est, lo, hi []float64
	for w := range weeks {
		weeks[w] = w
		p := 0.1 + 0.35*(1-math.Exp(-float64(w)/30))
		c := 0.1 + 0.28*(1-math.Exp(-float64(w)/35))
		e := p - c
		if w >= 40 && w <= 43 {
			p, e = math.NaN(), math.NaN()
		}
		part, comp, est = append(part, p), append(comp, c), append(est, e)
		lo, hi = append(lo, e-0.02), append(hi, e+0.02)
	}
	rates, err := chart.Rates(chart.RateChart{ID: "employment-rate", Title: "Employment rate of participants and the comparison group", Measure: "Employed", Weeks: weeks, Participants: part, Comparison: comp})
	if err != nil {
		t.Fatal(err)
	}
	impact, err := chart.Impact(chart.ImpactChart{ID: "employment-impact", Title: "Estimated impact on employment", Outcome: "employment", Weeks: weeks, Estimate: est, Low: lo, High: hi})
	if err != nil {
		t.Fatal(err)
	}
	love, err := chart.Love(chart.BalanceChart{ID: "balance", Title: "Covariate balance before and after matching",
		Covariates: []string{"Age", "Sex: female", "Weeks employed, past 52", "Earnings, past 12 months"},
		Before:     []float64{0.31, -0.12, -0.4, math.NaN()}, After: []float64{0.02, -0.01, -0.05, math.NaN()}})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Charts test page</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:Arial,sans-serif;color:#0b0c0c;max-width:960px;margin:0 auto;padding:16px} svg{max-width:100%%;height:auto}</style>
</head><body><main>
<h1 id="headline">Employment went up by 7 percentage points</h1>
<figure><figcaption>Employment rate</figcaption>%s</figure>
<figure><figcaption>Impact</figcaption>%s</figure>
<figure><figcaption>Balance</figcaption>%s</figure>
</main></body></html>`, rates, impact, love)
	return b.Bytes()
}

// TestChartsInBrowser renders the three charts inline and checks that a real
// browser draws them, that they fetch nothing and that axe-core finds no
// WCAG 2.x A/AA violation.
func TestChartsInBrowser(t *testing.T) {
	page := browsers.Browser(t).NewPage(t)
	page.OpenHTML(t, chartsPage(t))
	if got := page.Text(t, "#headline"); got != "Employment went up by 7 percentage points" {
		t.Errorf("headline reads %q", got)
	}
	boxes := page.AssertVisible(t, `svg[role="img"]`)
	if len(boxes) != 3 {
		t.Errorf("%d charts visible, want 3", len(boxes))
	}
	for _, b := range boxes {
		// 640 wide in a 928px column: drawn at natural size.
		if math.Abs(b.Width-640) > 1 {
			t.Errorf("%s drawn %g wide, want 640", b.Selector, b.Width)
		}
	}
	png, _ := page.SaveScreenshot(t, "charts")
	checkPNG(t, png, 1280, 1200)
	page.AssertNoExternalRequests(t)
	page.AssertNoErrors(t)
	page.AssertUniqueIDs(t)
	if v := page.Axe(t, WCAG2AA()...); len(v) > 0 {
		t.Errorf("axe-core found %d WCAG 2.x A/AA violations:\n%s", len(v), Describe(v))
	}
}

func TestDuplicateIDs(t *testing.T) {
	page := browsers.Browser(t).NewPage(t)
	page.OpenHTML(t, []byte(`<!DOCTYPE html><html lang="en"><head><title>d</title></head><body>
<h2 id="a">A</h2><table id="a"><tr><td>1</td></tr></table><p id="b">b</p><p id="c"></p><p id="c"></p></body></html>`))
	ids, err := page.DuplicateIDs()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []string{"a", "c"}) {
		t.Errorf("duplicate ids %v, want [a c]", ids)
	}
}

// checkPNG decodes a screenshot and checks it is at least w×h.
func checkPNG(t *testing.T, b []byte, w, h int) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if s := img.Bounds().Size(); s.X < w || s.Y < h {
		t.Errorf("screenshot is %v, want at least %dx%d (the whole page)", s, w, h)
	}
}

// TestVisibility: each way of hiding an element is caught, and a plain
// element passes.
func TestVisibility(t *testing.T) {
	page := browsers.Browser(t).NewPage(t)
	page.OpenHTML(t, []byte(`<!DOCTYPE html><html lang="en"><head><title>v</title></head><body>
<p id="shown">shown</p>
<div style="display:none"><p id="in-hidden-parent">x</p></div>
<p id="invisible" style="visibility:hidden">x</p>
<div style="opacity:0"><p id="transparent">x</p></div>
<div id="empty"></div>
<p id="off-page" style="position:absolute;left:-900px;top:0">x</p>
<svg id="chart" role="img" width="200" height="100" aria-label="c"><rect width="200" height="100"/></svg>
</body></html>`))
	tests := []struct {
		sel, problem string // problem: a substring of Problem(), "" for visible
	}{
		{"#shown", ""},
		{"#chart", ""},
		{"#in-hidden-parent", "display:none on div"},
		{"#invisible", "visibility:hidden"},
		{"#transparent", "opacity:0 on div"},
		{"#empty", "has no area"},
		{"#off-page", "outside the page"},
	}
	for _, tt := range tests {
		boxes, err := page.Boxes(tt.sel)
		if err != nil {
			t.Fatal(err)
		}
		if len(boxes) != 1 {
			t.Fatalf("%s: %d boxes, want 1", tt.sel, len(boxes))
		}
		got := boxes[0].Problem()
		if tt.problem == "" && got != "" || tt.problem != "" && !strings.Contains(got, tt.problem) {
			t.Errorf("%s: Problem() = %q, want %q", tt.sel, got, tt.problem)
		}
	}
	if b, _ := page.Boxes("#chart"); len(b) == 1 && (b[0].Width != 200 || b[0].Height != 100) {
		t.Errorf("#chart box %gx%g, want 200x100", b[0].Width, b[0].Height)
	}
}

// TestRequestsAreRecorded serves a page from one origin that loads an image
// from another: the other origin's request is external, the page's own are
// not.
func TestRequestsAreRecorded(t *testing.T) {
	pixel := []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/gif")
		w.Write(pixel)
	}))
	defer other.Close()
	own := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/own.gif":
			w.Header().Set("Content-Type", "image/gif")
			w.Write(pixel)
		default:
			fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><head><title>r</title></head><body>
<img src="/own.gif" alt="own"><img src="%s/tracker.gif" alt="other"></body></html>`, other.URL)
		}
	}))
	defer own.Close()

	page := browsers.Browser(t).NewPage(t)
	page.Open(t, own.URL+"/")
	var urls []string
	for _, r := range page.Requests() {
		urls = append(urls, r.URL)
	}
	for _, want := range []string{own.URL + "/", own.URL + "/own.gif", other.URL + "/tracker.gif"} {
		if !slices.Contains(urls, want) {
			t.Errorf("requests %v lack %s", urls, want)
		}
	}
	ext := page.ExternalRequests()
	if len(ext) != 1 || ext[0].URL != other.URL+"/tracker.gif" || ext[0].Status != 200 || ext[0].Type != "Image" {
		t.Errorf("external requests %v, want only GET %s/tracker.gif (Image) → 200", ext, other.URL)
	}
	page.AllowOrigin(other.URL)
	if ext := page.ExternalRequests(); len(ext) != 0 {
		t.Errorf("after AllowOrigin, external requests %v, want none", ext)
	}
}

// TestAxeFindsViolations: a page with known failures must produce them, so a
// clean result elsewhere means something.
func TestAxeFindsViolations(t *testing.T) {
	page := browsers.Browser(t).NewPage(t)
	page.OpenHTML(t, []byte(`<!DOCTYPE html><html><head><title>a</title></head><body>
<img src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7">
<p style="color:#aaaaaa;background:#ffffff">low contrast text</p>
<svg role="img" width="10" height="10"><rect width="10" height="10"/></svg>
</body></html>`))
	v := page.Axe(t, WCAG2AA()...)
	var ids []string
	for _, x := range v {
		ids = append(ids, x.ID)
		if len(x.Nodes) == 0 || x.Help == "" || x.Impact == "" {
			t.Errorf("violation %s lacks nodes, help or impact: %+v", x.ID, x)
		}
	}
	for _, want := range []string{"html-has-lang", "image-alt", "color-contrast", "svg-img-alt"} {
		if !slices.Contains(ids, want) {
			t.Errorf("axe violations %v lack %s", ids, want)
		}
	}
}

func TestPageErrorsAreRecorded(t *testing.T) {
	page := browsers.Browser(t).NewPage(t)
	page.OpenHTML(t, []byte(`<!DOCTYPE html><html lang="en"><head><title>e</title></head><body>
<script>console.error("something broke"); throw new Error("boom")</script></body></html>`))
	errs := strings.Join(page.Errors(), "\n")
	for _, want := range []string{"console.error: something broke", "uncaught exception", "boom"} {
		if !strings.Contains(errs, want) {
			t.Errorf("errors %q lack %q", errs, want)
		}
	}
}

func TestUnavailablePolicy(t *testing.T) {
	// Run in a subtest so the skip or failure is observed, not inherited.
	t.Setenv(RequireEnv, "")
	var skipped bool
	t.Run("skip", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		Unavailable(t, "no browser here")
	})
	if !skipped {
		t.Errorf("Unavailable did not skip without %s", RequireEnv)
	}
}

func TestFindChromiumOverride(t *testing.T) {
	t.Setenv("DATALAB_CHROMIUM", "/nonexistent/chrome")
	if _, err := FindChromium(); err == nil || !strings.Contains(err.Error(), "DATALAB_CHROMIUM=/nonexistent/chrome") {
		t.Errorf("FindChromium with a bad override: error %v", err)
	}
}

func BenchmarkStart(b *testing.B) {
	path, err := FindChromium()
	if err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		br, err := Start(b.Context(), path)
		if err != nil {
			b.Fatal(err)
		}
		if err := br.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestChartsUnderStrictCSP serves the charts under a Content-Security-Policy
// that forbids inline styles and scripts: they draw with no violation, while
// a control page with one style attribute logs one (so the check can fail).
func TestChartsUnderStrictCSP(t *testing.T) {
	charts := chartsPage(t)
	// The test page's own <style> block would be blocked; drop it.
	if i, j := bytes.Index(charts, []byte("<style>")), bytes.Index(charts, []byte("</style>")); i >= 0 && j > i {
		charts = append(charts[:i:i], charts[j+len("</style>"):]...)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/control" {
			fmt.Fprint(w, `<!DOCTYPE html><html lang="en"><head><title>c</title></head><body><p style="color:red">x</p></body></html>`)
			return
		}
		w.Write(charts)
	}))
	defer srv.Close()
	browser := browsers.Browser(t)

	page := browser.NewPage(t)
	page.Open(t, srv.URL+"/")
	page.AssertVisible(t, `svg[role="img"]`)
	page.AssertNoErrors(t)

	control := browser.NewPage(t)
	control.Open(t, srv.URL+"/control")
	if errs := strings.Join(control.Errors(), "\n"); !strings.Contains(errs, "Content Security Policy") {
		t.Errorf("the control page's inline style logged %q; want a Content Security Policy violation", errs)
	}
}
