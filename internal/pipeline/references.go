package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	sqlfiles "github.com/takt-billing/takt/sql"
)

// quarantineReferences files the records the SQL layers keep out of the
// current view because of what they point to (a time entry booked onto a
// project Harvest does not list, an expense without a project) in the
// quarantine, once while they stay refused, and closes the entries of
// records that now pass: a fixed record flows into the current view with
// the run that sees it fixed. The checks themselves are the staging model
// staging.reference_rejects.
func (p *Pipeline) quarantineReferences(ctx context.Context, runID int64, log *slog.Logger) error {
	tx, err := p.Warehouse.DB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("quarantine references: %w", err)
	}
	defer tx.Rollback()
	now := time.Now().UTC()
	added, err := tx.ExecContext(ctx, sqlfiles.Query("ingest_quarantine_references"), runID, now)
	if err != nil {
		return fmt.Errorf("quarantine references: %w", err)
	}
	resolved, err := tx.ExecContext(ctx, sqlfiles.Query("ingest_resolve_references"), runID, now)
	if err != nil {
		return fmt.Errorf("quarantine references: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("quarantine references: %w", err)
	}
	n, _ := added.RowsAffected()
	m, _ := resolved.RowsAffected()
	if n > 0 || m > 0 {
		log.Warn("records kept out of the current view for their references; see takt rejects", "new", n, "resolved", m)
	}
	return nil
}
