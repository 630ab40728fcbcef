// Command datalab is the Employment Data Lab: it imports an administrative
// spine, links a provider's participants to it, builds a matched comparison
// group and reports the programme's impact. Each subcommand calls one
// package function; the logic lives in internal/.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// app carries what every command needs: where to write, and the logger.
// Nothing here is package-level state, so tests can run commands side by side.
type app struct {
	stdout, stderr io.Writer
	log            *slog.Logger
	verbose        bool
	quiet          bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "datalab:", err)
		os.Exit(1)
	}
}

// run builds the command tree and executes it with args; end-to-end tests
// call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	a := &app{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "datalab",
		Short: "Employment Data Lab: what works in employment support",
		Long: `datalab links the people an employment programme supported to administrative
benefit and employment records, builds a matched comparison group of similar
people who were not supported, and reports the programme's impact on
employment, benefits and earnings over two years.

Start with a synthetic world:

  datalab synth --out world --people 100000 --seed 1
  datalab spine import --from world/spine --db world/spine.duckdb
  datalab spine summary --db world/spine.duckdb`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(cmd *cobra.Command, _ []string) {
			level := slog.LevelInfo
			if a.verbose {
				level = slog.LevelDebug
			}
			if a.quiet {
				level = slog.LevelWarn
			}
			a.log = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level}))
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().BoolVarP(&a.verbose, "verbose", "v", false, "log debug detail")
	root.PersistentFlags().BoolVarP(&a.quiet, "quiet", "q", false, "log warnings and errors only (no progress)")
	for _, add := range commands() {
		if c := add(a); c != nil {
			root.AddCommand(c)
		}
	}
	return root
}

// commands lists the constructors of the subcommands, one file each.
func commands() []func(*app) *cobra.Command {
	return []func(*app) *cobra.Command{
		newSynthCmd,
		newSpineCmd,
		newLinkCmd,
		newEvaluateCmd,
		newReportCmd,
		newMetaCmd,
		newEvidenceCmd,
		newToolkitCmd,
		newPowerCmd,
		newTrialCmd,
		newServeCmd,
		newAdminCmd,
	}
}
