package pipeline

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/employment-data-lab/datalab/internal/evaluation"
	"github.com/employment-data-lab/datalab/internal/synth"
)

type truthFile struct {
	path string
	p    *synth.ProgrammeTruth
}

func readTruth(path, programme string) (*truthFile, error) {
	t, err := synth.ReadTruth(path)
	if err != nil {
		return nil, fmt.Errorf("evaluate: --truth: %w", err)
	}
	p, ok := t.Programme(programme)
	if !ok {
		return nil, fmt.Errorf("evaluate: --truth %s has no programme %q; name the programme with --programme", path, programme)
	}
	return &truthFile{path: path, p: p}, nil
}

func (t *truthFile) at(h evaluation.EstimateRow) (float64, bool) {
	if t == nil {
		return 0, false
	}
	s, ok := t.p.ATT[h.Outcome]
	if !ok {
		return 0, false
	}
	w := 0
	if h.Week != nil {
		w = *h.Week
	}
	return s.At(w)
}

func f(p *float64, format string) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf(format, *p)
}

// writeSummary is the plain-text summary of an evaluation: counts, the
// headline estimates (beside the truth, for a synthetic world), balance and
// sensitivity. The published report comes from internal/report.
func writeSummary(w io.Writer, ev *evaluation.Evaluation, truth *truthFile) {
	c := ev.Counts
	fmt.Fprintf(w, "Evaluation of %s (%s)\n\n", ev.Programme, ev.Method.Estimand)
	fmt.Fprintf(w, "Who was analysed: %d submitted, %d linked, %d eligible, %d matched to %d comparators (from a pool of %d; %d comparators joined the programme later)\n\n",
		c.Submitted, c.Linked, c.Eligible, c.Matched, c.Comparison, c.ComparisonPool, c.ComparisonJoinedLater)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	hdr := "outcome\tparticipants\tcomparison\timpact\t95% CI\tp"
	if truth != nil {
		hdr += "\ttrue impact (synthetic)\tCI covers truth"
	}
	fmt.Fprintln(tw, hdr)
	for k, h := range ev.Headline {
		name := h.Outcome
		if h.Week != nil {
			name = fmt.Sprintf("%s at week %d", h.Outcome, *h.Week)
		}
		if k == 0 {
			name += " (primary)"
		}
		format := "%.3f"
		line := fmt.Sprintf("%s\t%s\t%s\t%s\t[%s, %s]\t%s", name, f(h.ParticipantsMean, format), f(h.ComparisonMean, format),
			f(h.Estimate, "%+.3f"), f(h.CILow, format), f(h.CIHigh, format), f(h.PValue, "%.3g"))
		if truth != nil {
			if v, ok := truth.at(h); ok {
				covers := h.CILow != nil && *h.CILow <= v && v <= *h.CIHigh
				line += fmt.Sprintf("\t%+.3f\t%v", v, covers)
			} else {
				line += "\t—\t—"
			}
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	flagged := 0
	for _, b := range ev.Balance {
		if b.Flag {
			flagged++
		}
	}
	fmt.Fprintf(w, "\nBalance: %d of %d covariate columns have |SMD| above 0.1 after matching\n", flagged, len(ev.Balance))
	for _, s := range ev.Sensitivity {
		name := s.Outcome
		if s.Week != nil {
			name = fmt.Sprintf("%s at week %d", s.Outcome, *s.Week)
		}
		fmt.Fprintf(w, "Sensitivity, %s: E-value %s (CI %s), Rosenbaum Γ %s\n", name, f(s.EValue, "%.2f"), f(s.EValueCI, "%.2f"), f(s.RosenbaumGamma, "%.2f"))
	}
	for _, warn := range ev.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	fmt.Fprintf(w, "\nMethod: %s matching (ratio %d, replace %v, caliper %s SD), exact on %v; variance: %s; seed %d; spine %s\n",
		ev.Method.Method, ev.Method.Ratio, ev.Method.Replace, f(ev.Method.Caliper, "%.2f"), ev.Method.Exact, ev.Method.Variance, ev.Method.Seed, short(ev.Method.SpineHash))
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
