//go:build duckdb_arrow

package load

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/internal/warehouse"
	sqlfiles "github.com/takt-billing/takt/sql"
)

// batchViewPrefix starts the name under which a batch is visible to the
// INSERT that copies it. Arrow views belong to the connection that
// registered them, but DuckDB's Arrow scan refuses a name that another
// connection registered at the same moment, so every batch gets its own.
const batchViewPrefix = "takt_batch_"

var batchSeq atomic.Uint64

// Loader writes batches into raw tables and keeps the run ledger. It is safe
// for concurrent use; batches of different streams may be appended at once.
type Loader struct {
	wh     *warehouse.Warehouse
	logger *slog.Logger
	now    func() time.Time

	mu     sync.RWMutex
	tables map[string]*rawTable // by source + "/" + stream

	// stateMu guards the syncs and open rejects below.
	stateMu sync.Mutex
	// syncs are the syncs begun by this loader, by run/source/stream.
	syncs map[string]*syncState
	// openRejects are, by source/stream, the ids of records in the
	// quarantine that no later version has replaced yet; loaded on a
	// stream's first batch.
	openRejects map[string]map[string]bool
	// cursors are the stored cursors this loader read or wrote, by
	// source/stream: a batch whose cursor is the stored one does not
	// write it again.
	cursors map[string]string
}

type rawTable struct {
	source, stream, table string
	schema                *arrow.Schema
	// insert is the INSERT statement without the name of the view it reads.
	insert string
}

// New returns a loader writing to wh.
func New(wh *warehouse.Warehouse, logger *slog.Logger) *Loader {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Loader{wh: wh, logger: logger, now: func() time.Time { return time.Now().UTC() }, tables: map[string]*rawTable{},
		syncs: map[string]*syncState{}, openRejects: map[string]map[string]bool{}, cursors: map[string]string{}}
}

// RawTable is the raw table name of a source stream, without the schema.
func RawTable(source, stream string) string { return source + "_" + stream }

// Register makes the raw tables of a source's streams exist and match their
// schemas: a missing table is created; columns a newer takt added to a
// stream are added to an existing table; a column whose type changed is an
// error that names it. Only registered streams can be appended to.
func (l *Loader) Register(ctx context.Context, source string, streams []extract.Stream) error {
	if !identRe.MatchString(source) {
		return fmt.Errorf("load: source name %q is not a plain identifier", source)
	}
	existing, err := l.rawColumnsInWarehouse(ctx)
	if err != nil {
		return fmt.Errorf("load: %s: %w", source, err)
	}
	for _, st := range streams {
		if !identRe.MatchString(st.Name) {
			return fmt.Errorf("load: %s: stream name %q is not a plain identifier", source, st.Name)
		}
		if err := extract.ValidateSchema(st.Schema); err != nil {
			return fmt.Errorf("load: %s.%s: %w", source, st.Name, err)
		}
		cols, err := rawColumns(st.Schema)
		if err != nil {
			return fmt.Errorf("load: %s.%s: %w", source, st.Name, err)
		}
		table := RawTable(source, st.Name)
		if err := l.ensureTable(ctx, table, cols, existing[table]); err != nil {
			return fmt.Errorf("load: %s.%s: %w", source, st.Name, err)
		}
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = c.name
		}
		insert := "INSERT INTO raw." + table + " (" + strings.Join(names, ", ") + ") SELECT $1, $2, " +
			strings.Join(names[2:], ", ") + " FROM "
		l.mu.Lock()
		key := source + "/" + st.Name
		if _, dup := l.tables[key]; dup {
			l.mu.Unlock()
			return fmt.Errorf("load: stream %s.%s registered twice", source, st.Name)
		}
		l.tables[key] = &rawTable{source: source, stream: st.Name, table: table, schema: st.Schema, insert: insert}
		l.mu.Unlock()
	}
	return nil
}

// rawColumnsInWarehouse reads the columns of every raw table, by table,
// in one query.
func (l *Loader) rawColumnsInWarehouse(ctx context.Context) (map[string]map[string]string, error) {
	rows, err := l.wh.DB.QueryContext(ctx, sqlfiles.Query("ingest_schema_columns"), "raw")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]string{}
	for rows.Next() {
		var table, name, typ string
		if err := rows.Scan(&table, &name, &typ); err != nil {
			return nil, err
		}
		if out[table] == nil {
			out[table] = map[string]string{}
		}
		out[table][name] = typ
	}
	return out, rows.Err()
}

// ensureTable creates a raw table or adds the columns a newer takt added;
// existing are its columns in the warehouse (none when it is missing).
func (l *Loader) ensureTable(ctx context.Context, table string, cols []columnDef, existing map[string]string) error {
	if len(existing) == 0 {
		_, err := l.wh.DB.ExecContext(ctx, createTableSQL(table, cols))
		return err
	}
	for _, c := range cols {
		typ, ok := existing[c.name]
		if !ok {
			if _, err := l.wh.DB.ExecContext(ctx, "ALTER TABLE raw."+table+" ADD COLUMN "+c.name+" "+c.typ); err != nil {
				return fmt.Errorf("add column %s: %w", c.name, err)
			}
			l.logger.Info("added raw column", "table", table, "column", c.name, "type", c.typ)
			continue
		}
		if normType(typ) != normType(c.typ) {
			return fmt.Errorf("raw.%s column %s is %s in the warehouse but %s in this takt: the stream's schema changed incompatibly; load into a new warehouse or migrate the column", table, c.name, typ, c.typ)
		}
	}
	return nil
}

// Append writes one batch of a registered stream in one transaction: its
// rows, its rejects into the quarantine, its unknown fields into the drift
// report, the stream's counters in the ledger and, if b.Cursor is set, the
// stream's cursor (which also completes the stream's sync, see BeginSync).
// It returns the number of rows written (rejects not counted).
func (l *Loader) Append(ctx context.Context, runID int64, source, stream string, b extract.Batch) (int64, error) {
	return l.AppendBatches(ctx, runID, source, stream, []extract.Batch{b})
}

// AppendBatches writes consecutive batches of one stream in one
// transaction, as Append writes one: connectors emit a batch per API page,
// and DuckDB writes a transaction of whole row groups (122,880 rows)
// straight into the file instead of through its write-ahead log, so the
// pipeline hands pages on in such groups (Coalescer). Only the last batch
// may carry a cursor. In an incremental sync, a few rows that are all
// versions the raw table already holds (the same id, updated_at and _raw:
// records read again by the overlap) are not written again.
func (l *Loader) AppendBatches(ctx context.Context, runID int64, source, stream string, bs []extract.Batch) (int64, error) {
	l.mu.RLock()
	rt := l.tables[source+"/"+stream]
	l.mu.RUnlock()
	if rt == nil {
		return 0, fmt.Errorf("load: stream %s.%s is not registered", source, stream)
	}
	var (
		nrows   int64
		pages   int
		recs    []arrow.RecordBatch
		rejects []extract.Reject
		cursor  string
		drift   = map[string]bool{}
	)
	for i, b := range bs {
		if b.Cursor != "" && i != len(bs)-1 {
			return 0, fmt.Errorf("load: %s.%s: batch %d of %d carries a cursor; only the last may", source, stream, i+1, len(bs))
		}
		cursor = b.Cursor
		pages += b.Pages
		rejects = append(rejects, b.Rejects...)
		for _, f := range b.UnknownFields {
			drift[f] = true
		}
		if b.Record == nil {
			continue
		}
		if !b.Record.Schema().Equal(rt.schema) {
			return 0, fmt.Errorf("load: %s.%s: batch schema differs from the stream's declared schema", source, stream)
		}
		if b.Record.NumRows() > 0 {
			nrows += b.Record.NumRows()
			recs = append(recs, b.Record)
		}
	}
	for _, r := range rejects {
		if r.Rule == "" || r.Message == "" {
			return 0, fmt.Errorf("load: %s.%s: a reject of record %q has no rule or message", source, stream, r.RecordID)
		}
	}
	if nrows > 0 && nrows <= rereadMaxRows && l.syncMode(runID, source, stream) == Incremental {
		known, err := l.allKnown(ctx, rt, recs)
		if err != nil {
			return 0, fmt.Errorf("load: %s.%s: %w", source, stream, err)
		}
		if known {
			// Only versions the raw table holds already, read again by
			// the overlap: nothing to add.
			recs, nrows = nil, 0
		}
	}
	open, err := l.loadOpenRejects(ctx, source, stream)
	if err != nil {
		return 0, fmt.Errorf("load: %s.%s: %w", source, stream, err)
	}
	l.stateMu.Lock()
	resolved := fixedRecords(recs, open)
	l.stateMu.Unlock()
	conn, err := l.wh.DB.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("load: %s.%s: %w", source, stream, err)
	}
	defer conn.Close()
	view := batchViewPrefix + strconv.FormatUint(batchSeq.Add(1), 10)
	if len(recs) > 1 {
		chunks, err := combine(recs, scanChunkRows)
		if err != nil {
			return 0, fmt.Errorf("load: %s.%s: combine pages: %w", source, stream, err)
		}
		defer func() {
			for _, c := range chunks {
				c.Release()
			}
		}()
		recs = chunks
	}
	if nrows > 0 {
		release, err := registerBatch(ctx, conn, rt.schema, recs, view)
		if err != nil {
			return 0, fmt.Errorf("load: %s.%s: register batch: %w", source, stream, err)
		}
		defer release()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("load: %s.%s: begin: %w", source, stream, err)
	}
	defer tx.Rollback()
	now := l.now()
	if nrows > 0 {
		res, err := tx.ExecContext(ctx, rt.insert+view, runID, now)
		if err != nil {
			return 0, fmt.Errorf("load: %s.%s: insert into raw.%s: %w", source, stream, rt.table, err)
		}
		if n, err := res.RowsAffected(); err == nil && n != nrows {
			return 0, fmt.Errorf("load: %s.%s: inserted %d of %d rows", source, stream, n, nrows)
		}
	}
	for _, r := range rejects {
		if _, err := tx.ExecContext(ctx, sqlfiles.Query("put_reject"), runID, source, stream, nullIfEmpty(r.RecordID),
			r.Rule, nullIfEmpty(r.Field), r.Message, nullIfEmpty(r.Payload), now); err != nil {
			return 0, fmt.Errorf("load: %s.%s: quarantine: %w", source, stream, err)
		}
	}
	if len(resolved) > 0 {
		if _, err := tx.ExecContext(ctx, sqlfiles.Query("ingest_resolve_rejects"), runID, source, stream, now, resolved); err != nil {
			return 0, fmt.Errorf("load: %s.%s: quarantine: %w", source, stream, err)
		}
	}
	for _, f := range slices.Sorted(maps.Keys(drift)) {
		if _, err := tx.ExecContext(ctx, sqlfiles.Query("ingest_put_drift"), runID, source, stream, f, now); err != nil {
			return 0, fmt.Errorf("load: %s.%s: schema drift: %w", source, stream, err)
		}
	}
	if _, err := tx.ExecContext(ctx, sqlfiles.Query("add_stream_rows"), runID, source, stream, nrows, pages); err != nil {
		return 0, fmt.Errorf("load: %s.%s: ledger: %w", source, stream, err)
	}
	var completed *syncState
	if cursor != "" {
		l.stateMu.Lock()
		stored, known := l.cursors[source+"/"+stream]
		l.stateMu.Unlock()
		if !known || stored != cursor {
			if _, err := tx.ExecContext(ctx, sqlfiles.Query("put_cursor"), source, stream, cursor, runID, now); err != nil {
				return 0, fmt.Errorf("load: %s.%s: cursor: %w", source, stream, err)
			}
		}
		// The cursor comes with the last batch: the stream's sync is
		// complete, in the same transaction.
		if completed, err = l.completeInTx(ctx, tx, rt, runID, now); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("load: %s.%s: commit: %w", source, stream, err)
	}
	l.committed(source, stream, completed, rejects, resolved)
	if cursor != "" {
		l.stateMu.Lock()
		l.cursors[source+"/"+stream] = cursor
		l.stateMu.Unlock()
	}
	return nrows, nil
}

// registerBatch registers recs as the view on conn. The returned release
// drops the view and then releases its Arrow stream (the view must go
// first); call it once the statements that read the view are done.
func registerBatch(ctx context.Context, conn *sql.Conn, schema *arrow.Schema, recs []arrow.RecordBatch, view string) (func(), error) {
	var free func()
	err := conn.Raw(func(dc any) error {
		dconn, ok := dc.(driver.Conn)
		if !ok {
			return errors.New("not a driver connection")
		}
		ar, err := duckdb.NewArrowFromConn(dconn)
		if err != nil {
			return err
		}
		reader, err := array.NewRecordReader(schema, recs)
		if err != nil {
			return err
		}
		rel, err := ar.RegisterView(reader, view)
		if err != nil {
			reader.Release()
			return err
		}
		free = func() { rel(); reader.Release() }
		return nil
	})
	if err != nil {
		return nil, err
	}
	return func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "DROP VIEW IF EXISTS "+view)
		free()
	}, nil
}
