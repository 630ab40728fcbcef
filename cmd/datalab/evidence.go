package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/employment-data-lab/datalab/internal/evidence"
	"github.com/employment-data-lab/datalab/internal/evidence/effectsize"
	"github.com/employment-data-lab/datalab/internal/evidence/meta"
	"github.com/employment-data-lab/datalab/internal/evidence/toolkit"
	"github.com/employment-data-lab/datalab/internal/store"
)

// openEvidence opens the lab store at path and returns its evidence library.
func openEvidence(cmd *cobra.Command, path string) (*store.DB, evidence.Library, error) {
	db, err := store.Open(cmd.Context(), path)
	if err != nil {
		return nil, nil, err
	}
	return db, db.Evidence(), nil
}

func newEvidenceCmd(a *app) *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "evidence",
		Short: "The what-works library: interventions, studies and their evidence standards",
		Long: `evidence keeps the lab's what-works library: every evaluation we can find of
an employment intervention, including the Data Lab's own, in the lab store
(--db, SQLite).

Each study records one intervention (typed by the taxonomy: see
'datalab evidence types'), its design, sample sizes, population, country,
period, outcome (mapped to the outcomes framework where possible) and the
reported statistics: 2x2 counts, means and SDs, or an estimate with its SE
or CI.

Each study gets an evidence standard on the Maryland Scientific Methods
Scale (1-5) derived from its design:

  randomised controlled trial, attrition/balance adequate        5
  randomised controlled trial with attrition or balance problems 4
  natural experiment, regression discontinuity, instrument       4
  matched comparison; difference in differences with pre-trends  3
  difference in differences without pre-trends; unmatched comparison 2
  before-after or cross-section without a comparison group       1

Override it with --sms-override N and --sms-override-reason (required); the
reason is stored and shown wherever the level is.

'datalab toolkit build' pools the library into the toolkit pages.`,
		Example: `  datalab evidence import internal/evidence/testdata/illustrative_studies.csv --db lab.db
  datalab evidence list --db lab.db --type ips
  datalab evidence show ill-ips-a --db lab.db
  datalab evidence export --db lab.db --out library.csv`,
	}
	cmd.PersistentFlags().StringVar(&db, "db", "lab.db", "lab store (SQLite file) holding the library")
	cmd.AddCommand(newEvidenceAddCmd(a, &db), newEvidenceListCmd(a, &db), newEvidenceShowCmd(a, &db),
		newEvidenceImportCmd(a, &db), newEvidenceExportCmd(a, &db), newEvidenceTypesCmd(a))
	return cmd
}

func newEvidenceAddCmd(a *app, db *string) *cobra.Command {
	var s evidence.Study
	var iv evidence.Intervention
	var design, measure string
	var replace bool
	floats := map[string]**float64{
		"estimate": &s.Estimate, "se": &s.SE, "ci-low": &s.CILow, "ci-high": &s.CIHigh, "ci-level": &s.CILevel,
		"mean-treated": &s.MeanTreated, "sd-treated": &s.SDTreated, "mean-control": &s.MeanControl, "sd-control": &s.SDControl,
		"control-rate": &s.ControlRate, "cost": &s.CostPerParticipant,
	}
	fv := map[string]*float64{}
	ints := map[string]**int{"events-treated": &s.EventsTreated, "events-control": &s.EventsControl}
	iv2 := map[string]*int{}
	cmd := &cobra.Command{
		Use:   "add --id ID --intervention-id ID --title TITLE --design DESIGN --outcome TEXT [flags]",
		Short: "Add one study (and create or update its intervention)",
		Long: `add puts one study in the library. Give the intervention's name and type to
create or update it; otherwise it must already exist.

Reported statistics, any of:
  --events-treated/--events-control with --n-treated/--n-control   2x2 counts
  --mean-treated/--sd-treated/--mean-control/--sd-control with the n's
  --measure RD|RR|OR|SMD|MD --estimate X with --se or --ci-low/--ci-high
    (RD in percentage points; RR and OR as the ratio, SE of its log)
  --control-rate: the comparison group's outcome rate (a proportion), to
    turn an RR or OR into percentage points

Mark made-up studies --illustrative: every output that uses them says so.`,
		Example: `  datalab evidence add --db lab.db --id smith-2020 --intervention-id ips-leeds \
    --intervention-name "IPS Leeds" --intervention-type ips \
    --title "IPS in Leeds: a randomised trial" --citation "Smith et al. (2020)" --year 2020 \
    --country UK --design rct --attrition-ok --n-treated 250 --n-control 250 \
    --outcome "in paid work at 12 months" --outcome-code employed_week_52 \
    --events-treated 80 --events-control 45 --cost 2500 --cost-year 2019`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s.Design, s.Measure = evidence.Design(design), effectsize.Measure(strings.ToUpper(measure))
			for name, p := range floats {
				if cmd.Flags().Changed(name) {
					v := *fv[name]
					*p = &v
				}
			}
			for name, p := range ints {
				if cmd.Flags().Changed(name) {
					v := *iv2[name]
					*p = &v
				}
			}
			iv.ID = s.InterventionID
			dbh, lib, err := openEvidence(cmd, *db)
			if err != nil {
				return err
			}
			defer dbh.Close()
			got, err := evidence.Add(cmd.Context(), lib, iv, s, replace)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "added study %s (%s)%s\n", got.ID, got.Standard(), illustrativeTag(got.Illustrative))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&s.ID, "id", "", "study id (lower-case letters, digits, '-', '_', '.')")
	fl.StringVar(&s.InterventionID, "intervention-id", "", "id of the intervention evaluated")
	fl.StringVar(&iv.Name, "intervention-name", "", "intervention's name (creates or updates it)")
	fl.StringVar(&iv.Type, "intervention-type", "", "intervention type code or name (datalab evidence types)")
	fl.StringVar(&iv.Description, "intervention-description", "", "what the intervention does")
	fl.StringVar(&s.Title, "title", "", "study title")
	fl.StringVar(&s.Citation, "citation", "", "reference, e.g. \"Smith et al. (2020)\"; studies sharing it are one publication")
	fl.StringVar(&s.URL, "url", "", "link to the report")
	fl.IntVar(&s.Year, "year", 0, "publication year")
	fl.StringVar(&s.Country, "country", "", "country")
	fl.StringVar(&s.Population, "population", "", "who took part")
	fl.StringVar(&s.PeriodStart, "period-start", "", "start of the study period, YYYY or YYYY-MM")
	fl.StringVar(&s.PeriodEnd, "period-end", "", "end of the study period, YYYY or YYYY-MM")
	fl.StringVar(&design, "design", "", "rct, natural_experiment, regression_discontinuity, instrumental_variable, matched_comparison, difference_in_differences, unmatched_comparison, before_after, cross_section")
	fl.BoolVar(&s.AttritionOK, "attrition-ok", false, "RCT: attrition and baseline balance adequate (SMS 5 rather than 4)")
	fl.BoolVar(&s.PretrendsOK, "pretrends-ok", false, "difference in differences: parallel pre-trends shown (SMS 3 rather than 2)")
	fl.IntVar(&s.SMSOverride, "sms-override", 0, "override the derived SMS level (1-5); needs --sms-override-reason")
	fl.StringVar(&s.SMSOverrideReason, "sms-override-reason", "", "why the derived level is overridden (stored and shown)")
	fl.IntVar(&s.NTreated, "n-treated", 0, "treated group size")
	fl.IntVar(&s.NControl, "n-control", 0, "comparison group size")
	fl.StringVar(&s.Outcome, "outcome", "", "what was measured, in words")
	fl.StringVar(&s.OutcomeCode, "outcome-code", "", "outcomes framework code, e.g. employed_week_52, sustained_26, earnings_1_12")
	fl.StringVar(&s.OutcomeDomain, "outcome-domain", "", "employment, benefits, earnings or other (derived from --outcome-code)")
	fl.IntVar(&s.FollowUpMonths, "followup-months", 0, "months from start to outcome")
	fl.StringVar(&measure, "measure", "", "measure of --estimate: RD (percentage points), RR, OR, SMD, MD")
	for _, name := range []string{"estimate", "se", "ci-low", "ci-high", "ci-level", "mean-treated", "sd-treated", "mean-control", "sd-control", "control-rate", "cost"} {
		fv[name] = new(float64)
		usage := map[string]string{
			"estimate": "reported estimate (RD in pp; RR/OR as the ratio)", "se": "its standard error (of the log for RR/OR)",
			"ci-low": "lower confidence limit", "ci-high": "upper confidence limit", "ci-level": "confidence level, default 0.95",
			"mean-treated": "treated group mean", "sd-treated": "treated group SD", "mean-control": "comparison group mean",
			"sd-control": "comparison group SD", "control-rate": "comparison group's outcome rate (proportion)",
			"cost": "cost per participant in pounds",
		}[name]
		fl.Float64Var(fv[name], name, 0, usage)
	}
	for _, name := range []string{"events-treated", "events-control"} {
		iv2[name] = new(int)
		fl.IntVar(iv2[name], name, 0, "people with the outcome in the "+strings.TrimPrefix(name, "events-")+" group")
	}
	fl.IntVar(&s.CostPriceYear, "cost-year", 0, "price year of --cost")
	fl.StringVar(&s.Source, "source", "external", "external, lab or trial")
	fl.BoolVar(&s.Illustrative, "illustrative", false, "a fictional study for tests and demonstrations")
	fl.StringVar(&s.Notes, "notes", "", "notes")
	fl.BoolVar(&replace, "replace", false, "replace a study with the same id")
	return cmd
}

func illustrativeTag(b bool) string {
	if b {
		return " [ILLUSTRATIVE, fictional]"
	}
	return ""
}

func newEvidenceListCmd(a *app, db *string) *cobra.Command {
	var typ string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the studies in the library",
		Long: `list prints one line per study: id, intervention type, design, evidence
standard (SMS, with * when overridden), sample size, outcome and the effect
it gives in percentage points or SMD. Illustrative (fictional) studies are
marked.`,
		Example: `  datalab evidence list --db lab.db
  datalab evidence list --db lab.db --type job_search_support --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dbh, lib, err := openEvidence(cmd, *db)
			if err != nil {
				return err
			}
			defer dbh.Close()
			if typ != "" {
				t, err := evidence.LookupType(typ)
				if err != nil {
					return err
				}
				typ = t.Code
			}
			studies, err := lib.Studies(cmd.Context(), evidence.Filter{Type: typ})
			if err != nil {
				return err
			}
			ivs, err := lib.Interventions(cmd.Context())
			if err != nil {
				return err
			}
			types := map[string]string{}
			for _, iv := range ivs {
				types[iv.ID] = iv.Type
			}
			if asJSON {
				type row struct {
					evidence.Study
					InterventionType string            `json:"intervention_type"`
					Standard         evidence.Standard `json:"standard"`
				}
				out := make([]row, len(studies))
				for i, s := range studies {
					out[i] = row{s, types[s.InterventionID], s.Standard()}
				}
				return writeEvidenceJSON(a.stdout, out)
			}
			tw := tabwriter.NewWriter(a.stdout, 2, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "id\ttype\tdesign\tSMS\tn\toutcome\teffect\t")
			for _, s := range studies {
				st := s.Standard()
				mark := ""
				if st.Overridden {
					mark = "*"
				}
				eff := "-"
				if e, _, ok := s.EffectOn(effectsize.RD); ok {
					eff = fmt.Sprintf("%+.1f pp", e.Yi)
				} else if e, _, ok := s.EffectOn(effectsize.SMD); ok {
					eff = fmt.Sprintf("%+.2f SMD", e.Yi)
				}
				fmt.Fprintf(tw, "%s%s\t%s\t%s\t%d%s\t%d\t%s\t%s\t\n", s.ID, illustrativeTag(s.Illustrative), types[s.InterventionID], s.Design, st.Level, mark, s.N(), s.Outcome, eff)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%d studies\n", len(studies))
			return nil
		},
	}
	cmd.Flags().StringVar(&typ, "type", "", "only this intervention type (code or name)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "write JSON")
	return cmd
}

func newEvidenceShowCmd(a *app, db *string) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one study in full, with its evidence standard",
		Long: `show prints every field of a study, its intervention, its evidence standard
(and the override's reason, if any) and the effects it gives.`,
		Example: `  datalab evidence show ill-ips-a --db lab.db
  datalab evidence show ill-ips-a --db lab.db --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dbh, lib, err := openEvidence(cmd, *db)
			if err != nil {
				return err
			}
			defer dbh.Close()
			s, err := lib.Study(cmd.Context(), args[0])
			if err != nil {
				return fmt.Errorf("evidence show: %w (see datalab evidence list)", err)
			}
			iv, err := lib.Intervention(cmd.Context(), s.InterventionID)
			if err != nil {
				return err
			}
			if asJSON {
				return writeEvidenceJSON(a.stdout, struct {
					Study        evidence.Study        `json:"study"`
					Intervention evidence.Intervention `json:"intervention"`
					Standard     evidence.Standard     `json:"standard"`
				}{s, iv, s.Standard()})
			}
			w := a.stdout
			if s.Illustrative {
				fmt.Fprintln(w, "ILLUSTRATIVE: a fictional study for tests and demonstrations.")
			}
			fmt.Fprintf(w, "%s\n  %s\n", s.ID, s.Title)
			fmt.Fprintf(w, "intervention: %s (%s, type %s)\n", iv.Name, iv.ID, iv.Type)
			for _, kv := range [][2]string{{"citation", s.Citation}, {"url", s.URL}, {"country", s.Country}, {"population", s.Population},
				{"period", strings.Trim(s.PeriodStart+" to "+s.PeriodEnd, " to")}, {"source", s.Source}, {"notes", s.Notes}} {
				if kv[1] != "" {
					fmt.Fprintf(w, "%s: %s\n", kv[0], kv[1])
				}
			}
			fmt.Fprintf(w, "design: %s; evidence standard %s\n", s.Design.Name(), s.Standard())
			fmt.Fprintf(w, "sample: %d treated, %d comparison\n", s.NTreated, s.NControl)
			fmt.Fprintf(w, "outcome: %s (code %q, domain %s, %d months)\n", s.Outcome, s.OutcomeCode, s.OutcomeDomain, s.FollowUpMonths)
			for _, m := range []effectsize.Measure{effectsize.RD, effectsize.SMD} {
				if e, how, ok := s.EffectOn(m); ok {
					fmt.Fprintf(w, "effect (%s): %.4f, SE %.4f — %s\n", m, e.Yi, e.SE(), how)
				}
			}
			if s.CostPerParticipant != nil {
				fmt.Fprintf(w, "cost per participant: £%.0f (%d prices)\n", *s.CostPerParticipant, s.CostPriceYear)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "write JSON")
	return cmd
}

func newEvidenceImportCmd(a *app, db *string) *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE",
		Short: "Import studies from CSV (one row per study)",
		Long: `import reads a CSV with one row per study and puts its studies and their
interventions in the library, replacing any with the same ids. Every row is
checked before anything is written; an error names the line and column.

Columns (any order; id, intervention_id, title, design and outcome are
required): ` + strings.Join(evidence.CSVColumns(), ", ") + `.

The sms column is written by export and ignored on import (the level is
derived from the design); use sms_override and sms_override_reason.`,
		Example: `  datalab evidence import internal/evidence/testdata/illustrative_studies.csv --db lab.db`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return fmt.Errorf("evidence import: %w", err)
			}
			defer f.Close()
			dbh, lib, err := openEvidence(cmd, *db)
			if err != nil {
				return err
			}
			defer dbh.Close()
			rep, err := evidence.Import(cmd.Context(), lib, f, args[0])
			if err != nil {
				return err
			}
			for _, w := range rep.Warnings {
				a.log.Warn(w)
			}
			fmt.Fprintf(a.stdout, "imported %d studies of %d interventions into %s\n", rep.Studies, rep.Interventions, *db)
			if rep.Illustrative > 0 {
				fmt.Fprintf(a.stdout, "%d of them are ILLUSTRATIVE (fictional); outputs that use them say so\n", rep.Illustrative)
			}
			return nil
		},
	}
}

func newEvidenceExportCmd(a *app, db *string) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "export [--out FILE]",
		Short: "Export every study as CSV",
		Long:  `export writes the whole library as CSV, one row per study, in the format import reads.`,
		Example: `  datalab evidence export --db lab.db --out library.csv
  datalab evidence export --db lab.db > library.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dbh, lib, err := openEvidence(cmd, *db)
			if err != nil {
				return err
			}
			defer dbh.Close()
			var w io.Writer = a.stdout
			if out != "" {
				f, err := os.Create(out)
				if err != nil {
					return fmt.Errorf("evidence export: %w", err)
				}
				defer f.Close()
				w = f
			}
			n, err := evidence.Export(cmd.Context(), lib, w)
			if err != nil {
				return err
			}
			a.log.Info("exported", "studies", n)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write to this file instead of standard output")
	return cmd
}

func newEvidenceTypesCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "types",
		Short:   "List the intervention taxonomy and the outcome codes",
		Long:    `types prints the intervention types a study's intervention can have, with their definitions, and the outcomes framework codes an outcome can map to.`,
		Example: `  datalab evidence types`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if asJSON {
				return writeEvidenceJSON(a.stdout, map[string]any{"intervention_types": evidence.Taxonomy(), "outcomes": evidence.Outcomes()})
			}
			for _, t := range evidence.Taxonomy() {
				fmt.Fprintf(a.stdout, "%s — %s\n  %s\n  e.g. %s\n", t.Code, t.Name, t.Definition, t.Examples)
			}
			fmt.Fprintln(a.stdout, "\nOutcome codes (W = week 0..104):")
			for _, o := range evidence.Outcomes() {
				fmt.Fprintf(a.stdout, "  %-28s %-10s %s\n", o.Code, o.Domain, o.Name)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "write JSON")
	return cmd
}

func writeEvidenceJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// newToolkitCmd is the `datalab toolkit` command (register it in main.go's
// commands list).
func newToolkitCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "toolkit",
		Short: "Build the what-works toolkit from the evidence library",
		Long: `toolkit turns the evidence library into the what-works toolkit: for each
intervention type, the pooled impact on employment (percentage points, or an
SMD where that is all there is), an evidence-strength rating from 0 to 5
with the reasons, the cost per participant where known, and a plain-English
summary.`,
	}
	var db, out, method string
	build := &cobra.Command{
		Use:   "build --out DIR",
		Short: "Write the toolkit's HTML pages and toolkit.json",
		Long: `build writes DIR/index.html, one page per intervention type
(DIR/<type>.html) and DIR/toolkit.json. The pages are self-contained (no
scripts, no external requests) and explain each rating:

  0  no study gives a usable effect on an employment outcome; otherwise
     start from the lower of (a) the median SMS level of the pooled studies
     and (b) 2 for one study, 4 for two to four, 5 for five or more;
  (c) minus 1 if I² is 75% or more; (d) minus 1 if fewer than 1,000
     participants in all; never below 1.

Studies are pooled by random effects (REML by default). Data Lab evaluations
added to the library appear automatically; illustrative (fictional) studies
are labelled on every page that uses them.`,
		Example: `  datalab evidence import internal/evidence/testdata/illustrative_studies.csv --db lab.db
  datalab toolkit build --db lab.db --out toolkit`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("toolkit build: --out DIR is required")
			}
			m, err := meta.ParseMethod(method)
			if err != nil {
				return err
			}
			dbh, lib, err := openEvidence(cmd, db)
			if err != nil {
				return err
			}
			defer dbh.Close()
			tk, err := toolkit.Publish(cmd.Context(), lib, out, toolkit.Options{Method: m, Now: time.Now(), Version: cmd.Root().Version})
			if err != nil {
				return err
			}
			pooled := 0
			for _, e := range tk.Entries {
				if e.Pooled != nil {
					pooled++
				}
			}
			fmt.Fprintf(a.stdout, "wrote %s: %d intervention types, %d with a pooled estimate%s\n", out, len(tk.Entries), pooled, illustrativeTag(tk.Illustrative))
			return nil
		},
	}
	build.Flags().StringVar(&db, "db", "lab.db", "lab store (SQLite file) holding the library")
	build.Flags().StringVar(&out, "out", "", "directory for the pages and toolkit.json")
	build.Flags().StringVar(&method, "method", "reml", "tau^2 estimator for pooling: reml, dl or fe")
	cmd.AddCommand(build)
	return cmd
}
