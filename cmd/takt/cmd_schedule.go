package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/takt-billing/takt/internal/config"
	"github.com/takt-billing/takt/internal/service"
	"github.com/takt-billing/takt/internal/warehouse"
)

// scheduleJSON is the output of `takt schedule --format json`.
type scheduleJSON struct {
	// Serving is true when a `takt serve` owns the warehouse: the runs
	// listed are its own. Otherwise they are the runs it would make if it
	// started now.
	Serving     bool             `json:"serving"`
	PID         int              `json:"pid,omitempty"`
	URL         string           `json:"url,omitempty"`
	Jobs        []service.Status `json:"jobs"`
	Unscheduled []string         `json:"unscheduled"`
}

func newScheduleCmd(g *globals) *cobra.Command {
	var count int
	cmd := &cobra.Command{
		Use:   "schedule",
		Short: "List the next scheduled runs of each source",
		Long: `List each scheduled job (a source's schedule, and its full-refresh schedule
if it has one) with its schedule (cron, UTC), its last run and its next
runs. While takt serve runs, these are its own next runs (read from
its /schedule page); otherwise they are the runs it would make if it started
now, including the one catch-up run of a source that missed its schedule.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkFormat(); err != nil {
				return err
			}
			if count < 1 || count > 100 {
				return fmt.Errorf("--next %d: expected 1 to 100", count)
			}
			logger, cfg, err := g.setup()
			if err != nil {
				return err
			}
			out, err := buildSchedule(cmd.Context(), cfg, count, func() (*warehouse.Warehouse, error) {
				return openWarehouse(cmd.Context(), cfg, logger)
			})
			if err != nil {
				return err
			}
			if g.format == "json" {
				return writeJSON(g, out)
			}
			return printSchedule(g.stdout, out)
		},
	}
	addFormatFlag(cmd, g)
	cmd.Flags().IntVar(&count, "next", 3, "how many next runs to list per source")
	return cmd
}

// buildSchedule asks a running serve for its schedule, or plans one from
// the configuration and the run ledger.
func buildSchedule(ctx context.Context, cfg *config.Config, n int, open func() (*warehouse.Warehouse, error)) (*scheduleJSON, error) {
	jobs, unscheduled := scheduledJobs(cfg)
	out := &scheduleJSON{Jobs: []service.Status{}, Unscheduled: unscheduled}
	if out.Unscheduled == nil {
		out.Unscheduled = []string{}
	}
	whPath := cfg.Path(cfg.Warehouse.Path)
	owner, err := warehouse.CurrentOwner(whPath)
	if err != nil {
		return nil, err
	}
	if owner != nil && owner.URL != "" {
		live, err := fetchSchedule(ctx, owner.URL)
		if err != nil {
			return nil, fmt.Errorf("takt serve (pid %d) owns %s but its schedule at %s/schedule did not answer: %w", owner.PID, whPath, owner.URL, err)
		}
		out.Serving, out.PID, out.URL = true, owner.PID, owner.URL
		out.Jobs = live.Jobs
		for i := range out.Jobs {
			if len(out.Jobs[i].Next) > n {
				out.Jobs[i].Next = out.Jobs[i].Next[:n]
			}
		}
		return out, nil
	}
	last := map[string]time.Time{}
	if _, err := os.Stat(whPath); err == nil {
		wh, err := open()
		if err != nil {
			return nil, err
		}
		last, err = lastRuns(ctx, wh.DB)
		wh.Close()
		if err != nil {
			return nil, err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	plan, err := service.Plan(jobs, last, time.Now(), n)
	if err != nil {
		return nil, err
	}
	for _, p := range plan {
		out.Jobs = append(out.Jobs, service.Status{Planned: p, State: service.StateScheduled})
	}
	return out, nil
}

func fetchSchedule(ctx context.Context, url string) (*service.ScheduleAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/schedule", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
	}
	var a service.ScheduleAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return &a, nil
}

func printSchedule(w io.Writer, s *scheduleJSON) error {
	if s.Serving {
		fmt.Fprintf(w, "takt serve (pid %d, %s) runs:\n\n", s.PID, s.URL)
	} else {
		fmt.Fprintf(w, "takt serve is not running; started now it would run:\n\n")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tSCHEDULE (UTC)\tLAST RUN\tNEXT RUNS")
	stamp := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }
	for _, j := range s.Jobs {
		last := "never"
		if j.LastRun != nil {
			last = stamp(*j.LastRun)
		}
		var next []string
		for i, t := range j.Next {
			n := stamp(t)
			if i == 0 && j.CatchUp && !s.Serving {
				n += " (catch-up)"
			}
			next = append(next, n)
		}
		switch j.State {
		case service.StateRunning:
			next = append([]string{"running now"}, next...)
		case service.StateWaiting:
			next = append([]string{"due, waiting for the run in progress"}, next...)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", j.Job, j.Schedule, last, strings.Join(next, ", "))
	}
	for _, u := range s.Unscheduled {
		fmt.Fprintf(tw, "%s\t-\t\tnot scheduled (set sources.%s.schedule)\n", u, u)
	}
	return tw.Flush()
}
