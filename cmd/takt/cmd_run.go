package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/internal/config"
	"github.com/takt-billing/takt/internal/pipeline"
	"github.com/takt-billing/takt/load"
)

func newRunCmd(g *globals) *cobra.Command {
	var asOfFlag string
	var rebuild bool
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Extract every configured source, load, transform and reconcile once",
		Long: `Run the whole pipeline once: extract each enabled source (incrementally from
its stored cursor), load the batches into the warehouse, rebuild the SQL
layers, run the data tests and reconcile.

Only the SQL models whose inputs changed since their last build are rebuilt
(their SQL, the raw records and settings they read, the models they read);
a model rebuilt to the same rows leaves the models that read it alone.
--rebuild builds every model and runs every data test.

Exit status: 0 when every stream loaded and every data test passed; 2 when
some streams failed (the others are loaded, the run is recorded as partial);
1 when the run failed. The run ledger (ops.runs, ops.run_streams) records
why.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkFormat(); err != nil {
				return err
			}
			logger, cfg, err := g.setup()
			if err != nil {
				return err
			}
			asOf := today()
			if asOfFlag != "" {
				if asOf, err = parseDay("as-of", asOfFlag); err != nil {
					return err
				}
			}
			conns, err := enabledConnectors(cfg, logger)
			if err != nil {
				return err
			}
			return g.runPipeline(cmd.Context(), cfg, logger, conns, asOf, pipeline.Options{Rebuild: rebuild})
		},
	}
	addFormatFlag(cmd, g)
	cmd.Flags().StringVar(&asOfFlag, "as-of", "", "day to reconcile and compute KPIs for (YYYY-MM-DD; default today)")
	cmd.Flags().BoolVar(&rebuild, "rebuild", false, "build every SQL model and run every data test, not only those whose inputs changed")
	return cmd
}

// runPipeline opens the warehouse, runs the pipeline once over conns with
// opts and prints how it went (takt run, takt extract).
func (g *globals) runPipeline(ctx context.Context, cfg *config.Config, logger *slog.Logger, conns []extract.Connector, asOf time.Time, opts pipeline.Options) error {
	wh, err := openWarehouse(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer wh.Close()
	p, err := newPipeline(ctx, cfg, wh, conns, asOf, logger)
	if err != nil {
		return err
	}
	res, err := runSelected(ctx, g, p, "cli", opts)
	if err != nil {
		return err
	}
	return reportRun(g, res)
}

// runWithProgress runs the pipeline with a progress bar on a terminal and
// plain structured logs otherwise.
func runWithProgress(ctx context.Context, g *globals, p *pipeline.Pipeline, trigger string) (*pipeline.Result, error) {
	return runSelected(ctx, g, p, trigger, pipeline.Options{})
}

// runSelected is runWithProgress for the streams opts select (cmd_extract.go).
func runSelected(ctx context.Context, g *globals, p *pipeline.Pipeline, trigger string, opts pipeline.Options) (*pipeline.Result, error) {
	var bar *barProgress
	if g.interactive() && g.format != "json" {
		bar = newBarProgress(g, opts.CountStreams(p.Sources))
		p.Progress = bar
	}
	res, err := p.RunWith(ctx, trigger, opts)
	if bar != nil {
		bar.Finish()
	}
	return res, err
}

type runJSON struct {
	RunID   int64        `json:"run_id"`
	Status  string       `json:"status"`
	Seconds float64      `json:"seconds"`
	Streams []streamJSON `json:"streams"`
	Error   *string      `json:"error"`
}

type streamJSON struct {
	Source string  `json:"source"`
	Stream string  `json:"stream"`
	Status string  `json:"status"`
	Rows   int64   `json:"rows"`
	Pages  int64   `json:"pages"`
	Error  *string `json:"error"`
}

// reportRun prints the run's summary and turns its status into the exit
// status: 0 succeeded, 2 partial (some streams failed, the others are
// loaded), 1 failed.
func reportRun(g *globals, res *pipeline.Result) error {
	if err := printRun(g, res); err != nil {
		return err
	}
	switch res.Status {
	case load.RunSucceeded:
		return nil
	case load.RunPartial:
		return exitError{code: 2}
	default:
		return exitError{code: 1}
	}
}

func printRun(g *globals, res *pipeline.Result) error {
	if g.format == "json" {
		out := runJSON{RunID: res.RunID, Status: res.Status, Seconds: res.Duration.Seconds(), Streams: []streamJSON{}}
		if res.Err != nil {
			s := res.Err.Error()
			out.Error = &s
		}
		for _, s := range res.Streams {
			sj := streamJSON{Source: s.Source, Stream: s.Stream, Status: s.Status, Rows: s.Rows, Pages: s.Pages}
			if s.Error != "" {
				e := s.Error
				sj.Error = &e
			}
			out.Streams = append(out.Streams, sj)
		}
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "run %d: %s in %.1fs\n", res.RunID, res.Status, res.Duration.Seconds())
	fmt.Fprintln(tw, "SOURCE\tSTREAM\tSTATUS\tROWS\tPAGES")
	for _, s := range res.Streams {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\n", s.Source, s.Stream, s.Status, s.Rows, s.Pages)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if res.Err != nil {
		fmt.Fprintf(g.stdout, "\n%s\n", res.Err)
	}
	return nil
}
