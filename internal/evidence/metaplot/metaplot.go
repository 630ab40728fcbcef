// Package metaplot draws a meta-analysis as SVG with gonum/plot: the forest
// plot (Lewis & Clarke 2001, doi:10.1136/bmj.322.7300.1479) and the funnel
// plot (Light & Pillemer 1984; Sterne & Egger 2001,
// doi:10.1016/S0895-4356(01)00377-8). Each SVG carries a <title> and a
// <desc> giving the figures in words, its text alternative.
package metaplot

import (
	"bytes"
	"fmt"
	"html"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/employment-data-lab/datalab/internal/evidence/meta"
)

// forest draws study squares (area by weight) with CI whiskers and the
// pooled diamond.
type forest struct {
	a *meta.Analysis
	z float64
}

func (f forest) rows() int { return len(f.a.Studies) + 2 }

// Plot implements plot.Plotter.
func (f forest) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	k := len(f.a.Studies)
	line := draw.LineStyle{Color: color.Black, Width: vg.Points(1)}
	maxW := 0.0
	for _, w := range f.a.Weights {
		maxW = math.Max(maxW, w)
	}
	for i, s := range f.a.Studies {
		y := ty(float64(k + 1 - i))
		se := math.Sqrt(s.Vi)
		c.StrokeLine2(line, tx(s.Yi-f.z*se), y, tx(s.Yi+f.z*se), y)
		half := vg.Points(2 + 5*math.Sqrt(f.a.Weights[i]/maxW))
		x := tx(s.Yi)
		var sq vg.Path
		sq.Move(vg.Point{X: x - half, Y: y - half})
		sq.Line(vg.Point{X: x + half, Y: y - half})
		sq.Line(vg.Point{X: x + half, Y: y + half})
		sq.Line(vg.Point{X: x - half, Y: y + half})
		sq.Close()
		c.SetColor(color.Black)
		c.Fill(sq)
	}
	y := ty(0)
	var d vg.Path
	d.Move(vg.Point{X: tx(f.a.CILow), Y: y})
	d.Line(vg.Point{X: tx(f.a.Estimate), Y: y + vg.Points(6)})
	d.Line(vg.Point{X: tx(f.a.CIHigh), Y: y})
	d.Line(vg.Point{X: tx(f.a.Estimate), Y: y - vg.Points(6)})
	d.Close()
	c.SetColor(color.RGBA{R: 0x1d, G: 0x70, B: 0xb8, A: 0xff})
	c.Fill(d)
	if f.a.K > 1 && f.a.Tau2 > 0 {
		pi := draw.LineStyle{Color: color.RGBA{R: 0x1d, G: 0x70, B: 0xb8, A: 0xff}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}
		c.StrokeLine2(pi, tx(f.a.PILow), y, tx(f.a.CILow), y)
		c.StrokeLine2(pi, tx(f.a.CIHigh), y, tx(f.a.PIHigh), y)
	}
	zero := draw.LineStyle{Color: color.Gray{Y: 0x80}, Width: vg.Points(0.5), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}}
	c.StrokeLine2(zero, tx(0), ty(-0.5), tx(0), ty(float64(k)+1.5))
}

// DataRange implements plot.DataRanger.
func (f forest) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = math.Min(0, f.a.PILow), math.Max(0, f.a.PIHigh)
	for _, s := range f.a.Studies {
		se := math.Sqrt(s.Vi)
		xmin = math.Min(xmin, s.Yi-f.z*se)
		xmax = math.Max(xmax, s.Yi+f.z*se)
	}
	return xmin, xmax, -0.5, float64(len(f.a.Studies)) + 1.5
}

// Forest draws the forest plot: each study's estimate and CI (squares sized
// by weight), the pooled estimate as a diamond with the prediction interval
// dashed, and a dashed line at no effect. xlabel names the scale.
func Forest(a *meta.Analysis, title, xlabel string) ([]byte, error) {
	if a == nil || len(a.Studies) == 0 {
		return nil, fmt.Errorf("metaplot: forest plot of an empty analysis")
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	f := forest{a: a, z: zcrit(a.Spec.Level)}
	p.Add(f)
	var ticks []plot.Tick
	k := len(a.Studies)
	for i, s := range a.Studies {
		ticks = append(ticks, plot.Tick{Value: float64(k + 1 - i), Label: shorten(s.Label, 40)})
	}
	ticks = append(ticks, plot.Tick{Value: 0, Label: "Pooled (" + string(a.Spec.Method) + ")"})
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Min, p.Y.Max = -0.5, float64(k)+1.5
	h := vg.Length(30+7*(k+2)) * vg.Millimeter
	desc := fmt.Sprintf("Forest plot of %d studies. Pooled estimate %.3g (%.0f%% CI %.3g to %.3g; prediction interval %.3g to %.3g). ",
		a.K, a.Estimate, 100*a.Spec.Level, a.CILow, a.CIHigh, a.PILow, a.PIHigh)
	var parts []string
	for i, s := range a.Studies {
		se := math.Sqrt(s.Vi)
		parts = append(parts, fmt.Sprintf("%s: %.3g (%.3g to %.3g), weight %.1f%%", s.Label, s.Yi, s.Yi-f.z*se, s.Yi+f.z*se, a.Weights[i]))
	}
	return render(p, 16*vg.Centimeter, h, title, desc+strings.Join(parts, "; ")+".")
}

// Funnel draws the funnel plot: each study's estimate against its standard
// error (zero at the top), with the pooled estimate and its pseudo 95%
// limits μ̂ ± 1.96 SE.
func Funnel(a *meta.Analysis, title, xlabel string) ([]byte, error) {
	if a == nil || len(a.Studies) == 0 {
		return nil, fmt.Errorf("metaplot: funnel plot of an empty analysis")
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = "standard error"
	p.Y.Scale = plot.InvertedScale{Normalizer: plot.LinearScale{}}
	pts := make(plotter.XYs, len(a.Studies))
	maxSE := 0.0
	for i, s := range a.Studies {
		pts[i].X, pts[i].Y = s.Yi, math.Sqrt(s.Vi)
		maxSE = math.Max(maxSE, pts[i].Y)
	}
	maxSE *= 1.1
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, fmt.Errorf("metaplot: funnel: %w", err)
	}
	sc.GlyphStyle.Shape = draw.CircleGlyph{}
	sc.GlyphStyle.Radius = vg.Points(3)
	z := zcrit(0.95)
	left, _ := plotter.NewLine(plotter.XYs{{X: a.Estimate, Y: 0}, {X: a.Estimate - z*maxSE, Y: maxSE}})
	right, _ := plotter.NewLine(plotter.XYs{{X: a.Estimate, Y: 0}, {X: a.Estimate + z*maxSE, Y: maxSE}})
	mid, _ := plotter.NewLine(plotter.XYs{{X: a.Estimate, Y: 0}, {X: a.Estimate, Y: maxSE}})
	for _, l := range []*plotter.Line{left, right} {
		l.LineStyle.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
	}
	p.Add(left, right, mid, sc)
	p.Y.Min, p.Y.Max = 0, maxSE
	desc := fmt.Sprintf("Funnel plot of %d studies: estimate against standard error, with the pooled estimate %.3g and pseudo 95%% limits.", a.K, a.Estimate)
	if a.Egger != nil {
		desc += fmt.Sprintf(" Egger's test for asymmetry: intercept %.3g, p = %.3g.", a.Egger.Intercept, a.Egger.P)
	}
	return render(p, 14*vg.Centimeter, 11*vg.Centimeter, title, desc)
}

func zcrit(level float64) float64 {
	if level == 0 {
		level = 0.95
	}
	return distuv.UnitNormal.Quantile(0.5 + level/2)
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// render writes p as SVG and adds role="img", a <title> and a <desc>.
func render(p *plot.Plot, w, h vg.Length, title, desc string) ([]byte, error) {
	c := vgsvg.New(w, h)
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("metaplot: write SVG: %w", err)
	}
	svg := buf.String()
	i := strings.Index(svg, "<svg ")
	j := strings.Index(svg[i:], ">")
	if i < 0 || j < 0 {
		return nil, fmt.Errorf("metaplot: unexpected SVG from gonum/plot")
	}
	open := svg[i : i+j]
	out := svg[:i] + open + ` role="img" aria-labelledby="t d">` +
		"\n<title id=\"t\">" + html.EscapeString(title) + "</title>\n<desc id=\"d\">" + html.EscapeString(desc) + "</desc>" +
		svg[i+j+1:]
	return []byte(out), nil
}
