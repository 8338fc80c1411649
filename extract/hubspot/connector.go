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
	"strconv"
	"strings"
	"time"

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
	// Logger receives one debug line per page and one line per restarted
	// search; nil discards.
	Logger *slog.Logger
}

// Connector extracts HubSpot CRM streams. It is safe for concurrent use by
// several Extract calls.
type Connector struct {
	client   *client
	pageSize int
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
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Connector{
		client:   &client{base: strings.TrimRight(base, "/"), token: cfg.Token, http: cfg.HTTP},
		pageSize: cfg.PageSize,
		log:      logger,
	}, nil
}

// Name returns Source.
func (c *Connector) Name() string { return Source }

// Streams returns Streams().
func (c *Connector) Streams() []extract.Stream { return Streams() }

// Extract reads one stream: all of it when cursor is "", otherwise the
// records modified at or after the cursor (an inclusive bound: the records
// of the cursor's millisecond come again, and staging deduplicates them).
// It emits one batch per API page; the last batch carries the new cursor,
// the latest updated_at seen.
func (c *Connector) Extract(ctx context.Context, stream, cursor string, emit extract.Emit) error {
	spec, ok := specs[stream]
	if !ok {
		return fmt.Errorf("hubspot: unknown stream %q (streams: companies, deals, line_items)", stream)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("hubspot: %s: %w", stream, err)
	}
	x := &extraction{c: c, spec: spec, emit: emit, b: extract.NewRecordBuilder(nil, spec.stream.Schema)}
	defer x.b.Release()
	if cursor == "" {
		return x.full(ctx)
	}
	since, err := time.Parse(time.RFC3339Nano, cursor)
	if err != nil {
		return fmt.Errorf("hubspot: %s: cursor %q is not a time like %s: reset the stream's cursor to run a full extraction", stream, cursor, cursorLayout)
	}
	return x.incremental(ctx, since)
}

// extraction is the state of one Extract call.
type extraction struct {
	c    *Connector
	spec *streamSpec
	emit extract.Emit
	b    *extract.RecordBuilder
	page int       // API pages requested so far
	rows int       // records emitted so far
	max  time.Time // latest updated_at emitted
}

func (x *extraction) errf(format string, args ...any) error {
	return fmt.Errorf("hubspot: %s page %d: "+format, append([]any{x.spec.stream.Name, x.page}, args...)...)
}

// full pages through the list endpoint.
func (x *extraction) full(ctx context.Context) error {
	q := url.Values{}
	q.Set("limit", strconv.Itoa(x.c.pageSize))
	q.Set("properties", strings.Join(x.spec.properties(), ","))
	if x.spec.assocTo != "" {
		q.Set("associations", x.spec.assocTo)
	}
	path := "/crm/v3/objects/" + x.spec.objectType
	after := ""
	for {
		x.page++
		if after != "" {
			q.Set("after", after)
		}
		var p listPage
		if err := x.c.client.get(ctx, path, q, &p); err != nil {
			return x.errf("%w", err)
		}
		recs, err := x.decode(p.Results)
		if err != nil {
			return err
		}
		next := p.Paging.nextAfter()
		last := next == ""
		first := func(r *record) *string { return r.obj.firstAssociation(x.spec.assocTo) }
		if err := x.emitPage(ctx, recs, first, last); err != nil {
			return err
		}
		if last {
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
				break
			}
			if err != nil {
				return x.errf("%w", err)
			}
			recs, err := x.decode(p.Results)
			if err != nil {
				return err
			}
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
			if err := x.emitPage(ctx, kept, func(r *record) *string { return assoc[r.obj.ID] }, last); err != nil {
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

// decode reads a page's results.
func (x *extraction) decode(results []json.RawMessage) ([]record, error) {
	recs := make([]record, 0, len(results))
	for i, raw := range results {
		r, err := decodeRecord(raw, i)
		if err != nil {
			return nil, x.errf("%w", err)
		}
		recs = append(recs, r)
	}
	return recs, nil
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

// emitPage maps a page's records and emits them as one batch. The last
// page carries the cursor, and is emitted even without rows of its own
// when earlier pages had some; a stream without records emits nothing.
func (x *extraction) emitPage(ctx context.Context, recs []record, assoc func(*record) *string, last bool) error {
	for i := range recs {
		r := &recs[i]
		vals, err := x.spec.values(r, assoc(r))
		if err == nil {
			err = x.b.Append(vals...)
		}
		if err != nil {
			return x.errf("record %s: %w", r.obj.ID, err)
		}
		if r.updated.After(x.max) {
			x.max = r.updated
		}
	}
	x.rows += len(recs)
	x.c.log.LogAttrs(ctx, slog.LevelDebug, "page extracted",
		slog.String("source", Source), slog.String("stream", x.spec.stream.Name),
		slog.Int("page", x.page), slog.Int("rows", len(recs)))
	if x.rows == 0 || (len(recs) == 0 && !last) {
		return nil
	}
	b := extract.Batch{Pages: 1}
	if last {
		b.Cursor = x.max.UTC().Format(cursorLayout)
	}
	b.Record = x.b.NewRecord()
	defer b.Record.Release()
	return x.emit(ctx, b)
}
