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

// scanCandidateRows reads the staged candidates (billing_candidates) as
// Arrow record batches: a large firm's run reads hundreds of thousands,
// and a column at a time is several times faster than row by row.
func scanCandidateRows(ctx context.Context, conn *sql.Conn, fn func(*candidateRow) error) error {
	return conn.Raw(func(dc any) error {
		dconn, ok := dc.(driver.Conn)
		if !ok {
			return errors.New("billing: read unbilled work: not a DuckDB connection")
		}
		ar, err := duckdb.NewArrowFromConn(dconn)
		if err != nil {
			return fmt.Errorf("billing: read unbilled work: %w", err)
		}
		rdr, err := ar.QueryContext(ctx, sqlfiles.Query("billing_candidates"))
		if err != nil {
			return fmt.Errorf("billing: read unbilled work: %w", err)
		}
		defer rdr.Release()
		names := map[string]string{}
		for rdr.Next() {
			if err := scanCandidateBatch(rdr.RecordBatch(), names, fn); err != nil {
				return err
			}
		}
		return rdr.Err()
	})
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
		if i == 6 {
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
			notBefore: opt(12, i)}
		if !days.IsNull(i) {
			r.workDate = days.Value(i).ToTime().UTC()
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return nil
}
