//go:build duckdb_arrow

package load

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/takt-billing/takt/extract"
	sqlfiles "github.com/takt-billing/takt/sql"
)

// SyncMode says how a run extracts a stream.
type SyncMode string

// Sync modes, as recorded in ops.stream_syncs.
const (
	// FullRefresh reads the stream from scratch. Its rows stay invisible
	// to staging until its last batch commits; then the records of the
	// stream's current view it did not bring get tombstones.
	FullRefresh SyncMode = "full_refresh"
	// Incremental reads what changed since the committed cursor.
	Incremental SyncMode = "incremental"
)

// syncState is a sync this loader began.
type syncState struct {
	source, stream string
	runID          int64
	mode           SyncMode
	completed      bool
	// tombstones is the number of records the completed full refresh
	// found deleted.
	tombstones int64
}

func syncKey(runID int64, source, stream string) string {
	return strconv.FormatInt(runID, 10) + "/" + source + "/" + stream
}

// BeginSync records that run runID extracts a registered stream in mode,
// starting from the committed cursor cursorFrom ("" for a full refresh).
// The batch that carries the stream's new cursor completes the sync in its
// own transaction; a sync whose extraction ends without such a batch (a
// stream without records) is completed by CompleteSync.
func (l *Loader) BeginSync(ctx context.Context, runID int64, source, stream string, mode SyncMode, cursorFrom string) error {
	if mode != FullRefresh && mode != Incremental {
		return fmt.Errorf("load: %s.%s: unknown sync mode %q", source, stream, mode)
	}
	if l.table(source, stream) == nil {
		return fmt.Errorf("load: stream %s.%s is not registered", source, stream)
	}
	if _, err := l.wh.DB.ExecContext(ctx, sqlfiles.Query("ingest_begin_sync"), runID, source, stream, string(mode), nullIfEmpty(cursorFrom), l.now()); err != nil {
		return fmt.Errorf("load: %s.%s: begin sync: %w", source, stream, err)
	}
	l.stateMu.Lock()
	l.syncs[syncKey(runID, source, stream)] = &syncState{source: source, stream: stream, runID: runID, mode: mode}
	l.stateMu.Unlock()
	return nil
}

// CompleteSync completes a sync whose extraction succeeded, if its last
// batch has not already: for a full refresh, the records of the stream's
// current view it did not bring get tombstones. It returns how many
// records the sync found deleted (0 for an incremental sync).
func (l *Loader) CompleteSync(ctx context.Context, runID int64, source, stream string) (int64, error) {
	l.stateMu.Lock()
	st := l.syncs[syncKey(runID, source, stream)]
	l.stateMu.Unlock()
	if st == nil {
		return 0, fmt.Errorf("load: %s.%s: no sync of run %d to complete", source, stream, runID)
	}
	if st.completed {
		return st.tombstones, nil
	}
	rt := l.table(source, stream)
	tx, err := l.wh.DB.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("load: %s.%s: begin: %w", source, stream, err)
	}
	defer tx.Rollback()
	done, err := l.completeInTx(ctx, tx, rt, runID, l.now())
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("load: %s.%s: commit: %w", source, stream, err)
	}
	l.committed(source, stream, done, nil, nil)
	return st.tombstones, nil
}

// completeInTx completes the stream's sync of runID inside tx, if this
// loader began one and it is not complete yet. The returned state is
// marked complete once tx commits (see committed).
func (l *Loader) completeInTx(ctx context.Context, tx *sql.Tx, rt *rawTable, runID int64, now time.Time) (*syncState, error) {
	l.stateMu.Lock()
	st := l.syncs[syncKey(runID, rt.source, rt.stream)]
	l.stateMu.Unlock()
	if st == nil || st.completed {
		return nil, nil
	}
	var tombstones int64
	if st.mode == FullRefresh {
		var rows int64
		var before bool
		if err := tx.QueryRowContext(ctx, l.rawQuery("ingest_count_rows_of_run", rt), runID).Scan(&rows, &before); err != nil {
			return nil, fmt.Errorf("load: %s.%s: count rows: %w", rt.source, rt.stream, err)
		}
		switch {
		case rows == 0 && before:
			// An account that answers with nothing at all is more likely
			// a wrong account or a vendor fault than one whose every
			// record was deleted; the current view stays as it is.
			l.logger.Warn("full refresh brought no records; nothing is marked deleted",
				"source", rt.source, "stream", rt.stream, "run_id", runID)
		case rows > 0 && before:
			res, err := tx.ExecContext(ctx, l.rawQuery("ingest_tombstone_absent", rt), runID, rt.source, rt.stream, now)
			if err != nil {
				return nil, fmt.Errorf("load: %s.%s: deleted records: %w", rt.source, rt.stream, err)
			}
			tombstones, _ = res.RowsAffected()
		}
	}
	if _, err := tx.ExecContext(ctx, sqlfiles.Query("ingest_complete_sync"), runID, rt.source, rt.stream, now); err != nil {
		return nil, fmt.Errorf("load: %s.%s: complete sync: %w", rt.source, rt.stream, err)
	}
	return &syncState{source: st.source, stream: st.stream, runID: runID, mode: st.mode, tombstones: tombstones}, nil
}

// committed updates the loader's memory after a transaction committed: a
// completed sync, rejects added and resolved.
func (l *Loader) committed(source, stream string, done *syncState, rejects []extract.Reject, resolved []string) {
	l.stateMu.Lock()
	defer l.stateMu.Unlock()
	if done != nil {
		if st := l.syncs[syncKey(done.runID, source, stream)]; st != nil {
			st.completed, st.tombstones = true, done.tombstones
		}
	}
	open := l.openRejects[source+"/"+stream]
	if open == nil {
		return
	}
	for _, id := range resolved {
		delete(open, id)
	}
	for _, r := range rejects {
		if r.RecordID != "" {
			open[r.RecordID] = true
		}
	}
}

// loadOpenRejects returns the ids of the stream's open extract-stage
// rejects, read once per loader and kept up to date by committed.
func (l *Loader) loadOpenRejects(ctx context.Context, source, stream string) (map[string]bool, error) {
	key := source + "/" + stream
	l.stateMu.Lock()
	open, ok := l.openRejects[key]
	l.stateMu.Unlock()
	if ok {
		return open, nil
	}
	rows, err := l.wh.DB.QueryContext(ctx, sqlfiles.Query("ingest_open_rejects"), source, stream)
	if err != nil {
		return nil, fmt.Errorf("open rejects: %w", err)
	}
	defer rows.Close()
	open = map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		open[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	l.stateMu.Lock()
	if prev, ok := l.openRejects[key]; ok {
		open = prev
	} else {
		l.openRejects[key] = open
	}
	l.stateMu.Unlock()
	return open, nil
}

// fixedRecords lists the ids of the batch's records that are in the
// quarantine: a valid version of each arrived. The caller holds stateMu.
func fixedRecords(recs []arrow.RecordBatch, open map[string]bool) []string {
	if len(open) == 0 {
		return nil
	}
	var out []string
	for _, rec := range recs {
		ids := rec.Column(0).(*array.String)
		for i := 0; i < ids.Len(); i++ {
			if id := ids.Value(i); open[id] {
				out = append(out, id)
			}
		}
	}
	return out
}

// ReconcileIDs compares a complete listing of a stream's ids with its
// current view: every record of the view the listing no longer holds gets
// a tombstone (reason absent_from_id_list), in one transaction with the
// check's entry in ops.id_checks. It returns how many records were found
// deleted. An empty listing marks nothing deleted (see completeInTx).
func (l *Loader) ReconcileIDs(ctx context.Context, runID int64, source, stream string, ids []string) (int64, error) {
	rt := l.table(source, stream)
	if rt == nil {
		return 0, fmt.Errorf("load: stream %s.%s is not registered", source, stream)
	}
	conn, err := l.wh.DB.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("load: %s.%s: %w", source, stream, err)
	}
	defer conn.Close()
	seq := strconv.FormatUint(batchSeq.Add(1), 10)
	view, listed := batchViewPrefix+seq, "takt_listed_"+seq
	if len(ids) > 0 {
		rec := idRecord(ids)
		defer rec.Release()
		release, err := registerBatch(ctx, conn, idSchema, []arrow.RecordBatch{rec}, view)
		if err != nil {
			return 0, fmt.Errorf("load: %s.%s: register ids: %w", source, stream, err)
		}
		defer release()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("load: %s.%s: begin: %w", source, stream, err)
	}
	defer tx.Rollback()
	now := l.now()
	var deleted int64
	if len(ids) == 0 {
		l.logger.Warn("id listing is empty; nothing is marked deleted", "source", source, "stream", stream, "run_id", runID)
	} else {
		// The view can be read once; the listing is read by a join, so
		// it is copied first. listed and view are names takt made.
		if _, err := tx.ExecContext(ctx, "CREATE TEMP TABLE "+listed+" AS SELECT DISTINCT id FROM "+view); err != nil {
			return 0, fmt.Errorf("load: %s.%s: listed ids: %w", source, stream, err)
		}
		q := strings.ReplaceAll(l.rawQuery("ingest_tombstone_unlisted", rt), "{listed}", "temp."+listed)
		res, err := tx.ExecContext(ctx, q, runID, source, stream, now)
		if err != nil {
			return 0, fmt.Errorf("load: %s.%s: deleted records: %w", source, stream, err)
		}
		deleted, _ = res.RowsAffected()
		if _, err := tx.ExecContext(ctx, "DROP TABLE temp."+listed); err != nil {
			return 0, fmt.Errorf("load: %s.%s: listed ids: %w", source, stream, err)
		}
	}
	if _, err := tx.ExecContext(ctx, sqlfiles.Query("ingest_record_id_check"), runID, source, stream, now, len(ids), deleted); err != nil {
		return 0, fmt.Errorf("load: %s.%s: record id check: %w", source, stream, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("load: %s.%s: commit: %w", source, stream, err)
	}
	return deleted, nil
}

// RunsSinceIDCheck is how many runs extracted a stream since its ids were
// last listed (every run that ever did, when they never were).
func (l *Loader) RunsSinceIDCheck(ctx context.Context, source, stream string) (int, error) {
	var n int
	if err := l.wh.DB.QueryRowContext(ctx, sqlfiles.Query("ingest_runs_since_id_check"), source, stream).Scan(&n); err != nil {
		return 0, fmt.Errorf("load: %s.%s: id checks: %w", source, stream, err)
	}
	return n, nil
}

var idSchema = arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}}, nil)

func idRecord(ids []string) arrow.RecordBatch {
	b := array.NewStringBuilder(memory.DefaultAllocator)
	defer b.Release()
	b.AppendValues(ids, nil)
	col := b.NewArray()
	defer col.Release()
	return array.NewRecordBatch(idSchema, []arrow.Array{col}, int64(len(ids)))
}

// rereadMaxRows bounds the batches AppendBatches checks for versions it
// holds already: the few records an incremental read gets again because
// of its overlap. Bigger batches are new data and written as they are.
const rereadMaxRows = 1000

// syncMode is the mode of the stream's sync in run runID, "" when this
// loader began none.
func (l *Loader) syncMode(runID int64, source, stream string) SyncMode {
	l.stateMu.Lock()
	defer l.stateMu.Unlock()
	if st := l.syncs[syncKey(runID, source, stream)]; st != nil {
		return st.mode
	}
	return ""
}

// allKnown reports whether the raw table holds every row of recs already:
// the same id, updated_at and _raw.
func (l *Loader) allKnown(ctx context.Context, rt *rawTable, recs []arrow.RecordBatch) (bool, error) {
	type version struct {
		id  string
		upd int64
	}
	want := map[version]string{}
	var ids []string
	var since int64
	for _, rec := range recs {
		idCol := rec.Column(0).(*array.String)
		updCol := rec.Column(1).(*array.Timestamp)
		rawCol := rec.Column(int(rec.NumCols()) - 1).(*array.String)
		for i := 0; i < int(rec.NumRows()); i++ {
			if updCol.IsNull(i) || rawCol.IsNull(i) {
				return false, nil
			}
			v := version{idCol.Value(i), int64(updCol.Value(i))}
			if len(ids) == 0 || v.upd < since {
				since = v.upd
			}
			want[v] = rawCol.Value(i)
			ids = append(ids, v.id)
		}
	}
	rows, err := l.wh.DB.QueryContext(ctx, l.rawQuery("ingest_known_versions", rt), time.UnixMicro(since).UTC(), ids)
	if err != nil {
		return false, fmt.Errorf("versions read again: %w", err)
	}
	defer rows.Close()
	found := 0
	for rows.Next() {
		var id, raw string
		var upd time.Time
		if err := rows.Scan(&id, &upd, &raw); err != nil {
			return false, err
		}
		if r, ok := want[version{id, upd.UnixMicro()}]; ok && r == raw {
			delete(want, version{id, upd.UnixMicro()})
			found++
		}
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	return len(want) == 0, nil
}

// table returns a registered stream's raw table, or nil.
func (l *Loader) table(source, stream string) *rawTable {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.tables[source+"/"+stream]
}

// rawQuery is a named query with {table} set to the stream's raw table,
// whose name comes from the stream registry and was checked when it was
// registered.
func (l *Loader) rawQuery(name string, rt *rawTable) string {
	return strings.ReplaceAll(sqlfiles.Query(name), "{table}", "raw."+rt.table)
}
