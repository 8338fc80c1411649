// Package hubspot is takt's HubSpot CRM connector: it extracts companies,
// deals (with their first associated company) and line items (with their
// deal) through HubSpot's CRM API v3 and hands them on as Arrow batches.
//
// A full extraction pages through the list endpoints
// (GET /crm/v3/objects/{type}, associations included). An incremental one
// searches for records whose hs_lastmodifieddate is at or after the cursor
// (POST /crm/v3/objects/{type}/search, sorted by it) and reads the
// associations of each page with the v4 batch read, because search results
// carry none. HubSpot stops a search at 10,000 results; the connector then
// starts a new search from the last modification time it saw, so large
// incremental runs complete.
//
// Search never returns archived (deleted) objects, so every extraction
// also reads the archived list (GET /crm/v3/objects/{type}?archived=true)
// and hands on the objects archived since the cursor with archived = true:
// staging shows them as deleted, never as a silent gap.
package hubspot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/extract/httpapi"
)

// DefaultBaseURL is HubSpot's API address.
const DefaultBaseURL = "https://api.hubapi.com"

// MaxPageSize is HubSpot's largest list page (limit).
const MaxPageSize = 100

// searchWindow is how many results one HubSpot search can page through;
// asking for an after beyond it is answered with 400.
const searchWindow = 10000

// cursorLayout is the fixed-width UTC form of cursors, so that they compare
// as strings.
const cursorLayout = "2006-01-02T15:04:05.000000Z"

// DefaultOverlap is how far before its cursor an incremental extraction
// starts searching: objects saved while the previous run read the list,
// with a modification time before its cursor, come in with the next run.
const DefaultOverlap = 5 * time.Minute

// NoOverlap as Config.Overlap searches from the cursor itself.
const NoOverlap time.Duration = -1

// Config configures the connector.
type Config struct {
	// BaseURL is the API address; "" means DefaultBaseURL. Tests point it at
	// the emulator on 127.0.0.1.
	BaseURL string
	// Token is the private app access token, sent as "Authorization:
	// Bearer <Token>". The caller resolves it from the environment; the
	// connector never logs or stores it elsewhere.
	Token string
	// PageSize is the number of records per list and search request,
	// 1..100; 0 means 100.
	PageSize int
	// HTTP is the shared client (retries, backoff, Retry-After). Required.
	HTTP *httpapi.Client
	// Overlap is how far before the cursor an incremental extraction
	// starts; 0 means DefaultOverlap, NoOverlap none. Records read again
	// collapse in staging by id and updated_at.
	Overlap time.Duration
	// Mem allocates the Arrow batches; default memory.DefaultAllocator.
	Mem memory.Allocator
	// Logger receives one debug line per page and one line per restarted
	// search; nil discards.
	Logger *slog.Logger
}

// Connector extracts HubSpot CRM streams. It is safe for concurrent use by
// several Extract calls.
type Connector struct {
	client   *client
	pageSize int
	overlap  time.Duration
	mem      memory.Allocator
	log      *slog.Logger
}

// New validates cfg and returns a connector.
func New(cfg Config) (*Connector, error) {
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("hubspot: config: Token is empty: set the HubSpot private app access token")
	}
	if cfg.HTTP == nil {
		return nil, errors.New("hubspot: config: HTTP is nil: pass the shared httpapi.Client")
	}
	switch {
	case cfg.PageSize == 0:
		cfg.PageSize = MaxPageSize
	case cfg.PageSize < 1 || cfg.PageSize > MaxPageSize:
		return nil, fmt.Errorf("hubspot: config: PageSize %d is out of range: HubSpot pages hold 1 to %d records", cfg.PageSize, MaxPageSize)
	}
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("hubspot: config: BaseURL %q is not an http(s) address like %s", cfg.BaseURL, DefaultBaseURL)
	}
	var logger *slog.Logger
	logger, cfg.Overlap, cfg.Mem = extract.Defaults(cfg.Logger, cfg.Overlap, DefaultOverlap, cfg.Mem)
	return &Connector{
		client:   &client{base: strings.TrimRight(base, "/"), token: cfg.Token, http: cfg.HTTP},
		pageSize: cfg.PageSize,
		overlap:  cfg.Overlap,
		mem:      cfg.Mem,
		log:      logger,
	}, nil
}

// Name returns Source.
func (c *Connector) Name() string { return Source }

// Streams returns Streams().
func (c *Connector) Streams() []extract.Stream { return Streams() }

// Extract reads one stream: all of it when cursor is "", otherwise the
// records modified at or after the cursor less the overlap (an inclusive
// bound: the records of the cursor's millisecond come again, and staging
// deduplicates them). Archived objects come first, from the archived list
// (all of them, or those archived since the cursor less the overlap); then
// one batch per API page. The last batch carries the new cursor, the
// latest modification time of a live object seen, never before the cursor
// given.
//
// A record that fails validation (no id, a date or amount that is not one,
// a property whose JSON type changed, an unknown currency) goes into the
// batch's Rejects with a message saying what to do; the other records of
// its page load. Fields HubSpot sends that the connector does not know are
// listed once in the batch's UnknownFields.
func (c *Connector) Extract(ctx context.Context, stream, cursor string, emit extract.Emit) error {
	spec, ok := specs[stream]
	if !ok {
		return fmt.Errorf("hubspot: unknown stream %q (streams: companies, deals, line_items)", stream)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("hubspot: %s: %w", stream, err)
	}
	x := &extraction{c: c, spec: spec, emit: emit, b: extract.NewRecordBuilder(c.mem, spec.stream.Schema)}
	defer x.b.Release()
	if cursor == "" {
		if err := x.list(ctx, true, time.Time{}); err != nil {
			return err
		}
		return x.list(ctx, false, time.Time{})
	}
	since, err := time.Parse(time.RFC3339Nano, cursor)
	if err != nil {
		return fmt.Errorf("hubspot: %s: cursor %q is not a time like %s: reset the stream's cursor to run a full extraction", stream, cursor, cursorLayout)
	}
	x.max = since
	from := since.Add(-c.overlap)
	if err := x.list(ctx, true, from); err != nil {
		return err
	}
	return x.incremental(ctx, from)
}

// extraction is the state of one Extract call.
type extraction struct {
	c    *Connector
	spec *streamSpec
	emit extract.Emit
	b    *extract.RecordBuilder
	page int // API pages requested so far in this phase
	// phase names the list being read in messages: "" for live objects,
	// "archived " for the archived list.
	phase string
	rows  int       // records handed on so far, refused ones included
	max   time.Time // latest updated_at of a live object seen
	// pages counts API pages read since the last emitted batch.
	pages int
	// rejects are the refused records since the last emitted batch.
	rejects []extract.Reject
	drift   extract.FieldSet
}

func (x *extraction) errf(format string, args ...any) error {
	return fmt.Errorf("hubspot: %s %spage %d: "+format, append([]any{x.spec.stream.Name, x.phase, x.page}, args...)...)
}

// list pages through the list endpoint and hands on every record; with
// archived, the archived list, and only the objects archived at or after
// since (all of them when since is zero), with archived = true. HubSpot's
// list has no filter on the archive time; the archived objects of a
// portal are few next to its live ones.
func (x *extraction) list(ctx context.Context, archived bool, since time.Time) error {
	if archived {
		x.phase = "archived "
		defer func() { x.phase, x.page = "", 0 }()
	}
	q := url.Values{}
	q.Set("limit", strconv.Itoa(x.c.pageSize))
	if archived {
		q.Set("archived", "true")
	}
	q.Set("properties", strings.Join(x.spec.properties(), ","))
	if x.spec.assocTo != "" {
		q.Set("associations", x.spec.assocTo)
	}
	path := "/crm/v3/objects/" + x.spec.objectType
	first := func(r *record) *string { return r.obj.firstAssociation(x.spec.assocTo) }
	after := ""
	for {
		x.page++
		x.pages++
		if after != "" {
			q.Set("after", after)
		}
		var p listPage
		if err := x.c.client.get(ctx, path, q, &p); err != nil {
			return x.errf("%w", err)
		}
		recs := x.decode(p.Results)
		if archived {
			recs = slices.DeleteFunc(recs, func(r record) bool { return r.updated.Before(since) })
		}
		next := p.Paging.nextAfter()
		// The archived list comes before the live records: its last page
		// is not the stream's.
		if err := x.emitPage(ctx, recs, first, !archived && next == "", archived); err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		if next == after {
			return x.errf("paging did not advance past after=%s", after)
		}
		after = next
	}
}

// incremental searches for records modified at or after since, in windows
// of at most searchWindow results: when a window is exhausted, the next
// one starts at the latest modification time seen, skipping the records
// of that millisecond already emitted.
func (x *extraction) incremental(ctx context.Context, since time.Time) error {
	path := "/crm/v3/objects/" + x.spec.objectType + "/search"
	lower := since.UnixMilli()
	var skip map[string]bool // ids emitted with modification time lower
	for {
		windowMax := int64(math.MinInt64)
		atMax := map[string]bool{}
		after := ""
		for {
			x.page++
			x.pages++
			req := searchRequest{
				FilterGroups: []filterGroup{{Filters: []filter{{
					PropertyName: propModified, Operator: "GTE", Value: strconv.FormatInt(lower, 10),
				}}}},
				Sorts:      []sortOrder{{PropertyName: propModified, Direction: "ASCENDING"}},
				Properties: x.spec.properties(),
				Limit:      x.c.pageSize,
				After:      after,
			}
			var p searchPage
			err := x.c.client.post(ctx, path, req, &p)
			var se *httpapi.StatusError
			if err != nil && after != "" && errors.As(err, &se) && se.Status == http.StatusBadRequest {
				// HubSpot answers 400 to a page beyond its search limit.
				x.page--
				x.pages--
				break
			}
			if err != nil {
				return x.errf("%w", err)
			}
			recs := x.decode(p.Results)
			kept := recs[:0]
			for _, r := range recs {
				ms := r.updated.UnixMilli()
				switch {
				case ms > windowMax:
					windowMax = ms
					clear(atMax)
					atMax[r.obj.ID] = true
				case ms == windowMax:
					atMax[r.obj.ID] = true
				}
				if ms == lower && skip[r.obj.ID] {
					continue
				}
				kept = append(kept, r)
			}
			assoc, err := x.associations(ctx, kept)
			if err != nil {
				return err
			}
			next := p.Paging.nextAfter()
			last := next == ""
			if err := x.emitPage(ctx, kept, func(r *record) *string { return assoc[r.obj.ID] }, last, false); err != nil {
				return err
			}
			if last {
				return nil
			}
			if n, err := strconv.Atoi(next); err == nil && n >= searchWindow {
				break
			}
			if next == after {
				return x.errf("paging did not advance past after=%s", after)
			}
			after = next
		}
		if windowMax <= lower {
			return fmt.Errorf("hubspot: %s: a HubSpot search cannot page past the records modified at %s (more than one search holds): reset the stream's cursor to run a full extraction",
				x.spec.stream.Name, time.UnixMilli(lower).UTC().Format(time.RFC3339Nano))
		}
		x.c.log.LogAttrs(ctx, slog.LevelInfo, "search reached its result limit, searching again",
			slog.String("source", Source), slog.String("stream", x.spec.stream.Name),
			slog.String("from", time.UnixMilli(windowMax).UTC().Format(time.RFC3339Nano)))
		lower = windowMax
		skip = atMax
	}
}

// decode reads a page's results. A result that cannot be read (no id, a
// modification time that is not one, a field whose JSON type changed) is
// refused into the quarantine; the others come back.
func (x *extraction) decode(results []json.RawMessage) []record {
	recs := make([]record, 0, len(results))
	for i, raw := range results {
		r, err := decodeRecord(raw, &x.drift)
		if err != nil {
			where := fmt.Sprintf("record at position %d", i)
			if r.obj.ID != "" {
				where = "record " + r.obj.ID
			}
			x.reject(r, where, err)
			continue
		}
		recs = append(recs, r)
	}
	return recs
}

// reject files a refused record for the next batch.
func (x *extraction) reject(r record, where string, err error) {
	x.rejects = append(x.rejects, extract.NewReject(
		fmt.Sprintf("hubspot: %s %spage %d: %s", x.spec.stream.Name, x.phase, x.page, where), r.obj.ID, err, r.raw, "HubSpot"))
	x.rows++
}

// associations reads the first associated object of each record with the
// v4 batch read (search results carry no associations).
func (x *extraction) associations(ctx context.Context, recs []record) (map[string]*string, error) {
	if x.spec.assocTo == "" || len(recs) == 0 {
		return nil, nil
	}
	req := batchReadRequest{Inputs: make([]objectRef, len(recs))}
	for i, r := range recs {
		req.Inputs[i] = objectRef{ID: r.obj.ID}
	}
	var resp batchReadResponse
	path := "/crm/v4/associations/" + x.spec.objectType + "/" + x.spec.assocTo + "/batch/read"
	if err := x.c.client.post(ctx, path, req, &resp); err != nil {
		return nil, x.errf("associations to %s: %w", x.spec.assocTo, err)
	}
	for _, e := range resp.Errors {
		if e.SubCategory != noAssociations {
			return nil, x.errf("associations to %s: %s: %s", x.spec.assocTo, e.Category, e.Message)
		}
	}
	out := make(map[string]*string, len(resp.Results))
	for _, res := range resp.Results {
		if len(res.To) == 0 {
			continue
		}
		if _, dup := out[res.From.ID]; dup {
			continue
		}
		id, err := idText(res.To[0].ToObjectID)
		if err != nil {
			return nil, x.errf("associations to %s: record %s: %w", x.spec.assocTo, res.From.ID, err)
		}
		out[res.From.ID] = &id
	}
	return out, nil
}

// emitPage maps a page's records and emits them as one batch, with the
// records refused since the last batch. The last page carries the cursor,
// and is emitted even without rows of its own when earlier pages had some;
// a stream without records emits nothing. Archived objects do not move the
// cursor, which follows the search over live objects.
func (x *extraction) emitPage(ctx context.Context, recs []record, assoc func(*record) *string, last, archived bool) error {
	appended := 0
	for i := range recs {
		r := &recs[i]
		vals, err := x.spec.values(r, assoc(r))
		if err == nil {
			err = x.b.Append(vals...)
		}
		if err != nil {
			x.reject(*r, "record "+r.obj.ID, invalid(err))
			continue
		}
		appended++
		if !archived && r.updated.After(x.max) {
			x.max = r.updated
		}
	}
	x.rows += appended
	x.c.log.LogAttrs(ctx, slog.LevelDebug, "page extracted",
		slog.String("source", Source), slog.String("stream", x.spec.stream.Name),
		slog.Int("page", x.page), slog.Int("rows", appended), slog.Int("rejects", len(x.rejects)))
	if x.rows == 0 || (appended == 0 && len(x.rejects) == 0 && !x.drift.Pending() && !last) {
		return nil
	}
	b := extract.Batch{Pages: x.pages, Rejects: x.rejects, UnknownFields: x.drift.Take()}
	if last {
		b.Cursor = x.max.UTC().Format(cursorLayout)
	}
	x.pages, x.rejects = 0, nil
	b.Record = x.b.NewRecord()
	defer b.Record.Release()
	return x.emit(ctx, b)
}

// Check makes the cheapest authenticated request there is, one company,
// and returns what it tried. `takt sources check` runs it to test the
// token and reachability without loading anything.
func (c *Connector) Check(ctx context.Context) (string, error) {
	const path = "/crm/v3/objects/companies"
	query := url.Values{"limit": {"1"}}
	var page json.RawMessage
	return "GET " + c.client.base + path + "?" + query.Encode(), c.client.get(ctx, path, query, &page)
}
