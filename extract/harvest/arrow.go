package harvest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/internal/money"
)

// rowFunc maps one Harvest object to its stream's column values in schema
// order, _raw excepted: id (string) first, then updated_at (time.Time),
// then the mapped fields. id is "" when the object has none. The error
// names the field that could not be read.
type rowFunc func(raw json.RawMessage) (id string, row []any, err error)

// streamDef is a stream with its mapping. The stream's name is also the
// path of its list endpoint (/v2/<name>) and the key of the list in the
// response.
type streamDef struct {
	stream extract.Stream
	row    rowFunc
	// shape lists the top-level fields Harvest documents for the
	// resource, with the JSON types of those the row function reads.
	shape extract.Shape
}

// streamDefs holds every stream, by name.
var streamDefs = map[string]streamDef{
	Clients.Name:         {Clients, clientRow, clientShape},
	Projects.Name:        {Projects, projectRow, projectShape},
	Users.Name:           {Users, userRow, userShape},
	Tasks.Name:           {Tasks, taskRow, taskShape},
	TaskAssignments.Name: {TaskAssignments, taskAssignmentRow, taskAssignmentShape},
	TimeEntries.Name:     {TimeEntries, timeEntryRow, timeEntryShape},
	Expenses.Name:        {Expenses, expenseRow, expenseShape},
	Invoices.Name:        {Invoices, invoiceRow, invoiceShape},
}

func clientRow(raw json.RawMessage) (string, []any, error) {
	var w wireClient
	var f fields
	f.decode(raw, &w)
	id, upd := f.head(w.wireRecord)
	f.check(extract.CheckCurrency("currency", w.Currency))
	return id, []any{id, upd,
		f.timestamp("created_at", w.CreatedAt),
		w.Name, w.IsActive, w.Currency, w.Address,
	}, f.err
}

func projectRow(raw json.RawMessage) (string, []any, error) {
	var w wireProject
	var f fields
	f.decode(raw, &w)
	id, upd := f.head(w.wireRecord)
	return id, []any{id, upd,
		f.timestamp("created_at", w.CreatedAt),
		f.ref("client.id", w.Client),
		w.Name, w.Code, w.IsActive, w.IsBillable, w.IsFixedFee, w.BillBy,
		f.decimal("budget", w.Budget),
		w.BudgetBy,
		f.decimal("fee", w.Fee),
		f.decimal("hourly_rate", w.HourlyRate),
		f.date("starts_on", w.StartsOn),
		f.date("ends_on", w.EndsOn),
		w.Notes,
	}, f.err
}

func userRow(raw json.RawMessage) (string, []any, error) {
	var w wireUser
	var f fields
	f.decode(raw, &w)
	id, upd := f.head(w.wireRecord)
	return id, []any{id, upd,
		f.timestamp("created_at", w.CreatedAt),
		w.FirstName, w.LastName, w.Email, w.IsActive,
		f.decimal("default_hourly_rate", w.DefaultHourlyRate),
		f.decimal("cost_rate", w.CostRate),
	}, f.err
}

func taskRow(raw json.RawMessage) (string, []any, error) {
	var w wireTask
	var f fields
	f.decode(raw, &w)
	id, upd := f.head(w.wireRecord)
	return id, []any{id, upd,
		f.timestamp("created_at", w.CreatedAt),
		w.Name, w.BillableByDefault,
		f.decimal("default_hourly_rate", w.DefaultHourlyRate),
		w.IsActive,
	}, f.err
}

func taskAssignmentRow(raw json.RawMessage) (string, []any, error) {
	var w wireTaskAssignment
	var f fields
	f.decode(raw, &w)
	id, upd := f.head(w.wireRecord)
	return id, []any{id, upd,
		f.timestamp("created_at", w.CreatedAt),
		f.ref("project.id", w.Project),
		f.ref("task.id", w.Task),
		w.Billable, w.IsActive,
		f.decimal("hourly_rate", w.HourlyRate),
		f.decimal("budget", w.Budget),
	}, f.err
}

func timeEntryRow(raw json.RawMessage) (string, []any, error) {
	var w wireTimeEntry
	var f fields
	f.decode(raw, &w)
	id, upd := f.head(w.wireRecord)
	var invoiceID, invoiceNumber, extID, extService any
	hours := f.decimal("hours", w.Hours)
	roundedHours := f.decimal("rounded_hours", w.RoundedHours)
	f.notNegative("hours", hours)
	f.notNegative("rounded_hours", roundedHours)
	if w.Invoice != nil {
		invoiceID = f.text("invoice.id", w.Invoice.ID)
		invoiceNumber = f.text("invoice.number", w.Invoice.Number)
	}
	if w.ExternalReference != nil {
		extID = f.text("external_reference.id", w.ExternalReference.ID)
		extService = w.ExternalReference.Service
	}
	return id, []any{id, upd,
		f.timestamp("created_at", w.CreatedAt),
		f.date("spent_date", w.SpentDate),
		f.ref("user.id", w.User),
		f.ref("client.id", w.Client),
		f.ref("project.id", w.Project),
		f.ref("task.id", w.Task),
		hours,
		roundedHours,
		w.Notes, w.IsLocked, w.LockedReason, w.IsClosed, w.IsBilled, w.Billable,
		f.decimal("billable_rate", w.BillableRate),
		f.decimal("cost_rate", w.CostRate),
		invoiceID, invoiceNumber, extID, extService,
	}, f.err
}

func expenseRow(raw json.RawMessage) (string, []any, error) {
	var w wireExpense
	var f fields
	f.decode(raw, &w)
	id, upd := f.head(w.wireRecord)
	var category, invoiceID, invoiceNumber any
	if w.ExpenseCategory != nil {
		category = w.ExpenseCategory.Name
	}
	if w.Invoice != nil {
		invoiceID = f.text("invoice.id", w.Invoice.ID)
		invoiceNumber = f.text("invoice.number", w.Invoice.Number)
	}
	return id, []any{id, upd,
		f.timestamp("created_at", w.CreatedAt),
		f.date("spent_date", w.SpentDate),
		f.ref("user.id", w.User),
		f.ref("client.id", w.Client),
		f.ref("project.id", w.Project),
		category,
		f.decimal("total_cost", w.TotalCost),
		f.decimal("units", w.Units),
		w.Billable, w.IsClosed, w.IsBilled,
		invoiceID, invoiceNumber,
		w.Notes,
	}, f.err
}

func invoiceRow(raw json.RawMessage) (string, []any, error) {
	var w wireInvoice
	var f fields
	f.decode(raw, &w)
	id, upd := f.head(w.wireRecord)
	f.check(extract.CheckCurrency("currency", w.Currency))
	var lines any
	if w.LineItems != nil {
		items := make([][]any, len(w.LineItems))
		for i, li := range w.LineItems {
			p := fmt.Sprintf("line_items[%d].", i)
			items[i] = []any{
				f.text(p+"id", li.ID),
				li.Kind, li.Description,
				f.ref(p+"project.id", li.Project),
				f.decimal(p+"quantity", li.Quantity),
				f.decimal(p+"unit_price", li.UnitPrice),
				f.decimal(p+"amount", li.Amount),
				li.Taxed,
			}
		}
		lines = items
	}
	return id, []any{id, upd,
		f.timestamp("created_at", w.CreatedAt),
		f.ref("client.id", w.Client),
		f.text("number", w.Number),
		w.State,
		f.date("issue_date", w.IssueDate),
		f.date("due_date", w.DueDate),
		f.timestamp("sent_at", w.SentAt),
		f.timestamp("paid_at", w.PaidAt),
		w.Currency,
		f.decimal("amount", w.Amount),
		f.decimal("due_amount", w.DueAmount),
		f.decimal("tax", w.Tax),
		f.decimal("tax_amount", w.TaxAmount),
		w.Subject,
		f.date("period_start", w.PeriodStart),
		f.date("period_end", w.PeriodEnd),
		lines,
	}, f.err
}

// fields converts wire values to column values and keeps the first error,
// an *extract.Invalid naming the field and the quarantine rule it broke, so
// a row function reads like the schema it fills. Every converter returns an
// untyped nil for a JSON null or a missing field.
type fields struct{ err error }

func (f *fields) fail(rule, field string, err error) {
	if f.err == nil {
		f.err = &extract.Invalid{Rule: rule, Field: field, Err: err}
	}
}

// check keeps err, an *extract.Invalid or nil, as the record's error.
func (f *fields) check(err error) {
	if f.err == nil && err != nil {
		f.err = err
	}
}

// decode unmarshals an object into its wire type. A field of the wrong
// JSON type is reported by name (the top-level fields are checked against
// the stream's shape before, so this catches nested ones such as
// client.id); the other fields are still decoded, so the record's id is
// known for the message.
func (f *fields) decode(raw json.RawMessage, v any) {
	err := json.Unmarshal(raw, v)
	if err == nil {
		return
	}
	if field, detail, ok := extract.JSONTypeChange(err); ok {
		// The path names the embedded wireRecord; Harvest's field is the
		// rest.
		f.fail(extract.RuleTypeChanged, strings.TrimPrefix(field, "wireRecord."), errors.New(detail))
		return
	}
	if f.err == nil {
		f.err = fmt.Errorf("decode: %w", err)
	}
}

// head reads the id and updated_at every record must have: without them a
// record can neither be told apart from another version of itself nor
// advance the stream's cursor.
func (f *fields) head(w wireRecord) (string, time.Time) {
	id, ok, err := rawText(w.ID)
	switch {
	case err != nil:
		f.fail(extract.RuleTypeChanged, "id", err)
	case !ok || id == "":
		f.fail(extract.RuleMissingID, "id", errors.New("missing"))
	}
	var upd time.Time
	if w.UpdatedAt == nil {
		f.fail(extract.RuleUnparsableDate, "updated_at", errors.New("missing"))
	} else if t, err := parseTimestamp(*w.UpdatedAt); err != nil {
		f.fail(extract.RuleUnparsableDate, "updated_at", err)
	} else {
		upd = t
	}
	return id, upd
}

// text reads an id or a number Harvest may send as a JSON number or a
// string (invoice numbers are strings, ids are numbers) as text, keeping a
// number's literal.
func (f *fields) text(field string, raw json.RawMessage) any {
	s, ok, err := rawText(raw)
	if err != nil {
		f.fail(extract.RuleTypeChanged, field, err)
		return nil
	}
	if !ok {
		return nil
	}
	return s
}

// ref reads the id of a nested object such as a time entry's project.
func (f *fields) ref(field string, r *wireRef) any {
	if r == nil {
		return nil
	}
	return f.text(field, r.ID)
}

// decimal reads a JSON number exactly from its literal (never through
// float64). The column's scale is enforced when the row is appended.
func (f *fields) decimal(field string, raw json.RawMessage) any {
	s, ok, err := rawText(raw)
	if err != nil {
		f.fail(extract.RuleTypeChanged, field, err)
		return nil
	}
	if !ok {
		return nil
	}
	d, err := money.Parse(s)
	if err != nil {
		f.fail(extract.RuleUnparsableAmount, field, err)
		return nil
	}
	return d
}

// notNegative refuses hours below zero; v is what decimal returned.
func (f *fields) notNegative(field string, v any) {
	if d, ok := v.(decimal.Decimal); ok && d.IsNegative() {
		f.fail(extract.RuleNegativeHours, field, fmt.Errorf("%s is below zero", d.String()))
	}
}

// date reads a calendar date such as spent_date "2017-03-02".
func (f *fields) date(field string, s *string) any {
	if s == nil {
		return nil
	}
	t, err := time.Parse(time.DateOnly, *s)
	if err != nil {
		f.fail(extract.RuleUnparsableDate, field, fmt.Errorf("%q is not a date like 2017-03-02", *s))
		return nil
	}
	return t
}

// timestamp reads a UTC timestamp such as "2017-06-27T15:50:15Z".
func (f *fields) timestamp(field string, s *string) any {
	if s == nil {
		return nil
	}
	t, err := parseTimestamp(*s)
	if err != nil {
		f.fail(extract.RuleUnparsableDate, field, err)
		return nil
	}
	return t
}

func parseTimestamp(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a timestamp like 2017-06-27T15:50:15Z", s)
	}
	return t.UTC(), nil
}

// rawText returns a JSON number's literal or a JSON string's value; ok is
// false for null or an absent field.
func rawText(raw json.RawMessage) (s string, ok bool, err error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", false, nil
	}
	switch c := raw[0]; {
	case c == '"':
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false, err
		}
		return s, true, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return string(raw), true, nil
	}
	return "", false, fmt.Errorf("got %.40s, want a number or a string", raw)
}
