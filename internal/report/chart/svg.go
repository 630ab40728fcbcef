package chart

import (
	"bytes"
	"fmt"
	"html"
	"image/color"
	"math"
	"regexp"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// GOV.UK Design System colours (https://design-system.service.gov.uk/styles/colour/),
// as CSS hex so a page can reuse them. Every colour that draws data or a
// reference line has at least 3:1 contrast against white; TestPaletteContrast
// checks it with [ContrastRatio].
const (
	// Blue draws the participants, the estimate and "after matching".
	Blue = "#1d70b8"
	// Grey draws the comparison group and threshold lines.
	Grey = "#505a5f"
	// Red draws "before matching".
	Red = "#d4351c"
	// Text is GOV.UK's text colour, used for axes, labels and the zero line.
	Text = "#0b0c0c"
	// BandFill shades the confidence band (a tint of Blue). It is an area
	// fill, so the band's edges are also drawn in Blue to meet 3:1.
	BandFill = "#c6dbed"
	// Gridline is GOV.UK's mid grey, for decorative gridlines only.
	Gridline = "#b1b4b6"
	// White is the chart background.
	White = "#ffffff"
)

// RGB parses a "#rrggbb" colour; it panics on anything else (the palette is
// constant, so a bad value is a programming error).
func RGB(hex string) color.RGBA {
	if len(hex) != 7 {
		panic(fmt.Sprintf("chart: colour %q is not #rrggbb", hex))
	}
	var r, g, b uint8
	if n, err := fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &b); n != 3 || err != nil {
		panic(fmt.Sprintf("chart: colour %q is not #rrggbb", hex))
	}
	return color.RGBA{r, g, b, 0xff}
}

// ContrastRatio is the WCAG 2.x contrast ratio (L1 + 0.05) / (L2 + 0.05) of
// two opaque colours, from 1 (same) to 21 (black on white).
// Definition: https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio.
func ContrastRatio(a, b color.Color) float64 {
	la, lb := relativeLuminance(a), relativeLuminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// relativeLuminance follows https://www.w3.org/TR/WCAG21/#dfn-relative-luminance.
func relativeLuminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// fontFamily is what the SVG names for text: Liberation Sans (the metrics
// gonum/plot measures with), then Arial (metric-compatible), then any sans.
const fontFamily = "Liberation Sans, Arial, Helvetica, sans-serif"

var (
	idPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)
	styleAttr = regexp.MustCompile(`\s*style="([^"]*)"`)
)

// sans is Liberation Sans at size points.
func sans(size vg.Length) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
}

// frame is what every chart shares: the element id prefix, the accessible
// title and description, and the canvas size in CSS pixels.
type frame struct {
	id, title, desc string
	width, height   vg.Length
}

func checkID(id string) error {
	if !idPattern.MatchString(id) {
		return fmt.Errorf("chart: ID %q is not a usable element id; use a letter followed by letters, digits, '-' or '_' (e.g. \"employment-rate\"), unique on the page", id)
	}
	return nil
}

// newPlot returns a plot styled for the report: sans-serif text in GOV.UK
// text colour, no title (the page's caption and the SVG <title> carry it).
func newPlot() *plot.Plot {
	p := plot.New()
	p.BackgroundColor = RGB(White)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(13)
		a.Label.TextStyle.Color = RGB(Text)
		a.Tick.Label.Font = sans(12)
		a.Tick.Label.Color = RGB(Text)
		a.LineStyle.Color = RGB(Text)
		a.LineStyle.Width = 1
		a.Tick.LineStyle.Color = RGB(Text)
		a.Tick.LineStyle.Width = 1
		a.Tick.Length = 5
	}
	return p
}

// horizontalGrid returns light gridlines at the Y ticks only.
func horizontalGrid() *plotter.Grid {
	g := plotter.NewGrid()
	g.Vertical.Color = nil
	g.Horizontal.Color = RGB(Gridline)
	g.Horizontal.Width = 0.5
	return g
}

// legendEntry is one key item: a label and the thumbnails that draw its style.
type legendEntry struct {
	label  string
	thumbs []plot.Thumbnailer
}

const legendHeight = 28

// render draws the plot below a one-row legend and returns the finished SVG.
func render(f frame, p *plot.Plot, legend []legendEntry) ([]byte, error) {
	c := vgsvg.New(f.width, f.height)
	dc := draw.New(c)
	// White page behind everything, legend included.
	dc.SetColor(RGB(White))
	dc.Fill(dc.Rectangle.Path())

	// A margin keeps edge labels (the last week, long covariate names) off
	// the edge of the image.
	const margin = 10
	plotArea := draw.Crop(dc, margin, -margin, margin/2, -margin)
	if len(legend) > 0 {
		plotArea = draw.Crop(plotArea, 0, 0, 0, -legendHeight)
		drawLegend(draw.Crop(dc, 0, 0, f.height-legendHeight-margin/2, 0), legend)
	}
	p.Draw(plotArea)

	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("chart %s: writing SVG: %w", f.id, err)
	}
	return finish(f, buf.Bytes())
}

// drawLegend lays the entries out left to right across the top strip.
func drawLegend(c draw.Canvas, entries []legendEntry) {
	sty := text.Style{Color: RGB(Text), Font: sans(13), Handler: plot.DefaultTextHandler, YAlign: draw.YCenter}
	const thumbW, gap = 28, 24
	x := c.Min.X + 8
	midY := (c.Min.Y + c.Max.Y) / 2
	for _, e := range entries {
		icon := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x, Y: midY - 7},
			Max: vg.Point{X: x + thumbW, Y: midY + 7},
		}}
		for _, t := range e.thumbs {
			t.Thumbnail(&icon)
		}
		x += thumbW + 6
		c.FillText(sty, vg.Point{X: x, Y: midY}, e.label)
		x += sty.Width(e.label) + gap
	}
}

// finish turns vgsvg's document into an inline-able one: no prolog, an
// accessible root, presentation attributes instead of style attributes.
func finish(f frame, doc []byte) ([]byte, error) {
	start := bytes.Index(doc, []byte("<svg"))
	if start < 0 {
		return nil, fmt.Errorf("chart %s: the SVG back end wrote no <svg> element", f.id)
	}
	end := bytes.IndexByte(doc[start:], '>')
	if end < 0 {
		return nil, fmt.Errorf("chart %s: the SVG back end wrote an unterminated <svg> tag", f.id)
	}
	body := doc[start+end+1:]

	var out bytes.Buffer
	w, h := f.width.Points(), f.height.Points()
	fmt.Fprintf(&out, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" role="img" aria-labelledby="%s-title %s-desc" id="%s" font-family="%s">`+"\n",
		w, h, w, h, f.id, f.id, f.id, fontFamily)
	fmt.Fprintf(&out, `<title id="%s-title">%s</title>`+"\n", f.id, html.EscapeString(f.title))
	fmt.Fprintf(&out, `<desc id="%s-desc">%s</desc>`+"\n", f.id, html.EscapeString(f.desc))

	body = styleAttr.ReplaceAllFunc(body, func(m []byte) []byte {
		decl := styleAttr.FindSubmatch(m)[1]
		var attrs strings.Builder
		for _, d := range strings.Split(string(decl), ";") {
			k, v, ok := strings.Cut(d, ":")
			if !ok {
				continue
			}
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if k == "font-family" || v == "normal" && strings.HasPrefix(k, "font-") {
				continue // the root names the family; normal is the default
			}
			fmt.Fprintf(&attrs, ` %s="%s"`, k, html.EscapeString(v))
		}
		return []byte(attrs.String())
	})
	out.Write(body)
	return out.Bytes(), nil
}

// runs splits a series at NaNs into runs of consecutive finite points.
func runs(x []float64, ys ...[]float64) [][]int {
	var out [][]int
	var cur []int
	for i := range x {
		ok := !math.IsNaN(x[i]) && !math.IsInf(x[i], 0)
		for _, y := range ys {
			if math.IsNaN(y[i]) || math.IsInf(y[i], 0) {
				ok = false
			}
		}
		if ok {
			cur = append(cur, i)
			continue
		}
		if len(cur) > 0 {
			out = append(out, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// weeksAxis sets the X axis to weeks 0..max with a tick each quarter (13 weeks).
func weeksAxis(p *plot.Plot, maxWeek int) {
	p.X.Label.Text = "Weeks after the start"
	p.X.Min, p.X.Max = 0, float64(maxWeek)
	p.X.Tick.Marker = plot.TickerFunc(func(min, max float64) []plot.Tick {
		var ts []plot.Tick
		for w := 0; float64(w) <= max; w += 13 {
			if float64(w) >= min {
				ts = append(ts, plot.Tick{Value: float64(w), Label: fmt.Sprint(w)})
			}
		}
		return ts
	})
}

// stepTicks returns labelled ticks every step from the first multiple of step
// at or above min, formatted by label.
func stepTicks(step float64, label func(float64) string) plot.Ticker {
	return plot.TickerFunc(func(min, max float64) []plot.Tick {
		var ts []plot.Tick
		for v := math.Ceil(min/step-1e-9) * step; v <= max+1e-9; v += step {
			if math.Abs(v) < 1e-12 {
				v = 0
			}
			ts = append(ts, plot.Tick{Value: v, Label: label(v)})
		}
		return ts
	})
}

// niceStep picks a tick step of 1, 2 or 5 × 10^k giving about n ticks.
func niceStep(span float64, n int) float64 {
	if span <= 0 || math.IsNaN(span) || math.IsInf(span, 0) {
		return 1
	}
	raw := span / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			return m * mag
		}
	}
	return 10 * mag
}

// formatting helpers for descriptions.
func pct(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) }

func pp(v float64) string { return ppDigits(v, 1) }

// ppDigits formats a difference in proportions as signed percentage points.
func ppDigits(v float64, digits int) string {
	s := fmt.Sprintf("%+.*f", digits, 100*v)
	if strings.Trim(s, "+-0.") == "" {
		s = s[1:]
	}
	return minus(s)
}

// minus writes a leading hyphen-minus as the minus sign U+2212, as the
// report's tables do (and screen readers read it as "minus").
func minus(s string) string {
	if strings.HasPrefix(s, "-") {
		return "\u2212" + s[1:]
	}
	return s
}

// digitsFor is how many decimals a tick step of step (a proportion) needs
// when shown in percentage points.
func digitsFor(step float64) int {
	return max(0, int(-math.Floor(math.Log10(100*step)+1e-9)))
}

func gaps(n int) string {
	if n == 1 {
		return "shown as a gap"
	}
	return "shown as gaps"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
