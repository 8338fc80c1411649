package hubspot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/internal/money"
)

// kind is how a column reads its value.
type kind int

const (
	text        kind = iota // a string property; "" and null are no value
	amount                  // a decimal in a string property, parsed exactly
	timestamp               // an ISO-8601 date-time in a string property
	association             // the id of the first associated object of assocTo
	currency                // an ISO 4217 code in a string property
)

// column maps one stream column (after id, updated_at, created_at and
// archived, which every HubSpot stream has) to its source.
type column struct {
	name     string
	property string // for text, amount, timestamp
	kind     kind
}

// streamSpec is what the connector needs to extract one stream.
type streamSpec struct {
	stream     extract.Stream
	objectType string // path name: companies, deals, line_items
	// assocTo is the object type whose first associated id fills the
	// association column ("" if none).
	assocTo string
	columns []column
}

var specs = map[string]*streamSpec{
	Companies.Name: {
		stream:     Companies,
		objectType: "companies",
		columns: []column{
			{"name", "name", text},
			{"domain", "domain", text},
			{"country", "country", text},
			{"vat_id", "vat_id", text},
		},
	},
	Deals.Name: {
		stream:     Deals,
		objectType: "deals",
		assocTo:    "companies",
		columns: []column{
			{"name", "dealname", text},
			{"amount", "amount", amount},
			{"currency", "deal_currency_code", currency},
			{"stage", "dealstage", text},
			{"pipeline", "pipeline", text},
			{"close_date", "closedate", timestamp},
			{"billing_model", "billing_model", text},
			{"company_id", "", association},
		},
	},
	LineItems.Name: {
		stream:     LineItems,
		objectType: "line_items",
		assocTo:    "deals",
		columns: []column{
			{"deal_id", "", association},
			{"name", "name", text},
			{"sku", "hs_sku", text},
			{"quantity", "quantity", amount},
			{"price", "price", amount},
			{"amount", "amount", amount},
			{"currency", "hs_line_item_currency_code", currency},
		},
	},
}

// Properties every stream reads besides its columns' own.
const (
	propCreated  = "createdate"
	propModified = "hs_lastmodifieddate"
)

// properties is the property selection a stream requests.
func (s *streamSpec) properties() []string {
	var out []string
	for _, c := range s.columns {
		if c.property != "" {
			out = append(out, c.property)
		}
	}
	return append(out, propCreated, propModified)
}

// record is one decoded object of a page.
type record struct {
	obj     crmObject
	raw     json.RawMessage // compacted, as received
	updated time.Time
}

// objectShape is the top level of every CRM object. Its properties are
// checked one by one when they are read (each must be a string or null).
var objectShape = extract.Shape{
	"id":                    extract.JSONString,
	"properties":            extract.JSONObject,
	"createdAt":             extract.JSONString,
	"updatedAt":             extract.JSONString,
	"archived":              extract.JSONBool,
	"archivedAt":            extract.JSONString,
	"associations":          extract.JSONObject,
	"url":                   extract.JSONAny,
	"propertiesWithHistory": extract.JSONAny,
}

// propError is a property value that breaks a quarantine rule. Its text is
// the error's alone; the column that read it adds "field <column>: ".
type propError struct {
	rule string
	err  error
}

func (e *propError) Error() string { return e.err.Error() }
func (e *propError) Unwrap() error { return e.err }

func propErrorf(rule, format string, args ...any) error {
	return &propError{rule: rule, err: fmt.Errorf(format, args...)}
}

// invalid turns an error of a record's mapping, an *extract.ColumnError,
// into the *extract.Invalid its quarantine entry is made of.
func invalid(err error) error {
	var ce *extract.ColumnError
	if !errors.As(err, &ce) {
		return err
	}
	rule := extract.DecimalRule(ce.Err)
	var pe *propError
	if errors.As(ce.Err, &pe) {
		rule = pe.rule
	}
	return &extract.Invalid{Rule: rule, Field: ce.Column, Err: ce.Err}
}

// decodeRecord reads one result of a page and notes the fields it does
// not know in drift. A record that cannot be read comes back with what
// could be read of it (its compacted bytes, its id if any) and an
// *extract.Invalid naming the field.
func decodeRecord(raw json.RawMessage, drift *extract.FieldSet) (record, error) {
	var r record
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		r.raw = raw
		return r, fmt.Errorf("decode: %w", err)
	}
	r.raw = buf.Bytes()
	unknown, shapeErr := objectShape.Check(r.raw)
	drift.Add("", unknown)
	err := json.Unmarshal(r.raw, &r.obj)
	if shapeErr != nil {
		return r, shapeErr
	}
	if err != nil {
		return r, extract.Invalidf(extract.RuleTypeChanged, "properties", "%v", err)
	}
	if r.obj.ID == "" {
		return r, extract.Invalidf(extract.RuleMissingID, "id", "missing")
	}
	upd, err := updatedAt(&r.obj)
	if err != nil {
		return r, invalid(err)
	}
	if r.obj.Archived != nil && *r.obj.Archived && r.obj.ArchivedAt != "" {
		// An archived object's last version is its archiving, whatever
		// its hs_lastmodifieddate says, so that staging takes it as the
		// latest.
		t, err := time.Parse(time.RFC3339Nano, r.obj.ArchivedAt)
		if err != nil {
			return r, extract.Invalidf(extract.RuleUnparsableDate, "archivedAt", "%q is not an ISO-8601 timestamp", r.obj.ArchivedAt)
		}
		if t.After(upd) {
			upd = t
		}
	}
	r.updated = upd
	return r, nil
}

// updatedAt is hs_lastmodifieddate, else the object's updatedAt.
func updatedAt(o *crmObject) (time.Time, error) {
	t, err := o.timestamp(propModified)
	if err != nil {
		return time.Time{}, &extract.ColumnError{Column: extract.ColUpdatedAt, Err: err}
	}
	if t != nil {
		return *t, nil
	}
	if o.UpdatedAt == "" {
		return time.Time{}, &extract.ColumnError{Column: extract.ColUpdatedAt, Err: propErrorf(extract.RuleUnparsableDate, "neither hs_lastmodifieddate nor updatedAt is set")}
	}
	u, err := time.Parse(time.RFC3339Nano, o.UpdatedAt)
	if err != nil {
		return time.Time{}, &extract.ColumnError{Column: extract.ColUpdatedAt, Err: propErrorf(extract.RuleUnparsableDate, "updatedAt %q is not an ISO-8601 timestamp", o.UpdatedAt)}
	}
	return u, nil
}

// values maps a record to a row in schema order. assocID is the first
// associated object's id, or nil.
func (s *streamSpec) values(r *record, assocID *string) ([]any, error) {
	o := &r.obj
	created, err := o.timestamp(propCreated)
	if err != nil {
		return nil, &extract.ColumnError{Column: "created_at", Err: err}
	}
	if created == nil && o.CreatedAt != "" {
		t, err := time.Parse(time.RFC3339Nano, o.CreatedAt)
		if err != nil {
			return nil, &extract.ColumnError{Column: "created_at", Err: propErrorf(extract.RuleUnparsableDate, "createdAt %q is not an ISO-8601 timestamp", o.CreatedAt)}
		}
		created = &t
	}
	row := make([]any, 0, len(s.columns)+5)
	row = append(row, o.ID, r.updated, created, o.Archived)
	for _, c := range s.columns {
		var v any
		var err error
		switch c.kind {
		case text:
			v, err = o.text(c.property)
		case amount:
			v, err = o.decimal(c.property)
		case timestamp:
			v, err = o.timestamp(c.property)
		case currency:
			var code *string
			if code, err = o.text(c.property); err == nil && code != nil && !extract.IsCurrency(*code) {
				err = propErrorf(extract.RuleUnknownCurrency, "property %s %q is not an ISO 4217 currency code", c.property, *code)
			}
			v = code
		case association:
			v = assocID
		}
		if err != nil {
			return nil, &extract.ColumnError{Column: c.name, Err: err}
		}
		row = append(row, v)
	}
	return append(row, []byte(r.raw)), nil
}

// firstAssociation is the first associated id of type to in list form.
func (o *crmObject) firstAssociation(to string) *string {
	a, ok := o.Associations[to]
	if !ok || len(a.Results) == 0 || a.Results[0].ID == "" {
		return nil
	}
	id := a.Results[0].ID
	return &id
}

// text reads a string property; "", null and an absent property are no
// value.
func (o *crmObject) text(name string) (*string, error) {
	raw, ok := o.Properties[name]
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	if len(raw) == 0 || raw[0] != '"' {
		return nil, propErrorf(extract.RuleTypeChanged, "property %s is %s, want a string or null", name, raw)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, propErrorf(extract.RuleTypeChanged, "property %s: %v", name, err)
	}
	if s == "" {
		return nil, nil
	}
	return &s, nil
}

// decimal reads a number HubSpot sends as a string ("500", "5000.00"),
// exactly.
func (o *crmObject) decimal(name string) (*decimal.Decimal, error) {
	s, err := o.text(name)
	if err != nil || s == nil {
		return nil, err
	}
	d, err := money.Parse(*s)
	if err != nil {
		return nil, propErrorf(extract.RuleUnparsableAmount, "property %s: %v", name, err)
	}
	return &d, nil
}

// timestamp reads an ISO-8601 date-time property
// ("2023-02-24T03:01:01.147Z", "2026-12-31T00:00:00Z").
func (o *crmObject) timestamp(name string) (*time.Time, error) {
	s, err := o.text(name)
	if err != nil || s == nil {
		return nil, err
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		return nil, propErrorf(extract.RuleUnparsableDate, "property %s %q is not an ISO-8601 timestamp", name, *s)
	}
	return &t, nil
}
