package harvest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/takt-billing/takt/internal/testfixtures"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/extract/extracttest"
	"github.com/takt-billing/takt/extract/harvest"
	"github.com/takt-billing/takt/extract/harvest/harvesttest"
	"github.com/takt-billing/takt/extract/httpapi"
)

// fixtureRows is the number of records of each recorded Harvest list.
var fixtureRows = map[string]int{
	"clients": 2, "projects": 2, "users": 3, "tasks": 5, "task_assignments": 12,
	"time_entries": 4, "expenses": 2, "invoices": 2,
}

// fixtures reads the shared Harvest fixtures in place, from the folder
// beside the module root (the directory holding go.mod).
func fixtures(t testing.TB) harvesttest.Dataset {
	t.Helper()
	data, err := harvesttest.LoadFixtures(testfixtures.Dir(t, "harvest"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func set(t testing.TB, obj json.RawMessage, field, value string) json.RawMessage {
	t.Helper()
	out, err := harvesttest.SetField(obj, field, json.RawMessage(value))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// edit returns a copy of data whose record id in resource has field set to
// value.
func edit(t testing.TB, data harvesttest.Dataset, resource, id, field, value string) harvesttest.Dataset {
	t.Helper()
	out := harvesttest.Dataset{}
	for k, v := range data {
		out[k] = v
	}
	recs := slices.Clone(data[resource])
	found := false
	for i, r := range recs {
		var v struct{ ID json.RawMessage }
		if err := json.Unmarshal(r, &v); err != nil {
			t.Fatal(err)
		}
		if string(v.ID) == id {
			recs[i] = set(t, r, field, value)
			found = true
		}
	}
	if !found {
		t.Fatalf("no %s record %s", resource, id)
	}
	out[resource] = recs
	return out
}

// waits records the httpapi client's waits before retries.
type waits struct {
	mu      sync.Mutex
	reasons []string
}

func (w *waits) add(reason string, d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.reasons = append(w.reasons, fmt.Sprintf("%s %s", reason, d))
}

// newConnector returns a connector for srv whose HTTP client waits at most
// 5 ms, so that Retry-After: 1 does not slow the suite.
func newConnector(t testing.TB, baseURL string, pageSize int, w *waits) *harvest.Connector {
	t.Helper()
	hc := httpapi.New(nil)
	hc.BaseDelay = time.Millisecond
	hc.MaxDelay = 5 * time.Millisecond
	if w != nil {
		hc.OnWait = w.add
	}
	c, err := harvest.New(harvest.Config{
		BaseURL:   baseURL,
		Token:     harvesttest.DefaultToken,
		AccountID: harvesttest.DefaultAccountID,
		PageSize:  pageSize,
		HTTP:      hc,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func serve(t testing.TB, data harvesttest.Dataset, opts harvesttest.Options) *harvesttest.Server {
	t.Helper()
	srv := harvesttest.NewServer(data, opts)
	t.Cleanup(srv.Close)
	return srv
}

func stream(name string) extract.Stream {
	for _, s := range harvest.Streams() {
		if s.Name == name {
			return s
		}
	}
	panic("no stream " + name)
}

func TestConformance(t *testing.T) {
	data := fixtures(t)
	for _, pageSize := range []int{0, 1} {
		t.Run(fmt.Sprintf("page_size_%d", pageSize), func(t *testing.T) {
			extracttest.Run(t, func(t *testing.T) extract.Connector {
				return newConnector(t, serve(t, data, harvesttest.Options{}).URL, pageSize, nil)
			}, extracttest.Options{WantRows: fixtureRows})
		})
	}
}

// Full extractions of the recorded pages: ids in Harvest's order, one page
// each, and the latest updated_at as the cursor.
func TestFullExtractionOfFixtures(t *testing.T) {
	srv := serve(t, fixtures(t), harvesttest.Options{})
	c := newConnector(t, srv.URL, 0, nil)
	cases := []struct {
		stream, ids, cursor string
	}{
		{"clients", "5735776 5735774", "2017-06-26T21:34:11.000000Z"},
		{"projects", "14308069 14307913", "2017-06-26T21:54:46.000000Z"},
		{"users", "3230547 1782959 1782884", "2020-05-01T22:34:52.000000Z"},
		{"tasks", "8083800 8083369 8083368 8083366 8083365", "2017-06-26T22:08:25.000000Z"},
		{"task_assignments", "160726647 160726646 160726645 160726644 155505153 155505016 155505015 155505014 155505013 155502711 155502710 155502709", "2017-08-22T17:36:54.000000Z"},
		{"time_entries", "636709355 636708723 636708574 636707831", "2017-06-27T16:47:14.000000Z"},
		{"expenses", "15296442 15296423", "2017-06-27T16:47:14.000000Z"},
		{"invoices", "13150403 13150378", "2017-08-23T22:25:59.000000Z"},
	}
	for _, cs := range cases {
		got := extracttest.Collect(t, c, stream(cs.stream), "")
		if strings.Join(got.IDs, " ") != cs.ids || got.Cursor != cs.cursor || got.Batches != 1 || got.Pages != 1 {
			t.Errorf("%s: ids %v cursor %s batches %d pages %d; want %s cursor %s, 1 batch of 1 page", cs.stream, got.IDs, got.Cursor, got.Batches, got.Pages, cs.ids, cs.cursor)
		}
	}
	if srv.Requests() != int64(len(cases)) {
		t.Errorf("%d requests for %d single-page streams", srv.Requests(), len(cases))
	}
}

// generatedTimeEntries derives n time entries from a recorded one: ids 1..n,
// spent on dates that put them in Harvest's order n..1, updated at
// 2017-07-01 plus id minutes.
func generatedTimeEntries(t testing.TB, n int) []json.RawMessage {
	t.Helper()
	tmpl := fixtures(t)["time_entries"][0]
	out := make([]json.RawMessage, n)
	for i := range n {
		r := set(t, tmpl, "id", fmt.Sprint(i+1))
		r = set(t, r, "spent_date", fmt.Sprintf(`"2017-%02d-%02d"`, 1+i/28%12, 1+i%28))
		r = set(t, r, "updated_at", fmt.Sprintf(`"2017-07-01T%02d:%02d:00Z"`, i/60, i%60))
		out[i] = r
	}
	return out
}

func TestMultiPageReturnsEveryRecordOnce(t *testing.T) {
	const n, pageSize = 250, 7
	srv := serve(t, harvesttest.Dataset{"time_entries": generatedTimeEntries(t, n)}, harvesttest.Options{})
	c := newConnector(t, srv.URL, pageSize, nil)
	got := extracttest.Collect(t, c, harvest.TimeEntries, "")
	pages := (n + pageSize - 1) / pageSize
	if got.Batches != pages || got.Pages != pages || srv.Requests() != int64(pages) {
		t.Errorf("%d batches, %d pages, %d requests; want %d each", got.Batches, got.Pages, srv.Requests(), pages)
	}
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprint(n - i)
	}
	if !slices.Equal(got.IDs, want) {
		t.Errorf("ids %v,\nwant %v", got.IDs, want)
	}
	if got.Cursor != "2017-07-01T04:09:00.000000Z" {
		t.Errorf("cursor %s, want the latest updated_at 2017-07-01T04:09:00.000000Z", got.Cursor)
	}
}

func TestRateLimitedRequestsAreRetried(t *testing.T) {
	srv := serve(t, fixtures(t), harvesttest.Options{RateLimitEvery: 2})
	var w waits
	c := newConnector(t, srv.URL, 1, &w)
	got := extracttest.Collect(t, c, harvest.TimeEntries, "")
	if want := "636709355 636708723 636708574 636707831"; strings.Join(got.IDs, " ") != want || got.Pages != 4 {
		t.Errorf("ids %v over %d pages, want %s over 4", got.IDs, got.Pages, want)
	}
	// Requests 2, 4 and 6 were throttled; each was retried after
	// Retry-After: 1 capped at the client's MaxDelay.
	if srv.Requests() != 7 {
		t.Errorf("%d requests, want 7", srv.Requests())
	}
	if want := []string{"rate_limited 5ms", "rate_limited 5ms", "rate_limited 5ms"}; !slices.Equal(w.reasons, want) {
		t.Errorf("waits %v, want %v", w.reasons, want)
	}
}

func TestWrongCredentialsFailWithoutBatches(t *testing.T) {
	data := fixtures(t)
	for _, opts := range []harvesttest.Options{
		{Token: "another-token"},
		{AccountID: "999"},
	} {
		srv := serve(t, data, opts)
		c := newConnector(t, srv.URL, 0, nil)
		batches := 0
		err := c.Extract(context.Background(), "clients", "", func(context.Context, extract.Batch) error {
			batches++
			return nil
		})
		want := "harvest: clients page 1: GET " + srv.URL + `/v2/clients?per_page=2000: HTTP 401: {"error":"invalid_token","error_description":"The access token provided is expired, revoked, malformed or invalid for other reasons."} (check the credentials named in the config)`
		if err == nil || err.Error() != want {
			t.Errorf("err = %v,\nwant %s", err, want)
		}
		if batches != 0 || srv.Requests() != 1 {
			t.Errorf("%d batches after %d requests, want 0 after 1 (a 401 is not retried)", batches, srv.Requests())
		}
	}
}

func TestIncrementalReturnsChangedRecords(t *testing.T) {
	data := fixtures(t)
	first := extracttest.Collect(t, newConnector(t, serve(t, data, harvesttest.Options{}).URL, 0, nil), harvest.TimeEntries, "")
	if first.Cursor != "2017-06-27T16:47:14.000000Z" {
		t.Fatalf("first cursor %s", first.Cursor)
	}

	// Later, two entries change.
	changed := edit(t, data, "time_entries", "636708574", "updated_at", `"2017-07-03T12:30:00Z"`)
	changed = edit(t, changed, "time_entries", "636707831", "updated_at", `"2017-07-01T09:00:00Z"`)
	c := newConnector(t, serve(t, changed, harvesttest.Options{}).URL, 0, nil)

	got := extracttest.Collect(t, c, harvest.TimeEntries, "2017-06-28T00:00:00.000000Z")
	if want := "636708574 636707831"; strings.Join(got.IDs, " ") != want || got.Cursor != "2017-07-03T12:30:00.000000Z" {
		t.Errorf("resume from 2017-06-28: ids %v cursor %s; want %s cursor 2017-07-03T12:30:00.000000Z", got.IDs, got.Cursor, want)
	}

	// updated_since is inclusive: records updated at the cursor itself come
	// again, which staging deduplicates by id and updated_at.
	got = extracttest.Collect(t, c, harvest.TimeEntries, first.Cursor)
	if want := "636709355 636708723 636708574 636707831"; strings.Join(got.IDs, " ") != want {
		t.Errorf("resume from the first cursor: ids %v, want %s", got.IDs, want)
	}

	got = extracttest.Collect(t, c, harvest.TimeEntries, "2017-07-03T12:30:00.000000Z")
	if want := "636708574"; strings.Join(got.IDs, " ") != want || got.Cursor != "2017-07-03T12:30:00.000000Z" {
		t.Errorf("resume from the latest cursor: ids %v cursor %s, want %s and the same cursor", got.IDs, got.Cursor, want)
	}

	// A cursor within a second Harvest reports gives that second's records
	// again without moving back.
	got = extracttest.Collect(t, c, harvest.TimeEntries, "2017-07-03T12:30:00.500000Z")
	if want := "636708574"; strings.Join(got.IDs, " ") != want || got.Cursor != "2017-07-03T12:30:00.500000Z" {
		t.Errorf("resume from within a second: ids %v cursor %s, want %s and the same cursor", got.IDs, got.Cursor, want)
	}

	batches := 0
	err := c.Extract(context.Background(), "time_entries", "2017-07-03T12:30:01.000000Z", func(context.Context, extract.Batch) error {
		batches++
		return nil
	})
	if err != nil || batches != 0 {
		t.Errorf("nothing changed since the cursor: err %v, %d batches; want nil and none", err, batches)
	}

	err = c.Extract(context.Background(), "time_entries", "last tuesday", func(context.Context, extract.Batch) error { return nil })
	if want := `harvest: time_entries: cursor "last tuesday" is not a time like 2006-01-02T15:04:05.000000Z; reset the stream's cursor to read it in full`; err == nil || err.Error() != want {
		t.Errorf("bad cursor: err = %v, want %s", err, want)
	}
}

func TestUnparsableRecordsFailTheStream(t *testing.T) {
	data := fixtures(t)
	cases := []struct {
		name, resource, id, field, value string
		pageSize                         int
		want                             string
		batches                          int
	}{
		{"over-precise hours", "time_entries", "636708723", "hours", `2.11111`, 0,
			"harvest: time_entries page 1: record 636708723: field hours: 2.11111: more decimal places than allowed (at most 4)", 0},
		{"on the second page", "time_entries", "636708574", "rounded_hours", `1.00005`, 2,
			"harvest: time_entries page 2: record 636708574: field rounded_hours: 1.00005: more decimal places than allowed (at most 4)", 1},
		{"impossible date", "time_entries", "636708723", "spent_date", `"2017-02-30"`, 0,
			`harvest: time_entries page 1: record 636708723: field spent_date: "2017-02-30" is not a date like 2017-03-02`, 0},
		{"updated_at not a timestamp", "time_entries", "636708723", "updated_at", `"27.06.2017 16:47"`, 0,
			`harvest: time_entries page 1: record 636708723: field updated_at: "27.06.2017 16:47" is not a timestamp like 2017-06-27T15:50:15Z`, 0},
		{"no id", "time_entries", "636708723", "id", `null`, 0,
			"harvest: time_entries page 1: record #2: field id: missing", 0},
		{"flag of the wrong type", "time_entries", "636708723", "billable", `"yes"`, 0,
			"harvest: time_entries page 1: record 636708723: field billable: got a JSON string, want a boolean", 0},
		{"created_at of the wrong type", "time_entries", "636708723", "created_at", `1498578568`, 0,
			"harvest: time_entries page 1: record 636708723: field created_at: got a JSON number, want a string", 0},
		{"nested object of the wrong type", "expenses", "15296423", "expense_category", `"Lodging"`, 0,
			"harvest: expenses page 1: record 15296423: field expense_category: got a JSON string, want an object", 0},
		{"rate that is not a number", "time_entries", "636708723", "billable_rate", `true`, 0,
			"harvest: time_entries page 1: record 636708723: field billable_rate: got true, want a number or a string", 0},
		{"tax percent with 7 places", "invoices", "13150378", "tax", `19.1234567`, 0,
			"harvest: invoices page 1: record 13150378: field tax: 19.1234567: more decimal places than allowed (at most 6)", 0},
		{"bad sent_at", "invoices", "13150403", "sent_at", `"2017-08-23 22:25:59"`, 0,
			`harvest: invoices page 1: record 13150403: field sent_at: "2017-08-23 22:25:59" is not a timestamp like 2017-06-27T15:50:15Z`, 0},
		{"line item quantity", "invoices", "13150378", "line_items", `[{"id":1,"kind":"Service","quantity":1.00001,"unit_price":1,"amount":1,"taxed":false,"project":null}]`, 0,
			"harvest: invoices page 1: record 13150378: field line_items: element 0 field quantity: 1.00001: more decimal places than allowed (at most 4)", 0},
		{"expense total", "expenses", "15296423", "total_cost", `"1,5"`, 0,
			`harvest: expenses page 1: record 15296423: field total_cost: "1,5" is not a plain decimal number`, 0},
	}
	for _, cs := range cases {
		t.Run(cs.name, func(t *testing.T) {
			srv := serve(t, edit(t, data, cs.resource, cs.id, cs.field, cs.value), harvesttest.Options{})
			c := newConnector(t, srv.URL, cs.pageSize, nil)
			batches := 0
			err := c.Extract(context.Background(), cs.resource, "", func(context.Context, extract.Batch) error {
				batches++
				return nil
			})
			if err == nil || err.Error() != cs.want {
				t.Errorf("err = %v,\nwant %s", err, cs.want)
			}
			if batches != cs.batches {
				t.Errorf("%d batches before the error, want %d", batches, cs.batches)
			}
		})
	}
}

func TestEmptyStreamEmitsNothing(t *testing.T) {
	data := fixtures(t)
	data["expenses"] = nil
	c := newConnector(t, serve(t, data, harvesttest.Options{}).URL, 0, nil)
	calls := 0
	err := c.Extract(context.Background(), "expenses", "", func(context.Context, extract.Batch) error {
		calls++
		return nil
	})
	if err != nil || calls != 0 {
		t.Errorf("err %v after %d batches, want nil after none", err, calls)
	}
}

// A page that ends the list without records still carries the cursor of
// what the earlier pages held.
func TestCursorOnAnEmptyLastPage(t *testing.T) {
	var srvURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("cursor") == "" {
			fmt.Fprintf(w, `{"clients":[{"id":1,"updated_at":"2024-05-01T10:00:00Z"}],"links":{"next":%q}}`, srvURL+"/v2/clients?cursor=2")
			return
		}
		fmt.Fprint(w, `{"clients":[],"links":{"next":null}}`)
	}))
	defer srv.Close()
	srvURL = srv.URL
	c := newConnector(t, srv.URL, 0, nil)
	var got []string
	err := c.Extract(context.Background(), "clients", "", func(_ context.Context, b extract.Batch) error {
		got = append(got, fmt.Sprintf("rows=%d cursor=%q pages=%d", b.Record.NumRows(), b.Cursor, b.Pages))
		return nil
	})
	want := []string{`rows=1 cursor="" pages=1`, `rows=0 cursor="2024-05-01T10:00:00.000000Z" pages=1`}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("batches %q, err %v; want %q", got, err, want)
	}
}

func TestSendsHarvestHeadersAndFilters(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.RequestURI(), r.Header.Get("Authorization"), r.Header.Get("Harvest-Account-Id"), r.Header.Get("User-Agent"))
		fmt.Fprint(w, `{"users":[],"links":{"next":null}}`)
	}))
	defer srv.Close()
	for _, ua := range []string{"", "takt (finance@example.com)"} {
		got = nil
		c, err := harvest.New(harvest.Config{BaseURL: srv.URL + "/", Token: "pat-1", AccountID: "123", UserAgent: ua, PageSize: 50, HTTP: httpapi.New(nil)})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Extract(context.Background(), "users", "2017-06-27T16:47:14.250000Z", func(context.Context, extract.Batch) error { return nil }); err != nil {
			t.Fatal(err)
		}
		wantUA := ua
		if ua == "" {
			wantUA = "takt (https://github.com/takt-billing/takt)"
		}
		want := []string{"/v2/users?per_page=50&updated_since=2017-06-27T16%3A47%3A14Z", "Bearer pat-1", "123", wantUA}
		if !slices.Equal(got, want) {
			t.Errorf("request %q, want %q", got, want)
		}
	}
}

func TestRefusesNextLinksElsewhere(t *testing.T) {
	var next string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"tasks":[{"id":1,"updated_at":"2024-05-01T10:00:00Z"}],"links":{"next":%q}}`, next)
	}))
	defer srv.Close()
	c := newConnector(t, srv.URL, 0, nil)
	cases := []struct{ next, want string }{
		{"https://attacker.example/v2/tasks?cursor=x",
			`harvest: tasks page 1: links.next "https://attacker.example/v2/tasks?cursor=x" leaves ` + srv.URL + `; refusing to send the Harvest token there`},
		{srv.URL + "/v2/tasks?per_page=2000",
			"harvest: tasks page 1: links.next points back to the same page; Harvest's paging did not advance"},
	}
	for _, cs := range cases {
		next = cs.next
		batches := 0
		err := c.Extract(context.Background(), "tasks", "", func(context.Context, extract.Batch) error { batches++; return nil })
		if err == nil || err.Error() != cs.want || batches != 0 {
			t.Errorf("next %s: err %v after %d batches,\nwant %s", cs.next, err, batches, cs.want)
		}
	}
}

func TestMalformedResponsesFailThePage(t *testing.T) {
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	c := newConnector(t, srv.URL, 0, nil)
	prefix := "harvest: tasks page 1: response of " + srv.URL + "/v2/tasks?per_page=2000: "
	cases := []struct{ body, want string }{
		{"<html>Maintenance</html>", "not a JSON object (invalid character '<' looking for beginning of value)"},
		{`{"projects":[],"links":{"next":null}}`, `no "tasks" list`},
		{`{"tasks":{"id":1}}`, `"tasks" is not a list (<nil>)`},
		{`{"tasks":[{"id":1},{"id":2]}`, `"tasks" item 2: invalid character ']' after object key:value pair`},
	}
	for _, cs := range cases {
		body = cs.body
		err := c.Extract(context.Background(), "tasks", "", func(context.Context, extract.Batch) error { return nil })
		if err == nil || err.Error() != prefix+cs.want {
			t.Errorf("body %s: err %v,\nwant %s", cs.body, err, prefix+cs.want)
		}
	}
}

func TestNewChecksConfig(t *testing.T) {
	hc := httpapi.New(nil)
	ok := harvest.Config{Token: "t", AccountID: "1", HTTP: hc}
	with := func(f func(*harvest.Config)) harvest.Config { c := ok; f(&c); return c }
	cases := []struct {
		cfg  harvest.Config
		want string
	}{
		{with(func(c *harvest.Config) { c.Token = " " }), "harvest: config Token is empty: set a Harvest personal access token (Harvest ID > Developers)"},
		{with(func(c *harvest.Config) { c.AccountID = "" }), "harvest: config AccountID is empty: set the Harvest account id shown beside the personal access token"},
		{with(func(c *harvest.Config) { c.AccountID = "acme" }), `harvest: config AccountID "acme" is not a number: use the numeric Harvest account id`},
		{with(func(c *harvest.Config) { c.PageSize = 2001 }), "harvest: config PageSize 2001 is out of range: use 1 to 2000"},
		{with(func(c *harvest.Config) { c.PageSize = -1 }), "harvest: config PageSize -1 is out of range: use 1 to 2000"},
		{with(func(c *harvest.Config) { c.HTTP = nil }), "harvest: config HTTP is nil: pass the shared httpapi client"},
		{with(func(c *harvest.Config) { c.BaseURL = "api.harvestapp.com" }), `harvest: config BaseURL "api.harvestapp.com" is not an http(s) address like https://api.harvestapp.com`},
		{with(func(c *harvest.Config) { c.BaseURL = "https://api.harvestapp.com?x=1" }), `harvest: config BaseURL "https://api.harvestapp.com?x=1" must not have a query or fragment`},
	}
	for _, cs := range cases {
		if _, err := harvest.New(cs.cfg); err == nil || err.Error() != cs.want {
			t.Errorf("err = %v, want %s", err, cs.want)
		}
	}
	c, err := harvest.New(ok)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name() != "harvest" || len(c.Streams()) != 8 {
		t.Errorf("name %s with %d streams", c.Name(), len(c.Streams()))
	}
}

// The batch's _raw column is the object as Harvest sent it, compacted:
// number literals such as 2.11 and 100.0 are kept.
func TestRawKeepsNumberLiterals(t *testing.T) {
	c := newConnector(t, serve(t, fixtures(t), harvesttest.Options{}).URL, 0, nil)
	var raw string
	err := c.Extract(context.Background(), "time_entries", "", func(_ context.Context, b extract.Batch) error {
		col := b.Record.Column(int(b.Record.NumCols()) - 1).(*array.String)
		raw = col.Value(0)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`{"id":636709355,"spent_date":"2017-03-02",`, `"hours":2.11,"hours_without_timer":2.11,"rounded_hours":2.25,`, `"billable_rate":100.0,"cost_rate":50.0}`} {
		if !strings.Contains(raw, want) {
			t.Errorf("_raw lacks %s: %s", want, raw)
		}
	}
}
