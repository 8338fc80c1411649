// Package dbtest holds what tests of several packages need of a database:
// the rows of a query as lines, and their comparison. It imports nothing
// of takt, so that every package's tests can use it.
package dbtest

import (
	"database/sql"
	"slices"
	"strings"
	"testing"
)

// Strings runs q, a query of one text column, and returns its rows in
// order, a NULL as "". Any error fails the test.
func Strings(t testing.TB, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s.String)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Lines fails the test unless got and want hold the same lines in the
// same order, and shows both.
func Lines(t testing.TB, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
