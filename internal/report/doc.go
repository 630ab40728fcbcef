// Package report turns a stored evaluation into the lab's published report:
// one self-contained HTML page (WriteHTML), and the same tables as JSON
// (WriteJSON, schema datalab.report/v1) and CSV (WriteCSV).
//
// The report is a pure function of the stored evaluation (DESIGN.md §2):
// Build lays the evaluation out as tables with their additive relations (the
// funnel from submitted to matched and the reasons people dropped out; the
// pool by start month; subgroup sizes; each outcome's observed count and the
// hidden remainder), puts them through internal/disclosure, and writes every
// sentence from the published figures only, so no number in any output
// bypasses disclosure control. Raw notes and warnings of the evaluation are
// never printed (they can hold unrounded counts).
//
// The structure and tone follow the published DWP Employment Data Lab
// reports (e.g. "Employment Data Lab analysis: Merseyside Youth Association
// Talent Match Plus", DWP 2023): headline results as intervals in words
// ("between X and Y percentage points higher than it would have been had
// they not taken part") with their statistical significance, the primary
// outcome first; who was analysed; results over time; what the results can
// and cannot be used to say; the caveats of a quasi-experimental design; the
// method and every setting; and a reproducibility block.
//
// The HTML has inline CSS (with print rules) and inline SVG charts from
// internal/report/chart that scale to the column, no script and no external
// URL; headings are in order, tables have captions and scoped headers
// (grouped columns under colgroup headings, grouped rows under rowgroup
// headings), each table sits in a keyboard-focusable region named by its
// caption that scrolls sideways on its own when the table is wider than the
// page, and every chart is next to the table holding its figures (its text
// alternative; weekly tables show week 1 and every fourth week, the JSON
// and CSV every week). The estimate tables follow the Justice Data Lab and
// Employment Data Lab layout: numbers observed and the two groups' figures
// under grouped headings, the impact and its 95% interval in one column
// each, one subgroup table per subgroup variable. Withheld figures are
// marked [c] and unavailable ones [x], the GSS symbols.
//
// Week 0 (the day people started) is left out of the charts and weekly
// tables: the eligibility rule fixes outcomes on it alike in both groups
// (everyone on an out-of-work benefit, say), so it cannot show an impact;
// the report says so, and the JSON and CSV keep it.
//
// Readers see words, machines see names: the label catalogue (labels.go)
// words every covariate column and level (from the timeline catalogue's
// covariates: "region_London" is "Region: London"), subgroup, outcome and
// setting for the HTML, and a name it does not know is shown as it is. The
// JSON and CSV keep the raw names, which are the stable schema; the method
// section shows a setting in words with its raw name beside it
// ("Nearest-neighbour matching on the propensity score (nearest)"), so a
// reader can re-run it.
//
// Drop-out reasons that would each be withheld (1 to MinCell−1 people) at
// one step of the funnel are merged into one "other reasons" row before
// disclosure control: two small cells can only protect each other, and
// secondary suppression would otherwise withhold a stage such as Matched.
//
// TrialHTML renders the published report of a randomised trial (datalab
// trial analyse writes it as trial_report.html) from the release that
// internal/trials/results puts through the same disclosure control, with
// the same template machinery (tables.html.tmpl), styles and accessibility
// properties: the headline as an interval in words with its significance,
// any departure from the locked plan at the top and in its own section,
// the CONSORT flow, the attrition and balance judgement with the evidence
// standard, the limitations and the method.
//
// CSV cells beginning with =, +, -, @, tab or carriage return are escaped
// with a leading single quote, except plain decimal numbers (EscapeCell;
// OWASP "CSV Injection").
package report
