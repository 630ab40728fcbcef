// Package chart draws the impact report's charts as accessible, inline-able
// SVG: plain data in, SVG bytes out, nothing else.
//
// Three charts, one file each:
//
//   - [Rates] (rates.go): an outcome rate, such as the employment rate, of the
//     participants and of the matched comparison group at each week after the
//     start.
//   - [Impact] (impact.go): the estimated effect (the ATT) at each week with
//     its 95% confidence interval drawn as a shaded band, and a zero line.
//   - [Love] (love.go): the covariate balance plot — standardised mean
//     differences before and after matching, one row per covariate, with the
//     ±0.1 threshold, in the layout of love.plot in Noah Greifer's R package
//     cobalt; the 0.1 threshold follows Austin (2009), "Balance diagnostics
//     for comparing the distribution of baseline covariates between
//     treatment groups in propensity-score matched samples", Statistics in
//     Medicine 28(25), doi:10.1002/sim.3697.
//
// # Missing and suppressed values
//
// A NaN in a series means "not published": suppressed by disclosure control,
// or not observable (past the spine's window). Lines break there; nothing is
// drawn as zero. A point with no neighbour on either side gets a marker so it
// stays visible.
//
// # Accessibility
//
// Every chart is an <svg role="img"> with a <title> and a <desc>, both named
// by aria-labelledby. The description is written from the data (the range of
// the impact, how many weeks the interval excludes zero, how many points are
// suppressed), so a screen-reader user hears what a sighted reader sees.
// Graphical objects use GOV.UK colours with at least 3:1 contrast against
// white (WCAG 2.1 success criterion 1.4.11, non-text contrast; the ratio is
// the WCAG 2.x relative-luminance formula, see [ContrastRatio]), and series
// differ by dash pattern and marker shape as well as by colour (WCAG 1.4.1,
// use of colour).
//
// # Embedding
//
// The output has no XML prolog, no external fonts, images or URLs, and no
// style attributes (styles are presentation attributes, so a page served with
// a strict Content-Security-Policy style-src still draws them). The root has
// width, height and a viewBox, so CSS such as `max-width: 100%; height: auto`
// scales it. Element ids derive from the chart's ID, so several charts can
// share a page. The same data always gives the same bytes.
//
// Charts are drawn with gonum.org/v1/plot and its SVG back end (vgsvg); text
// is measured with Liberation Sans, which is metric-compatible with Arial, the
// first fallback named in the output.
package chart
