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

// BalanceChart is a Love plot: each covariate's standardised mean difference
// (SMD) between participants and comparison group, before and after
// matching.
type BalanceChart struct {
	// ID prefixes the chart's element ids; unique on the page.
	ID string
	// Title is the accessible name, e.g. "Covariate balance before and
	// after matching".
	Title string
	// Covariates are the row labels, top to bottom, as readers should see
	// them (e.g. "Weeks employed, past 52 weeks").
	Covariates []string
	// Before and After are the SMDs, one per covariate; NaN where the SMD is
	// undefined (no variation among participants) draws no point.
	Before, After []float64
	// Threshold is the balance threshold (default 0.1, Austin 2009).
	Threshold float64
	// Signed plots the SMD itself, with thresholds at ±Threshold; by
	// default the chart plots |SMD| with one threshold line.
	Signed bool
}

// before: hollow red ring; after: filled blue circle. Fill and colour both
// differ, so either alone tells them apart.
func beforeGlyph() draw.GlyphStyle {
	return draw.GlyphStyle{Color: RGB(Red), Radius: 4.5, Shape: ringGlyph{width: 2}}
}

func afterGlyph() draw.GlyphStyle {
	return draw.GlyphStyle{Color: RGB(Blue), Radius: 4, Shape: draw.CircleGlyph{}}
}

func thresholdStyle() draw.LineStyle {
	return draw.LineStyle{Color: RGB(Grey), Width: 1.5, Dashes: []vg.Length{6, 4}}
}

// ringGlyph is a hollow circle with a stroke thick enough to see (gonum's
// RingGlyph strokes at 0.5 points).
type ringGlyph struct{ width vg.Length }

func (g ringGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: g.width})
	r := sty.Radius - g.width/2
	var p vg.Path
	p.Move(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Arc(pt, r, 0, 2*math.Pi)
	p.Close()
	c.Stroke(p)
}

// Love draws a BalanceChart.
func Love(c BalanceChart) ([]byte, error) {
	if err := checkID(c.ID); err != nil {
		return nil, err
	}
	n := len(c.Covariates)
	if n == 0 {
		return nil, fmt.Errorf("chart %s: no covariates to draw; pass at least one", c.ID)
	}
	if len(c.Before) != n || len(c.After) != n {
		return nil, fmt.Errorf("chart %s: %d covariates but %d SMDs before and %d after; pass one of each per covariate (NaN when undefined)", c.ID, n, len(c.Before), len(c.After))
	}
	if c.Threshold == 0 {
		c.Threshold = 0.1
	}
	if !(c.Threshold > 0) || math.IsInf(c.Threshold, 0) {
		return nil, fmt.Errorf("chart %s: threshold %g must be a positive number (0.1 is usual)", c.ID, c.Threshold)
	}
	value := func(v float64) float64 {
		if c.Signed {
			return v
		}
		return math.Abs(v)
	}

	p := newPlot()
	// Row i of the input sits at y = n-1-i, so the first covariate is on top.
	names := make([]string, n)
	for i, name := range c.Covariates {
		names[n-1-i] = name
	}
	p.NominalY(names...)
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	grid.Horizontal.Color = RGB(Gridline)
	grid.Horizontal.Width = 0.5
	p.Add(grid)

	extent := c.Threshold * 1.5
	for i := range n {
		for _, v := range []float64{c.Before[i], c.After[i]} {
			if finite(v) {
				extent = math.Max(extent, math.Abs(v))
			}
		}
	}
	step := niceStep(extent, 5)
	extent = math.Ceil(extent/step+0.1) * step
	yLo, yHi := -0.5, float64(n)-0.5

	thresholds := []float64{c.Threshold}
	if c.Signed {
		thresholds = []float64{-c.Threshold, c.Threshold}
		if err := addLine(p, plotter.XYs{{X: 0, Y: yLo}, {X: 0, Y: yHi}}, zeroStyle()); err != nil {
			return nil, fmt.Errorf("chart %s: %w", c.ID, err)
		}
	}
	for _, t := range thresholds {
		if err := addLine(p, plotter.XYs{{X: t, Y: yLo}, {X: t, Y: yHi}}, thresholdStyle()); err != nil {
			return nil, fmt.Errorf("chart %s: %w", c.ID, err)
		}
	}
	for _, s := range []struct {
		smd []float64
		gs  draw.GlyphStyle
	}{{c.Before, beforeGlyph()}, {c.After, afterGlyph()}} {
		var pts plotter.XYs
		for i, v := range s.smd {
			if finite(v) {
				pts = append(pts, plotter.XY{X: value(v), Y: float64(n - 1 - i)})
			}
		}
		if len(pts) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", c.ID, err)
		}
		sc.GlyphStyle = s.gs
		p.Add(sc)
	}

	if c.Signed {
		p.X.Min, p.X.Max = -extent, extent
		p.X.Label.Text = "Standardised mean difference"
	} else {
		p.X.Min, p.X.Max = 0, extent
		p.X.Label.Text = "Absolute standardised mean difference"
	}
	p.X.Tick.Marker = stepTicks(step, func(v float64) string { return minus(fmt.Sprintf("%.2f", v)) })
	p.Y.Min, p.Y.Max = yLo, yHi

	thr := fmt.Sprintf("Threshold %.2g", c.Threshold)
	if c.Signed {
		thr = fmt.Sprintf("Threshold ±%.2g", c.Threshold)
	}
	f := frame{id: c.ID, title: c.Title, desc: loveDesc(c), width: 640, height: vg.Length(110 + 24*n)}
	return render(f, p, []legendEntry{
		{"Before matching", []plot.Thumbnailer{thumbGlyph(beforeGlyph())}},
		{"After matching", []plot.Thumbnailer{thumbGlyph(afterGlyph())}},
		{thr, []plot.Thumbnailer{&plotter.Line{LineStyle: thresholdStyle()}}},
	})
}

func loveDesc(c BalanceChart) string {
	var b strings.Builder
	n := len(c.Covariates)
	fmt.Fprintf(&b, "Standardised mean differences between participants and the comparison group for %s, before and after matching.", plural(n, "covariate", "covariates"))
	undefined := 0
	for _, s := range []struct {
		name string
		smd  []float64
	}{{"Before matching", c.Before}, {"After matching", c.After}} {
		over, worst := 0, -1
		for i, v := range s.smd {
			if !finite(v) {
				continue
			}
			if math.Abs(v) > c.Threshold {
				over++
			}
			if worst < 0 || math.Abs(v) > math.Abs(s.smd[worst]) {
				worst = i
			}
		}
		if worst < 0 {
			fmt.Fprintf(&b, " %s: no differences defined.", s.name)
			continue
		}
		fmt.Fprintf(&b, " %s, %d above %.2g in absolute value; the largest is %s (%s).", s.name, over, c.Threshold, minus(fmt.Sprintf("%.2f", s.smd[worst])), c.Covariates[worst])
	}
	for i := range n {
		if !finite(c.Before[i]) || !finite(c.After[i]) {
			undefined++
		}
	}
	if undefined > 0 {
		fmt.Fprintf(&b, " %s no difference defined (no variation among participants).", plural(undefined, "covariate has", "covariates have"))
	}
	return b.String()
}
