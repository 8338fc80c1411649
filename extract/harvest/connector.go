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
	// Logger receives one debug line per page; default discards.
	Logger *slog.Logger
}

// Connector extracts Harvest's clients, projects, users, tasks, task
// assignments, time entries, expenses and invoices. It implements
// extract.Connector.
type Connector struct {
	client   *client
	pageSize int
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
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Connector{
		client: &client{
			http:      cfg.HTTP,
			base:      base,
			token:     cfg.Token,
			accountID: cfg.AccountID,
			userAgent: cfg.UserAgent,
		},
		pageSize: cfg.PageSize,
		logger:   cfg.Logger,
	}, nil
}

// Name returns Source.
func (c *Connector) Name() string { return Source }

// Streams returns the streams in extraction order.
func (c *Connector) Streams() []extract.Stream { return Streams() }

// Extract reads one stream page by page, one batch per page in the order
// Harvest lists the records. With a cursor it asks only for records updated
// since then (Harvest's updated_since, an inclusive bound: records updated
// at the cursor's second come again). The last batch carries the new
// cursor, the latest updated_at seen; a stream without records emits
// nothing.
func (c *Connector) Extract(ctx context.Context, stream, cursor string, emit extract.Emit) error {
	def, ok := streamDefs[stream]
	if !ok {
		return fmt.Errorf("harvest: unknown stream %q", stream)
	}
	// latest starts at the cursor so that the next cursor never goes back,
	// even when the only records seen are ones updated in the cursor's
	// second but before it.
	var since, latest time.Time
	if cursor != "" {
		t, err := time.Parse(time.RFC3339Nano, cursor)
		if err != nil {
			return fmt.Errorf("harvest: %s: cursor %q is not a time like %s; reset the stream's cursor to read it in full", stream, cursor, cursorLayout)
		}
		latest = t.UTC()
		// Harvest keeps whole seconds; rounding down keeps the bound
		// inclusive.
		since = latest.Truncate(time.Second)
	}

	b := extract.NewRecordBuilder(nil, def.stream.Schema)
	defer b.Release()
	seen := 0
	var compact bytes.Buffer
	next := c.client.firstPage(stream, c.pageSize, since)
	for page := 1; next != nil; page++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("harvest: %s page %d: %w", stream, page, err)
		}
		records, following, err := c.client.page(ctx, next, stream)
		if err != nil {
			return fmt.Errorf("harvest: %s page %d: %w", stream, page, err)
		}
		for i, raw := range records {
			id, values, err := def.row(raw)
			if err == nil {
				values = append(values, compactJSON(&compact, raw))
				err = b.Append(values...)
			}
			if err != nil {
				if id == "" {
					id = fmt.Sprintf("#%d", i+1)
				}
				return fmt.Errorf("harvest: %s page %d: record %s: %w", stream, page, id, err)
			}
			if upd := values[1].(time.Time); upd.After(latest) {
				latest = upd
			}
		}
		seen += len(records)
		next = following
		rec := b.NewRecord()
		batch := extract.Batch{Record: rec, Pages: 1}
		if next == nil && seen > 0 {
			batch.Cursor = latest.UTC().Format(cursorLayout)
		}
		c.logger.LogAttrs(ctx, slog.LevelDebug, "harvest page",
			slog.String("source", Source), slog.String("stream", stream),
			slog.Int("page", page), slog.Int("rows", len(records)))
		if rec.NumRows() == 0 && batch.Cursor == "" {
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
