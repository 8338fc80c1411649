// Package service is what `takt serve` runs besides the pipeline: the
// scheduler that runs each source on its cron schedule (gocron, singleton
// jobs, one run at a time, one catch-up run after downtime, a graceful
// stop) and the read-only HTTP pages (the monthly reports, /healthz,
// /schedule) served from the same warehouse handle while loads run.
//
// Inputs are the sources' schedules from takt.yaml and the run ledger
// (when each source last ran); the pipeline itself is passed in as a
// function, so the scheduler knows nothing of extraction.
package service

import (
	"fmt"
	"sort"
	"time"

	"github.com/robfig/cron/v3"
)

// Job is one source run on a schedule.
type Job struct {
	// Source is the source's name ("harvest").
	Source string
	// Schedule is a cron expression (minute hour day month weekday), in
	// UTC, or a descriptor like "@every 15m".
	Schedule string
	// FullRefresh reads the source from scratch instead of from its
	// cursors (e.g. nightly, to find what an incremental sync cannot).
	FullRefresh bool
}

// Name names the job: its source, "harvest full refresh" for a full
// refresh.
func (j Job) Name() string {
	if j.FullRefresh {
		return j.Source + " full refresh"
	}
	return j.Source
}

// Planned is a job's place in the schedule: when it ran last, whether it
// is due for a catch-up run, and its next scheduled runs.
type Planned struct {
	// Job is the job's name (Job.Name).
	Job         string      `json:"job"`
	Source      string      `json:"source"`
	FullRefresh bool        `json:"full_refresh"`
	Schedule    string      `json:"schedule"`
	LastRun     *time.Time  `json:"last_run"`
	CatchUp     bool        `json:"catch_up"`
	Next        []time.Time `json:"next_runs"`
}

// parseSchedule parses a job's cron expression the way the configuration
// checks it.
func parseSchedule(expr string) (cron.Schedule, error) {
	s, err := cron.ParseStandard(expr)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", expr, err)
	}
	return s, nil
}

// dueForCatchUp reports whether a job missed a scheduled run since it last
// ran: it never ran, or its schedule fell due after its last run and before
// now. Missed runs are never replayed one by one: one run brings the
// source up to date.
func dueForCatchUp(s cron.Schedule, last, now time.Time) bool {
	return last.IsZero() || !s.Next(last.UTC()).After(now.UTC())
}

// Plan lists the jobs as `takt serve` would run them if it started at now:
// a job that missed a run while takt was not serving runs once at start
// (CatchUp, its first next run is now), then on its schedule. lastRuns
// holds when each job last ran, by Job.Name; n is how many scheduled runs
// to list.
func Plan(jobs []Job, lastRuns map[string]time.Time, now time.Time, n int) ([]Planned, error) {
	now = now.UTC()
	out := make([]Planned, 0, len(jobs))
	for _, j := range jobs {
		s, err := parseSchedule(j.Schedule)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", j.Name(), err)
		}
		p := Planned{Job: j.Name(), Source: j.Source, FullRefresh: j.FullRefresh, Schedule: j.Schedule}
		last := lastRuns[j.Name()]
		if !last.IsZero() {
			l := last.UTC()
			p.LastRun = &l
		}
		p.CatchUp = dueForCatchUp(s, last, now)
		t := now
		if p.CatchUp {
			p.Next = append(p.Next, now)
		}
		for len(p.Next) < n {
			t = s.Next(t)
			p.Next = append(p.Next, t)
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Job < out[k].Job })
	return out, nil
}
