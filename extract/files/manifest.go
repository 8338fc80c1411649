package files

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
)

// manifest is a stream's cursor: the file versions loaded and current, by
// file name. A file that leaves the imports folder keeps its entry (and so
// its rows): moving an imported file away is not deleting its facts.
type manifest map[string]string

// manifestEntry is one file of a manifest as the cursor stores it.
type manifestEntry struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
}

var sha256Re = regexp.MustCompile(`^[0-9a-f]{64}$`)

// parseManifest reads a stored cursor: a JSON array of {file, sha256}
// sorted by file, or the SHA-256 alone that takt stored when each stream
// read one file, <stream>.csv.
func parseManifest(stream, cursor string) (manifest, error) {
	m := manifest{}
	switch {
	case cursor == "":
		return m, nil
	case sha256Re.MatchString(cursor):
		m[stream+".csv"] = cursor
		return m, nil
	}
	var entries []manifestEntry
	if err := json.Unmarshal([]byte(cursor), &entries); err != nil {
		return nil, fmt.Errorf("files: %s: the stored cursor is not a list of loaded files (%v); run a full refresh of the stream", stream, err)
	}
	for _, e := range entries {
		m[e.File] = e.SHA256
	}
	return m, nil
}

// String is the cursor text: "" for no file, else the JSON array sorted by
// file name, so that the same files always give the same text.
func (m manifest) String() string {
	if len(m) == 0 {
		return ""
	}
	entries := make([]manifestEntry, 0, len(m))
	for f, h := range m {
		entries = append(entries, manifestEntry{File: f, SHA256: h})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].File < entries[j].File })
	b, err := json.Marshal(entries)
	if err != nil {
		panic(err) // strings always marshal
	}
	return string(b)
}

func (m manifest) clone() manifest {
	c := make(manifest, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
