package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// barProgress shows a run on a terminal: one line per stream in flight
// with its rows, pages and waits (rate limits, retries), and a last line
// with the streams done and the rows loaded. Log lines written meanwhile go
// through it and appear above the lines, so that neither garbles the
// other. It implements pipeline.Progress and pipeline.WaitProgress.
type barProgress struct {
	mu      sync.Mutex
	out     io.Writer
	width   func() int
	logs    *logSwitch
	start   time.Time
	now     func() time.Time
	streams int
	active  map[string]*streamLine
	done    int
	failed  int
	rows    int64
	drawn   int // lines of the block on screen
	frame   int
	stop    chan struct{}
	stopped chan struct{}
	// restoreLevel gives the logs their level back after the display.
	restoreLevel func()
}

// streamLine is what the display knows of one stream in flight.
type streamLine struct {
	name    string
	started time.Time
	rows    int64
	pages   int
	waits   int           // rate-limit waits
	waited  time.Duration // their total
	retries int
}

// spinner turns once per redraw of the ticker.
var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// newBarProgress starts the display on the command's stderr for a run of
// the given number of streams. The command's logs go through it until
// Finish; unless --log-level asked for another level, only warnings and
// errors are logged meanwhile: the display says what info lines would.
func newBarProgress(g *globals, streams int) *barProgress {
	p := newProgressDisplay(g.stderr, termWidth(g.stderr), streams)
	p.logs = g.logOutput()
	p.logs.divert(p)
	if lv := g.levelVar(slog.LevelInfo); g.logLevel == "info" {
		lv.Set(slog.LevelWarn)
		p.restoreLevel = func() { lv.Set(slog.LevelInfo) }
	}
	go p.tick(250 * time.Millisecond)
	return p
}

// newProgressDisplay returns a display writing to out, width columns wide,
// without the ticker (tests draw it themselves).
func newProgressDisplay(out io.Writer, width func() int, streams int) *barProgress {
	return &barProgress{
		out: out, width: width, start: time.Now(), now: time.Now, streams: streams,
		active: map[string]*streamLine{}, stop: make(chan struct{}), stopped: make(chan struct{}),
	}
}

// termWidth returns a function reporting the width of w's terminal, or 100
// columns when it cannot tell.
func termWidth(w io.Writer) func() int {
	return func() int {
		if f, ok := w.(*os.File); ok {
			if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 20 {
				return cols
			}
		}
		return 100
	}
}

func (p *barProgress) tick(every time.Duration) {
	defer close(p.stopped)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			p.frame++
			p.redraw()
			p.mu.Unlock()
		}
	}
}

// StreamStarted adds the stream's line.
func (p *barProgress) StreamStarted(source, stream string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	name := source + "." + stream
	p.active[name] = &streamLine{name: name, started: p.now()}
	p.redraw()
}

// BatchLoaded counts a committed batch on the stream's line.
func (p *barProgress) BatchLoaded(source, stream string, rows int64, pages int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rows += rows
	if l := p.active[source+"."+stream]; l != nil {
		l.rows += rows
		l.pages += pages
	}
	p.redraw()
}

// Waited counts a wait of one of the stream's requests.
func (p *barProgress) Waited(source, stream, reason string, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.active[source+"."+stream]
	if l == nil {
		return
	}
	switch reason {
	case "throttled", "rate_limited":
		l.waits++
		l.waited += d
	default:
		l.retries++
	}
	p.redraw()
}

// StreamFinished removes the stream's line.
func (p *barProgress) StreamFinished(source, stream string, rows int64, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.active, source+"."+stream)
	p.done++
	if err != nil {
		p.failed++
	}
	p.redraw()
}

// Write prints log output above the lines: the lines are cleared, the
// output written and the lines drawn again below it.
func (p *barProgress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	n, err := p.out.Write(b)
	p.redraw()
	return n, err
}

// Finish removes the lines, so that the summary that follows starts on a
// clean screen, and gives the logs their own output back.
func (p *barProgress) Finish() {
	select {
	case <-p.stop:
		return
	default:
		close(p.stop)
	}
	if p.logs != nil {
		<-p.stopped
		p.logs.restore()
	}
	if p.restoreLevel != nil {
		p.restoreLevel()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
}

// clear erases the lines drawn: cursor up over them, erase to the end of
// the screen.
func (p *barProgress) clear() {
	if p.drawn > 0 {
		fmt.Fprintf(p.out, "\r\x1b[%dA\x1b[J", p.drawn)
		p.drawn = 0
	}
}

// redraw draws the lines again in place. Each line is cut to the
// terminal's width so that none wraps and the count of lines to erase
// stays right.
func (p *barProgress) redraw() {
	select {
	case <-p.stop:
		return
	default:
	}
	lines := p.render()
	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\r\x1b[%dA\x1b[J", p.drawn)
	}
	width := p.width() - 1
	for _, l := range lines {
		if r := []rune(l); len(r) > width {
			l = string(r[:width])
		}
		b.WriteString(l)
		b.WriteString("\n")
	}
	_, _ = io.WriteString(p.out, b.String())
	p.drawn = len(lines)
}

// render returns the lines: the streams in flight in the order they
// started, then the totals.
func (p *barProgress) render() []string {
	now := p.now()
	ls := make([]*streamLine, 0, len(p.active))
	for _, l := range p.active {
		ls = append(ls, l)
	}
	sort.Slice(ls, func(i, j int) bool {
		if !ls[i].started.Equal(ls[j].started) {
			return ls[i].started.Before(ls[j].started)
		}
		return ls[i].name < ls[j].name
	})
	spin := spinner[p.frame%len(spinner)]
	out := make([]string, 0, len(ls)+1)
	for _, l := range ls {
		s := fmt.Sprintf("%s %-28s %9s rows %4d pages  %s", spin, l.name, groupDigits(l.rows), l.pages, clock(now.Sub(l.started)))
		if l.waits > 0 {
			s += fmt.Sprintf("  rate-limit waits %d (%s)", l.waits, l.waited.Round(100*time.Millisecond))
		}
		if l.retries > 0 {
			s += fmt.Sprintf("  retries %d", l.retries)
		}
		out = append(out, s)
	}
	total := fmt.Sprintf("  streams %d/%d", p.done, p.streams)
	if p.failed > 0 {
		total += fmt.Sprintf(" (%d failed)", p.failed)
	}
	total += fmt.Sprintf(" · %s rows · %s", groupDigits(p.rows), clock(now.Sub(p.start)))
	if p.streams > 0 && p.done == p.streams {
		total += " · building the warehouse's layers and checking them"
	}
	return append(out, total)
}

// groupDigits writes n with thousands separators: 51,829.
func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// clock formats a duration as m:ss.
func clock(d time.Duration) string {
	s := int(d.Seconds())
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// logSwitch is where a command's logs go: its stderr, or while a progress
// display is up, the display, which prints them above its lines.
type logSwitch struct {
	mu     sync.Mutex
	target io.Writer
	base   io.Writer
}

// Write sends one log record to the current target. slog writes each
// record in one call, so records never interleave.
func (s *logSwitch) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.target.Write(b)
}

func (s *logSwitch) divert(w io.Writer) {
	s.mu.Lock()
	s.target = w
	s.mu.Unlock()
}

func (s *logSwitch) restore() {
	s.mu.Lock()
	s.target = s.base
	s.mu.Unlock()
}

// levelVar returns the level of the command's logs, which is level unless
// it was set before (a progress display may change it while it is up).
func (g *globals) levelVar(level slog.Level) *slog.LevelVar {
	g.logMu.Lock()
	defer g.logMu.Unlock()
	if g.logVar == nil {
		g.logVar = new(slog.LevelVar)
		g.logVar.Set(level)
	}
	return g.logVar
}

// logOutput returns the writer the command's logs go to.
func (g *globals) logOutput() *logSwitch {
	g.logMu.Lock()
	defer g.logMu.Unlock()
	if g.logSink == nil {
		g.logSink = &logSwitch{target: g.stderr, base: g.stderr}
	}
	return g.logSink
}
