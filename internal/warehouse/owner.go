package warehouse

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Owner is a long-running process that holds a warehouse for writing, as
// written in the owner file beside it (OwnerPath). DuckDB lets one process
// write a file at a time; the owner file lets every other command say who
// that is and what to do, instead of DuckDB's lock error.
type Owner struct {
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
	// URL is where the owner serves its pages, if it does.
	URL string `json:"url,omitempty"`
}

// OwnerPath is the owner file of the warehouse at path.
func OwnerPath(path string) string { return path + ".owner" }

// Claim is this process's hold on a warehouse; Release gives it up. The
// hold is an advisory lock on the owner file, which the operating system
// drops when the process ends in any way, so a killed owner leaves no
// stale claim behind.
type Claim struct {
	f    *os.File
	path string
}

// ClaimOwnership makes this process the owner of the warehouse at path
// until Release. It fails with ErrLocked, naming the owner, when another
// live process holds it.
func ClaimOwnership(path string, o Owner) (*Claim, error) {
	op := OwnerPath(path)
	if err := os.MkdirAll(filepath.Dir(op), 0o755); err != nil {
		return nil, fmt.Errorf("warehouse %s: owner file: %w", path, err)
	}
	f, err := os.OpenFile(op, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("warehouse %s: owner file: %w", path, err)
	}
	held, err := lockFile(f, true)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("warehouse %s: lock owner file %s: %w", path, op, err)
	}
	if !held {
		other, _ := readOwner(f)
		f.Close()
		return nil, ownedError(path, other)
	}
	b, err := json.Marshal(o)
	if err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt(append(b, '\n'), 0)
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("warehouse %s: write owner file %s: %w", path, op, err)
	}
	return &Claim{f: f, path: op}, nil
}

// Release removes the owner file and gives the warehouse up.
func (c *Claim) Release() error {
	if c == nil || c.f == nil {
		return nil
	}
	rmErr := os.Remove(c.path)
	err := c.f.Close()
	c.f = nil
	if rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
		return rmErr
	}
	return err
}

// CurrentOwner returns the live process that owns the warehouse at path,
// or nil when none does (no owner file, or one whose process is gone).
func CurrentOwner(path string) (*Owner, error) {
	f, err := os.Open(OwnerPath(path))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	free, err := lockFile(f, false)
	if err != nil {
		return nil, err
	}
	if free {
		// Nobody holds it: the owner ended without removing the file.
		unlockFile(f)
		return nil, nil
	}
	o, err := readOwner(f)
	if err != nil {
		return &Owner{}, nil
	}
	return o, nil
}

// CheckFree returns an ErrLocked error naming the owner when another
// process owns the warehouse at path, e.g. before a command replaces the
// file.
func CheckFree(path string) error {
	o, err := CurrentOwner(path)
	if err != nil || o == nil || o.PID == os.Getpid() {
		return err
	}
	return ownedError(path, o)
}

func readOwner(f *os.File) (*Owner, error) {
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<16))
	if err != nil {
		return nil, err
	}
	var o Owner
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// ownedError says who owns the warehouse and what to do.
func ownedError(path string, o *Owner) error {
	if o == nil || o.PID == 0 {
		return fmt.Errorf("warehouse %s: %w: another takt owns it (see %s); stop it and try again", path, ErrLocked, OwnerPath(path))
	}
	cmd := o.Command
	if cmd == "" {
		cmd = "takt"
	}
	msg := fmt.Sprintf("`%s` (pid %d, since %s) owns it", cmd, o.PID, o.Since.UTC().Format("2006-01-02 15:04 UTC"))
	if o.URL != "" {
		msg += " and serves its reports at " + o.URL
	}
	msg += fmt.Sprintf("; it runs the sources on their schedules, so there is no need to run them by hand. To use this command, stop it first (Ctrl-C in its terminal, or kill -TERM %d), and start it again afterwards", o.PID)
	return fmt.Errorf("warehouse %s: %w: %s", path, ErrLocked, msg)
}

// duckdbLockPID finds the process DuckDB names in its lock error:
// `Conflicting lock is held in /usr/bin/takt (PID 1234)`.
var duckdbLockPID = regexp.MustCompile(`\(PID (\d+)\)`)

// lockedError translates DuckDB's lock error: who holds the file, as far
// as this machine can tell, and what to do.
func lockedError(path string, err error) error {
	if o, oerr := CurrentOwner(path); oerr == nil && o != nil {
		return fmt.Errorf("%w (DuckDB: %v)", ownedError(path, o), err)
	}
	holder := "another process"
	if m := duckdbLockPID.FindStringSubmatch(err.Error()); m != nil {
		pid, _ := strconv.Atoi(m[1])
		holder = fmt.Sprintf("process %d", pid)
		if cmd := commandLine(pid); cmd != "" {
			holder = fmt.Sprintf("`%s` (pid %d)", cmd, pid)
		}
	}
	return fmt.Errorf("warehouse %s: %w: %s has it open, and DuckDB lets one process use a warehouse file at a time; wait for it to finish (or stop it) and try again (DuckDB: %v)", path, ErrLocked, holder, err)
}

// commandLine returns the command line of a process where the system shows
// it (/proc on Linux), or "".
func commandLine(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(b) == 0 {
		return ""
	}
	args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	args[0] = filepath.Base(args[0])
	cmd := strings.Join(args, " ")
	if len(cmd) > 120 {
		cmd = cmd[:120] + "…"
	}
	return cmd
}
