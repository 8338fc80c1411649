//go:build duckdb_arrow

package hubspot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/extract/extracttest"
	"github.com/takt-billing/takt/extract/httpapi"
	"github.com/takt-billing/takt/extract/hubspot"
	"github.com/takt-billing/takt/extract/hubspot/hubspottest"
	"github.com/takt-billing/takt/internal/dbtest"
	"github.com/takt-billing/takt/internal/testfixtures"
	"github.com/takt-billing/takt/internal/warehouse"
	"github.com/takt-billing/takt/load"
)

const token = "pat-eu1-0000-test"

func fixtures(t *testing.T) hubspottest.Dataset {
	t.Helper()
	data, err := hubspottest.LoadFixtures(testfixtures.Dir(t, "hubspot"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func start(t *testing.T, data hubspottest.Dataset, opts hubspottest.Options) *hubspottest.Server {
	t.Helper()
	if opts.Token == "" {
		opts.Token = token
	}
	s := hubspottest.NewServer(data, opts)
	t.Cleanup(s.Close)
	return s
}

// newHTTP is the shared client with waits cut to milliseconds; it counts
// rate-limit waits in waits when given.
func newHTTP(waits *atomic.Int64) *httpapi.Client {
	c := httpapi.New(nil)
	c.BaseDelay = time.Millisecond
	c.MaxDelay = 5 * time.Millisecond
	c.OnWait = func(reason string, d time.Duration) {
		if reason == "rate_limited" && waits != nil {
			waits.Add(1)
		}
	}
	return c
}

func connect(t *testing.T, baseURL string, pageSize int) *hubspot.Connector {
	t.Helper()
	c, err := hubspot.New(hubspot.Config{BaseURL: baseURL, Token: token, PageSize: pageSize, HTTP: newHTTP(nil), Overlap: hubspot.NoOverlap})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConformance(t *testing.T) {
	data := fixtures(t)
	// One deal archived, so that the archived list is read as well.
	archive(t, data, "deals", "487463597256", "2026-03-20T10:00:00.000Z")
	paged := func(t *testing.T, opts hubspottest.Options, mem memory.Allocator) extract.Connector {
		c, err := hubspot.New(hubspot.Config{BaseURL: start(t, data, opts).URL, Token: token, PageSize: 5,
			HTTP: newHTTP(nil), Overlap: hubspot.NoOverlap, Mem: mem})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	extracttest.Run(t, func(t *testing.T) extract.Connector {
		return connect(t, start(t, data, hubspottest.Options{}).URL, 0)
	}, extracttest.Options{
		WantRows: map[string]int{"companies": 59, "deals": 26, "line_items": 2},
		WithAllocator: func(t *testing.T, mem memory.Allocator) extract.Connector {
			return paged(t, hubspottest.Options{}, mem)
		},
		SmallPages: func(t *testing.T) extract.Connector { return paged(t, hubspottest.Options{}, nil) },
		Faults: func(t *testing.T) extract.Connector {
			return paged(t, hubspottest.Options{RateLimitEvery: 3, ServerErrorEvery: 5}, nil)
		},
		Values: []extracttest.Value{
			{Stream: "deals", ID: "480202228957", Columns: map[string]string{
				"updated_at": "2026-02-26T13:45:43.181Z", "created_at": "2026-02-26T13:45:36.485Z", "archived": "false",
				"name": "Test Deal - Feb 26 2026", "amount": "5000.0000", "currency": "NULL", "stage": "appointmentscheduled"}},
			{Stream: "deals", ID: "493593663734", Columns: map[string]string{"amount": "15000.0000", "close_date": "2026-12-31T00:00:00Z"}},
			{Stream: "deals", ID: "21917278677", Columns: map[string]string{"amount": "3.0000", "company_id": "18785867255"}},
			{Stream: "deals", ID: "487463597256", Columns: map[string]string{"archived": "true", "updated_at": "2026-03-20T10:00:00Z"}},
			{Stream: "companies", ID: "406260751575", Columns: map[string]string{
				"name": "Test Company Batch Updated - Dryrun", "domain": "testcompany.com", "country": "United States", "vat_id": "NULL"}},
			{Stream: "line_items", ID: "17828944848", Columns: map[string]string{
				"deal_id": "21917278677", "name": "Custom line item", "sku": "1234", "quantity": "1.0000", "price": "2.0000", "amount": "2.0000"}},
		},
	})
}

// pipeline loads extractions into a warehouse in t.TempDir().
type pipeline struct {
	t  *testing.T
	wh *warehouse.Warehouse
	l  *load.Loader
}

func newPipeline(t *testing.T) *pipeline {
	t.Helper()
	ctx := context.Background()
	wh, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "takt.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	l := load.New(wh, nil)
	if err := l.Register(ctx, hubspot.Source, hubspot.Streams()); err != nil {
		t.Fatal(err)
	}
	return &pipeline{t: t, wh: wh, l: l}
}

// run extracts every stream from its committed cursor and returns the run id.
func (p *pipeline) run(c *hubspot.Connector) int64 {
	p.t.Helper()
	ctx := context.Background()
	run, err := p.l.StartRun(ctx, "cli")
	if err != nil {
		p.t.Fatal(err)
	}
	for _, s := range c.Streams() {
		cursor, err := p.l.Cursor(ctx, hubspot.Source, s.Name)
		if err != nil {
			p.t.Fatal(err)
		}
		if err := p.l.StartStream(ctx, run, hubspot.Source, s.Name); err != nil {
			p.t.Fatal(err)
		}
		err = c.Extract(ctx, s.Name, cursor, func(ctx context.Context, b extract.Batch) error {
			_, err := p.l.Append(ctx, run, hubspot.Source, s.Name, b)
			return err
		})
		if ferr := p.l.FinishStream(ctx, run, hubspot.Source, s.Name, err); ferr != nil {
			p.t.Fatal(ferr)
		}
		if err != nil {
			p.t.Fatalf("stream %s: %v", s.Name, err)
		}
	}
	return run
}

func (p *pipeline) cursor(stream string) string {
	p.t.Helper()
	c, err := p.l.Cursor(context.Background(), hubspot.Source, stream)
	if err != nil {
		p.t.Fatal(err)
	}
	return c
}

// rows returns one line per record of a run, typed columns rendered by
// DuckDB and joined with |, NULL as ∅, ordered by updated_at and id.
func (p *pipeline) rows(stream string, run int64, cols string) []string {
	p.t.Helper()
	q := fmt.Sprintf(`SELECT concat_ws('|', %s) FROM raw.hubspot_%s WHERE _run_id = $1 ORDER BY updated_at, id`, cols, stream)
	return dbtest.Strings(p.t, p.wh.DB, q, run)
}

const (
	tsFmt       = `'%Y-%m-%dT%H:%M:%S.%g'`
	companyCols = `id, strftime(updated_at, ` + tsFmt + `), coalesce(strftime(created_at, ` + tsFmt + `), '∅'), archived::VARCHAR,
		coalesce(name, '∅'), coalesce(domain, '∅'), coalesce(country, '∅'), coalesce(vat_id, '∅')`
	dealCols = `id, strftime(updated_at, ` + tsFmt + `), coalesce(strftime(created_at, ` + tsFmt + `), '∅'), archived::VARCHAR,
		coalesce(name, '∅'), coalesce(amount::VARCHAR, '∅'), coalesce(currency, '∅'), coalesce(stage, '∅'),
		coalesce(pipeline, '∅'), coalesce(strftime(close_date, ` + tsFmt + `), '∅'), coalesce(billing_model, '∅'), coalesce(company_id, '∅')`
	lineItemCols = `id, strftime(updated_at, ` + tsFmt + `), coalesce(strftime(created_at, ` + tsFmt + `), '∅'), archived::VARCHAR,
		coalesce(deal_id, '∅'), coalesce(name, '∅'), coalesce(sku, '∅'), coalesce(quantity::VARCHAR, '∅'),
		coalesce(price::VARCHAR, '∅'), coalesce(amount::VARCHAR, '∅'), coalesce(currency, '∅')`
)

func pick(rows []string, ids ...string) []string {
	var out []string
	for _, id := range ids {
		for _, r := range rows {
			if strings.HasPrefix(r, id+"|") {
				out = append(out, r)
			}
		}
	}
	return out
}

// TestFullExtractionThroughLoad checks the parsed values of recorded
// objects after the whole extract -> load path.
func TestFullExtractionThroughLoad(t *testing.T) {
	p := newPipeline(t)
	srv := start(t, fixtures(t), hubspottest.Options{})
	run := p.run(connect(t, srv.URL, 10))

	companies := p.rows("companies", run, companyCols)
	if len(companies) != 59 {
		t.Fatalf("%d companies loaded, want 59", len(companies))
	}
	dbtest.Lines(t, "companies", pick(companies, "7086461639", "406260751575", "421290981567", "406649106618"), []string{
		"7086461639|2023-02-24T03:00:26.696|2023-02-24T03:00:14.155|false|Hubspot, Inc.|hubspot.com|∅|∅",
		"406260751575|2026-03-09T20:23:36.861|2026-02-25T16:14:38.670|false|Test Company Batch Updated - Dryrun|testcompany.com|United States|∅",
		"421290981567|2026-03-12T07:35:30.805|2026-03-12T07:35:26.564|false|Test Company for Get Action|test-get-action.com|USA|∅",
		"406649106618|2026-02-25T16:25:29.505|2026-02-25T16:25:23.938|false|Test Company For Deal|∅|∅|∅",
	})

	deals := p.rows("deals", run, dealCols)
	if len(deals) != 26 {
		t.Fatalf("%d deals loaded, want 26", len(deals))
	}
	dbtest.Lines(t, "deals", pick(deals, "6744192456", "480202228957", "479475667160", "487463597256", "493593663734", "21917278677"), []string{
		"6744192456|2023-02-24T03:01:01.711|2023-02-24T03:01:01.147|false|With Atul|500.0000|∅|qualifiedtobuy|default|∅|∅|∅",
		"480202228957|2026-02-26T13:45:43.181|2026-02-26T13:45:36.485|false|Test Deal - Feb 26 2026|5000.0000|∅|appointmentscheduled|∅|∅|∅|∅",
		"479475667160|2026-03-09T20:29:45.981|2026-02-25T16:26:25.880|false|Test Deal Updated via Action|3000.0000|∅|appointmentscheduled|∅|∅|∅|∅",
		"487463597256|2026-03-04T21:10:47.572|2026-03-04T21:10:47.051|false|Test Deal from API|∅|∅|∅|∅|∅|∅|∅",
		"493593663734|2026-03-12T07:36:23.415|2026-03-12T07:36:06.332|false|Updated Test Deal|15000.0000|∅|qualifiedtobuy|∅|2026-12-31T00:00:00.000|∅|∅",
		// The first of its associations (deal_to_company 18785867255).
		"21917278677|2024-10-08T23:23:11.655|2024-10-08T16:47:48.556|false|Test deal 1|3.0000|∅|∅|∅|∅|∅|18785867255",
	})

	dbtest.Lines(t, "line items", p.rows("line_items", run, lineItemCols), []string{
		"17808947665|2024-10-08T20:59:49.410|2024-10-08T20:59:49.410|false|21917278677|Test 1|123|1.0000|1.0000|1.0000|∅",
		"17828944848|2024-10-08T22:48:40.777|2024-10-08T22:48:40.777|false|21917278677|Custom line item|1234|1.0000|2.0000|2.0000|∅",
	})

	// _raw is the object as received: the requested properties only, number
	// strings as sent.
	var raw string
	if err := p.wh.DB.QueryRow(`SELECT _raw FROM raw.hubspot_deals WHERE id = '480202228957'`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	wantRaw := `{"id":"480202228957","properties":{"amount":"5000.00","closedate":null,"createdate":"2026-02-26T13:45:36.485Z","dealname":"Test Deal - Feb 26 2026","dealstage":"appointmentscheduled","hs_lastmodifieddate":"2026-02-26T13:45:43.181Z","hs_object_id":"480202228957"},"createdAt":"2026-02-26T13:45:36.485Z","updatedAt":"2026-02-26T13:45:43.181Z","archived":false,"url":"https://app-eu1.hubspot.com/contacts/147893286/record/0-3/480202228957"}`
	if raw != wantRaw {
		t.Errorf("_raw =\n%s\nwant\n%s", raw, wantRaw)
	}

	for stream, want := range map[string]string{
		"companies":  "2026-03-12T07:48:51.238000Z",
		"deals":      "2026-03-12T07:36:23.415000Z",
		"line_items": "2024-10-08T22:48:40.777000Z",
	} {
		if got := p.cursor(stream); got != want {
			t.Errorf("%s cursor = %q, want %q", stream, got, want)
		}
	}
}

func TestMultiPage(t *testing.T) {
	data := fixtures(t)
	c := connect(t, start(t, data, hubspottest.Options{}).URL, 7)
	whole := extracttest.Collect(t, connect(t, start(t, data, hubspottest.Options{}).URL, 0), hubspot.Companies, "")
	got := extracttest.Collect(t, c, hubspot.Companies, "")
	// The archived list is one more page, empty: it is counted with the
	// first batch.
	if got.Batches != 9 || got.Pages != 10 {
		t.Errorf("59 companies at 7 a page: %d batches, %d pages; want 9 and 10", got.Batches, got.Pages)
	}
	if !slices.Equal(got.IDs, whole.IDs) || len(whole.IDs) != 59 || got.Cursor != whole.Cursor {
		t.Errorf("paged extraction differs from the one-page one:\n%v %s\n%v %s", got.IDs, got.Cursor, whole.IDs, whole.Cursor)
	}
	seen := map[string]bool{}
	for _, id := range got.IDs {
		if seen[id] {
			t.Errorf("company %s extracted twice", id)
		}
		seen[id] = true
	}
}

func TestRateLimited(t *testing.T) {
	srv := start(t, fixtures(t), hubspottest.Options{RateLimitEvery: 3, RetryAfterSeconds: 1})
	var waits atomic.Int64
	c, err := hubspot.New(hubspot.Config{BaseURL: srv.URL, Token: token, PageSize: 10, HTTP: newHTTP(&waits)})
	if err != nil {
		t.Fatal(err)
	}
	got := extracttest.Collect(t, c, hubspot.Companies, "")
	// Six pages of live companies and the (empty) archived list.
	if len(got.IDs) != 59 || got.Pages != 7 {
		t.Fatalf("%d companies in %d pages, want 59 in 7", len(got.IDs), got.Pages)
	}
	// Every third request was refused and waited for, then retried.
	if n := srv.Requests(); waits.Load() != n-7 || n != 10 {
		t.Errorf("%d requests, %d rate-limit waits; want 10 requests and 3 waits", n, waits.Load())
	}
}

func TestWrongToken(t *testing.T) {
	srv := start(t, fixtures(t), hubspottest.Options{Token: "the-right-token"})
	c := connect(t, srv.URL, 0)
	batches := 0
	err := c.Extract(context.Background(), "companies", "", func(context.Context, extract.Batch) error {
		batches++
		return nil
	})
	if err == nil {
		t.Fatal("extraction with a wrong token succeeded")
	}
	msg := err.Error()
	// The archived list is read first.
	prefix := "hubspot: companies archived page 1: GET " + srv.URL +
		"/crm/v3/objects/companies?archived=true&limit=100&properties=name%2Cdomain%2Ccountry%2Cvat_id%2Ccreatedate%2Chs_lastmodifieddate: HTTP 401: " +
		`{"status":"error","message":"Authentication credentials not found.`
	if !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, `"category":"INVALID_AUTHENTICATION"}`) ||
		!strings.HasSuffix(msg, "(check the credentials named in the config)") {
		t.Errorf("error = %s", msg)
	}
	var se *httpapi.StatusError
	if !errors.As(err, &se) || se.Status != http.StatusUnauthorized {
		t.Errorf("error does not wrap a 401 StatusError: %v", err)
	}
	if strings.Contains(msg, token) {
		t.Errorf("error shows the token: %s", msg)
	}
	if batches != 0 {
		t.Errorf("%d batches emitted", batches)
	}
}

// modify returns data with the object id of typ changed: its modification
// time set to ts and each old -> new replacement applied.
func modify(t *testing.T, data hubspottest.Dataset, typ, id, ts string, replace ...string) {
	t.Helper()
	for i, raw := range data[typ] {
		var head struct {
			ID         string `json:"id"`
			UpdatedAt  string `json:"updatedAt"`
			Properties struct {
				Modified string `json:"hs_lastmodifieddate"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			t.Fatal(err)
		}
		if head.ID != id {
			continue
		}
		b := bytes.Replace(raw, []byte(`"hs_lastmodifieddate":"`+head.Properties.Modified+`"`), []byte(`"hs_lastmodifieddate":"`+ts+`"`), 1)
		b = bytes.Replace(b, []byte(`"updatedAt":"`+head.UpdatedAt+`"`), []byte(`"updatedAt":"`+ts+`"`), 1)
		for j := 0; j+1 < len(replace); j += 2 {
			b = bytes.Replace(b, []byte(replace[j]), []byte(replace[j+1]), 1)
		}
		if bytes.Equal(b, raw) {
			t.Fatalf("%s %s unchanged", typ, id)
		}
		data[typ][i] = b
		return
	}
	t.Fatalf("no %s %s in the dataset", typ, id)
}

// TestIncremental resumes from the cursors of a full run against a portal
// where some records changed since: exactly those come back (plus the
// records of the cursor's own millisecond, the inclusive bound), with
// their associations read through the v4 batch read.
func TestIncremental(t *testing.T) {
	p := newPipeline(t)
	p.run(connect(t, start(t, fixtures(t), hubspottest.Options{}).URL, 0))

	changed := fixtures(t)
	modify(t, changed, "companies", "7086461639", "2026-04-01T09:00:00.000Z", `"name":"Hubspot, Inc."`, `"name":"HubSpot, Inc."`)
	modify(t, changed, "companies", "406260751575", "2026-04-01T09:30:00.250Z")
	modify(t, changed, "deals", "21917278677", "2026-04-02T10:00:00.000Z", `"amount":"3"`, `"amount":"3.50"`)
	modify(t, changed, "line_items", "17828944848", "2026-04-03T11:00:00.000Z", `"quantity":"1"`, `"quantity":"2.5"`)
	run := p.run(connect(t, start(t, changed, hubspottest.Options{}).URL, 2))

	dbtest.Lines(t, "companies", p.rows("companies", run, companyCols), []string{
		"407382956268|2026-03-12T07:48:51.238|2026-02-25T16:14:38.964|false|Updated Company Name|updated-example.com|∅|∅",
		"7086461639|2026-04-01T09:00:00.000|2023-02-24T03:00:14.155|false|HubSpot, Inc.|hubspot.com|∅|∅",
		"406260751575|2026-04-01T09:30:00.250|2026-02-25T16:14:38.670|false|Test Company Batch Updated - Dryrun|testcompany.com|United States|∅",
	})
	dbtest.Lines(t, "deals", p.rows("deals", run, dealCols), []string{
		"493593663734|2026-03-12T07:36:23.415|2026-03-12T07:36:06.332|false|Updated Test Deal|15000.0000|∅|qualifiedtobuy|∅|2026-12-31T00:00:00.000|∅|∅",
		"21917278677|2026-04-02T10:00:00.000|2024-10-08T16:47:48.556|false|Test deal 1|3.5000|∅|∅|∅|∅|∅|18785867255",
	})
	dbtest.Lines(t, "line items", p.rows("line_items", run, lineItemCols), []string{
		"17828944848|2026-04-03T11:00:00.000|2024-10-08T22:48:40.777|false|21917278677|Custom line item|1234|2.5000|2.0000|2.0000|∅",
	})
	for stream, want := range map[string]string{
		"companies":  "2026-04-01T09:30:00.250000Z",
		"deals":      "2026-04-02T10:00:00.000000Z",
		"line_items": "2026-04-03T11:00:00.000000Z",
	} {
		if got := p.cursor(stream); got != want {
			t.Errorf("%s cursor = %q, want %q", stream, got, want)
		}
	}
}

// syntheticCompanies are n companies 1001, 1002, ... modified at base plus
// (i / tie) seconds: tie of them share each millisecond.
func syntheticCompanies(n, tie int, base time.Time) hubspottest.Dataset {
	data := hubspottest.Dataset{}
	for i := range n {
		ts := base.Add(time.Duration(i/tie) * time.Second).Format("2006-01-02T15:04:05.000Z")
		id := fmt.Sprint(1001 + i)
		data["companies"] = append(data["companies"], json.RawMessage(fmt.Sprintf(
			`{"id":"%s","properties":{"createdate":"%s","hs_lastmodifieddate":"%s","hs_object_id":"%s","name":"Company %s"},"createdAt":"%s","updatedAt":"%s","archived":false}`,
			id, ts, ts, id, id, ts, ts)))
	}
	return data
}

var base = time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)

// TestSearchLimitRestart pages an incremental extraction through a search
// that stops after 5 results: the connector searches again from the last
// modification time it saw and yields every record exactly once, also
// where records of one millisecond straddle the restart.
func TestSearchLimitRestart(t *testing.T) {
	srv := start(t, syntheticCompanies(12, 3, base), hubspottest.Options{SearchResultLimit: 5})
	got := extracttest.Collect(t, connect(t, srv.URL, 2), hubspot.Companies, "2000-01-01T00:00:00.000000Z")
	var want []string
	for i := range 12 {
		want = append(want, fmt.Sprint(1001+i))
	}
	if !slices.Equal(got.IDs, want) {
		t.Errorf("ids = %v, want %v", got.IDs, want)
	}
	if got.Cursor != "2026-01-05T08:00:03.000000Z" {
		t.Errorf("cursor = %q", got.Cursor)
	}
}

// TestSearchLimitWithoutProgress: more records of one millisecond than a
// search can page through cannot be read incrementally; the error says
// what to do.
func TestSearchLimitWithoutProgress(t *testing.T) {
	srv := start(t, syntheticCompanies(6, 6, base), hubspottest.Options{SearchResultLimit: 5})
	rows := 0
	err := connect(t, srv.URL, 2).Extract(context.Background(), "companies", "2000-01-01T00:00:00.000000Z",
		func(_ context.Context, b extract.Batch) error {
			rows += int(b.Record.NumRows())
			if b.Cursor != "" {
				t.Errorf("a batch carried cursor %q", b.Cursor)
			}
			return nil
		})
	want := "hubspot: companies: a HubSpot search cannot page past the records modified at 2026-01-05T08:00:00Z (more than one search holds): reset the stream's cursor to run a full extraction"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
	if rows != 5 {
		t.Errorf("%d rows emitted before the error, want 5", rows)
	}
}

// TestSearchLimitAtTenThousand: at HubSpot's real limit the connector
// starts the next search before asking for a page beyond 10,000, so no
// request is refused.
func TestSearchLimitAtTenThousand(t *testing.T) {
	srv := start(t, syntheticCompanies(10050, 1, base), hubspottest.Options{})
	got := extracttest.Collect(t, connect(t, srv.URL, 100), hubspot.Companies, "2000-01-01T00:00:00.000000Z")
	if len(got.IDs) != 10050 || got.IDs[0] != "1001" || got.IDs[10049] != "11050" {
		t.Fatalf("%d ids, first %s", len(got.IDs), got.IDs[0])
	}
	seen := make(map[string]bool, len(got.IDs))
	for _, id := range got.IDs {
		if seen[id] {
			t.Fatalf("company %s extracted twice", id)
		}
		seen[id] = true
	}
	// The archived list, 100 pages up to after=9900, then one search from
	// the 10,000th record's time for the last 51.
	if n := srv.Requests(); n != 102 {
		t.Errorf("%d requests, want 102", n)
	}
}

func dealJSON(id, amount, closedate, modified string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(
		`{"id":"%s","properties":{"amount":%s,"closedate":%s,"createdate":"2026-01-01T00:00:00.000Z","dealname":"Deal %s","hs_lastmodifieddate":%s,"hs_object_id":"%s"},"createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-02T00:00:00.000Z","archived":false}`,
		id, amount, closedate, id, modified, id))
}

// What the quarantine tells a controller to do, by rule.
const (
	fixValue    = "; correct the value in HubSpot: the next run loads the corrected record"
	roundValue  = "; round the value in HubSpot to the places shown: the next run loads the corrected record"
	typeChanged = "; HubSpot now sends this field with another JSON type than takt reads; the record stays in quarantine until takt reads the new type: report it to whoever runs takt"
)

// TestInvalidRecordsAreQuarantined: a record that cannot be mapped goes to
// the quarantine with its page, id, field, rule and what to do; the stream
// goes on.
func TestInvalidRecordsAreQuarantined(t *testing.T) {
	good := dealJSON("9000", `"100.00"`, `null`, `"2026-01-02T00:00:00.000Z"`)
	after := dealJSON("9002", `"1"`, `null`, `"2026-01-03T00:00:00.000Z"`)
	cases := []struct {
		name        string
		bad         json.RawMessage
		rule, field string
		want        string
	}{
		{"over-precise amount", dealJSON("9001", `"12.34567"`, `null`, `"2026-01-02T00:00:00.000Z"`), "too_many_decimals", "amount",
			"hubspot: deals page 2: record 9001: field amount: 12.34567: more decimal places than allowed (at most 4)" + roundValue},
		{"amount with a comma", dealJSON("9001", `"1,5"`, `null`, `"2026-01-02T00:00:00.000Z"`), "unparsable_amount", "amount",
			`hubspot: deals page 2: record 9001: field amount: property amount: "1,5" is not a plain decimal number` + fixValue},
		{"amount as a number", dealJSON("9001", `500`, `null`, `"2026-01-02T00:00:00.000Z"`), "type_changed", "amount",
			"hubspot: deals page 2: record 9001: field amount: property amount is 500, want a string or null" + typeChanged},
		{"bad close date", dealJSON("9001", `"1"`, `"31.12.2026"`, `"2026-01-02T00:00:00.000Z"`), "unparsable_date", "close_date",
			`hubspot: deals page 2: record 9001: field close_date: property closedate "31.12.2026" is not an ISO-8601 timestamp` + fixValue},
		{"bad modification time", dealJSON("9001", `"1"`, `null`, `"yesterday"`), "unparsable_date", "updated_at",
			`hubspot: deals page 2: record 9001: field updated_at: property hs_lastmodifieddate "yesterday" is not an ISO-8601 timestamp` + fixValue},
		{"createdAt as a number", json.RawMessage(strings.Replace(string(dealJSON("9001", `"1"`, `null`, `"2026-01-02T00:00:00.000Z"`)), `"createdAt":"2026-01-01T00:00:00.000Z"`, `"createdAt":1767225600000`, 1)), "type_changed", "createdAt",
			"hubspot: deals page 2: record 9001: field createdAt: got a JSON number, want a string" + typeChanged},
		{"unknown currency", json.RawMessage(strings.Replace(string(dealJSON("9001", `"1"`, `null`, `"2026-01-02T00:00:00.000Z"`)), `"dealname"`, `"deal_currency_code":"EURO","dealname"`, 1)), "unknown_currency", "currency",
			`hubspot: deals page 2: record 9001: field currency: property deal_currency_code "EURO" is not an ISO 4217 currency code; set an ISO 4217 currency code (such as EUR) on the record in HubSpot: the next run loads the corrected record`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := start(t, hubspottest.Dataset{"deals": {good, tc.bad, after}}, hubspottest.Options{})
			var emitted []string
			var rejects []extract.Reject
			err := connect(t, srv.URL, 1).Extract(context.Background(), "deals", "", func(_ context.Context, b extract.Batch) error {
				emitted = append(emitted, strings.TrimSpace(fmt.Sprintf("%d %d %s", b.Record.NumRows(), len(b.Rejects), b.Cursor)))
				rejects = append(rejects, b.Rejects...)
				return nil
			})
			if err != nil {
				t.Fatalf("the stream failed: %v", err)
			}
			if want := []string{"1 0", "0 1", "1 0 2026-01-03T00:00:00.000000Z"}; !slices.Equal(emitted, want) {
				t.Errorf("batches (rows, rejects, cursor) %q, want %q", emitted, want)
			}
			if len(rejects) != 1 {
				t.Fatalf("%d rejects", len(rejects))
			}
			r := rejects[0]
			if r.Message != tc.want || r.Rule != tc.rule || r.Field != tc.field || r.RecordID != "9001" || !strings.HasPrefix(r.Payload, `{"id":"9001",`) {
				t.Errorf("reject %s %s %s:\n%s\n%s\nwant %s %s 9001:\n%s", r.Rule, r.Field, r.RecordID, r.Message, r.Payload, tc.rule, tc.field, tc.want)
			}
		})
	}
}

// TestRecordWithoutID uses a server that sends an object without an id,
// which the emulator refuses to hold: it is quarantined.
func TestRecordWithoutID(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		if r.URL.Query().Get("archived") == "true" {
			fmt.Fprint(w, `{"results":[]}`)
			return
		}
		fmt.Fprint(w, `{"results":[{"properties":{"name":"Nameless"},"archived":false}]}`)
	}))
	t.Cleanup(srv.Close)
	var rejects []extract.Reject
	err := connect(t, srv.URL, 0).Extract(context.Background(), "companies", "", func(_ context.Context, b extract.Batch) error {
		rejects = append(rejects, b.Rejects...)
		if b.Record.NumRows() != 0 {
			t.Errorf("%d rows", b.Record.NumRows())
		}
		return nil
	})
	want := "hubspot: companies page 1: record at position 0: field id: missing; HubSpot sent the record without an id, so takt cannot keep its versions apart; the payload is kept here: report it to HubSpot support if it recurs"
	if err != nil || len(rejects) != 1 || rejects[0].Message != want || rejects[0].Rule != "missing_id" || rejects[0].RecordID != "" ||
		rejects[0].Payload != `{"properties":{"name":"Nameless"},"archived":false}` {
		t.Errorf("err %v, rejects %+v\nwant %s", err, rejects, want)
	}
}

// archive returns data with object id of typ archived at ts, as HubSpot
// lists it with archived=true.
func archive(t *testing.T, data hubspottest.Dataset, typ, id, ts string) {
	t.Helper()
	modify(t, data, typ, id, ts, `"archived":false`, `"archived":true,"archivedAt":"`+ts+`"`)
}

// TestArchivedObjects: an object archived in HubSpot disappears from
// search and from the live list; the connector reads the archived list and
// hands it on with archived = true and its archive time, on full and on
// incremental runs. Archived objects do not move the cursor.
func TestArchivedObjects(t *testing.T) {
	data := fixtures(t)
	srv := start(t, data, hubspottest.Options{})
	p := newPipeline(t)
	p.run(connect(t, srv.URL, 0))

	changed := fixtures(t)
	archive(t, changed, "deals", "480202228957", "2026-04-05T08:00:00.000Z")
	srv.Replace(changed)
	run := p.run(connect(t, srv.URL, 0))
	dbtest.Lines(t, "deals of the incremental run", p.rows("deals", run, dealCols), []string{
		"493593663734|2026-03-12T07:36:23.415|2026-03-12T07:36:06.332|false|Updated Test Deal|15000.0000|∅|qualifiedtobuy|∅|2026-12-31T00:00:00.000|∅|∅",
		"480202228957|2026-04-05T08:00:00.000|2026-02-26T13:45:36.485|true|Test Deal - Feb 26 2026|5000.0000|∅|appointmentscheduled|∅|∅|∅|∅",
	})
	if got := p.cursor("deals"); got != "2026-03-12T07:36:23.415000Z" {
		t.Errorf("deals cursor %s: an archived object moved it", got)
	}
	// A full extraction reads the archived object too; a later
	// incremental one no longer does once its archive time is before the
	// cursor's overlap.
	full := extracttest.Collect(t, connect(t, srv.URL, 0), hubspot.Deals, "")
	if len(full.IDs) != 26 || full.IDs[0] != "480202228957" {
		t.Errorf("full extraction: %d ids, first %s; want 26 with the archived deal first", len(full.IDs), full.IDs[0])
	}
	later := extracttest.Collect(t, connect(t, srv.URL, 0), hubspot.Deals, "2026-04-06T00:00:00.000000Z")
	if len(later.IDs) != 0 {
		t.Errorf("after the archive time: %v", later.IDs)
	}
}

// TestUnknownFieldsAreReported: fields HubSpot sends that the connector
// does not know are named once, with the first batch that carries them.
func TestUnknownFieldsAreReported(t *testing.T) {
	d1 := json.RawMessage(strings.Replace(string(dealJSON("9000", `"1"`, `null`, `"2026-01-02T00:00:00.000Z"`)), `"archived":false`, `"archived":false,"objectWriteTraceId":"x"`, 1))
	d2 := json.RawMessage(strings.Replace(string(dealJSON("9001", `"1"`, `null`, `"2026-01-03T00:00:00.000Z"`)), `"archived":false`, `"archived":false,"propertiesVersion":2`, 1))
	d3 := json.RawMessage(strings.Replace(string(dealJSON("9002", `"1"`, `null`, `"2026-01-04T00:00:00.000Z"`)), `"archived":false`, `"archived":false,"objectWriteTraceId":"y"`, 1))
	srv := start(t, hubspottest.Dataset{"deals": {d1, d2, d3}}, hubspottest.Options{})
	var got [][]string
	err := connect(t, srv.URL, 1).Extract(context.Background(), "deals", "", func(_ context.Context, b extract.Batch) error {
		got = append(got, b.UnknownFields)
		return nil
	})
	if err != nil || fmt.Sprint(got) != "[[objectWriteTraceId] [propertiesVersion] []]" {
		t.Errorf("unknown fields by batch %v (%v)", got, err)
	}
}

func TestServerErrorsAreRetried(t *testing.T) {
	srv := start(t, fixtures(t), hubspottest.Options{ServerErrorEvery: 2})
	got := extracttest.Collect(t, connect(t, srv.URL, 10), hubspot.Companies, "")
	if len(got.IDs) != 59 || srv.Requests() != 13 {
		t.Errorf("%d companies after %d requests, want 59 after 13 (7 pages, 6 of them retried once)", len(got.IDs), srv.Requests())
	}
}

func TestEmptyPortal(t *testing.T) {
	srv := start(t, hubspottest.Dataset{}, hubspottest.Options{})
	c := connect(t, srv.URL, 0)
	for _, cursor := range []string{"", "2026-01-01T00:00:00.000000Z"} {
		batches := 0
		err := c.Extract(context.Background(), "deals", cursor, func(context.Context, extract.Batch) error {
			batches++
			return nil
		})
		if err != nil || batches != 0 {
			t.Errorf("cursor %q: %d batches, err %v; want none", cursor, batches, err)
		}
	}
}

func TestConfigAndArguments(t *testing.T) {
	h := newHTTP(nil)
	for _, tc := range []struct {
		cfg  hubspot.Config
		want string
	}{
		{hubspot.Config{HTTP: h}, "hubspot: config: Token is empty: set the HubSpot private app access token"},
		{hubspot.Config{Token: token}, "hubspot: config: HTTP is nil: pass the shared httpapi.Client"},
		{hubspot.Config{Token: token, HTTP: h, PageSize: 101}, "hubspot: config: PageSize 101 is out of range: HubSpot pages hold 1 to 100 records"},
		{hubspot.Config{Token: token, HTTP: h, BaseURL: "api.hubapi.com"}, `hubspot: config: BaseURL "api.hubapi.com" is not an http(s) address like https://api.hubapi.com`},
	} {
		if _, err := hubspot.New(tc.cfg); err == nil || err.Error() != tc.want {
			t.Errorf("New(%+v) = %v, want %s", tc.cfg, err, tc.want)
		}
	}
	c, err := hubspot.New(hubspot.Config{Token: token, HTTP: h})
	if err != nil {
		t.Fatal(err)
	}
	if c.Name() != "hubspot" || len(c.Streams()) != 3 {
		t.Errorf("Name %q, %d streams", c.Name(), len(c.Streams()))
	}
	noop := func(context.Context, extract.Batch) error { return nil }
	if err := c.Extract(context.Background(), "contacts", "", noop); err == nil ||
		err.Error() != `hubspot: unknown stream "contacts" (streams: companies, deals, line_items)` {
		t.Errorf("unknown stream: %v", err)
	}
	if err := c.Extract(context.Background(), "deals", "last tuesday", noop); err == nil ||
		err.Error() != `hubspot: deals: cursor "last tuesday" is not a time like 2006-01-02T15:04:05.000000Z: reset the stream's cursor to run a full extraction` {
		t.Errorf("bad cursor: %v", err)
	}
}
