// Package pipeline runs takt's flow once: extract every stream of every
// configured source, load each batch with its cursor, build the SQL layers
// and check them, and record the run in the ledger. The CLI, the demo and
// the scheduler all run the same Pipeline.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/extract/httpapi"
	"github.com/takt-billing/takt/internal/warehouse"
	"github.com/takt-billing/takt/load"
	"github.com/takt-billing/takt/transform"
)

// Progress is told what the run is doing, for a progress bar or logs. Its
// methods are called from one goroutine per source.
type Progress interface {
	StreamStarted(source, stream string)
	BatchLoaded(source, stream string, rows int64, pages int)
	StreamFinished(source, stream string, rows int64, err error)
}

// Pipeline is one warehouse with its sources.
type Pipeline struct {
	Warehouse *warehouse.Warehouse
	Loader    *load.Loader
	// Sources are the connectors to extract, in order. Sources run
	// concurrently; the streams of one source run one after another.
	Sources  []extract.Connector
	Settings transform.Settings
	Logger   *slog.Logger
	Progress Progress
	// Incidents configures the draft incidents opened after each run
	// (incidents.go); the zero value means the defaults.
	Incidents IncidentSettings
	// Sync tunes how streams are extracted and loaded (sync.go); the zero
	// value means the defaults.
	Sync SyncSettings
}

// Registry lists every stream takt knows, by source, so that the raw
// tables exist even for sources that are not configured (the SQL models
// read them all).
type Registry map[string][]extract.Stream

// New opens a pipeline on an open warehouse and registers every stream of
// the registry with the loader.
func New(ctx context.Context, wh *warehouse.Warehouse, reg Registry, logger *slog.Logger) (*Pipeline, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	l := load.New(wh, logger)
	names := make([]string, 0, len(reg))
	for n := range reg {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := l.Register(ctx, n, reg[n]); err != nil {
			return nil, err
		}
	}
	return &Pipeline{Warehouse: wh, Loader: l, Logger: logger}, nil
}

// Result is how a run ended.
type Result struct {
	RunID    int64
	Status   string // succeeded, partial or failed
	Streams  []load.StreamResult
	Duration time.Duration
	// Err says why the run is not succeeded: the failed streams, a model
	// or a data test.
	Err error
}

// Run runs the pipeline once. trigger is recorded in the ledger ("cli",
// "demo", "schedule"). The returned error is only for failures to record
// the run at all; how the run itself ended is in Result.
func (p *Pipeline) Run(ctx context.Context, trigger string) (*Result, error) {
	return p.RunWith(ctx, trigger, Options{})
}

// RunWith runs the pipeline once as opts say (sync.go): some sources or
// streams only, a full refresh, or extraction without the SQL layers. An
// opts naming a source or stream the pipeline does not have is an error
// before anything runs.
func (p *Pipeline) RunWith(ctx context.Context, trigger string, opts Options) (*Result, error) {
	if err := opts.check(p.Sources); err != nil {
		return nil, err
	}
	start := time.Now()
	runID, finished, err := p.startRun(ctx, trigger)
	if err != nil {
		return nil, err
	}
	defer finished()
	log := p.Logger.With("run_id", runID)
	log.Info("run started", "trigger", trigger, "sources", len(p.Sources))

	var (
		mu         sync.Mutex
		streamErrs []error
		streams    int
	)
	var wg sync.WaitGroup
	for _, c := range opts.sources(p.Sources) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var unreachable error
			var unreachableStream string
			for _, st := range opts.streams(c) {
				mu.Lock()
				streams++
				mu.Unlock()
				var err error
				if unreachable != nil {
					// The source did not answer at all: its other streams
					// would wait out the same retries and fail the same way.
					err = p.skipStream(ctx, runID, c.Name(), st.Name, unreachableStream)
				} else {
					err = p.runStream(ctx, runID, c, st, opts, log)
					if errors.Is(err, httpapi.ErrUnreachable) {
						unreachable, unreachableStream = err, st.Name
					}
				}
				if err != nil {
					mu.Lock()
					streamErrs = append(streamErrs, err)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()

	res := &Result{RunID: runID}
	var runErr error
	switch {
	case ctx.Err() != nil:
		runErr = fmt.Errorf("run %d interrupted: %w", runID, ctx.Err())
	case streams > 0 && len(streamErrs) == streams:
		runErr = fmt.Errorf("every stream failed: %w", errors.Join(streamErrs...))
	case opts.ExtractOnly:
	default:
		settings := p.Settings
		settings.Rebuild = settings.Rebuild || opts.Rebuild
		runErr = transform.Run(ctx, p.Warehouse, runID, settings, log)
		var dte *transform.DataTestError
		if runErr == nil || errors.As(runErr, &dte) {
			// The models were built: quarantine the records they keep out
			// of the current view for their references.
			if err := p.quarantineReferences(ctx, runID, log); err != nil {
				runErr = errors.Join(runErr, err)
			}
		}
	}
	switch {
	case runErr != nil:
		res.Status = load.RunFailed
		res.Err = runErr
		if len(streamErrs) > 0 && streams > len(streamErrs) {
			res.Err = errors.Join(runErr, errors.Join(streamErrs...))
		}
	case len(streamErrs) > 0:
		res.Status = load.RunPartial
		res.Err = fmt.Errorf("%d of %d streams failed: %w", len(streamErrs), streams, errors.Join(streamErrs...))
	default:
		res.Status = load.RunSucceeded
	}
	errText := ""
	if res.Err != nil {
		errText = res.Err.Error()
	}
	if err := p.Loader.FinishRun(ctx, runID, res.Status, errText); err != nil {
		return nil, err
	}
	res.Streams, err = p.Loader.RunSummary(context.WithoutCancel(ctx), runID)
	if err != nil {
		return nil, err
	}
	p.detectIncidents(ctx, runID, opts.ExtractOnly, log)
	res.Duration = time.Since(start)
	if res.Err != nil {
		log.Error("run ended", "status", res.Status, "duration", res.Duration, "error", res.Err)
	} else {
		log.Info("run ended", "status", res.Status, "duration", res.Duration)
	}
	return res, nil
}

// skipStream records a stream as failed without trying it, because the
// same source's stream failedStream found it unreachable.
func (p *Pipeline) skipStream(ctx context.Context, runID int64, source, stream, failedStream string) error {
	err := fmt.Errorf("%s.%s: not attempted because %s did not answer (see %s.%s): %w", source, stream, source, source, failedStream, httpapi.ErrUnreachable)
	if serr := p.Loader.StartStream(ctx, runID, source, stream); serr != nil {
		return serr
	}
	if ferr := p.Loader.FinishStream(ctx, runID, source, stream, err); ferr != nil {
		return ferr
	}
	if p.Progress != nil {
		p.Progress.StreamFinished(source, stream, 0, err)
	}
	return err
}

func (p *Pipeline) runStream(ctx context.Context, runID int64, c extract.Connector, st extract.Stream, opts Options, log *slog.Logger) error {
	source, stream := c.Name(), st.Name
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := p.Loader.StartStream(ctx, runID, source, stream); err != nil {
		return err
	}
	if p.Progress != nil {
		p.Progress.StreamStarted(source, stream)
	}
	ctx = p.streamContext(ctx, source, stream)
	var rows int64
	err := p.extractStream(ctx, runID, c, st, opts, &rows, log)
	if err != nil && !strings.HasPrefix(err.Error(), source) {
		err = fmt.Errorf("%s.%s: %w", source, stream, err)
	}
	if ferr := p.Loader.FinishStream(ctx, runID, source, stream, err); ferr != nil && err == nil {
		err = ferr
	}
	if p.Progress != nil {
		p.Progress.StreamFinished(source, stream, rows, err)
	}
	if err != nil {
		log.Error("stream failed", "source", source, "stream", stream, "rows", rows, "error", err)
	} else {
		log.Info("stream loaded", "source", source, "stream", stream, "rows", rows)
	}
	return err
}
