package xero_test

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/takt-billing/takt/internal/testfixtures"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/extract/extracttest"
	"github.com/takt-billing/takt/extract/httpapi"
	"github.com/takt-billing/takt/extract/xero"
	"github.com/takt-billing/takt/extract/xero/xerotest"
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
	extracttest.Run(t, func(t *testing.T) extract.Connector {
		s := startServer(t, data, xerotest.Options{})
		return newConnector(t, config(s.URL))
	}, extracttest.Options{WantRows: wantRows})
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

func TestUnparsableRecordsFail(t *testing.T) {
	const (
		inv10    = "4c4db294-3633-45cd-8706-f0b3b0079609" // second invoice by UpdatedDateUTC
		inv1Spec = "d4956132-ed94-4dd7-9eaa-aa22dfdf06f2"
		payment  = "655ad293-0b35-4c2c-9a97-0ee979dd365f"
	)
	cases := []struct {
		name, coll, stream, id string
		old, new               string
		want                   string
	}{
		{"over-precise amount", "Invoices", "invoices", inv10,
			`"Total": 541.25,`, `"Total": 541.25001,`,
			"xero: invoices page 1: record " + inv10 + ": field Total: 541.25001: more decimal places than allowed (at most 4)"},
		{"over-precise quantity in a line", "Invoices", "invoices", inv10,
			`"Quantity": 1,`, `"Quantity": 1.00001,`,
			"xero: invoices page 1: record " + inv10 + ": field LineItems[0].Quantity: 1.00001: more decimal places than allowed (at most 4)"},
		{"over-precise currency rate", "Invoices", "invoices", inv1Spec,
			`"CurrencyRate": 1.000000,`, `"CurrencyRate": 1.0000001,`,
			"xero: invoices page 1: record " + inv1Spec + ": field CurrencyRate: 1.0000001: more decimal places than allowed (at most 6)"},
		{"amount that is no number", "Invoices", "invoices", inv10,
			`"AmountCredited": 541.25,`, `"AmountCredited": "lots",`,
			`xero: invoices page 1: record ` + inv10 + `: field AmountCredited: "lots" is not a decimal number`},
		{"bad date", "Invoices", "invoices", inv10,
			`"FullyPaidOnDate": "/Date(1772928000000+0000)/"`, `"FullyPaidOnDate": "/Date(soon)/"`,
			`xero: invoices page 1: record ` + inv10 + `: field FullyPaidOnDate: "/Date(soon)/" is not a Xero date like /Date(1539993600000+0000)/`},
		{"bad date string", "Invoices", "invoices", inv10,
			`"DueDateString": "2026-03-10T00:00:00"`, `"DueDateString": "10.03.2026"`,
			`xero: invoices page 1: record ` + inv10 + `: field DueDateString: "10.03.2026" is not a date like 2018-10-20T00:00:00`},
		{"missing id", "Invoices", "invoices", inv10,
			`"InvoiceID": "` + inv10 + `",`, ``,
			"xero: invoices page 1: record #2: field InvoiceID: missing"},
		{"bad boolean", "Payments", "payments", payment,
			`"IsReconciled": true,`, `"IsReconciled": "maybe",`,
			`xero: payments page 1: record ` + payment + `: field IsReconciled: "maybe" is not true or false`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := withRecord(t, fixtures(t), tc.coll, tc.id, func(r json.RawMessage) json.RawMessage {
				return replaceOnce(t, r, tc.old, tc.new)
			})
			s := startServer(t, data, xerotest.Options{})
			batches, err := run(t, newConnector(t, config(s.URL)), tc.stream, "", nil)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v\nwant  %s", err, tc.want)
			}
			if len(batches) != 0 {
				t.Errorf("%d batches emitted before the failure", len(batches))
			}
		})
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
