//go:build duckdb_arrow

package files_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/extract/files"
	"github.com/takt-billing/takt/internal/dbtest"
	"github.com/takt-billing/takt/internal/warehouse"
	"github.com/takt-billing/takt/load"
	sqlfiles "github.com/takt-billing/takt/sql"
	"github.com/takt-billing/takt/transform"
)

// loadRun extracts every stream from the stored cursor and appends the
// batches in one run, as the pipeline does. It returns the run's id and
// the error of every stream that failed.
func loadRun(t *testing.T, l *load.Loader, c *files.Connector) (int64, error) {
	t.Helper()
	ctx := context.Background()
	run, err := l.StartRun(ctx, "cli")
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
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
		if err := l.FinishStream(ctx, run, files.Source, s.Name, err); err != nil {
			t.Fatal(err)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return run, errors.Join(errs...)
}

// mustLoad is loadRun for runs where every stream must load.
func mustLoad(t *testing.T, l *load.Loader, c *files.Connector) int64 {
	t.Helper()
	run, err := loadRun(t, l, c)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func openWarehouse(t *testing.T) (*warehouse.Warehouse, *load.Loader) {
	t.Helper()
	wh, err := warehouse.Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	l := load.New(wh, nil)
	if err := l.Register(context.Background(), files.Source, files.Streams()); err != nil {
		t.Fatal(err)
	}
	return wh, l
}

// buildStaging builds the staging models of imported files (and the
// setting macro they use) the way transform does, company base currency
// EUR. Only these models run, so that the tests pin what the files layer
// hands on, whatever the layers above do.
func buildStaging(t *testing.T, wh *warehouse.Warehouse) {
	t.Helper()
	ctx := context.Background()
	if _, err := wh.DB.ExecContext(ctx, sqlfiles.Query("put_setting"), "base_currency", "EUR"); err != nil {
		t.Fatal(err)
	}
	models, err := transform.Models()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range models {
		if m.Name != "staging.setting" && !strings.HasPrefix(m.Name, "staging.files_") {
			continue
		}
		if _, err := wh.DB.ExecContext(ctx, m.SQL); err != nil {
			t.Fatalf("model %s: %v", m.Name, err)
		}
		n++
	}
	if n != 9 {
		t.Fatalf("built %d models, want setting and the 8 files models", n)
	}
}

// query returns every row of a query as "col|col|..." text, NULL spelled
// out. columns are SQL expressions from the test's fixed lists.
func query(t *testing.T, wh *warehouse.Warehouse, from string, columns ...string) []string {
	t.Helper()
	exprs := make([]string, len(columns))
	for i, c := range columns {
		exprs[i] = "coalesce((" + c + ")::VARCHAR, 'NULL')"
	}
	return dbtest.Strings(t, wh.DB, "SELECT "+strings.Join(exprs, " || '|' || ")+" FROM "+from)
}

// selectRows returns every row of a raw table, ordered by run and row.
func selectRows(t *testing.T, wh *warehouse.Warehouse, table string, columns ...string) []string {
	t.Helper()
	return query(t, wh, "raw."+table+" ORDER BY _run_id, file, row", columns...)
}

const updated = "strftime(updated_at, '%Y-%m-%dT%H:%M:%SZ')"

func TestValuesArriveExactlyInTheWarehouse(t *testing.T) {
	t.Parallel()
	c := newConnector(t, importsDir(t))
	wh, l := openWarehouse(t)
	mustLoad(t, l, c)

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
	equal(t, "time_entries", selectRows(t, wh, "files_time_entries",
		"id", "row", "date", "person", "project_code", "task", "hours", "billable", "notes", "rate", "currency"),
		[]string{
			"T-1|1|2026-03-02|Anna Schmidt|TM-001|Development|7.5000|true|Schnittstelle|120.0000|EUR",
			"T-2|2|2026-03-03|Ben Ode|TM-002|NULL|0.2500|false|NULL|NULL|NULL",
		})
	equal(t, "fx_rates", selectRows(t, wh, "files_fx_rates", "id", "row", "date", "base_currency", "currency", "rate"),
		[]string{
			"2026-03-31/EUR/USD|1|2026-03-31|EUR|USD|1.082300",
			"2026-03-31/EUR/CHF|2|2026-03-31|EUR|CHF|0.952345",
			"2026-03-31/GBP|3|2026-03-31|NULL|GBP|0.834500",
		})
	equal(t, "datev_postings", selectRows(t, wh, "files_datev_postings",
		"id", "row", "amount", "debit_credit", "currency", "fx_rate", "base_amount", "base_currency", "account", "contra_account",
		"tax_key", "document_date", "document_number", "posting_text", "format_version", "consultant_number", "client_number",
		"fiscal_year_start", "account_length", "period_from", "period_to", "batch_name", "batch_created"),
		[]string{
			"EXTF_Buchungsstapel.csv:1|1|24.9500|H|EUR|NULL|NULL|NULL|1200|4940|8|2018-02-21|NULL|Fachbuch: Controlling für Dummies|9|1001|456|2018-01-01|4|2018-02-01|2018-02-28|Beispiel-Buchungen|2018-03-06T10:25:00.000",
			"EXTF_Buchungsstapel.csv:2|2|5950.0000|S|EUR|NULL|NULL|NULL|10000|8400|NULL|2018-02-22|RE201802-135|Honorar FiBu-Seminar|9|1001|456|2018-01-01|4|2018-02-01|2018-02-28|Beispiel-Buchungen|2018-03-06T10:25:00.000",
		})

	ctx := context.Background()
	for stream, want := range map[string]string{
		"dunning_notices": cursor(t, "dunning_notices.csv", dunningCSV),
		"milestones":      cursor(t, "milestones.csv", milestonesCSV),
		"rate_cards":      cursor(t, "rate_cards.csv", rateCardsCSV),
		"change_requests": cursor(t, "change_requests.csv", changeRequestsCSV),
		"time_entries":    cursor(t, "time_entries.csv", timeEntriesCSV),
		"fx_rates":        cursor(t, "fx_rates.csv", fxRatesCSV),
	} {
		cur, err := l.Cursor(ctx, files.Source, stream)
		if err != nil || cur != want {
			t.Errorf("%s: cursor %q, %v; want %s", stream, cur, err, want)
		}
	}

	buildStaging(t, wh)
	equal(t, "staging.files_time_entries", query(t, wh, "staging.files_time_entries ORDER BY entry_id",
		"entry_id", "work_date", "person", "project_code", "task", "hours", "billable", "notes", "rate", "currency", "file", "file_row"),
		[]string{
			"T-1|2026-03-02|Anna Schmidt|TM-001|Development|7.5000|true|Schnittstelle|120.0000|EUR|time_entries.csv|1",
			"T-2|2026-03-03|Ben Ode|TM-002|NULL|0.2500|false|NULL|NULL|NULL|time_entries.csv|2",
		})
	equal(t, "staging.files_fx_rates", query(t, wh, "staging.files_fx_rates ORDER BY currency",
		"rate_date", "base_currency", "currency", "rate"),
		[]string{
			"2026-03-31|EUR|CHF|0.952345",
			"2026-03-31|EUR|GBP|0.834500",
			"2026-03-31|EUR|USD|1.082300",
		})
	equal(t, "staging.files_datev_postings", query(t, wh, "staging.files_datev_postings ORDER BY file_row",
		"posting_id", "document_date", "account", "contra_account", "debit_credit", "amount", "account_amount", "currency", "tax_key", "document_number"),
		[]string{
			"EXTF_Buchungsstapel.csv:1|2018-02-21|1200|4940|H|24.9500|-24.9500|EUR|8|NULL",
			"EXTF_Buchungsstapel.csv:2|2018-02-22|10000|8400|S|5950.0000|5950.0000|EUR|NULL|RE201802-135",
		})
	equal(t, "staging.files_dunning_notices", query(t, wh, "staging.files_dunning_notices ORDER BY notice_id",
		"notice_id", "invoice_number", "level", "notice_date", "fee", "currency", "file", "file_row"),
		[]string{
			"D-1|INV-2026-0001|1|2026-02-15|0.0000|EUR|dunning_notices.csv|1",
			"D-2|INV-2026-0001|2|2026-03-01|5.0000|EUR|dunning_notices.csv|2",
			"D-3|INV-2026-0007|3|2026-03-10|12.3456|CHF|dunning_notices.csv|3",
		})
	equal(t, "staging.files_imports", query(t, wh, "staging.files_imports ORDER BY stream, file",
		"stream", "file", "run_id", "rows", "status"),
		[]string{
			"change_requests|change_requests.csv|1|2|current",
			"datev_postings|EXTF_Buchungsstapel.csv|1|2|current",
			"dunning_notices|dunning_notices.csv|1|3|current",
			"fx_rates|fx_rates.csv|1|3|current",
			"milestones|milestones.csv|1|2|current",
			"rate_cards|rate_cards.csv|1|3|current",
			"time_entries|time_entries.csv|1|2|current",
		})
}

// The same file twice is a no-op; a changed file is a new version, and
// the current view holds only the new one.
func TestSameFileTwiceIsANoOpAndAChangedFileANewVersion(t *testing.T) {
	t.Parallel()
	dir := importsDir(t)
	c := newConnector(t, dir)
	wh, l := openWarehouse(t)
	mustLoad(t, l, c)
	mustLoad(t, l, c)
	changed := strings.Replace(dunningCSV, "D-2,INV-2026-0001,2,2026-03-01,5.00,EUR", "D-2,INV-2026-0001,2,2026-03-01,7.50,EUR", 1)
	writeFile(t, dir, "dunning_notices.csv", changed)
	mustLoad(t, l, c)

	equal(t, "dunning_notices versions", selectRows(t, wh, "files_dunning_notices",
		"_run_id", "id", "fee", "file_sha256 = '"+sha(dunningCSV)+"'"),
		[]string{
			"1|D-1|0.0000|true", "1|D-2|5.0000|true", "1|D-3|12.3456|true",
			"3|D-1|0.0000|false", "3|D-2|7.5000|false", "3|D-3|12.3456|false",
		})
	equal(t, "rate_cards runs", selectRows(t, wh, "files_rate_cards", "_run_id", "id"),
		[]string{"1|R-1", "1|R-2", "1|R-3"})
	equal(t, "rows per run", query(t, wh, "ops.run_streams WHERE stream IN ('dunning_notices', 'rate_cards') ORDER BY run_id, stream",
		"run_id", "stream", "status", "rows", "pages"),
		[]string{
			"1|dunning_notices|succeeded|3|1", "1|rate_cards|succeeded|3|1",
			"2|dunning_notices|succeeded|0|0", "2|rate_cards|succeeded|0|0",
			"3|dunning_notices|succeeded|3|1", "3|rate_cards|succeeded|0|0",
		})
	cur, err := l.Cursor(context.Background(), files.Source, "dunning_notices")
	if err != nil || cur != cursor(t, "dunning_notices.csv", changed) {
		t.Fatalf("cursor %q, %v; want the new version's", cur, err)
	}

	buildStaging(t, wh)
	equal(t, "current dunning notices", query(t, wh, "staging.files_dunning_notices ORDER BY notice_id", "notice_id", "fee"),
		[]string{"D-1|0.0000", "D-2|7.5000", "D-3|12.3456"})
	equal(t, "dunning versions", query(t, wh, "staging.files_imports WHERE stream = 'dunning_notices' ORDER BY run_id",
		"file", "file_sha256 = '"+sha(changed)+"'", "run_id", "rows", "status"),
		[]string{"dunning_notices.csv|false|1|3|superseded", "dunning_notices.csv|true|3|3|current"})
}

// Monthly exports of another time tool, matched by a pattern and mapped
// column by column: each file has its own version; a file that leaves the
// folder keeps its rows; a refused file keeps its previous version and
// fails the stream after the others loaded.
func TestSeveralFilesPerStream(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	imp := files.Import{
		File: "zeiten_*.csv", Stream: "time_entries", Decimal: ",", DateFormat: "DD.MM.YYYY",
		Columns: map[string]string{
			"id": "Nr", "date": "Datum", "person": "Mitarbeiter", "project_code": "Projekt",
			"task": "Tätigkeit", "hours": "Stunden", "notes": "Bemerkung",
		},
	}
	const header = "Nr;Datum;Mitarbeiter;Projekt;Tätigkeit;Stunden;Bemerkung\n"
	jan := header + "Z-1;05.01.2026;Anna;TM-001;Analyse;7,5;\nZ-2;06.01.2026;Ben;TM-001;Analyse;1.001,25;Jahresabschluss\n"
	feb := header + "Z-3;02.02.2026;Anna;TM-002;Test;3;\n"
	writeFileAt(t, dir, "zeiten_2026-01.csv", jan, modTime)
	writeFileAt(t, dir, "zeiten_2026-02.csv", feb, modTime)
	c := newConnector(t, dir, imp)
	wh, l := openWarehouse(t)
	mustLoad(t, l, c)

	// Run 2: February is corrected and re-exported with an overlap into
	// January (Z-2 changed there); March arrives.
	feb2 := header + "Z-2;06.01.2026;Ben;TM-001;Analyse;2;korrigiert\nZ-3;02.02.2026;Anna;TM-002;Test;3,5;\n"
	mar := header + "Z-4;02.03.2026;Anna;TM-002;Test;4;\n"
	writeFileAt(t, dir, "zeiten_2026-02.csv", feb2, modTime.Add(time.Hour))
	writeFileAt(t, dir, "zeiten_2026-03.csv", mar, modTime)
	mustLoad(t, l, c)

	// Run 3: January is moved away; April is broken.
	if err := os.Remove(filepath.Join(dir, "zeiten_2026-01.csv")); err != nil {
		t.Fatal(err)
	}
	apr := header + "Z-5;01.04.2026;Anna;TM-002;Test;2,5;\nZ-6;31.04.2026;Anna;TM-002;Test;2;\n"
	writeFileAt(t, dir, "zeiten_2026-04.csv", apr, modTime)
	_, err := loadRun(t, l, c)
	want := `files: zeiten_2026-04.csv line 3: column Datum (date): "31.04.2026" is not a date; want DD.MM.YYYY, e.g. 31.03.2026`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}

	equal(t, "raw rows", selectRows(t, wh, "files_time_entries", "_run_id", "file", "row", "id", "date", "hours", "notes"),
		[]string{
			"1|zeiten_2026-01.csv|1|Z-1|2026-01-05|7.5000|NULL",
			"1|zeiten_2026-01.csv|2|Z-2|2026-01-06|1001.2500|Jahresabschluss",
			"1|zeiten_2026-02.csv|1|Z-3|2026-02-02|3.0000|NULL",
			"2|zeiten_2026-02.csv|1|Z-2|2026-01-06|2.0000|korrigiert",
			"2|zeiten_2026-02.csv|2|Z-3|2026-02-02|3.5000|NULL",
			"2|zeiten_2026-03.csv|1|Z-4|2026-03-02|4.0000|NULL",
		})
	cur, err := l.Cursor(context.Background(), files.Source, "time_entries")
	if wantCur := cursor(t, "zeiten_2026-01.csv", jan, "zeiten_2026-02.csv", feb2, "zeiten_2026-03.csv", mar); err != nil || cur != wantCur {
		t.Fatalf("cursor %s, %v\nwant %s", cur, err, wantCur)
	}
	equal(t, "ledger", query(t, wh, "ops.run_streams WHERE stream = 'time_entries' ORDER BY run_id", "run_id", "status", "rows", "pages", "error"),
		[]string{"1|succeeded|3|2|NULL", "2|succeeded|3|2|NULL", "3|failed|0|1|" + want})
	equal(t, "quarantine", query(t, wh, "ops.rejects ORDER BY rule", "run_id", "stream", "record_id", "rule", "field"),
		[]string{"3|time_entries|zeiten_2026-04.csv|file_refused|NULL", "3|time_entries|Z-6|unparsable_date|Datum"})

	buildStaging(t, wh)
	// Z-2 is in January's and February's export: February's file is newer.
	equal(t, "current time entries", query(t, wh, "staging.files_time_entries ORDER BY entry_id",
		"entry_id", "work_date", "person", "task", "hours", "notes", "file"),
		[]string{
			"Z-1|2026-01-05|Anna|Analyse|7.5000|NULL|zeiten_2026-01.csv",
			"Z-2|2026-01-06|Ben|Analyse|2.0000|korrigiert|zeiten_2026-02.csv",
			"Z-3|2026-02-02|Anna|Test|3.5000|NULL|zeiten_2026-02.csv",
			"Z-4|2026-03-02|Anna|Test|4.0000|NULL|zeiten_2026-03.csv",
		})
	equal(t, "imported files", query(t, wh, "staging.files_imports WHERE stream = 'time_entries' ORDER BY file, run_id",
		"file", "run_id", "rows", "status"),
		[]string{
			"zeiten_2026-01.csv|1|2|current",
			"zeiten_2026-02.csv|1|1|superseded",
			"zeiten_2026-02.csv|2|2|current",
			"zeiten_2026-03.csv|2|1|current",
			"zeiten_2026-04.csv|3|0|refused",
		})

	// Run 4: April fixed. It loads; nothing else is read again.
	apr2 := strings.Replace(apr, "31.04.2026", "30.04.2026", 1)
	writeFileAt(t, dir, "zeiten_2026-04.csv", apr2, modTime)
	run := mustLoad(t, l, c)
	equal(t, "run 4", query(t, wh, "raw.files_time_entries WHERE _run_id = 4 ORDER BY row", "file", "id", "date"),
		[]string{"zeiten_2026-04.csv|Z-5|2026-04-01", "zeiten_2026-04.csv|Z-6|2026-04-30"})
	if run != 4 {
		t.Fatalf("run %d", run)
	}
}

// With bad_rows: quarantine, the good rows of a file load and the bad ones
// wait in the quarantine; once fixed in the file, they load with its next
// version.
func TestQuarantinedRowsLoadOnceFixed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	imp := files.Import{File: "kurse.csv", Stream: "fx_rates", BadRows: files.BadRowsQuarantine}
	bad := "date,currency,rate\n2026-03-31,USD,1.0823\n2026-03-31,JPY,163.4567891\n2026-03-31,USD,1.09\n2026-03-31,CHF,0.95\n"
	writeFile(t, dir, "kurse.csv", bad)
	c := newConnector(t, dir, imp)
	wh, l := openWarehouse(t)
	mustLoad(t, l, c)
	const fix = "; fix the row in the file: the next run loads the file's new version with it"
	equal(t, "quarantine", query(t, wh, "ops.rejects ORDER BY message", "run_id", "record_id", "rule", "field", "message", "payload"),
		[]string{
			`1|2026-03-31/USD|duplicate_id|NULL|files: kurse.csv line 2: 2026-03-31/USD is on line 4 too; want each date and currency once` + fix + `|{"date":"2026-03-31","currency":"USD","rate":"1.0823"}`,
			`1|NULL|too_many_decimals|rate|files: kurse.csv line 3: column rate: "163.4567891" has more than 6 decimal places; want at most 6, taken exactly (takt does not round)` + fix + `|{"date":"2026-03-31","currency":"JPY","rate":"163.4567891"}`,
			`1|2026-03-31/USD|duplicate_id|NULL|files: kurse.csv line 4: 2026-03-31/USD is on line 2 too; want each date and currency once` + fix + `|{"date":"2026-03-31","currency":"USD","rate":"1.09"}`,
		})
	buildStaging(t, wh)
	equal(t, "rates", query(t, wh, "staging.files_fx_rates ORDER BY currency", "base_currency", "currency", "rate", "file_row"),
		[]string{"EUR|CHF|0.950000|4"})

	writeFile(t, dir, "kurse.csv", "date,currency,rate\n2026-03-31,USD,1.0823\n2026-03-31,JPY,163.456789\n2026-03-31,CHF,0.95\n")
	mustLoad(t, l, c)
	buildStaging(t, wh)
	equal(t, "rates after the fix", query(t, wh, "staging.files_fx_rates ORDER BY currency", "base_currency", "currency", "rate", "file_row"),
		[]string{"EUR|CHF|0.950000|3", "EUR|JPY|163.456789|2", "EUR|USD|1.082300|1"})
	if n := len(query(t, wh, "ops.rejects", "run_id")); n != 3 {
		t.Fatalf("%d quarantine entries, want the 3 of run 1 only", n)
	}
}

// A warehouse whose cursors are the SHA-256 of a stream's one file (as
// takt wrote them before streams read several files) keeps its current
// view, and the next run rewrites the cursor without loading anything.
func TestCursorOfOneFileKeepsTheCurrentView(t *testing.T) {
	t.Parallel()
	dir := importsDir(t)
	c := newConnector(t, dir)
	wh, l := openWarehouse(t)
	mustLoad(t, l, c)
	if _, err := wh.DB.ExecContext(context.Background(),
		"UPDATE ops.stream_cursors SET cursor = ? WHERE source = 'files' AND stream = 'rate_cards'", sha(rateCardsCSV)); err != nil {
		t.Fatal(err)
	}
	buildStaging(t, wh)
	equal(t, "rate card", query(t, wh, "staging.files_rate_cards ORDER BY rate_id", "rate_id", "hourly_rate"),
		[]string{"R-1|120.0000", "R-2|125.5000", "R-3|-0.0001"})
	mustLoad(t, l, c)
	equal(t, "rows", selectRows(t, wh, "files_rate_cards", "_run_id", "id"), []string{"1|R-1", "1|R-2", "1|R-3"})
	cur, err := l.Cursor(context.Background(), files.Source, "rate_cards")
	if err != nil || cur != cursor(t, "rate_cards.csv", rateCardsCSV) {
		t.Fatalf("cursor %q, %v", cur, err)
	}
}
