//go:build duckdb_arrow

package pipeline

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/extract/harvest"
	"github.com/takt-billing/takt/extract/harvest/harvesttest"
	"github.com/takt-billing/takt/extract/httpapi"
	"github.com/takt-billing/takt/internal/rawtest"
	"github.com/takt-billing/takt/internal/testfixtures"
	"github.com/takt-billing/takt/internal/warehouse"
	"github.com/takt-billing/takt/load"
	"github.com/takt-billing/takt/transform"
)

// waitRecorder is a Progress that records the waits of each stream.
type waitRecorder struct {
	mu    sync.Mutex
	waits map[string][]string // "source.stream" -> reasons
}

func (w *waitRecorder) StreamStarted(source, stream string)                         {}
func (w *waitRecorder) BatchLoaded(source, stream string, rows int64, pages int)    {}
func (w *waitRecorder) StreamFinished(source, stream string, rows int64, err error) {}
func (w *waitRecorder) Waited(source, stream, reason string, d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.waits[source+"."+stream] = append(w.waits[source+"."+stream], reason)
}

// harvestPipeline is a pipeline of the Harvest fixtures served by h.
func harvestPipeline(t *testing.T, h http.Handler) (*Pipeline, *warehouse.Warehouse) {
	t.Helper()
	ctx := context.Background()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	wh, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "takt.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	p, err := New(ctx, wh, Registry(rawtest.Sources()), nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Settings = transform.Settings{BaseCurrency: "EUR", HomeCountry: "DE", StandardVAT: "19", PaymentTerms: 30, StaleAfterDays: 60, AsOf: rawtest.Date("2017-12-31")}
	hc := httpapi.New(nil)
	hc.BaseDelay, hc.MaxDelay, hc.MaxAttempts = time.Millisecond, 5*time.Millisecond, 3
	hv, err := harvest.New(harvest.Config{BaseURL: srv.URL, Token: harvesttest.DefaultToken, AccountID: harvesttest.DefaultAccountID, HTTP: hc})
	if err != nil {
		t.Fatal(err)
	}
	p.Sources = []extract.Connector{hv}
	return p, wh
}

func harvestFixtures(t *testing.T) harvesttest.Dataset {
	t.Helper()
	data, err := harvesttest.LoadFixtures(testfixtures.Dir(t, "harvest"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A stream that still fails after the retries fails alone: the other
// streams load, the run is recorded as partial and says which stream
// failed and why; every wait is reported on the line of its stream.
func TestFailingStreamFailsAlone(t *testing.T) {
	emu := harvesttest.NewHandler(harvestFixtures(t), harvesttest.Options{RateLimitEvery: 4, RetryAfterSeconds: 1})
	p, wh := harvestPipeline(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/expenses" {
			http.Error(w, `{"error":"internal"}`, http.StatusBadGateway)
			return
		}
		emu.ServeHTTP(w, r)
	}))
	rec := &waitRecorder{waits: map[string][]string{}}
	p.Progress = rec
	res, err := p.Run(context.Background(), "cli")
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != load.RunPartial {
		t.Fatalf("status %s, want partial: %v", res.Status, res.Err)
	}
	var failed []string
	for _, s := range res.Streams {
		if s.Status != "succeeded" {
			failed = append(failed, s.Stream+": "+s.Error)
		}
	}
	if len(failed) != 1 || !strings.HasPrefix(failed[0], "expenses: ") || !strings.Contains(failed[0], "HTTP 502 after 3 attempts") {
		t.Fatalf("failed streams: %v", failed)
	}
	msg := res.Err.Error()
	if !strings.HasPrefix(msg, "1 of 8 streams failed: harvest: expenses page 1: GET http://127.0.0.1:") ||
		!strings.HasSuffix(msg, `/v2/expenses?per_page=2000: HTTP 502 after 3 attempts: {"error":"internal"}`) {
		t.Fatalf("run error %q does not name the stream and why", msg)
	}
	var status, ledgerErr string
	if err := wh.DB.QueryRow(`SELECT status, error FROM ops.runs WHERE run_id = $1`, res.RunID).Scan(&status, &ledgerErr); err != nil {
		t.Fatal(err)
	}
	if status != "partial" || ledgerErr != res.Err.Error() {
		t.Fatalf("ledger: %s %q", status, ledgerErr)
	}
	var entries int
	if err := wh.DB.QueryRow(`SELECT count(*) FROM raw.harvest_time_entries`).Scan(&entries); err != nil || entries == 0 {
		t.Fatalf("time entries loaded: %d %v", entries, err)
	}

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if got := strings.Join(rec.waits["harvest.expenses"], ","); got != "server_error,server_error" {
		t.Errorf("waits of harvest.expenses = %s, want two retries", got)
	}
	limited := 0
	var streams []string
	for s, reasons := range rec.waits {
		streams = append(streams, s)
		for _, r := range reasons {
			if r == "rate_limited" {
				limited++
			}
		}
	}
	sort.Strings(streams)
	if limited == 0 {
		t.Errorf("no rate-limit wait reported; waits by stream: %v", rec.waits)
	}
	for _, s := range streams {
		if !strings.HasPrefix(s, "harvest.") {
			t.Errorf("a wait was reported for %s", s)
		}
	}
}

// A run a killed process left running is closed as failed, with its
// running streams, when the next run starts; a run of this process is
// never taken for one.
func TestInterruptedRunsAreClosed(t *testing.T) {
	ctx := context.Background()
	p, wh := harvestPipeline(t, harvesttest.NewHandler(harvestFixtures(t), harvesttest.Options{}))
	// What a process killed in the middle of harvest.clients leaves.
	dead, err := p.Loader.StartRun(ctx, "cli")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Loader.StartStream(ctx, dead, "harvest", "clients"); err != nil {
		t.Fatal(err)
	}
	// A run this process is running.
	runsMu.Lock()
	live, err := p.Loader.StartRun(ctx, "schedule")
	if err != nil {
		t.Fatal(err)
	}
	activeRuns[live] = true
	runsMu.Unlock()
	defer func() {
		runsMu.Lock()
		delete(activeRuns, live)
		runsMu.Unlock()
	}()

	res, err := p.Run(ctx, "cli")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := wh.DB.Query(`SELECT run_id, status, coalesce(error, '') FROM ops.runs ORDER BY run_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id int64
		var status, msg string
		if err := rows.Scan(&id, &status, &msg); err != nil {
			t.Fatal(err)
		}
		switch id {
		case dead:
			got = append(got, "dead "+status+" "+msg)
		case live:
			got = append(got, "live "+status)
		case res.RunID:
			got = append(got, "new "+status)
		}
	}
	want := []string{"dead failed " + InterruptedError, "live running", "new " + res.Status}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("runs:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var streamStatus, streamErr string
	if err := wh.DB.QueryRow(`SELECT status, error FROM ops.run_streams WHERE run_id = $1`, dead).Scan(&streamStatus, &streamErr); err != nil {
		t.Fatal(err)
	}
	if streamStatus != "failed" || streamErr != InterruptedError {
		t.Fatalf("the dead run's stream: %s %q", streamStatus, streamErr)
	}
}
