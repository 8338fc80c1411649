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
	"io"
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
	// DefaultOverlap is how far before its cursor an incremental
	// extraction starts reading: documents saved in Xero while the
	// previous run read the list, with an UpdatedDateUTC before its
	// cursor, come in with the next run.
	DefaultOverlap = 5 * time.Minute
	// NoOverlap as Config.Overlap reads from the cursor itself.
	NoOverlap time.Duration = -1
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
	// Overlap is how far before the cursor an incremental extraction
	// starts; 0 means DefaultOverlap, NoOverlap none. Records read again
	// collapse in staging by id and updated_at.
	Overlap time.Duration
	// Mem allocates the Arrow batches; default memory.DefaultAllocator.
	Mem memory.Allocator
	// Logger receives one debug line per page; optional.
	Logger *slog.Logger
}

// Connector extracts the Xero streams. It is safe for concurrent use: the
// streams share one cached access token.
type Connector struct {
	api      *apiClient
	pageSize int
	overlap  time.Duration
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
	var logger *slog.Logger
	logger, cfg.Overlap, cfg.Mem = extract.Defaults(cfg.Logger, cfg.Overlap, DefaultOverlap, cfg.Mem)
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
		overlap:  cfg.Overlap,
		logger:   logger,
		mem:      cfg.Mem,
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
// its mapping and the shape of its records.
type endpoint struct {
	stream     extract.Stream
	collection string
	mapRow     mapFunc
	shape      extract.Shape
}

func endpointFor(stream string) (endpoint, bool) {
	switch stream {
	case Contacts.Name:
		return endpoint{Contacts, "Contacts", mapContact, contactShape}, true
	case Invoices.Name:
		return endpoint{Invoices, "Invoices", mapInvoice, invoiceShape}, true
	case CreditNotes.Name:
		return endpoint{CreditNotes, "CreditNotes", mapCreditNote, creditNoteShape}, true
	case Payments.Name:
		return endpoint{Payments, "Payments", mapPayment, paymentShape}, true
	}
	return endpoint{}, false
}

// Extract reads one stream page by page, one batch per page, in
// UpdatedDateUTC order. cursor "" reads everything; otherwise it is a value
// Extract produced and only records updated since the cursor less the
// overlap (to the second) are read. The last batch carries the new cursor:
// the latest UpdatedDateUTC seen, never before the cursor given. A stream
// with no records emits nothing.
//
// VOIDED and DELETED documents come like any other, with their status.
// A record that fails validation (no id, a date or amount that is not one,
// a field whose JSON type changed, an unknown currency) goes into the
// batch's Rejects with a message saying what to do; the other records of
// its page load. Fields Xero sends that the connector does not know are
// listed once in the batch's UnknownFields.
func (c *Connector) Extract(ctx context.Context, stream, cursor string, emit extract.Emit) error {
	ep, ok := endpointFor(stream)
	if !ok {
		return fmt.Errorf("xero: unknown stream %q; the streams are contacts, invoices, credit_notes and payments", stream)
	}
	var since, latest time.Time
	if cursor != "" {
		t, err := time.Parse(time.RFC3339Nano, cursor)
		if err != nil {
			return fmt.Errorf("xero: %s: cursor %q is not a timestamp like %s; clear the stream's cursor to read it in full", stream, cursor, CursorLayout)
		}
		since, latest = t.Add(-c.overlap), t.UTC()
	}
	b := extract.NewRecordBuilder(c.mem, ep.stream.Schema)
	defer b.Release()

	seen := 0
	var prevFirst string
	var drift extract.FieldSet
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
		var rejects []extract.Reject
		for i, raw := range records {
			r, compact, err := mapRecord(ep, raw, &drift)
			if err == nil {
				if err = b.Append(r.values...); err != nil {
					var ce *extract.ColumnError
					if errors.As(err, &ce) {
						err = &extract.Invalid{Rule: extract.DecimalRule(ce.Err), Field: ce.Column, Err: ce.Err}
					}
					err = &recordError{Record: r.id, Err: err}
				}
			}
			if err != nil {
				var re *recordError
				if !errors.As(err, &re) {
					re = &recordError{Record: fmt.Sprintf("#%d", i+1), Err: err}
				}
				var inv *extract.Invalid
				if !errors.As(err, &inv) {
					return fmt.Errorf("xero: %s page %d: %w", stream, page, re)
				}
				recordID := re.Record
				if strings.HasPrefix(recordID, "#") {
					recordID = ""
				}
				rejects = append(rejects, extract.NewReject(fmt.Sprintf("xero: %s page %d: record %s", stream, page, re.Record), recordID, re.Err, compact, "Xero"))
			}
			if r.id != "" && i == 0 {
				if r.id == prevFirst {
					return fmt.Errorf("xero: %s page %d: the page repeats page %d (record %s); the API ignored the page parameter", stream, page, page-1, r.id)
				}
				prevFirst = r.id
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
		batch := extract.Batch{Record: b.NewRecord(), Pages: 1, Rejects: rejects, UnknownFields: drift.Take()}
		if last {
			batch.Cursor = latest.UTC().Format(CursorLayout)
		}
		c.logger.LogAttrs(ctx, slog.LevelDebug, "extracted page",
			slog.String("source", Source), slog.String("stream", stream),
			slog.Int("page", page), slog.Int("rows", len(records)), slog.Int("rejects", len(rejects)))
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
// as they are), checks it against the collection's shape and maps it.
// Errors come back as *recordError when the record's id is known; the
// compacted record comes back also on error, for the quarantine.
func mapRecord(ep endpoint, raw json.RawMessage, drift *extract.FieldSet) (row, []byte, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return row{}, raw, fmt.Errorf("decode: %w", err)
	}
	compact := json.RawMessage(buf.Bytes())
	unknown, shapeErr := ep.shape.Check(compact)
	drift.Add("", unknown)
	r, err := ep.mapRow(compact)
	if shapeErr != nil {
		err = shapeErr
	}
	if err != nil {
		id := r.id
		if id == "" {
			id = rawID(compact, ep.collection)
		}
		if id != "" {
			return r, compact, &recordError{Record: id, Err: err}
		}
		return r, compact, err
	}
	return r, compact, nil
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

// Check makes the cheapest authenticated requests there are, an access
// token and then one contact, and returns what it tried. `takt sources
// check` runs it to test credentials and reachability without loading
// anything. A failed token request is a *TokenError.
func (c *Connector) Check(ctx context.Context) (string, error) {
	u := c.api.baseURL + apiPrefix + "Contacts?page=1&pageSize=1"
	what := "POST " + c.api.tokens.tokenURL + ", GET " + u
	if _, err := c.api.tokens.get(ctx); err != nil {
		return what, err
	}
	resp, err := c.api.get(ctx, u, nil)
	if err != nil {
		return what, err
	}
	defer resp.Body.Close()
	var v json.RawMessage
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&v); err != nil {
		return what, fmt.Errorf("GET %s: the answer is not JSON: %w", u, err)
	}
	return what, nil
}
