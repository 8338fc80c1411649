package reconcile

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/duckdb/duckdb-go/v2"
)

// column is one column of rows handed to the database by appendRows.
type column struct {
	name string
	typ  duckdb.Type
}

// The rows of a run as the billing_insert_* queries read them. Decimals
// and dates travel as their exact text and are
// cast by the query: the Appender would take a Go number as an unscaled
// decimal and a time in another zone as the day before (DESIGN.md,
// pitfalls).
var (
	lineColumns = []column{{"run_id", duckdb.TYPE_VARCHAR}, {"invoice_id", duckdb.TYPE_VARCHAR}, {"line_id", duckdb.TYPE_VARCHAR},
		{"position", duckdb.TYPE_INTEGER}, {"kind", duckdb.TYPE_VARCHAR}, {"project_code", duckdb.TYPE_VARCHAR},
		{"project", duckdb.TYPE_VARCHAR}, {"task", duckdb.TYPE_VARCHAR}, {"description", duckdb.TYPE_VARCHAR},
		{"hours", duckdb.TYPE_VARCHAR}, {"rate", duckdb.TYPE_VARCHAR}, {"amount", duckdb.TYPE_VARCHAR},
		{"tax_rate", duckdb.TYPE_VARCHAR}, {"manually_changed", duckdb.TYPE_BOOLEAN}}
	invoiceColumns = []column{{"run_id", duckdb.TYPE_VARCHAR}, {"invoice_id", duckdb.TYPE_VARCHAR}, {"position", duckdb.TYPE_INTEGER},
		{"doc_type", duckdb.TYPE_VARCHAR}, {"customer_id", duckdb.TYPE_VARCHAR}, {"customer", duckdb.TYPE_VARCHAR},
		{"country", duckdb.TYPE_VARCHAR}, {"vat_id", duckdb.TYPE_VARCHAR}, {"xero_contact_id", duckdb.TYPE_VARCHAR},
		{"currency", duckdb.TYPE_VARCHAR}, {"vat_case", duckdb.TYPE_VARCHAR}, {"net", duckdb.TYPE_VARCHAR}, {"tax", duckdb.TYPE_VARCHAR},
		{"gross", duckdb.TYPE_VARCHAR}, {"tax_breakdown", duckdb.TYPE_VARCHAR}, {"payment_days", duckdb.TYPE_INTEGER},
		{"due_date", duckdb.TYPE_VARCHAR}, {"skonto_percent", duckdb.TYPE_VARCHAR}, {"skonto_days", duckdb.TYPE_INTEGER},
		{"skonto_date", duckdb.TYPE_VARCHAR}, {"skonto_amount", duckdb.TYPE_VARCHAR}, {"notes", duckdb.TYPE_VARCHAR},
		{"fx_rate", duckdb.TYPE_VARCHAR}, {"fx_date", duckdb.TYPE_VARCHAR}, {"fx_source", duckdb.TYPE_VARCHAR},
		{"base_currency", duckdb.TYPE_VARCHAR}, {"base_net", duckdb.TYPE_VARCHAR}, {"base_tax", duckdb.TYPE_VARCHAR},
		{"base_gross", duckdb.TYPE_VARCHAR}, {"corrects_run_id", duckdb.TYPE_VARCHAR}, {"corrects_invoice_id", duckdb.TYPE_VARCHAR},
		{"corrects_number", duckdb.TYPE_VARCHAR}, {"corrects_date", duckdb.TYPE_VARCHAR}}
	// plainColumns are the time lines whose items billing_insert_time_items
	// takes from the staged candidates.
	plainColumns = []column{{"run_id", duckdb.TYPE_VARCHAR}, {"line_id", duckdb.TYPE_VARCHAR}, {"customer_id", duckdb.TYPE_VARCHAR},
		{"currency", duckdb.TYPE_VARCHAR}, {"project_code", duckdb.TYPE_VARCHAR}, {"task", duckdb.TYPE_VARCHAR},
		{"rate", duckdb.TYPE_VARCHAR}}
	ledgerColumns = []column{{"item_key", duckdb.TYPE_VARCHAR}, {"run_id", duckdb.TYPE_VARCHAR}, {"invoice_id", duckdb.TYPE_VARCHAR},
		{"doc_type", duckdb.TYPE_VARCHAR}, {"invoice_number", duckdb.TYPE_VARCHAR}, {"quantity", duckdb.TYPE_VARCHAR},
		{"amount", duckdb.TYPE_VARCHAR}, {"rate", duckdb.TYPE_VARCHAR}, {"currency", duckdb.TYPE_VARCHAR},
		{"effective_date", duckdb.TYPE_VARCHAR}, {"recorded_at", duckdb.TYPE_TIMESTAMP_TZ}, {"credits_run_id", duckdb.TYPE_VARCHAR},
		{"credits_invoice_id", duckdb.TYPE_VARCHAR}}
	releaseColumns = []column{{"item_key", duckdb.TYPE_VARCHAR}, {"credits_run_id", duckdb.TYPE_VARCHAR},
		{"credits_invoice_id", duckdb.TYPE_VARCHAR}, {"run_id", duckdb.TYPE_VARCHAR}, {"invoice_id", duckdb.TYPE_VARCHAR}}
	claimColumns = []column{{"item_key", duckdb.TYPE_VARCHAR}, {"run_id", duckdb.TYPE_VARCHAR}}
	itemColumns  = []column{{"run_id", duckdb.TYPE_VARCHAR}, {"line_id", duckdb.TYPE_VARCHAR}, {"item_key", duckdb.TYPE_VARCHAR},
		{"quantity", duckdb.TYPE_VARCHAR}, {"amount", duckdb.TYPE_VARCHAR}}
)

// appendRows runs query, an INSERT reading the table appended_data, over
// rows handed to DuckDB through its Appender on conn: a run of a large
// firm has tens of thousands of lines and hundreds of thousands of items,
// which the Appender passes in a fraction of the time a JSON text takes
// to build and unpack. The query runs in conn's open transaction.
func appendRows(ctx context.Context, conn *sql.Conn, query string, cols []column, rows [][]driver.Value) error {
	if len(rows) == 0 {
		return nil
	}
	types := make([]duckdb.TypeInfo, len(cols))
	names := make([]string, len(cols))
	for i, c := range cols {
		t, err := duckdb.NewTypeInfo(c.typ)
		if err != nil {
			return err
		}
		types[i], names[i] = t, c.name
	}
	return conn.Raw(func(dc any) error {
		dconn, ok := dc.(driver.Conn)
		if !ok {
			return errors.New("not a DuckDB connection")
		}
		a, err := duckdb.NewQueryAppender(dconn, query, "appended_data", types, names)
		if err != nil {
			return err
		}
		for i, r := range rows {
			if err := a.AppendRow(r...); err != nil {
				_ = a.Close()
				return fmt.Errorf("row %d: %w", i+1, err)
			}
		}
		return a.CloseWithCancel(ctx)
	})
}
