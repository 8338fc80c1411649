package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/schollz/progressbar/v3"
)

// barProgress shows a run on a terminal: one line with the rows loaded so
// far and the streams in flight.
type barProgress struct {
	mu      sync.Mutex
	bar     *progressbar.ProgressBar
	active  map[string]int64
	done    int
	failed  int
	total   int64
	streams int
}

func newBarProgress(w io.Writer, streams int) *barProgress {
	bar := progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("extracting"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetItsString("rows"),
		progressbar.OptionShowIts(),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionClearOnFinish(),
	)
	return &barProgress{bar: bar, active: map[string]int64{}, streams: streams}
}

func (p *barProgress) StreamStarted(source, stream string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.active[source+"."+stream] = 0
	p.describe()
}

func (p *barProgress) BatchLoaded(source, stream string, rows int64, pages int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.active[source+"."+stream] += rows
	p.total += rows
	_ = p.bar.Add64(rows)
	p.describe()
}

func (p *barProgress) StreamFinished(source, stream string, rows int64, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.active, source+"."+stream)
	p.done++
	if err != nil {
		p.failed++
	}
	p.describe()
}

func (p *barProgress) describe() {
	names := make([]string, 0, len(p.active))
	for n, rows := range p.active {
		names = append(names, fmt.Sprintf("%s %d", n, rows))
	}
	sort.Strings(names)
	desc := fmt.Sprintf("streams %d/%d", p.done, p.streams)
	if p.failed > 0 {
		desc += fmt.Sprintf(" (%d failed)", p.failed)
	}
	if len(names) > 0 {
		desc += " · " + strings.Join(names, ", ")
	}
	p.bar.Describe(desc)
}

// Finish clears the bar so the summary that follows starts on a clean line.
func (p *barProgress) Finish() { _ = p.bar.Finish() }
