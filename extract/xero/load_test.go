//go:build duckdb_arrow

package xero_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/extract/xero"
	"github.com/takt-billing/takt/extract/xero/xerotest"
	"github.com/takt-billing/takt/internal/warehouse"
	"github.com/takt-billing/takt/load"
)

// TestValuesThroughLoad extracts every stream from the emulator serving the
// fixtures, loads the batches into a DuckDB file with load/, and reads the
// typed columns of specific records back.
func TestValuesThroughLoad(t *testing.T) {
	ctx := context.Background()
	s := startServer(t, fixtures(t), xerotest.Options{})
	cfg := config(s.URL)
	cfg.PageSize = 25
	c := newConnector(t, cfg)

	wh, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "takt.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	l := load.New(wh, nil)
	if err := l.Register(ctx, c.Name(), c.Streams()); err != nil {
		t.Fatal(err)
	}
	runID, err := l.StartRun(ctx, "cli")
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range c.Streams() {
		if err := l.StartStream(ctx, runID, c.Name(), st.Name); err != nil {
			t.Fatal(err)
		}
		err := c.Extract(ctx, st.Name, "", func(ctx context.Context, b extract.Batch) error {
			_, err := l.Append(ctx, runID, c.Name(), st.Name, b)
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", st.Name, err)
		}
	}

	for stream, want := range map[string]struct {
		rows   int
		cursor string
	}{
		"contacts":     {2, "2017-08-21T20:49:06.760000Z"},
		"invoices":     {80, "2026-04-24T12:04:04.663000Z"},
		"credit_notes": {16, "2026-04-24T12:34:51.963000Z"},
		"payments":     {57, "2026-04-24T12:04:04.667000Z"},
	} {
		var n int
		if err := wh.DB.QueryRowContext(ctx, "SELECT count(*) FROM raw.xero_"+stream).Scan(&n); err != nil {
			t.Fatal(err)
		}
		cur, err := l.Cursor(ctx, xero.Source, stream)
		if err != nil {
			t.Fatal(err)
		}
		if n != want.rows || cur != want.cursor {
			t.Errorf("%s: %d rows, cursor %q; want %d, %q", stream, n, cur, want.rows, want.cursor)
		}
	}

	// row runs a query returning one row and renders it as "a|b|NULL".
	row := func(query string, args ...any) string {
		t.Helper()
		rows, err := wh.DB.QueryContext(ctx, query, args...)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		if !rows.Next() {
			t.Fatalf("%s %v: no row", query, args)
		}
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out := make([]string, len(vals))
		for i, v := range vals {
			out[i] = "NULL"
			if v.Valid {
				out[i] = v.String
			}
		}
		return strings.Join(out, "|")
	}
	check := func(name, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
	const ts = `strftime(updated_at, '%Y-%m-%dT%H:%M:%S.%g')`

	// A recorded invoice with a tracked line item and a credit note
	// applied; numbers were re-serialised as 500 and 41.25.
	check("invoice INV-0010", row(`SELECT `+ts+`, type, invoice_number, reference, contact_id, contact_name, status,
		date::VARCHAR, due_date::VARCHAR, currency, currency_rate::VARCHAR, line_amount_types, sub_total::VARCHAR,
		total_tax::VARCHAR, total::VARCHAR, amount_due::VARCHAR, amount_paid::VARCHAR, amount_credited::VARCHAR,
		fully_paid_on::VARCHAR, len(line_items)
		FROM raw.xero_invoices WHERE id = ?`, "4c4db294-3633-45cd-8706-f0b3b0079609"),
		"2008-12-20T17:38:32.660|ACCREC|INV-0010|Training|37918a06-92f6-4edb-bfe0-1fc041c90f8b|Boom FM|PAID|"+
			"2026-02-25|2026-03-10|USD|NULL|Exclusive|500.0000|41.2500|541.2500|0.0000|0.0000|541.2500|2026-03-08|1")
	check("invoice INV-0010 line 1", row(`SELECT l.line_item_id, l.description, l.quantity::VARCHAR, l.unit_amount::VARCHAR,
		l.line_amount::VARCHAR, l.tax_amount::VARCHAR, l.tax_type, l.account_code, l.item_code, l.tracking_option
		FROM (SELECT line_items[1] AS l FROM raw.xero_invoices WHERE id = ?)`, "4c4db294-3633-45cd-8706-f0b3b0079609"),
		"dcf9fbd4-1890-4451-b44b-469b997cc7d9|Half day training - Microsoft Office|1.0000|500.0000|500.0000|41.2500|OUTPUT|200|Train-MS|Eastside")
	// A bill whose line has no item code and no tracking.
	check("bill AP line 1", row(`SELECT type, l.quantity::VARCHAR, l.unit_amount::VARCHAR, l.tax_amount::VARCHAR,
		l.item_code, l.tracking_option FROM (SELECT type, line_items[1] AS l FROM raw.xero_invoices WHERE id = ?)`,
		"8a3fdcc9-83eb-4fdd-83e0-52ec1b40b072"),
		"ACCPAY|1.0000|29.0000|2.3900|NULL|NULL")
	// The spec's example: fixed decimals, a /Date()/ and its *String
	// twins, no line items (LineItems: []), UpdatedDateUTC with ms.
	check("invoice INV-0002 (spec)", row(`SELECT `+ts+`, currency_rate::VARCHAR, sub_total::VARCHAR, total_tax::VARCHAR,
		total::VARCHAR, date::VARCHAR, due_date::VARCHAR, fully_paid_on::VARCHAR, len(line_items), line_items IS NULL
		FROM raw.xero_invoices WHERE id = ?`, "046d8a6d-1ae1-4b4d-9340-5601bdf41b87"),
		"2018-11-02T16:36:32.690|1.000000|40.0000|6.0000|46.0000|2018-10-20|2018-12-30|2018-11-29|0|false")
	check("invoice without DueDate", row(`SELECT invoice_number, due_date FROM raw.xero_invoices WHERE id = ?`,
		"64ec9988-2e5f-41a6-ba5b-811dc420a67c"), "INV-0031|NULL")

	check("credit note CN-0014", row(`SELECT `+ts+`, type, credit_note_number, reference, contact_name, status, date::VARCHAR,
		currency, currency_rate::VARCHAR, sub_total::VARCHAR, total_tax::VARCHAR, total::VARCHAR, remaining_credit::VARCHAR,
		len(allocations), len(line_items) FROM raw.xero_credit_notes WHERE id = ?`, "602f5486-664e-492f-b4d1-e12df1d4b8ba"),
		"2008-12-20T17:38:32.660|ACCRECCREDIT|CN-0014|Training|Boom FM|PAID|2026-03-08|USD|NULL|500.0000|41.2500|541.2500|0.0000|1|1")
	check("credit note CN-0014 allocation", row(`SELECT a.allocation_id, a.invoice_id, a.invoice_number, a.amount::VARCHAR, a.date::VARCHAR
		FROM (SELECT allocations[1] AS a FROM raw.xero_credit_notes WHERE id = ?)`, "602f5486-664e-492f-b4d1-e12df1d4b8ba"),
		"a5be6139-7e3a-4d48-b664-50a89f0bb632|4c4db294-3633-45cd-8706-f0b3b0079609|INV-0010|541.2500|2026-03-08")
	check("credit note CN-0014 line", row(`SELECT l.description, l.quantity::VARCHAR, l.line_amount::VARCHAR, l.tracking_option
		FROM (SELECT line_items[1] AS l FROM raw.xero_credit_notes WHERE id = ?)`, "602f5486-664e-492f-b4d1-e12df1d4b8ba"),
		"CREDIT Half day training - Microsoft Office and include in suite of training INV-0013|1.0000|500.0000|Eastside")
	check("credit note CN-0005 (spec)", row(`SELECT `+ts+`, type, reference, currency_rate::VARCHAR, total_tax::VARCHAR,
		remaining_credit::VARCHAR, date::VARCHAR, len(allocations) FROM raw.xero_credit_notes WHERE id = ?`,
		"249f15fa-f2a7-4acc-8769-0984103f2225"),
		"2019-03-05T18:59:06.157|ACCRECCREDIT|US Tour|1.000000|4.5000|32.5000|2019-03-05|0")
	check("credit note without number", row(`SELECT credit_note_number, currency_rate::VARCHAR FROM raw.xero_credit_notes WHERE id = ?`,
		"de4bb43d-630b-4fef-829d-ae12844fff6c"), "NULL|1.000000")

	const paymentCols = `SELECT ` + ts + `, date::VARCHAR, amount::VARCHAR, currency_rate::VARCHAR, payment_type, status, reference,
		is_reconciled, invoice_id, invoice_number, credit_note_id, credit_note_number FROM raw.xero_payments WHERE id = ?`
	// BatchPayment.TotalAmount "50.00" is a string in this one.
	check("payment on INV-0002 (spec)", row(paymentCols, "99ea7f6b-c513-4066-bc27-b7c65dcd76c2"),
		"2018-11-02T16:36:32.690|2018-11-29|46.0000|1.000000|ACCRECPAYMENT|AUTHORISED||false|046d8a6d-1ae1-4b4d-9340-5601bdf41b87|INV-0002|NULL|NULL")
	// The spec lists the refund of CN-0005 under "Invoice" with Type
	// ACCRECCREDIT: it is the credit note's.
	check("refund of CN-0005 (spec)", row(paymentCols, "6b037c9b-2e5d-4905-84d3-eabfb3438242"),
		"2019-03-05T18:59:06.173|2019-03-14|2.0000|1.000000|ARCREDITPAYMENT|AUTHORISED|Too much|false|NULL|NULL|249f15fa-f2a7-4acc-8769-0984103f2225|CN-0005")
	check("recorded batch payment", row(paymentCols, "655ad293-0b35-4c2c-9a97-0ee979dd365f"),
		"2008-12-20T20:06:27.127|2026-02-26|541.2500|0.000000|ACCRECPAYMENT|AUTHORISED||true|cb5119d0-9759-49d3-800b-7d0a90818178|INV-0001|NULL|NULL")
	check("payment without Reference", row(`SELECT reference FROM raw.xero_payments WHERE id = ?`, "9dbd9caf-d421-45b2-b01a-01d8f5517af3"), "NULL")

	const contactCols = `SELECT ` + ts + `, name, contact_number, account_number, tax_number, status, is_customer,
		default_currency, country, email FROM raw.xero_contacts WHERE id = ?`
	check("contact Katherine Warren", row(contactCols, "5cc8cf28-567e-4d43-b287-687cfcaec47c"),
		"2017-08-21T20:49:04.227|Katherine Warren|NULL|NULL||ACTIVE|true|NULL|United States|kat.warren@clampett.com")
	check("contact Lisa Parker", row(contactCols, "3ec601ad-eddc-4ccb-a8ac-736e88293b1b"),
		"2017-08-21T20:49:06.760|Lisa Parker|NULL|NULL||ACTIVE|false|NULL|United States|lparker@parkerandco.com")

	// _raw is the object as Xero sent it, compacted: literals unchanged.
	for _, tc := range []struct{ table, id, fragment string }{
		{"invoices", "4c4db294-3633-45cd-8706-f0b3b0079609", `"LineItems":[{"ItemCode":"Train-MS","Description":"Half day training - Microsoft Office","UnitAmount":500,`},
		{"invoices", "d4956132-ed94-4dd7-9eaa-aa22dfdf06f2", `"AmountDue":0.00,"AmountPaid":0.00,"AmountCredited":0.00,"SentToContact":true,"CurrencyRate":1.000000,`},
		{"payments", "99ea7f6b-c513-4066-bc27-b7c65dcd76c2", `"TotalAmount":"50.00","UpdatedDateUTC":"/Date(1541176592690+0000)/","IsReconciled":"false"}`},
	} {
		raw := row(`SELECT _raw FROM raw.xero_`+tc.table+` WHERE id = ?`, tc.id)
		if !strings.Contains(raw, tc.fragment) || strings.Contains(raw, "\n") {
			t.Errorf("%s %s: _raw lacks %s:\n%s", tc.table, tc.id, tc.fragment, raw)
		}
	}
}
