package service

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

var t0 = time.Date(2026, 3, 2, 10, 7, 0, 0, time.UTC)

func at(hhmm string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", "2026-03-02 "+hhmm)
	if err != nil {
		panic(err)
	}
	return t
}

func times(ts []time.Time) string {
	var s []string
	for _, t := range ts {
		s = append(s, t.Format("01-02 15:04"))
	}
	return strings.Join(s, " ")
}

func TestPlanCatchesUpOnceAfterDowntime(t *testing.T) {
	jobs := []Job{
		{Source: "xero", Schedule: "*/15 * * * *"},
		{Source: "harvest", Schedule: "0 * * * *"},
		{Source: "hubspot", Schedule: "30 2 * * *"},
	}
	last := map[string]time.Time{
		"xero":    at("10:05"), // ran after its last due time (10:00): on time
		"harvest": at("07:30"), // missed 08:00, 09:00 and 10:00: one catch-up
		"hubspot": {},          // never ran: runs at start
	}
	got, err := Plan(jobs, last, t0, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		source  string
		catchUp bool
		next    string
	}{
		{"harvest", true, "03-02 10:07 03-02 11:00 03-02 12:00"},
		{"hubspot", true, "03-02 10:07 03-03 02:30 03-04 02:30"},
		{"xero", false, "03-02 10:15 03-02 10:30 03-02 10:45"},
	}
	for i, w := range want {
		g := got[i]
		if g.Source != w.source || g.CatchUp != w.catchUp || times(g.Next) != w.next {
			t.Errorf("plan[%d] = %s catch-up %v next %s; want %s %v %s", i, g.Source, g.CatchUp, times(g.Next), w.source, w.catchUp, w.next)
		}
	}
	if got[1].LastRun != nil || got[0].LastRun == nil || !got[0].LastRun.Equal(at("07:30")) {
		t.Errorf("last runs: harvest %v hubspot %v", got[0].LastRun, got[1].LastRun)
	}
	if _, err := Plan([]Job{{Source: "x", Schedule: "every minute"}}, nil, t0, 1); err == nil {
		t.Error("Plan accepted a schedule that is not cron")
	}
}

// recorder is a RunFunc that reports each run and holds it until told.
type recorder struct {
	started  chan string
	release  chan struct{}
	inFlight atomic.Int32
	peak     atomic.Int32
	mu       sync.Mutex
	ctxErrs  []error
}

func newRecorder() *recorder {
	return &recorder{started: make(chan string, 100), release: make(chan struct{}, 100)}
}

func (r *recorder) run(ctx context.Context, sources []string, fullRefresh bool) (string, error) {
	n := r.inFlight.Add(1)
	defer r.inFlight.Add(-1)
	for {
		p := r.peak.Load()
		if n <= p || r.peak.CompareAndSwap(p, n) {
			break
		}
	}
	if fullRefresh {
		r.started <- "full " + strings.Join(sources, ",")
	} else {
		r.started <- strings.Join(sources, ",")
	}
	select {
	case <-r.release:
		return "succeeded", nil
	case <-ctx.Done():
		r.mu.Lock()
		r.ctxErrs = append(r.ctxErrs, ctx.Err())
		r.mu.Unlock()
		return "failed", ctx.Err()
	}
}

func (r *recorder) expect(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-r.started:
		if got != want {
			t.Fatalf("run of %s started, want %s", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no run of %s started", want)
	}
}

func (r *recorder) expectNone(t *testing.T) {
	t.Helper()
	select {
	case got := <-r.started:
		t.Fatalf("unexpected run of %s", got)
	case <-time.After(150 * time.Millisecond):
	}
}

// advance moves the fake clock to t once the scheduler waits on its timers.
func advance(t *testing.T, clock *clockwork.FakeClock, timers int, to time.Time) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := clock.BlockUntilContext(ctx, timers); err != nil {
		t.Fatalf("scheduler did not set its %d timers: %v", timers, err)
	}
	clock.Advance(to.Sub(clock.Now()))
}

// states returns each job's state, e.g. "files=waiting hubspot=running".
func states(s *Scheduler) string {
	var out []string
	for _, j := range s.Jobs(1) {
		out = append(out, j.Job+"="+j.State)
	}
	return strings.Join(out, " ")
}

// waitStates waits until the jobs are in the given states.
func waitStates(t *testing.T, s *Scheduler, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for states(s) != want {
		if time.Now().After(deadline) {
			t.Fatalf("states = %s, want %s", states(s), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// After downtime a source runs once at start, not once per missed run,
// then on its schedule; a source that is on time waits for its schedule.
func TestSchedulerCatchesUpOnceThenFollowsTheSchedule(t *testing.T) {
	clock := clockwork.NewFakeClockAt(t0)
	rec := newRecorder()
	s, err := NewScheduler([]Job{
		{Source: "xero", Schedule: "*/15 * * * *"},
		{Source: "harvest", Schedule: "0 * * * *"},
		{Source: "hubspot", Schedule: "0 * * * *"},
	}, rec.run, Options{Clock: clock, LastRuns: map[string]time.Time{"xero": at("10:05"), "harvest": at("07:30")}})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	defer s.Stop(time.Second)
	// harvest missed three runs and hubspot never ran: one run for both.
	rec.expect(t, "harvest,hubspot")
	waitStates(t, s, "harvest=running hubspot=running xero=scheduled")
	rec.release <- struct{}{}
	rec.expectNone(t)
	waitStates(t, s, "harvest=scheduled hubspot=scheduled xero=scheduled")

	jobs := s.Jobs(2)
	if len(jobs) != 3 || jobs[0].Source != "harvest" || times(jobs[0].Next) != "03-02 11:00 03-02 12:00" ||
		jobs[2].Source != "xero" || times(jobs[2].Next) != "03-02 10:15 03-02 10:30" ||
		jobs[0].Runs != 1 || jobs[0].LastStatus != "succeeded" || jobs[2].Runs != 0 {
		t.Fatalf("jobs = %+v", jobs)
	}
	advance(t, clock, 3, at("10:15"))
	rec.expect(t, "xero")
	rec.release <- struct{}{}
	rec.expectNone(t)
}

// A run that outlasts its interval is not started a second time; sources
// that fall due meanwhile wait for it and then run together, once.
func TestSchedulerNeverOverlapsRuns(t *testing.T) {
	clock := clockwork.NewFakeClockAt(t0)
	rec := newRecorder()
	s, err := NewScheduler([]Job{
		{Source: "xero", Schedule: "*/15 * * * *"},
		{Source: "hubspot", Schedule: "*/15 * * * *"},
		{Source: "files", Schedule: "*/15 * * * *"},
	}, rec.run, Options{Clock: clock, LastRuns: map[string]time.Time{"xero": at("09:00"), "hubspot": at("10:05"), "files": at("10:05")}})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	defer s.Stop(time.Second)
	rec.expect(t, "xero") // its catch-up run, held until released
	// 10:15 and 10:30 fall due while it runs: xero is not started again,
	// hubspot and files wait.
	advance(t, clock, 3, at("10:15"))
	waitStates(t, s, "files=waiting hubspot=waiting xero=running")
	advance(t, clock, 3, at("10:30"))
	rec.expectNone(t)
	rec.release <- struct{}{}
	rec.expect(t, "files,hubspot")
	rec.release <- struct{}{}
	rec.expectNone(t)
	if p := rec.peak.Load(); p != 1 {
		t.Fatalf("%d runs at once, want 1", p)
	}
	waitStates(t, s, "files=scheduled hubspot=scheduled xero=scheduled")
	if jobs := s.Jobs(1); jobs[0].Runs != 1 || jobs[1].Runs != 1 || jobs[2].Runs != 1 {
		t.Fatalf("runs per job = %d %d %d, want one each", jobs[0].Runs, jobs[1].Runs, jobs[2].Runs)
	}
}

// A stop lets the running run finish within the grace period, and then
// aborts it through its context; nothing starts afterwards.
func TestSchedulerStopFinishesOrAbortsTheRun(t *testing.T) {
	for _, finish := range []bool{true, false} {
		clock := clockwork.NewFakeClockAt(t0)
		rec := newRecorder()
		s, err := NewScheduler([]Job{{Source: "harvest", Schedule: "*/15 * * * *"}}, rec.run, Options{Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		s.Start()
		rec.expect(t, "harvest") // never ran: catch-up at start
		if s.Running() != "harvest" {
			t.Fatalf("Running() = %q", s.Running())
		}
		done := make(chan error, 1)
		start := time.Now()
		go func() { done <- s.Stop(300 * time.Millisecond) }()
		if finish {
			time.Sleep(50 * time.Millisecond)
			rec.release <- struct{}{}
		}
		if err := <-done; err != nil {
			t.Fatalf("Stop: %v", err)
		}
		took := time.Since(start)
		rec.mu.Lock()
		aborted := len(rec.ctxErrs)
		rec.mu.Unlock()
		switch {
		case finish && (aborted != 0 || took >= 300*time.Millisecond):
			t.Fatalf("a run that finished in time was aborted (%d) or Stop took %s", aborted, took)
		case !finish && (aborted != 1 || took < 300*time.Millisecond):
			t.Fatalf("a run past the grace period: aborted %d times after %s, want once after 300ms", aborted, took)
		}
		clock.Advance(time.Hour)
		rec.expectNone(t)
		if jobs := s.Jobs(1); jobs[0].Runs != 1 || (finish && jobs[0].LastStatus != "succeeded") || (!finish && jobs[0].LastError != "context canceled") {
			t.Fatalf("job after stop: %+v", jobs[0])
		}
	}
}

// A nightly full refresh of a source covers its incremental job when both
// are due; other sources due at the same time run incrementally after it.
func TestSchedulerFullRefreshCoversTheIncrementalRun(t *testing.T) {
	clock := clockwork.NewFakeClockAt(at("01:55"))
	rec := newRecorder()
	jobs := []Job{
		{Source: "harvest", Schedule: "*/15 * * * *"},
		{Source: "harvest", Schedule: "0 2 * * *", FullRefresh: true},
		{Source: "xero", Schedule: "0 * * * *"},
	}
	last := map[string]time.Time{"harvest": at("01:45"), "harvest full refresh": at("02:05").Add(-24 * time.Hour), "xero": at("01:00")}
	plan, err := Plan(jobs, last, at("01:55"), 1)
	if err != nil {
		t.Fatal(err)
	}
	if plan[1].Job != "harvest full refresh" || !plan[1].FullRefresh || plan[1].CatchUp || times(plan[1].Next) != "03-02 02:00" {
		t.Fatalf("plan of the full refresh: %+v", plan[1])
	}
	s, err := NewScheduler(jobs, rec.run, Options{Clock: clock, LastRuns: last})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	defer s.Stop(time.Second)
	advance(t, clock, 3, at("02:00"))
	rec.expect(t, "full harvest")
	waitStates(t, s, "harvest=running harvest full refresh=running xero=running")
	rec.release <- struct{}{}
	rec.expect(t, "xero")
	rec.release <- struct{}{}
	rec.expectNone(t)
	waitStates(t, s, "harvest=scheduled harvest full refresh=scheduled xero=scheduled")
	for _, j := range s.Jobs(1) {
		if j.Runs != 1 || j.LastStatus != "succeeded" {
			t.Fatalf("%s: %+v", j.Job, j)
		}
	}
}
