package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/employment-data-lab/datalab/internal/spine"
	"github.com/employment-data-lab/datalab/internal/spine/index"
)

func newSpineCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "spine",
		Short: "Import, check and summarise the administrative spine",
		Long: `The spine is the administrative data every evaluation draws on: people,
their benefit and employment spells, monthly earnings, optional education
spells, and identities (linkage keys only). It arrives as a folder of CSV or
Parquet files in data contract v1 (DESIGN.md §4) and is loaded into one
DuckDB database file, from which the timeline index is built.

  datalab spine check   --from DIR            validate without loading
  datalab spine import  --from DIR --db FILE  validate and load (atomically)
  datalab spine summary --db FILE             counts, dates, benefit mix
  datalab spine index   --db FILE             build or refresh the timeline index`,
	}
	cmd.AddCommand(newSpineImportCmd(a), newSpineCheckCmd(a), newSpineSummaryCmd(a), newSpineIndexCmd(a))
	return cmd
}

// progressLogger logs file-reading progress unless --quiet.
func progressLogger(a *app) func(spine.Progress) {
	return func(p spine.Progress) {
		msg := "reading"
		if p.Done {
			msg = "read"
		}
		a.log.Info(msg, "file", p.File, "rows", p.Rows, "rows_per_s", int64(p.RowsPerSecond()), "elapsed", p.Elapsed.Round(1e8))
	}
}

func newSpineImportCmd(a *app) *cobra.Command {
	var from, db string
	var strict bool
	var maxErrors int
	cmd := &cobra.Command{
		Use:   "import --from DIR --db FILE",
		Short: "Validate a spine folder and load it into a DuckDB database",
		Long: `import reads every file of the spine folder (people, identities,
benefit_spells, employment_spells, earnings and optionally education; each
as .csv or .parquet), checks every row against data contract v1 and loads
the valid rows into the DuckDB database FILE.

Each problem names the file, line, column and reason, e.g.

  benefit_spells.csv:7: benefit: unknown benefit code (...) (value "JSX")

Values of identity columns (identities.csv, people.csv date_of_birth) are
never printed: only the field and the reason.

By default valid rows load and every problem is written to FILE.rejects.csv
(file, line, column, reason, value). With --strict any problem aborts the
import and nothing changes. Either way the database is replaced atomically:
it is built in a temporary file beside FILE and renamed over it only when
complete, so a failed or interrupted import (Ctrl-C) leaves the previous
spine exactly as it was.

The spine's content hash (sha256 of its files) is recorded in the database;
the timeline index is keyed on it and rebuilt when the spine changes.`,
		Example: `  datalab spine import --from world/spine --db world/spine.duckdb
  datalab spine import --from /data/spine-2024-06 --db spine.duckdb --strict`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := spine.ImportOptions{Strict: strict, Version: version}
			opts.MaxProblems = maxErrors
			if !a.quiet {
				opts.Progress = progressLogger(a)
			}
			rep, err := spine.Import(cmd.Context(), from, db, opts)
			if len(rep.Files) > 0 {
				rep.Write(a.stderr)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "imported %s into %s", from, db)
			if rep.ProblemCount > 0 {
				fmt.Fprintf(a.stdout, "; %d rows rejected, listed in %s", rep.RejectedRows, spine.RejectsPath(db))
			}
			fmt.Fprintln(a.stdout)
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "spine folder (CSV or Parquet files, data contract v1)")
	cmd.Flags().StringVar(&db, "db", "", "DuckDB database file to create or replace")
	cmd.Flags().BoolVar(&strict, "strict", false, "abort on any problem, changing nothing")
	cmd.Flags().IntVar(&maxErrors, "max-errors", 20, "print at most this many problems (all are counted)")
	cmd.MarkFlagRequired("from")
	cmd.MarkFlagRequired("db")
	return cmd
}

func newSpineCheckCmd(a *app) *cobra.Command {
	var from, rejects string
	var maxErrors int
	cmd := &cobra.Command{
		Use:   "check --from DIR",
		Short: "Validate a spine folder without loading it",
		Long: `check runs exactly the validation of "datalab spine import" (the same code
path) and loads nothing. It prints each file's row counts and the first
problems, and exits non-zero if any row breaks data contract v1. Use
--rejects to write every problem to a CSV file.`,
		Example: `  datalab spine check --from world/spine
  datalab spine check --from /data/spine --rejects problems.csv --max-errors 5`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := spine.ValidateOptions{MaxProblems: maxErrors}
			if !a.quiet {
				opts.Progress = progressLogger(a)
			}
			flush := func() error { return nil }
			if rejects != "" {
				f, err := os.Create(rejects)
				if err != nil {
					return err
				}
				defer f.Close()
				opts.OnProblem, flush = spine.RejectsWriter(f)
			}
			rep, err := spine.Check(cmd.Context(), from, opts)
			if ferr := flush(); err == nil {
				err = ferr
			}
			if len(rep.Files) > 0 {
				rep.Write(a.stdout)
			}
			if err != nil {
				return err
			}
			if rep.ProblemCount > 0 {
				return fmt.Errorf("%s breaks data contract v1 in %d rows (%d problems)", from, rep.RejectedRows, rep.ProblemCount)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "spine folder (CSV or Parquet files, data contract v1)")
	cmd.Flags().StringVar(&rejects, "rejects", "", "write every problem to this CSV file")
	cmd.Flags().IntVar(&maxErrors, "max-errors", 20, "print at most this many problems (all are counted)")
	cmd.MarkFlagRequired("from")
	return cmd
}

func newSpineSummaryCmd(a *app) *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "summary --db FILE",
		Short: "Print what an imported spine holds",
		Long: `summary prints the spine's people and rows per table, the date coverage of
each table and the spine's window (first to last earnings month: outcomes
past its end are unavailable), the benefit mix (each code with its class,
spells, share and people), and the content hash the timeline index is
keyed on. It prints counts only, never a person's values.`,
		Example: `  datalab spine summary --db world/spine.duckdb`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := spine.Summarize(cmd.Context(), db)
			if err != nil {
				return err
			}
			return s.Write(a.stdout)
		},
	}
	cmd.Flags().StringVar(&db, "db", "", "spine database written by datalab spine import")
	cmd.MarkFlagRequired("db")
	return cmd
}

func newSpineIndexCmd(a *app) *cobra.Command {
	var db string
	var rebuild bool
	cmd := &cobra.Command{
		Use:   "index --db FILE",
		Short: "Build or refresh the timeline index of a spine",
		Long: `index builds the timeline index of the spine database FILE: each person's
weekly statuses and monthly earnings in a compact form, from which the
default covariates and outcomes are computed. It is cached beside the
database (FILE.index-<hash>) and keyed on the spine's content hash, so it is
rebuilt only when the spine changes; evaluations build it on first use, and
this command does so ahead of time. --rebuild forces a rebuild.`,
		Example: `  datalab spine index --db world/spine.duckdb
  datalab spine index --db world/spine.duckdb --rebuild`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := index.Options{Rebuild: rebuild, Log: a.log}
			if !a.quiet {
				opts.Progress = func(p index.BuildProgress) {
					a.log.Info("building timeline index", "people", p.People, "of", p.Of, "elapsed", p.Elapsed.Round(1e8))
				}
			}
			ix, err := index.Open(cmd.Context(), db, opts)
			if err != nil {
				return err
			}
			path, built := ix.File()
			st := ix.Stats()
			verb := "loaded"
			if built {
				verb = "built"
			}
			fmt.Fprintf(a.stdout, "%s %s: %d people, %d intervals, %d earnings months (content hash %s)\n",
				verb, path, st.People, st.Intervals, st.EarningsMonths, ix.ContentHash())
			return nil
		},
	}
	cmd.Flags().StringVar(&db, "db", "", "spine database written by datalab spine import")
	cmd.Flags().BoolVar(&rebuild, "rebuild", false, "rebuild even if a current index exists")
	cmd.MarkFlagRequired("db")
	return cmd
}
