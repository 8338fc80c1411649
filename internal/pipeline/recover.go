package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/takt-billing/takt/internal/warehouse"
	sqlfiles "github.com/takt-billing/takt/sql"
)

// InterruptedError is the error recorded for a run, and for its streams,
// that a process left running: it was killed, crashed or lost power before
// it could record how the run ended.
const InterruptedError = "interrupted: the process running it ended before the run finished (killed, crashed or stopped); its committed batches are kept and the next run resumes from the stored cursors"

// runsMu guards activeRuns and makes closing interrupted runs and starting
// a new one one step, so that a run another goroutine of this process is
// starting is never taken for an interrupted one.
var (
	runsMu     sync.Mutex
	activeRuns = map[int64]bool{}
)

// startRun records a new run, after closing the runs the ledger still shows
// as running although no pipeline of this process runs them: DuckDB lets
// one process write at a time, so their process is gone. The returned
// function marks the run as no longer running in this process.
func (p *Pipeline) startRun(ctx context.Context, trigger string) (int64, func(), error) {
	runsMu.Lock()
	defer runsMu.Unlock()
	if _, err := closeInterrupted(ctx, p.Warehouse, p.Logger); err != nil {
		return 0, nil, err
	}
	id, err := p.Loader.StartRun(ctx, trigger)
	if err != nil {
		return 0, nil, err
	}
	activeRuns[id] = true
	return id, func() {
		runsMu.Lock()
		delete(activeRuns, id)
		runsMu.Unlock()
	}, nil
}

// CloseInterrupted records every run the ledger shows as running, but that
// no pipeline of this process runs, as failed, with its running streams,
// and returns their ids. Runs do it when they start; a long-running owner
// of the warehouse (takt serve) does it when it starts too, so that its
// pages never show a dead process's run as running.
func CloseInterrupted(ctx context.Context, wh *warehouse.Warehouse, logger *slog.Logger) ([]int64, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	runsMu.Lock()
	defer runsMu.Unlock()
	return closeInterrupted(ctx, wh, logger)
}

// closeInterrupted is CloseInterrupted; the caller holds runsMu.
func closeInterrupted(ctx context.Context, wh *warehouse.Warehouse, logger *slog.Logger) ([]int64, error) {
	rows, err := wh.DB.QueryContext(ctx, sqlfiles.Query("ops_running_runs"))
	if err != nil {
		return nil, fmt.Errorf("pipeline: read runs left running: %w", err)
	}
	var stale []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		if !activeRuns[id] {
			stale = append(stale, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	for _, id := range stale {
		tx, err := wh.DB.BeginTx(ctx, nil)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, sqlfiles.Query("ops_close_interrupted_streams"), id, now, InterruptedError); err != nil {
			tx.Rollback()
			return nil, fmt.Errorf("pipeline: close interrupted run %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, sqlfiles.Query("ops_close_interrupted_run"), id, now, InterruptedError); err != nil {
			tx.Rollback()
			return nil, fmt.Errorf("pipeline: close interrupted run %d: %w", id, err)
		}
		if err := tx.Commit(); err != nil {
			return nil, fmt.Errorf("pipeline: close interrupted run %d: %w", id, err)
		}
		logger.Warn("closed a run an earlier process left running", "run_id", id, "status", "failed")
	}
	return stale, nil
}
