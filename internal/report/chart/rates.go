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

// RateChart is one outcome rate (a proportion of each group) at each week
// after the start, for the participants and the matched comparison group.
type RateChart struct {
	// ID prefixes the chart's element ids; unique on the page.
	ID string
	// Title is the accessible name, e.g. "Employment rate of participants
	// and the comparison group".
	Title string
	// Measure names the rate for the axis and the description, e.g.
	// "Employed" or "On an out-of-work benefit".
	Measure string
	// Weeks are the weeks after the start, ascending (usually 0..104).
	Weeks []int
	// Participants and Comparison are proportions from 0 to 1, one per
	// week; NaN marks a figure that is not published (suppressed or not
	// observable) and breaks the line.
	Participants, Comparison []float64
}

// series styles: participants solid blue with circles; comparison dashed
// grey with triangles. Shape and dash tell them apart without colour.
func participantsStyle() (draw.LineStyle, draw.GlyphStyle) {
	return draw.LineStyle{Color: RGB(Blue), Width: 2.5},
		draw.GlyphStyle{Color: RGB(Blue), Radius: 3.5, Shape: draw.CircleGlyph{}}
}

func comparisonStyle() (draw.LineStyle, draw.GlyphStyle) {
	return draw.LineStyle{Color: RGB(Grey), Width: 2.5, Dashes: []vg.Length{7, 4}},
		draw.GlyphStyle{Color: RGB(Grey), Radius: 4, Shape: draw.PyramidGlyph{}}
}

// Rates draws a RateChart.
func Rates(c RateChart) ([]byte, error) {
	if err := checkID(c.ID); err != nil {
		return nil, err
	}
	n := len(c.Weeks)
	if n == 0 {
		return nil, fmt.Errorf("chart %s: no weeks to draw; pass at least one week", c.ID)
	}
	if len(c.Participants) != n || len(c.Comparison) != n {
		return nil, fmt.Errorf("chart %s: %d weeks but %d participant and %d comparison figures; pass one figure per week (NaN when not published)", c.ID, n, len(c.Participants), len(c.Comparison))
	}
	x := make([]float64, n)
	for i, w := range c.Weeks {
		x[i] = float64(w)
		if i > 0 && w <= c.Weeks[i-1] {
			return nil, fmt.Errorf("chart %s: weeks must ascend, but week %d follows week %d", c.ID, w, c.Weeks[i-1])
		}
	}

	p := newPlot()
	p.Add(horizontalGrid())
	weeksAxis(p, c.Weeks[n-1])
	top := 0.0
	for i := range x {
		for _, v := range []float64{c.Participants[i], c.Comparison[i]} {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				top = math.Max(top, v)
			}
		}
	}
	step := niceStep(math.Max(top, 0.05), 5)
	p.Y.Label.Text = c.Measure + " (% of group)"
	p.Y.Tick.Marker = stepTicks(step, func(v float64) string { return pct(v) })

	pl, pg := participantsStyle()
	cl, cg := comparisonStyle()
	if err := addSeries(p, x, c.Participants, pl, pg); err != nil {
		return nil, fmt.Errorf("chart %s: participants: %w", c.ID, err)
	}
	if err := addSeries(p, x, c.Comparison, cl, cg); err != nil {
		return nil, fmt.Errorf("chart %s: comparison group: %w", c.ID, err)
	}
	// Adding plotters widens the axes to the data; fix them afterwards.
	p.Y.Min, p.Y.Max = 0, math.Min(1, math.Ceil((top+step/4)/step)*step)
	p.X.Min, p.X.Max = x[0], x[n-1]

	f := frame{id: c.ID, title: c.Title, desc: ratesDesc(c), width: 640, height: 400}
	return render(f, p, []legendEntry{
		{"Participants", []plot.Thumbnailer{&plotter.Line{LineStyle: pl}, thumbGlyph(pg)}},
		{"Matched comparison group", []plot.Thumbnailer{&plotter.Line{LineStyle: cl}, thumbGlyph(cg)}},
	})
}

// addSeries draws one series: a line per run of published points, and a
// marker at each quarter (every 13th week) and at any isolated point.
func addSeries(p *plot.Plot, x, y []float64, ls draw.LineStyle, gs draw.GlyphStyle) error {
	var marks plotter.XYs
	for _, run := range runs(x, y) {
		pts := make(plotter.XYs, len(run))
		for j, i := range run {
			pts[j] = plotter.XY{X: x[i], Y: y[i]}
			if int(x[i])%13 == 0 || len(run) == 1 {
				marks = append(marks, pts[j])
			}
		}
		if len(pts) > 1 {
			l, err := plotter.NewLine(pts)
			if err != nil {
				return err
			}
			l.LineStyle = ls
			p.Add(l)
		}
	}
	if len(marks) > 0 {
		s, err := plotter.NewScatter(marks)
		if err != nil {
			return err
		}
		s.GlyphStyle = gs
		p.Add(s)
	}
	return nil
}

// thumbGlyph is a legend thumbnail drawing one glyph in the middle.
type thumbGlyph draw.GlyphStyle

func (g thumbGlyph) Thumbnail(c *draw.Canvas) {
	c.DrawGlyph(draw.GlyphStyle(g), c.Center())
}

func ratesDesc(c RateChart) string {
	var b strings.Builder
	n := len(c.Weeks)
	fmt.Fprintf(&b, "%s (percentage of each group): participants and the matched comparison group, weeks %d to %d.", c.Measure, c.Weeks[0], c.Weeks[n-1])
	for _, s := range []struct {
		name string
		y    []float64
	}{{"Participants", c.Participants}, {"Comparison group", c.Comparison}} {
		first, last := -1, -1
		for i, v := range s.y {
			if finite(v) {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		if first < 0 {
			fmt.Fprintf(&b, " %s: no figures published.", s.name)
			continue
		}
		fmt.Fprintf(&b, " %s: %s at week %d, %s at week %d.", s.name, pct(s.y[first]), c.Weeks[first], pct(s.y[last]), c.Weeks[last])
	}
	gapWeek, gap := -1, 0.0
	for i := range c.Weeks {
		d := c.Participants[i] - c.Comparison[i]
		if finite(d) && (gapWeek < 0 || math.Abs(d) > math.Abs(gap)) {
			gapWeek, gap = c.Weeks[i], d
		}
	}
	if gapWeek >= 0 {
		dir := "higher"
		if gap < 0 {
			dir = "lower"
		}
		fmt.Fprintf(&b, " Largest difference: participants %.0f percentage points %s at week %d.", math.Abs(100*gap), dir, gapWeek)
	}
	missing := 0
	for i := range c.Weeks {
		if !finite(c.Participants[i]) || !finite(c.Comparison[i]) {
			missing++
		}
	}
	if missing > 0 {
		fmt.Fprintf(&b, " %s not published (suppressed or not yet observable), %s.", plural(missing, "week is", "weeks are"), gaps(missing))
	}
	return b.String()
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
