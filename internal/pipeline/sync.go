package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/load"
)

// Options select what one run does. The zero value runs every stream of
// every source incrementally and builds the SQL layers.
type Options struct {
	// Sources limits the run to the sources with these names; empty means
	// all.
	Sources []string
	// Streams limits the run to these streams, each "stream" (of any
	// selected source that has it) or "source.stream"; empty means all.
	Streams []string
	// FullRefresh reads the selected streams from scratch instead of from
	// their cursors. What a full refresh brings replaces a stream's
	// current view only once it has completed; records it no longer finds
	// are marked deleted.
	FullRefresh bool
	// ExtractOnly extracts and loads without building the SQL layers.
	ExtractOnly bool
	// Rebuild builds every SQL model and runs every data test, not only
	// those whose inputs changed (transform.Settings.Rebuild).
	Rebuild bool
}

// check refuses selections that name nothing the pipeline has.
func (o Options) check(conns []extract.Connector) error {
	names := map[string]bool{}
	for _, c := range conns {
		names[c.Name()] = true
	}
	for _, s := range o.Sources {
		if !names[s] {
			return fmt.Errorf("source %q is not configured or not enabled (configured: %s)", s, strings.Join(slices.Sorted(maps.Keys(names)), ", "))
		}
	}
	for _, want := range o.Streams {
		found := false
		for _, c := range o.sources(conns) {
			for _, st := range c.Streams() {
				if want == st.Name || want == c.Name()+"."+st.Name {
					found = true
				}
			}
		}
		if !found {
			return fmt.Errorf("stream %q is not a stream of the selected sources; name it as it appears in `takt run` (e.g. time_entries or harvest.time_entries)", want)
		}
	}
	return nil
}

// CountStreams is the number of streams of conns a run with o extracts.
func (o Options) CountStreams(conns []extract.Connector) int {
	n := 0
	for _, c := range o.sources(conns) {
		n += len(o.streams(c))
	}
	return n
}

func (o Options) sources(conns []extract.Connector) []extract.Connector {
	if len(o.Sources) == 0 {
		return conns
	}
	var out []extract.Connector
	for _, c := range conns {
		if slices.Contains(o.Sources, c.Name()) {
			out = append(out, c)
		}
	}
	return out
}

func (o Options) streams(c extract.Connector) []extract.Stream {
	if len(o.Streams) == 0 {
		return c.Streams()
	}
	var out []extract.Stream
	for _, st := range c.Streams() {
		if slices.Contains(o.Streams, st.Name) || slices.Contains(o.Streams, c.Name()+"."+st.Name) {
			out = append(out, st)
		}
	}
	return out
}

// SyncSettings tune how streams are extracted and loaded.
type SyncSettings struct {
	// IDCheckEvery is, by source, after how many runs of an incremental
	// stream the pipeline lists the stream's ids to find records deleted
	// in the source (for connectors that can list ids, see IDLister);
	// sources not named use DefaultIDCheckEvery. 1 lists them every run.
	IDCheckEvery map[string]int
	// CoalesceRows is how many rows of a stream are gathered from its
	// pages before they are written in one transaction (see
	// load.Coalescer); 0 means load.DefaultCoalesceRows.
	CoalesceRows int
}

// DefaultIDCheckEvery is how many runs of a stream pass between two
// listings of its ids: with runs every hour, deletions show within half a
// day; a full refresh finds them too.
const DefaultIDCheckEvery = 12

// PageProgress is a Progress that is also told about each page as it is
// extracted: the pipeline gathers pages into transactions of about a row
// group, so BatchLoaded, which counts committed rows, comes in steps of
// that size.
type PageProgress interface {
	PageExtracted(source, stream string, rows int64, pages int)
}

// IDLister is a connector that can list the ids of the records a stream
// holds now, complete, to find records deleted in the source when its
// incremental reads do not report deletions (Harvest). It is defined here,
// where it is used.
type IDLister interface {
	ListIDs(ctx context.Context, stream string, emit func(ctx context.Context, ids []string) error) error
}

// extractStream extracts one stream into the warehouse: a full refresh
// when opts ask for one or the stream has no cursor yet, otherwise from
// its cursor; pages gathered into transactions of about a row group; the
// sync completed (a full refresh marks what it did not find deleted); the
// stream's ids listed when a check is due. rows counts the rows loaded.
func (p *Pipeline) extractStream(ctx context.Context, runID int64, c extract.Connector, st extract.Stream, opts Options, rows *int64, log *slog.Logger) error {
	source, stream := c.Name(), st.Name
	cursor, err := p.Loader.Cursor(ctx, source, stream)
	if err != nil {
		return err
	}
	if opts.FullRefresh {
		cursor = ""
	}
	mode := load.Incremental
	if cursor == "" {
		mode = load.FullRefresh
	}
	// Streams that honour no cursor are read whole by their connector
	// every time; the sync modes are for streams that read from one.
	synced := st.Incremental
	if synced {
		if err := p.Loader.BeginSync(ctx, runID, source, stream, mode, cursor); err != nil {
			return err
		}
	}
	co := &load.Coalescer{Loader: p.Loader, RunID: runID, Source: source, Stream: stream, MinRows: int64(p.Sync.CoalesceRows),
		Loaded: func(n int64, pages int) {
			*rows += n
			if p.Progress != nil {
				p.Progress.BatchLoaded(source, stream, n, pages)
			}
		}}
	sb := &streamBatches{co: co}
	if pp, ok := p.Progress.(PageProgress); ok {
		sb.extracted = func(n int64, pages int) { pp.PageExtracted(source, stream, n, pages) }
	}
	err = c.Extract(ctx, stream, cursor, sb.emit)
	if err == nil {
		err = co.Flush(ctx)
	}
	co.Release()
	if len(sb.unknown) > 0 {
		log.Warn("source sent fields takt does not know; they are kept in _raw",
			"source", source, "stream", stream, "fields", strings.Join(slices.Sorted(maps.Keys(sb.unknown)), ", "))
	}
	if sb.rejects > 0 {
		log.Warn("records refused into the quarantine; see takt rejects", "source", source, "stream", stream, "rejects", sb.rejects)
	}
	if err != nil || !synced {
		return err
	}
	deleted, err := p.Loader.CompleteSync(ctx, runID, source, stream)
	if err != nil {
		return err
	}
	if deleted > 0 {
		log.Info("records no longer in the source marked deleted", "source", source, "stream", stream, "deleted", deleted, "by", "full_refresh")
	}
	if mode == load.Incremental {
		return p.checkIDs(ctx, runID, c, stream, log)
	}
	return nil
}

// checkIDs lists a stream's ids when the connector can and a check is due,
// and marks the records the listing no longer holds deleted.
func (p *Pipeline) checkIDs(ctx context.Context, runID int64, c extract.Connector, stream string, log *slog.Logger) error {
	lister, ok := c.(IDLister)
	if !ok {
		return nil
	}
	source := c.Name()
	every := p.Sync.IDCheckEvery[source]
	if every <= 0 {
		every = DefaultIDCheckEvery
	}
	runs, err := p.Loader.RunsSinceIDCheck(ctx, source, stream)
	if err != nil {
		return err
	}
	if runs < every {
		return nil
	}
	var ids []string
	err = lister.ListIDs(ctx, stream, func(_ context.Context, page []string) error {
		ids = append(ids, page...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s.%s: listing ids to find deleted records: %w", source, stream, err)
	}
	deleted, err := p.Loader.ReconcileIDs(ctx, runID, source, stream, ids)
	if err != nil {
		return err
	}
	log.Info("listed ids to find deleted records", "source", source, "stream", stream, "listed", len(ids), "deleted", deleted)
	return nil
}

// streamBatches hands a stream's batches to a load.Coalescer, telling the
// progress display about each page and noting the rejects and unknown
// fields for the stream's log line.
type streamBatches struct {
	co        *load.Coalescer
	extracted func(rows int64, pages int)
	rejects   int
	unknown   map[string]bool
}

func (s *streamBatches) emit(ctx context.Context, b extract.Batch) error {
	if s.extracted != nil {
		var n int64
		if b.Record != nil {
			n = b.Record.NumRows()
		}
		s.extracted(n, b.Pages)
	}
	s.rejects += len(b.Rejects)
	for _, f := range b.UnknownFields {
		if s.unknown == nil {
			s.unknown = map[string]bool{}
		}
		s.unknown[f] = true
	}
	return s.co.Emit(ctx, b)
}
