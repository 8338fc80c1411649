//go:build duckdb_arrow

// Command takt-bench measures reconciliation and a draft billing run on a
// generated firm of any size, and the same core reconciliation queries on
// PostgreSQL 15 for comparison:
//
//	go run -tags duckdb_arrow ./cmd/takt-bench -entries 10000000 -pg
//
// It generates the firm straight into the raw tables of a fresh warehouse
// (SQL inside DuckDB, no HTTP), builds staging and core once, then, each
// phase in a process of its own so that peak memory (VmHWM) is the
// phase's: on a copy of the generated warehouse (so that every run
// measures the same state), rebuilds the reconcile models (unbilled work,
// exceptions), writes them to the database file (a CHECKPOINT, counted
// with them), creates a draft run of the last month and discards it, then
// creates it again, approves it, exports it to Xero (the emulator, on
// 127.0.0.1) and writes it as CSV and XLSX (-explain DIR keeps DuckDB's
// profile of each model and of the run's main queries, -cpuprofile FILE a
// Go CPU profile of the phase); with -pg it copies the core
// tables into a throwaway PostgreSQL cluster (initdb and pg_ctl from
// -pg-bin, on 127.0.0.1, in a temp dir, removed afterwards) and times six
// reconciliation queries on both engines, pair by pair (each engine at its
// fastest formulation of a query, where there is more than one). Results are
// printed as one JSON object per phase.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/extract/files"
	"github.com/takt-billing/takt/extract/harvest"
	"github.com/takt-billing/takt/extract/httpapi"
	"github.com/takt-billing/takt/extract/hubspot"
	"github.com/takt-billing/takt/extract/xero"
	"github.com/takt-billing/takt/extract/xero/xerotest"
	"github.com/takt-billing/takt/internal/warehouse"
	"github.com/takt-billing/takt/load"
	"github.com/takt-billing/takt/reconcile"
	sqlfiles "github.com/takt-billing/takt/sql"
	"github.com/takt-billing/takt/transform"
)

var asOf = time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)

type options struct {
	entries int
	dir     string
	phase   string
	pg      bool
	pgBin   string
	threads int
	memory  string
	cpuProf string
	explain string
}

func main() {
	var o options
	flag.IntVar(&o.entries, "entries", 1_000_000, "time entries to generate")
	flag.StringVar(&o.dir, "dir", "", "folder for the warehouse (default: a temp folder, removed afterwards)")
	flag.StringVar(&o.phase, "phase", "all", "all, generate, reconcile or pg")
	flag.BoolVar(&o.pg, "pg", false, "also compare with PostgreSQL")
	flag.StringVar(&o.pgBin, "pg-bin", "/usr/lib/postgresql/15/bin", "folder of initdb, pg_ctl and psql of PostgreSQL 15")
	flag.IntVar(&o.threads, "threads", 2, "DuckDB threads")
	flag.StringVar(&o.memory, "memory-limit", "3GB", "DuckDB memory limit")
	flag.StringVar(&o.cpuProf, "cpuprofile", "", "write a CPU profile of the reconcile phase to this file")
	flag.StringVar(&o.explain, "explain", "", "write DuckDB's profile of each reconcile model and of the draft run's queries to this folder")
	flag.Parse()
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "takt-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if o.phase == "all" {
		if o.dir == "" {
			d, err := os.MkdirTemp("", "takt-bench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(d)
			o.dir = d
		}
		phases := []string{"generate", "reconcile"}
		if o.pg {
			phases = append(phases, "pg")
		}
		for _, p := range phases {
			cmd := exec.CommandContext(ctx, os.Args[0], "-phase", p, "-entries", strconv.Itoa(o.entries), "-dir", o.dir,
				"-threads", strconv.Itoa(o.threads), "-memory-limit", o.memory, "-pg-bin", o.pgBin)
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("phase %s: %w", p, err)
			}
		}
		return nil
	}
	if o.dir == "" {
		return fmt.Errorf("-phase %s needs -dir", o.phase)
	}
	file := filepath.Join(o.dir, "bench.duckdb")
	if o.phase == "reconcile" {
		// The phase exports a run, which cannot be undone: it works on a
		// copy of the generated warehouse, so every run of the phase
		// measures the same state.
		scratch := filepath.Join(o.dir, "bench_scratch.duckdb")
		if err := copyWarehouse(file, scratch); err != nil {
			return err
		}
		defer os.Remove(scratch)
		defer os.Remove(scratch + ".wal")
		file = scratch
	}
	wh, err := warehouse.Open(ctx, file, warehouse.Options{Threads: o.threads, MemoryLimit: o.memory})
	if err != nil {
		return err
	}
	defer wh.Close()
	switch o.phase {
	case "generate":
		return generate(ctx, wh, o)
	case "reconcile":
		return reconcilePhase(ctx, wh, o)
	case "pg":
		return pgPhase(ctx, wh, o)
	}
	return fmt.Errorf("-phase %q: expected all, generate, reconcile or pg", o.phase)
}

// copyWarehouse copies a closed warehouse file (and its WAL, if any) and
// syncs the copy to disk.
func copyWarehouse(from, to string) error {
	for _, suffix := range []string{"", ".wal"} {
		_ = os.Remove(to + suffix)
		src, err := os.Open(from + suffix)
		if suffix != "" && errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		dst, err := os.Create(to + suffix)
		if err != nil {
			src.Close()
			return err
		}
		_, err = io.Copy(dst, src)
		if err == nil {
			// On disk before the clock starts: writing back gigabytes of
			// dirty pages would otherwise slow the first model down.
			err = dst.Sync()
		}
		src.Close()
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("copy %s: %w", from+suffix, err)
		}
	}
	return nil
}

// report prints one phase's figures as JSON with the process's peak RSS.
func report(phase string, entries int, figures map[string]any) {
	figures["phase"] = phase
	figures["entries"] = entries
	figures["peak_rss_mib"] = peakRSS()
	b, _ := json.Marshal(figures)
	fmt.Println(string(b))
}

// peakRSS is the process's peak resident set (VmHWM) in MiB.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb / 1024
		}
	}
	return -1
}

// billingSettings are the bench firm's billing settings: a German seller
// billing in euros, 30 days net.
func billingSettings() reconcile.Settings {
	return reconcile.Settings{BaseCurrency: "EUR", HomeCountry: "DE", SellerVATID: "DE811111111", PaymentDays: 30}
}

func secs(d time.Duration) float64 { return float64(d.Milliseconds()) / 1000 }

func settings() transform.Settings {
	return transform.Settings{BaseCurrency: "EUR", HomeCountry: "DE", StandardVAT: "19", PaymentTerms: 30, StaleAfterDays: 60, AsOf: asOf}
}

func generate(ctx context.Context, wh *warehouse.Warehouse, o options) error {
	l := load.New(wh, nil)
	for src, streams := range map[string][]extract.Stream{hubspot.Source: hubspot.Streams(), harvest.Source: harvest.Streams(),
		xero.Source: xero.Streams(), files.Source: files.Streams()} {
		if err := l.Register(ctx, src, streams); err != nil {
			return err
		}
	}
	runID, err := l.StartRun(ctx, "bench")
	if err != nil {
		return err
	}
	start := time.Now()
	n := o.entries
	customers := max(50, n/5000)
	projects := customers * 3
	params := map[string]string{"N": strconv.Itoa(n), "C": strconv.Itoa(customers), "P": strconv.Itoa(projects), "RUN": strconv.FormatInt(runID, 10)}
	for _, stmt := range generateSQL {
		q := stmt
		for k, v := range params {
			q = strings.ReplaceAll(q, "{"+k+"}", v)
		}
		if _, err := wh.DB.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("generate: %w\n%s", err, q)
		}
	}
	if err := putFiles(ctx, wh, l, runID, projects); err != nil {
		return err
	}
	gen := time.Since(start)
	start = time.Now()
	if err := transform.Run(ctx, wh, runID, settings(), nil); err != nil {
		return err
	}
	tr := time.Since(start)
	var rows int64
	_ = wh.DB.QueryRowContext(ctx, `SELECT count(*) FROM core.time_entries`).Scan(&rows)
	report("generate", n, map[string]any{"generate_s": secs(gen), "transform_all_layers_s": secs(tr), "core_time_entries": rows,
		"customers": customers, "projects": projects})
	return nil
}

// putFiles loads the rate cards (every project and task from 2024), a
// milestone per fixed-price project and a few change requests as the
// files connector would: one current file version per stream.
func putFiles(ctx context.Context, wh *warehouse.Warehouse, l *load.Loader, runID int64, projects int) error {
	u := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	put := func(stream extract.Stream, rows [][]any) error {
		b := extract.NewRecordBuilder(nil, stream.Schema)
		defer b.Release()
		for _, r := range rows {
			if err := b.Append(append(r, "{}")...); err != nil {
				return fmt.Errorf("%s: %w", stream.Name, err)
			}
		}
		rec := b.NewRecord()
		defer rec.Release()
		if err := l.StartStream(ctx, runID, files.Source, stream.Name); err != nil {
			return err
		}
		_, err := l.Append(ctx, runID, files.Source, stream.Name, extract.Batch{Record: rec, Cursor: rows[0][3].(string)})
		return err
	}
	var cards, milestones, crs [][]any
	tasks := []string{"Consulting", "Architecture", "Development", "Design", "Testing", "Training", "Management"}
	for p := 0; p < projects; p++ {
		code := "p" + strconv.Itoa(p)
		if p%10 == 9 {
			milestones = append(milestones, []any{"m" + strconv.Itoa(p), u, "milestones.csv", "bench-ms", int64(len(milestones) + 1), code, "Go-live",
				dec("12000"), "EUR", time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC), nil, nil})
			continue
		}
		for t, task := range tasks {
			cards = append(cards, []any{fmt.Sprintf("rc%d-%d", p, t), u, "rate_cards.csv", "bench-rc", int64(len(cards) + 1), code, task,
				dec(strconv.Itoa(100 + 10*t)), currencyOf(p), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), nil})
		}
		if p%40 == 3 {
			crs = append(crs, []any{"cr" + strconv.Itoa(p), u, "change_requests.csv", "bench-cr", int64(len(crs) + 1), code, "Extra scope",
				"approved", time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC), dec("200"), dec("24000"), currencyOf(p)})
		}
	}
	for _, x := range []struct {
		s    extract.Stream
		rows [][]any
	}{{files.RateCards, cards}, {files.Milestones, milestones}, {files.ChangeRequests, crs}} {
		if err := put(x.s, x.rows); err != nil {
			return err
		}
	}
	return nil
}

// currencyOf is a project's currency: customers of every tenth project
// group are in the US.
func currencyOf(p int) string {
	if (p%(3*10))/3 == 7 {
		return "USD"
	}
	return "EUR"
}

// reconcilePhase rebuilds the reconcile layer (unbilled work and every
// exception kind) and creates a draft run of the as-of month.
func reconcilePhase(ctx context.Context, wh *warehouse.Warehouse, o options) error {
	models, err := transform.Models()
	if err != nil {
		return err
	}
	if o.cpuProf != "" {
		f, err := os.Create(o.cpuProf)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	// The models are built on one connection with the settings takt
	// builds them with; the profiling settings apply to it too.
	conn, err := wh.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	reset, err := transform.ModelSession(ctx, conn)
	if err != nil {
		return err
	}
	if o.explain != "" {
		if err := os.MkdirAll(o.explain, 0o755); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, "SET enable_profiling = 'json'"); err != nil {
			return err
		}
	}
	perModel := map[string]float64{}
	start := time.Now()
	for _, m := range models {
		if !strings.HasPrefix(m.Name, "reconcile.") {
			continue
		}
		if o.explain != "" {
			if _, err := conn.ExecContext(ctx, fmt.Sprintf("SET profiling_output = '%s'", filepath.Join(o.explain, m.Name+".json"))); err != nil {
				return err
			}
		}
		t := time.Now()
		if _, err := conn.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("model %s: %w", m.Name, err)
		}
		perModel[m.Name] = secs(time.Since(t))
	}
	// The models' results are written to the database file before the
	// draft run starts, and that is part of reconciling: otherwise the
	// run's commit would pay for it.
	t := time.Now()
	if _, err := conn.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("checkpoint after the models: %w", err)
	}
	perModel["checkpoint"] = secs(time.Since(t))
	rec := time.Since(start)
	if o.explain != "" {
		if _, err := conn.ExecContext(ctx, "SET enable_profiling = 'no_output'"); err != nil {
			return err
		}
	}
	reset()
	conn.Close()
	if o.explain != "" {
		// One connection, so that the profiling settings apply to the
		// query that follows them.
		wh.DB.SetMaxOpenConns(1)
		for _, q := range []struct {
			name string
			args []any
		}{
			{"billing_stage_candidates", []any{asOf, asOf.Format("2006-01"), false}},
			{"billing_plain_lines", nil},
			{"billing_project_budgets", []any{asOf}},
		} {
			if err := explainQuery(ctx, wh, filepath.Join(o.explain, q.name+".json"), sqlfiles.Query(q.name), q.args...); err != nil {
				return fmt.Errorf("explain %s: %w", q.name, err)
			}
		}
		if _, err := wh.DB.ExecContext(ctx, sqlfiles.Query("billing_drop_candidates")); err != nil {
			return err
		}
		// A run reads on more than one connection.
		wh.DB.SetMaxOpenConns(0)
	}
	var exc, unbilled int64
	_ = wh.DB.QueryRowContext(ctx, `SELECT count(*) FROM reconcile.exceptions`).Scan(&exc)
	_ = wh.DB.QueryRowContext(ctx, `SELECT count(*) FROM reconcile.unbilled_work`).Scan(&unbilled)
	steps := stepTimes{}
	start = time.Now()
	run, err := reconcile.CreateRun(ctx, wh.DB, billingSettings(), reconcile.CreateOptions{Period: asOf, By: "bench", Log: slog.New(steps)})
	if err != nil {
		return err
	}
	draft := time.Since(start)
	lines, items := 0, 0
	for _, inv := range run.Invoices {
		lines += len(inv.Lines) + len(inv.WriteOffs)
		for _, l := range inv.Lines {
			items += len(l.Items)
		}
	}
	start = time.Now()
	if err := reconcile.DiscardRun(ctx, wh.DB, run.ID, "bench", "benchmark run", nil); err != nil {
		return err
	}
	discard := time.Since(start)
	figures := map[string]any{"reconcile_models_s": secs(rec), "models_s": perModel, "draft_run_s": secs(draft), "total_s": secs(rec + draft),
		"discard_s": secs(discard), "draft_run_steps_s": steps,
		"exceptions": exc, "unbilled_items": unbilled, "run_invoices": len(run.Invoices), "run_lines": lines, "run_items": items}
	// The peak so far is reconciling and the draft run's; the export that
	// follows may raise the process's peak (peak_rss_mib).
	figures["peak_rss_reconcile_mib"] = peakRSS()
	if err := exportPhase(ctx, wh, o, figures); err != nil {
		return err
	}
	report("reconcile", o.entries, figures)
	return nil
}

// stepTimes collects the steps a draft run logs (reconcile.CreateOptions
// Log) with their seconds, to the millisecond.
type stepTimes map[string]float64

func (s stepTimes) Enabled(context.Context, slog.Level) bool { return true }

func (s stepTimes) Handle(_ context.Context, r slog.Record) error {
	var step string
	var seconds float64
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "step":
			step = a.Value.String()
		case "seconds":
			seconds = a.Value.Float64()
		}
		return true
	})
	if step != "" {
		s[step] = math.Round((s[step]+seconds)*1000) / 1000
	}
	return nil
}

func (s stepTimes) WithAttrs([]slog.Attr) slog.Handler { return s }

func (s stepTimes) WithGroup(string) slog.Handler { return s }

// exportPhase creates the run again, approves it, exports it to Xero (the
// emulator, on 127.0.0.1) and writes it as CSV and XLSX, timing each step.
func exportPhase(ctx context.Context, wh *warehouse.Warehouse, o options, figures map[string]any) error {
	s := billingSettings()
	run, err := reconcile.CreateRun(ctx, wh.DB, s, reconcile.CreateOptions{Period: asOf, By: "bench"})
	if err != nil {
		return err
	}
	start := time.Now()
	if _, err := reconcile.ApproveRun(ctx, wh.DB, s, run.ID, "bench-approver", nil); err != nil {
		return err
	}
	figures["approve_s"] = secs(time.Since(start))
	srv := xerotest.NewWritableServer(xerotest.Dataset{}, xerotest.Options{}, xerotest.WriteOptions{})
	defer srv.Close()
	sender, err := xero.NewSender(xero.Config{BaseURL: srv.URL, TokenURL: srv.TokenURL(), ClientID: xerotest.DefaultClientID,
		ClientSecret: xerotest.DefaultClientSecret, TenantID: xerotest.DefaultTenantID, HTTP: httpapi.New(nil)})
	if err != nil {
		return err
	}
	start = time.Now()
	res, err := reconcile.ExportToAccounting(ctx, wh.DB, s, run.ID, reconcile.XeroSender{Sender: sender, Accounts: reconcile.DefaultXeroAccounts}, "bench-approver", nil)
	if err != nil {
		return err
	}
	figures["export_xero_s"] = secs(time.Since(start))
	figures["export_xero_requests"] = res.Requests
	figures["export_xero_documents"] = len(srv.Created())
	for _, target := range []string{reconcile.TargetCSV, reconcile.TargetXLSX} {
		path := filepath.Join(o.dir, "run."+target)
		start = time.Now()
		if _, err := reconcile.ExportToFile(ctx, wh.DB, s, run.ID, target, path, "bench-approver", nil); err != nil {
			return err
		}
		figures["export_"+target+"_s"] = secs(time.Since(start))
		if st, err := os.Stat(path); err == nil {
			figures["export_"+target+"_mib"] = st.Size() >> 20
		}
		os.Remove(path)
	}
	return nil
}

// pgQueries are the reconciliation queries timed on both engines, written
// in SQL both understand, over the same core tables. A query may come in
// more than one formulation (the one takt's models use, and the plain
// one): each engine is timed on every formulation and its fastest counts,
// so that neither engine is judged by a form that suits only the other.
var pgQueries = []struct {
	name  string
	forms []pgForm
}{
	{"unbilled_per_project", []pgForm{{"plain", `SELECT project_code, count(*), sum(round(hours * rate, 2)) FROM core_time_entries
		WHERE approved AND billable AND NOT billed AND work_date <= DATE '2026-03-31' GROUP BY project_code`}}},
	{"double_billed", []pgForm{
		{"plain", `SELECT count(*), sum(round(hours * entry_rate, 2)) FROM (
		SELECT hours, entry_rate, row_number() OVER (PARTITION BY external_reference_id ORDER BY created_at, entry_id) AS n
		FROM core_time_entries WHERE billed AND external_reference_id IS NOT NULL) d WHERE n > 1`},
		// As reconcile.exceptions does it: the repeated references first,
		// then only their entries ordered.
		{"repeated_first", `SELECT count(*), sum(round(hours * entry_rate, 2)) FROM (
		SELECT hours, entry_rate, row_number() OVER (PARTITION BY external_reference_id ORDER BY created_at, entry_id) AS n
		FROM core_time_entries WHERE billed AND external_reference_id IN (
			SELECT external_reference_id FROM core_time_entries WHERE billed AND external_reference_id IS NOT NULL
			GROUP BY external_reference_id HAVING count(*) > 1)) d WHERE n > 1`}}},
	{"rate_mismatch", []pgForm{{"plain", `SELECT count(*), sum(round(hours * (entry_rate - card_rate), 2)) FROM core_time_entries
		WHERE approved AND billable AND card_rate IS NOT NULL AND entry_rate IS NOT NULL AND entry_rate <> card_rate`}}},
	{"draft_run_per_customer_month", []pgForm{{"plain", `SELECT customer_id, currency, sum(net) AS net, round(sum(net) * 0.19, 2) AS tax FROM (
		SELECT customer_id, currency, project_code, task_name, rate, round(sum(hours) * rate, 2) AS net
		FROM core_time_entries WHERE approved AND billable AND NOT billed AND work_date BETWEEN DATE '2026-03-01' AND DATE '2026-03-31'
		GROUP BY customer_id, currency, project_code, task_name, rate) l GROUP BY customer_id, currency`}}},
	{"over_budget", []pgForm{
		{"plain", `SELECT project_id, sum(LEAST(hours, cum - allowed)) FROM (
		SELECT e.project_id, e.hours, p.budget_hours AS allowed,
		       sum(e.hours) OVER (PARTITION BY e.project_id ORDER BY e.work_date, e.entry_id) AS cum
		FROM core_time_entries e JOIN core_projects p ON p.project_id = e.project_id
		WHERE e.approved AND p.budget_hours IS NOT NULL) x WHERE cum > allowed GROUP BY project_id`},
		// As reconcile.exceptions does it: the running total per day
		// first, entries ordered only on the days that cross the budget.
		{"days_first", `SELECT project_id, sum(LEAST(hours, cum - allowed)) FROM (
		SELECT e.project_id, e.hours, d.allowed,
		       d.before_day + sum(e.hours) OVER (PARTITION BY e.project_id, e.work_date ORDER BY e.entry_id) AS cum
		FROM core_time_entries e
		JOIN (SELECT project_id, work_date, allowed, before_day FROM (
		        SELECT e.project_id, e.work_date, max(p.budget_hours) AS allowed, sum(e.hours) AS day_hours,
		               coalesce(sum(sum(e.hours)) OVER (PARTITION BY e.project_id ORDER BY e.work_date
		                                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before_day
		        FROM core_time_entries e JOIN core_projects p ON p.project_id = e.project_id
		        WHERE e.approved AND p.budget_hours IS NOT NULL GROUP BY e.project_id, e.work_date) dd
		      WHERE before_day + day_hours > allowed) d ON d.project_id = e.project_id AND d.work_date = e.work_date
		WHERE e.approved) x WHERE cum > allowed GROUP BY project_id`}}},
	{"invoice_lines_vs_entries", []pgForm{{"plain", `SELECT count(*) FROM (
		SELECT coalesce(e.invoice_id, l.invoice_id) AS invoice_id, coalesce(e.hours, 0) - coalesce(l.hours, 0) AS diff
		FROM (SELECT invoice_id, project_id, entry_rate AS rate, sum(hours) AS hours FROM core_time_entries
		      WHERE invoice_id IS NOT NULL GROUP BY invoice_id, project_id, entry_rate) e
		FULL JOIN (SELECT invoice_id, project_id, unit_price AS rate, sum(quantity) AS hours FROM staging_harvest_invoice_lines
		      WHERE kind = 'Service' GROUP BY invoice_id, project_id, unit_price) l
		ON l.invoice_id = e.invoice_id AND l.project_id = e.project_id AND l.rate = e.rate) d WHERE diff <> 0`},
		// As reconcile.exceptions does it: entries and lines in one
		// grouping, lines counting negative.
		{"one_grouping", `SELECT count(*) FROM (
		SELECT invoice_id, project_id, rate, sum(hours) AS diff FROM (
			SELECT invoice_id, project_id, entry_rate AS rate, hours FROM core_time_entries WHERE invoice_id IS NOT NULL
			UNION ALL
			SELECT invoice_id, project_id, unit_price, -quantity FROM staging_harvest_invoice_lines WHERE kind = 'Service'
		) u GROUP BY invoice_id, project_id, rate) d WHERE diff <> 0`}}},
}

// pgForm is one formulation of a query.
type pgForm struct{ name, sql string }

// fastest is an engine's best time of a query over its formulations.
type fastest struct {
	ms   float64
	form string
}

func (f *fastest) take(form string, ms float64) {
	if f.form == "" || ms < f.ms {
		f.ms, f.form = ms, form
	}
}

var pgTimeRe = regexp.MustCompile(`Time: ([0-9.]+) ms`)

// pgPhase times the queries on DuckDB, copies the tables they read into a
// throwaway PostgreSQL 15 cluster and times them there.
func pgPhase(ctx context.Context, wh *warehouse.Warehouse, o options) error {
	tables := map[string]string{
		"core_time_entries": `SELECT entry_id, work_date, project_id, project_code, customer_id, currency, task_name, hours, entry_rate, card_rate, rate,
			approved, billable, billed, invoice_id, external_reference_id, created_at FROM core.time_entries`,
		"core_projects":                 `SELECT project_id, budget_hours FROM core.projects`,
		"staging_harvest_invoice_lines": `SELECT invoice_id, project_id, kind, unit_price, quantity FROM staging.harvest_invoice_lines`,
	}
	for name, q := range tables {
		if _, err := wh.DB.ExecContext(ctx, "CREATE OR REPLACE TABLE "+name+" AS "+q); err != nil {
			return err
		}
	}
	duck := map[string]*fastest{}
	for _, q := range pgQueries {
		duck[q.name] = &fastest{}
		for _, f := range q.forms {
			for range 2 {
				start := time.Now()
				if _, err := countRows(ctx, wh, f.sql); err != nil {
					return fmt.Errorf("duckdb %s (%s): %w", q.name, f.name, err)
				}
				duck[q.name].take(f.name, float64(time.Since(start).Microseconds())/1000)
			}
		}
	}
	tmp, err := os.MkdirTemp("", "takt-bench-pg-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	data, sock := filepath.Join(tmp, "data"), tmp
	pgBin := func(name string) string { return filepath.Join(o.pgBin, name) }
	runCmd := func(name string, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, pgBin(name), args...)
		if os.Geteuid() == 0 {
			// PostgreSQL refuses to run as root: the cluster belongs to the
			// postgres user.
			cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", pgBin(name)}, args...)...)
		}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if os.Geteuid() == 0 {
		if err := exec.CommandContext(ctx, "chown", "-R", "postgres", tmp).Run(); err != nil {
			return fmt.Errorf("chown %s to postgres: %w", tmp, err)
		}
	}
	if out, err := runCmd("initdb", "-D", data, "-U", "bench", "--no-sync", "-E", "UTF8"); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	port := "55432"
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %s -k %s -c fsync=off -c shared_buffers=1GB -c work_mem=256MB -c max_parallel_workers_per_gather=2", port, sock)
	if out, err := runCmd("pg_ctl", "-D", data, "-o", opts, "-w", "-l", filepath.Join(tmp, "pg.log"), "start"); err != nil {
		return fmt.Errorf("pg_ctl start: %w\n%s", err, out)
	}
	defer runCmd("pg_ctl", "-D", data, "-m", "fast", "stop")
	psql := func(sqlText string) (string, error) {
		return runCmd("psql", "-X", "-q", "-h", sock, "-p", port, "-U", "bench", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", "\\timing on", "-c", sqlText)
	}
	// The same rows travel as CSV files written by DuckDB.
	loadStart := time.Now()
	ddl := map[string]string{
		"core_time_entries": `entry_id text, work_date date, project_id text, project_code text, customer_id text, currency text, task_name text,
			hours numeric(18,4), entry_rate numeric(18,4), card_rate numeric(18,4), rate numeric(18,4), approved boolean, billable boolean,
			billed boolean, invoice_id text, external_reference_id text, created_at timestamptz`,
		"core_projects":                 `project_id text, budget_hours numeric(18,4)`,
		"staging_harvest_invoice_lines": `invoice_id text, project_id text, kind text, unit_price numeric(18,4), quantity numeric(18,4)`,
	}
	for name := range tables {
		csv := filepath.Join(tmp, name+".csv")
		if _, err := wh.DB.ExecContext(ctx, fmt.Sprintf("COPY %s TO '%s' (HEADER false)", name, csv)); err != nil {
			return err
		}
		if os.Geteuid() == 0 {
			_ = exec.CommandContext(ctx, "chown", "postgres", csv).Run()
		}
		if out, err := psql(fmt.Sprintf("CREATE TABLE %s (%s); COPY %s FROM '%s' (FORMAT csv); ANALYZE %s;", name, ddl[name], name, csv, name)); err != nil {
			return fmt.Errorf("psql load %s: %w\n%s", name, err, out)
		}
	}
	loadPG := time.Since(loadStart)
	pairs := map[string]any{}
	sumD, sumP := 0.0, 0.0
	for _, q := range pgQueries {
		pg := &fastest{}
		for _, f := range q.forms {
			for range 2 {
				out, err := psql(f.sql)
				if err != nil {
					return fmt.Errorf("postgres %s (%s): %w\n%s", q.name, f.name, err, out)
				}
				m := pgTimeRe.FindStringSubmatch(out)
				if m == nil {
					return fmt.Errorf("postgres %s (%s): no timing in %q", q.name, f.name, out)
				}
				ms, _ := strconv.ParseFloat(m[1], 64)
				pg.take(f.name, ms)
			}
		}
		d := duck[q.name]
		pair := map[string]any{"duckdb_ms": round1(d.ms), "postgres_ms": round1(pg.ms), "ratio": round1(pg.ms / d.ms)}
		if len(q.forms) > 1 {
			pair["duckdb_form"], pair["postgres_form"] = d.form, pg.form
		}
		pairs[q.name] = pair
		sumD += d.ms
		sumP += pg.ms
	}
	report("pg", o.entries, map[string]any{"pairs": pairs, "duckdb_total_ms": round1(sumD), "postgres_total_ms": round1(sumP),
		"ratio_total": round1(sumP / sumD), "postgres_load_s": secs(loadPG)})
	return nil
}

// explainQuery runs a query to its last row with DuckDB's profiler
// writing the time and rows of each operator to file.
func explainQuery(ctx context.Context, wh *warehouse.Warehouse, file, q string, args ...any) error {
	if _, err := wh.DB.ExecContext(ctx, fmt.Sprintf("SET profiling_output = '%s'", file)); err != nil {
		return err
	}
	if _, err := wh.DB.ExecContext(ctx, "SET enable_profiling = 'json'"); err != nil {
		return err
	}
	rows, err := wh.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	if err := rows.Close(); err != nil {
		return err
	}
	_, err = wh.DB.ExecContext(ctx, "SET enable_profiling = 'no_output'")
	return err
}

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }

func countRows(ctx context.Context, wh *warehouse.Warehouse, q string) (int64, error) {
	rows, err := wh.DB.QueryContext(ctx, q)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}
