//go:build unix

package warehouse

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOwnerHelper is not a test: the tests below run the test binary as a
// second process that owns (or opens) a warehouse until it is killed.
func TestOwnerHelper(t *testing.T) {
	path := os.Getenv("TAKT_TEST_HOLD_WAREHOUSE")
	if path == "" {
		t.Skip("helper process only")
	}
	switch os.Getenv("TAKT_TEST_HOLD_HOW") {
	case "claim":
		if _, err := ClaimOwnership(path, Owner{PID: os.Getpid(), Command: "takt serve", Since: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), URL: "http://127.0.0.1:8080"}); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
	case "open":
		if _, err := Open(context.Background(), path, Options{}); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
	}
	fmt.Println("holding")
	time.Sleep(time.Minute)
	os.Exit(0)
}

// hold starts a second process that holds the warehouse at path ("claim"
// or "open") and returns it once it does.
func hold(t *testing.T, path, how string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestOwnerHelper$")
	cmd.Env = append(os.Environ(), "TAKT_TEST_HOLD_WAREHOUSE="+path, "TAKT_TEST_HOLD_HOW="+how)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "holding" {
		t.Fatalf("helper: %q %v", line, err)
	}
	return cmd
}

func TestClaimIsExclusiveAndReleased(t *testing.T) {
	path := filepath.Join(t.TempDir(), "takt.duckdb")
	me := Owner{PID: os.Getpid(), Command: "takt serve", Since: time.Now().UTC(), URL: "http://127.0.0.1:9"}
	c, err := ClaimOwnership(path, me)
	if err != nil {
		t.Fatal(err)
	}
	o, err := CurrentOwner(path)
	if err != nil || o == nil || o.PID != os.Getpid() || o.URL != "http://127.0.0.1:9" {
		t.Fatalf("CurrentOwner = %+v, %v", o, err)
	}
	// This process owns it: its own commands may open it.
	if err := CheckFree(path); err != nil {
		t.Fatalf("CheckFree by the owner: %v", err)
	}
	if _, err := ClaimOwnership(path, me); !errors.Is(err, ErrLocked) {
		t.Fatalf("second claim: %v, want ErrLocked", err)
	}
	if err := c.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(OwnerPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("owner file left after Release: %v", err)
	}
	if o, err := CurrentOwner(path); o != nil || err != nil {
		t.Fatalf("CurrentOwner after Release = %+v, %v", o, err)
	}
}

// A command opening a warehouse that `takt serve` owns is told who owns it
// and what to do; once the owner is gone (even killed, leaving its file),
// the warehouse opens again.
func TestOpenNamesTheOwningProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "takt.duckdb")
	helper := hold(t, path, "claim")
	_, err := Open(context.Background(), path, Options{})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("Open = %v, want ErrLocked", err)
	}
	want := fmt.Sprintf("warehouse %s: warehouse is in use by another process: `takt serve` (pid %d, since 2026-03-02 09:00 UTC) owns it and serves its reports at http://127.0.0.1:8080; it runs the sources on their schedules, so there is no need to run them by hand. To use this command, stop it first (Ctrl-C in its terminal, or kill -TERM %d), and start it again afterwards", path, helper.Process.Pid, helper.Process.Pid)
	if err.Error() != want {
		t.Fatalf("Open error:\n%s\nwant:\n%s", err, want)
	}
	if err := helper.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = helper.Wait()
	if _, err := os.Stat(OwnerPath(path)); err != nil {
		t.Fatalf("the killed owner's file should still be there: %v", err)
	}
	wh, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatalf("Open after the owner died: %v", err)
	}
	wh.Close()
}

// DuckDB's own lock error (another process has the file open, without an
// owner file) is translated into who has it and what to do.
func TestDuckDBLockErrorNamesTheProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "takt.duckdb")
	helper := hold(t, path, "open")
	_, err := Open(context.Background(), path, Options{})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("Open = %v, want ErrLocked", err)
	}
	want := fmt.Sprintf("warehouse %s: warehouse is in use by another process: `%s -test.run=^TestOwnerHelper$` (pid %d) has it open, and DuckDB lets one process use a warehouse file at a time; wait for it to finish (or stop it) and try again (DuckDB: ",
		path, filepath.Base(os.Args[0]), helper.Process.Pid)
	if !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("Open error:\n%s\nwant it to start with:\n%s", err, want)
	}
}
