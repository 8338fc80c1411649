//go:build duckdb_arrow && unix

package main

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/takt-billing/takt/internal/dbtest"
	"github.com/takt-billing/takt/internal/pipeline"
	"github.com/takt-billing/takt/internal/warehouse"
	"github.com/takt-billing/takt/load"
	"github.com/takt-billing/takt/reconcile"
	sqlfiles "github.com/takt-billing/takt/sql"
)

// killPhase is one phase of the kill test: how many runs it kills, each
// after a random delay in [min, max) from the run's start, and the extra
// arguments of its runs.
type killPhase struct {
	name     string
	kills    int
	min, max time.Duration
	args     []string
}

var killPlan = []killPhase{
	// A new warehouse: migrations, the small streams, the first pages.
	{"start", 16, 0, 900 * time.Millisecond, nil},
	// Deep in the first load: the 26 batches of time entries.
	{"first load", 2, 900 * time.Millisecond, 7 * time.Second, nil},
	// Runs after a complete one: incremental pages, the rebuild of the
	// SQL layers in its transaction (every model: nothing changed in the
	// sources, so a plain run would rebuild next to nothing), the
	// ledger's last writes.
	{"incremental", 7, 0, 4 * time.Second, []string{"--rebuild"}},
}

// The warehouse survives takt being killed (SIGKILL) at random points of a
// run, many times: after every kill it opens, every raw table holds whole
// batches only (the ledger counts exactly the rows a run committed), no
// cursor is ahead of the data it covers, and the SQL layers pass their
// data tests. The run after the last kill completes, and then the current
// view holds every record exactly once and reconciliation finds exactly
// what one uninterrupted run finds.
func TestKilledRunsLoseNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("kills takt a few dozen times (about a minute)")
	}
	t.Parallel()
	cleanDir, company := demoWarehouse(t)
	bin := buildTakt(t)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("TAKT_KILL_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("kill seed %d (set TAKT_KILL_SEED to repeat)", seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))

	// The demo company's systems, without the occasional 429 (the limiter
	// and the retries have tests of their own; here every second counts).
	sys := startDemoSystems(company, 0)
	defer sys.Close()
	dir := t.TempDir()
	cfgPath, err := writeDemoSetup(dir, company, sys.hubspot.URL, sys.harvest.URL, sys.xero.URL, sys.xero.TokenURL())
	if err != nil {
		t.Fatal(err)
	}
	// Every child run is a new process with a fresh limiter, while the
	// emulators count calls across them: pace nothing.
	for _, s := range []string{"hubspot", "harvest", "xero"} {
		setYAML(t, cfgPath, false, "sources", s, "rate_limit", "enabled")
	}
	whPath := filepath.Join(dir, "takt.duckdb")
	asOf := demoAsOf.Format(time.DateOnly)
	run := func(delay time.Duration, args ...string) (killed bool, out string) {
		t.Helper()
		var buf, errBuf lockedBuffer
		cmd := exec.Command(bin, append([]string{"run", "--config", cfgPath, "--as-of", asOf, "--log-format", "json", "--log-level", "warn", "--format", "json"}, args...)...)
		cmd.Stdout, cmd.Stderr = &buf, &errBuf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if delay > 0 {
			timer := time.AfterFunc(delay, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
			defer timer.Stop()
		}
		err := cmd.Wait()
		ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true, buf.String()
		}
		if err != nil {
			// Exit 2 would be a partial run: nothing here fails a stream.
			t.Fatalf("takt run ended on its own with %v:\n%s", err, tail(errBuf.String(), 20))
		}
		return false, buf.String()
	}

	kills, completed := 0, 0
	start := time.Now()
	for _, ph := range killPlan {
		for i := range ph.kills {
			delay := ph.min + time.Duration(rng.Int64N(int64(ph.max-ph.min)))
			killed, _ := run(delay, ph.args...)
			if killed {
				kills++
			} else {
				completed++
			}
			checkAfterKill(t, whPath, fmt.Sprintf("%s kill %d after %s", ph.name, i+1, delay))
		}
		t.Logf("%s: %d kills done after %s", ph.name, kills, time.Since(start).Round(100*time.Millisecond))
		if ph.name == "first load" {
			// One complete run, so that the next phase kills runs that
			// resume from cursors.
			if killed, out := run(0); killed {
				t.Fatalf("uninterrupted run was killed:\n%s", out)
			}
			completed++
		}
	}
	if kills < 20 {
		t.Fatalf("only %d of the runs were killed before they ended", kills)
	}

	// The run after the last kill completes and leaves nothing running.
	_, out := run(0)
	var res struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Status != "succeeded" {
		t.Fatalf("the last run: %v\n%s", err, tail(out, 30))
	}
	db := openReadOnly(t, whPath)
	defer db.Close()
	clean := openReadOnly(t, filepath.Join(cleanDir, "takt.duckdb"))
	defer clean.Close()
	checkLedger(t, db, "after the last run")
	var running, interrupted, failed int
	if err := db.QueryRow(`SELECT count(*) FILTER (status = 'running'), count(*) FILTER (error = $1), count(*) FILTER (status = 'failed') FROM ops.runs`,
		pipeline.InterruptedError).Scan(&running, &interrupted, &failed); err != nil {
		t.Fatal(err)
	}
	if running != 0 || failed != interrupted || interrupted == 0 || interrupted > kills {
		t.Fatalf("ledger: %d running, %d failed, %d recorded as interrupted, after %d kills", running, failed, interrupted, kills)
	}
	t.Logf("%d kills, %d runs completed on their own, %d interrupted runs closed in the ledger", kills, completed, interrupted)

	// Every record exactly once: the same records in raw, and the same
	// number of rows in the current view (each stream's staging table, the
	// core entities), as one uninterrupted run.
	reg, err := registry()
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]bool{}
	for _, tbl := range dbtest.Strings(t, clean, `SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema IN ('staging', 'core') AND table_type = 'BASE TABLE'`) {
		tables[tbl] = true
	}
	var current []string
	for source, streams := range reg {
		for _, st := range streams {
			tbl := load.RawTable(source, st.Name)
			ids := "SELECT count(DISTINCT id)::VARCHAR || ' ' || coalesce(bit_xor(DISTINCT hash(id)), 0)::VARCHAR FROM raw." + tbl
			if got, want := dbtest.Strings(t, db, ids)[0], dbtest.Strings(t, clean, ids)[0]; got != want {
				t.Errorf("raw.%s: distinct ids (count, hash) %s, an uninterrupted run %s", tbl, got, want)
			}
			if tables["staging."+tbl] {
				current = append(current, "staging."+tbl)
			}
		}
	}
	for tbl := range tables {
		if strings.HasPrefix(tbl, "core.") {
			current = append(current, tbl)
		}
	}
	sort.Strings(current)
	for _, tbl := range current {
		count := "SELECT count(*)::VARCHAR FROM " + tbl
		if got, want := dbtest.Strings(t, db, count)[0], dbtest.Strings(t, clean, count)[0]; got != want {
			t.Errorf("%s holds %s rows, an uninterrupted run %s", tbl, got, want)
		}
	}
	ctx := context.Background()
	gotU, err := reconcile.Unbilled(ctx, db, demoAsOf)
	if err != nil {
		t.Fatal(err)
	}
	wantU, err := reconcile.Unbilled(ctx, clean, demoAsOf)
	if err != nil {
		t.Fatal(err)
	}
	gotE, err := reconcile.Exceptions(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	wantE, err := reconcile.Exceptions(ctx, clean)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := mustJSON(t, gotU), mustJSON(t, wantU); a != b || len(gotU) == 0 {
		t.Errorf("unbilled work after the kills differs from an uninterrupted run (%d items, want %d)", len(gotU), len(wantU))
	}
	if a, b := mustJSON(t, gotE), mustJSON(t, wantE); a != b || len(gotE) == 0 {
		t.Errorf("exceptions after the kills differ from an uninterrupted run:\n%s\nwant\n%s", a, b)
	}

	// A report killed while it is written never leaves half a file over
	// the whole one written before.
	db.Close()
	clean.Close()
	reportDir := filepath.Join(dir, "reports")
	month := demoAsOf.Format("2006-01")
	if out, err := exec.Command(bin, "report", "--config", cfgPath, "--month", month).CombinedOutput(); err != nil {
		t.Fatalf("takt report: %v\n%s", err, out)
	}
	for i := range 3 {
		delay := time.Duration(rng.Int64N(int64(2 * time.Second)))
		cmd := exec.Command(bin, "report", "--config", cfgPath, "--month", month)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		timer := time.AfterFunc(delay, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
		_ = cmd.Wait()
		timer.Stop()
		checkReports(t, reportDir, fmt.Sprintf("report kill %d after %s", i+1, delay))
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkAfterKill looks at the warehouse a killed run left behind.
func checkAfterKill(t *testing.T, path, when string) {
	t.Helper()
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return // killed before DuckDB created the file
	}
	db := openReadOnly(t, path)
	defer db.Close()
	var schema int
	if err := db.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ops' AND table_name = 'runs'`).Scan(&schema); err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	if schema == 0 {
		return // killed before the first migration committed
	}
	checkMigrations(t, db, when)
	checkLedger(t, db, when)
	checkCursors(t, db, when)
	checkDataTests(t, db, when)
}

// checkMigrations: each migration commits with its record, so the
// versions recorded are the first of the known ones, in order, and the
// objects of the last one exist.
func checkMigrations(t *testing.T, db *sql.DB, when string) {
	t.Helper()
	known, err := warehouse.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(sqlfiles.Query("applied_migrations"))
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	defer rows.Close()
	var applied []int
	for rows.Next() {
		var v int
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			t.Fatal(err)
		}
		applied = append(applied, v)
	}
	sort.Ints(applied)
	for i, v := range applied {
		if i >= len(known) || known[i].Version != v {
			t.Fatalf("%s: migrations applied %v are not the first of the known ones", when, applied)
		}
	}
}

// checkLedger: for every run and stream, the raw table holds exactly the
// rows the ledger says that run committed: a batch's rows and its
// counters commit together, so a partial batch would show here.
func checkLedger(t *testing.T, db *sql.DB, when string) {
	t.Helper()
	type key struct {
		run            int64
		source, stream string
	}
	ledger := map[key]int64{}
	rows, err := db.Query(`SELECT run_id, source, stream, rows FROM ops.run_streams`)
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	for rows.Next() {
		var k key
		var n int64
		if err := rows.Scan(&k.run, &k.source, &k.stream, &n); err != nil {
			t.Fatal(err)
		}
		ledger[k] = n
	}
	rows.Close()
	reg, err := registry()
	if err != nil {
		t.Fatal(err)
	}
	exists := map[string]bool{}
	for _, tbl := range dbtest.Strings(t, db, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'`) {
		exists[tbl] = true
	}
	loaded := map[key]int64{}
	for source, streams := range reg {
		for _, st := range streams {
			stream := st.Name
			if !exists[load.RawTable(source, stream)] {
				continue // killed before the stream's table was made
			}
			rows, err := db.Query(`SELECT _run_id, count(*) FROM raw.` + load.RawTable(source, stream) + ` GROUP BY 1`)
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			for rows.Next() {
				var run, n int64
				if err := rows.Scan(&run, &n); err != nil {
					t.Fatal(err)
				}
				loaded[key{run, source, stream}] = n
			}
			rows.Close()
		}
	}
	for k, n := range loaded {
		if ledger[k] != n {
			t.Errorf("%s: raw.%s_%s holds %d rows of run %d, the ledger %d: a batch is not whole", when, k.source, k.stream, n, k.run, ledger[k])
		}
	}
	for k, n := range ledger {
		if n != loaded[k] {
			t.Errorf("%s: the ledger counts %d rows of %s.%s in run %d, raw holds %d", when, n, k.source, k.stream, k.run, loaded[k])
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// checkCursors: no stored cursor is ahead of the data it covers. A
// timestamp cursor is at most the latest updated_at loaded for its stream;
// a file cursor (the SHA-256 of each file version loaded, alone or as a
// list of {file, sha256}) names versions whose rows are loaded.
func checkCursors(t *testing.T, db *sql.DB, when string) {
	t.Helper()
	rows, err := db.Query(`SELECT source, stream, cursor FROM ops.stream_cursors`)
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	type cur struct{ source, stream, cursor string }
	var cs []cur
	for rows.Next() {
		var c cur
		if err := rows.Scan(&c.source, &c.stream, &c.cursor); err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	rows.Close()
	for _, c := range cs {
		tbl := "raw." + c.source + "_" + c.stream
		if versions, ok := fileVersions(c.cursor); ok {
			for _, sha := range versions {
				// A version with no data rows (a header only) has none to
				// find; every other one must be there, whole.
				var n int
				if err := db.QueryRow(`SELECT count(*) FROM `+tbl+` WHERE file_sha256 = $1`, sha).Scan(&n); err != nil {
					t.Fatalf("%s: %s: %v", when, tbl, err)
				}
				if n == 0 {
					var pages int
					_ = db.QueryRow(`SELECT coalesce(sum(pages), 0) FROM ops.run_streams WHERE source = $1 AND stream = $2`, c.source, c.stream).Scan(&pages)
					if pages == 0 {
						t.Fatalf("%s: the cursor of %s.%s names file version %s, which no run loaded", when, c.source, c.stream, sha)
					}
				}
			}
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, c.cursor)
		if err != nil {
			t.Fatalf("%s: the cursor of %s.%s is %q: neither a time nor file versions; teach this test the new cursor", when, c.source, c.stream, c.cursor)
		}
		var latest sql.NullTime
		if err := db.QueryRow(`SELECT max(updated_at) FROM ` + tbl).Scan(&latest); err != nil {
			t.Fatalf("%s: %s: %v", when, tbl, err)
		}
		if !latest.Valid || at.After(latest.Time) {
			t.Fatalf("%s: the cursor of %s.%s (%s) is ahead of its data (latest updated_at %v)", when, c.source, c.stream, c.cursor, latest.Time)
		}
	}
}

// fileVersions reads a file stream's cursor: one SHA-256, or a JSON list
// of {file, sha256}.
func fileVersions(cursor string) ([]string, bool) {
	if b, err := hex.DecodeString(cursor); err == nil && len(b) == 32 {
		return []string{cursor}, true
	}
	var entries []struct {
		File   string `json:"file"`
		SHA256 string `json:"sha256"`
	}
	if !strings.HasPrefix(cursor, "[") || json.Unmarshal([]byte(cursor), &entries) != nil {
		return nil, false
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.SHA256)
	}
	return out, true
}

// checkDataTests: the SQL layers a killed rebuild leaves are those of the
// last rebuild that committed, whole: every data test passes on them.
func checkDataTests(t *testing.T, db *sql.DB, when string) {
	t.Helper()
	var built int
	if err := db.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'reconcile'`).Scan(&built); err != nil {
		t.Fatal(err)
	}
	if built == 0 {
		return
	}
	paths, err := fs.Glob(sqlfiles.FS(), "tests/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	for _, p := range paths {
		b, err := fs.ReadFile(sqlfiles.FS(), p)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM (` + strings.TrimRight(strings.TrimSpace(string(b)), ";") + `)`).Scan(&n); err != nil {
			t.Fatalf("%s: data test %s: %v", when, p, err)
		}
		if n != 0 {
			t.Fatalf("%s: data test %s finds %d rows in the layers a killed run left", when, p, n)
		}
	}
}

// checkReports: the report files present are whole: every workbook opens
// and every sheet of it reads, every page is complete, the chart script is
// all there. The site's pages sit in a folder per month.
func checkReports(t *testing.T, dir, when string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case e.IsDir():
			return nil
		case strings.HasPrefix(e.Name(), "."):
			// A temporary file of a write that was killed: never read.
		case strings.HasSuffix(e.Name(), ".xlsx"):
			f, err := excelize.OpenFile(path)
			if err != nil {
				t.Fatalf("%s: %s is not a whole workbook: %v", when, path, err)
			}
			defer f.Close()
			sheets := f.GetSheetList()
			if len(sheets) == 0 {
				t.Fatalf("%s: %s has no sheet", when, path)
			}
			for _, sh := range sheets {
				if _, err := f.GetRows(sh); err != nil {
					t.Fatalf("%s: %s: sheet %s does not read: %v", when, path, sh, err)
				}
			}
		case strings.HasSuffix(e.Name(), ".html"):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if !strings.HasSuffix(strings.TrimSpace(string(b)), "</html>") {
				t.Fatalf("%s: %s is cut off", when, path)
			}
		}
		return nil
	})
	if os.IsNotExist(err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "reports", "assets", "echarts.min.js"))
	if err != nil {
		return
	}
	if got, err := os.ReadFile(filepath.Join(dir, "assets", "echarts.min.js")); err == nil && len(got) != len(want) {
		t.Fatalf("%s: assets/echarts.min.js holds %d of its %d bytes", when, len(got), len(want))
	}
}
