package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/takt-billing/takt/internal/config"
	"github.com/takt-billing/takt/internal/pipeline"
	"github.com/takt-billing/takt/internal/service"
	"github.com/takt-billing/takt/internal/warehouse"
	"github.com/takt-billing/takt/load"
	sqlfiles "github.com/takt-billing/takt/sql"
)

func newServeCmd(g *globals) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run each source on its schedule and serve the report pages",
		Long: `Run as a service: extract each enabled source on its schedule
(sources.<name>.schedule, cron in UTC, e.g. "*/15 * * * *"), read it from
scratch on its full-refresh schedule if it has one
(sources.<name>.full_refresh_schedule, e.g. "0 2 * * *"), load, transform
and reconcile after each, and serve the report pages read-only over HTTP
(service.addr or --addr; default 127.0.0.1:8080):

  /                           index: months, schedule, recent runs
  /reports/YYYY-MM/index.html the report site of a month: a chart page
                              per KPI family, retro, reconciliation
                              (?lang=de|en)
  /reports/YYYY-MM/pack.xlsx  the Excel pack of a month
  /reports/YYYY-MM/recon.xlsx the reconciliation workbook
  /healthz                    200 when the warehouse answers, as JSON
  /schedule                   the jobs and their next runs, as JSON

A run never overlaps itself (a run still going when its next one falls
due skips that one), and runs take turns: sources that fall due while
another run goes wait for it and then run together. A full refresh covers
the source's incremental run. A job that missed its schedule while takt
was not serving (the run ledger says when it last ran) runs once at start,
not once per missed run.

While it runs, takt serve owns the warehouse: other takt commands on the
same warehouse stop with a message naming it. The pages are the way to
read the warehouse meanwhile.

SIGINT or SIGTERM stops it: no new run starts, and a run in progress may
finish within service.stop_timeout (default 30s); after that, or on a
second signal, the run is aborted: its batch in flight rolls back and the
next run resumes from the stored cursors.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runServe(cmd.Context(), g, addr)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "address for the pages and /healthz (default service.addr)")
	return cmd
}

// scheduledJobs lists the jobs of the enabled sources (a source's
// schedule, and its full-refresh schedule), and the names of the enabled
// sources that have no schedule.
func scheduledJobs(cfg *config.Config) (jobs []service.Job, unscheduled []string) {
	for _, s := range sourceTable {
		src := sourceSettings(cfg, s.name)
		if src == nil || !src.IsEnabled() {
			continue
		}
		if src.Schedule == "" {
			unscheduled = append(unscheduled, s.name)
		} else {
			jobs = append(jobs, service.Job{Source: s.name, Schedule: src.Schedule})
		}
		if src.FullRefreshSchedule != "" {
			jobs = append(jobs, service.Job{Source: s.name, Schedule: src.FullRefreshSchedule, FullRefresh: true})
		}
	}
	return jobs, unscheduled
}

// sourceSettings returns what every source has in the configuration, or
// nil when the source is not configured.
func sourceSettings(cfg *config.Config, name string) *config.Source {
	s := cfg.Sources
	switch {
	case name == "hubspot" && s.HubSpot != nil:
		return &s.HubSpot.Source
	case name == "harvest" && s.Harvest != nil:
		return &s.Harvest.Source
	case name == "xero" && s.Xero != nil:
		return &s.Xero.Source
	case name == "files" && s.Files != nil:
		return &s.Files.Source
	}
	return nil
}

// lastRuns reads when each job last ran from the run ledger, by job name
// (service.Job.Name): a source's last run, and its last full refresh.
func lastRuns(ctx context.Context, db *sql.DB) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	for query, job := range map[string]service.Job{
		"ops_last_run_by_source":          {},
		"ops_last_full_refresh_by_source": {FullRefresh: true},
	} {
		rows, err := db.QueryContext(ctx, sqlfiles.Query(query))
		if err != nil {
			return nil, fmt.Errorf("read the last run of each source: %w", err)
		}
		for rows.Next() {
			var at time.Time
			if err := rows.Scan(&job.Source, &at); err != nil {
				rows.Close()
				return nil, err
			}
			out[job.Name()] = at
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func runServe(ctx context.Context, g *globals, addrFlag string) error {
	logger, cfg, err := g.setup()
	if err != nil {
		return err
	}
	conns, err := enabledConnectors(cfg, logger)
	if err != nil {
		return err
	}
	jobs, unscheduled := scheduledJobs(cfg)
	addr := cfg.Service.Addr
	if addrFlag != "" {
		addr = addrFlag
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w (choose another address with service.addr or --addr)", addr, err)
	}
	defer ln.Close()
	url := "http://" + ln.Addr().String()

	whPath := cfg.Path(cfg.Warehouse.Path)
	claim, err := warehouse.ClaimOwnership(whPath, warehouse.Owner{PID: os.Getpid(), Command: "takt serve", Since: time.Now().UTC(), URL: url})
	if err != nil {
		return err
	}
	defer claim.Release()
	wh, err := openWarehouse(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer wh.Close()

	// This process owns the warehouse now: a run the ledger shows as
	// running belongs to a process that is gone.
	if _, err := pipeline.CloseInterrupted(ctx, wh, logger); err != nil {
		return err
	}
	last, err := lastRuns(ctx, wh.DB)
	if err != nil {
		return err
	}
	// The connectors are built once: their HTTP clients, and so their rate
	// limiters, live as long as the service.
	run := func(ctx context.Context, sources []string, fullRefresh bool) (string, error) {
		p, err := newPipeline(ctx, cfg, wh, conns, today(), logger)
		if err != nil {
			return load.RunFailed, err
		}
		res, err := p.RunWith(ctx, "schedule", pipeline.Options{Sources: sources, FullRefresh: fullRefresh})
		if err != nil {
			return load.RunFailed, err
		}
		return res.Status, res.Err
	}
	sched, err := service.NewScheduler(jobs, run, service.Options{Logger: logger, LastRuns: last})
	if err != nil {
		return err
	}
	pages := &service.Pages{
		DB: wh.DB, Company: cfg.Company.Name, BaseCurrency: cfg.Company.BaseCurrency, Lang: cfg.Reports.Lang, KPIs: kpiSettings(cfg),
		Warehouse: whPath, Jobs: sched.Jobs, Logger: logger,
	}
	srv := &http.Server{Handler: pages.Handler(), ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	sched.Start()
	fmt.Fprintf(g.stdout, "takt serve: pages at %s, warehouse %s (pid %d)\n", url, whPath, os.Getpid())
	for _, j := range sched.Jobs(1) {
		next := "-"
		if len(j.Next) > 0 {
			next = j.Next[0].Format("2006-01-02 15:04 UTC")
		}
		if j.CatchUp {
			next = "now, catching up (it missed its schedule while takt was not serving), then " + next
		}
		fmt.Fprintf(g.stdout, "  %-21s %-16q next %s\n", j.Job, j.Schedule, next)
	}
	for _, s := range unscheduled {
		fmt.Fprintf(g.stdout, "  %-8s not scheduled (set sources.%s.schedule)\n", s, s)
	}
	if len(jobs) == 0 {
		logger.Warn("no source has a schedule: serving the pages only", "config", cfg.File)
	}
	logger.Info("serving", "url", url, "warehouse", whPath, "jobs", len(jobs))

	var failure error
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		failure = fmt.Errorf("serve: pages: %w", err)
	}

	// Stop: no new runs; the running one may finish within the grace
	// period; a second signal aborts it at once.
	grace := cfg.Service.StopTimeout
	logger.Info("stopping: no new runs start; a run in progress may finish", "running", sched.Running(), "stop_timeout", grace)
	stopped := make(chan struct{})
	go func() {
		signals := 0
		for {
			select {
			case <-stopped:
				return
			case <-sigs:
				// The first signal is the one that cancelled ctx.
				if signals++; signals >= 2 {
					logger.Warn("second signal: aborting the running run")
					sched.Abort()
				}
			}
		}
	}()
	if err := sched.Stop(grace); err != nil {
		logger.Error("scheduler did not stop cleanly", "error", err)
	}
	close(stopped)
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Error("pages did not stop cleanly", "error", err)
	}
	logger.Info("stopped")
	return failure
}
