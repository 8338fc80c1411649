//go:build duckdb_arrow

package load

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	sqlfiles "github.com/takt-billing/takt/sql"
)

// Run statuses in ops.runs.
const (
	RunRunning   = "running"
	RunSucceeded = "succeeded"
	RunPartial   = "partial"
	RunFailed    = "failed"
)

// StartRun records a new run and returns its id. trigger says who started
// it: "cli", "demo" or "schedule".
func (l *Loader) StartRun(ctx context.Context, trigger string) (int64, error) {
	var id int64
	if err := l.wh.DB.QueryRowContext(ctx, sqlfiles.Query("next_run_id")).Scan(&id); err != nil {
		return 0, fmt.Errorf("load: start run: %w", err)
	}
	if _, err := l.wh.DB.ExecContext(ctx, sqlfiles.Query("start_run"), id, trigger, l.now()); err != nil {
		return 0, fmt.Errorf("load: start run: %w", err)
	}
	return id, nil
}

// FinishRun records how a run ended. errText is empty on success.
func (l *Loader) FinishRun(ctx context.Context, runID int64, status, errText string) error {
	_, err := l.wh.DB.ExecContext(context.WithoutCancel(ctx), sqlfiles.Query("finish_run"), runID, l.now(), status, nullIfEmpty(errText))
	if err != nil {
		return fmt.Errorf("load: finish run %d: %w", runID, err)
	}
	return nil
}

// StartStream records that a run began extracting a stream.
func (l *Loader) StartStream(ctx context.Context, runID int64, source, stream string) error {
	if _, err := l.wh.DB.ExecContext(ctx, sqlfiles.Query("start_stream"), runID, source, stream, l.now()); err != nil {
		return fmt.Errorf("load: %s.%s: start: %w", source, stream, err)
	}
	return nil
}

// FinishStream records how a stream ended within a run.
func (l *Loader) FinishStream(ctx context.Context, runID int64, source, stream string, streamErr error) error {
	status, text := "succeeded", ""
	if streamErr != nil {
		status, text = "failed", streamErr.Error()
	}
	if _, err := l.wh.DB.ExecContext(context.WithoutCancel(ctx), sqlfiles.Query("finish_stream"), runID, source, stream, l.now(), status, nullIfEmpty(text)); err != nil {
		return fmt.Errorf("load: %s.%s: finish: %w", source, stream, err)
	}
	return nil
}

// Cursor returns a stream's committed cursor, or "" if it has none.
func (l *Loader) Cursor(ctx context.Context, source, stream string) (string, error) {
	var c string
	err := l.wh.DB.QueryRowContext(ctx, sqlfiles.Query("get_cursor"), source, stream).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("load: %s.%s: read cursor: %w", source, stream, err)
	}
	l.stateMu.Lock()
	l.cursors[source+"/"+stream] = c
	l.stateMu.Unlock()
	return c, nil
}

// StreamResult is one stream's line in a run summary.
type StreamResult struct {
	Source, Stream, Status string
	Rows, Pages            int64
	Error                  string
}

// RunSummary lists the streams of a run.
func (l *Loader) RunSummary(ctx context.Context, runID int64) ([]StreamResult, error) {
	rows, err := l.wh.DB.QueryContext(ctx, sqlfiles.Query("run_summary"), runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StreamResult
	for rows.Next() {
		var r StreamResult
		if err := rows.Scan(&r.Source, &r.Stream, &r.Status, &r.Rows, &r.Pages, &r.Error); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
