//go:build duckdb_arrow

package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/extract/files"
	"github.com/takt-billing/takt/extract/harvest"
	"github.com/takt-billing/takt/extract/harvest/harvesttest"
	"github.com/takt-billing/takt/extract/httpapi"
	"github.com/takt-billing/takt/internal/dbtest"
	"github.com/takt-billing/takt/internal/rawtest"
	"github.com/takt-billing/takt/internal/testfixtures"
	"github.com/takt-billing/takt/internal/warehouse"
	"github.com/takt-billing/takt/load"
	"github.com/takt-billing/takt/transform"
)

func fastClient() *httpapi.Client {
	c := httpapi.New(nil)
	c.BaseDelay = time.Millisecond
	c.MaxDelay = 5 * time.Millisecond
	c.MaxAttempts = 3
	return c
}

// snapshot is what a run must not change when it fails: raw row counts
// and cursors.
func snapshot(t *testing.T, wh *warehouse.Warehouse) string {
	t.Helper()
	var parts []string
	for src, streams := range rawtest.Sources() {
		for _, st := range streams {
			var n int
			if err := wh.DB.QueryRow("SELECT count(*) FROM raw." + load.RawTable(src, st.Name)).Scan(&n); err != nil {
				t.Fatal(err)
			}
			parts = append(parts, src+"."+st.Name+"="+strconv.Itoa(n))
		}
	}
	parts = append(parts, dbtest.Strings(t, wh.DB, "SELECT source || '.' || stream || ':' || cursor FROM ops.stream_cursors ORDER BY 1")...)
	sort.Strings(parts)
	return strings.Join(parts, "\n")
}

func TestUnreachableSourceLeavesTheWarehouseAsItWas(t *testing.T) {
	ctx := context.Background()
	data, err := harvesttest.LoadFixtures(testfixtures.Dir(t, "harvest"))
	if err != nil {
		t.Fatal(err)
	}
	srv := harvesttest.NewServer(data, harvesttest.Options{})
	imports := t.TempDir()
	if err := os.WriteFile(filepath.Join(imports, "dunning_notices.csv"), []byte("id,invoice_number,level,notice_date,fee,currency\nN1,1001,1,2017-04-10,5.00,EUR\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	wh, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "takt.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	p, err := New(ctx, wh, Registry(rawtest.Sources()), nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Settings = transform.Settings{BaseCurrency: "EUR", HomeCountry: "DE", StandardVAT: "19", PaymentTerms: 30, StaleAfterDays: 60, AsOf: rawtest.Date("2017-12-31")}
	hv, err := harvest.New(harvest.Config{BaseURL: srv.URL, Token: harvesttest.DefaultToken, AccountID: harvesttest.DefaultAccountID, HTTP: fastClient()})
	if err != nil {
		t.Fatal(err)
	}
	fc, err := files.New(files.Config{Dir: imports})
	if err != nil {
		t.Fatal(err)
	}
	p.Sources = []extract.Connector{hv, fc}

	// The fixtures' dunning notice names an invoice Xero does not know, so
	// the first run loads everything but fails a data test; what matters
	// here is what the second run does to the stored data.
	first, err := p.Run(ctx, "cli")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range first.Streams {
		if s.Status != "succeeded" {
			t.Fatalf("first run: %s.%s %s: %s", s.Source, s.Stream, s.Status, s.Error)
		}
	}
	before := snapshot(t, wh)

	srv.Close() // Harvest goes away.
	second, err := p.Run(ctx, "cli")
	if err != nil {
		t.Fatal(err)
	}
	if second.Status != load.RunPartial && second.Status != load.RunFailed {
		t.Fatalf("second run status %s", second.Status)
	}
	failed := 0
	for _, s := range second.Streams {
		if s.Source == "harvest" {
			if s.Status != "failed" || !strings.Contains(s.Error, "source unreachable") {
				t.Errorf("harvest.%s: %s %q, want failed as unreachable", s.Stream, s.Status, s.Error)
			}
			failed++
		} else if s.Status != "succeeded" {
			t.Errorf("%s.%s: %s, want succeeded (files do not depend on Harvest)", s.Source, s.Stream, s.Status)
		}
	}
	if failed != len(harvest.Streams()) {
		t.Fatalf("%d harvest streams failed, want %d", failed, len(harvest.Streams()))
	}
	if !strings.Contains(second.Err.Error(), "harvest: clients page 1") || !strings.Contains(second.Err.Error(), "harvest.projects: not attempted because harvest did not answer (see harvest.clients): source unreachable") {
		t.Fatalf("run error does not say which source and why: %v", second.Err)
	}
	if after := snapshot(t, wh); after != before {
		t.Fatalf("the failed run changed stored data:\nbefore\n%s\nafter\n%s", before, after)
	}
	var status, msg string
	if err := wh.DB.QueryRow("SELECT status, error FROM ops.runs WHERE run_id = $1", second.RunID).Scan(&status, &msg); err != nil {
		t.Fatal(err)
	}
	if status != second.Status || !strings.Contains(msg, "source unreachable") {
		t.Fatalf("ledger: %s %q", status, msg)
	}
}
