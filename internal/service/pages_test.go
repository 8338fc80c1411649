//go:build duckdb_arrow

package service

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/takt-billing/takt/internal/rawtest"
	"github.com/takt-billing/takt/reports"
	"github.com/takt-billing/takt/transform"
)

var generated = time.Date(2026, 4, 2, 8, 0, 0, 0, time.UTC)

func scenarioSettings() transform.Settings {
	return transform.Settings{BaseCurrency: "EUR", HomeCountry: "DE", StandardVAT: "19", PaymentTerms: 30, StaleAfterDays: 60, AsOf: rawtest.Date("2026-03-31")}
}

func get(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

func pagesServer(t *testing.T, w *rawtest.Warehouse) *httptest.Server {
	t.Helper()
	p := &Pages{DB: w.DB, Company: "Scenario GmbH", BaseCurrency: "EUR", Lang: "en", Warehouse: w.Path,
		Now: func() time.Time { return generated },
		Jobs: func(n int) []Status {
			return []Status{{Planned: Planned{Job: "harvest", Source: "harvest", Schedule: "*/15 * * * *", Next: []time.Time{generated.Add(15 * time.Minute)}}, State: StateRunning}}
		}}
	srv := httptest.NewServer(p.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// The pages are the reports the CLI writes, for any month, read-only.
func TestPagesServeTheMonthlyReports(t *testing.T) {
	ctx := context.Background()
	w := rawtest.Scenario(t)
	if err := transform.Run(ctx, w.Warehouse, w.RunID, scenarioSettings(), nil); err != nil {
		t.Fatal(err)
	}
	srv := pagesServer(t, w)

	pack, err := reports.LoadPack(ctx, w.DB, reports.PackOptions{Company: "Scenario GmbH", BaseCurrency: "EUR", Lang: "de",
		Month: rawtest.Date("2026-03-01"), AsOf: rawtest.Date("2026-03-31"), GeneratedAt: generated})
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := reports.WriteKPIPage(&want, pack, "dso"); err != nil {
		t.Fatal(err)
	}
	// The month's first chart address leads to its DSO page.
	code, h, page := get(t, srv.URL+"/reports/2026-03/kpi.html?lang=de")
	if code != 200 || h.Get("Content-Type") != "text/html; charset=utf-8" || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("kpi.html: %d %v", code, h)
	}
	if !bytes.Equal(page, want.Bytes()) {
		t.Fatalf("the chart page differs from what `takt report` writes:\n%s", page)
	}
	if !bytes.Contains(page, []byte(`<script src="assets/echarts.min.js"></script>`)) {
		t.Fatal("the chart page does not load its script from beside it")
	}
	code, h, script := get(t, srv.URL+"/reports/2026-03/assets/echarts.min.js")
	wantScript, _ := reports.ChartScript()
	if code != 200 || !bytes.Equal(script, wantScript) || h.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Fatalf("echarts.min.js: %d, %d bytes, want %d", code, len(script), len(wantScript))
	}

	code, h, xlsx := get(t, srv.URL+"/reports/2026-03/pack.xlsx")
	if code != 200 || h.Get("Content-Disposition") != `attachment; filename="takt-pack-2026-03.xlsx"` {
		t.Fatalf("pack.xlsx: %d %v", code, h)
	}
	f, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatalf("the pack is not a workbook: %v", err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "Summary,Unbilled,Draft billing run,Exceptions,AR aging,Dunning,Incidents,Data quality" {
		t.Fatalf("sheets = %s", got)
	}
	// The scenario's five unbilled items and two exceptions.
	rows, _ := f.GetRows("Unbilled")
	items := 0
	for _, r := range rows {
		for _, id := range []string{"e2", "e3", "e5", "e9", "x1"} {
			if len(r) > 0 && strings.Contains(strings.Join(r, "|"), "|"+id+"|") {
				items++
			}
		}
	}
	if items != 5 {
		t.Fatalf("Unbilled sheet lists %d of the 5 unbilled items:\n%v", items, rows)
	}

	for path, wantCode := range map[string]int{
		"/reports/2026-3/kpi.html":          400,
		"/reports/2026-03/kpi.html?lang=fr": 400,
		"/reports/2026-03/other.html":       404,
		// Refused by its name, before the month is read (a malformed
		// month would answer 400).
		"/reports/2026-3/favicon.ico":        404,
		"/nothing":                           404,
		"/reports/2026-03/pack.xlsx?lang=en": 200,
		"/reports/2025-12/kpi.html?lang=en":  404,
		"/healthz":                           200,
		"/schedule":                          200,
		"/":                                  200,
	} {
		if code, _, body := get(t, srv.URL+path); code != wantCode {
			t.Errorf("GET %s = %d, want %d: %s", path, code, wantCode, body)
		}
	}
	resp, err := http.Post(srv.URL+"/reports/2026-03/kpi.html", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST = %d, want 405: the pages are read-only", resp.StatusCode)
	}

	_, _, body := get(t, srv.URL+"/healthz")
	var hz Health
	if err := json.Unmarshal(body, &hz); err != nil {
		t.Fatal(err)
	}
	if hz.Status != "ok" || hz.Running != "harvest" || hz.Warehouse != w.Path || !hz.CheckedAt.Equal(generated) || len(hz.Jobs) != 1 {
		t.Fatalf("healthz = %+v", hz)
	}
	_, _, index := get(t, srv.URL+"/")
	for _, s := range []string{"<h1>Scenario GmbH</h1>", "Data as of 2026-03-31.", `<a href="reports/2026-03/kpi-dso.html">`, `<a href="reports/2025-04/pack.xlsx">`, "running now", "<td>test</td>"} {
		if !bytes.Contains(index, []byte(s)) {
			t.Errorf("index page lacks %q:\n%s", s, index)
		}
	}
}

// Before the first run has built the SQL layers, the report pages say so
// (503) and the service is still healthy.
func TestPagesBeforeTheFirstRun(t *testing.T) {
	w := rawtest.Open(t)
	srv := pagesServer(t, w)
	code, _, body := get(t, srv.URL+"/reports/2026-03/kpi.html")
	if code != 503 || strings.TrimSpace(string(body)) != "no reports yet: the first run has not finished building the warehouse; try again after it" {
		t.Fatalf("kpi.html = %d %s", code, body)
	}
	if code, _, _ := get(t, srv.URL+"/healthz"); code != 200 {
		t.Fatalf("healthz = %d", code)
	}
	if _, _, index := get(t, srv.URL+"/"); !bytes.Contains(index, []byte("(no run has finished yet)")) {
		t.Fatalf("index:\n%s", index)
	}
}

// Pages are read through the handle a run writes through: while the SQL
// layers are rebuilt over and over in their transaction, every page still
// answers, with the committed data.
func TestPagesAnswerWhileARunWrites(t *testing.T) {
	ctx := context.Background()
	w := rawtest.Scenario(t)
	if err := transform.Run(ctx, w.Warehouse, w.RunID, scenarioSettings(), nil); err != nil {
		t.Fatal(err)
	}
	srv := pagesServer(t, w)
	_, _, want := get(t, srv.URL+"/reports/2026-03/kpi.html")

	// Every model is rebuilt each time, though nothing changed.
	rebuild := scenarioSettings()
	rebuild.Rebuild = true
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var rebuilds atomic.Int32
	var rebuildErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := transform.Run(ctx, w.Warehouse, w.RunID, rebuild, nil); err != nil {
				rebuildErr = err
				return
			}
			rebuilds.Add(1)
		}
	}()
	// Read pages until a whole rebuild ran alongside.
	deadline := time.Now().Add(20 * time.Second)
	pages := 0
	for time.Now().Before(deadline) && rebuilds.Load() < 1 {
		code, _, page := get(t, srv.URL+"/reports/2026-03/kpi.html")
		if code != 200 || !bytes.Equal(page, want) {
			close(stop)
			wg.Wait()
			t.Fatalf("page %d during a rebuild: %d\n%s", pages, code, page)
		}
		pages++
	}
	close(stop)
	wg.Wait()
	if rebuildErr != nil {
		t.Fatalf("rebuild while pages were read: %v", rebuildErr)
	}
	if rebuilds.Load() < 1 || pages < 5 {
		t.Fatalf("%d rebuilds and %d pages: the test did not overlap them", rebuilds.Load(), pages)
	}
}
