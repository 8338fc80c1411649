package service

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"
)

// RunFunc runs the pipeline once for the given sources (one or more that
// fell due together), incrementally or, with fullRefresh, reading them
// from scratch. Its context is cancelled when a stop's grace period is
// over: the run then aborts its batch in flight (which rolls back) and
// records itself as failed. status is the run's status in the ledger
// (succeeded, partial, failed).
type RunFunc func(ctx context.Context, sources []string, fullRefresh bool) (status string, err error)

// Options configure a Scheduler.
type Options struct {
	// Clock is the scheduler's time; default the real clock. Tests pass a
	// fake one.
	Clock clockwork.Clock
	// Logger receives a line per run and per skipped run; default discards.
	Logger *slog.Logger
	// LastRuns holds when each job last ran, by Job.Name (from the run
	// ledger), to find the runs missed while takt was not serving.
	LastRuns map[string]time.Time
	// Settle is how long a job that falls due waits for others that fall
	// due at the same time, so that they share a run; default 250ms.
	Settle time.Duration
}

// Scheduler runs each job on its schedule through gocron: a job never
// overlaps itself (singleton mode: a run that would start while the
// previous one still runs is skipped), and runs take turns, because each
// run rebuilds the warehouse's SQL layers and DuckDB has one writer. Jobs
// that are due while another run holds the turn wait, and then run
// together in one run (one rebuild instead of one each). A job that missed
// runs while takt was not serving runs once at start, not once per missed
// run.
type Scheduler struct {
	sched  gocron.Scheduler
	clock  clockwork.Clock
	run    RunFunc
	logger *slog.Logger

	// runCtx is the context of every run; abort cancels it.
	runCtx context.Context
	abort  context.CancelFunc
	// turn lets one run at a time write the warehouse.
	turn chan struct{}
	// catchUp is the catch-up run started by Start.
	catchUp sync.WaitGroup
	settle  time.Duration

	mu       sync.Mutex
	stopping bool
	jobs     map[string]*jobState
}

// jobState is what the scheduler knows of one job.
type jobState struct {
	job     Job
	handle  gocron.Job
	catchUp bool
	// due is set while the job waits for a run to take it; running while
	// a run that includes it is in progress.
	due     bool
	running bool
	// Last run in this process.
	lastStart  time.Time
	lastEnd    time.Time
	lastStatus string
	lastError  string
	runs       int
}

// NewScheduler schedules jobs; Start starts them. run is called for every
// due run.
func NewScheduler(jobs []Job, run RunFunc, opts Options) (*Scheduler, error) {
	if opts.Clock == nil {
		opts.Clock = clockwork.NewRealClock()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Settle <= 0 {
		opts.Settle = 250 * time.Millisecond
	}
	runCtx, abort := context.WithCancel(context.Background())
	s := &Scheduler{
		clock: opts.Clock, run: run, logger: opts.Logger, settle: opts.Settle,
		runCtx: runCtx, abort: abort, turn: make(chan struct{}, 1),
		jobs: map[string]*jobState{},
	}
	sched, err := gocron.NewScheduler(
		gocron.WithClock(opts.Clock),
		gocron.WithLocation(time.UTC),
		gocron.WithLogger(gocronLogger{opts.Logger}),
		// Stop waits for the running run itself (its own grace period);
		// gocron only has to outlast it.
		gocron.WithStopTimeout(24*time.Hour),
	)
	if err != nil {
		abort()
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	s.sched = sched
	fail := func(err error) (*Scheduler, error) {
		abort()
		_ = sched.Shutdown()
		return nil, err
	}
	now := opts.Clock.Now()
	for _, j := range jobs {
		name := j.Name()
		if _, dup := s.jobs[name]; dup {
			return fail(fmt.Errorf("scheduler: %s is scheduled twice", name))
		}
		cs, err := parseSchedule(j.Schedule)
		if err != nil {
			return fail(fmt.Errorf("scheduler: %s: %w", name, err))
		}
		st := &jobState{job: j, catchUp: dueForCatchUp(cs, opts.LastRuns[name], now)}
		options := []gocron.JobOption{
			gocron.WithName(name),
			gocron.WithSingletonMode(gocron.LimitModeReschedule),
		}
		h, err := sched.NewJob(gocron.CronJob(j.Schedule, false), gocron.NewTask(func() { s.runJob(name) }), options...)
		if err != nil {
			return fail(fmt.Errorf("scheduler: %s: schedule %q: %w", name, j.Schedule, err))
		}
		st.handle = h
		s.jobs[name] = st
	}
	return s, nil
}

// Start starts the schedule. The sources that need a catch-up run get one
// at once, all of them in one run.
func (s *Scheduler) Start() {
	catchUp := false
	for _, st := range s.sortedJobs() {
		if st.catchUp {
			s.mu.Lock()
			st.due = true
			s.mu.Unlock()
			catchUp = true
			s.logger.Info("catching up: the job missed its schedule while takt was not serving; one run now", "job", st.job.Name(), "schedule", st.job.Schedule)
		}
	}
	s.sched.Start()
	if catchUp {
		s.catchUp.Add(1)
		go func() {
			defer s.catchUp.Done()
			s.runDue()
		}()
	}
}

// runJob is the task of every job: it marks the job due and runs every
// job that is due once it has the turn. A job that is part of the run in
// progress is skipped, like gocron skips a singleton job that still runs:
// the next scheduled time picks up what changed meanwhile.
func (s *Scheduler) runJob(name string) {
	s.mu.Lock()
	st := s.jobs[name]
	if s.stopping {
		s.mu.Unlock()
		return
	}
	if st.running {
		s.mu.Unlock()
		s.logger.Info("skipped a scheduled run: the job's previous run is still going", "job", name)
		return
	}
	st.due = true
	s.mu.Unlock()
	// Jobs due at the same time fire one after another: let them all
	// say so before one of them takes the turn.
	select {
	case <-time.After(s.settle):
	case <-s.runCtx.Done():
		return
	}
	s.runDue()
}

// runDue waits for the turn to write and runs every job that is due by
// then: the full refreshes in one run, then the incremental jobs of the
// other sources in one more (a full refresh of a source covers its
// incremental job). It returns at once when an earlier run took them all.
func (s *Scheduler) runDue() {
	select {
	case s.turn <- struct{}{}:
	case <-s.runCtx.Done():
		return
	}
	defer func() { <-s.turn }()
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return
	}
	var full, incremental []*jobState
	refreshed := map[string]bool{}
	now := s.clock.Now()
	for _, st := range s.jobs {
		if st.due && st.job.FullRefresh {
			full = append(full, st)
			refreshed[st.job.Source] = true
		}
	}
	for _, st := range s.jobs {
		if st.due && !st.job.FullRefresh {
			if refreshed[st.job.Source] {
				full = append(full, st)
			} else {
				incremental = append(incremental, st)
			}
		}
	}
	for _, st := range append(append([]*jobState{}, full...), incremental...) {
		st.due, st.running, st.lastStart = false, true, now
	}
	s.mu.Unlock()
	s.runJobs(full, true)
	s.runJobs(incremental, false)
}

// runJobs runs the sources of jobs in one run and records how it went.
func (s *Scheduler) runJobs(jobs []*jobState, fullRefresh bool) {
	if len(jobs) == 0 {
		return
	}
	seen := map[string]bool{}
	var sources []string
	for _, st := range jobs {
		if !seen[st.job.Source] {
			seen[st.job.Source] = true
			sources = append(sources, st.job.Source)
		}
	}
	sort.Strings(sources)
	log := s.logger.With("sources", strings.Join(sources, ","), "full_refresh", fullRefresh)
	log.Info("scheduled run started")
	status, err := s.safeRun(sources, fullRefresh)

	s.mu.Lock()
	end := s.clock.Now()
	for _, st := range jobs {
		st.running, st.lastEnd = false, end
		st.lastStatus, st.lastError = status, ""
		if err != nil {
			st.lastError = err.Error()
		}
		st.runs++
	}
	s.mu.Unlock()
	if err != nil {
		log.Error("scheduled run ended", "status", status, "error", err)
	} else {
		log.Info("scheduled run ended", "status", status)
	}
}

// safeRun runs sources, turning a panic into a failed run so that the
// schedule goes on.
func (s *Scheduler) safeRun(sources []string, fullRefresh bool) (status string, err error) {
	defer func() {
		if r := recover(); r != nil {
			status, err = "failed", fmt.Errorf("panic: %v", r)
		}
	}()
	return s.run(s.runCtx, sources, fullRefresh)
}

// Stop stops the schedule: no run starts any more, and a run in progress
// may finish within grace; after that its context is cancelled, so that it
// aborts its batch in flight cleanly. Stop returns when no run is left.
func (s *Scheduler) Stop(grace time.Duration) error {
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
	timer := time.AfterFunc(grace, func() {
		if s.Running() != "" {
			s.logger.Warn("the running run did not finish within the stop timeout; aborting it", "grace", grace)
		}
		s.abort()
	})
	defer timer.Stop()
	err := s.sched.Shutdown()
	s.catchUp.Wait()
	s.abort()
	if err != nil {
		return fmt.Errorf("scheduler: stop: %w", err)
	}
	return nil
}

// Abort cancels the run in progress at once (a second SIGINT).
func (s *Scheduler) Abort() { s.abort() }

// Running returns the jobs whose run is in progress, comma-separated, or
// "".
func (s *Scheduler) Running() string {
	var names []string
	for _, st := range s.sortedJobs() {
		s.mu.Lock()
		if st.running {
			names = append(names, st.job.Name())
		}
		s.mu.Unlock()
	}
	return strings.Join(names, ",")
}

// Job states in Status.
const (
	StateScheduled = "scheduled" // waits for its next scheduled time
	StateWaiting   = "waiting"   // due, waits for the run in progress to end
	StateRunning   = "running"   // a run that includes it is in progress
)

// Status is a job's state for /healthz and /schedule.
type Status struct {
	Planned
	// State is StateScheduled, StateWaiting or StateRunning.
	State      string     `json:"state"`
	LastStatus string     `json:"last_status,omitempty"`
	LastError  string     `json:"last_error,omitempty"`
	LastEnded  *time.Time `json:"last_ended,omitempty"`
	Runs       int        `json:"runs_since_start"`
}

// Jobs returns each job with its next n scheduled runs, as gocron has them.
func (s *Scheduler) Jobs(n int) []Status {
	var out []Status
	for _, st := range s.sortedJobs() {
		next, _ := st.handle.NextRuns(n)
		s.mu.Lock()
		js := Status{
			Planned:    Planned{Job: st.job.Name(), Source: st.job.Source, FullRefresh: st.job.FullRefresh, Schedule: st.job.Schedule, Next: next, CatchUp: st.catchUp && st.runs == 0},
			State:      StateScheduled,
			LastStatus: st.lastStatus, LastError: st.lastError, Runs: st.runs,
		}
		switch {
		case st.running:
			js.State = StateRunning
		case st.due:
			js.State = StateWaiting
		}
		if !st.lastStart.IsZero() {
			t := st.lastStart.UTC()
			js.LastRun = &t
		}
		if !st.lastEnd.IsZero() {
			t := st.lastEnd.UTC()
			js.LastEnded = &t
		}
		s.mu.Unlock()
		out = append(out, js)
	}
	return out
}

func (s *Scheduler) sortedJobs() []*jobState {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*jobState, 0, len(s.jobs))
	for _, st := range s.jobs {
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].job.Name() < out[j].job.Name() })
	return out
}

// gocronLogger passes gocron's warnings and errors on; its debug and info
// lines say nothing an operator needs.
type gocronLogger struct{ l *slog.Logger }

func (g gocronLogger) Debug(string, ...any)          {}
func (g gocronLogger) Info(string, ...any)           {}
func (g gocronLogger) Warn(msg string, args ...any)  { g.l.Warn(msg, args...) }
func (g gocronLogger) Error(msg string, args ...any) { g.l.Error(msg, args...) }
