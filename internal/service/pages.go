package service

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/takt-billing/takt/reports"
	sqlfiles "github.com/takt-billing/takt/sql"
)

// Pages serves the warehouse's reports read-only over HTTP: an index, and
// for any month the report site (the pages `takt report site` writes, under
// /reports/YYYY-MM/), the first KPI chart page, the Excel pack and the
// reconciliation workbook; /healthz and /schedule.
// It reads through the same handle the scheduled runs write through, so
// pages work while a load runs: DuckDB shows each query the data committed
// when it began.
type Pages struct {
	DB *sql.DB
	// Company, BaseCurrency and Lang are the reports' company name, base
	// currency and default language ("de" or "en"; ?lang= overrides).
	Company, BaseCurrency, Lang string
	// Warehouse is the warehouse file, shown on /healthz.
	Warehouse string
	// Jobs returns the scheduled jobs with their next n runs; nil when
	// nothing is scheduled.
	Jobs   func(n int) []Status
	Logger *slog.Logger
	// Now is the clock of GeneratedAt and the index's months; default
	// time.Now.
	Now func() time.Time
	// KPIs are the configured KPI baselines and targets the pages draw;
	// without them the pages show computed baselines and no targets.
	KPIs reports.KPISettings
}

// Handler returns the pages' routes. Only GET and HEAD are answered.
func (p *Pages) Handler() http.Handler {
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", p.index)
	mux.HandleFunc("GET /healthz", p.health)
	mux.HandleFunc("GET /schedule", p.schedule)
	mux.HandleFunc("GET /reports/{month}/kpi.html", p.chartPage)
	mux.HandleFunc("GET /reports/{month}/pack.xlsx", p.workbook(reports.PackWorkbookFile, reports.WriteExcel))
	mux.HandleFunc("GET /reports/{month}/assets/echarts.min.js", p.chartScript)
	mux.HandleFunc("GET /reports/{month}/recon.xlsx", p.workbook(reports.ReconWorkbookFile, reports.WriteReconciliationExcel))
	mux.HandleFunc("GET /reports/{month}/{page}", p.sitePage)
	return headers(mux)
}

// headers sets what every answer carries: nothing is cached (the data
// changes with every run) and nothing is sniffed.
func headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// Health is the answer of /healthz.
type Health struct {
	Status    string    `json:"status"` // ok or unavailable
	Warehouse string    `json:"warehouse"`
	CheckedAt time.Time `json:"checked_at"`
	Error     string    `json:"error,omitempty"`
	// Running lists the jobs whose scheduled run is in progress,
	// comma-separated, or "".
	Running string   `json:"running"`
	Jobs    []Status `json:"jobs"`
}

func (p *Pages) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	h := Health{Status: "ok", Warehouse: p.Warehouse, CheckedAt: p.Now().UTC(), Jobs: p.jobs(1)}
	var running []string
	for _, j := range h.Jobs {
		if j.State == StateRunning {
			running = append(running, j.Job)
		}
	}
	h.Running = strings.Join(running, ",")
	status := http.StatusOK
	var one int
	if err := p.DB.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		h.Status, h.Error, status = "unavailable", err.Error(), http.StatusServiceUnavailable
	}
	writeJSON(w, status, h)
}

// ScheduleAnswer is the answer of /schedule, which `takt schedule` reads
// while serve owns the warehouse.
type ScheduleAnswer struct {
	Jobs []Status `json:"jobs"`
}

func (p *Pages) schedule(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, ScheduleAnswer{Jobs: p.jobs(3)})
}

func (p *Pages) jobs(n int) []Status {
	if p.Jobs == nil {
		return []Status{}
	}
	return p.Jobs(n)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// pack loads a month's report data, or answers the request with why not.
func (p *Pages) pack(w http.ResponseWriter, r *http.Request) (reports.Pack, bool) {
	month, err := time.Parse("2006-01", r.PathValue("month"))
	if err != nil {
		http.Error(w, fmt.Sprintf("month %q: expected a month like 2026-03", r.PathValue("month")), http.StatusBadRequest)
		return reports.Pack{}, false
	}
	lang := p.Lang
	if l := r.URL.Query().Get("lang"); l != "" {
		if l != "de" && l != "en" {
			http.Error(w, fmt.Sprintf("lang %q: expected de or en", l), http.StatusBadRequest)
			return reports.Pack{}, false
		}
		lang = l
	}
	asOf := p.asOf(r.Context())
	pk, err := reports.LoadPack(r.Context(), p.DB, reports.PackOptions{
		Company: p.Company, BaseCurrency: p.BaseCurrency, Lang: lang,
		Month: month, AsOf: asOf, GeneratedAt: p.Now().UTC(), KPIs: p.KPIs,
	})
	if err != nil {
		if notBuilt(err) {
			http.Error(w, "no reports yet: the first run has not finished building the warehouse; try again after it", http.StatusServiceUnavailable)
			return reports.Pack{}, false
		}
		if errors.Is(err, reports.ErrNoKPIs) {
			// A month the data does not reach: nothing to show.
			http.Error(w, err.Error(), http.StatusNotFound)
			return reports.Pack{}, false
		}
		p.Logger.Error("report page failed", "month", month.Format("2006-01"), "error", err)
		http.Error(w, "the report could not be built: "+err.Error(), http.StatusInternalServerError)
		return reports.Pack{}, false
	}
	return pk, true
}

// asOf is the day the warehouse's last transform reconciled as of; zero
// when it has none.
func (p *Pages) asOf(ctx context.Context) time.Time {
	var v string
	if err := p.DB.QueryRowContext(ctx, sqlfiles.Query("ops_get_setting"), "as_of").Scan(&v); err != nil {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}
	}
	return t
}

// notBuilt reports whether err says the SQL layers do not exist yet.
func notBuilt(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "does not exist") || strings.Contains(msg, "Catalog Error")
}

// chartPage keeps the month's first chart address working: it sends the
// reader to the DSO page of the month's site, with the same language.
func (p *Pages) chartPage(w http.ResponseWriter, r *http.Request) {
	target := reports.KPIPageFile("dso")
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, target, http.StatusMovedPermanently)
}

// workbook answers with the month's workbook that write makes, named
// file(month).
func (p *Pages) workbook(file func(month time.Time) string, write func(io.Writer, reports.Pack) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pk, ok := p.pack(w, r)
		if !ok {
			return
		}
		var b bytes.Buffer
		if err := write(&b, pk); err != nil {
			p.Logger.Error("workbook failed", "workbook", file(pk.Month), "error", err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, file(pk.Month)))
		_, _ = w.Write(b.Bytes())
	}
}

// sitePage serves a page of the month's report site by its file name; the
// retro's first month comes from ?from=YYYY-MM.
func (p *Pages) sitePage(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("page")
	// A name no month's site has is refused before the month is loaded.
	if !reports.MaybeSitePage(name) {
		http.NotFound(w, r)
		return
	}
	var from time.Time
	if v := r.URL.Query().Get("from"); v != "" {
		t, err := time.Parse("2006-01", v)
		if err != nil {
			http.Error(w, fmt.Sprintf("from %q: expected a month like 2026-01", v), http.StatusBadRequest)
			return
		}
		from = t
	}
	pk, ok := p.pack(w, r)
	if !ok {
		return
	}
	o := reports.SiteOptions{RetroFrom: from, Links: []reports.SiteLink{
		{Href: "pack.xlsx", Text: reports.PackWorkbookFile(pk.Month)},
		{Href: "recon.xlsx", Text: reports.ReconWorkbookFile(pk.Month)},
	}}
	var b bytes.Buffer
	if err := reports.WriteSitePage(&b, pk, name, o); err != nil {
		switch {
		case errors.Is(err, reports.ErrNoSuchPage):
			http.NotFound(w, r)
		case errors.Is(err, reports.ErrRetroPeriod):
			http.Error(w, err.Error(), http.StatusBadRequest)
		default:
			p.Logger.Error("report page failed", "page", name, "error", err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

func (p *Pages) chartScript(w http.ResponseWriter, r *http.Request) {
	b, err := reports.ChartScript()
	if errors.Is(err, reports.ErrChartScriptMissing) {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	// The script is part of the build: it may be cached.
	w.Header().Set("Cache-Control", "max-age=86400")
	_, _ = w.Write(b)
}

// monthLine is a month's reports on the index page: the names its
// workbooks are saved under (the pages' files are every month's).
type monthLine struct {
	Month, Pack, ReconBook string
}

// runLine is one run on the index page.
type runLine struct {
	ID                     int64
	Trigger, Status, Error string
	Started                string
	Seconds                string
}

var indexPage = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>takt: {{.Company}}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}td,th{padding:.2em .8em;text-align:left;border-bottom:1px solid #ddd}.failed{color:#b00}</style>
</head><body>
<h1>{{.Company}}</h1>
<p>Data as of {{if .AsOf}}{{.AsOf}}{{else}}(no run has finished yet){{end}}.</p>
<h2>Reports</h2>
<table><tr><th>Month</th><th>Report pages</th><th>DSO chart</th><th>Excel pack</th><th>Reconciliation</th></tr>
{{range .Months}}<tr><td>{{.Month}}</td><td><a href="reports/{{.Month}}/{{$.Index}}">overview</a></td><td><a href="reports/{{.Month}}/{{$.DSO}}">{{$.DSO}}</a></td><td><a href="reports/{{.Month}}/pack.xlsx">{{.Pack}}</a></td><td><a href="reports/{{.Month}}/{{$.Recon}}">page</a> · <a href="reports/{{.Month}}/recon.xlsx">{{.ReconBook}}</a></td></tr>
{{end}}</table>
<h2>Schedule</h2>
<table><tr><th>Job</th><th>Schedule (UTC)</th><th>Next run</th><th>Last run here</th></tr>
{{range .Jobs}}<tr><td>{{.Job}}</td><td><code>{{.Schedule}}</code></td><td>{{if eq .State "running"}}running now{{else if eq .State "waiting"}}due, waiting for the run in progress{{else}}{{range $i, $t := .Next}}{{if eq $i 0}}{{$t.Format "2006-01-02 15:04"}}{{end}}{{end}}{{end}}</td><td>{{.LastStatus}}</td></tr>
{{else}}<tr><td colspan="4">No source has a schedule.</td></tr>
{{end}}</table>
<h2>Recent runs</h2>
<table><tr><th>Run</th><th>Trigger</th><th>Started (UTC)</th><th>Seconds</th><th>Status</th></tr>
{{range .Runs}}<tr><td>{{.ID}}</td><td>{{.Trigger}}</td><td>{{.Started}}</td><td>{{.Seconds}}</td><td class="{{.Status}}" title="{{.Error}}">{{.Status}}</td></tr>
{{end}}</table>
<p><a href="healthz">healthz</a> · <a href="schedule">schedule (JSON)</a></p>
</body></html>
`))

func (p *Pages) index(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	data := struct {
		Company, AsOf     string
		Index, DSO, Recon string // the pages' files
		Months            []monthLine
		Jobs              []Status
		Runs              []runLine
	}{Company: p.Company, Index: reports.IndexFile, DSO: reports.KPIPageFile("dso"), Recon: reports.ReconFile, Jobs: p.jobs(1)}
	last := p.Now().UTC()
	if a := p.asOf(ctx); !a.IsZero() {
		data.AsOf = a.Format(time.DateOnly)
		last = a
	}
	first := time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, time.UTC)
	for i := range 12 {
		m := first.AddDate(0, -i, 0)
		data.Months = append(data.Months, monthLine{Month: m.Format("2006-01"), Pack: reports.PackWorkbookFile(m), ReconBook: reports.ReconWorkbookFile(m)})
	}
	rows, err := p.DB.QueryContext(ctx, sqlfiles.Query("ops_recent_runs"), 10)
	if err != nil {
		p.Logger.Error("index page failed", "error", err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var l runLine
		var started time.Time
		var ended sql.NullTime
		if err := rows.Scan(&l.ID, &l.Trigger, &started, &ended, &l.Status, &l.Error); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		l.Started = started.UTC().Format("2006-01-02 15:04:05")
		if ended.Valid {
			l.Seconds = fmt.Sprintf("%.1f", ended.Time.Sub(started).Seconds())
		}
		data.Runs = append(data.Runs, l)
	}
	if err := rows.Err(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var b bytes.Buffer
	if err := indexPage.Execute(&b, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}
