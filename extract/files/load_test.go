//go:build duckdb_arrow

package files_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/extract/files"
	"github.com/takt-billing/takt/internal/warehouse"
	"github.com/takt-billing/takt/load"
)

// loadRun extracts every stream from the stored cursor and appends the
// batches in one run, as the pipeline does.
func loadRun(t *testing.T, l *load.Loader, c *files.Connector) {
	t.Helper()
	ctx := context.Background()
	run, err := l.StartRun(ctx, "cli")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range c.Streams() {
		if err := l.StartStream(ctx, run, files.Source, s.Name); err != nil {
			t.Fatal(err)
		}
		cursor, err := l.Cursor(ctx, files.Source, s.Name)
		if err != nil {
			t.Fatal(err)
		}
		err = c.Extract(ctx, s.Name, cursor, func(ctx context.Context, b extract.Batch) error {
			_, err := l.Append(ctx, run, files.Source, s.Name, b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func openWarehouse(t *testing.T, c *files.Connector) (*warehouse.Warehouse, *load.Loader) {
	t.Helper()
	wh, err := warehouse.Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	l := load.New(wh, nil)
	if err := l.Register(context.Background(), files.Source, c.Streams()); err != nil {
		t.Fatal(err)
	}
	return wh, l
}

// selectRows returns every row of a raw table as "col|col|..." text, NULL
// spelled out, ordered by version and row. columns are SQL expressions
// from the test's fixed lists.
func selectRows(t *testing.T, wh *warehouse.Warehouse, table string, columns ...string) []string {
	t.Helper()
	exprs := make([]string, len(columns))
	for i, c := range columns {
		exprs[i] = "coalesce((" + c + ")::VARCHAR, 'NULL')"
	}
	rows, err := wh.DB.QueryContext(context.Background(),
		"SELECT "+strings.Join(exprs, " || '|' || ")+" FROM raw."+table+" ORDER BY _run_id, row")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

const updated = "strftime(updated_at, '%Y-%m-%dT%H:%M:%SZ')"

func TestValuesArriveExactlyInTheWarehouse(t *testing.T) {
	c := newConnector(t, importsDir(t))
	wh, l := openWarehouse(t, c)
	loadRun(t, l, c)

	equal(t, "dunning_notices", selectRows(t, wh, "files_dunning_notices",
		"id", updated, "file", "file_sha256 = '"+sha(dunningCSV)+"'", "row",
		"invoice_number", "level", "notice_date", "fee", "currency"),
		[]string{
			"D-1|2026-04-01T08:30:15Z|dunning_notices.csv|true|1|INV-2026-0001|1|2026-02-15|0.0000|EUR",
			"D-2|2026-04-01T08:30:15Z|dunning_notices.csv|true|2|INV-2026-0001|2|2026-03-01|5.0000|EUR",
			"D-3|2026-04-01T08:30:15Z|dunning_notices.csv|true|3|INV-2026-0007|3|2026-03-10|12.3456|CHF",
		})
	equal(t, "milestones", selectRows(t, wh, "files_milestones",
		"id", "row", "project_code", "name", "amount", "currency", "due_on", "reached_on", "accepted_on", "invoice_number", "_raw"),
		[]string{
			`M-1|1|FP-001|Konzept|12000.0000|EUR|2026-01-31|2026-01-28|2026-02-02|INV-2026-0003|` +
				`{"id":"M-1","project_code":"FP-001","name":"Konzept","amount":"12000.00","currency":"EUR","due_on":"2026-01-31","reached_on":"2026-01-28","accepted_on":"2026-02-02","invoice_number":"INV-2026-0003"}`,
			`M-2|2|FP-001|Umsetzung, Phase 1|18500.5000|EUR|2026-03-31|NULL|NULL|NULL|` +
				`{"id":"M-2","project_code":"FP-001","name":"Umsetzung, Phase 1","amount":"18500.5","currency":"EUR","due_on":"2026-03-31","reached_on":"","accepted_on":"","invoice_number":""}`,
		})
	equal(t, "rate_cards", selectRows(t, wh, "files_rate_cards",
		"id", "row", "project_code", "task", "hourly_rate", "currency", "valid_from", "valid_to"),
		[]string{
			"R-1|1|TM-001|Development|120.0000|EUR|2026-01-01|2026-03-31",
			"R-2|2|TM-001|Development|125.5000|EUR|2026-04-01|NULL",
			"R-3|3|TM-002|NULL|-0.0001|GBP|2025-07-01|NULL",
		})
	equal(t, "change_requests", selectRows(t, wh, "files_change_requests",
		"id", "row", "project_code", "title", "status", "approved_on", "extra_hours", "extra_amount", "currency"),
		[]string{
			"CR-1|1|TM-001|Zusätzliche Schnittstelle|approved|2026-02-10|40.0000|5020.0000|EUR",
			"CR-2|2|FP-001|Mehr Tests|proposed|NULL|12.5000|NULL|NULL",
		})

	ctx := context.Background()
	for stream, content := range map[string]string{
		"dunning_notices": dunningCSV, "milestones": milestonesCSV, "rate_cards": rateCardsCSV, "change_requests": changeRequestsCSV,
	} {
		cur, err := l.Cursor(ctx, files.Source, stream)
		if err != nil || cur != sha(content) {
			t.Errorf("%s: cursor %q, %v; want the file's SHA-256 %s", stream, cur, err, sha(content))
		}
	}
}

func TestReloadKeepsVersions(t *testing.T) {
	dir := importsDir(t)
	c := newConnector(t, dir)
	wh, l := openWarehouse(t, c)
	loadRun(t, l, c)
	// Nothing changed: the second run loads nothing.
	loadRun(t, l, c)
	changed := strings.Replace(dunningCSV, "D-2,INV-2026-0001,2,2026-03-01,5.00,EUR", "D-2,INV-2026-0001,2,2026-03-01,7.50,EUR", 1)
	writeFile(t, dir, "dunning_notices.csv", changed)
	loadRun(t, l, c)

	equal(t, "dunning_notices versions", selectRows(t, wh, "files_dunning_notices",
		"_run_id", "id", "fee", "file_sha256 = '"+sha(dunningCSV)+"'"),
		[]string{
			"1|D-1|0.0000|true", "1|D-2|5.0000|true", "1|D-3|12.3456|true",
			"3|D-1|0.0000|false", "3|D-2|7.5000|false", "3|D-3|12.3456|false",
		})
	equal(t, "rate_cards runs", selectRows(t, wh, "files_rate_cards", "_run_id", "id"),
		[]string{"1|R-1", "1|R-2", "1|R-3"})
	cur, err := l.Cursor(context.Background(), files.Source, "dunning_notices")
	if err != nil || cur != sha(changed) {
		t.Fatalf("cursor %q, %v; want %s", cur, err, sha(changed))
	}
}
