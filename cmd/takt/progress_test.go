//go:build duckdb_arrow

package main

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// screen is a small terminal: it understands what the progress display
// writes (CR, LF, cursor up, erase to the end of the screen) and keeps the
// lines as a person would see them.
type screen struct {
	lines    []string
	row, col int
}

func (s *screen) write(t *testing.T, out string) {
	t.Helper()
	rs := []rune(out)
	for i := 0; i < len(rs); i++ {
		for len(s.lines) <= s.row {
			s.lines = append(s.lines, "")
		}
		switch r := rs[i]; r {
		case '\r':
			s.col = 0
		case '\n':
			s.row++
			s.col = 0
		case '\x1b':
			j := i + 2
			for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
				j++
			}
			if rs[i+1] != '[' || j >= len(rs) {
				t.Fatalf("unknown escape at %q", string(rs[i:]))
			}
			n := 1
			if j > i+2 {
				n, _ = strconv.Atoi(string(rs[i+2 : j]))
			}
			switch rs[j] {
			case 'A':
				s.row -= n
				if s.row < 0 {
					t.Fatalf("cursor moved above the screen")
				}
			case 'J':
				line := []rune(s.lines[s.row])
				if s.col < len(line) {
					s.lines[s.row] = string(line[:s.col])
				}
				s.lines = s.lines[:s.row+1]
			default:
				t.Fatalf("unknown escape %q", string(rs[i:j+1]))
			}
			i = j
		default:
			line := []rune(s.lines[s.row])
			for len(line) < s.col {
				line = append(line, ' ')
			}
			if s.col < len(line) {
				line[s.col] = r
			} else {
				line = append(line, r)
			}
			s.lines[s.row] = string(line)
			s.col++
		}
	}
}

func (s *screen) text() string {
	return strings.TrimRight(strings.Join(s.lines, "\n"), "\n")
}

// The display shows one line per stream in flight with rows, pages and
// waits, and log lines written meanwhile land above it, whole.
func TestProgressShowsStreamsAndKeepsLogsWhole(t *testing.T) {
	var term bytes.Buffer
	var scr screen
	flush := func() { scr.write(t, term.String()); term.Reset() }
	p := newProgressDisplay(&term, func() int { return 120 }, 4)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	p.start, p.now = now, func() time.Time { return now }
	logs := &logSwitch{target: &term, base: &term}
	logs.divert(p)
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))

	p.StreamStarted("harvest", "time_entries")
	now = now.Add(time.Second)
	p.StreamStarted("xero", "invoices")
	p.BatchLoaded("harvest", "time_entries", 2000, 1)
	p.BatchLoaded("harvest", "time_entries", 2000, 1)
	p.Waited("xero", "invoices", "throttled", 1500*time.Millisecond)
	p.Waited("xero", "invoices", "rate_limited", time.Second)
	p.Waited("xero", "invoices", "server_error", 500*time.Millisecond)
	log.Info("stream loaded", "source", "files", "stream", "rate_cards", "rows", 299)
	now = now.Add(2 * time.Second)
	p.BatchLoaded("xero", "invoices", 100, 1)
	flush()
	want := `level=INFO msg="stream loaded" source=files stream=rate_cards rows=299
⠋ harvest.time_entries             4,000 rows    2 pages  0:03
⠋ xero.invoices                      100 rows    1 pages  0:02  rate-limit waits 2 (2.5s)  retries 1
  streams 0/4 · 4,100 rows · 0:03`
	if got := scr.text(); got != want {
		t.Fatalf("screen:\n%s\nwant:\n%s", got, want)
	}

	p.StreamFinished("xero", "invoices", 100, errors.New("xero.invoices: HTTP 500"))
	log.Warn("retrying request", "reason", "server_error")
	p.StreamFinished("harvest", "time_entries", 4000, nil)
	flush()
	want = `level=INFO msg="stream loaded" source=files stream=rate_cards rows=299
level=WARN msg="retrying request" reason=server_error
  streams 2/4 (1 failed) · 4,100 rows · 0:03`
	if got := scr.text(); got != want {
		t.Fatalf("screen:\n%s\nwant:\n%s", got, want)
	}

	p.Finish()
	logs.restore()
	log.Info("run ended")
	flush()
	want = `level=INFO msg="stream loaded" source=files stream=rate_cards rows=299
level=WARN msg="retrying request" reason=server_error
level=INFO msg="run ended"`
	if got := scr.text(); got != want {
		t.Fatalf("after Finish the lines must be gone:\n%s\nwant:\n%s", got, want)
	}
}

// Lines never wrap: a wrapped line would leave a line on screen that the
// next redraw does not erase.
func TestProgressLinesFitTheTerminal(t *testing.T) {
	var term bytes.Buffer
	p := newProgressDisplay(&term, func() int { return 30 }, 1)
	p.StreamStarted("hubspot", "line_items_with_a_very_long_name")
	p.BatchLoaded("hubspot", "line_items_with_a_very_long_name", 1234567, 12)
	var scr screen
	scr.write(t, term.String())
	for _, l := range scr.lines {
		if n := len([]rune(l)); n > 29 {
			t.Fatalf("line %q is %d columns on a 30-column terminal", l, n)
		}
	}
}

// Many goroutines logging while streams report progress leave every log
// record whole on its own line.
func TestProgressConcurrentLogsStayWhole(t *testing.T) {
	var term syncBuffer
	p := newProgressDisplay(&term, func() int { return 120 }, 8)
	logs := &logSwitch{target: &term, base: &term}
	logs.divert(p)
	log := slog.New(slog.NewJSONHandler(logs, nil))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stream := fmt.Sprintf("s%d", i)
			p.StreamStarted("src", stream)
			for j := range 50 {
				p.BatchLoaded("src", stream, 10, 1)
				log.Info("page", "stream", stream, "page", j)
			}
			p.StreamFinished("src", stream, 500, nil)
		}()
	}
	wg.Wait()
	p.Finish()
	var scr screen
	scr.write(t, term.String())
	records := 0
	for _, l := range scr.lines {
		if l == "" {
			continue
		}
		if !strings.HasPrefix(l, `{"time":`) || !strings.HasSuffix(l, "}") {
			t.Fatalf("garbled line on screen: %q", l)
		}
		records++
	}
	if records != 400 {
		t.Fatalf("%d log records on screen, want 400", records)
	}
}
