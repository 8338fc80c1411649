// Package harvesttest is an emulator of the Harvest API v2 for a given
// dataset, used by tests, the demo and takt sandbox.
package harvesttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Dataset is what the emulator serves: Harvest JSON objects exactly as the
// API returns them, by resource. Keys are the resource names of the list
// endpoints: "clients", "projects", "users", "tasks", "task_assignments",
// "time_entries", "expenses", "invoices".
type Dataset map[string][]json.RawMessage

// resources lists the resource names the emulator serves, each at
// GET /v2/<name>.
var resources = []string{"clients", "projects", "users", "tasks", "task_assignments", "time_entries", "expenses", "invoices"}

// LoadFixtures reads the recorded Harvest list responses <resource>.json in
// fixturesDir (the shared fixtures' harvest folder, read in place) and
// returns the objects under each envelope's resource key, byte for byte as
// the files hold them.
func LoadFixtures(fixturesDir string) (Dataset, error) {
	data := Dataset{}
	for _, name := range resources {
		path := filepath.Join(fixturesDir, name+".json")
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("harvesttest: load fixtures: %w", err)
		}
		var env map[string]json.RawMessage
		if err := json.Unmarshal(b, &env); err != nil {
			return nil, fmt.Errorf("harvesttest: load fixtures: %s: %w", path, err)
		}
		list, ok := env[name]
		if !ok {
			return nil, fmt.Errorf("harvesttest: load fixtures: %s has no %q list", path, name)
		}
		var recs []json.RawMessage
		if err := json.Unmarshal(list, &recs); err != nil {
			return nil, fmt.Errorf("harvesttest: load fixtures: %s: %q: %w", path, name, err)
		}
		data[name] = recs
	}
	return data, nil
}

// SetField returns a copy of the JSON object obj with its top-level field
// name set to value (JSON text, e.g. `2.5`, `"2017-03-02"`, `null` or an
// object). The other fields keep their order and their bytes, so number
// literals such as 100.0 survive; a field obj does not have is appended.
// Tests use it to derive records from recorded ones.
func SetField(obj json.RawMessage, name string, value json.RawMessage) (json.RawMessage, error) {
	if !json.Valid(value) {
		return nil, fmt.Errorf("harvesttest: set %s: value %q is not JSON", name, value)
	}
	dec := json.NewDecoder(bytes.NewReader(obj))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("harvesttest: set %s: not a JSON object", name)
	}
	var out bytes.Buffer
	out.WriteByte('{')
	found := false
	for n := 0; dec.More(); n++ {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("harvesttest: set %s: %w", name, err)
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("harvesttest: set %s: field %s: %w", name, key, err)
		}
		if key == name {
			v, found = value, true
		}
		if n > 0 {
			out.WriteByte(',')
		}
		writeKey(&out, key)
		out.Write(v)
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("harvesttest: set %s: %w", name, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("harvesttest: set %s: data after the object", name)
	}
	if !found {
		if out.Len() > 1 {
			out.WriteByte(',')
		}
		writeKey(&out, name)
		out.Write(value)
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

func writeKey(out *bytes.Buffer, key string) {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(key) // a string always encodes
	out.Truncate(out.Len() - 1)
	out.WriteByte(':')
}
