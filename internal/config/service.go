package config

import (
	"net"
	"time"
)

// Service configures `takt serve`, under "service:" in takt.yaml. The
// sources' schedules are under sources.<name>.schedule.
type Service struct {
	// Addr is the address serve's report pages and /healthz listen on;
	// default DefaultServiceAddr. Keep it on 127.0.0.1 unless a reverse
	// proxy in front of it checks who may see the pages.
	Addr string `yaml:"addr"`
	// StopTimeout is how long a stop (SIGINT, SIGTERM) lets a running run
	// finish before it aborts it; the batch in flight then rolls back and
	// the next run resumes from the stored cursors. Default 30s.
	StopTimeout time.Duration `yaml:"stop_timeout"`
}

// DefaultServiceAddr is where `takt serve` listens by default.
const DefaultServiceAddr = "127.0.0.1:8080"

// RateLimit overrides the documented API limits takt keeps to for a
// source, under sources.<name>.rate_limit. Zero values keep the vendor's
// documented defaults.
type RateLimit struct {
	// Enabled false turns the client-side limiter off: only for emulators
	// and benchmarks. Default true.
	Enabled *bool `yaml:"enabled"`
	// Requests is the vendor's short-window limit: HubSpot requests per
	// 10 s (default 100, the Free and Starter limit of private apps; 190
	// for Professional and Enterprise, 250 with the API limit increase, 110
	// for public apps), Harvest requests per 15 s (default 100), Xero calls
	// per minute (default 60).
	Requests int `yaml:"requests"`
	// Daily is the vendor's daily limit: HubSpot (default 250000), Xero per
	// tenant (default 5000). Harvest has none.
	Daily int `yaml:"daily"`
	// Concurrent caps requests in flight: Xero default 5; 0 elsewhere
	// means no cap.
	Concurrent int `yaml:"concurrent"`
}

// IsEnabled reports whether the limiter runs; enabled defaults to true.
func (r *RateLimit) IsEnabled() bool { return r == nil || r.Enabled == nil || *r.Enabled }

func (v *validator) checkService(c *Config) {
	s := &c.Service
	if s.Addr == "" {
		s.Addr = DefaultServiceAddr
	}
	if _, port, err := net.SplitHostPort(s.Addr); err != nil || port == "" {
		v.fail("service.addr", "%q is not a listen address; expected host:port like 127.0.0.1:8080", s.Addr)
	}
	if s.StopTimeout == 0 {
		s.StopTimeout = 30 * time.Second
	}
	if s.StopTimeout < 0 || s.StopTimeout > time.Hour {
		v.fail("service.stop_timeout", "%s is out of range; expected a duration between 1s and 1h like 30s", s.StopTimeout)
	}
	if h := c.Sources.HubSpot; h != nil {
		v.schedule("sources.hubspot.full_refresh_schedule", h.FullRefreshSchedule)
	}
	if h := c.Sources.Harvest; h != nil {
		v.schedule("sources.harvest.full_refresh_schedule", h.FullRefreshSchedule)
	}
	if x := c.Sources.Xero; x != nil {
		v.schedule("sources.xero.full_refresh_schedule", x.FullRefreshSchedule)
	}
	if f := c.Sources.Files; f != nil {
		v.schedule("sources.files.full_refresh_schedule", f.FullRefreshSchedule)
	}
	if f := c.Sources.Files; f != nil && f.RateLimit != nil {
		v.fail("sources.files.rate_limit", "files are read from a folder, not an API; remove rate_limit")
	}
	if s := c.Sources.Harvest; s != nil && s.RateLimit != nil && s.RateLimit.Daily != 0 {
		v.fail("sources.harvest.rate_limit.daily", "Harvest has no daily limit; remove daily")
	}
}

// rateLimit checks a source's rate_limit section.
func (v *validator) rateLimit(key string, r *RateLimit) {
	if r == nil {
		return
	}
	if r.Requests < 0 {
		v.fail(key+".requests", "%d is out of range; expected the number of requests the vendor allows per window, or leave it out for the documented default", r.Requests)
	}
	if r.Daily < 0 {
		v.fail(key+".daily", "%d is out of range; expected the number of requests the vendor allows per day, or leave it out for the documented default", r.Daily)
	}
	if r.Concurrent < 0 || r.Concurrent > 100 {
		v.fail(key+".concurrent", "%d is out of range; expected 0 (no cap) to 100", r.Concurrent)
	}
}
