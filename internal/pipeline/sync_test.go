//go:build duckdb_arrow

package pipeline

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/extract/harvest"
	"github.com/takt-billing/takt/extract/harvest/harvesttest"
	"github.com/takt-billing/takt/extract/httpapi"
	"github.com/takt-billing/takt/extract/hubspot"
	"github.com/takt-billing/takt/extract/hubspot/hubspottest"
	"github.com/takt-billing/takt/extract/xero"
	"github.com/takt-billing/takt/extract/xero/xerotest"
	"github.com/takt-billing/takt/internal/dbtest"
	"github.com/takt-billing/takt/internal/rawtest"
	"github.com/takt-billing/takt/internal/testfixtures"
	"github.com/takt-billing/takt/internal/warehouse"
	"github.com/takt-billing/takt/load"
	"github.com/takt-billing/takt/transform"
)

// syncEnv is a warehouse with a pipeline over one Harvest connector.
type syncEnv struct {
	t  *testing.T
	wh *warehouse.Warehouse
	p  *Pipeline
}

func newSyncEnv(t *testing.T) *syncEnv {
	t.Helper()
	ctx := context.Background()
	wh, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "takt.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	p, err := New(ctx, wh, Registry(rawtest.Sources()), nil)
	if err != nil {
		t.Fatal(err)
	}
	// No id listings unless a test asks for them.
	p.Sync.IDCheckEvery = map[string]int{harvest.Source: 1000}
	return &syncEnv{t: t, wh: wh, p: p}
}

// harvestData is the recorded Harvest dataset.
func harvestData(t *testing.T) harvesttest.Dataset {
	t.Helper()
	data, err := harvesttest.LoadFixtures(testfixtures.Dir(t, "harvest"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// withField returns a copy of data where record id of resource has field
// set to value (JSON).
func withField(t *testing.T, data harvesttest.Dataset, resource, id, field, value string) harvesttest.Dataset {
	t.Helper()
	out := harvesttest.Dataset{}
	for k, v := range data {
		out[k] = slices.Clone(v)
	}
	for i, r := range out[resource] {
		var head struct{ ID json.RawMessage }
		if err := json.Unmarshal(r, &head); err != nil {
			t.Fatal(err)
		}
		if string(head.ID) == id {
			v, err := harvesttest.SetField(r, field, json.RawMessage(value))
			if err != nil {
				t.Fatal(err)
			}
			out[resource][i] = v
			return out
		}
	}
	t.Fatalf("no %s %s", resource, id)
	return nil
}

// connect points the pipeline at a Harvest emulator, pages of pageSize
// records, no overlap; attempts bounds the HTTP client's tries.
func (e *syncEnv) connect(url string, pageSize, attempts int) {
	e.t.Helper()
	hc := httpapi.New(nil)
	hc.BaseDelay, hc.MaxDelay, hc.MaxAttempts = time.Millisecond, 2*time.Millisecond, attempts
	c, err := harvest.New(harvest.Config{BaseURL: url, Token: harvesttest.DefaultToken, AccountID: harvesttest.DefaultAccountID,
		PageSize: pageSize, HTTP: hc, Overlap: harvest.NoOverlap})
	if err != nil {
		e.t.Fatal(err)
	}
	e.p.Sources = []extract.Connector{c}
}

// extract extracts and loads the selected streams; it returns the run.
func (e *syncEnv) extract(opts Options) *Result {
	e.t.Helper()
	opts.ExtractOnly = true
	res, err := e.p.RunWith(context.Background(), "cli", opts)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// run extracts and loads the selected streams and builds the staging
// layer, the way a run does before core, with the quarantine of what the
// staging layer leaves out for its references; it returns the run.
func (e *syncEnv) run(opts Options) *Result {
	e.t.Helper()
	res := e.extract(opts)
	e.buildStaging()
	if err := e.p.quarantineReferences(context.Background(), res.RunID, e.p.Logger); err != nil {
		e.t.Fatal(err)
	}
	return res
}

// buildStaging runs the staging models of the API sources only: what the
// current view holds, without the layers built on it (the models of file
// imports have nothing to read here).
func (e *syncEnv) buildStaging() {
	e.t.Helper()
	models, err := transform.Models()
	if err != nil {
		e.t.Fatal(err)
	}
	tx, err := e.wh.DB.Begin()
	if err != nil {
		e.t.Fatal(err)
	}
	defer tx.Rollback()
	for _, m := range models {
		if !strings.HasPrefix(m.Name, "staging.") || strings.HasPrefix(m.Name, "staging.files_") {
			continue
		}
		if _, err := tx.Exec(m.SQL); err != nil {
			e.t.Fatalf("%s: %v", m.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		e.t.Fatal(err)
	}
}

// lines returns one line per row of query, columns joined with |.
func (e *syncEnv) lines(query string, args ...any) []string {
	e.t.Helper()
	return dbtest.Strings(e.t, e.wh.DB, query, args...)
}

func (e *syncEnv) equal(what string, got []string, want ...string) {
	e.t.Helper()
	dbtest.Lines(e.t, what, got, want)
}

const entriesNow = `SELECT entry_id || '|' || hours::VARCHAR || '|' || coalesce(notes, '∅') FROM staging.harvest_time_entries ORDER BY entry_id`

// A full refresh swaps in only when it completed: while it fails half-way
// the current view keeps the state before it (its rows are loaded but
// invisible, the cursor stays); once one completes, its records win and
// the records it no longer found are marked deleted, with the time takt
// saw them gone.
func TestFullRefreshSwapsInOnlyWhenComplete(t *testing.T) {
	e := newSyncEnv(t)
	data := harvestData(t)
	srv := harvesttest.NewServer(data, harvesttest.Options{})
	defer srv.Close()
	e.connect(srv.URL, 1, 3)
	e.run(Options{Streams: []string{"time_entries"}})
	before := []string{
		"636707831|2.0000|Planning meetings",
		"636708574|1.0000|Evaluating 3rd party libraries",
		"636708723|1.3500|Importing products",
		"636709355|2.1100|Adding CSS styling",
	}
	e.equal("after the first run", e.lines(entriesNow), before...)
	cursor, _ := e.p.Loader.Cursor(context.Background(), "harvest", "time_entries")

	// In Harvest, one entry is deleted and one changed.
	changed := withField(t, data, "time_entries", "636709355", "notes", `"Adding CSS styling, reviewed"`)
	changed = withField(t, changed, "time_entries", "636709355", "hours", `2.5`)
	faulty := harvesttest.NewServer(changed, harvesttest.Options{ServerErrorEvery: 3})
	defer faulty.Close()
	if err := faulty.Delete("time_entries", "636708574"); err != nil {
		t.Fatal(err)
	}
	// A full refresh that fails on its third page, each page committed on
	// its own.
	e.p.Sync.CoalesceRows = 1
	e.connect(faulty.URL, 1, 1)
	failed := e.run(Options{Streams: []string{"time_entries"}, FullRefresh: true})
	if failed.Status != load.RunFailed || len(failed.Streams) != 1 || !strings.Contains(failed.Streams[0].Error, "HTTP 503") {
		t.Fatalf("the broken full refresh: %s %+v", failed.Status, failed.Streams)
	}
	e.equal("rows of the broken full refresh in raw", e.lines(`SELECT id FROM raw.harvest_time_entries WHERE _run_id = $1 ORDER BY id`, failed.RunID),
		"636708723", "636709355")
	e.equal("the current view during a broken full refresh", e.lines(entriesNow), before...)
	if got, _ := e.p.Loader.Cursor(context.Background(), "harvest", "time_entries"); got != cursor {
		t.Errorf("cursor %s after the broken refresh, want %s", got, cursor)
	}

	ok := harvesttest.NewServer(changed, harvesttest.Options{})
	defer ok.Close()
	if err := ok.Delete("time_entries", "636708574"); err != nil {
		t.Fatal(err)
	}
	e.connect(ok.URL, 1, 3)
	refresh := e.run(Options{Streams: []string{"time_entries"}, FullRefresh: true})
	if refresh.Status != load.RunSucceeded {
		t.Fatalf("full refresh: %s %v", refresh.Status, refresh.Err)
	}
	e.equal("the current view after the full refresh", e.lines(entriesNow),
		"636707831|2.0000|Planning meetings",
		"636708723|1.3500|Importing products",
		"636709355|2.5000|Adding CSS styling, reviewed",
	)
	e.equal("deleted records", e.lines(`SELECT d.source || '|' || d.stream || '|' || d.id || '|' || d.how || '|' || (d.deleted_at = t.seen_at)::VARCHAR
		FROM staging.deleted_records d JOIN raw.tombstones t ON t.id = d.id AND t._run_id = $1`, refresh.RunID),
		"harvest|time_entries|636708574|absent_from_full_refresh|true")
	e.equal("syncs", e.lines(`SELECT run_id || '|' || mode || '|' || (completed_at IS NOT NULL)::VARCHAR FROM ops.stream_syncs ORDER BY run_id`),
		"1|full_refresh|true", "2|full_refresh|false", "3|full_refresh|true")
}

// Harvest does not report deletions: a listing of a stream's ids, every
// deletion_check_every runs, finds them. Records deleted once are not
// marked again.
func TestIDListingFindsDeletedHarvestRecords(t *testing.T) {
	e := newSyncEnv(t)
	srv := harvesttest.NewServer(harvestData(t), harvesttest.Options{})
	defer srv.Close()
	e.connect(srv.URL, 0, 3)
	e.p.Sync.IDCheckEvery = map[string]int{harvest.Source: 2}
	e.extract(Options{Streams: []string{"time_entries", "projects"}})
	if err := srv.Delete("time_entries", "636708723"); err != nil {
		t.Fatal(err)
	}
	second := e.run(Options{Streams: []string{"time_entries", "projects"}})
	e.equal("id checks", e.lines(`SELECT run_id || '|' || stream || '|' || listed || '|' || deleted FROM ops.id_checks ORDER BY stream`),
		"2|projects|2|0", "2|time_entries|3|1")
	e.equal("current view", e.lines(`SELECT entry_id FROM staging.harvest_time_entries ORDER BY 1`), "636707831", "636708574", "636709355")
	e.equal("deleted records", e.lines(`SELECT id || '|' || how FROM staging.deleted_records`), "636708723|absent_from_id_list")
	e.extract(Options{Streams: []string{"time_entries"}})
	fourth := e.extract(Options{Streams: []string{"time_entries"}})
	e.equal("later checks", e.lines(`SELECT run_id || '|' || listed || '|' || deleted FROM ops.id_checks WHERE stream = 'time_entries' ORDER BY run_id`),
		"2|3|1", "4|3|0")
	e.equal("tombstones", e.lines(`SELECT _run_id || '|' || id || '|' || reason FROM raw.tombstones`), "2|636708723|absent_from_id_list")
	_ = second
	if fourth.Status != load.RunSucceeded {
		t.Fatalf("fourth run %s: %v", fourth.Status, fourth.Err)
	}
}

// A record that fails validation is quarantined; once fixed in Harvest its
// new version loads and closes the reject.
func TestFixedRecordClosesItsReject(t *testing.T) {
	e := newSyncEnv(t)
	data := harvestData(t)
	bad := withField(t, data, "time_entries", "636708723", "hours", `2.11111`)
	bad = withField(t, bad, "time_entries", "636708723", "carbon_grams", `12`)
	srv := harvesttest.NewServer(bad, harvesttest.Options{})
	defer srv.Close()
	e.connect(srv.URL, 0, 3)
	first := e.run(Options{Streams: []string{"time_entries"}})
	if first.Status != load.RunSucceeded {
		t.Fatalf("a reject failed the run: %v", first.Err)
	}
	e.equal("current view", e.lines(`SELECT entry_id FROM staging.harvest_time_entries ORDER BY 1`), "636707831", "636708574", "636709355")
	e.equal("rejects", e.lines(`SELECT run_id || '|' || record_id || '|' || rule || '|' || field || '|' || stage || '|' || (resolved_at IS NULL)::VARCHAR FROM ops.rejects`),
		"1|636708723|too_many_decimals|hours|extract|true")
	e.equal("schema drift", e.lines(`SELECT run_id || '|' || stream || '|' || field FROM ops.schema_drift`), "1|time_entries|carbon_grams")

	fixed := withField(t, data, "time_entries", "636708723", "hours", `2.25`)
	fixed = withField(t, fixed, "time_entries", "636708723", "updated_at", `"2017-07-01T08:00:00Z"`)
	srv.Replace(fixed)
	second := e.run(Options{Streams: []string{"time_entries"}})
	e.equal("current view after the fix", e.lines(`SELECT entry_id || '|' || hours::VARCHAR FROM staging.harvest_time_entries WHERE entry_id = '636708723'`),
		"636708723|2.2500")
	e.equal("rejects after the fix", e.lines(`SELECT run_id || '|' || record_id || '|' || resolved_run_id FROM ops.rejects`),
		"1|636708723|"+itoa(second.RunID))
}

// A time entry booked onto a project Harvest does not list stays out of
// the current view and is quarantined once; fixed, it flows in.
func TestUnknownProjectIsQuarantinedUntilFixed(t *testing.T) {
	e := newSyncEnv(t)
	data := harvestData(t)
	bad := withField(t, data, "time_entries", "636709355", "project", `{"id":999,"name":"Gone"}`)
	srv := harvesttest.NewServer(bad, harvesttest.Options{})
	defer srv.Close()
	e.connect(srv.URL, 0, 3)
	e.run(Options{Streams: []string{"projects", "time_entries"}})
	e.run(Options{Streams: []string{"projects", "time_entries"}})
	e.equal("current view", e.lines(`SELECT entry_id FROM staging.harvest_time_entries ORDER BY 1`), "636707831", "636708574", "636708723")
	e.equal("rejects", e.lines(`SELECT run_id || '|' || record_id || '|' || rule || '|' || field || '|' || stage || '|' || message FROM ops.rejects`),
		"1|636709355|unknown_project|project.id|transform|harvest: time_entries: record 636709355: field project.id: project 999 is not among the projects Harvest lists, so the time entry is left out of reports; book the work onto a project that exists in Harvest, or restore the project: the next run loads the corrected record")

	fixed := withField(t, data, "time_entries", "636709355", "updated_at", `"2017-07-01T08:00:00Z"`)
	srv.Replace(fixed)
	third := e.run(Options{Streams: []string{"projects", "time_entries"}})
	e.equal("current view after the fix", e.lines(`SELECT entry_id FROM staging.harvest_time_entries ORDER BY 1`), "636707831", "636708574", "636708723", "636709355")
	e.equal("rejects after the fix", e.lines(`SELECT record_id || '|' || resolved_run_id FROM ops.rejects`), "636709355|"+itoa(third.RunID))
}

// Records read again (the overlap, the cursor's own second) are not
// written again when nothing changed, and collapse in the current view
// when something did; pages are gathered into transactions of
// CoalesceRows rows, and the cursor commits with the last of them.
func TestOverlapCollapsesAndPagesCoalesce(t *testing.T) {
	e := newSyncEnv(t)
	srv := harvesttest.NewServer(harvestData(t), harvesttest.Options{})
	defer srv.Close()
	e.connect(srv.URL, 1, 3)
	e.p.Sync.CoalesceRows = 3
	rec := &progressRecorder{}
	e.p.Progress = rec
	e.extract(Options{Streams: []string{"time_entries"}})
	e.equal("progress of the first run", rec.events,
		"started", "page 1/1", "page 1/1", "page 1/1", "loaded 3/3", "page 1/1", "loaded 1/1", "finished 4")
	e.p.Progress = nil
	second := e.run(Options{Streams: []string{"time_entries"}})
	srv.Replace(withField(t, harvestData(t), "time_entries", "636708574", "notes", `"Evaluating 3rd party libraries, again"`))
	e.run(Options{Streams: []string{"time_entries"}})
	e.equal("transactions per run (distinct _extracted_at)", e.lines(`SELECT _run_id || '|' || count(*) || '|' || count(DISTINCT _extracted_at) FROM raw.harvest_time_entries GROUP BY _run_id ORDER BY _run_id`),
		"1|4|2", "3|3|1")
	// Of the third run's two writes, the second held only the version
	// loaded before.
	e.equal("ledger", e.lines(`SELECT run_id || '|' || rows || '|' || pages FROM ops.run_streams ORDER BY run_id`), "1|4|4", "2|0|4", "3|3|4")
	e.equal("current view", e.lines(`SELECT entry_id || '|' || notes FROM staging.harvest_time_entries ORDER BY entry_id`),
		"636707831|Planning meetings", "636708574|Evaluating 3rd party libraries, again", "636708723|Importing products", "636709355|Adding CSS styling")
	e.equal("sync of the second run", e.lines(`SELECT mode || '|' || cursor_from FROM ops.stream_syncs WHERE run_id = $1`, second.RunID),
		"incremental|2017-06-27T16:47:14.000000Z")
}

// Options select sources and streams; a name that selects nothing is an
// error before anything runs.
func TestOptionsSelectStreams(t *testing.T) {
	e := newSyncEnv(t)
	srv := harvesttest.NewServer(harvestData(t), harvesttest.Options{})
	defer srv.Close()
	e.connect(srv.URL, 0, 3)
	res := e.extract(Options{Sources: []string{"harvest"}, Streams: []string{"harvest.tasks", "users"}})
	var got []string
	for _, s := range res.Streams {
		got = append(got, s.Source+"."+s.Stream+"="+s.Status)
	}
	e.equal("streams of the run", got, "harvest.tasks=succeeded", "harvest.users=succeeded")
	e.equal("no data tests without the SQL layers", e.lines(`SELECT test FROM ops.data_test_results`))
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{Sources: []string{"xero"}}, `source "xero" is not configured or not enabled (configured: harvest)`},
		{Options{Streams: []string{"timesheets"}}, "stream \"timesheets\" is not a stream of the selected sources; name it as it appears in `takt run` (e.g. time_entries or harvest.time_entries)"},
	} {
		if _, err := e.p.RunWith(context.Background(), "cli", tc.opts); err == nil || err.Error() != tc.want {
			t.Errorf("%+v: err %v\nwant %s", tc.opts, err, tc.want)
		}
	}
	e.equal("runs", e.lines(`SELECT count(*)::VARCHAR FROM ops.runs`), "1")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// progressRecorder notes what a run tells its progress display.
type progressRecorder struct{ events []string }

func (r *progressRecorder) StreamStarted(source, stream string) {
	r.events = append(r.events, "started")
}
func (r *progressRecorder) BatchLoaded(source, stream string, rows int64, pages int) {
	r.events = append(r.events, "loaded "+itoa(rows)+"/"+itoa(int64(pages)))
}
func (r *progressRecorder) PageExtracted(source, stream string, rows int64, pages int) {
	r.events = append(r.events, "page "+itoa(rows)+"/"+itoa(int64(pages)))
}
func (r *progressRecorder) StreamFinished(source, stream string, rows int64, err error) {
	r.events = append(r.events, "finished "+itoa(rows))
}

// Deletes and voids of every source are soft deletes with the time takt
// saw them: HubSpot's archived objects leave the current view, Xero's
// voided and deleted documents stay in it with their status, and both are
// listed in staging.deleted_records.
func TestDeletesAndVoidsOfHubSpotAndXero(t *testing.T) {
	e := newSyncEnv(t)
	hsData, err := hubspottest.LoadFixtures(testfixtures.Dir(t, "hubspot"))
	if err != nil {
		t.Fatal(err)
	}
	xeData, err := xerotest.LoadFixtures(testfixtures.Dir(t, "xero"))
	if err != nil {
		t.Fatal(err)
	}
	hs := hubspottest.NewServer(hsData, hubspottest.Options{Token: "t"})
	defer hs.Close()
	xs := xerotest.NewServer(xeData, xerotest.Options{})
	defer xs.Close()
	hc := httpapi.New(nil)
	hc.BaseDelay, hc.MaxDelay = time.Millisecond, 2*time.Millisecond
	hsc, err := hubspot.New(hubspot.Config{BaseURL: hs.URL, Token: "t", HTTP: hc})
	if err != nil {
		t.Fatal(err)
	}
	xc, err := xero.New(xero.Config{BaseURL: xs.URL, TokenURL: xs.TokenURL(), ClientID: xerotest.DefaultClientID,
		ClientSecret: xerotest.DefaultClientSecret, TenantID: xerotest.DefaultTenantID, HTTP: hc})
	if err != nil {
		t.Fatal(err)
	}
	e.p.Sources = []extract.Connector{hsc, xc}
	opts := Options{Streams: []string{"deals", "xero.invoices"}}
	e.run(opts)
	e.equal("deals in the current view", e.lines(`SELECT count(*)::VARCHAR FROM staging.hubspot_deals`), "26")

	// The deal is archived in HubSpot.
	for i, raw := range hsData["deals"] {
		if strings.HasPrefix(string(raw), `{"id":"480202228957",`) {
			r := strings.Replace(string(raw), `"archived":false`, `"archived":true,"archivedAt":"2026-04-05T08:00:00.000Z"`, 1)
			if r == string(raw) {
				t.Fatal("deal 480202228957 has no archived flag to set")
			}
			hsData["deals"][i] = json.RawMessage(r)
		}
	}
	hs.Replace(hsData)
	second := e.run(opts)
	e.equal("deals in the current view after the archive", e.lines(`SELECT count(*)::VARCHAR FROM staging.hubspot_deals WHERE deal_id <> '480202228957'`), "25")
	e.equal("the archived deal", e.lines(`SELECT count(*)::VARCHAR FROM staging.hubspot_deals WHERE deal_id = '480202228957'`), "0")
	e.equal("deleted records", e.lines(`SELECT d.source || '|' || d.stream || '|' || d.id || '|' || d.how || '|' || (d.deleted_at = r._extracted_at)::VARCHAR
		FROM staging.deleted_records d LEFT JOIN raw.hubspot_deals r ON r.id = d.id AND r._run_id = $1 AND r.archived
		WHERE d.source = 'hubspot'`, second.RunID),
		"hubspot|deals|480202228957|archived|true")
	e.equal("voided and deleted Xero invoices", e.lines(`SELECT d.how || '|' || count(*) || '|' || count(x.invoice_id) || '|' || count(*) FILTER (WHERE x.voided = (d.how = 'voided'))
		FROM staging.deleted_records d LEFT JOIN staging.xero_invoices x ON x.invoice_id = d.id
		WHERE d.source = 'xero' GROUP BY d.how ORDER BY d.how`),
		"deleted|"+xeroStatusCount(t, xeData, "DELETED")+"|"+xeroStatusCount(t, xeData, "DELETED")+"|"+xeroStatusCount(t, xeData, "DELETED"),
		"voided|"+xeroStatusCount(t, xeData, "VOIDED")+"|"+xeroStatusCount(t, xeData, "VOIDED")+"|"+xeroStatusCount(t, xeData, "VOIDED"))
	e.equal("deleted_at of deleted Xero invoices", e.lines(`SELECT count(*)::VARCHAR FROM staging.xero_invoices WHERE (status = 'DELETED') <> (deleted_at IS NOT NULL) OR (status = 'VOIDED') <> (voided_at IS NOT NULL)`), "0")
}

// xeroStatusCount counts the invoices of the Xero dataset with a status.
func xeroStatusCount(t *testing.T, data xerotest.Dataset, status string) string {
	t.Helper()
	n := 0
	for _, raw := range data["Invoices"] {
		var inv struct{ Status string }
		if err := json.Unmarshal(raw, &inv); err != nil {
			t.Fatal(err)
		}
		if inv.Status == status {
			n++
		}
	}
	if n == 0 {
		t.Fatalf("no %s invoice in the fixtures", status)
	}
	return strconv.Itoa(n)
}
