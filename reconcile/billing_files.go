package reconcile

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// fileColumns are the columns of a run exported as CSV or XLSX: one row per
// line (write-off proposals included, marked by their kind), the invoice's
// fields repeated on each.
var fileColumns = []string{"run_id", "invoice_number", "doc_type", "invoice_date", "due_date", "customer_id", "customer", "country",
	"vat_id", "currency", "vat_case", "line_no", "kind", "project_code", "description", "hours", "rate", "amount", "tax_rate",
	"invoice_net", "invoice_tax", "invoice_gross", "skonto_percent", "skonto_date", "skonto_amount", "fx_rate", "fx_date",
	"base_currency", "base_gross", "corrects_number", "corrects_date", "notes", "source_ids"}

// numericColumns are written as numbers (XLSX) and never escaped.
var numericColumns = map[string]bool{"line_no": true, "hours": true, "rate": true, "amount": true, "tax_rate": true, "invoice_net": true,
	"invoice_tax": true, "invoice_gross": true, "skonto_percent": true, "skonto_amount": true, "fx_rate": true, "base_gross": true}

// fileRows returns the run as rows of strings, numbers with fixed
// decimals.
func fileRows(r *Run) [][]string {
	var rows [][]string
	for _, inv := range r.Invoices {
		for _, l := range append(append([]Line{}, inv.Lines...), inv.WriteOffs...) {
			row := map[string]string{
				"run_id": r.ID, "invoice_number": inv.Number, "doc_type": inv.DocType, "invoice_date": r.InvoiceDate.Format(time.DateOnly),
				"due_date": inv.DueDate.Format(time.DateOnly), "customer_id": inv.CustomerID, "customer": inv.Customer, "country": inv.Country,
				"vat_id": inv.VATID, "currency": inv.Currency, "vat_case": inv.VATCase, "line_no": fmt.Sprint(l.Position), "kind": l.Kind,
				"project_code": l.ProjectCode, "description": l.Description, "amount": l.Amount.StringFixed(2), "tax_rate": l.TaxRate.StringFixed(2),
				"invoice_net": inv.Net.StringFixed(2), "invoice_tax": inv.Tax.StringFixed(2), "invoice_gross": inv.Gross.StringFixed(2),
				"base_currency": inv.BaseCurrency, "notes": strings.Join(inv.Notes, "\n"), "source_ids": strings.Join(l.SourceIDs(), " "),
			}
			if l.Hours.Valid {
				row["hours"] = l.Hours.Decimal.StringFixed(2)
			}
			if l.Rate.Valid {
				row["rate"] = l.Rate.Decimal.StringFixed(2)
			}
			if inv.Skonto != nil {
				row["skonto_percent"], row["skonto_date"], row["skonto_amount"] = inv.Skonto.Percent.StringFixed(2), inv.Skonto.Date.Format(time.DateOnly), inv.Skonto.Amount.StringFixed(2)
			}
			if inv.FX != nil {
				row["fx_rate"], row["fx_date"] = inv.FX.Rate.StringFixed(6), inv.FX.Date.Format(time.DateOnly)
			}
			if inv.FX != nil || inv.Currency == inv.BaseCurrency {
				row["base_gross"] = inv.BaseGross.StringFixed(2)
			}
			if inv.Corrects != nil {
				row["corrects_number"], row["corrects_date"] = inv.Corrects.Number, inv.Corrects.Date.Format(time.DateOnly)
			}
			out := make([]string, len(fileColumns))
			for i, c := range fileColumns {
				out[i] = row[c]
			}
			rows = append(rows, out)
		}
	}
	return rows
}

// safeText keeps a spreadsheet from reading text as a formula: a text cell
// starting with = + - @, a tab, a carriage return or NUL gets a leading
// apostrophe (OWASP CSV injection; ASVS 1.2.10).
func safeText(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', 0:
		return "'" + s
	}
	return s
}

// RunCSV renders a run as CSV (RFC 4180, comma separated, a header row).
func RunCSV(r *Run) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.Write(fileColumns); err != nil {
		return nil, err
	}
	for _, row := range fileRows(r) {
		for i, c := range fileColumns {
			if !numericColumns[c] {
				row[i] = safeText(row[i])
			}
		}
		if err := w.Write(row); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// RunXLSX renders a run as one sheet "Invoices": numbers as numeric cells
// written exactly from their decimal text, text as text.
func RunXLSX(r *Run) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Invoices"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	header := make([]any, len(fileColumns))
	for i, c := range fileColumns {
		header[i] = c
	}
	if err := sw.SetRow("A1", header); err != nil {
		return nil, err
	}
	for n, row := range fileRows(r) {
		cells := make([]any, len(row))
		for i, v := range row {
			switch {
			case numericColumns[fileColumns[i]] && v != "":
				cells[i] = excelize.Cell{Value: numberCell(v)}
			default:
				cells[i] = excelize.Cell{Value: safeText(v)}
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := sw.SetRow(cell, cells); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// numberCell turns decimal text into the number excelize writes. The
// stream writer prints it in the shortest form that reads back as the
// same double, which for amounts of up to 15 significant digits is exactly
// the decimal text: the file holds 1234.5, not 1234.4999999.
func numberCell(v string) float64 {
	d, err := decimal.NewFromString(v)
	if err != nil {
		return 0
	}
	return d.InexactFloat64()
}
