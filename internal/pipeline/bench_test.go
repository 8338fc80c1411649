//go:build duckdb_arrow

package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/extract/harvest"
	"github.com/takt-billing/takt/extract/harvest/harvesttest"
	"github.com/takt-billing/takt/extract/httpapi"
	"github.com/takt-billing/takt/extract/hubspot"
	"github.com/takt-billing/takt/extract/hubspot/hubspottest"
	"github.com/takt-billing/takt/extract/xero"
	"github.com/takt-billing/takt/extract/xero/xerotest"
	"github.com/takt-billing/takt/internal/demo"
	"github.com/takt-billing/takt/internal/rawtest"
	"github.com/takt-billing/takt/internal/warehouse"
	"github.com/takt-billing/takt/transform"
)

// The benchmarks run the connectors against their emulators serving the
// demo company (about 52,000 time entries), with the emulators' rate
// limits and takt's client-side limiter off:
//
//	go test -tags duckdb_arrow -run '^$' -bench 'Extract|IncrementalRun' -benchtime 1x ./internal/pipeline/

var demoAsOf = time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)

func demoCompany(b *testing.B) *demo.Company {
	b.Helper()
	c, err := demo.Generate(demo.Options{Seed: 1, AsOf: demoAsOf})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// waitClock counts the time spent waiting for the emulator: from sending a
// request until its response arrived, and inside reads of its body, which
// the connectors decode while it streams in. The rest of an extraction is
// takt's own work: parsing, validating, building Arrow batches.
type waitClock struct {
	base http.RoundTripper
	wait atomic.Int64 // nanoseconds
}

func (w *waitClock) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := w.base.RoundTrip(r)
	w.wait.Add(int64(time.Since(start)))
	if resp != nil {
		resp.Body = &timedBody{ReadCloser: resp.Body, w: w}
	}
	return resp, err
}

type timedBody struct {
	io.ReadCloser
	w *waitClock
}

func (b *timedBody) Read(p []byte) (int, error) {
	start := time.Now()
	n, err := b.ReadCloser.Read(p)
	b.w.wait.Add(int64(time.Since(start)))
	return n, err
}

func timedClient() (*httpapi.Client, *waitClock) {
	w := &waitClock{base: http.DefaultTransport.(*http.Transport).Clone()}
	hc := httpapi.New(nil)
	hc.HTTP = &http.Client{Transport: w, Timeout: time.Minute}
	return hc, w
}

// demoConnectors starts the three emulators for c and returns a connector
// for each, with the clock of its HTTP client.
func demoConnectors(b *testing.B, c *demo.Company) ([]extract.Connector, map[string]*waitClock, func(data harvesttest.Dataset)) {
	b.Helper()
	hs := hubspottest.NewServer(c.HubSpot, hubspottest.Options{Token: "t"})
	hv := harvesttest.NewServer(c.Harvest, harvesttest.Options{})
	xs := xerotest.NewServer(c.Xero, xerotest.Options{})
	b.Cleanup(func() { hs.Close(); hv.Close(); xs.Close() })
	clocks := map[string]*waitClock{}
	hc, w := timedClient()
	clocks[hubspot.Source] = w
	hsc, err := hubspot.New(hubspot.Config{BaseURL: hs.URL, Token: "t", HTTP: hc})
	if err != nil {
		b.Fatal(err)
	}
	hc, w = timedClient()
	clocks[harvest.Source] = w
	hvc, err := harvest.New(harvest.Config{BaseURL: hv.URL, Token: harvesttest.DefaultToken, AccountID: harvesttest.DefaultAccountID, HTTP: hc})
	if err != nil {
		b.Fatal(err)
	}
	hc, w = timedClient()
	clocks[xero.Source] = w
	xc, err := xero.New(xero.Config{BaseURL: xs.URL, TokenURL: xs.TokenURL(), ClientID: xerotest.DefaultClientID,
		ClientSecret: xerotest.DefaultClientSecret, TenantID: xerotest.DefaultTenantID, HTTP: hc})
	if err != nil {
		b.Fatal(err)
	}
	return []extract.Connector{hsc, hvc, xc}, clocks, hv.Replace
}

// BenchmarkExtract reads every stream of each connector from its emulator
// (emit does nothing) and reports records per second and the share of the
// time spent waiting for HTTP; the rest is parsing and building batches.
func BenchmarkExtract(b *testing.B) {
	conns, clocks, _ := demoConnectors(b, demoCompany(b))
	for _, c := range conns {
		b.Run(c.Name(), func(b *testing.B) {
			clock := clocks[c.Name()]
			clock.wait.Store(0)
			var records int64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, st := range c.Streams() {
					err := c.Extract(context.Background(), st.Name, "", func(_ context.Context, batch extract.Batch) error {
						records += batch.Record.NumRows() + int64(len(batch.Rejects))
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.StopTimer()
			elapsed := b.Elapsed()
			b.ReportMetric(float64(records)/elapsed.Seconds(), "records/s")
			b.ReportMetric(100*float64(clock.wait.Load())/float64(elapsed), "wait_%")
			b.ReportMetric(float64(records)/float64(b.N), "records/op")
		})
	}
}

// BenchmarkIncrementalRun measures two runs of the demo company, each in
// a process of its own as `takt run` does it (the warehouse opened before
// and closed after, which checkpoints it): a full one into a new warehouse,
// then one after 1 % of the time entries changed in Harvest. Extract and
// load (what `takt extract` does) are timed apart from the SQL layers,
// of which the second run rebuilds only the models whose inputs changed.
func BenchmarkIncrementalRun(b *testing.B) {
	company := demoCompany(b)
	settings := transform.Settings{BaseCurrency: company.BaseCurrency, HomeCountry: company.HomeCountry,
		StandardVAT: "19", PaymentTerms: 30, StaleAfterDays: 60, AsOf: demoAsOf}
	for i := 0; i < b.N; i++ {
		conns, _, replace := demoConnectors(b, company)
		path := filepath.Join(b.TempDir(), "takt.duckdb")
		// run opens the warehouse, extracts and loads, and builds the
		// models; it returns the two durations.
		run := func(runID int64) (ingest, models time.Duration) {
			start := time.Now()
			ctx := context.Background()
			wh, err := warehouse.Open(ctx, path, warehouse.Options{})
			if err != nil {
				b.Fatal(err)
			}
			p, err := New(ctx, wh, Registry(rawtest.Sources()), nil)
			if err != nil {
				b.Fatal(err)
			}
			p.Sources, p.Settings = conns, settings
			mustRun(b, p, Options{ExtractOnly: true})
			ingest = time.Since(start)
			start = time.Now()
			mustTransform(b, p, runID)
			if err := wh.Close(); err != nil {
				b.Fatal(err)
			}
			return ingest, time.Since(start)
		}
		b.ResetTimer()
		fullIngest, fullModels := run(1)
		changed, n := changeTimeEntries(b, company.Harvest, 100)
		replace(changed)
		incrIngest, incrModels := run(2)
		b.StopTimer()
		wh, err := warehouse.Open(context.Background(), path, warehouse.Options{})
		if err != nil {
			b.Fatal(err)
		}
		var rows, rebuilt, models int64
		if err := wh.DB.QueryRow(`SELECT rows FROM ops.run_streams WHERE run_id = 2 AND stream = 'time_entries'`).Scan(&rows); err != nil {
			b.Fatal(err)
		}
		if err := wh.DB.QueryRow(`SELECT count(*) FILTER (WHERE run_id = 2), count(*) FROM ops.build_state WHERE name NOT LIKE 'test:%'`).Scan(&rebuilt, &models); err != nil {
			b.Fatal(err)
		}
		wh.Close()
		if rows < int64(n) {
			b.Fatalf("the incremental run loaded %d time entries, fewer than the %d changed", rows, n)
		}
		b.ReportMetric(fullIngest.Seconds(), "full_ingest_s")
		b.ReportMetric(incrIngest.Seconds(), "incr_ingest_s")
		b.ReportMetric(100*incrIngest.Seconds()/fullIngest.Seconds(), "incr/full_ingest_%")
		b.ReportMetric(fullModels.Seconds(), "models_s")
		b.ReportMetric(incrModels.Seconds(), "incr_models_s")
		b.ReportMetric(float64(rebuilt), "models_rebuilt")
		b.ReportMetric(float64(models), "models")
		b.ReportMetric(100*(incrIngest+incrModels).Seconds()/(fullIngest+fullModels).Seconds(), "incr/full_run_%")
		b.ReportMetric(float64(n), "changed_entries")
	}
}

func mustRun(b *testing.B, p *Pipeline, opts Options) {
	b.Helper()
	res, err := p.RunWith(context.Background(), "cli", opts)
	if err != nil || res.Status != "succeeded" {
		b.Fatalf("run: %v %+v", err, res)
	}
}

func mustTransform(b *testing.B, p *Pipeline, run int64) {
	b.Helper()
	err := transform.Run(context.Background(), p.Warehouse, run, p.Settings, nil)
	var dte *transform.DataTestError
	if err != nil && !asDataTestError(err, &dte) {
		b.Fatal(err)
	}
}

// changeTimeEntries returns data with one time entry in every `every`
// changed in Harvest: its notes edited and its updated_at moved to after
// every cursor.
func changeTimeEntries(b *testing.B, data harvesttest.Dataset, every int) (harvesttest.Dataset, int) {
	b.Helper()
	out := harvesttest.Dataset{}
	for k, v := range data {
		out[k] = v
	}
	entries := make([]json.RawMessage, len(data["time_entries"]))
	copy(entries, data["time_entries"])
	n := 0
	for i := 0; i < len(entries); i += every {
		r, err := harvesttest.SetField(entries[i], "notes", json.RawMessage(fmt.Sprintf(`"edited %d"`, i)))
		if err == nil {
			r, err = harvesttest.SetField(r, "updated_at", json.RawMessage(`"2026-11-02T08:00:00Z"`))
		}
		if err != nil {
			b.Fatal(err)
		}
		entries[i] = r
		n++
	}
	out["time_entries"] = entries
	return out, n
}

func asDataTestError(err error, target **transform.DataTestError) bool {
	return errors.As(err, target)
}
