//go:build duckdb_arrow

package harvest_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/extract/harvest"
	"github.com/takt-billing/takt/extract/harvest/harvesttest"
	"github.com/takt-billing/takt/internal/warehouse"
	"github.com/takt-billing/takt/load"
)

// TestExtractLoadRoundTrip extracts every stream from the emulator into a
// real warehouse through load/ and reads the typed columns back: the whole
// path from Harvest's JSON to DuckDB, to the cent.
func TestExtractLoadRoundTrip(t *testing.T) {
	ctx := context.Background()
	data := fixtures(t)
	// None of the recorded entries was imported from another tool; give
	// one an external reference as Harvest's docs describe it.
	data = edit(t, data, "time_entries", "636709355", "external_reference",
		`{"id":"PR-42","group_id":"1138","account_id":"867","permalink":"https://github.com/acme/shop/pull/42","service":"github.com","service_icon_url":"https://proxy.harvestfiles.com/production_harvestapp_public/uploads/platform_icons/github.com.png"}`)
	c := newConnector(t, serve(t, data, harvesttest.Options{}).URL, 0, nil)

	wh, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "takt.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	l := load.New(wh, nil)
	if err := l.Register(ctx, c.Name(), c.Streams()); err != nil {
		t.Fatal(err)
	}
	run, err := l.StartRun(ctx, "cli")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range c.Streams() {
		if err := l.StartStream(ctx, run, c.Name(), s.Name); err != nil {
			t.Fatal(err)
		}
		err := c.Extract(ctx, s.Name, "", func(ctx context.Context, b extract.Batch) error {
			_, err := l.Append(ctx, run, c.Name(), s.Name, b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := l.FinishStream(ctx, run, c.Name(), s.Name, nil); err != nil {
			t.Fatal(err)
		}
	}

	for name, want := range fixtureRows {
		var n int
		if err := wh.DB.QueryRowContext(ctx, "SELECT count(*) FROM raw.harvest_"+name).Scan(&n); err != nil || n != want {
			t.Errorf("raw.harvest_%s: %d rows (%v), want %d", name, n, err, want)
		}
	}
	cursors := map[string]string{
		"time_entries": "2017-06-27T16:47:14.000000Z",
		"invoices":     "2017-08-23T22:25:59.000000Z",
		"users":        "2020-05-01T22:34:52.000000Z",
	}
	for name, want := range cursors {
		if got, err := l.Cursor(ctx, harvest.Source, name); err != nil || got != want {
			t.Errorf("cursor of %s = %q (%v), want %q", name, got, err, want)
		}
	}

	// Each query returns one row of text; NULL reads as "NULL".
	cases := []struct {
		name, query, want string
	}{
		{"time entry with hours 2.11", `SELECT concat_ws('|', hours, rounded_hours, spent_date, user_id, client_id, project_id, task_id,
			billable_rate, cost_rate, is_locked, is_closed, is_billed, billable, locked_reason, notes,
			coalesce(invoice_id, 'NULL'), coalesce(invoice_number, 'NULL'), external_reference_id, external_service,
			strftime(created_at, '%Y-%m-%dT%H:%M:%S'), strftime(updated_at, '%Y-%m-%dT%H:%M:%S'))
			FROM raw.harvest_time_entries WHERE id = '636709355'`,
			"2.1100|2.2500|2017-03-02|1782959|5735774|14307913|8083365|100.0000|50.0000|true|true|false|true|Item Approved and Locked for this Time Period|Adding CSS styling|NULL|NULL|PR-42|github.com|2017-06-27T15:50:15|2017-06-27T16:47:14"},
		{"billed time entry", `SELECT concat_ws('|', hours, invoice_id, invoice_number, is_billed, coalesce(external_reference_id, 'NULL'), coalesce(external_service, 'NULL'))
			FROM raw.harvest_time_entries WHERE id = '636708723'`,
			"1.3500|13150403|1001|true|NULL|NULL"},
		{"non-billable entry without a rate", `SELECT concat_ws('|', hours, coalesce(billable_rate::VARCHAR, 'NULL'), cost_rate, billable)
			FROM raw.harvest_time_entries WHERE id = '636708574'`,
			"1.0000|NULL|50.0000|false"},
		{"open invoice", `SELECT concat_ws('|', client_id, number, state, issue_date, due_date, strftime(sent_at, '%Y-%m-%dT%H:%M:%S'),
			coalesce(paid_at::VARCHAR, 'NULL'), currency, amount, due_amount, tax, tax_amount, subject, period_start, period_end, len(line_items))
			FROM raw.harvest_invoices WHERE id = '13150403'`,
			"5735776|1001|open|2017-04-01|2017-04-01|2017-08-23T22:25:59|NULL|EUR|288.9000|288.9000|5.000000|13.5000|Online Store - Phase 1|2017-03-01|2017-03-01|2"},
		{"invoice line items", `SELECT string_agg(concat_ws('|', li.id, li.kind, li.description, li.project_id, li.quantity, li.unit_price, li.amount, li.taxed), ' / ')
			FROM (SELECT unnest(line_items) AS li FROM raw.harvest_invoices WHERE id = '13150403')`,
			"53341602|Service|03/01/2017 - Project Management: [9:00am - 11:00am] Planning meetings|14308069|2.0000|100.0000|200.0000|true / " +
				"53341603|Service|03/01/2017 - Programming: [1:00pm - 2:00pm] Importing products|14308069|1.0000|100.0000|100.0000|true"},
		{"paid invoice", `SELECT concat_ws('|', amount, due_amount, tax, tax_amount, strftime(paid_at, '%Y-%m-%dT%H:%M:%S'),
			coalesce(period_start::VARCHAR, 'NULL'), line_items[1].quantity, line_items[1].amount)
			FROM raw.harvest_invoices WHERE id = '13150378'`,
			"10700.0000|0.0000|5.000000|500.0000|2017-02-21T00:00:00|NULL|100.0000|10000.0000"},
		{"invoiced expense", `SELECT concat_ws('|', spent_date, user_id, client_id, project_id, category, total_cost, units, billable, is_closed, is_billed, invoice_id, invoice_number, notes)
			FROM raw.harvest_expenses WHERE id = '15296442'`,
			"2017-03-03|1782959|5735774|14307913|Meals|33.3500|1.0000|true|false|true|13150403|1001|Lunch with client"},
		{"uninvoiced expense", `SELECT concat_ws('|', category, total_cost, coalesce(invoice_id, 'NULL'), is_closed)
			FROM raw.harvest_expenses WHERE id = '15296423'`,
			"Lodging|100.0000|NULL|true"},
		{"project", `SELECT concat_ws('|', client_id, name, code, is_active, is_billable, is_fixed_fee, bill_by, budget, budget_by,
			coalesce(fee::VARCHAR, 'NULL'), hourly_rate, starts_on, coalesce(ends_on::VARCHAR, 'NULL'), '[' || notes || ']')
			FROM raw.harvest_projects WHERE id = '14308069'`,
			"5735776|Online Store - Phase 1|OS1|true|true|false|Project|200.0000|project|NULL|100.0000|2017-06-01|NULL|[]"},
		{"project with an end", `SELECT concat_ws('|', budget, starts_on, ends_on) FROM raw.harvest_projects WHERE id = '14307913'`,
			"50.0000|2017-01-01|2017-03-31"},
		{"user", `SELECT concat_ws('|', first_name, last_name, email, is_active, default_hourly_rate, cost_rate, strftime(created_at, '%Y-%m-%dT%H:%M:%S'))
			FROM raw.harvest_users WHERE id = '1782884'`,
			"Bob|Powell|bobpowell@example.com|true|100.0000|75.0000|2020-05-01T20:41:00"},
		{"task", `SELECT concat_ws('|', name, billable_by_default, default_hourly_rate, is_active) FROM raw.harvest_tasks WHERE id = '8083800'`,
			"Business Development|false|0.0000|true"},
		{"task assignment", `SELECT concat_ws('|', project_id, task_id, billable, is_active, hourly_rate, coalesce(budget::VARCHAR, 'NULL'))
			FROM raw.harvest_task_assignments WHERE id = '160726647'`,
			"14808188|8083369|false|true|100.0000|NULL"},
		{"client", `SELECT concat_ws('|', name, is_active, currency, replace(address, chr(13) || chr(10), '\n'), strftime(created_at, '%Y-%m-%dT%H:%M:%S'))
			FROM raw.harvest_clients WHERE id = '5735776'`,
			`123 Industries|true|EUR|123 Main St.\nAnytown, LA 71223|2017-06-26T21:02:12`},
		{"raw invoice keeps its literals", `SELECT (position('"tax":5,' IN _raw) > 0) || '|' || (position('"quantity":2,' IN _raw) > 0) || '|' || (position('"amount":288.9,' IN _raw) > 0)
			FROM raw.harvest_invoices WHERE id = '13150403'`,
			"true|true|true"},
		{"ledger", `SELECT string_agg(stream || '=' || rows || '/' || pages || '/' || status, ' ' ORDER BY stream) FROM ops.run_streams`,
			"clients=2/1/succeeded expenses=2/1/succeeded invoices=2/1/succeeded projects=2/1/succeeded task_assignments=12/1/succeeded tasks=5/1/succeeded time_entries=4/1/succeeded users=3/1/succeeded"},
	}
	for _, cs := range cases {
		var got sql.NullString
		if err := wh.DB.QueryRowContext(ctx, cs.query).Scan(&got); err != nil {
			t.Errorf("%s: %v", cs.name, err)
			continue
		}
		if got.String != cs.want {
			t.Errorf("%s:\n got %s\nwant %s", cs.name, got.String, cs.want)
		}
	}
}
