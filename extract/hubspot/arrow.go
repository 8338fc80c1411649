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
			{"currency", "deal_currency_code", text},
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
			{"currency", "hs_line_item_currency_code", text},
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

// decodeRecord reads one result of a page. Its error names the record (or
// its position when it has no id) and the field.
func decodeRecord(raw json.RawMessage, pos int) (record, error) {
	var r record
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return r, fmt.Errorf("record at position %d: %w", pos, err)
	}
	r.raw = buf.Bytes()
	if err := json.Unmarshal(r.raw, &r.obj); err != nil {
		return r, fmt.Errorf("record at position %d: decode: %w", pos, err)
	}
	if r.obj.ID == "" {
		return r, fmt.Errorf("record at position %d: field id: missing", pos)
	}
	upd, err := updatedAt(&r.obj)
	if err != nil {
		return r, fmt.Errorf("record %s: %w", r.obj.ID, err)
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
		return time.Time{}, &extract.ColumnError{Column: extract.ColUpdatedAt, Err: errors.New("neither hs_lastmodifieddate nor updatedAt is set")}
	}
	u, err := time.Parse(time.RFC3339Nano, o.UpdatedAt)
	if err != nil {
		return time.Time{}, &extract.ColumnError{Column: extract.ColUpdatedAt, Err: fmt.Errorf("updatedAt %q is not an ISO-8601 timestamp", o.UpdatedAt)}
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
			return nil, &extract.ColumnError{Column: "created_at", Err: fmt.Errorf("createdAt %q is not an ISO-8601 timestamp", o.CreatedAt)}
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
		return nil, fmt.Errorf("property %s is %s, want a string or null", name, raw)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("property %s: %w", name, err)
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
		return nil, fmt.Errorf("property %s: %w", name, err)
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
		return nil, fmt.Errorf("property %s %q is not an ISO-8601 timestamp", name, *s)
	}
	return &t, nil
}
