package xero

import (
	"github.com/takt-billing/takt/extract"
)

// Source is the connector's name; raw tables are raw.xero_<stream>.
const Source = "xero"

// Stream schemas. Every stream also has id (Xero's GUID), updated_at
// (UpdatedDateUTC) and _raw (the whole object as Xero sent it).
var (
	// Contacts. tax_number holds the VAT id; country is taken from the
	// first address that has one.
	Contacts = extract.Stream{Name: "contacts", Incremental: true, Schema: extract.NewSchema(
		extract.Col("name", extract.String),
		extract.Col("contact_number", extract.String),
		extract.Col("account_number", extract.String),
		extract.Col("tax_number", extract.String),
		extract.Col("status", extract.String),
		extract.Col("is_customer", extract.Bool),
		extract.Col("default_currency", extract.String),
		extract.Col("country", extract.String),
		extract.Col("email", extract.String),
	)}
	// Invoices of both types (ACCREC sales, ACCPAY bills). currency_rate is
	// Xero's CurrencyRate: units of invoice currency per unit of the
	// organisation's base currency.
	Invoices = extract.Stream{Name: "invoices", Incremental: true, Schema: extract.NewSchema(
		extract.Col("type", extract.String),
		extract.Col("invoice_number", extract.String),
		extract.Col("reference", extract.String),
		extract.Col("contact_id", extract.String),
		extract.Col("contact_name", extract.String),
		extract.Col("status", extract.String),
		extract.Col("date", extract.Date),
		extract.Col("due_date", extract.Date),
		extract.Col("currency", extract.String),
		extract.Col("currency_rate", extract.Rate),
		extract.Col("line_amount_types", extract.String),
		extract.Col("sub_total", extract.Amount),
		extract.Col("total_tax", extract.Amount),
		extract.Col("total", extract.Amount),
		extract.Col("amount_due", extract.Amount),
		extract.Col("amount_paid", extract.Amount),
		extract.Col("amount_credited", extract.Amount),
		extract.Col("fully_paid_on", extract.Date),
		extract.ListOf("line_items",
			extract.Col("line_item_id", extract.String),
			extract.Col("description", extract.String),
			extract.Col("quantity", extract.Amount),
			extract.Col("unit_amount", extract.Amount),
			extract.Col("line_amount", extract.Amount),
			extract.Col("tax_amount", extract.Amount),
			extract.Col("tax_type", extract.String),
			extract.Col("account_code", extract.String),
			extract.Col("item_code", extract.String),
			extract.Col("tracking_option", extract.String),
		),
	)}
	// CreditNotes with their allocations to invoices.
	CreditNotes = extract.Stream{Name: "credit_notes", Incremental: true, Schema: extract.NewSchema(
		extract.Col("type", extract.String),
		extract.Col("credit_note_number", extract.String),
		extract.Col("reference", extract.String),
		extract.Col("contact_id", extract.String),
		extract.Col("contact_name", extract.String),
		extract.Col("status", extract.String),
		extract.Col("date", extract.Date),
		extract.Col("currency", extract.String),
		extract.Col("currency_rate", extract.Rate),
		extract.Col("sub_total", extract.Amount),
		extract.Col("total_tax", extract.Amount),
		extract.Col("total", extract.Amount),
		extract.Col("remaining_credit", extract.Amount),
		extract.ListOf("allocations",
			extract.Col("allocation_id", extract.String),
			extract.Col("invoice_id", extract.String),
			extract.Col("invoice_number", extract.String),
			extract.Col("amount", extract.Amount),
			extract.Col("date", extract.Date),
		),
		extract.ListOf("line_items",
			extract.Col("line_item_id", extract.String),
			extract.Col("description", extract.String),
			extract.Col("quantity", extract.Amount),
			extract.Col("unit_amount", extract.Amount),
			extract.Col("line_amount", extract.Amount),
			extract.Col("tax_amount", extract.Amount),
			extract.Col("tax_type", extract.String),
			extract.Col("account_code", extract.String),
			extract.Col("item_code", extract.String),
			extract.Col("tracking_option", extract.String),
		),
	)}
	// Payments against invoices or credit notes.
	Payments = extract.Stream{Name: "payments", Incremental: true, Schema: extract.NewSchema(
		extract.Col("date", extract.Date),
		extract.Col("amount", extract.Amount),
		extract.Col("currency_rate", extract.Rate),
		extract.Col("payment_type", extract.String),
		extract.Col("status", extract.String),
		extract.Col("reference", extract.String),
		extract.Col("is_reconciled", extract.Bool),
		extract.Col("invoice_id", extract.String),
		extract.Col("invoice_number", extract.String),
		extract.Col("credit_note_id", extract.String),
		extract.Col("credit_note_number", extract.String),
	)}
)

// Streams lists the connector's streams in extraction order.
func Streams() []extract.Stream { return []extract.Stream{Contacts, Invoices, CreditNotes, Payments} }
