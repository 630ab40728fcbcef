package chart

import (
	"bytes"
	"encoding/xml"
	"math"
	"strings"
	"testing"
)

// node is a generic SVG element, parsed with encoding/xml.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Nodes   []node     `xml:",any"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n node) walk(fn func(node)) {
	fn(n)
	for _, c := range n.Nodes {
		c.walk(fn)
	}
}

func parse(t *testing.T, svg []byte) node {
	t.Helper()
	var root node
	if err := xml.Unmarshal(svg, &root); err != nil {
		t.Fatalf("SVG does not parse as XML: %v\n%s", err, svg)
	}
	return root
}

// paths returns the <path> elements whose attributes match want exactly
// ("" in want means the attribute must be absent).
func paths(root node, want map[string]string) []node {
	var out []node
	root.walk(func(n node) {
		if n.XMLName.Local != "path" {
			return
		}
		for k, v := range want {
			if n.attr(k) != v {
				return
			}
		}
		out = append(out, n)
	})
	return out
}

// vertices counts the M and L commands of a path (one per data point).
func vertices(p node) int {
	d := p.attr("d")
	return strings.Count(d, "M") + strings.Count(d, "L")
}

var nan = math.NaN()

func weeks() []int {
	w := make([]int, 105)
	for i := range w {
		w[i] = i
	}
	return w
}

// rateFixture: participants 0.2 + 0.002w, comparison 0.2 + 0.001w, with the
// participants' figures suppressed at the given weeks.
func rateFixture(id string, suppressed ...int) RateChart {
	c := RateChart{ID: id, Title: "Employment rate", Measure: "Employed", Weeks: weeks()}
	for _, w := range c.Weeks {
		c.Participants = append(c.Participants, 0.2+0.002*float64(w))
		c.Comparison = append(c.Comparison, 0.2+0.001*float64(w))
	}
	for _, w := range suppressed {
		c.Participants[w] = nan
	}
	return c
}

// impactFixture: estimate -0.02 + 0.001w with SE 0.01 (CI ± 0.0196),
// not published at weeks 50-52.
func impactFixture(id string) ImpactChart {
	c := ImpactChart{ID: id, Title: "Impact on employment", Outcome: "employment", Weeks: weeks()}
	for _, w := range c.Weeks {
		e := -0.02 + 0.001*float64(w)
		if w >= 50 && w <= 52 {
			c.Estimate, c.Low, c.High = append(c.Estimate, nan), append(c.Low, nan), append(c.High, nan)
			continue
		}
		c.Estimate, c.Low, c.High = append(c.Estimate, e), append(c.Low, e-0.0196), append(c.High, e+0.0196)
	}
	return c
}

func loveFixture(id string, signed bool) BalanceChart {
	return BalanceChart{
		ID: id, Title: "Covariate balance", Signed: signed,
		Covariates: []string{"Age", "Sex: female", "Earnings, past 12 months"},
		Before:     []float64{0.3, -0.05, nan},
		After:      []float64{0.02, -0.12, nan},
	}
}

// TestAccessibleRoot checks the root, title and description of each chart.
// The expected description figures are worked by hand from the fixtures:
// rates: participants 0.2+0.002·104 = 0.408 → 41%, comparison 0.304 → 30%,
// largest gap 0.104 at week 104 → 10 points; impact: -2.0 at week 0, +8.4 at
// week 104 with CI 8.4 ± 1.96; the CI is above zero when -0.02+0.001w >
// 0.0196, i.e. weeks 40..104 less the 3 unpublished (62), below zero only at
// week 0 (1), and includes zero at the other 102-63 = 39.
func TestAccessibleRoot(t *testing.T) {
	tests := []struct {
		name     string
		id       string
		draw     func() ([]byte, error)
		title    string
		descHave []string
	}{
		{"rates", "rates-a", func() ([]byte, error) { return Rates(rateFixture("rates-a", 10, 20, 21, 22)) },
			"Employment rate", []string{
				"weeks 0 to 104",
				"Participants: 20% at week 0, 41% at week 104.",
				"Comparison group: 20% at week 0, 30% at week 104.",
				"Largest difference: participants 10 percentage points higher at week 104.",
				"4 weeks are not published",
			}},
		{"impact", "impact-a", func() ([]byte, error) { return Impact(impactFixture("impact-a")) },
			"Impact on employment", []string{
				"from \u22122.0 at week 0 to +8.4 at week 104",
				"At week 104 it is +8.4 (95% confidence interval +6.4 to +10.4).",
				"above zero in 62 weeks, below zero in 1 and includes zero in 39.",
				"3 weeks are not published",
			}},
		{"love", "love-a", func() ([]byte, error) { return Love(loveFixture("love-a", false)) },
			"Covariate balance", []string{
				"for 3 covariates",
				"Before matching, 1 above 0.1 in absolute value; the largest is 0.30 (Age).",
				"After matching, 1 above 0.1 in absolute value; the largest is \u22120.12 (Sex: female).",
				"1 covariate has no difference defined",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svg, err := tt.draw()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(svg, []byte("<svg ")) {
				t.Errorf("output starts %q; want the <svg> element first (no XML prolog), so it can be inlined", svg[:min(len(svg), 40)])
			}
			root := parse(t, svg)
			if root.XMLName.Local != "svg" {
				t.Fatalf("root is <%s>, want <svg>", root.XMLName.Local)
			}
			for k, want := range map[string]string{
				"role":            "img",
				"id":              tt.id,
				"aria-labelledby": tt.id + "-title " + tt.id + "-desc",
			} {
				if got := root.attr(k); got != want {
					t.Errorf("root %s = %q, want %q", k, got, want)
				}
			}
			w, h, vb := root.attr("width"), root.attr("height"), root.attr("viewBox")
			if w == "" || h == "" || vb != "0 0 "+w+" "+h {
				t.Errorf("root width %q height %q viewBox %q; want both sizes and a matching viewBox so CSS can scale it", w, h, vb)
			}
			var title, desc *node
			for i := range root.Nodes {
				switch root.Nodes[i].XMLName.Local {
				case "title":
					title = &root.Nodes[i]
				case "desc":
					desc = &root.Nodes[i]
				}
			}
			if title == nil || desc == nil {
				t.Fatalf("root lacks a <title> or <desc> child")
			}
			if title.attr("id") != tt.id+"-title" || desc.attr("id") != tt.id+"-desc" {
				t.Errorf("title id %q, desc id %q; want %s-title and %s-desc", title.attr("id"), desc.attr("id"), tt.id, tt.id)
			}
			if title.Text != tt.title {
				t.Errorf("title %q, want %q", title.Text, tt.title)
			}
			for _, s := range tt.descHave {
				if !strings.Contains(desc.Text, s) {
					t.Errorf("description lacks %q:\n%s", s, desc.Text)
				}
			}
		})
	}
}

// TestSuppressedPointsBreakTheLine counts the participants' line segments:
// one <path> per run of published weeks, plus one in the legend, with one
// vertex per published week in a run (so no NaN is drawn as zero).
func TestSuppressedPointsBreakTheLine(t *testing.T) {
	participantLine := map[string]string{"stroke": "#1D70B8", "stroke-width": "2.5", "stroke-dasharray": "", "fill": "none"}
	comparisonLine := map[string]string{"stroke": "#505A5F", "stroke-width": "2.5", "stroke-dasharray": "7,4", "fill": "none"}
	markers := map[string]string{"fill": "#1D70B8", "stroke": ""}
	tests := []struct {
		name       string
		suppressed []int
		runs       int // runs of two or more published weeks
		vertices   int // published weeks in those runs
		markers    int // circles: weeks 0,13,…,104 that are published, isolated weeks, the legend
	}{
		{"none suppressed", nil, 1, 105, 9 + 1},
		{"one week", []int{52}, 2, 104, 8 + 1},
		{"a run and a single week", []int{10, 20, 21, 22}, 3, 101, 9 + 1},
		{"an isolated published week", []int{9, 11}, 2, 102, 9 + 1 + 1},
		{"the first and last weeks", []int{0, 104}, 1, 103, 7 + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svg, err := Rates(rateFixture("r", tt.suppressed...))
			if err != nil {
				t.Fatal(err)
			}
			root := parse(t, svg)
			lines := paths(root, participantLine)
			if got := len(lines) - 1; got != tt.runs {
				t.Errorf("participants' line has %d segments, want %d", got, tt.runs)
			}
			v := 0
			for _, l := range lines[1:] { // lines[0] is the legend's
				v += vertices(l)
			}
			if v != tt.vertices {
				t.Errorf("participants' segments have %d vertices, want %d (one per published week in a run)", v, tt.vertices)
			}
			if got := len(paths(root, markers)); got != tt.markers {
				t.Errorf("%d participant markers, want %d", got, tt.markers)
			}
			if got := len(paths(root, comparisonLine)); got != 2 {
				t.Errorf("comparison line has %d paths, want 2 (legend and one unbroken line)", got)
			}
		})
	}
}

// TestImpactBand checks the confidence band: one filled polygon per run of
// published weeks (plus the legend swatch), two dashed edges per run, and a
// zero line.
func TestImpactBand(t *testing.T) {
	svg, err := Impact(impactFixture("imp"))
	if err != nil {
		t.Fatal(err)
	}
	root := parse(t, svg)
	bands := paths(root, map[string]string{"fill": "#C6DBED"})
	if len(bands) != 3 {
		t.Fatalf("%d band polygons, want 3 (weeks 0-49, 53-104, legend)", len(bands))
	}
	for _, b := range bands[1:] {
		if !strings.HasSuffix(b.attr("d"), "Z") {
			t.Errorf("band path %q is not closed", b.attr("d"))
		}
	}
	// The band of weeks 0-49 has 50 upper and 50 lower vertices.
	if got := vertices(bands[1]); got != 100 {
		t.Errorf("first band has %d vertices, want 100", got)
	}
	edges := paths(root, map[string]string{"stroke": "#1D70B8", "stroke-dasharray": "3,2"})
	if len(edges) != 5 {
		t.Errorf("%d band edges, want 5 (two per run and one in the legend)", len(edges))
	}
	zero := paths(root, map[string]string{"stroke": "#0B0C0C", "stroke-width": "1.5"})
	if len(zero) != 2 {
		t.Errorf("%d zero lines, want 2 (the chart's and the legend's)", len(zero))
	}
	estimate := paths(root, map[string]string{"stroke": "#1D70B8", "stroke-width": "2.5"})
	if len(estimate) != 3 {
		t.Errorf("%d estimate paths, want 3 (two runs and the legend)", len(estimate))
	}
}

func TestLoveThresholds(t *testing.T) {
	tests := []struct {
		signed     bool
		thresholds int // dashed threshold lines, legend included
	}{{false, 2}, {true, 3}}
	for _, tt := range tests {
		svg, err := Love(loveFixture("love", tt.signed))
		if err != nil {
			t.Fatal(err)
		}
		root := parse(t, svg)
		if got := len(paths(root, map[string]string{"stroke": "#505A5F", "stroke-dasharray": "6,4"})); got != tt.thresholds {
			t.Errorf("signed=%v: %d threshold lines, want %d", tt.signed, got, tt.thresholds)
		}
		// Two covariates have SMDs; the third is undefined and draws nothing.
		if got := len(paths(root, map[string]string{"stroke": "#D4351C", "fill": "none"})); got != 3 {
			t.Errorf("signed=%v: %d before-matching rings, want 3 (two points and the legend)", tt.signed, got)
		}
		if got := len(paths(root, map[string]string{"fill": "#1D70B8"})); got != 3 {
			t.Errorf("signed=%v: %d after-matching dots, want 3", tt.signed, got)
		}
	}
}

// TestInlineable: nothing fetches anything, no style attributes or elements
// (a strict CSP blocks them), and the same data gives the same bytes.
func TestInlineable(t *testing.T) {
	draws := map[string]func() ([]byte, error){
		"rates":  func() ([]byte, error) { return Rates(rateFixture("x1", 3, 4)) },
		"impact": func() ([]byte, error) { return Impact(impactFixture("x2")) },
		"love":   func() ([]byte, error) { return Love(loveFixture("x3", true)) },
	}
	for name, draw := range draws {
		t.Run(name, func(t *testing.T) {
			a, err := draw()
			if err != nil {
				t.Fatal(err)
			}
			b, err := draw()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Errorf("two renderings of the same data differ")
			}
			if bytes.Contains(a, []byte("<?xml")) || bytes.Contains(a, []byte("<!--")) {
				t.Errorf("output has an XML prolog or comment")
			}
			parse(t, a).walk(func(n node) {
				switch n.XMLName.Local {
				case "image", "script", "style", "foreignObject", "use", "a", "link":
					t.Errorf("element <%s> could fetch or run something", n.XMLName.Local)
				}
				for _, at := range n.Attrs {
					if at.Name.Local == "xmlns" && at.Name.Space == "" {
						continue // the SVG namespace name, never fetched
					}
					v := strings.ToLower(at.Value)
					if strings.Contains(v, "http:") || strings.Contains(v, "https:") || strings.Contains(v, "url(") || strings.Contains(v, "//") {
						t.Errorf("<%s %s=%q> refers to a URL", n.XMLName.Local, at.Name.Local, at.Value)
					}
					if at.Name.Local == "style" || at.Name.Local == "href" {
						t.Errorf("<%s> has a %s attribute", n.XMLName.Local, at.Name.Local)
					}
				}
			})
		})
	}
}

// TestContrast: every colour that draws data or a reference line has at
// least 3:1 contrast with white (WCAG 1.4.11); lines drawn over the band
// keep 3:1 against it too.
func TestContrast(t *testing.T) {
	decorative := map[string]bool{"#FFFFFF": true, "#C6DBED": true, "#B1B4B6": true}
	svgs := []func() ([]byte, error){
		func() ([]byte, error) { return Rates(rateFixture("c1", 5)) },
		func() ([]byte, error) { return Impact(impactFixture("c2")) },
		func() ([]byte, error) { return Love(loveFixture("c3", true)) },
	}
	for _, draw := range svgs {
		svg, err := draw()
		if err != nil {
			t.Fatal(err)
		}
		parse(t, svg).walk(func(n node) {
			for _, k := range []string{"stroke", "fill"} {
				c := n.attr(k)
				if c == "" || c == "none" || decorative[c] {
					continue
				}
				if r := ContrastRatio(RGB(strings.ToLower(c)), RGB(White)); r < 3 {
					t.Errorf("<%s %s=%s> has contrast %.2f:1 with white, want ≥ 3", n.XMLName.Local, k, c, r)
				}
			}
		})
	}
	for _, c := range []string{Blue, Text} {
		if r := ContrastRatio(RGB(c), RGB(BandFill)); r < 3 {
			t.Errorf("%s on the band fill: %.2f:1, want ≥ 3", c, r)
		}
	}
}

// TestContrastRatio checks the WCAG formula. Expected figures: the closed
// forms 21 (black/white) and 1 (same colour); the rest computed independently
// in Python 3 from the WCAG 2.1 definitions:
//
//	lin = lambda c: c/12.92 if c <= 0.04045 else ((c+0.055)/1.055)**2.4
//	L = lambda h: sum(w*lin(int(h[i:i+2],16)/255) for w,i in ((0.2126,1),(0.7152,3),(0.0722,5)))
//	ratio = (max(L(a),L(b))+0.05)/(min(L(a),L(b))+0.05)
//
// GOV.UK's own colour page gives 5.17:1 for #1d70b8 on white, as here.
func TestContrastRatio(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21},
		{"#1d70b8", "#1d70b8", 1},
		{Blue, White, 5.170},
		{Grey, White, 7.074},
		{Red, White, 4.855},
		{Text, White, 19.587},
		{Blue, BandFill, 3.633},
		{Gridline, White, 2.085},
	}
	for _, tt := range tests {
		got := ContrastRatio(RGB(tt.a), RGB(tt.b))
		if math.Abs(got-tt.want) > 0.001 { // Python figures rounded to 3 decimals
			t.Errorf("ContrastRatio(%s, %s) = %.4f, want %.3f", tt.a, tt.b, got, tt.want)
		}
		if back := ContrastRatio(RGB(tt.b), RGB(tt.a)); back != got {
			t.Errorf("ContrastRatio is not symmetric for %s, %s", tt.a, tt.b)
		}
	}
}

func TestBadInput(t *testing.T) {
	short := rateFixture("r")
	short.Comparison = short.Comparison[:3]
	unordered := rateFixture("r")
	unordered.Weeks[5] = 2
	crossed := impactFixture("i")
	crossed.Low[7], crossed.High[7] = 0.1, 0.0
	tests := []struct {
		name string
		draw func() ([]byte, error)
		want string
	}{
		{"bad id", func() ([]byte, error) { return Rates(rateFixture("1 chart")) }, `ID "1 chart" is not a usable element id`},
		{"lengths", func() ([]byte, error) { return Rates(short) }, "105 weeks but 105 participant and 3 comparison figures"},
		{"order", func() ([]byte, error) { return Rates(unordered) }, "week 2 follows week 4"},
		{"no weeks", func() ([]byte, error) { return Impact(ImpactChart{ID: "i"}) }, "no weeks to draw"},
		{"crossed CI", func() ([]byte, error) { return Impact(crossed) }, "week 7: lower limit 0.1 is above upper limit 0"},
		{"threshold", func() ([]byte, error) {
			c := loveFixture("l", false)
			c.Threshold = -1
			return Love(c)
		}, "threshold -1 must be a positive number"},
		{"no covariates", func() ([]byte, error) { return Love(BalanceChart{ID: "l"}) }, "no covariates"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.draw()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestAllSuppressed: a chart with nothing published still draws (axes and
// legend) and says so.
func TestAllSuppressed(t *testing.T) {
	c := rateFixture("empty")
	for i := range c.Participants {
		c.Participants[i], c.Comparison[i] = nan, nan
	}
	svg, err := Rates(c)
	if err != nil {
		t.Fatal(err)
	}
	root := parse(t, svg)
	var desc string
	root.walk(func(n node) {
		if n.XMLName.Local == "desc" {
			desc = n.Text
		}
	})
	if !strings.Contains(desc, "Participants: no figures published.") || !strings.Contains(desc, "105 weeks are not published") {
		t.Errorf("description %q does not say nothing is published", desc)
	}
}

func BenchmarkImpact(b *testing.B) {
	c := impactFixture("bench")
	for b.Loop() {
		if _, err := Impact(c); err != nil {
			b.Fatal(err)
		}
	}
}
