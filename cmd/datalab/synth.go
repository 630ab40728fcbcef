package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/employment-data-lab/datalab/internal/synth"
	"github.com/employment-data-lab/datalab/internal/timeline"
)

func newSynthCmd(a *app) *cobra.Command {
	cfg := synth.DefaultConfig()
	var out, start, end string
	var force bool
	cmd := &cobra.Command{
		Use:   "synth --out DIR [--people N] [--seed S] [--effect X]",
		Short: "Generate a synthetic world with programmes whose true effects are known",
		Long: `synth writes a synthetic labour-market world in data contract v1: an
administrative spine, the participant lists of three example programmes, and
truth.json with each programme's true impact. Use it to try the lab, and to
check that an evaluation recovers the truth.

The spine (DIR/spine) holds people, identities, benefit spells, employment
spells, monthly earnings and education spells, simulated week by week over
the window and two years before it: people differ in an unobserved ability
that drives job finding and pay; the longer someone is out of work the less
likely they are to find a job; new jobs are the likeliest to end; pay grows
with tenure; claims follow job loss and ill health, on JSA, ESA and IS until
Universal Credit reaches the district during 2018, then on UC.

The programmes (DIR/programmes/<name>):
  jobsearch_plus   out-of-work claimants; a 4-week lock-in, then more job finding
  health_works     inactivity-benefit claimants; more moves into search and work
  mentoring_null   young claimants; no effect at all, by design
People join with a probability that depends only on what the lab observes
(the default covariates), so a correct evaluation can recover the truth.

truth.json gives, for every default outcome (employment, benefits, weeks
employed, earnings, sustained employment over 104 weeks), the mean over
participants of the outcome joining minus the outcome not joining, each
person simulated both ways with the same random numbers. --effect scales
every designed effect (0 switches them all off).

With --noise (the default) each programme also gets participants_noisy.csv,
its list as a provider would really submit it (nicknames, typos, swapped
days and months, missing NINOs, people who have moved, a few people the
spine does not hold), and true_links.csv to score linkage against.

The same seed gives byte-identical files. A run that is interrupted leaves
no partial world behind. DIR must be empty unless --force.`,
		Example: `  # the default world: 100,000 people, 2017-2023
  datalab synth --out world

  # a small world for a quick try, with every programme effect doubled
  datalab synth --out small --people 5000 --seed 7 --effect 2

  # a national-scale world (about 2 minutes on 2 cores)
  datalab synth --out big --people 1000000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if start != "" {
				if cfg.Start, err = timeline.ParseDate(start); err != nil {
					return fmt.Errorf("--start: %w", err)
				}
			}
			if end != "" {
				if cfg.End, err = timeline.ParseDate(end); err != nil {
					return fmt.Errorf("--end: %w", err)
				}
			}
			if cfg.People <= 0 {
				return fmt.Errorf("--people %d: give a positive number of people", cfg.People)
			}
			if cfg.Seed == 0 {
				return fmt.Errorf("--seed 0: give a seed of 1 or more")
			}
			cfg.Overwrite = force
			var progress func(string, int, int)
			if !a.quiet {
				progress = progressPrinter(a.stderr)
			}
			sum, err := synth.Write(cmd.Context(), out, cfg, progress)
			if err != nil {
				return err
			}
			printSynthSummary(a.stdout, sum)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "", "directory to write the world into (created if missing; must be empty unless --force)")
	f.IntVar(&cfg.People, "people", cfg.People, "people in the spine")
	f.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed: the same seed gives byte-identical files")
	f.Float64Var(&cfg.Effect, "effect", cfg.Effect, "multiplier on every programme's designed effect (0 = no effects, 2 = double)")
	f.BoolVar(&cfg.Noise, "noise", cfg.Noise, "also write participants_noisy.csv and true_links.csv for each programme")
	f.StringVar(&start, "start", "", "first day of the spine window, YYYY-MM-DD, the first of a month (default 2017-01-01)")
	f.StringVar(&end, "end", "", "last day of the spine window, YYYY-MM-DD, the last of a month (default 2023-12-31)")
	f.BoolVar(&force, "force", false, "replace the world in a directory that is not empty")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

// progressPrinter reports each stage's progress on w, every tenth of the
// way for the simulation.
func progressPrinter(w io.Writer) func(string, int, int) {
	last := -1
	return func(stage string, done, total int) {
		switch {
		case stage == "simulate":
			step := done * 10 / max(total, 1)
			if step == last {
				return
			}
			last = step
			fmt.Fprintf(w, "synth: simulated %d of %d people\n", done, total)
		case done == 0:
			fmt.Fprintf(w, "synth: writing %s\n", stage)
		}
	}
}

func printSynthSummary(w io.Writer, s synth.Summary) {
	c := s.Config
	fmt.Fprintf(w, "world written to %s: %d people, seed %d, window %s to %s, effect multiplier %g\n\n",
		s.Dir, c.People, c.Seed, c.Start, c.End, c.Effect)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "file\trows\t")
	for _, f := range s.Files {
		fmt.Fprintf(tw, "%s\t%d\t\n", f.Path, f.Rows)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "programme\tparticipants\tshare\tstarts\tnoisy rows (not in spine)")
	for _, p := range s.Programmes {
		noisy := "-"
		if c.Noise {
			noisy = fmt.Sprintf("%d (%d)", p.NoisyRows, p.NotInSpine)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.2f%%\t%s to %s\t%s\n", p.Name, p.Participants,
			100*float64(p.Participants)/float64(c.People), p.FirstStart, p.LastStart, noisy)
	}
	tw.Flush()
	fmt.Fprintf(w, "\ntrue effects: %s/truth.json\n", s.Dir)
}
