package harvest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/extract/httpapi"
)

// Defaults of Config.
const (
	// DefaultBaseURL is Harvest's API address.
	DefaultBaseURL = "https://api.harvestapp.com"
	// DefaultUserAgent names takt and where to reach its makers, as Harvest
	// asks every client to do.
	DefaultUserAgent = "takt (https://github.com/takt-billing/takt)"
	// MaxPageSize is the largest page Harvest serves, and the default.
	MaxPageSize = 2000
	// DefaultOverlap is how far before its cursor an incremental
	// extraction starts reading: records saved in Harvest while the
	// previous run read the list, with an updated_at before its cursor,
	// come in with the next run.
	DefaultOverlap = 5 * time.Minute
	// NoOverlap as Config.Overlap reads from the cursor itself.
	NoOverlap time.Duration = -1
)

// cursorLayout is the fixed-width UTC form of a stream cursor, so that
// cursors compare as strings.
const cursorLayout = "2006-01-02T15:04:05.000000Z"

// Config configures a Harvest connector. The caller resolves credentials
// (e.g. from environment variables); the connector never logs or stores
// them.
type Config struct {
	// BaseURL is the API's address without /v2; default DefaultBaseURL.
	BaseURL string
	// Token is a Harvest personal access token (or OAuth2 access token),
	// sent as "Authorization: Bearer <token>". Required.
	Token string
	// AccountID is the Harvest account to read, sent as the
	// Harvest-Account-Id header. Required.
	AccountID string
	// UserAgent identifies takt to Harvest, "takt (<contact>)"; default
	// DefaultUserAgent.
	UserAgent string
	// PageSize is the number of records per request, 1 to 2000; default
	// 2000.
	PageSize int
	// HTTP sends the requests (retries, backoff, Retry-After). Required.
	HTTP *httpapi.Client
	// Overlap is how far before the cursor an incremental extraction
	// starts; 0 means DefaultOverlap, NoOverlap none. Records read again
	// collapse in staging by id and updated_at.
	Overlap time.Duration
	// Mem allocates the Arrow batches; default memory.DefaultAllocator.
	Mem memory.Allocator
	// Logger receives one debug line per page; default discards.
	Logger *slog.Logger
}

// Connector extracts Harvest's clients, projects, users, tasks, task
// assignments, time entries, expenses and invoices. It implements
// extract.Connector.
type Connector struct {
	client   *client
	pageSize int
	overlap  time.Duration
	mem      memory.Allocator
	logger   *slog.Logger
}

// New checks cfg and returns a connector. Errors name the Config field to
// fix.
func New(cfg Config) (*Connector, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("harvest: config BaseURL %q is not an http(s) address like %s", cfg.BaseURL, DefaultBaseURL)
	}
	if base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("harvest: config BaseURL %q must not have a query or fragment", cfg.BaseURL)
	}
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("harvest: config Token is empty: set a Harvest personal access token (Harvest ID > Developers)")
	}
	if cfg.AccountID == "" {
		return nil, errors.New("harvest: config AccountID is empty: set the Harvest account id shown beside the personal access token")
	}
	if strings.Trim(cfg.AccountID, "0123456789") != "" {
		return nil, fmt.Errorf("harvest: config AccountID %q is not a number: use the numeric Harvest account id", cfg.AccountID)
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = MaxPageSize
	}
	if cfg.PageSize < 1 || cfg.PageSize > MaxPageSize {
		return nil, fmt.Errorf("harvest: config PageSize %d is out of range: use 1 to %d", cfg.PageSize, MaxPageSize)
	}
	if cfg.HTTP == nil {
		return nil, errors.New("harvest: config HTTP is nil: pass the shared httpapi client")
	}
	cfg.Logger, cfg.Overlap, cfg.Mem = extract.Defaults(cfg.Logger, cfg.Overlap, DefaultOverlap, cfg.Mem)
	return &Connector{
		client: &client{
			http:      cfg.HTTP,
			base:      base,
			token:     cfg.Token,
			accountID: cfg.AccountID,
			userAgent: cfg.UserAgent,
		},
		pageSize: cfg.PageSize,
		overlap:  cfg.Overlap,
		mem:      cfg.Mem,
		logger:   cfg.Logger,
	}, nil
}

// Name returns Source.
func (c *Connector) Name() string { return Source }

// Streams returns the streams in extraction order.
func (c *Connector) Streams() []extract.Stream { return Streams() }

// Extract reads one stream page by page, one batch per page in the order
// Harvest lists the records. With a cursor it asks only for records updated
// since the cursor less the overlap (Harvest's updated_since, an inclusive
// bound to the second: records updated at the cursor come again). The last
// batch carries the new cursor, the latest updated_at seen, never before
// the cursor given; a stream without records emits nothing.
//
// A record that fails validation (no id, a date or amount that is not one,
// a field whose JSON type changed, negative hours, an unknown currency)
// goes into the batch's Rejects with a message saying what to do; the
// other records of its page load. Fields Harvest sends that the connector
// does not know are listed once in the batch's UnknownFields.
func (c *Connector) Extract(ctx context.Context, stream, cursor string, emit extract.Emit) error {
	def, ok := streamDefs[stream]
	if !ok {
		return fmt.Errorf("harvest: unknown stream %q", stream)
	}
	// latest starts at the cursor so that the next cursor never goes back,
	// even when the only records seen are ones updated before it (the
	// overlap, or the cursor's own second).
	var since, latest time.Time
	if cursor != "" {
		t, err := time.Parse(time.RFC3339Nano, cursor)
		if err != nil {
			return fmt.Errorf("harvest: %s: cursor %q is not a time like %s; reset the stream's cursor to read it in full", stream, cursor, cursorLayout)
		}
		latest = t.UTC()
		// Harvest keeps whole seconds; rounding down keeps the bound
		// inclusive.
		since = latest.Add(-c.overlap).Truncate(time.Second)
	}

	b := extract.NewRecordBuilder(c.mem, def.stream.Schema)
	defer b.Release()
	seen := 0
	var compact bytes.Buffer
	var drift extract.FieldSet
	next := c.client.firstPage(stream, c.pageSize, since)
	for page := 1; next != nil; page++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("harvest: %s page %d: %w", stream, page, err)
		}
		records, following, err := c.client.page(ctx, next, stream)
		if err != nil {
			return fmt.Errorf("harvest: %s page %d: %w", stream, page, err)
		}
		var rejects []extract.Reject
		for i, raw := range records {
			raw := compactJSON(&compact, raw)
			id, upd, err := c.appendRecord(b, def, raw, &drift)
			if err != nil {
				if id == "" {
					id = fmt.Sprintf("#%d", i+1)
				}
				where := fmt.Sprintf("harvest: %s page %d: record %s", stream, page, id)
				var inv *extract.Invalid
				if !errors.As(err, &inv) {
					return fmt.Errorf("%s: %w", where, err)
				}
				recordID := id
				if strings.HasPrefix(id, "#") {
					recordID = ""
				}
				rejects = append(rejects, extract.NewReject(where, recordID, err, []byte(raw), "Harvest"))
			}
			if upd.After(latest) {
				latest = upd
			}
		}
		seen += len(records)
		next = following
		rec := b.NewRecord()
		batch := extract.Batch{Record: rec, Pages: 1, Rejects: rejects, UnknownFields: drift.Take()}
		if next == nil && seen > 0 {
			batch.Cursor = latest.UTC().Format(cursorLayout)
		}
		c.logger.LogAttrs(ctx, slog.LevelDebug, "harvest page",
			slog.String("source", Source), slog.String("stream", stream),
			slog.Int("page", page), slog.Int("rows", len(records)), slog.Int("rejects", len(rejects)))
		if rec.NumRows() == 0 && batch.Cursor == "" && len(batch.Rejects) == 0 && len(batch.UnknownFields) == 0 {
			rec.Release()
			continue
		}
		err = emit(ctx, batch)
		rec.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

// appendRecord checks one record against the stream's shape, maps it and
// appends it to b. It returns the record's id ("" if it has none) and its
// updated_at (zero if unreadable) also when the record is refused; the
// error is then an *extract.Invalid.
func (c *Connector) appendRecord(b *extract.RecordBuilder, def streamDef, raw string, drift *extract.FieldSet) (string, time.Time, error) {
	unknown, shapeErr := def.shape.Check([]byte(raw))
	drift.Add("", unknown)
	id, values, err := def.row(json.RawMessage(raw))
	var upd time.Time
	if len(values) > 1 {
		upd, _ = values[1].(time.Time)
	}
	if shapeErr != nil {
		return id, upd, shapeErr
	}
	if err != nil {
		return id, upd, err
	}
	values = append(values, raw)
	if err := b.Append(values...); err != nil {
		var ce *extract.ColumnError
		if errors.As(err, &ce) {
			return id, upd, &extract.Invalid{Rule: extract.DecimalRule(ce.Err), Field: ce.Column, Err: ce.Err}
		}
		return id, upd, err
	}
	return id, upd, nil
}

// ListIDs pages through a stream without an updated_since filter and
// passes the ids of its records to emit, one page at a time. Harvest's
// updated_since never reports a deleted record; the ids a full listing no
// longer holds are the ones deleted since they were loaded.
func (c *Connector) ListIDs(ctx context.Context, stream string, emit func(ctx context.Context, ids []string) error) error {
	if _, ok := streamDefs[stream]; !ok {
		return fmt.Errorf("harvest: unknown stream %q", stream)
	}
	next := c.client.firstPage(stream, c.pageSize, time.Time{})
	for page := 1; next != nil; page++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("harvest: %s ids page %d: %w", stream, page, err)
		}
		records, following, err := c.client.page(ctx, next, stream)
		if err != nil {
			return fmt.Errorf("harvest: %s ids page %d: %w", stream, page, err)
		}
		ids := make([]string, 0, len(records))
		for i, raw := range records {
			var w struct {
				ID json.RawMessage `json:"id"`
			}
			if err := json.Unmarshal(raw, &w); err != nil {
				return fmt.Errorf("harvest: %s ids page %d: record #%d: %w", stream, page, i+1, err)
			}
			id, ok, err := rawText(w.ID)
			if err != nil || !ok || id == "" {
				// A record without a readable id is in the quarantine (or
				// never loaded); listing it changes nothing.
				continue
			}
			ids = append(ids, id)
		}
		if err := emit(ctx, ids); err != nil {
			return err
		}
		next = following
	}
	return nil
}

// compactJSON returns a record's JSON without the indentation of a
// pretty-printed response. Harvest sends compact JSON, which is returned
// as it is without a second pass over it: a raw newline can only be
// indentation, as JSON strings escape theirs.
func compactJSON(buf *bytes.Buffer, raw json.RawMessage) string {
	if bytes.IndexByte(raw, '\n') < 0 {
		return string(raw)
	}
	buf.Reset()
	// The response decoded, so the record is valid JSON.
	_ = json.Compact(buf, raw)
	return buf.String()
}

// Check makes the cheapest authenticated request there is, one client, and
// returns what it tried. `takt sources check` runs it to test the token,
// the account id and reachability without loading anything.
func (c *Connector) Check(ctx context.Context) (string, error) {
	u := c.client.firstPage("clients", 1, time.Time{})
	_, _, err := c.client.page(ctx, u, "clients")
	return "GET " + u.String(), err
}
