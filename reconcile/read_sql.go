//go:build !duckdb_arrow

package reconcile

import (
	"context"
	"database/sql"
	"fmt"

	sqlfiles "github.com/takt-billing/takt/sql"
)

// Builds without Arrow read row by row.

// scanCandidateRows reads the staged candidates (billing_candidates).
func scanCandidateRows(ctx context.Context, conn *sql.Conn, fn func(*candidateRow) error) error {
	rows, err := conn.QueryContext(ctx, sqlfiles.Query("billing_candidates"))
	if err != nil {
		return fmt.Errorf("billing: read unbilled work: %w", err)
	}
	defer rows.Close()
	var r candidateRow
	for rows.Next() {
		var workDate sql.NullTime
		if err := rows.Scan(&r.key, &r.customerID, &r.customer, &r.projectCode, &r.project, &r.task, &workDate,
			&r.hours, &r.rate, &r.amount, &r.currency, &r.claimedBy, &r.billable); err != nil {
			return fmt.Errorf("billing: read unbilled work: %w", err)
		}
		r.workDate = workDate.Time
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// scanRunItems reads a stored run's items (billing_run_line_items).
func scanRunItems(ctx context.Context, q querier, runID string, fn func(lineID, key, qty, amt string) error) error {
	return queryRunItems(ctx, q, runID, fn)
}
