package hubspottest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// objectType is a CRM object type as the API names it in paths.
type objectType struct {
	name     string // plural path name, e.g. "line_items"
	singular string // e.g. "line_item"
	typeID   string // HubSpot's object type id, e.g. "0-8"
}

var objectTypes = []objectType{
	{name: "companies", singular: "company", typeID: "0-2"},
	{name: "contacts", singular: "contact", typeID: "0-1"},
	{name: "deals", singular: "deal", typeID: "0-3"},
	{name: "line_items", singular: "line_item", typeID: "0-8"},
}

// lookupType resolves the names HubSpot accepts for an object type in a
// path or an associations parameter: plural, singular, type id, and the
// "line items" spelling HubSpot uses as an association key.
func lookupType(s string) (objectType, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, " ", "_")
	for _, t := range objectTypes {
		if s == t.name || s == t.singular || s == t.typeID {
			return t, true
		}
	}
	return objectType{}, false
}

// canonicalType is the plural name of a known type, or s unchanged.
func canonicalType(s string) string {
	if t, ok := lookupType(s); ok {
		return t.name
	}
	return s
}

// field is one member of a JSON object, kept in its original order with
// its value's bytes as the dataset holds them (compacted).
type field struct {
	key     string
	keyJSON []byte
	value   json.RawMessage
}

// assocRef is one association in list-endpoint form.
type assocRef struct {
	id  string
	typ string
}

// ownAssoc is an object's associations to one type as the dataset holds
// them.
type ownAssoc struct {
	key  string          // the key in the dataset object
	raw  json.RawMessage // {"results":[...]}
	refs []assocRef
}

// object is one dataset record, parsed once so that serving a page never
// re-parses JSON.
type object struct {
	id       string
	ts       int64 // hs_lastmodifieddate (else updatedAt), ms since the epoch
	archived bool
	fields   []field // top-level members in dataset order
	props    []field // members of "properties" in dataset order
	assoc    map[string]ownAssoc
}

// collection holds one object type's records in the orders the endpoints
// serve them.
type collection struct {
	active   []*object // not archived, by id
	archived []*object // archived, by id
	byTS     []*object // not archived, by (ts, id): the search index
	byID     map[string]*object
}

// store is the parsed dataset.
type store struct {
	types map[string]*collection // by plural type name
	// inverse holds associations derived from the other side: inverse[T][F][id]
	// lists the objects of type F that name object id of type T.
	inverse map[string]map[string]map[string][]assocRef
}

// idLess orders HubSpot ids (decimal strings) numerically.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func idCompare(a, b string) int {
	switch {
	case idLess(a, b):
		return -1
	case a == b:
		return 0
	}
	return 1
}

func newStore(data Dataset) (*store, error) {
	st := &store{types: map[string]*collection{}, inverse: map[string]map[string]map[string][]assocRef{}}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		t, ok := lookupType(key)
		if !ok {
			return nil, fmt.Errorf("dataset key %q is not an object type the emulator serves (companies, contacts, deals, line_items)", key)
		}
		c := st.types[t.name]
		if c == nil {
			c = &collection{byID: map[string]*object{}}
			st.types[t.name] = c
		}
		for i, raw := range data[key] {
			o, err := parseObject(raw)
			if err != nil {
				return nil, fmt.Errorf("dataset %s record %d: %w", key, i, err)
			}
			if _, dup := c.byID[o.id]; dup {
				return nil, fmt.Errorf("dataset %s: id %s appears twice", key, o.id)
			}
			c.byID[o.id] = o
			if o.archived {
				c.archived = append(c.archived, o)
			} else {
				c.active = append(c.active, o)
				c.byTS = append(c.byTS, o)
			}
		}
	}
	for tname, c := range st.types {
		byID := func(a, b *object) int { return idCompare(a.id, b.id) }
		slices.SortFunc(c.active, byID)
		slices.SortFunc(c.archived, byID)
		slices.SortFunc(c.byTS, func(a, b *object) int {
			if a.ts != b.ts {
				if a.ts < b.ts {
					return -1
				}
				return 1
			}
			return idCompare(a.id, b.id)
		})
		// Derive the other direction of every association, so that a
		// request from either side finds it, as it does in HubSpot.
		for _, o := range c.active {
			for to, a := range o.assoc {
				if _, known := lookupType(to); !known {
					continue
				}
				byFrom := st.inverse[to]
				if byFrom == nil {
					byFrom = map[string]map[string][]assocRef{}
					st.inverse[to] = byFrom
				}
				ids := byFrom[tname]
				if ids == nil {
					ids = map[string][]assocRef{}
					byFrom[tname] = ids
				}
				for _, r := range a.refs {
					ids[r.id] = append(ids[r.id], assocRef{id: o.id, typ: inverseAssocType(r.typ)})
				}
			}
		}
	}
	return st, nil
}

// associations returns the associations of object id (of type from) to
// objects of type to: the object's own list if the dataset has one,
// otherwise those derived from the other side.
func (st *store) associations(from, id, to string) ([]assocRef, bool) {
	c := st.types[from]
	if c == nil {
		return nil, false
	}
	o := c.byID[id]
	if o == nil {
		return nil, false
	}
	if a, ok := o.assoc[to]; ok {
		return a.refs, true
	}
	return st.inverse[from][to][id], true
}

// inverseAssocType names an association type from the other side:
// deal_to_company -> company_to_deal, deal_to_company_unlabeled ->
// company_to_deal_unlabeled.
func inverseAssocType(t string) string {
	s, suffix := t, ""
	if base, ok := strings.CutSuffix(t, "_unlabeled"); ok {
		s, suffix = base, "_unlabeled"
	}
	a, b, ok := strings.Cut(s, "_to_")
	if !ok {
		return t
	}
	return b + "_to_" + a + suffix
}

// members splits a JSON object into its members in order, compacting each
// value (whitespace only: number literals and strings keep their bytes).
func members(raw json.RawMessage) ([]field, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	var out []field
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errors.New("object key is not a string")
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("member %s: %w", key, err)
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, v); err != nil {
			return nil, fmt.Errorf("member %s: %w", key, err)
		}
		kj, _ := json.Marshal(key)
		out = append(out, field{key: key, keyJSON: kj, value: buf.Bytes()})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return out, nil
}

func parseObject(raw json.RawMessage) (*object, error) {
	fields, err := members(raw)
	if err != nil {
		return nil, err
	}
	o := &object{fields: fields, assoc: map[string]ownAssoc{}}
	var updatedAt string
	for _, f := range fields {
		switch f.key {
		case "id":
			if err := json.Unmarshal(f.value, &o.id); err != nil || o.id == "" {
				return nil, fmt.Errorf("id %s is not a non-empty string", f.value)
			}
		case "archived":
			if err := json.Unmarshal(f.value, &o.archived); err != nil {
				return nil, fmt.Errorf("archived %s is not a boolean", f.value)
			}
		case "updatedAt":
			_ = json.Unmarshal(f.value, &updatedAt)
		case "properties":
			if o.props, err = members(f.value); err != nil {
				return nil, fmt.Errorf("properties: %w", err)
			}
		case "associations":
			assoc, err := members(f.value)
			if err != nil {
				return nil, fmt.Errorf("associations: %w", err)
			}
			for _, a := range assoc {
				var list struct {
					Results []struct {
						ID   string `json:"id"`
						Type string `json:"type"`
					} `json:"results"`
				}
				if err := json.Unmarshal(a.value, &list); err != nil {
					return nil, fmt.Errorf("associations %s: %w", a.key, err)
				}
				own := ownAssoc{key: a.key, raw: a.value}
				for _, r := range list.Results {
					own.refs = append(own.refs, assocRef{id: r.ID, typ: r.Type})
				}
				o.assoc[canonicalType(a.key)] = own
			}
		}
	}
	if o.id == "" {
		return nil, errors.New("no id")
	}
	ts := updatedAt
	for _, p := range o.props {
		if p.key == "hs_lastmodifieddate" {
			var s string
			if json.Unmarshal(p.value, &s) == nil && s != "" {
				if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
					ts = s
				}
			}
		}
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return nil, fmt.Errorf("object %s has neither a valid hs_lastmodifieddate nor updatedAt", o.id)
	}
	o.ts = t.UnixMilli()
	return o, nil
}

// alwaysReturned are the properties HubSpot returns whatever a request
// selects (deals_list.json was requested without createdate and
// hs_object_id and has both).
var alwaysReturned = map[string]bool{"hs_object_id": true, "createdate": true, "hs_lastmodifieddate": true}

// render writes o as the list and search endpoints return it. props nil
// means no selection (every stored property); assocTypes are the requested
// association types, in request order.
func (st *store) render(buf *bytes.Buffer, from string, o *object, props map[string]bool, assocTypes []string) {
	buf.WriteByte('{')
	n := 0
	sep := func() {
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
	}
	for _, f := range o.fields {
		switch f.key {
		case "associations":
			// Written below, only when requested.
		case "properties":
			sep()
			buf.Write(f.keyJSON)
			buf.WriteString(":{")
			m := 0
			for _, p := range o.props {
				if props != nil && !props[p.key] && !alwaysReturned[p.key] {
					continue
				}
				if m > 0 {
					buf.WriteByte(',')
				}
				m++
				buf.Write(p.keyJSON)
				buf.WriteByte(':')
				buf.Write(p.value)
			}
			buf.WriteByte('}')
		default:
			sep()
			buf.Write(f.keyJSON)
			buf.WriteByte(':')
			buf.Write(f.value)
		}
	}
	m := 0
	for _, name := range assocTypes {
		to := canonicalType(name)
		key, raw := "", json.RawMessage(nil)
		if a, ok := o.assoc[to]; ok {
			key, raw = a.key, a.raw
		} else if refs := st.inverse[from][to][o.id]; len(refs) > 0 {
			key, raw = to, listForm(refs)
		} else {
			continue
		}
		if m == 0 {
			sep()
			buf.WriteString(`"associations":{`)
		} else {
			buf.WriteByte(',')
		}
		m++
		kj, _ := json.Marshal(key)
		buf.Write(kj)
		buf.WriteByte(':')
		buf.Write(raw)
	}
	if m > 0 {
		buf.WriteByte('}')
	}
	buf.WriteByte('}')
}

// listForm renders associations as the list endpoint does.
func listForm(refs []assocRef) json.RawMessage {
	var b bytes.Buffer
	b.WriteString(`{"results":[`)
	for i, r := range refs {
		if i > 0 {
			b.WriteByte(',')
		}
		id, _ := json.Marshal(r.id)
		typ, _ := json.Marshal(r.typ)
		b.WriteString(`{"id":`)
		b.Write(id)
		b.WriteString(`,"type":`)
		b.Write(typ)
		b.WriteByte('}')
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// numericID writes an id as the v4 associations API does: a JSON number
// when it is one (HubSpot ids are), else a string.
func numericID(id string) []byte {
	if _, err := strconv.ParseUint(id, 10, 64); err == nil {
		return []byte(id)
	}
	b, _ := json.Marshal(id)
	return b
}
