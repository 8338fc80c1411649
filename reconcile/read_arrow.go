//go:build duckdb_arrow

package reconcile

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"

	sqlfiles "github.com/takt-billing/takt/sql"
)

// A large firm's run has hundreds of thousands of candidates and items:
// they are read as Arrow record batches, a column at a time, several
// times faster than row by row.

// scanArrow runs query on conn and passes each record batch to fn.
func scanArrow(ctx context.Context, conn *sql.Conn, query string, fn func(arrow.RecordBatch) error, args ...any) error {
	return conn.Raw(func(dc any) error {
		dconn, ok := dc.(driver.Conn)
		if !ok {
			return errors.New("not a DuckDB connection")
		}
		ar, err := duckdb.NewArrowFromConn(dconn)
		if err != nil {
			return err
		}
		rdr, err := ar.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rdr.Release()
		for rdr.Next() {
			if err := fn(rdr.RecordBatch()); err != nil {
				return err
			}
		}
		return rdr.Err()
	})
}

// scanCandidateRows reads the staged candidates (billing_candidates).
func scanCandidateRows(ctx context.Context, conn *sql.Conn, fn func(*candidateRow) error) error {
	names := map[string]string{}
	err := scanArrow(ctx, conn, sqlfiles.Query("billing_candidates"), func(rec arrow.RecordBatch) error {
		return scanCandidateBatch(rec, names, fn)
	})
	if err != nil {
		return fmt.Errorf("billing: read unbilled work: %w", err)
	}
	return nil
}

// scanRunItems reads a stored run's items (billing_run_line_items): line
// id, item key, quantity and amount. The values point into buffers that
// are reused: fn copies what it keeps. Arrow needs a connection of its
// own; inside a transaction begun on the pool the items are read row by
// row.
func scanRunItems(ctx context.Context, q querier, runID string, fn func(lineID, key, qty, amt string) error) error {
	var conn *sql.Conn
	switch c := q.(type) {
	case *sql.Conn:
		conn = c
	case *sql.DB:
		var err error
		if conn, err = c.Conn(ctx); err != nil {
			return err
		}
		defer conn.Close()
	default:
		return queryRunItems(ctx, q, runID, fn)
	}
	return scanArrow(ctx, conn, sqlfiles.Query("billing_run_line_items"), func(rec arrow.RecordBatch) error {
		if rec.NumCols() != 4 {
			return fmt.Errorf("%d columns, want 4", rec.NumCols())
		}
		var cols [4]array.StringLike
		for i := range cols {
			s, ok := rec.Column(i).(array.StringLike)
			if !ok {
				return fmt.Errorf("column %s is %s, want text", rec.ColumnName(i), rec.Column(i).DataType())
			}
			cols[i] = s
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			if err := fn(cols[0].Value(i), cols[1].Value(i), cols[2].Value(i), cols[3].Value(i)); err != nil {
				return err
			}
		}
		return nil
	}, runID)
}

// scanCandidateBatch passes each row of rec to fn. Customers, projects,
// tasks and currencies repeat across hundreds of thousands of rows: each
// distinct text is copied once and kept in names.
func scanCandidateBatch(rec arrow.RecordBatch, names map[string]string, fn func(*candidateRow) error) error {
	if rec.NumCols() != 13 {
		return fmt.Errorf("billing: read unbilled work: %d columns, want 13", rec.NumCols())
	}
	str := make([]array.StringLike, 13)
	for i := range str {
		if i == 6 || i == 12 {
			continue
		}
		s, ok := rec.Column(i).(array.StringLike)
		if !ok {
			return fmt.Errorf("billing: read unbilled work: column %s is %s, want text", rec.ColumnName(i), rec.Column(i).DataType())
		}
		str[i] = s
	}
	days, ok := rec.Column(6).(*array.Date32)
	if !ok {
		return fmt.Errorf("billing: read unbilled work: column %s is %s, want a date", rec.ColumnName(6), rec.Column(6).DataType())
	}
	billable, ok := rec.Column(12).(*array.Boolean)
	if !ok {
		return fmt.Errorf("billing: read unbilled work: column %s is %s, want a boolean", rec.ColumnName(12), rec.Column(12).DataType())
	}
	// Arrow's strings point into the batch's buffers, which are reused:
	// every value kept is copied.
	text := func(col, i int) string {
		if str[col].IsNull(i) {
			return ""
		}
		return strings.Clone(str[col].Value(i))
	}
	name := func(col, i int) string {
		if str[col].IsNull(i) {
			return ""
		}
		v := str[col].Value(i)
		if n, ok := names[v]; ok {
			return n
		}
		n := strings.Clone(v)
		names[n] = n
		return n
	}
	opt := func(col, i int) sql.NullString {
		if str[col].IsNull(i) {
			return sql.NullString{}
		}
		return sql.NullString{String: strings.Clone(str[col].Value(i)), Valid: true}
	}
	for i := 0; i < int(rec.NumRows()); i++ {
		r := candidateRow{key: text(0, i), customerID: name(1, i), customer: name(2, i), projectCode: name(3, i), project: name(4, i),
			task: name(5, i), hours: opt(7, i), rate: opt(8, i), amount: opt(9, i), currency: name(10, i), claimedBy: opt(11, i),
			billable: billable.Value(i)}
		if !days.IsNull(i) {
			r.workDate = days.Value(i).ToTime().UTC()
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return nil
}
