package chart

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ImpactChart is the estimated effect on a weekly binary outcome (the ATT:
// participants' rate minus the matched comparison group's) at each week, with
// its 95% confidence interval.
type ImpactChart struct {
	// ID prefixes the chart's element ids; unique on the page.
	ID string
	// Title is the accessible name, e.g. "Estimated impact on employment".
	Title string
	// Outcome names the outcome in the description, e.g. "employment".
	Outcome string
	// Weeks are the weeks after the start, ascending.
	Weeks []int
	// Estimate, Low and High are differences in proportions (0.05 is five
	// percentage points), one per week; NaN marks a figure that is not
	// published and breaks the line and the band.
	Estimate, Low, High []float64
}

func estimateStyle() draw.LineStyle { return draw.LineStyle{Color: RGB(Blue), Width: 2.5} }

func bandEdgeStyle() draw.LineStyle {
	return draw.LineStyle{Color: RGB(Blue), Width: 1, Dashes: []vg.Length{3, 2}}
}

func zeroStyle() draw.LineStyle { return draw.LineStyle{Color: RGB(Text), Width: 1.5} }

// Impact draws an ImpactChart.
func Impact(c ImpactChart) ([]byte, error) {
	if err := checkID(c.ID); err != nil {
		return nil, err
	}
	n := len(c.Weeks)
	if n == 0 {
		return nil, fmt.Errorf("chart %s: no weeks to draw; pass at least one week", c.ID)
	}
	if len(c.Estimate) != n || len(c.Low) != n || len(c.High) != n {
		return nil, fmt.Errorf("chart %s: %d weeks but %d estimates, %d lower and %d upper limits; pass one of each per week (NaN when not published)", c.ID, n, len(c.Estimate), len(c.Low), len(c.High))
	}
	x := make([]float64, n)
	lo, hi := 0.0, 0.0 // the axis always shows zero
	for i, w := range c.Weeks {
		x[i] = float64(w)
		if i > 0 && w <= c.Weeks[i-1] {
			return nil, fmt.Errorf("chart %s: weeks must ascend, but week %d follows week %d", c.ID, w, c.Weeks[i-1])
		}
		for _, v := range []float64{c.Estimate[i], c.Low[i], c.High[i]} {
			if finite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		if finite(c.Low[i]) && finite(c.High[i]) && c.Low[i] > c.High[i] {
			return nil, fmt.Errorf("chart %s: week %d: lower limit %g is above upper limit %g; pass the 95%% CI as Low ≤ High", c.ID, w, c.Low[i], c.High[i])
		}
	}

	p := newPlot()
	p.Add(horizontalGrid())
	weeksAxis(p, c.Weeks[n-1])
	p.Y.Label.Text = "Impact (percentage points)"

	band := &plotter.Polygon{Color: RGB(BandFill)} // legend thumbnail
	for _, run := range runs(x, c.Low, c.High) {
		if len(run) < 2 {
			// A lone week has no width: draw its interval as a whisker.
			i := run[0]
			if err := addLine(p, plotter.XYs{{X: x[i], Y: c.Low[i]}, {X: x[i], Y: c.High[i]}}, bandEdgeStyle()); err != nil {
				return nil, fmt.Errorf("chart %s: %w", c.ID, err)
			}
			continue
		}
		ring := make(plotter.XYs, 0, 2*len(run))
		upper := make(plotter.XYs, 0, len(run))
		lower := make(plotter.XYs, 0, len(run))
		for _, i := range run {
			upper = append(upper, plotter.XY{X: x[i], Y: c.High[i]})
			lower = append(lower, plotter.XY{X: x[i], Y: c.Low[i]})
		}
		ring = append(ring, upper...)
		for j := len(lower) - 1; j >= 0; j-- {
			ring = append(ring, lower[j])
		}
		poly, err := plotter.NewPolygon(ring)
		if err != nil {
			return nil, fmt.Errorf("chart %s: confidence band: %w", c.ID, err)
		}
		poly.Color = RGB(BandFill)
		poly.LineStyle.Width = 0
		p.Add(poly)
		for _, edge := range []plotter.XYs{upper, lower} {
			if err := addLine(p, edge, bandEdgeStyle()); err != nil {
				return nil, fmt.Errorf("chart %s: %w", c.ID, err)
			}
		}
	}
	if err := addLine(p, plotter.XYs{{X: x[0], Y: 0}, {X: x[n-1], Y: 0}}, zeroStyle()); err != nil {
		return nil, fmt.Errorf("chart %s: %w", c.ID, err)
	}
	var marks plotter.XYs
	for _, run := range runs(x, c.Estimate) {
		pts := make(plotter.XYs, len(run))
		for j, i := range run {
			pts[j] = plotter.XY{X: x[i], Y: c.Estimate[i]}
		}
		if len(pts) == 1 {
			marks = append(marks, pts[0])
			continue
		}
		if err := addLine(p, pts, estimateStyle()); err != nil {
			return nil, fmt.Errorf("chart %s: %w", c.ID, err)
		}
	}
	dot := draw.GlyphStyle{Color: RGB(Blue), Radius: 3.5, Shape: draw.CircleGlyph{}}
	if len(marks) > 0 {
		s, err := plotter.NewScatter(marks)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", c.ID, err)
		}
		s.GlyphStyle = dot
		p.Add(s)
	}

	step := niceStep(hi-lo, 6)
	p.Y.Min = math.Floor(lo/step+1e-9) * step
	p.Y.Max = math.Ceil(hi/step-1e-9) * step
	digits := digitsFor(step)
	p.Y.Tick.Marker = stepTicks(step, func(v float64) string { return ppDigits(v, digits) })
	p.X.Min, p.X.Max = x[0], x[n-1]

	f := frame{id: c.ID, title: c.Title, desc: impactDesc(c), width: 640, height: 400}
	return render(f, p, []legendEntry{
		{"Estimated impact", []plot.Thumbnailer{&plotter.Line{LineStyle: estimateStyle()}}},
		{"95% confidence interval", []plot.Thumbnailer{band, &plotter.Line{LineStyle: bandEdgeStyle()}}},
		{"No impact", []plot.Thumbnailer{&plotter.Line{LineStyle: zeroStyle()}}},
	})
}

func addLine(p *plot.Plot, pts plotter.XYs, ls draw.LineStyle) error {
	l, err := plotter.NewLine(pts)
	if err != nil {
		return err
	}
	l.LineStyle = ls
	p.Add(l)
	return nil
}

func impactDesc(c ImpactChart) string {
	var b strings.Builder
	n := len(c.Weeks)
	fmt.Fprintf(&b, "Estimated impact on %s (participants minus the matched comparison group, in percentage points), weeks %d to %d.", c.Outcome, c.Weeks[0], c.Weeks[n-1])
	minI, maxI, lastI := -1, -1, -1
	above, below, spans, missing := 0, 0, 0, 0
	for i, v := range c.Estimate {
		if !finite(v) {
			missing++
			continue
		}
		if minI < 0 || v < c.Estimate[minI] {
			minI = i
		}
		if maxI < 0 || v > c.Estimate[maxI] {
			maxI = i
		}
		lastI = i
		switch {
		case !finite(c.Low[i]) || !finite(c.High[i]):
		case c.Low[i] > 0:
			above++
		case c.High[i] < 0:
			below++
		default:
			spans++
		}
	}
	if lastI < 0 {
		b.WriteString(" No estimates are published.")
		return b.String()
	}
	fmt.Fprintf(&b, " The estimate ranges from %s at week %d to %s at week %d.", pp(c.Estimate[minI]), c.Weeks[minI], pp(c.Estimate[maxI]), c.Weeks[maxI])
	fmt.Fprintf(&b, " At week %d it is %s", c.Weeks[lastI], pp(c.Estimate[lastI]))
	if finite(c.Low[lastI]) && finite(c.High[lastI]) {
		fmt.Fprintf(&b, " (95%% confidence interval %s to %s)", pp(c.Low[lastI]), pp(c.High[lastI]))
	}
	b.WriteString(".")
	fmt.Fprintf(&b, " The 95%% confidence interval is above zero in %s, below zero in %d and includes zero in %d.", plural(above, "week", "weeks"), below, spans)
	if missing > 0 {
		fmt.Fprintf(&b, " %s not published, %s.", plural(missing, "week is", "weeks are"), gaps(missing))
	}
	return b.String()
}
