package xero_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/extract/extracttest"
	"github.com/takt-billing/takt/extract/httpapi"
	"github.com/takt-billing/takt/extract/xero"
	"github.com/takt-billing/takt/extract/xero/xerotest"
	"github.com/takt-billing/takt/internal/testfixtures"
)

func fixtures(t *testing.T) xerotest.Dataset {
	t.Helper()
	data, err := xerotest.LoadFixtures(testfixtures.Dir(t, "xero"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// httpClient is the shared client with waits cut to milliseconds, so a
// Retry-After: 1 does not slow the suite.
func httpClient() *httpapi.Client {
	c := httpapi.New(nil)
	c.BaseDelay = time.Millisecond
	c.MaxDelay = 5 * time.Millisecond
	return c
}

// config points a connector at an emulator's base URL with the emulator's
// default credentials.
func config(baseURL string) xero.Config {
	return xero.Config{
		BaseURL:      baseURL,
		TokenURL:     baseURL + xerotest.TokenPath,
		ClientID:     xerotest.DefaultClientID,
		ClientSecret: xerotest.DefaultClientSecret,
		TenantID:     xerotest.DefaultTenantID,
		HTTP:         httpClient(),
		Overlap:      xero.NoOverlap,
	}
}

func newConnector(t *testing.T, cfg xero.Config) *xero.Connector {
	t.Helper()
	c, err := xero.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func startServer(t *testing.T, data xerotest.Dataset, opts xerotest.Options) *xerotest.Server {
	t.Helper()
	s := xerotest.NewServer(data, opts)
	t.Cleanup(s.Close)
	return s
}

// batchInfo is what a test keeps of an emitted batch.
type batchInfo struct {
	ids    []string
	cursor string
	pages  int
}

// run extracts a stream and keeps every batch; onBatch, if set, runs after
// each one.
func run(t *testing.T, c *xero.Connector, stream, cursor string, onBatch func(n int)) ([]batchInfo, error) {
	t.Helper()
	var out []batchInfo
	err := c.Extract(context.Background(), stream, cursor, func(ctx context.Context, b extract.Batch) error {
		bi := batchInfo{cursor: b.Cursor, pages: b.Pages}
		ids := b.Record.Column(0).(*array.String)
		for i := 0; i < ids.Len(); i++ {
			bi.ids = append(bi.ids, ids.Value(i))
		}
		out = append(out, bi)
		if onBatch != nil {
			onBatch(len(out))
		}
		return nil
	})
	return out, err
}

func allIDs(batches []batchInfo) []string {
	var ids []string
	for _, b := range batches {
		ids = append(ids, b.ids...)
	}
	return ids
}

var wantRows = map[string]int{"contacts": 2, "invoices": 80, "credit_notes": 16, "payments": 57}

func TestConformance(t *testing.T) {
	data := fixtures(t)
	paged := func(t *testing.T, opts xerotest.Options, mem memory.Allocator) extract.Connector {
		cfg := config(startServer(t, data, opts).URL)
		cfg.PageSize, cfg.Mem = 7, mem
		return newConnector(t, cfg)
	}
	extracttest.Run(t, func(t *testing.T) extract.Connector {
		s := startServer(t, data, xerotest.Options{})
		return newConnector(t, config(s.URL))
	}, extracttest.Options{
		WantRows:      wantRows,
		WithAllocator: func(t *testing.T, mem memory.Allocator) extract.Connector { return paged(t, xerotest.Options{}, mem) },
		SmallPages:    func(t *testing.T) extract.Connector { return paged(t, xerotest.Options{}, nil) },
		Faults: func(t *testing.T) extract.Connector {
			return paged(t, xerotest.Options{RateLimitEvery: 3, ServerErrorEvery: 5}, nil)
		},
		Values: []extracttest.Value{
			{Stream: "invoices", ID: "4c4db294-3633-45cd-8706-f0b3b0079609", Columns: map[string]string{
				"updated_at": "2008-12-20T17:38:32.66Z", "type": "ACCREC", "invoice_number": "INV-0010", "contact_name": "Boom FM",
				"status": "PAID", "date": "2026-02-25", "due_date": "2026-03-10", "currency": "USD", "currency_rate": "NULL",
				"sub_total": "500.0000", "total_tax": "41.2500", "total": "541.2500", "amount_due": "0.0000", "amount_credited": "541.2500",
				"fully_paid_on": "2026-03-08",
				"line_items":    "[{line_item_id=dcf9fbd4-1890-4451-b44b-469b997cc7d9, description=Half day training - Microsoft Office, quantity=1.0000, unit_amount=500.0000, line_amount=500.0000, tax_amount=41.2500, tax_type=OUTPUT, account_code=200, item_code=Train-MS, tracking_option=Eastside}]"}},
			{Stream: "invoices", ID: "046d8a6d-1ae1-4b4d-9340-5601bdf41b87", Columns: map[string]string{
				"currency_rate": "1.000000", "sub_total": "40.0000", "total": "46.0000", "date": "2018-10-20", "due_date": "2018-12-30", "line_items": "[]"}},
			{Stream: "credit_notes", ID: "602f5486-664e-492f-b4d1-e12df1d4b8ba", Columns: map[string]string{
				"credit_note_number": "CN-0014", "total": "541.2500", "remaining_credit": "0.0000",
				"allocations": "[{allocation_id=a5be6139-7e3a-4d48-b664-50a89f0bb632, invoice_id=4c4db294-3633-45cd-8706-f0b3b0079609, invoice_number=INV-0010, amount=541.2500, date=2026-03-08}]"}},
			{Stream: "payments", ID: "99ea7f6b-c513-4066-bc27-b7c65dcd76c2", Columns: map[string]string{
				"date": "2018-11-29", "amount": "46.0000", "currency_rate": "1.000000", "payment_type": "ACCRECPAYMENT", "is_reconciled": "false", "invoice_number": "INV-0002"}},
			{Stream: "payments", ID: "6b037c9b-2e5d-4905-84d3-eabfb3438242", Columns: map[string]string{
				"invoice_id": "NULL", "credit_note_id": "249f15fa-f2a7-4acc-8769-0984103f2225", "credit_note_number": "CN-0005"}},
			{Stream: "contacts", ID: "5cc8cf28-567e-4d43-b287-687cfcaec47c", Columns: map[string]string{
				"name": "Katherine Warren", "status": "ACTIVE", "is_customer": "true", "country": "United States"}},
		},
	})
}

func TestFullExtractionCursorsAndOrder(t *testing.T) {
	s := startServer(t, fixtures(t), xerotest.Options{})
	c := newConnector(t, config(s.URL))
	for stream, want := range map[string]struct {
		cursor   string
		first    string
		lastID   string
		requests int64
	}{
		"contacts":     {"2017-08-21T20:49:06.760000Z", "5cc8cf28-567e-4d43-b287-687cfcaec47c", "3ec601ad-eddc-4ccb-a8ac-736e88293b1b", 1},
		"invoices":     {"2026-04-24T12:04:04.663000Z", "8a3fdcc9-83eb-4fdd-83e0-52ec1b40b072", "bd63b5f1-5503-4c62-9c4a-e4b9e4257dc9", 1},
		"credit_notes": {"2026-04-24T12:34:51.963000Z", "602f5486-664e-492f-b4d1-e12df1d4b8ba", "5e5470d7-6deb-4402-a771-b6eb1d6801c3", 1},
		"payments":     {"2026-04-24T12:04:04.667000Z", "655ad293-0b35-4c2c-9a97-0ee979dd365f", "90d26877-7c41-4c0a-a3c6-cd63ba360387", 1},
	} {
		before := s.APICalls()
		batches, err := run(t, c, stream, "", nil)
		if err != nil {
			t.Fatalf("%s: %v", stream, err)
		}
		ids := allIDs(batches)
		if len(batches) != 1 || batches[0].pages != 1 || batches[0].cursor != want.cursor || len(ids) != wantRows[stream] {
			t.Errorf("%s: %d batches, cursor %q, %d rows; want 1 batch, cursor %q, %d rows", stream, len(batches), batches[0].cursor, len(ids), want.cursor, wantRows[stream])
		}
		if ids[0] != want.first || ids[len(ids)-1] != want.lastID {
			t.Errorf("%s: first %s last %s, want %s and %s (UpdatedDateUTC order)", stream, ids[0], ids[len(ids)-1], want.first, want.lastID)
		}
		if got := s.APICalls() - before; got != want.requests {
			t.Errorf("%s: %d API calls, want %d", stream, got, want.requests)
		}
	}
	// One token served all four streams.
	if got := s.TokensIssued(); got != 1 {
		t.Errorf("TokensIssued = %d, want 1", got)
	}
}

func TestMultiPage(t *testing.T) {
	s := startServer(t, fixtures(t), xerotest.Options{})
	cfg := config(s.URL)
	full, err := run(t, newConnector(t, cfg), "invoices", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.PageSize = 7
	batches, err := run(t, newConnector(t, cfg), "invoices", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	// 80 invoices are 11 pages of 7 and one of 3.
	if len(batches) != 12 {
		t.Fatalf("%d batches, want 12", len(batches))
	}
	for i, b := range batches {
		wantN, wantCursor := 7, ""
		if i == 11 {
			wantN, wantCursor = 3, "2026-04-24T12:04:04.663000Z"
		}
		if len(b.ids) != wantN || b.pages != 1 || b.cursor != wantCursor {
			t.Errorf("batch %d: %d rows, %d pages, cursor %q", i+1, len(b.ids), b.pages, b.cursor)
		}
	}
	if got, want := strings.Join(allIDs(batches), ","), strings.Join(allIDs(full), ","); got != want {
		t.Errorf("paged extraction differs from the single page:\n%s\n%s", got, want)
	}

	// A last page that is full stops at pageCount without asking for an
	// empty page.
	cfg.PageSize = 1
	before := s.APICalls()
	batches, err = run(t, newConnector(t, cfg), "contacts", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(batches) != 2 || batches[1].cursor != "2017-08-21T20:49:06.760000Z" || s.APICalls()-before != 2 {
		t.Errorf("contacts by 1: %d batches, cursor %q, %d calls", len(batches), batches[len(batches)-1].cursor, s.APICalls()-before)
	}
}

// TestPagingWithoutPaginationBlock covers older answers that carry no
// pagination: a full last page is followed by an empty one, which ends the
// stream with a batch that holds only the cursor.
func TestPagingWithoutPaginationBlock(t *testing.T) {
	emu := xerotest.NewHandler(fixtures(t), xerotest.Options{})
	strip := regexp.MustCompile(`"pagination":\{[^}]*\},`)
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == xerotest.TokenPath {
			emu.ServeHTTP(w, r)
			return
		}
		calls++
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(strip.ReplaceAll(rec.Body.Bytes(), nil))
	}))
	defer srv.Close()
	cfg := config(srv.URL)
	cfg.PageSize = 1
	batches, err := run(t, newConnector(t, cfg), "contacts", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 3 || len(batches) != 3 {
		t.Fatalf("%d calls, %d batches; want 3 and 3", calls, len(batches))
	}
	last := batches[2]
	if len(last.ids) != 0 || last.pages != 1 || last.cursor != "2017-08-21T20:49:06.760000Z" || batches[1].cursor != "" {
		t.Errorf("batches: %+v", batches)
	}
}

// TestServerCapsPageSize covers an answer with fewer records per page than
// asked for: the page size in pagination decides, not the one requested.
func TestServerCapsPageSize(t *testing.T) {
	emu := xerotest.NewHandler(fixtures(t), xerotest.Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != xerotest.TokenPath {
			q := r.URL.Query()
			q.Set("pageSize", "20")
			r.URL.RawQuery = q.Encode()
		}
		emu.ServeHTTP(w, r)
	}))
	defer srv.Close()
	cfg := config(srv.URL)
	cfg.PageSize = 50
	batches, err := run(t, newConnector(t, cfg), "invoices", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(allIDs(batches)); n != 80 || len(batches) != 4 || batches[3].cursor != "2026-04-24T12:04:04.663000Z" {
		t.Errorf("%d rows in %d batches, want 80 in 4 with the cursor on the last", n, len(batches))
	}
}

func TestRateLimited(t *testing.T) {
	s := startServer(t, fixtures(t), xerotest.Options{RateLimitEvery: 2})
	cfg := config(s.URL)
	cfg.PageSize = 20
	var mu sync.Mutex
	var waits []time.Duration
	cfg.HTTP.OnWait = func(reason string, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		if reason == "rate_limited" {
			waits = append(waits, d)
		}
	}
	batches, err := run(t, newConnector(t, cfg), "invoices", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := allIDs(batches)
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	if len(ids) != 80 || len(seen) != 80 || len(batches) != 4 {
		t.Errorf("%d rows (%d distinct) in %d batches, want 80 in 4", len(ids), len(seen), len(batches))
	}
	// Calls 2, 4 and 6 were answered 429; Retry-After: 1 was capped at
	// the client's MaxDelay.
	if len(waits) != 3 || waits[0] != 5*time.Millisecond || s.APICalls() != 7 {
		t.Errorf("waits %v after %d calls; want three of 5ms after 7", waits, s.APICalls())
	}
}

func TestWrongClientSecret(t *testing.T) {
	s := startServer(t, fixtures(t), xerotest.Options{})
	cfg := config(s.URL)
	cfg.ClientSecret = "not-the-secret"
	batches, err := run(t, newConnector(t, cfg), "invoices", "", nil)
	want := `xero: invoices page 1: access token: POST ` + s.TokenURL() + `: HTTP 400: {"error":"invalid_client"}: ` +
		`Xero refused the client id or secret; check the client id and secret of the Xero custom connection named in the config`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	var se *httpapi.StatusError
	if !errors.As(err, &se) || se.Status != 400 {
		t.Errorf("error does not carry the 400: %v", err)
	}
	if len(batches) != 0 || s.APICalls() != 0 {
		t.Errorf("%d batches, %d API calls after a refused token", len(batches), s.APICalls())
	}
}

func TestWrongTenant(t *testing.T) {
	s := startServer(t, fixtures(t), xerotest.Options{})
	cfg := config(s.URL)
	cfg.TenantID = "00000000-0000-0000-0000-000000000000"
	batches, err := run(t, newConnector(t, cfg), "contacts", "", nil)
	prefix := `xero: contacts page 1: GET ` + s.URL + `/api.xro/2.0/Contacts?order=UpdatedDateUTC+ASC&page=1&pageSize=100: HTTP 403: {"Type":null,"Title":"Forbidden","Status":403,"Detail":"AuthenticationUnsuccessful","Instance":"`
	suffix := `"Extensions":{}} (check the credentials named in the config); Xero refused tenant 00000000-0000-0000-0000-000000000000: ` +
		`check the tenant id in the config and that the custom connection is connected to that organisation with the accounting read scopes`
	if err == nil || !strings.HasPrefix(err.Error(), prefix) || !strings.HasSuffix(err.Error(), suffix) {
		t.Fatalf("err = %v", err)
	}
	if len(batches) != 0 {
		t.Errorf("%d batches emitted", len(batches))
	}
}

// clock is a settable time source shared by the emulator and the
// connector's token cache.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	clk := &clock{t: time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)}
	s := startServer(t, fixtures(t), xerotest.Options{Now: clk.Now})
	cfg := config(s.URL)
	cfg.PageSize = 10
	c := newConnector(t, cfg)
	xero.SetClock(c, clk.Now)
	// Ten minutes pass after every page. The 30-minute token is replaced
	// once it has less than 60 s left: pages 1-3 use the first token
	// (asked at 0, 10, 20 min), pages 4-6 the second (30, 40, 50 min),
	// pages 7-8 the third (60, 70 min).
	batches, err := run(t, c, "invoices", "", func(int) { clk.Add(10 * time.Minute) })
	if err != nil {
		t.Fatal(err)
	}
	if n := len(allIDs(batches)); n != 80 || len(batches) != 8 {
		t.Errorf("%d rows in %d batches, want 80 in 8", n, len(batches))
	}
	if s.TokensIssued() != 3 || s.Unauthorized() != 0 {
		t.Errorf("TokensIssued %d, Unauthorized %d; want 3 and 0", s.TokensIssued(), s.Unauthorized())
	}

	// 61 s before expiry the cached token is still used; 59 s before it is
	// not.
	clk.Add(29*time.Minute - time.Second - 20*time.Minute) // token 3 was issued 20 min ago: 61 s left
	if _, err := run(t, c, "contacts", "", nil); err != nil {
		t.Fatal(err)
	}
	if s.TokensIssued() != 3 {
		t.Errorf("61 s before expiry: TokensIssued %d, want 3", s.TokensIssued())
	}
	clk.Add(2 * time.Second)
	if _, err := run(t, c, "contacts", "", nil); err != nil {
		t.Fatal(err)
	}
	if s.TokensIssued() != 4 {
		t.Errorf("59 s before expiry: TokensIssued %d, want 4", s.TokensIssued())
	}
}

func TestTokenRefreshedOnceAfter401(t *testing.T) {
	s := startServer(t, fixtures(t), xerotest.Options{})
	cfg := config(s.URL)
	cfg.PageSize = 40
	batches, err := run(t, newConnector(t, cfg), "invoices", "", func(n int) {
		if n == 1 {
			s.RevokeTokens()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(allIDs(batches)); n != 80 {
		t.Errorf("%d rows, want 80", n)
	}
	if s.TokensIssued() != 2 || s.Unauthorized() != 1 {
		t.Errorf("TokensIssued %d, Unauthorized %d; want 2 and 1", s.TokensIssued(), s.Unauthorized())
	}
}

func TestPersistent401Fails(t *testing.T) {
	emu := xerotest.NewHandler(nil, xerotest.Options{})
	var apiCalls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == xerotest.TokenPath {
			emu.ServeHTTP(w, r)
			return
		}
		apiCalls++
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"Type":null,"Title":"Unauthorized","Status":401,"Detail":"AuthorizationUnsuccessful","Instance":"1","Extensions":{}}`))
	}))
	defer srv.Close()
	_, err := run(t, newConnector(t, config(srv.URL)), "payments", "", nil)
	want := `xero: payments page 1: GET ` + srv.URL + `/api.xro/2.0/Payments?order=UpdatedDateUTC+ASC&page=1&pageSize=100: HTTP 401: ` +
		`{"Type":null,"Title":"Unauthorized","Status":401,"Detail":"AuthorizationUnsuccessful","Instance":"1","Extensions":{}} (check the credentials named in the config)`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	if apiCalls != 2 {
		t.Errorf("%d API calls, want 2 (one retry with a new token)", apiCalls)
	}
}

// replaceOnce replaces old by new in one record, failing unless old occurs
// exactly once, so a fixture change cannot silently void a test.
func replaceOnce(t *testing.T, raw json.RawMessage, old, new string) json.RawMessage {
	t.Helper()
	if n := strings.Count(string(raw), old); n != 1 {
		t.Fatalf("%q occurs %d times in %.80s", old, n, raw)
	}
	return json.RawMessage(strings.Replace(string(raw), old, new, 1))
}

// withRecord returns a copy of data in which the record of coll with the
// given id is changed by edit.
func withRecord(t *testing.T, data xerotest.Dataset, coll, id string, edit func(json.RawMessage) json.RawMessage) xerotest.Dataset {
	t.Helper()
	out := xerotest.Dataset{}
	for k, v := range data {
		out[k] = append([]json.RawMessage(nil), v...)
	}
	idKey := map[string]string{"Contacts": "ContactID", "Invoices": "InvoiceID", "CreditNotes": "CreditNoteID", "Payments": "PaymentID"}[coll]
	for i, r := range out[coll] {
		var m map[string]any
		if err := json.Unmarshal(r, &m); err != nil {
			t.Fatal(err)
		}
		if m[idKey] == id {
			out[coll][i] = edit(r)
			return out
		}
	}
	t.Fatalf("%s %s not in the dataset", coll, id)
	return nil
}

func TestIncrementalResume(t *testing.T) {
	data := fixtures(t)
	s := startServer(t, data, xerotest.Options{})
	full, err := run(t, newConnector(t, config(s.URL)), "invoices", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	cursor := full[len(full)-1].cursor
	if cursor != "2026-04-24T12:04:04.663000Z" {
		t.Fatalf("cursor %q", cursor)
	}

	// Two invoices change after the first run.
	changed := withRecord(t, data, "Invoices", "4c4db294-3633-45cd-8706-f0b3b0079609", func(r json.RawMessage) json.RawMessage {
		return replaceOnce(t, r, `"UpdatedDateUTC": "/Date(1229794712660+0000)/"`, `"UpdatedDateUTC": "/Date(1777100000500+0000)/"`)
	})
	changed = withRecord(t, changed, "Invoices", "8a3fdcc9-83eb-4fdd-83e0-52ec1b40b072", func(r json.RawMessage) json.RawMessage {
		return replaceOnce(t, r, `"UpdatedDateUTC": "/Date(1229791330237+0000)/"`, `"UpdatedDateUTC": "/Date(1777100000000+0000)/"`)
	})
	emu := xerotest.NewHandler(changed, xerotest.Options{})
	var sent []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != xerotest.TokenPath {
			sent = append(sent, r.Header.Get("If-Modified-Since"))
		}
		emu.ServeHTTP(w, r)
	}))
	defer srv.Close()
	batches, err := run(t, newConnector(t, config(srv.URL)), "invoices", cursor, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The bound is the cursor's second, so the invoice that set the cursor
	// (12:04:04.663) comes again, followed by the two changed ones in
	// update order.
	got := strings.Join(allIDs(batches), ",")
	want := "bd63b5f1-5503-4c62-9c4a-e4b9e4257dc9,8a3fdcc9-83eb-4fdd-83e0-52ec1b40b072,4c4db294-3633-45cd-8706-f0b3b0079609"
	if got != want {
		t.Errorf("resumed ids %s, want %s", got, want)
	}
	if len(batches) != 1 || batches[0].cursor != "2026-04-25T06:53:20.500000Z" {
		t.Errorf("resumed batches %+v", batches)
	}
	if strings.Join(sent, ",") != "2026-04-24T12:04:04" {
		t.Errorf("If-Modified-Since sent: %q", sent)
	}

	// Nothing changed since the new cursor but the record that set it.
	batches, err = run(t, newConnector(t, config(srv.URL)), "invoices", "2026-04-25T06:53:20.500000Z", nil)
	if err != nil || strings.Join(allIDs(batches), ",") != "4c4db294-3633-45cd-8706-f0b3b0079609" {
		t.Errorf("second resume: %v %v", allIDs(batches), err)
	}
	// A cursor past everything yields no batch at all.
	batches, err = run(t, newConnector(t, config(srv.URL)), "invoices", "2026-04-25T06:53:21.000000Z", nil)
	if err != nil || len(batches) != 0 {
		t.Errorf("resume past the end: %d batches, %v", len(batches), err)
	}

	_, err = run(t, newConnector(t, config(srv.URL)), "invoices", "last tuesday", nil)
	if err == nil || err.Error() != `xero: invoices: cursor "last tuesday" is not a timestamp like 2006-01-02T15:04:05.000000Z; clear the stream's cursor to read it in full` {
		t.Errorf("bad cursor: %v", err)
	}
}

// What the quarantine tells a controller to do, by rule.
const (
	fixValue   = "; correct the value in Xero: the next run loads the corrected record"
	roundValue = "; round the value in Xero to the places shown: the next run loads the corrected record"
)

// A record that fails validation goes to the quarantine with its rule,
// field and a message saying what to do; the other records of the page
// load and the stream carries on.
func TestInvalidRecordsAreQuarantined(t *testing.T) {
	const (
		inv10    = "4c4db294-3633-45cd-8706-f0b3b0079609" // second invoice by UpdatedDateUTC
		inv1Spec = "d4956132-ed94-4dd7-9eaa-aa22dfdf06f2"
		payment  = "655ad293-0b35-4c2c-9a97-0ee979dd365f"
	)
	cases := []struct {
		name, coll, stream, id string
		old, new               string
		rule, field, recordID  string
		want                   string
	}{
		{"over-precise amount", "Invoices", "invoices", inv10,
			`"Total": 541.25,`, `"Total": 541.25001,`, "too_many_decimals", "Total", inv10,
			"xero: invoices page 1: record " + inv10 + ": field Total: 541.25001: more decimal places than allowed (at most 4)" + roundValue},
		{"over-precise quantity in a line", "Invoices", "invoices", inv10,
			`"Quantity": 1,`, `"Quantity": 1.00001,`, "too_many_decimals", "LineItems[0].Quantity", inv10,
			"xero: invoices page 1: record " + inv10 + ": field LineItems[0].Quantity: 1.00001: more decimal places than allowed (at most 4)" + roundValue},
		{"over-precise currency rate", "Invoices", "invoices", inv1Spec,
			`"CurrencyRate": 1.000000,`, `"CurrencyRate": 1.0000001,`, "too_many_decimals", "CurrencyRate", inv1Spec,
			"xero: invoices page 1: record " + inv1Spec + ": field CurrencyRate: 1.0000001: more decimal places than allowed (at most 6)" + roundValue},
		{"amount that is no number", "Invoices", "invoices", inv10,
			`"AmountCredited": 541.25,`, `"AmountCredited": "lots",`, "unparsable_amount", "AmountCredited", inv10,
			`xero: invoices page 1: record ` + inv10 + `: field AmountCredited: "lots" is not a decimal number` + fixValue},
		{"bad date", "Invoices", "invoices", inv10,
			`"FullyPaidOnDate": "/Date(1772928000000+0000)/"`, `"FullyPaidOnDate": "/Date(soon)/"`, "unparsable_date", "FullyPaidOnDate", inv10,
			`xero: invoices page 1: record ` + inv10 + `: field FullyPaidOnDate: "/Date(soon)/" is not a Xero date like /Date(1539993600000+0000)/` + fixValue},
		{"bad date string", "Invoices", "invoices", inv10,
			`"DueDateString": "2026-03-10T00:00:00"`, `"DueDateString": "10.03.2026"`, "unparsable_date", "DueDateString", inv10,
			`xero: invoices page 1: record ` + inv10 + `: field DueDateString: "10.03.2026" is not a date like 2018-10-20T00:00:00` + fixValue},
		{"missing id", "Invoices", "invoices", inv10,
			`"InvoiceID": "` + inv10 + `",`, ``, "missing_id", "InvoiceID", "",
			"xero: invoices page 1: record #2: field InvoiceID: missing; Xero sent the record without an id, so takt cannot keep its versions apart; the payload is kept here: report it to Xero support if it recurs"},
		{"bad boolean", "Payments", "payments", payment,
			`"IsReconciled": true,`, `"IsReconciled": "maybe",`, "unparsable_value", "IsReconciled", payment,
			`xero: payments page 1: record ` + payment + `: field IsReconciled: "maybe" is not true or false` + fixValue},
		{"unknown currency", "Invoices", "invoices", inv10,
			`"CurrencyCode": "USD",`, `"CurrencyCode": "US$",`, "unknown_currency", "CurrencyCode", inv10,
			`xero: invoices page 1: record ` + inv10 + `: field CurrencyCode: "US$" is not an ISO 4217 currency code; set an ISO 4217 currency code (such as EUR) on the record in Xero: the next run loads the corrected record`},
		{"status that became a number", "Invoices", "invoices", inv10,
			`"Status": "PAID",`, `"Status": 4,`, "type_changed", "Status", inv10,
			"xero: invoices page 1: record " + inv10 + ": field Status: got a JSON number, want a string; Xero now sends this field with another JSON type than takt reads; the record stays in quarantine until takt reads the new type: report it to whoever runs takt"},
		{"nested contact id that became a number", "Invoices", "invoices", inv10,
			`"ContactID": "`, `"ContactID": 7, "x": "`, "type_changed", "Contact.ContactID", inv10,
			"xero: invoices page 1: record " + inv10 + ": field Contact.ContactID: got a JSON number, want a string; Xero now sends this field with another JSON type than takt reads; the record stays in quarantine until takt reads the new type: report it to whoever runs takt"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := withRecord(t, fixtures(t), tc.coll, tc.id, func(r json.RawMessage) json.RawMessage {
				return replaceOnce(t, r, tc.old, tc.new)
			})
			s := startServer(t, data, xerotest.Options{})
			var rejects []extract.Reject
			rows := 0
			err := newConnector(t, config(s.URL)).Extract(context.Background(), tc.stream, "", func(_ context.Context, b extract.Batch) error {
				rows += int(b.Record.NumRows())
				rejects = append(rejects, b.Rejects...)
				return nil
			})
			if err != nil {
				t.Fatalf("the stream failed: %v", err)
			}
			if rows != wantRows[tc.stream]-1 || len(rejects) != 1 {
				t.Fatalf("%d rows and %d rejects, want %d and 1", rows, len(rejects), wantRows[tc.stream]-1)
			}
			r := rejects[0]
			if r.Message != tc.want || r.Rule != tc.rule || r.Field != tc.field || r.RecordID != tc.recordID {
				t.Errorf("reject %s %s %q:\n%s\nwant %s %s %q:\n%s", r.Rule, r.Field, r.RecordID, r.Message, tc.rule, tc.field, tc.recordID, tc.want)
			}
			if !strings.Contains(r.Payload, strings.ReplaceAll(strings.TrimSuffix(tc.new, ","), " ", "")) || !json.Valid([]byte(r.Payload)) {
				t.Errorf("payload lacks the refused value: %s", r.Payload)
			}
		})
	}
}

// VOIDED and DELETED documents come with their status like any other: an
// invoice voided after it was loaded comes again with the next incremental
// read, VOIDED.
func TestVoidedAndDeletedDocumentsComeWithTheirStatus(t *testing.T) {
	const inv10 = "4c4db294-3633-45cd-8706-f0b3b0079609"
	s := startServer(t, fixtures(t), xerotest.Options{})
	c := newConnector(t, config(s.URL))
	first, err := run(t, c, "invoices", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	cursor := first[len(first)-1].cursor
	s.Replace(withRecord(t, fixtures(t), "Invoices", inv10, func(r json.RawMessage) json.RawMessage {
		r = replaceOnce(t, r, `"UpdatedDateUTC": "/Date(1229794712660+0000)/"`, `"UpdatedDateUTC": "/Date(1777100000500+0000)/"`)
		return replaceOnce(t, r, `"Status": "PAID",`, `"Status": "VOIDED",`)
	}))
	statuses := map[string]int{}
	err = c.Extract(context.Background(), "invoices", cursor, func(_ context.Context, b extract.Batch) error {
		ids := b.Record.Column(0).(*array.String)
		st := b.Record.Column(7).(*array.String)
		for i := 0; i < ids.Len(); i++ {
			statuses[ids.Value(i)+" "+st.Value(i)]++
		}
		return nil
	})
	if err != nil || statuses[inv10+" VOIDED"] != 1 {
		t.Fatalf("incremental read after the void: %v %v", statuses, err)
	}
	statuses = map[string]int{}
	err = c.Extract(context.Background(), "invoices", "", func(_ context.Context, b extract.Batch) error {
		ids := b.Record.Column(0).(*array.String)
		st := b.Record.Column(7).(*array.String)
		for i := 0; i < ids.Len(); i++ {
			statuses[st.Value(i)]++
			if ids.Value(i) == inv10 && st.Value(i) != "VOIDED" {
				t.Errorf("invoice %s has status %s", inv10, st.Value(i))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if statuses["VOIDED"] < 1 || statuses["DELETED"] < 1 {
		t.Errorf("statuses %v: want VOIDED and DELETED documents among them", statuses)
	}
}

// Fields Xero added since the connector was written are kept in _raw and
// named once per extraction.
func TestUnknownFieldsAreReported(t *testing.T) {
	const inv10 = "4c4db294-3633-45cd-8706-f0b3b0079609"
	data := withRecord(t, fixtures(t), "Invoices", inv10, func(r json.RawMessage) json.RawMessage {
		return replaceOnce(t, r, `"Status": "PAID",`, `"Status": "PAID", "EInvoiceFormat": "XRechnung",`)
	})
	s := startServer(t, data, xerotest.Options{})
	cfg := config(s.URL)
	cfg.PageSize = 30
	var unknown [][]string
	err := newConnector(t, cfg).Extract(context.Background(), "invoices", "", func(_ context.Context, b extract.Batch) error {
		unknown = append(unknown, b.UnknownFields)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(unknown) != "[[EInvoiceFormat] [] []]" {
		t.Errorf("unknown fields by batch: %v", unknown)
	}
}

// An incremental extraction starts the overlap before its cursor; its new
// cursor never goes back.
func TestOverlap(t *testing.T) {
	emu := xerotest.NewHandler(fixtures(t), xerotest.Options{})
	var sent []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != xerotest.TokenPath {
			sent = append(sent, r.Header.Get("If-Modified-Since"))
		}
		emu.ServeHTTP(w, r)
	}))
	defer srv.Close()
	cfg := config(srv.URL)
	cfg.Overlap = 0 // the default
	batches, err := run(t, newConnector(t, cfg), "invoices", "2026-04-24T12:09:04.000000Z", nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(sent, ",") != "2026-04-24T12:04:04" {
		t.Errorf("If-Modified-Since %v, want 5 minutes before the cursor", sent)
	}
	if len(batches) != 1 || batches[0].cursor != "2026-04-24T12:09:04.000000Z" || len(batches[0].ids) == 0 {
		t.Errorf("batches %+v: want the records of the overlap and the cursor unchanged", batches)
	}
}

func TestServerErrorsAreRetried(t *testing.T) {
	s := startServer(t, fixtures(t), xerotest.Options{ServerErrorEvery: 2})
	cfg := config(s.URL)
	cfg.PageSize = 20
	var mu sync.Mutex
	var reasons []string
	cfg.HTTP.OnWait = func(reason string, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		reasons = append(reasons, reason)
	}
	batches, err := run(t, newConnector(t, cfg), "invoices", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(allIDs(batches)) != 80 || strings.Join(reasons, ",") != "server_error,server_error,server_error" || s.APICalls() != 7 {
		t.Errorf("%d rows, waits %v, %d calls; want 80, three server errors, 7 calls", len(allIDs(batches)), reasons, s.APICalls())
	}
}

func TestNewValidatesConfig(t *testing.T) {
	ok := config("https://api.xero.com")
	cases := []struct {
		edit func(*xero.Config)
		want string
	}{
		{func(c *xero.Config) { c.HTTP = nil }, "xero: config: HTTP is required (the shared httpapi client)"},
		{func(c *xero.Config) { c.ClientID = " " }, "xero: config: ClientID is empty; set the client id of the Xero custom connection"},
		{func(c *xero.Config) { c.ClientSecret = "" }, "xero: config: ClientSecret is empty; set the client secret of the Xero custom connection"},
		{func(c *xero.Config) { c.TenantID = "" }, "xero: config: TenantID is empty; set the tenant id of the Xero organisation"},
		{func(c *xero.Config) { c.BaseURL = "api.xero.com" }, `xero: config: BaseURL: "api.xero.com" is not an http(s) URL`},
		{func(c *xero.Config) { c.TokenURL = "ftp://identity.xero.com" }, `xero: config: TokenURL: "ftp://identity.xero.com" is not an http(s) URL`},
		{func(c *xero.Config) { c.PageSize = 1001 }, "xero: config: PageSize is 1001, want 1 to 1000"},
		{func(c *xero.Config) { c.PageSize = -1 }, "xero: config: PageSize is -1, want 1 to 1000"},
	}
	for _, tc := range cases {
		cfg := ok
		tc.edit(&cfg)
		if _, err := xero.New(cfg); err == nil || err.Error() != tc.want {
			t.Errorf("err = %v, want %s", err, tc.want)
		}
	}
	cfg := ok
	cfg.BaseURL, cfg.TokenURL = "", ""
	c, err := xero.New(cfg)
	if err != nil || c.Name() != "xero" || len(c.Streams()) != 4 {
		t.Errorf("defaults: %v", err)
	}
}

func TestEmitErrorAndCancel(t *testing.T) {
	s := startServer(t, fixtures(t), xerotest.Options{})
	cfg := config(s.URL)
	cfg.PageSize = 10
	c := newConnector(t, cfg)
	stop := errors.New("disk full")
	calls := 0
	err := c.Extract(context.Background(), "invoices", "", func(context.Context, extract.Batch) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 || err.Error() != "xero: invoices page 1: disk full" {
		t.Errorf("emit error: %v after %d calls", err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	err = c.Extract(ctx, "invoices", "", func(context.Context, extract.Batch) error {
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "xero: invoices page 2: ") {
		t.Errorf("cancelled after page 1: %v", err)
	}
	if err := c.Extract(context.Background(), "journals", "", nil); err == nil ||
		err.Error() != `xero: unknown stream "journals"; the streams are contacts, invoices, credit_notes and payments` {
		t.Errorf("unknown stream: %v", err)
	}
}

// Check asks for a token and one contact; a refused secret is a
// *TokenError that says so, and the contact is never asked for.
func TestCheck(t *testing.T) {
	s := startServer(t, fixtures(t), xerotest.Options{})
	what, err := newConnector(t, config(s.URL)).Check(context.Background())
	want := "POST " + s.TokenURL() + ", GET " + s.URL + "/api.xro/2.0/Contacts?page=1&pageSize=1"
	if err != nil || what != want {
		t.Fatalf("Check = %q, %v; want %q, nil", what, err, want)
	}
	cfg := config(s.URL)
	cfg.ClientSecret = "not-the-secret"
	_, err = newConnector(t, cfg).Check(context.Background())
	var te *xero.TokenError
	if !errors.As(err, &te) || !te.RefusedClient || te.RefusedScope {
		t.Fatalf("Check with a wrong secret = %v; want a *xero.TokenError with RefusedClient", err)
	}
}
