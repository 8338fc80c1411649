package files

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/takt-billing/takt/extract"
)

// readJSON reads a json file (already decoded to UTF-8): an array of
// objects, or an object holding that array under the stream's name
// ({"time_entries": [...]}). keys are the file columns to read; they become
// the table's header.
func readJSON(file string, data []byte, stream string, keys []string) (*table, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("files: %s is not UTF-8 text; want the JSON saved as UTF-8", file)
	}
	shape := fmt.Sprintf("an array of objects, or {%q: [...]}", stream)
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, fmt.Errorf("files: %s is empty; want %s", file, shape)
	}
	var list []json.RawMessage
	switch data[0] {
	case '[':
		if err := json.Unmarshal(data, &list); err != nil {
			return nil, jsonError(file, data, err, shape)
		}
	case '{':
		var root map[string]json.RawMessage
		if err := json.Unmarshal(data, &root); err != nil {
			return nil, jsonError(file, data, err, shape)
		}
		inner, ok := root[stream]
		if !ok {
			return nil, fmt.Errorf("files: %s is an object without the key %q; want %s", file, stream, shape)
		}
		if err := json.Unmarshal(inner, &list); err != nil {
			return nil, fmt.Errorf("files: %s: %q is not an array (%v); want %s", file, stream, err, shape)
		}
	default:
		return nil, fmt.Errorf("files: %s does not start with [ or {; want %s", file, shape)
	}

	t := &table{file: file, unit: "record", header: keys, keyless: map[string]bool{}}
	seen := make([]bool, len(keys))
	for i, elem := range list {
		row := tableRow{at: i + 1, row: i + 1}
		var compact bytes.Buffer
		// elem is valid JSON: Unmarshal checked the whole document.
		_ = json.Compact(&compact, elem)
		row.raw = compact.String()
		obj, err := decodeObject(elem)
		if err != nil {
			row.broken = &problem{rule: extract.RuleUnparsableValue, msg: fmt.Sprintf("%s is not an object", abbreviate(row.raw)), want: "an object with a key per column, e.g. {\"id\": \"T-1\", ...}"}
			if row.raw[0] != '{' {
				row.raw = fmt.Sprintf(`{"record":%s}`, row.raw)
			}
			t.rows = append(t.rows, row)
			continue
		}
		row.cells = make([]cell, len(keys))
		for k, key := range keys {
			v, ok := obj.lookup(key)
			if !ok {
				continue
			}
			seen[k] = true
			row.cells[k] = jsonCell(v)
		}
		t.rows = append(t.rows, row)
	}
	for k, key := range keys {
		if !seen[k] {
			t.keyless[strings.ToLower(key)] = true
		}
	}
	return t, nil
}

func jsonError(file string, data []byte, err error, shape string) error {
	if se, ok := err.(*json.SyntaxError); ok {
		line := 1 + bytes.Count(data[:se.Offset], []byte("\n"))
		return fmt.Errorf("files: %s line %d: not valid JSON (%v); want %s", file, line, se, shape)
	}
	return fmt.Errorf("files: %s: %v; want %s", file, err, shape)
}

// object is a json object whose keys match ignoring case.
type object map[string]json.RawMessage

func decodeObject(raw json.RawMessage) (object, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, fmt.Errorf("not an object")
	}
	o := object{}
	for k, v := range m {
		o[strings.ToLower(strings.TrimSpace(k))] = v
	}
	return o, nil
}

// lookup finds a key, or a path of keys separated by dots into nested
// objects ("project.code"). A key that itself contains a dot wins over the
// path.
func (o object) lookup(key string) (json.RawMessage, bool) {
	key = strings.ToLower(strings.TrimSpace(key))
	if v, ok := o[key]; ok {
		return v, true
	}
	head, rest, ok := strings.Cut(key, ".")
	if !ok {
		return nil, false
	}
	v, found := o[head]
	if !found {
		return nil, false
	}
	inner, err := decodeObject(v)
	if err != nil {
		return nil, false
	}
	return inner.lookup(rest)
}

// jsonCell types a json value. null is an empty cell.
func jsonCell(v json.RawMessage) cell {
	v = bytes.TrimSpace(v)
	switch v[0] {
	case 'n':
		return cell{}
	case 't':
		return cell{text: "true", typ: cellBool}
	case 'f':
		return cell{text: "false", typ: cellBool}
	case '"':
		var s string
		// v is a valid JSON string: the document was decoded before.
		_ = json.Unmarshal(v, &s)
		return cell{text: s}
	case '{', '[':
		var compact bytes.Buffer
		_ = json.Compact(&compact, v)
		return cell{text: compact.String(), typ: cellNested}
	}
	// A number: its literal, exactly as written.
	return cell{text: string(v), typ: cellNumber}
}

// abbreviate shortens a long value for a message.
func abbreviate(s string) string {
	const max = 60
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}
