package extract

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// JSONKind is the type of a JSON value, one bit each so that a field can
// accept several.
type JSONKind uint8

// JSON value types. JSONAny accepts every type.
const (
	JSONNull JSONKind = 1 << iota
	JSONString
	JSONNumber
	JSONBool
	JSONObject
	JSONArray

	JSONAny JSONKind = 0
)

func (k JSONKind) String() string {
	var parts []string
	for _, n := range []struct {
		k    JSONKind
		name string
	}{
		{JSONString, "a string"}, {JSONNumber, "a number"}, {JSONBool, "a boolean"},
		{JSONObject, "an object"}, {JSONArray, "an array"}, {JSONNull, "null"},
	} {
		if k&n.k != 0 {
			parts = append(parts, n.name)
		}
	}
	if len(parts) == 0 {
		return "any value"
	}
	return strings.Join(parts, " or ")
}

// Shape is what a connector knows of a stream's records: their top-level
// fields, each with the JSON types it is read from. A field takt keeps
// only in _raw is listed with JSONAny, so that its name is known without
// binding its type. null is accepted for every field (an optional field
// is null or absent).
type Shape map[string]JSONKind

// Check reads the top-level fields of the JSON object raw. unknown lists,
// in order of appearance, the names the shape does not know (schema drift:
// reported, never an error). A known field whose value has a type the
// shape does not accept is returned as an *Invalid under RuleTypeChanged,
// naming the field: "field hours: got a JSON string, want a number".
func (s Shape) Check(raw []byte) (unknown []string, err error) {
	var changed error
	scanErr := scanObject(raw, func(key string, kind JSONKind) {
		want, ok := s[key]
		if !ok {
			unknown = append(unknown, key)
			return
		}
		if changed == nil && want != JSONAny && kind != JSONNull && kind&want == 0 {
			changed = Invalidf(RuleTypeChanged, key, "got a JSON %s, want %s", strings.TrimPrefix(strings.TrimPrefix(kind.String(), "a "), "an "), want)
		}
	})
	if scanErr != nil {
		return nil, scanErr
	}
	return unknown, changed
}

// FieldSet collects the unknown field names of one extraction and hands
// each one on once, with the batch that first carries it.
type FieldSet struct {
	seen    map[string]bool
	pending []string
}

// Add notes field names seen in a record; prefix, if not empty, is put in
// front of each with a dot ("properties.hs_foo").
func (f *FieldSet) Add(prefix string, names []string) {
	for _, n := range names {
		if prefix != "" {
			n = prefix + "." + n
		}
		if f.seen[n] {
			continue
		}
		if f.seen == nil {
			f.seen = map[string]bool{}
		}
		f.seen[n] = true
		f.pending = append(f.pending, n)
	}
}

// Pending reports whether names were added since the last Take.
func (f *FieldSet) Pending() bool { return len(f.pending) > 0 }

// Take returns the names added since the last Take, sorted, for the next
// batch.
func (f *FieldSet) Take() []string {
	if len(f.pending) == 0 {
		return nil
	}
	out := f.pending
	f.pending = nil
	sort.Strings(out)
	return out
}

var errNotObject = errors.New("not a JSON object")

// scanObject calls fn with the name and value type of each top-level field
// of the JSON object raw, without decoding the values. raw is expected to
// be valid JSON (it comes from a decoder); malformed input is an error,
// never a panic.
func scanObject(raw []byte, fn func(key string, kind JSONKind)) error {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return errNotObject
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return nil
	}
	for {
		if i >= len(raw) || raw[i] != '"' {
			return errNotObject
		}
		end, ok := skipString(raw, i)
		if !ok {
			return errNotObject
		}
		var key string
		if keyBytes := raw[i+1 : end-1]; containsByte(keyBytes, '\\') {
			if err := json.Unmarshal(raw[i:end], &key); err != nil {
				return fmt.Errorf("field name %s: %w", raw[i:end], err)
			}
		} else {
			key = string(keyBytes)
		}
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return errNotObject
		}
		i = skipSpace(raw, i+1)
		if i >= len(raw) {
			return errNotObject
		}
		kind := kindOf(raw[i])
		if i, ok = skipValue(raw, i); !ok {
			return fmt.Errorf("field %s: malformed value", key)
		}
		fn(key, kind)
		i = skipSpace(raw, i)
		if i >= len(raw) {
			return errNotObject
		}
		switch raw[i] {
		case ',':
			i = skipSpace(raw, i+1)
		case '}':
			return nil
		default:
			return errNotObject
		}
	}
}

func containsByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

func kindOf(c byte) JSONKind {
	switch c {
	case '"':
		return JSONString
	case '{':
		return JSONObject
	case '[':
		return JSONArray
	case 't', 'f':
		return JSONBool
	case 'n':
		return JSONNull
	}
	return JSONNumber
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] == '"'.
func skipString(b []byte, i int) (int, bool) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, true
		}
	}
	return 0, false
}

// skipValue returns the index after the value starting at b[i].
func skipValue(b []byte, i int) (int, bool) {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, ok := skipString(b, j)
				if !ok {
					return 0, false
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return 0, false
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\r' && b[j] != '\t' {
		j++
	}
	return j, j > i
}
