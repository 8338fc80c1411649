package xero

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/internal/money"
)

// Mapping from wire objects to rows of the stream schemas in schema.go, one
// []any per record in column order, as extract.RecordBuilder takes them.
//
// Strings are kept as Xero sent them: an absent key is NULL, "" stays "".
// Amounts are refused (not rounded) when they have more decimal places than
// their column; calendar dates prefer the *String twin (the date as the
// organisation sees it) and fall back to the UTC date of the /Date()/ value.

// row is one mapped record.
type row struct {
	id      string
	updated time.Time
	values  []any
}

// recordError is a record that could not be mapped; Record is its id, or
// "#n" (its position in the page, from 1) when it has none.
type recordError struct {
	Record string
	Err    error
}

func (e *recordError) Error() string { return "record " + e.Record + ": " + e.Err.Error() }
func (e *recordError) Unwrap() error { return e.Err }

// Column scales of extract.Amount and extract.Rate.
const (
	amountScale = 4
	rateScale   = 6
	precision   = 18
)

// fields collects the first mapping error of a record, an
// *extract.Invalid naming the field and the quarantine rule it broke, so
// that a mapping function reads as a list of columns.
type fields struct {
	err error
}

func (f *fields) fail(rule, field string, err error) {
	if f.err == nil {
		f.err = &extract.Invalid{Rule: rule, Field: field, Err: err}
	}
}

// currency checks a currency code against ISO 4217.
func (f *fields) currency(field string, code *string) {
	if err := extract.CheckCurrency(field, code); err != nil && f.err == nil {
		f.err = err
	}
}

func (f *fields) decimal(field string, n number, scale int32) any {
	if !n.set {
		return nil
	}
	d, err := money.Parse(n.text)
	if err != nil {
		f.fail(extract.RuleUnparsableAmount, field, err)
		return nil
	}
	if _, err := money.Scaled(d, precision, scale); err != nil {
		f.fail(extract.DecimalRule(err), field, err)
		return nil
	}
	return d
}

func (f *fields) amount(field string, n number) any { return f.decimal(field, n, amountScale) }
func (f *fields) rate(field string, n number) any   { return f.decimal(field, n, rateScale) }

func (f *fields) boolean(field string, b flexBool) any {
	if !b.set {
		return nil
	}
	switch b.text {
	case "true":
		return true
	case "false":
		return false
	}
	f.fail(extract.RuleUnparsableValue, field, fmt.Errorf("%q is not true or false", b.text))
	return nil
}

// date maps a calendar date given as "<Field>String" and "<Field>".
func (f *fields) date(field string, dateString, msDate *string) any {
	if dateString != nil && *dateString != "" {
		t, err := parseDateString(*dateString)
		if err != nil {
			f.fail(extract.RuleUnparsableDate, field+"String", err)
			return nil
		}
		return t
	}
	if msDate != nil && *msDate != "" {
		t, err := parseMSDate(*msDate)
		if err != nil {
			f.fail(extract.RuleUnparsableDate, field, err)
			return nil
		}
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return nil
}

// updated maps UpdatedDateUTC, which every record must have (it orders the
// versions of a record and drives the cursor). UpdatedDateUTCString is
// used only when the /Date()/ value is absent.
func (f *fields) updated(msDate, str *string) time.Time {
	if msDate != nil && *msDate != "" {
		t, err := parseMSDate(*msDate)
		if err != nil {
			f.fail(extract.RuleUnparsableDate, "UpdatedDateUTC", err)
		}
		return t
	}
	if str != nil && *str != "" {
		t, err := time.Parse(time.RFC3339Nano, *str)
		if err != nil {
			f.fail(extract.RuleUnparsableDate, "UpdatedDateUTCString", fmt.Errorf("%q is not a UTC timestamp like 2018-11-02T16:31:30Z", *str))
		}
		return t.UTC()
	}
	f.fail(extract.RuleUnparsableDate, "UpdatedDateUTC", errMissing)
	return time.Time{}
}

func (f *fields) lineItems(field string, items []wireLineItem) any {
	if items == nil {
		return nil
	}
	out := make([][]any, len(items))
	for i, li := range items {
		p := fmt.Sprintf("%s[%d].", field, i)
		var tracking *string
		if len(li.Tracking) > 0 {
			tracking = li.Tracking[0].Option
		}
		out[i] = []any{
			li.LineItemID,
			li.Description,
			f.amount(p+"Quantity", li.Quantity),
			f.amount(p+"UnitAmount", li.UnitAmount),
			f.amount(p+"LineAmount", li.LineAmount),
			f.amount(p+"TaxAmount", li.TaxAmount),
			li.TaxType,
			li.AccountCode,
			li.ItemCode,
			tracking,
		}
	}
	return out
}

// mapFunc maps one raw record of a stream.
type mapFunc func(raw json.RawMessage) (row, error)

// decodeRecord decodes raw into one of the wire types. A value of another
// JSON type than its field's is refused under the type_changed rule,
// naming the field (the top-level fields are checked against the
// collection's shape before, so this catches nested ones such as
// Contact.ContactID).
func decodeRecord(raw json.RawMessage, v any) error {
	err := json.Unmarshal(raw, v)
	if err == nil {
		return nil
	}
	if field, detail, ok := extract.JSONTypeChange(err); ok {
		return extract.Invalidf(extract.RuleTypeChanged, field, "%s", detail)
	}
	return fmt.Errorf("decode: %w", err)
}

func recordID(field string, id *string) (string, error) {
	if id == nil || strings.TrimSpace(*id) == "" {
		return "", &extract.Invalid{Rule: extract.RuleMissingID, Field: field, Err: errMissing}
	}
	return *id, nil
}

func contactRef(c *wireContactRef) (id, name *string) {
	if c == nil {
		return nil, nil
	}
	return c.ContactID, c.Name
}

func mapContact(raw json.RawMessage) (row, error) {
	var w wireContact
	if err := decodeRecord(raw, &w); err != nil {
		return row{}, err
	}
	id, err := recordID("ContactID", w.ContactID)
	if err != nil {
		return row{}, err
	}
	var f fields
	upd := f.updated(w.UpdatedDateUTC, w.UpdatedDateUTCString)
	f.currency("DefaultCurrency", w.DefaultCurrency)
	// The first address that names a country: Xero always lists the
	// STREET and POBOX addresses, often with Country "".
	var country *string
	for _, a := range w.Addresses {
		if a.Country != nil && *a.Country != "" {
			country = a.Country
			break
		}
	}
	values := []any{
		id, upd,
		w.Name,
		w.ContactNumber,
		w.AccountNumber,
		w.TaxNumber,
		w.ContactStatus,
		f.boolean("IsCustomer", w.IsCustomer),
		w.DefaultCurrency,
		country,
		w.EmailAddress,
		raw,
	}
	return row{id: id, updated: upd, values: values}, f.err
}

func mapInvoice(raw json.RawMessage) (row, error) {
	var w wireInvoice
	if err := decodeRecord(raw, &w); err != nil {
		return row{}, err
	}
	id, err := recordID("InvoiceID", w.InvoiceID)
	if err != nil {
		return row{}, err
	}
	var f fields
	upd := f.updated(w.UpdatedDateUTC, w.UpdatedDateUTCString)
	f.currency("CurrencyCode", w.CurrencyCode)
	contactID, contactName := contactRef(w.Contact)
	values := []any{
		id, upd,
		w.Type,
		w.InvoiceNumber,
		w.Reference,
		contactID,
		contactName,
		w.Status,
		f.date("Date", w.DateString, w.Date),
		f.date("DueDate", w.DueDateString, w.DueDate),
		w.CurrencyCode,
		f.rate("CurrencyRate", w.CurrencyRate),
		w.LineAmountTypes,
		f.amount("SubTotal", w.SubTotal),
		f.amount("TotalTax", w.TotalTax),
		f.amount("Total", w.Total),
		f.amount("AmountDue", w.AmountDue),
		f.amount("AmountPaid", w.AmountPaid),
		f.amount("AmountCredited", w.AmountCredited),
		f.date("FullyPaidOnDate", nil, w.FullyPaidOnDate),
		f.lineItems("LineItems", w.LineItems),
		raw,
	}
	return row{id: id, updated: upd, values: values}, f.err
}

func mapCreditNote(raw json.RawMessage) (row, error) {
	var w wireCreditNote
	if err := decodeRecord(raw, &w); err != nil {
		return row{}, err
	}
	id, err := recordID("CreditNoteID", w.CreditNoteID)
	if err != nil {
		return row{}, err
	}
	var f fields
	upd := f.updated(w.UpdatedDateUTC, w.UpdatedDateUTCString)
	f.currency("CurrencyCode", w.CurrencyCode)
	contactID, contactName := contactRef(w.Contact)
	var allocations any
	if w.Allocations != nil {
		list := make([][]any, len(w.Allocations))
		for i, a := range w.Allocations {
			p := fmt.Sprintf("Allocations[%d].", i)
			var invID, invNumber *string
			if a.Invoice != nil {
				invID, invNumber = a.Invoice.InvoiceID, a.Invoice.InvoiceNumber
			}
			list[i] = []any{
				a.AllocationID,
				invID,
				invNumber,
				f.amount(p+"Amount", a.Amount),
				f.date(p+"Date", a.DateString, a.Date),
			}
		}
		allocations = list
	}
	values := []any{
		id, upd,
		w.Type,
		w.CreditNoteNumber,
		w.Reference,
		contactID,
		contactName,
		w.Status,
		f.date("Date", w.DateString, w.Date),
		w.CurrencyCode,
		f.rate("CurrencyRate", w.CurrencyRate),
		f.amount("SubTotal", w.SubTotal),
		f.amount("TotalTax", w.TotalTax),
		f.amount("Total", w.Total),
		f.amount("RemainingCredit", w.RemainingCredit),
		allocations,
		f.lineItems("LineItems", w.LineItems),
		raw,
	}
	return row{id: id, updated: upd, values: values}, f.err
}

// isCreditNoteType reports whether an embedded document's Type is a credit
// note's. Xero puts a payment's credit note under "Invoice" in some
// responses (payments.json: ARCREDITPAYMENT with Invoice.Type
// "ACCRECCREDIT" whose InvoiceID is the credit note's CreditNoteID).
func isCreditNoteType(t *string) bool {
	return t != nil && (*t == "ACCRECCREDIT" || *t == "ACCPAYCREDIT")
}

func mapPayment(raw json.RawMessage) (row, error) {
	var w wirePayment
	if err := decodeRecord(raw, &w); err != nil {
		return row{}, err
	}
	id, err := recordID("PaymentID", w.PaymentID)
	if err != nil {
		return row{}, err
	}
	var f fields
	upd := f.updated(w.UpdatedDateUTC, w.UpdatedDateUTCString)
	var invID, invNumber, cnID, cnNumber *string
	if w.CreditNote != nil {
		cnID, cnNumber = w.CreditNote.CreditNoteID, w.CreditNote.CreditNoteNumber
	}
	if w.Invoice != nil {
		if isCreditNoteType(w.Invoice.Type) {
			if cnID == nil {
				cnID, cnNumber = w.Invoice.InvoiceID, w.Invoice.InvoiceNumber
			}
		} else {
			invID, invNumber = w.Invoice.InvoiceID, w.Invoice.InvoiceNumber
		}
	}
	values := []any{
		id, upd,
		f.date("Date", w.DateString, w.Date),
		f.amount("Amount", w.Amount),
		f.rate("CurrencyRate", w.CurrencyRate),
		w.PaymentType,
		w.Status,
		w.Reference,
		f.boolean("IsReconciled", w.IsReconciled),
		invID,
		invNumber,
		cnID,
		cnNumber,
		raw,
	}
	return row{id: id, updated: upd, values: values}, f.err
}
