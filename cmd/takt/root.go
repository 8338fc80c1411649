package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/takt-billing/takt/internal/config"
)

// globals are the flags every command has.
type globals struct {
	config    string
	format    string
	logFormat string
	logLevel  string
	stdout    io.Writer
	stderr    io.Writer
	// logSink is where logs go: stderr, or the progress display while
	// one is up (progress.go).
	logMu   sync.Mutex
	logSink *logSwitch
	logVar  *slog.LevelVar
}

func newRootCmd() *cobra.Command { return newRootCmdIO(os.Stdout, os.Stderr) }

// newRootCmdIO builds the command tree writing to the given streams (tests
// capture them).
func newRootCmdIO(stdout, stderr io.Writer) *cobra.Command {
	g := &globals{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "takt",
		Short: "From delivered work to correct, timely invoices",
		Long: `takt snapshots your CRM (HubSpot), time tracking (Harvest), accounting (Xero)
and export files into one DuckDB warehouse, finds approved work that was not
(or not correctly) invoiced, computes order-to-cash KPIs such as DSO and the
dunning rate, and writes reports for finance controllers.

Start with "takt demo" to see it on a demo company, or "takt init" to write
a configuration for your own systems.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVarP(&g.config, "config", "c", "takt.yaml", "configuration file")
	root.PersistentFlags().StringVar(&g.logFormat, "log-format", "text", "log format on stderr: text or json")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	root.AddCommand(
		newInitCmd(g),
		newRunCmd(g),
		newExtractCmd(g),
		newRejectsCmd(g),
		newUnbilledCmd(g),
		newExceptionsCmd(g),
		newBillingRunCmd(g),
		newAuditCmd(g),
		newKPICmd(g),
		newReportCmd(g),
		newDemoCmd(g),
		newSandboxCmd(g),
		newServeCmd(g),
		newScheduleCmd(g),
		newSourcesCmd(g),
		newIdentitiesCmd(g),
		newIncidentCmd(g),
	)
	return root
}

// addFormatFlag adds --format to a command whose output scripts read.
func addFormatFlag(cmd *cobra.Command, g *globals) {
	cmd.Flags().StringVar(&g.format, "format", "table", "output format: table (for people) or json (for scripts)")
}

func (g *globals) checkFormat() error {
	if g.format != "table" && g.format != "json" {
		return fmt.Errorf("--format %q: expected table or json", g.format)
	}
	return nil
}

// logger builds the logger all commands use: structured logs on stderr.
func (g *globals) logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level %q: expected debug, info, warn or error", g.logLevel)
	}
	opts := &slog.HandlerOptions{Level: g.levelVar(level)}
	switch strings.ToLower(g.logFormat) {
	case "text":
		return slog.New(slog.NewTextHandler(g.logOutput(), opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(g.logOutput(), opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: expected text or json", g.logFormat)
}

// setup builds the logger and loads the configuration, the start of every
// command that works with the configured sources or warehouse.
func (g *globals) setup() (*slog.Logger, *config.Config, error) {
	logger, err := g.logger()
	if err != nil {
		return nil, nil, err
	}
	cfg, err := config.Load(g.config)
	if err != nil {
		return nil, nil, err
	}
	return logger, cfg, nil
}

// interactive reports whether stderr is a terminal a progress bar can use.
func (g *globals) interactive() bool {
	f, ok := g.stderr.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
