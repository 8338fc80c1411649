//go:build duckdb_arrow && unix

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/takt-billing/takt/internal/dbtest"
	"github.com/takt-billing/takt/internal/demo"
	"github.com/takt-billing/takt/internal/pipeline"
	"github.com/takt-billing/takt/internal/service"
	"github.com/takt-billing/takt/internal/warehouse"
)

// serveProc is a running `takt serve`.
type serveProc struct {
	cmd    *exec.Cmd
	url    string
	stderr *lockedBuffer
	done   chan error
}

var pagesAt = regexp.MustCompile(`pages at (http://\S+),`)

func startServe(t *testing.T, bin, cfgPath string) *serveProc {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--config", cfgPath, "--log-format", "json")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &serveProc{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := pagesAt.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		p.done <- cmd.Wait()
	}()
	select {
	case p.url = <-urls:
	case err := <-p.done:
		p.done <- err
		t.Fatalf("takt serve ended at start: %v\n%s", err, p.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("takt serve did not start:\n%s", p.stderr.String())
	}
	return p
}

// health reads /healthz.
func (p *serveProc) health(t *testing.T) service.Health {
	t.Helper()
	resp, err := http.Get(p.url + "/healthz")
	if err != nil {
		t.Fatalf("healthz: %v\n%s", err, tail(p.stderr.String(), 20))
	}
	defer resp.Body.Close()
	var h service.Health
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %d %v", resp.StatusCode, err)
	}
	return h
}

// waitHealth polls /healthz until ok says so.
func (p *serveProc) waitHealth(t *testing.T, what string, ok func(service.Health) bool) service.Health {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		h := p.health(t)
		if ok(h) {
			return h
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited in vain for %s: %+v\n%s", what, h, tail(p.stderr.String(), 20))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop signals serve and waits for it to end within limit.
func (p *serveProc) stop(t *testing.T, limit time.Duration, sigs ...os.Signal) {
	t.Helper()
	for _, s := range sigs {
		if err := p.cmd.Process.Signal(s); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case err := <-p.done:
		p.done <- err
		if len(sigs) > 0 && sigs[0] != syscall.SIGKILL && err != nil {
			t.Fatalf("takt serve exited with %v after %v:\n%s", err, sigs, tail(p.stderr.String(), 20))
		}
	case <-time.After(limit):
		t.Fatalf("takt serve did not stop within %s:\n%s", limit, tail(p.stderr.String(), 20))
	}
}

func httpStatus(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// waitRunInLedger waits until the index page lists a run as running: the
// run is recorded in the ledger, past its start.
func (p *serveProc) waitRunInLedger(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(p.url + "/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), `class="running"`) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no run appeared in the ledger:\n%s", tail(p.stderr.String(), 20))
}

func jobByName(h service.Health, name string) service.Status {
	for _, j := range h.Jobs {
		if j.Job == name {
			return j
		}
	}
	return service.Status{}
}

// takt serve runs every source once at start (none ran before), then each
// on its schedule, never two runs at once; while it runs it owns the
// warehouse (other commands are told so, and nothing replaces the file)
// and serves the reports; SIGTERM lets the running run finish, a stop past
// the stop timeout aborts it cleanly, and a killed serve leaves nothing
// that keeps the next one from starting.
func TestServeRunsOnScheduleAndOwnsTheWarehouse(t *testing.T) {
	// Most of its time it waits for serve: it shares the cores with the
	// kill test.
	t.Parallel()
	company, err := demo.Generate(demo.Options{Seed: demoSeed, AsOf: demoAsOf})
	if err != nil {
		t.Fatal(err)
	}
	bin := buildTakt(t)
	sys := startDemoSystems(company, 0)
	defer sys.Close()
	dir := t.TempDir()
	cfgPath, err := writeDemoSetup(dir, company, sys.hubspot.URL, sys.harvest.URL, sys.xero.URL, sys.xero.TokenURL())
	if err != nil {
		t.Fatal(err)
	}
	setYAML(t, cfgPath, "@every 3s", "sources", "hubspot", "schedule")
	for _, s := range []string{"harvest", "xero", "files"} {
		setYAML(t, cfgPath, "@every 1h", "sources", s, "schedule")
	}
	setYAML(t, cfgPath, "127.0.0.1:0", "service", "addr")
	// A run on a busy machine can take long: the graceful stop below must
	// see it finish, not abort it.
	setYAML(t, cfgPath, "3m", "service", "stop_timeout")
	whPath := filepath.Join(dir, "takt.duckdb")

	srv := startServe(t, bin, cfgPath)
	pid := srv.cmd.Process.Pid
	h := srv.waitHealth(t, "the catch-up run", func(h service.Health) bool { return h.Running != "" })
	if h.Running != "files,harvest,hubspot,xero" || h.Status != "ok" || h.Warehouse != whPath {
		t.Fatalf("catch-up at start: %+v", h)
	}

	// Other commands are told who owns the warehouse, before they touch it.
	owned := fmt.Sprintf("warehouse %s: warehouse is in use by another process: `takt serve` (pid %d, since ", whPath, pid)
	for _, args := range [][]string{
		{"run", "--config", cfgPath},
		{"unbilled", "--config", cfgPath},
		{"demo", "--dir", dir},
	} {
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), owned) || !strings.Contains(string(out), "serves its reports at "+srv.url) {
			t.Fatalf("takt %s while serve runs: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	if _, err := os.Stat(whPath); err != nil {
		t.Fatalf("the warehouse is gone: %v", err)
	}
	out, err := exec.Command(bin, "schedule", "--config", cfgPath, "--format", "json").Output()
	if err != nil {
		t.Fatalf("takt schedule: %v", err)
	}
	var sched scheduleJSON
	if err := json.Unmarshal(out, &sched); err != nil {
		t.Fatal(err)
	}
	if !sched.Serving || sched.PID != pid || sched.URL != srv.url || len(sched.Jobs) != 4 || sched.Jobs[1].Source != "harvest" ||
		sched.Jobs[1].Schedule != "@every 1h" || sched.Jobs[1].State != service.StateRunning || len(sched.Jobs[1].Next) != 3 {
		t.Fatalf("takt schedule while serving: %s", out)
	}

	// After the first run the reports are served, also while the next
	// runs of hubspot rebuild the warehouse.
	srv.waitHealth(t, "the end of the catch-up run", func(h service.Health) bool {
		return jobByName(h, "harvest").Runs == 1
	})
	if j := jobByName(srv.health(t), "xero"); j.LastStatus != "succeeded" || j.Runs != 1 {
		t.Fatalf("xero after the catch-up run: %+v", j)
	}
	srv.waitHealth(t, "hubspot on its schedule", func(h service.Health) bool {
		return jobByName(h, "hubspot").Runs >= 1 && h.Running == "hubspot"
	})
	for _, page := range []string{"/reports/2026-03/kpi.html", "/reports/2026-03/pack.xlsx", "/"} {
		if code := httpStatus(t, srv.url+page); code != 200 {
			t.Fatalf("GET %s during a run = %d", page, code)
		}
	}
	// SIGTERM while hubspot runs: the run finishes, serve ends.
	srv.stop(t, 3*time.Minute, syscall.SIGTERM)
	if _, err := os.Stat(warehouse.OwnerPath(whPath)); !os.IsNotExist(err) {
		t.Fatalf("the owner file is left after a clean stop: %v", err)
	}
	db := openReadOnly(t, whPath)
	var running, failed, overlapping int
	var lastStatus, lastTrigger string
	if err := db.QueryRow(`SELECT count(*) FILTER (status = 'running'), count(*) FILTER (status = 'failed'),
		(SELECT count(*) FROM ops.runs a JOIN ops.runs b ON a.run_id < b.run_id AND b.started_at < a.ended_at),
		(SELECT status FROM ops.runs ORDER BY run_id DESC LIMIT 1), (SELECT trigger FROM ops.runs ORDER BY run_id DESC LIMIT 1)
		FROM ops.runs`).Scan(&running, &failed, &overlapping, &lastStatus, &lastTrigger); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if running != 0 || failed != 0 || overlapping != 0 || lastStatus != "succeeded" || lastTrigger != "schedule" {
		t.Fatalf("ledger after a graceful stop: %d running, %d failed, %d overlapping, last %s by %s", running, failed, overlapping, lastStatus, lastTrigger)
	}

	// A serve killed in the middle of a run leaves its owner file behind;
	// the next one starts anyway, catches hubspot up (it missed its 3 s
	// schedule), and a stop past a short stop timeout aborts that run.
	srv = startServe(t, bin, cfgPath)
	srv.waitHealth(t, "hubspot's catch-up", func(h service.Health) bool { return h.Running == "hubspot" })
	srv.waitRunInLedger(t)
	srv.stop(t, 10*time.Second, syscall.SIGKILL)
	if _, err := os.Stat(warehouse.OwnerPath(whPath)); err != nil {
		t.Fatalf("a killed serve should leave its owner file: %v", err)
	}
	setYAML(t, cfgPath, "100ms", "service", "stop_timeout")
	srv = startServe(t, bin, cfgPath)
	srv.waitHealth(t, "hubspot's next run", func(h service.Health) bool {
		return h.Running == "hubspot" && !jobByName(h, "harvest").CatchUp
	})
	srv.waitRunInLedger(t)
	start := time.Now()
	srv.stop(t, 10*time.Second, syscall.SIGTERM)
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("a stop with a 100ms stop timeout took %s", took)
	}
	db = openReadOnly(t, whPath)
	defer db.Close()
	rows := dbtest.Strings(t, db, `SELECT status || ': ' || coalesce(error, '') FROM ops.runs ORDER BY run_id DESC LIMIT 2`)
	if len(rows) != 2 || !strings.HasPrefix(rows[0], "failed: ") || !strings.Contains(rows[0], "context canceled") ||
		rows[1] != "failed: "+pipeline.InterruptedError {
		t.Fatalf("the last two runs (aborted by a stop, killed with serve):\n%s", strings.Join(rows, "\n"))
	}
	checkLedger(t, db, "after serve was killed and stopped")
	checkCursors(t, db, "after serve was killed and stopped")
}
