// Package sql holds takt's SQL as plain .sql files, embedded into the binary:
//
//	migrations/NNNN_name.sql  schema migrations, applied in order on open
//	models/<layer>/*.sql      transformation models (staging, core,
//	                          reconcile, marts), each one CREATE OR REPLACE
//	                          statement, run in dependency order
//	tests/*.sql               data tests: queries that must return no rows
//	queries/*.sql             named queries used by Go code, in blocks that
//	                          start with a "-- name: <name>" line
//
// Importers alias it (sqlfiles) where it meets database/sql.
package sql

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
)

//go:embed migrations/*.sql models tests/*.sql queries/*.sql
var files embed.FS

// FS returns the embedded SQL files.
func FS() fs.FS { return files }

var (
	queriesOnce sync.Once
	queries     map[string]string
	queriesErr  error
)

// Query returns the named query from queries/*.sql. It panics on an unknown
// name: names are fixed at compile time and every one is exercised by tests.
func Query(name string) string {
	queriesOnce.Do(func() { queries, queriesErr = parseQueries() })
	if queriesErr != nil {
		panic(queriesErr)
	}
	q, ok := queries[name]
	if !ok {
		panic(fmt.Sprintf("sql: no query named %q in queries/*.sql", name))
	}
	return q
}

// QueryNames lists every named query, sorted.
func QueryNames() []string {
	queriesOnce.Do(func() { queries, queriesErr = parseQueries() })
	names := make([]string, 0, len(queries))
	for n := range queries {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func parseQueries() (map[string]string, error) {
	out := map[string]string{}
	paths, err := fs.Glob(files, "queries/*.sql")
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		b, err := files.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var name string
		var body strings.Builder
		flush := func() error {
			if name == "" {
				return nil
			}
			q := strings.TrimSpace(body.String())
			if q == "" {
				return fmt.Errorf("sql: %s: query %q is empty", p, name)
			}
			if _, dup := out[name]; dup {
				return fmt.Errorf("sql: %s: query %q defined twice", p, name)
			}
			out[name] = strings.TrimSuffix(q, ";")
			return nil
		}
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
				if err := flush(); err != nil {
					return nil, err
				}
				name = strings.TrimSpace(rest)
				body.Reset()
				continue
			}
			if name != "" {
				body.WriteString(line)
				body.WriteByte('\n')
			}
		}
		if err := flush(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
