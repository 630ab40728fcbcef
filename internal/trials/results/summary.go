package results

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

func opt(p *float64, format string) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf(format, *p)
}

// writeSummary is the plain-text summary printed by datalab trial
// analyse. It holds exact counts: it is for the analyst, not for
// publication (trial_report.json is).
func writeSummary(w io.Writer, doc *Document) {
	p := doc.Plan.AsRun
	horizon := ""
	if p.HorizonWeek != nil {
		horizon = fmt.Sprintf(" at week %d", *p.HorizonWeek)
	}
	fmt.Fprintf(w, "Trial %s: intention-to-treat analysis of %s%s\n", doc.Trial.ID, p.PrimaryOutcome, horizon)
	fmt.Fprintf(w, "  allocation log verified: %d entries, chain head %s\n", doc.Log.Entries, doc.Log.Head)
	fmt.Fprintf(w, "  analysis plan SHA-256 %s, locked %s\n", doc.Plan.Hash, doc.Plan.LockedAt.Format("2006-01-02 15:04:05 MST"))
	if len(doc.Departures) == 0 {
		fmt.Fprintln(w, "  run as planned: no departures")
	} else {
		fmt.Fprintf(w, "  DEPARTS FROM THE PLAN (reason: %s):\n", doc.DepartureReason)
		for _, d := range doc.Departures {
			fmt.Fprintf(w, "    %s: planned %s, used %s\n", d.Field, d.Planned, d.Used)
		}
	}
	fmt.Fprintln(w)
	f := doc.Flow
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "CONSORT flow\t%s\t\n", strings.Join(doc.Trial.Arms, "\t"))
	row := func(label string, n map[string]int) {
		cells := make([]string, len(doc.Trial.Arms))
		for i, a := range doc.Trial.Arms {
			cells[i] = fmt.Sprint(n[a])
		}
		fmt.Fprintf(tw, "%s\t%s\t\n", label, strings.Join(cells, "\t"))
	}
	fmt.Fprintf(tw, "enrolled\t%d\t\n", f.Enrolled)
	row("allocated", f.Allocated)
	row("linked", f.Linked)
	row("outcome observable", f.Observable)
	row("analysed", f.Analysed)
	tw.Flush()
	for _, e := range f.Excluded {
		fmt.Fprintf(w, "  %s, %s: %d (%s)\n", e.Stage, e.Arm, e.N, e.Reason)
	}
	if doc.StartAfterAllocation > 0 {
		fmt.Fprintf(w, "  note: %d linked participants have a start_date after the day they were allocated; their covariates may reflect the arm\n", doc.StartAfterAllocation)
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "arm vs reference\tsubgroup\tn\tmean arm\tmean ref\teffect\tSE\tCI\tp")
	for _, e := range doc.Estimates {
		sub := e.Subgroup
		if sub == "" {
			sub = "all"
		}
		if e.Note != "" {
			fmt.Fprintf(tw, "%s vs %s\t%s\t\t\t\t(%s)\t\t\t\n", e.Arm, e.Reference, sub, e.Note)
			continue
		}
		fmt.Fprintf(tw, "%s vs %s\t%s\t%d/%d\t%s\t%s\t%s\t%s\t[%s, %s]\t%s\n", e.Arm, e.Reference, sub, e.NArm, e.NReference,
			opt(e.MeanArm, "%.4g"), opt(e.MeanReference, "%.4g"), opt(e.Estimate, "%.4g"), opt(e.SE, "%.3g"),
			opt(e.CILow, "%.4g"), opt(e.CIHigh, "%.4g"), opt(e.PValue, "%.3g"))
	}
	tw.Flush()
	if len(doc.Estimates) > 0 {
		e := doc.Estimates[0]
		fmt.Fprintf(w, "  %s adjustment for %s; %s standard errors; %g%% CI\n", e.Adjustment, orNone(e.Covariates), e.VarianceEstimator, 100*e.Level)
	}
	for _, q := range doc.Quality {
		fmt.Fprintf(w, "  %s vs %s: attrition %.1f%% overall, %.1f points differential (ok: %v); max |SMD| %.3f (ok: %v)\n",
			q.Arm, q.Reference, 100*q.OverallAttrition, 100*q.DifferentialAttrition, q.AttritionOK, q.MaxAbsSMD, q.BalanceOK)
	}
	fmt.Fprintln(w)
	if doc.Publication.Allowed {
		fmt.Fprintf(w, "publication: %s and trial_report.html (disclosure-controlled)\n", doc.Publication.File)
	} else {
		fmt.Fprintf(w, "publication: REFUSED: %s\n", doc.Publication.Reason)
	}
	if doc.Evidence != nil {
		fmt.Fprintf(w, "what-works library: study %s, %s, SMS %d\n", doc.Evidence.StudyID, doc.Evidence.Design, doc.Evidence.SMSLevel)
	} else {
		fmt.Fprintln(w, "what-works library: no entry")
	}
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "no covariates"
	}
	return strings.Join(s, ", ")
}
