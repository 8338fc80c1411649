//go:build duckdb_arrow

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// freePorts finds three consecutive free ports on 127.0.0.1.
func freePorts(t *testing.T) int {
	t.Helper()
	for try := 0; try < 20; try++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := l.Addr().(*net.TCPAddr).Port
		l.Close()
		ok := true
		for i := 0; i < 3; i++ {
			c, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(base+i))
			if err != nil {
				ok = false
				break
			}
			c.Close()
		}
		if ok && base+2 < 65536 {
			return base
		}
	}
	t.Fatal("no three consecutive free ports")
	return 0
}

// takt sandbox serves the demo company; takt run against it loads every
// stream, and a second run resumes from the cursors instead of reading
// everything again.
func TestSandboxServesWhatRunLoads(t *testing.T) {
	dir := t.TempDir()
	port := freePorts(t)
	ctx, cancel := context.WithCancel(context.Background())
	var sbOut, sbErr syncBuffer
	done := make(chan error, 1)
	go func() {
		cmd := newRootCmdIO(&sbOut, &sbErr)
		cmd.SetArgs([]string{"sandbox", "--dir", dir, "--port", strconv.Itoa(port), "--as-of", "2026-03-31"})
		done <- cmd.ExecuteContext(ctx)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("sandbox: %v", err)
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(sbOut.String(), "press Ctrl-C to stop") {
		if time.Now().After(deadline) {
			t.Fatalf("sandbox did not start:\n%s\n%s", sbOut.String(), sbErr.String())
		}
		select {
		case err := <-done:
			t.Fatalf("sandbox stopped: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if !strings.Contains(sbOut.String(), fmt.Sprintf("http://127.0.0.1:%d", port+1)) {
		t.Fatalf("sandbox output does not name the Harvest address:\n%s", sbOut.String())
	}

	cfg := filepath.Join(dir, "takt.yaml")
	run := func() runJSON {
		t.Helper()
		var out, errOut bytes.Buffer
		code, err := runCLI(&out, &errOut, "run", "--config", cfg, "--as-of", "2026-03-31", "--format", "json", "--log-level", "warn")
		if code != 0 {
			t.Fatalf("takt run: exit %d: %v\n%s", code, err, errOut.String())
		}
		var r runJSON
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatalf("run output: %v\n%s", err, out.String())
		}
		return r
	}
	first := run()
	reg, err := registry()
	if err != nil {
		t.Fatal(err)
	}
	streams := 0
	for _, st := range reg {
		streams += len(st)
	}
	if first.Status != "succeeded" || len(first.Streams) != streams || first.Error != nil {
		t.Fatalf("first run: %+v", first)
	}
	rows := map[string]int64{}
	for _, s := range first.Streams {
		rows[s.Source+"."+s.Stream] = s.Rows
	}
	if rows["harvest.time_entries"] < 45000 || rows["xero.invoices"] < 500 || rows["hubspot.deals"] != 120 || rows["files.rate_cards"] == 0 {
		t.Fatalf("first run loaded too little: %v", rows)
	}

	second := run()
	if second.Status != "succeeded" {
		t.Fatalf("second run: %+v", second)
	}
	for _, s := range second.Streams {
		full := rows[s.Source+"."+s.Stream]
		t.Logf("%s.%s: first run %d rows, second %d", s.Source, s.Stream, full, s.Rows)
		// An incremental run re-reads at most the records updated in the
		// cursor's own second; unchanged files are not read at all.
		if s.Source == "files" && s.Rows != 0 {
			t.Errorf("files.%s: an unchanged file was loaded again (%d rows)", s.Stream, s.Rows)
		}
		if full > 50 && s.Rows*10 > full {
			t.Errorf("%s.%s: second run loaded %d of %d rows; want an incremental read", s.Source, s.Stream, s.Rows, full)
		}
	}

	// The reconciliation after two runs is the same as after one: re-read
	// records collapse by id and updated-at.
	var unbilled []unbilledJSON
	if err := json.Unmarshal(cli(t, "unbilled", "--config", cfg, "--format", "json"), &unbilled); err != nil {
		t.Fatal(err)
	}
	if len(unbilled) < 1000 {
		t.Fatalf("%d unbilled items after two runs", len(unbilled))
	}
	seen := map[string]bool{}
	for _, u := range unbilled {
		if seen[u.Kind+u.SourceID] {
			t.Fatalf("unbilled %s %s listed twice after two runs", u.Kind, u.SourceID)
		}
		seen[u.Kind+u.SourceID] = true
	}

	// Xero takes the run's invoices: the whole walk of the README works
	// against the sandbox.
	var created struct {
		ID       string            `json:"id"`
		Invoices []json.RawMessage `json:"invoices"`
	}
	if err := json.Unmarshal(cli(t, "billing-run", "create", "--config", cfg, "--period", "2026-03", "--by", "anna", "--format", "json"), &created); err != nil {
		t.Fatal(err)
	}
	cli(t, "billing-run", "approve", created.ID, "--config", cfg, "--by", "ben")
	cli(t, "billing-run", "export", created.ID, "--config", cfg, "--by", "ben", "--to", "xero")
	var exported struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(cli(t, "billing-run", "show", created.ID, "--config", cfg, "--format", "json"), &exported); err != nil {
		t.Fatal(err)
	}
	if exported.Status != "exported" || len(created.Invoices) == 0 {
		t.Fatalf("run %s with %d invoices is %s after the export to the sandbox's Xero", created.ID, len(created.Invoices), exported.Status)
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
