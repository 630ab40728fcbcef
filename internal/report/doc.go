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
// internal/report/chart, no script and no external URL; headings are in
// order, tables have captions and scoped headers, and every chart is next
// to the table holding its figures (its text alternative; weekly tables show
// every fourth week, the JSON and CSV every week). Withheld figures are
// marked [c] and unavailable ones [x], the GSS symbols.
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
