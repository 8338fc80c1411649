package harvest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/extract/extracttest"
	"github.com/takt-billing/takt/extract/harvest"
	"github.com/takt-billing/takt/extract/harvest/harvesttest"
	"github.com/takt-billing/takt/extract/httpapi"
	"github.com/takt-billing/takt/internal/testfixtures"
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
		Overlap:   harvest.NoOverlap,
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
	withMem := func(t *testing.T, url string, pageSize int, mem memory.Allocator) extract.Connector {
		hc := httpapi.New(nil)
		hc.BaseDelay, hc.MaxDelay = time.Millisecond, 5*time.Millisecond
		c, err := harvest.New(harvest.Config{BaseURL: url, Token: harvesttest.DefaultToken, AccountID: harvesttest.DefaultAccountID,
			PageSize: pageSize, HTTP: hc, Overlap: harvest.NoOverlap, Mem: mem})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	extracttest.Run(t, func(t *testing.T) extract.Connector {
		return newConnector(t, serve(t, data, harvesttest.Options{}).URL, 0, nil)
	}, extracttest.Options{
		WantRows: fixtureRows,
		WithAllocator: func(t *testing.T, mem memory.Allocator) extract.Connector {
			return withMem(t, serve(t, data, harvesttest.Options{}).URL, 1, mem)
		},
		SmallPages: func(t *testing.T) extract.Connector {
			return newConnector(t, serve(t, data, harvesttest.Options{}).URL, 1, nil)
		},
		Faults: func(t *testing.T) extract.Connector {
			return newConnector(t, serve(t, data, harvesttest.Options{RateLimitEvery: 3, ServerErrorEvery: 5}).URL, 1, nil)
		},
		Values: []extracttest.Value{
			{Stream: "time_entries", ID: "636709355", Columns: map[string]string{
				"hours": "2.1100", "rounded_hours": "2.2500", "spent_date": "2017-03-02", "user_id": "1782959",
				"client_id": "5735774", "project_id": "14307913", "task_id": "8083365", "billable_rate": "100.0000",
				"cost_rate": "50.0000", "is_closed": "true", "is_billed": "false", "invoice_id": "NULL",
				"created_at": "2017-06-27T15:50:15Z", "updated_at": "2017-06-27T16:47:14Z"}},
			{Stream: "time_entries", ID: "636708574", Columns: map[string]string{"billable_rate": "NULL", "billable": "false"}},
			{Stream: "time_entries", ID: "636708723", Columns: map[string]string{"hours": "1.3500", "invoice_id": "13150403", "invoice_number": "1001"}},
			{Stream: "invoices", ID: "13150403", Columns: map[string]string{
				"number": "1001", "state": "open", "issue_date": "2017-04-01", "sent_at": "2017-08-23T22:25:59Z", "paid_at": "NULL",
				"currency": "EUR", "amount": "288.9000", "tax": "5.000000", "tax_amount": "13.5000",
				"line_items": "[{id=53341602, kind=Service, description=03/01/2017 - Project Management: [9:00am - 11:00am] Planning meetings, project_id=14308069, quantity=2.0000, unit_price=100.0000, amount=200.0000, taxed=true}, " +
					"{id=53341603, kind=Service, description=03/01/2017 - Programming: [1:00pm - 2:00pm] Importing products, project_id=14308069, quantity=1.0000, unit_price=100.0000, amount=100.0000, taxed=true}]"}},
			{Stream: "expenses", ID: "15296442", Columns: map[string]string{"category": "Meals", "total_cost": "33.3500", "units": "1.0000", "invoice_number": "1001"}},
			{Stream: "projects", ID: "14308069", Columns: map[string]string{"code": "OS1", "budget": "200.0000", "budget_by": "project", "fee": "NULL", "hourly_rate": "100.0000", "starts_on": "2017-06-01"}},
			{Stream: "users", ID: "1782884", Columns: map[string]string{"first_name": "Bob", "default_hourly_rate": "100.0000", "cost_rate": "75.0000"}},
			{Stream: "task_assignments", ID: "160726647", Columns: map[string]string{"project_id": "14808188", "task_id": "8083369", "hourly_rate": "100.0000", "budget": "NULL"}},
			{Stream: "clients", ID: "5735776", Columns: map[string]string{"name": "123 Industries", "currency": "EUR"}},
		},
	})
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

// What the quarantine tells a controller to do, by rule.
const (
	fixValue    = "; correct the value in Harvest: the next run loads the corrected record"
	roundValue  = "; round the value in Harvest to the places shown: the next run loads the corrected record"
	typeChanged = "; Harvest now sends this field with another JSON type than takt reads; the record stays in quarantine until takt reads the new type: report it to whoever runs takt"
	noID        = "; Harvest sent the record without an id, so takt cannot keep its versions apart; the payload is kept here: report it to Harvest support if it recurs"
)

// collected is what an extraction emitted: rows, rejects and unknown
// fields, batch by batch.
type collected struct {
	rows    []string // ids
	rejects []extract.Reject
	unknown [][]string
	batches int
	cursor  string
}

func collect(t *testing.T, c *harvest.Connector, stream, cursor string) (collected, error) {
	t.Helper()
	var out collected
	err := c.Extract(context.Background(), stream, cursor, func(_ context.Context, b extract.Batch) error {
		out.batches++
		ids := b.Record.Column(0).(*array.String)
		for i := 0; i < ids.Len(); i++ {
			out.rows = append(out.rows, ids.Value(i))
		}
		out.rejects = append(out.rejects, b.Rejects...)
		if b.UnknownFields != nil {
			out.unknown = append(out.unknown, b.UnknownFields)
		}
		if b.Cursor != "" {
			out.cursor = b.Cursor
		}
		return nil
	})
	return out, err
}

// A record that fails validation goes to the quarantine with its rule, its
// field, a message saying what to do and its payload; the stream goes on
// and the other records load.
func TestInvalidRecordsAreQuarantined(t *testing.T) {
	data := fixtures(t)
	cases := []struct {
		name, resource, id, field, value string
		pageSize                         int
		rule, rejField, recordID, want   string
	}{
		{"over-precise hours", "time_entries", "636708723", "hours", `2.11111`, 0, "too_many_decimals", "hours", "636708723",
			"harvest: time_entries page 1: record 636708723: field hours: 2.11111: more decimal places than allowed (at most 4)" + roundValue},
		{"on the second page", "time_entries", "636708574", "rounded_hours", `1.00005`, 2, "too_many_decimals", "rounded_hours", "636708574",
			"harvest: time_entries page 2: record 636708574: field rounded_hours: 1.00005: more decimal places than allowed (at most 4)" + roundValue},
		{"negative hours", "time_entries", "636708723", "hours", `-1.5`, 0, "negative_hours", "hours", "636708723",
			"harvest: time_entries page 1: record 636708723: field hours: -1.5 is below zero; correct the hours in Harvest (hours cannot be negative): the next run loads the corrected record"},
		{"impossible date", "time_entries", "636708723", "spent_date", `"2017-02-30"`, 0, "unparsable_date", "spent_date", "636708723",
			`harvest: time_entries page 1: record 636708723: field spent_date: "2017-02-30" is not a date like 2017-03-02` + fixValue},
		{"updated_at not a timestamp", "time_entries", "636708723", "updated_at", `"27.06.2017 16:47"`, 0, "unparsable_date", "updated_at", "636708723",
			`harvest: time_entries page 1: record 636708723: field updated_at: "27.06.2017 16:47" is not a timestamp like 2017-06-27T15:50:15Z` + fixValue},
		{"no id", "time_entries", "636708723", "id", `null`, 0, "missing_id", "id", "",
			"harvest: time_entries page 1: record #2: field id: missing" + noID},
		{"flag of the wrong type", "time_entries", "636708723", "billable", `"yes"`, 0, "type_changed", "billable", "636708723",
			"harvest: time_entries page 1: record 636708723: field billable: got a JSON string, want a boolean" + typeChanged},
		{"created_at of the wrong type", "time_entries", "636708723", "created_at", `1498578568`, 0, "type_changed", "created_at", "636708723",
			"harvest: time_entries page 1: record 636708723: field created_at: got a JSON number, want a string" + typeChanged},
		{"nested object of the wrong type", "expenses", "15296423", "expense_category", `"Lodging"`, 0, "type_changed", "expense_category", "15296423",
			"harvest: expenses page 1: record 15296423: field expense_category: got a JSON string, want an object" + typeChanged},
		{"nested id of the wrong type", "time_entries", "636708723", "project", `{"id":true,"name":"x"}`, 0, "type_changed", "project.id", "636708723",
			"harvest: time_entries page 1: record 636708723: field project.id: got true, want a number or a string" + typeChanged},
		{"rate that is not a number", "time_entries", "636708723", "billable_rate", `true`, 0, "type_changed", "billable_rate", "636708723",
			"harvest: time_entries page 1: record 636708723: field billable_rate: got a JSON boolean, want a number" + typeChanged},
		{"amount as a string", "expenses", "15296423", "total_cost", `"1,5"`, 0, "type_changed", "total_cost", "15296423",
			"harvest: expenses page 1: record 15296423: field total_cost: got a JSON string, want a number" + typeChanged},
		{"amount too large", "expenses", "15296423", "total_cost", `12345678901234567890`, 0, "unparsable_amount", "total_cost", "15296423",
			"harvest: expenses page 1: record 15296423: field total_cost: 12345678901234567890: too large for 18 digits" + fixValue},
		{"tax percent with 7 places", "invoices", "13150378", "tax", `19.1234567`, 0, "too_many_decimals", "tax", "13150378",
			"harvest: invoices page 1: record 13150378: field tax: 19.1234567: more decimal places than allowed (at most 6)" + roundValue},
		{"bad sent_at", "invoices", "13150403", "sent_at", `"2017-08-23 22:25:59"`, 0, "unparsable_date", "sent_at", "13150403",
			`harvest: invoices page 1: record 13150403: field sent_at: "2017-08-23 22:25:59" is not a timestamp like 2017-06-27T15:50:15Z` + fixValue},
		{"line item quantity", "invoices", "13150378", "line_items", `[{"id":1,"kind":"Service","quantity":1.00001,"unit_price":1,"amount":1,"taxed":false,"project":null}]`, 0,
			"too_many_decimals", "line_items", "13150378",
			"harvest: invoices page 1: record 13150378: field line_items: element 0 field quantity: 1.00001: more decimal places than allowed (at most 4)" + roundValue},
		{"unknown currency", "clients", "5735774", "currency", `"EURO"`, 0, "unknown_currency", "currency", "5735774",
			`harvest: clients page 1: record 5735774: field currency: "EURO" is not an ISO 4217 currency code; set an ISO 4217 currency code (such as EUR) on the record in Harvest: the next run loads the corrected record`},
	}
	for _, cs := range cases {
		t.Run(cs.name, func(t *testing.T) {
			edited := edit(t, data, cs.resource, cs.id, cs.field, cs.value)
			srv := serve(t, edited, harvesttest.Options{})
			got, err := collect(t, newConnector(t, srv.URL, cs.pageSize, nil), cs.resource, "")
			if err != nil {
				t.Fatalf("the stream failed: %v", err)
			}
			if len(got.rows) != fixtureRows[cs.resource]-1 || slices.Contains(got.rows, cs.id) {
				t.Errorf("rows %v: want the %d others", got.rows, fixtureRows[cs.resource]-1)
			}
			if len(got.rejects) != 1 {
				t.Fatalf("%d rejects, want 1", len(got.rejects))
			}
			r := got.rejects[0]
			if r.Message != cs.want || r.Rule != cs.rule || r.Field != cs.rejField || r.RecordID != cs.recordID {
				t.Errorf("reject %s %s %q:\n%s\nwant %s %s %q:\n%s", r.Rule, r.Field, r.RecordID, r.Message, cs.rule, cs.rejField, cs.recordID, cs.want)
			}
			var sent bytes.Buffer
			for i, raw := range data[cs.resource] {
				var v struct{ ID json.RawMessage }
				if err := json.Unmarshal(raw, &v); err != nil {
					t.Fatal(err)
				}
				if string(v.ID) == cs.id {
					if err := json.Compact(&sent, edited[cs.resource][i]); err != nil {
						t.Fatal(err)
					}
				}
			}
			if r.Payload != sent.String() {
				t.Errorf("payload is not the record as sent (compacted):\n%s\nwant\n%s", r.Payload, sent.String())
			}
			// The refused record's updated_at still moves the cursor: once
			// fixed in Harvest its updated_at moves on, and it comes again.
			if got.cursor == "" {
				t.Errorf("no cursor")
			}
		})
	}
}

// Fields Harvest added since the connector was written are kept in _raw
// and named once per extraction, with the batch that first carries them.
func TestUnknownFieldsAreReportedOnce(t *testing.T) {
	data := edit(t, fixtures(t), "time_entries", "636708723", "approval_flow", `{"step":2}`)
	data = edit(t, data, "time_entries", "636707831", "approval_flow", `{"step":3}`)
	data = edit(t, data, "time_entries", "636707831", "carbon_grams", `12`)
	got, err := collect(t, newConnector(t, serve(t, data, harvesttest.Options{}).URL, 1, nil), "time_entries", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.rows) != 4 || len(got.rejects) != 0 {
		t.Errorf("%d rows, %d rejects; want 4 and 0", len(got.rows), len(got.rejects))
	}
	want := [][]string{{"approval_flow"}, {"carbon_grams"}}
	if fmt.Sprint(got.unknown) != fmt.Sprint(want) {
		t.Errorf("unknown fields by batch %v, want %v", got.unknown, want)
	}
}

// An incremental extraction starts the overlap before its cursor, and its
// new cursor never goes back.
func TestOverlapRereadsBeforeTheCursor(t *testing.T) {
	var sent []string
	emu := harvesttest.NewHandler(edit(t, fixtures(t), "time_entries", "636708574", "updated_at", `"2017-07-03T12:30:00Z"`), harvesttest.Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent = append(sent, r.URL.Query().Get("updated_since"))
		emu.ServeHTTP(w, r)
	}))
	defer srv.Close()
	hc := httpapi.New(nil)
	c, err := harvest.New(harvest.Config{BaseURL: srv.URL, Token: harvesttest.DefaultToken, AccountID: harvesttest.DefaultAccountID, HTTP: hc})
	if err != nil {
		t.Fatal(err)
	}
	got, err := collect(t, c, "time_entries", "2017-07-03T12:34:59.500000Z")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.rows, " ") != "636708574" || got.cursor != "2017-07-03T12:34:59.500000Z" {
		t.Errorf("rows %v cursor %s; want the record of 12:30:00 again and the cursor unchanged", got.rows, got.cursor)
	}
	if strings.Join(sent, ",") != "2017-07-03T12:29:59Z" {
		t.Errorf("updated_since %v, want 5 minutes before the cursor, to the second", sent)
	}
}

// Server errors are retried like rate limits.
func TestServerErrorsAreRetried(t *testing.T) {
	srv := serve(t, fixtures(t), harvesttest.Options{ServerErrorEvery: 2})
	var w waits
	got := extracttest.Collect(t, newConnector(t, srv.URL, 1, &w), harvest.TimeEntries, "")
	if len(got.IDs) != 4 || srv.Requests() != 7 {
		t.Errorf("%d ids after %d requests, want 4 after 7", len(got.IDs), srv.Requests())
	}
	if want := []string{"server_error 500µs", "server_error 500µs", "server_error 500µs"}; len(w.reasons) != 3 || !strings.HasPrefix(w.reasons[0], "server_error ") {
		t.Errorf("waits %v, want three like %v", w.reasons, want)
	}
}

// ListIDs lists every record's id, whatever its updated_at; a record
// deleted in Harvest is no longer among them.
func TestListIDsAfterADelete(t *testing.T) {
	srv := serve(t, fixtures(t), harvesttest.Options{})
	c := newConnector(t, srv.URL, 3, nil)
	list := func() []string {
		var ids []string
		pages := 0
		err := c.ListIDs(context.Background(), "task_assignments", func(_ context.Context, page []string) error {
			pages++
			ids = append(ids, page...)
			return nil
		})
		if err != nil || pages != 4 {
			t.Fatalf("%d pages, %v", pages, err)
		}
		return ids
	}
	if got := strings.Join(list(), " "); got != "160726647 160726646 160726645 160726644 155505153 155505016 155505015 155505014 155505013 155502711 155502710 155502709" {
		t.Errorf("ids %s", got)
	}
	if err := srv.Delete("task_assignments", "155505016", "160726647"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(list(), " "); got != "160726646 160726645 160726644 155505153 155505015 155505014 155505013 155502711 155502710 155502709" {
		t.Errorf("after the delete: ids %s", got)
	}
	// updated_since does not report the deletion.
	full := extracttest.Collect(t, c, harvest.TaskAssignments, "")
	again := extracttest.Collect(t, c, harvest.TaskAssignments, full.Cursor)
	if len(full.IDs) != 10 || slices.Contains(full.IDs, "155505016") || strings.Join(again.IDs, " ") != "160726646 160726645 160726644" {
		t.Errorf("%d ids in full, %v after the cursor; want 10 and the 3 of the cursor's second", len(full.IDs), again.IDs)
	}
	if err := srv.Delete("task_assignments", "1"); err == nil || err.Error() != "harvesttest: delete from task_assignments: no records 1" {
		t.Errorf("deleting an unknown id: %v", err)
	}
	if err := c.ListIDs(context.Background(), "timesheets", nil); err == nil || err.Error() != `harvest: unknown stream "timesheets"` {
		t.Errorf("unknown stream: %v", err)
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
		// The default overlap starts 5 minutes before the cursor.
		want := []string{"/v2/users?per_page=50&updated_since=2017-06-27T16%3A42%3A14Z", "Bearer pat-1", "123", wantUA}
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
