package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/employment-data-lab/datalab/internal/pipeline"
	"github.com/employment-data-lab/datalab/internal/store"
	"github.com/employment-data-lab/datalab/internal/trials/plan"
	"github.com/employment-data-lab/datalab/internal/trials/randomise"
	"github.com/employment-data-lab/datalab/internal/trials/results"
)

// trialFlags are the flags every trial command shares.
type trialFlags struct {
	db, trial string
	json      bool
}

func (f *trialFlags) add(cmd *cobra.Command, withJSON bool) {
	cmd.Flags().StringVar(&f.db, "db", "lab.db", "the lab store (SQLite file)")
	cmd.Flags().StringVar(&f.trial, "trial", "", "the trial's identifier (required)")
	cmd.MarkFlagRequired("trial")
	if withJSON {
		cmd.Flags().BoolVar(&f.json, "json", false, "write the result as JSON")
	}
}

func (f *trialFlags) open(ctx context.Context) (*store.DB, error) {
	return store.Open(ctx, f.db)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newTrialCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trial",
		Short: "Run a randomised trial: randomisation service and analysis plan",
		Long: `trial runs a randomised controlled trial's randomisation and keeps its
analysis honest.

  datalab trial create   declare arms, ratio, strata and block sizes
  datalab trial enrol    allocate a participant (the same reference always gets the same arm)
  datalab trial export   the allocation log as CSV
  datalab trial verify   check the log has not been edited, deleted from, reordered or added to
  datalab trial plan     write the analysis plan (primary outcome, horizon, covariates, MDE)
  datalab trial lock     freeze the plan (hashed, time-stamped) before outcomes are linked
  datalab trial close    close enrolment and reveal the seed, so anyone can re-check the sequence
  datalab trial analyse  link participants to the spine and run the planned intention-to-treat analysis

Allocation is concealed: arms come from a secret seed that no command prints
until the trial is closed, so nobody can know the next allocation before a
participant is enrolled. Every allocation is appended to a hash-chained log;
verify recomputes the chain and names the first break. The store is a SQLite
file (--db, default lab.db); enrolments from many terminals or processes at
once are safe.

Work out the size of the trial first with datalab power.`,
		Example: `  datalab trial create --trial wb1 --arms control,treatment --stratify site=North,South
  datalab trial enrol  --trial wb1 --ref P0001 --stratum site=North
  datalab trial verify --trial wb1`,
	}
	cmd.AddCommand(newTrialCreateCmd(a), newTrialEnrolCmd(a), newTrialExportCmd(a), newTrialVerifyCmd(a),
		newTrialPlanCmd(a), newTrialLockCmd(a), newTrialCloseCmd(a), newTrialAnalyseCmd(a))
	return cmd
}

func newTrialCreateCmd(a *app) *cobra.Command {
	var f trialFlags
	var title, ratio string
	var arms []string
	var blocks []int
	var stratify []string
	cmd := &cobra.Command{
		Use:   "create --trial ID --arms A,B [--ratio 1:1] [--stratify factor=level,level]...",
		Short: "Declare a trial: arms, allocation ratio, strata and block sizes",
		Long: `create records a new trial and draws its secret seed (256 bits from the
operating system's cryptographic generator).

Randomisation is by permuted blocks within each stratum: every block holds
the arms in exactly the allocation ratio, in random order, and each block's
size is drawn at random from --block-sizes, so that the end of a block
cannot be foreseen. Block sizes must be multiples of the ratio's total
(1:1 → multiples of 2; 2:1 → multiples of 3). The default is 2 and 3 times
the total (4 and 6 for 1:1).

Strata are combinations of the levels of the factors declared with
--stratify (one flag per factor). Stratify by a few factors that predict
the outcome strongly (site, a baseline benefit group); every participant
must then be enrolled with a level of each. Strata are declared levels only:
never names, dates of birth or NI numbers.`,
		Example: `  datalab trial create --trial wb1 --arms control,treatment
  datalab trial create --trial wb2 --arms control,coaching,coaching_plus --ratio 2:1:1 \
      --stratify site=North,South,East --stratify claim=JSA,UC --block-sizes 4,8`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d := randomise.Design{Arms: arms}
			for _, r := range strings.Split(ratio, ":") {
				if ratio == "" {
					break
				}
				w, err := strconv.Atoi(strings.TrimSpace(r))
				if err != nil {
					return fmt.Errorf("trial create: --ratio %q: write whole numbers separated by ':', one per arm, e.g. 1:1 or 2:1", ratio)
				}
				d.Ratio = append(d.Ratio, w)
			}
			if ratio == "" {
				for range arms {
					d.Ratio = append(d.Ratio, 1)
				}
			}
			for _, s := range stratify {
				fac, err := randomise.ParseFactor(s)
				if err != nil {
					return fmt.Errorf("trial create: --stratify: %w", err)
				}
				d.Factors = append(d.Factors, fac)
			}
			d.BlockSizes = blocks
			if len(blocks) == 0 {
				t := 0
				for _, w := range d.Ratio {
					t += w
				}
				d.BlockSizes = []int{2 * t, 3 * t}
			}
			db, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			t, err := db.CreateTrial(cmd.Context(), f.trial, title, d, time.Now(), rand.Reader)
			if err != nil {
				return err
			}
			if f.json {
				return writeJSON(a.stdout, t)
			}
			fmt.Fprintf(a.stdout, "trial %s created in %s\n  arms %s, ratio %s, block sizes %v\n", t.ID, f.db,
				strings.Join(d.Arms, ", "), ratioString(d.Ratio), d.BlockSizes)
			for _, fac := range d.Factors {
				fmt.Fprintf(a.stdout, "  stratified by %s: %s\n", fac.Name, strings.Join(fac.Levels, ", "))
			}
			fmt.Fprintf(a.stdout, "  genesis %s\n", t.Genesis)
			return nil
		},
	}
	f.add(cmd, true)
	cmd.Flags().StringVar(&title, "title", "", "a title for the trial")
	cmd.Flags().StringSliceVar(&arms, "arms", []string{"control", "treatment"}, "the arms, comma-separated")
	cmd.Flags().StringVar(&ratio, "ratio", "", "allocation ratio, one whole number per arm, e.g. 1:1 (default) or 2:1")
	cmd.Flags().IntSliceVar(&blocks, "block-sizes", nil, "block sizes to draw from, multiples of the ratio's total (default 2× and 3× the total)")
	cmd.Flags().StringArrayVar(&stratify, "stratify", nil, "a stratification factor and its levels, factor=level,level (repeat per factor)")
	return cmd
}

func ratioString(r []int) string {
	s := make([]string, len(r))
	for i, w := range r {
		s[i] = strconv.Itoa(w)
	}
	return strings.Join(s, ":")
}

func newTrialEnrolCmd(a *app) *cobra.Command {
	var f trialFlags
	var ref, stratum, from string
	cmd := &cobra.Command{
		Use:   "enrol --trial ID (--ref REF [--stratum factor=level,...] | --from FILE)",
		Short: "Allocate a participant to an arm",
		Long: `enrol allocates one participant, identified by your own reference for them
(--ref; letters, digits and . _ : / - only), and prints the receipt:
position in the log, arm, and the chain head after the allocation. Keep the
receipts: any later head proves the log up to it (verify --head).

Enrolling a reference again returns the allocation it already has: a
participant is never re-randomised. Enrol only after the participant is
irrevocably in the trial (consented and eligible): allocation is concealed
until then, and once made it stands.

--stratum gives the participant's level of every declared factor, e.g.
--stratum site=North,claim=UC. Names, NI numbers and dates of birth are
refused: the trial store holds no direct identifiers.

--from FILE enrols everyone in a CSV file whose header is participant_ref and
one column per stratification factor (any other column is refused), in
file order, one allocation at a time. Enrolling the same file again is safe.`,
		Example: `  datalab trial enrol --trial wb1 --ref P0001 --stratum site=North
  datalab trial enrol --trial wb1 --ref P0002 --stratum site=South --json
  datalab trial enrol --trial wb1 --from week3.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (from == "") == (ref == "") {
				return fmt.Errorf("trial enrol: give --ref (one participant) or --from FILE (a CSV of them), not both or neither")
			}
			if from != "" {
				return enrolFile(cmd.Context(), a, f, from)
			}
			levels, err := randomise.ParseLevels(stratum)
			if err != nil {
				return fmt.Errorf("trial enrol: --stratum: %w", err)
			}
			db, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			e, err := db.Enrol(cmd.Context(), f.trial, ref, levels, time.Now())
			if err != nil {
				return err
			}
			if f.json {
				return writeJSON(a.stdout, e)
			}
			was := "allocated"
			if !e.New {
				was = "already allocated (unchanged)"
			}
			fmt.Fprintf(a.stdout, "%s: %s to %s\n  position %d, stratum %s, at %s\n  chain head %s\n",
				e.ParticipantRef, was, e.Arm, e.Position, e.Stratum, e.AllocatedAt.Format(time.RFC3339), e.Head)
			return nil
		},
	}
	f.add(cmd, true)
	cmd.Flags().StringVar(&ref, "ref", "", "your reference for the participant")
	cmd.Flags().StringVar(&stratum, "stratum", "", "the participant's factor levels, factor=level,factor=level")
	cmd.Flags().StringVar(&from, "from", "", "a CSV file of participants to enrol (participant_ref and factor columns)")
	return cmd
}

func enrolFile(ctx context.Context, a *app, f trialFlags, path string) error {
	file, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("trial enrol: %w", err)
	}
	defer file.Close()
	db, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	es, err := db.EnrolFile(ctx, f.trial, file, time.Now)
	if err != nil {
		return fmt.Errorf("trial enrol --from %s: %w", path, err)
	}
	if f.json {
		return writeJSON(a.stdout, es)
	}
	fresh := 0
	for _, e := range es {
		if e.New {
			fresh++
		}
	}
	head := ""
	if len(es) > 0 {
		head = es[len(es)-1].Head
	}
	fmt.Fprintf(a.stdout, "%s: %d participants, %d newly allocated, %d already allocated (unchanged)\n  chain head %s\n", path, len(es), fresh, len(es)-fresh, head)
	return nil
}

func newTrialExportCmd(a *app) *cobra.Command {
	var f trialFlags
	var out string
	cmd := &cobra.Command{
		Use:   "export --trial ID [--out FILE]",
		Short: "Write the allocation log as CSV",
		Long: `export writes the allocation log, one row per allocation in order:
position, participant_ref, stratum, arm, allocated_at (UTC) and hash (the
chain hash after that row). The seed is not in it.

While the trial recruits, keep the log away from the people who recruit:
within a block, earlier allocations narrow down the later ones.`,
		Example: `  datalab trial export --trial wb1 --out wb1-allocations.csv`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			w := a.stdout
			if out != "" {
				file, err := os.Create(out)
				if err != nil {
					return fmt.Errorf("trial export: %w", err)
				}
				defer file.Close()
				w = file
			}
			if err := db.ExportTrial(cmd.Context(), f.trial, w); err != nil {
				return err
			}
			if c, ok := w.(io.Closer); ok && out != "" {
				return c.Close()
			}
			return nil
		},
	}
	f.add(cmd, false)
	cmd.Flags().StringVar(&out, "out", "", "write to FILE instead of standard output")
	return cmd
}

func newTrialVerifyCmd(a *app) *cobra.Command {
	var f trialFlags
	var head string
	cmd := &cobra.Command{
		Use:   "verify --trial ID [--head HASH]",
		Short: "Check the allocation log for tampering",
		Long: `verify recomputes the allocation log's hash chain from the trial's genesis
(which covers its design) and checks it against the chain head and count
kept in the trial's record. It reports the first break and its kind:

  edited        an entry's contents no longer match its hash
  deleted       an entry is missing, from the middle or the end
  inserted      an entry is not part of the chain, or was added after the head
  reordered     entries are out of chain order
  off-sequence  an arm is not the one the concealed sequence gave (checked
                with the trial's seed, without revealing it)

Someone able to rewrite the whole store could forge a consistent chain;
give --head, a chain head from an enrolment receipt or an earlier verify
kept elsewhere, to prove the log up to that point.

verify exits non-zero when the log fails.`,
		Example: `  datalab trial verify --trial wb1
  datalab trial verify --trial wb1 --head 3f1c…e9 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			r, err := db.VerifyTrial(cmd.Context(), f.trial, head)
			if err != nil {
				return err
			}
			if f.json {
				if err := writeJSON(a.stdout, r); err != nil {
					return err
				}
			} else if r.OK {
				fmt.Fprintf(a.stdout, "trial %s: log intact: %d allocations, chain head %s\n", f.trial, r.Entries, r.Head)
				if r.SequenceChecked {
					fmt.Fprintln(a.stdout, "  every arm matches the concealed sequence")
				}
				for _, n := range r.Notes {
					fmt.Fprintf(a.stdout, "  %s\n", n)
				}
			}
			if !r.OK {
				return fmt.Errorf("trial %s: log FAILS verification: %s at position %d: %s", f.trial, r.Break.Kind, r.Break.Position, r.Break.Detail)
			}
			return nil
		},
	}
	f.add(cmd, true)
	cmd.Flags().StringVar(&head, "head", "", "a chain head recorded outside the store, to check the log against")
	return cmd
}

func newTrialPlanCmd(a *app) *cobra.Command {
	var f trialFlags
	var primary string
	var horizon int
	var covariates, subgroups []string
	var mde, alpha float64
	var show bool
	cmd := &cobra.Command{
		Use:   "plan --trial ID --primary OUTCOME [--horizon WEEK] --mde EFFECT [--covariates ...] [--subgroups ...]",
		Short: "Write (or show) the trial's analysis plan",
		Long: `plan writes the analysis plan the trial will be judged by, before any
outcome data is seen: the primary outcome from the outcomes framework, the
week it is measured at (for weekly outcomes), the covariates the analysis
adjusts for, the subgroups it reports, and the minimum detectable effect
(on the outcome's scale; work it out with datalab power).

Outcomes: employed, on_out_of_work_benefit, on_inactivity_benefit (weekly:
give --horizon 0..104), weeks_employed_0_51, weeks_employed_0_103,
earnings_months_1_12, earnings_months_13_24, sustained_employment_13,
sustained_employment_26. Covariates and subgroups: the default covariates
(age, sex, region, benefit_class, disability, weeks_employed_52, …,
earnings_prior_12) and the trial's stratification factors; adjusting for
the stratification factors is recommended.

A draft can be rewritten until datalab trial lock freezes it. --show prints
the plan and its lock.`,
		Example: `  datalab trial plan --trial wb1 --primary employed --horizon 52 \
      --covariates age,weeks_employed_104,site --subgroups sex --mde 0.05
  datalab trial plan --trial wb1 --show --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			if show {
				p, l, err := db.Plan(cmd.Context(), f.trial)
				if err != nil {
					return err
				}
				return writePlan(a.stdout, p, l, f.json)
			}
			p := plan.Plan{Trial: f.trial, PrimaryOutcome: primary, Covariates: covariates, Subgroups: subgroups, MDE: mde, Alpha: alpha}
			if cmd.Flags().Changed("horizon") {
				p.HorizonWeek = &horizon
			}
			p, err = db.SavePlan(cmd.Context(), p, time.Now())
			if err != nil {
				return err
			}
			return writePlan(a.stdout, p, nil, f.json)
		},
	}
	f.add(cmd, true)
	cmd.Flags().StringVar(&primary, "primary", "", "the primary outcome (outcomes framework name)")
	cmd.Flags().IntVar(&horizon, "horizon", 0, "the week (0..104) a weekly outcome is measured at")
	cmd.Flags().StringSliceVar(&covariates, "covariates", nil, "covariates to adjust for, comma-separated")
	cmd.Flags().StringSliceVar(&subgroups, "subgroups", nil, "subgroups to report, comma-separated")
	cmd.Flags().Float64Var(&mde, "mde", 0, "minimum detectable effect on the outcome's scale, e.g. 0.05")
	cmd.Flags().Float64Var(&alpha, "alpha", 0.05, "significance level of the primary analysis")
	cmd.Flags().BoolVar(&show, "show", false, "print the stored plan and its lock instead of writing one")
	return cmd
}

func writePlan(w io.Writer, p plan.Plan, l *plan.Locked, asJSON bool) error {
	if asJSON {
		if l != nil {
			return writeJSON(w, struct {
				*plan.Locked
				Intact bool `json:"intact"`
			}{l, l.Intact()})
		}
		return writeJSON(w, struct {
			Plan   plan.Plan `json:"plan"`
			Locked bool      `json:"locked"`
		}{p, false})
	}
	horizon := "(summary outcome)"
	if p.HorizonWeek != nil {
		horizon = "week " + strconv.Itoa(*p.HorizonWeek)
	}
	fmt.Fprintf(w, "analysis plan of trial %s\n  primary outcome %s, %s\n  covariates      %s\n  subgroups       %s\n  MDE %g, alpha %g, estimator %s\n",
		p.Trial, p.PrimaryOutcome, horizon, strings.Join(p.Covariates, ", "), strings.Join(p.Subgroups, ", "), p.MDE, p.Alpha, p.Estimator)
	switch {
	case l == nil:
		fmt.Fprintln(w, "  draft: not locked (datalab trial lock freezes it)")
	case l.Intact():
		fmt.Fprintf(w, "  locked at %s, SHA-256 %s\n", l.LockedAt.Format(time.RFC3339), l.Hash)
	default:
		fmt.Fprintf(w, "  locked at %s with SHA-256 %s, BUT THE STORED PLAN NO LONGER MATCHES IT: it was altered after locking\n", l.LockedAt.Format(time.RFC3339), l.Hash)
	}
	return nil
}

func newTrialLockCmd(a *app) *cobra.Command {
	var f trialFlags
	cmd := &cobra.Command{
		Use:   "lock --trial ID",
		Short: "Freeze the analysis plan (hash and time-stamp it)",
		Long: `lock freezes the trial's draft plan: its canonical JSON is hashed with
SHA-256 and the hash stored with the time. After that the plan cannot be
changed, and an analysis that departs from it runs only with
--allow-departure "reason", recorded and shown in its report. Lock before any
outcome data is linked to the trial: it is refused after.

Publish the hash (in a trial registry or protocol) so anyone can check the
plan analysed is the plan locked.`,
		Example: `  datalab trial lock --trial wb1`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			l, err := db.LockPlan(cmd.Context(), f.trial, time.Now())
			if err != nil {
				return err
			}
			return writePlan(a.stdout, l.Plan, &l, f.json)
		},
	}
	f.add(cmd, true)
	return cmd
}

func newTrialCloseCmd(a *app) *cobra.Command {
	var f trialFlags
	cmd := &cobra.Command{
		Use:   "close --trial ID",
		Short: "Close enrolment and reveal the randomisation seed",
		Long: `close ends enrolment (later enrolments are refused; enrolled references
still get their allocation back) and prints the trial's seed. With the seed
anyone can regenerate the allocation sequence (see internal/trials/randomise
for its definition) and check each allocation in the exported log against
it. Close only when recruitment is over: the seed reveals every future
allocation.`,
		Example: `  datalab trial close --trial wb1 --json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			t, seed, err := db.CloseTrial(cmd.Context(), f.trial, time.Now())
			if err != nil {
				return err
			}
			if f.json {
				return writeJSON(a.stdout, struct {
					store.Trial
					Seed string `json:"seed"`
				}{t, seed.String()})
			}
			fmt.Fprintf(a.stdout, "trial %s closed at %s after %d allocations\n  chain head %s\n  seed %s\n",
				t.ID, t.ClosedAt.Format(time.RFC3339), t.Allocations, t.Head, seed)
			return nil
		},
	}
	f.add(cmd, true)
	return cmd
}

func newTrialAnalyseCmd(a *app) *cobra.Command {
	var f trialFlags
	var cfg results.Config
	var horizon int
	var covariates []string
	var noLibrary bool
	cmd := &cobra.Command{
		Use:   "analyse --trial ID --participants FILE --spine DB --out DIR [--intervention-type CODE]",
		Short: "Link the participants to the spine and run the planned intention-to-treat analysis",
		Long: `analyse runs the trial's primary analysis, as its locked plan says.

It refuses to start when the allocation log fails verification (naming the
first bad entry), when the plan is not locked, or when the plan was locked
after outcome data was first linked. The first link is recorded in the
store, so no plan can be locked after it.

--participants is a file in the lab's submission format (participant_ref,
nino, first_name, last_name, date_of_birth, postcode, start_date): every
participant_ref as enrolled, start_date the enrolment date. The
participants are linked to the spine exactly as a Data Lab submission is;
the identifiers are read only by linkage and never stored, logged or
written. Follow-up is measured from start_date: each participant's
outcome at the plan's horizon and the plan's covariates at start_date come
from the spine's timeline index. An outcome past the spine's window is
"not observable", never zero.

The estimate: everyone in the arm they were allocated to (intention to
treat); OLS of the outcome on the arm and the plan's covariates, centred
and interacted with the arm (Lin 2013), with HC2 robust standard errors,
a confidence interval at 1 − the plan's alpha and a two-sided p-value.

Overriding the plan (--outcome, --horizon, --covariates) is a departure:
it runs only with --allow-departure "reason", which is stored with the
trial and shown in the summary and both JSON files.

Writes to --out:
  trial_analysis.json  the stored result (schema datalab.trial/v1): plan hash,
                       departures, CONSORT flow with reasons, estimates,
                       balance, attrition; exact counts, not for publication
  trial_report.json    the same after disclosure control (counts under 10
                       suppressed, counts rounded to 5): for publication
  trial_report.html    the published report made from trial_report.json: the
                       headline interval in words, any departure from the plan,
                       the CONSORT flow, evidence quality, limitations, method
                       (one self-contained page; not written when publication
                       is refused)
  summary.txt          the summary printed
  linked.csv           linkage's pseudonymous QA file (participant_ref, person_id, band)

The primary result then enters the what-works library as a randomised
controlled trial: SMS 5 when attrition (≤ 20% overall, ≤ 5 points
differential) and baseline balance (|SMD| ≤ 0.25) are adequate, SMS 4
otherwise. Give --intervention-type (see datalab evidence types), or
--no-library.`,
		Example: `  datalab trial analyse --trial wb1 --participants wb1-identifiers.csv \
      --spine world/spine.duckdb --out wb1-results --intervention-type job_search_support
  datalab trial analyse --trial wb1 --participants wb1-identifiers.csv --spine world/spine.duckdb \
      --out wb1-week26 --horizon 26 --allow-departure "week 52 not yet in the spine" --no-library`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, err := f.open(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			cfg.Trial = f.trial
			if cmd.Flags().Changed("horizon") {
				cfg.Overrides.Horizon = &horizon
			}
			if cmd.Flags().Changed("covariates") {
				cfg.Overrides.Covariates = append([]string{}, covariates...)
			}
			if cmd.Flags().Changed("deviation") && cfg.AllowDeparture == "" {
				cfg.AllowDeparture, _ = cmd.Flags().GetString("deviation")
			}
			if !noLibrary {
				cfg.Library = db.Evidence()
			}
			cfg.Identities = pipeline.Identities(cfg.Spine)
			cfg.Stdout, cfg.Log = a.stderr, a.log
			res, err := results.Analyse(ctx, db, cfg)
			if err != nil {
				return err
			}
			if f.json {
				return writeJSON(a.stdout, res.Document)
			}
			_, err = io.WriteString(a.stdout, res.Summary)
			return err
		},
	}
	f.add(cmd, true)
	cmd.Flags().StringVar(&cfg.Participants, "participants", "", "the trial's participants file: identifiers, participant_ref as enrolled, start_date (required)")
	cmd.Flags().StringVar(&cfg.Spine, "spine", "", "an imported spine database (datalab spine import) (required)")
	cmd.Flags().StringVar(&cfg.Out, "out", "", "the folder to write the results to (required)")
	cmd.Flags().StringVar(&cfg.AllowDeparture, "allow-departure", "", "the reason for departing from the locked plan (recorded and reported)")
	cmd.Flags().String("deviation", "", "the same as --allow-departure")
	cmd.Flags().MarkHidden("deviation")
	cmd.Flags().StringVar(&cfg.Overrides.Outcome, "outcome", "", "analyse this outcome instead of the plan's (a departure)")
	cmd.Flags().IntVar(&horizon, "horizon", 0, "analyse at this week instead of the plan's (a departure)")
	cmd.Flags().StringSliceVar(&covariates, "covariates", nil, "adjust for these covariates instead of the plan's (a departure; --covariates= for none)")
	cmd.Flags().StringVar(&cfg.Intervention, "intervention", "", "the intervention tested, as the library names it (default: the trial's title or id)")
	cmd.Flags().StringVar(&cfg.InterventionType, "intervention-type", "", "the intervention's what-works type (datalab evidence types)")
	cmd.Flags().BoolVar(&noLibrary, "no-library", false, "do not enter the result in the what-works library")
	for _, n := range []string{"participants", "spine", "out"} {
		cmd.MarkFlagRequired(n)
	}
	return cmd
}
