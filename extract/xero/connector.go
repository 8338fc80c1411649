// Package xero extracts contacts, invoices, credit notes and payments from
// the Xero Accounting API into Arrow batches (schema.go).
//
// It authenticates as a Xero custom connection (OAuth2 client credentials),
// pages every list with page/pageSize in UpdatedDateUTC order, and resumes
// from a cursor with the If-Modified-Since header. Its emulator is
// extract/xero/xerotest.
package xero

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
	DefaultBaseURL  = "https://api.xero.com"
	DefaultTokenURL = "https://identity.xero.com/connect/token"
	// DefaultPageSize is Xero's own default page size.
	DefaultPageSize = 100
	// MaxPageSize is the largest pageSize the Accounting API accepts.
	MaxPageSize = 1000
)

// CursorLayout is the format of the cursors Extract produces: UTC with
// fixed width, so that cursors compare as strings.
const CursorLayout = "2006-01-02T15:04:05.000000Z"

// Config configures a Connector. Credentials are values: the caller
// resolves them (e.g. from environment variables); the connector neither
// logs nor stores them anywhere else.
type Config struct {
	// BaseURL is the Accounting API host; default DefaultBaseURL. Tests and
	// takt sandbox point it at the emulator.
	BaseURL string
	// TokenURL is the identity server's token endpoint; default
	// DefaultTokenURL.
	TokenURL string
	// ClientID and ClientSecret are the custom connection's credentials.
	ClientID     string
	ClientSecret string
	// Scope, if set, is sent with the token request (space separated).
	// Empty asks for the scopes the custom connection was granted.
	Scope string
	// TenantID is the organisation's tenant id, sent as xero-tenant-id.
	TenantID string
	// PageSize is the number of records per page, 1..MaxPageSize; default
	// DefaultPageSize.
	PageSize int
	// HTTP is the shared client (retries, backoff, Retry-After). Required.
	HTTP *httpapi.Client
	// Logger receives one debug line per page; optional.
	Logger *slog.Logger
}

// Connector extracts the Xero streams. It is safe for concurrent use: the
// streams share one cached access token.
type Connector struct {
	api      *apiClient
	pageSize int
	logger   *slog.Logger
	mem      memory.Allocator
}

// New validates cfg and returns a connector.
func New(cfg Config) (*Connector, error) {
	if cfg.HTTP == nil {
		return nil, errors.New("xero: config: HTTP is required (the shared httpapi client)")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.TokenURL == "" {
		cfg.TokenURL = DefaultTokenURL
	}
	if err := checkURL(cfg.BaseURL); err != nil {
		return nil, fmt.Errorf("xero: config: BaseURL: %w", err)
	}
	if err := checkURL(cfg.TokenURL); err != nil {
		return nil, fmt.Errorf("xero: config: TokenURL: %w", err)
	}
	switch {
	case strings.TrimSpace(cfg.ClientID) == "":
		return nil, errors.New("xero: config: ClientID is empty; set the client id of the Xero custom connection")
	case cfg.ClientSecret == "":
		return nil, errors.New("xero: config: ClientSecret is empty; set the client secret of the Xero custom connection")
	case strings.TrimSpace(cfg.TenantID) == "":
		return nil, errors.New("xero: config: TenantID is empty; set the tenant id of the Xero organisation")
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = DefaultPageSize
	}
	if cfg.PageSize < 1 || cfg.PageSize > MaxPageSize {
		return nil, fmt.Errorf("xero: config: PageSize is %d, want 1 to %d", cfg.PageSize, MaxPageSize)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	tokens := &tokenSource{
		http:         cfg.HTTP,
		tokenURL:     cfg.TokenURL,
		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		scope:        cfg.Scope,
		logger:       logger,
		now:          time.Now,
	}
	return &Connector{
		api: &apiClient{
			http:     cfg.HTTP,
			baseURL:  strings.TrimRight(cfg.BaseURL, "/"),
			tenantID: cfg.TenantID,
			tokens:   tokens,
			logger:   logger,
		},
		pageSize: cfg.PageSize,
		logger:   logger,
		mem:      memory.DefaultAllocator,
	}, nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", s)
	}
	return nil
}

// Name returns Source.
func (c *Connector) Name() string { return Source }

// Streams returns Streams().
func (c *Connector) Streams() []extract.Stream { return Streams() }

// endpoint is how a stream is read: its collection (path and envelope key),
// its id field and its mapping.
type endpoint struct {
	stream     extract.Stream
	collection string
	mapRow     mapFunc
}

func endpointFor(stream string) (endpoint, bool) {
	switch stream {
	case Contacts.Name:
		return endpoint{Contacts, "Contacts", mapContact}, true
	case Invoices.Name:
		return endpoint{Invoices, "Invoices", mapInvoice}, true
	case CreditNotes.Name:
		return endpoint{CreditNotes, "CreditNotes", mapCreditNote}, true
	case Payments.Name:
		return endpoint{Payments, "Payments", mapPayment}, true
	}
	return endpoint{}, false
}

// Extract reads one stream page by page, one batch per page, in
// UpdatedDateUTC order. cursor "" reads everything; otherwise it is a value
// Extract produced and only records updated since then (to the second) are
// read. The last batch carries the new cursor: the latest UpdatedDateUTC
// seen. A stream with no records emits nothing.
func (c *Connector) Extract(ctx context.Context, stream, cursor string, emit extract.Emit) error {
	ep, ok := endpointFor(stream)
	if !ok {
		return fmt.Errorf("xero: unknown stream %q; the streams are contacts, invoices, credit_notes and payments", stream)
	}
	var since time.Time
	if cursor != "" {
		t, err := time.Parse(time.RFC3339Nano, cursor)
		if err != nil {
			return fmt.Errorf("xero: %s: cursor %q is not a timestamp like %s; clear the stream's cursor to read it in full", stream, cursor, CursorLayout)
		}
		since = t
	}
	b := extract.NewRecordBuilder(c.mem, ep.stream.Schema)
	defer b.Release()

	var latest time.Time
	seen := 0
	var prevFirst string
	for page := 1; ; page++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("xero: %s page %d: %w", stream, page, err)
		}
		lr, err := c.api.list(ctx, listQuery{collection: ep.collection, page: page, pageSize: c.pageSize, since: since})
		if err != nil {
			return fmt.Errorf("xero: %s page %d: %w", stream, page, err)
		}
		if lr.Pagination != nil && lr.Pagination.Page != 0 && lr.Pagination.Page != page {
			return fmt.Errorf("xero: %s page %d: the answer is page %d", stream, page, lr.Pagination.Page)
		}
		records := lr.collection(ep.collection)
		if len(records) > c.pageSize {
			return fmt.Errorf("xero: %s page %d: %d records, more than the page size %d", stream, page, len(records), c.pageSize)
		}
		for i, raw := range records {
			r, err := mapRecord(ep, raw)
			if err != nil {
				var re *recordError
				if !errors.As(err, &re) {
					re = &recordError{Record: fmt.Sprintf("#%d", i+1), Err: err}
				}
				return fmt.Errorf("xero: %s page %d: %w", stream, page, re)
			}
			if i == 0 {
				if r.id == prevFirst {
					return fmt.Errorf("xero: %s page %d: the page repeats page %d (record %s); the API ignored the page parameter", stream, page, page-1, r.id)
				}
				prevFirst = r.id
			}
			if err := b.Append(r.values...); err != nil {
				return fmt.Errorf("xero: %s page %d: record %s: %w", stream, page, r.id, err)
			}
			if r.updated.After(latest) {
				latest = r.updated
			}
			seen++
		}
		// A page shorter than the page size is the last one. The size is
		// the one the answer reports, if any, in case Xero served fewer
		// than asked for; pageCount, where given, also ends the stream
		// (itemCount is not trusted).
		size := c.pageSize
		if lr.Pagination != nil && lr.Pagination.PageSize > 0 {
			size = lr.Pagination.PageSize
		}
		last := len(records) < size ||
			(lr.Pagination != nil && lr.Pagination.PageCount > 0 && page >= lr.Pagination.PageCount)
		if seen == 0 && last {
			return nil
		}
		batch := extract.Batch{Record: b.NewRecord(), Pages: 1}
		if last {
			batch.Cursor = latest.UTC().Format(CursorLayout)
		}
		c.logger.LogAttrs(ctx, slog.LevelDebug, "extracted page",
			slog.String("source", Source), slog.String("stream", stream),
			slog.Int("page", page), slog.Int("rows", len(records)))
		err = emit(ctx, batch)
		batch.Record.Release()
		if err != nil {
			return fmt.Errorf("xero: %s page %d: %w", stream, page, err)
		}
		if last {
			return nil
		}
	}
}

// mapRecord compacts a record for _raw (json.Compact keeps number literals
// as they are) and maps it. Errors come back as *recordError when the
// record's id is known.
func mapRecord(ep endpoint, raw json.RawMessage) (row, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return row{}, fmt.Errorf("decode: %w", err)
	}
	compact := json.RawMessage(buf.Bytes())
	r, err := ep.mapRow(compact)
	if err != nil {
		if r.id != "" {
			return row{}, &recordError{Record: r.id, Err: err}
		}
		if id := rawID(compact, ep.collection); id != "" {
			return row{}, &recordError{Record: id, Err: err}
		}
		return row{}, err
	}
	return r, nil
}

// rawID reads a record's id for an error message when the record does not
// map at all.
func rawID(raw json.RawMessage, collection string) string {
	key := map[string]string{
		"Contacts": "ContactID", "Invoices": "InvoiceID",
		"CreditNotes": "CreditNoteID", "Payments": "PaymentID",
	}[collection]
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	var id string
	if json.Unmarshal(m[key], &id) != nil {
		return ""
	}
	return id
}
