package main

import (
	"net/http"
	"strings"
	"time"

	"github.com/takt-billing/takt/extract/files"
	"github.com/takt-billing/takt/extract/harvest"
	"github.com/takt-billing/takt/extract/httpapi"
	"github.com/takt-billing/takt/extract/hubspot"
	"github.com/takt-billing/takt/extract/xero"
	"github.com/takt-billing/takt/internal/config"
)

// The vendors' documented limits, used where rate_limit leaves them out.
const (
	// HubSpot private apps of Free and Starter accounts: 100 requests per
	// 10 s and 250,000 per day (Professional and Enterprise: 190 per 10 s).
	hubspotPer10s = 100
	hubspotDaily  = 250_000
	// HubSpot's CRM search endpoints: 4 requests per second, counted apart.
	hubspotSearchPerSecond = 4
	// Harvest: 100 requests per 15 s.
	harvestPer15s = 100
	// Xero, per tenant: 60 calls per minute, 5,000 per day, 5 at once; and
	// 10,000 per minute per app across tenants.
	xeroPerMinute    = 60
	xeroDaily        = 5000
	xeroConcurrent   = 5
	xeroAppPerMinute = 10_000
)

// limiterFor returns the limiter of a source's HTTP client from its
// configuration: the vendor's documented limits unless rate_limit says
// otherwise, or nil when the source has no API or its limiter is off.
func limiterFor(source string, cfg *config.Config) (*httpapi.Limiter, error) {
	switch source {
	case hubspot.Source:
		s := cfg.Sources.HubSpot
		if s == nil || !s.RateLimit.IsEnabled() {
			return nil, nil
		}
		return httpapi.NewLimiter(hubspotLimits(s.RateLimit))
	case harvest.Source:
		s := cfg.Sources.Harvest
		if s == nil || !s.RateLimit.IsEnabled() {
			return nil, nil
		}
		return httpapi.NewLimiter(harvestLimits(s.RateLimit))
	case xero.Source:
		s := cfg.Sources.Xero
		if s == nil || !s.RateLimit.IsEnabled() {
			return nil, nil
		}
		return httpapi.NewLimiter(xeroLimits(s.RateLimit))
	case files.Source:
		return nil, nil
	}
	return nil, nil
}

// orDefault returns v unless it is zero.
func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// hubspotLimits paces HubSpot strictly to its 10-second and per-second
// windows (HubSpot counts them rolling), to the separate limit of the
// search endpoints, and to the daily limit as HubSpot reports it.
func hubspotLimits(r *config.RateLimit) httpapi.Limits {
	if r == nil {
		r = &config.RateLimit{}
	}
	per10s := orDefault(r.Requests, hubspotPer10s)
	return httpapi.Limits{
		Vendor: hubspot.Source,
		Windows: []httpapi.Window{
			{Name: "10 s", Requests: per10s, Per: 10 * time.Second, RemainingHeader: "X-HubSpot-RateLimit-Remaining"},
			{Name: "second", Requests: max(1, per10s/10), Per: time.Second, RemainingHeader: "X-HubSpot-RateLimit-Secondly-Remaining"},
			{Name: "search", Requests: hubspotSearchPerSecond, Per: time.Second,
				Match: func(req *http.Request) bool { return strings.HasSuffix(req.URL.Path, "/search") }},
			{Name: "day", Requests: orDefault(r.Daily, hubspotDaily), Per: 24 * time.Hour, Burst: orDefault(r.Daily, hubspotDaily),
				RemainingHeader: "X-HubSpot-RateLimit-Daily-Remaining"},
		},
		Concurrent: r.Concurrent,
	}
}

// harvestLimits paces Harvest strictly: it reports no count of its own.
func harvestLimits(r *config.RateLimit) httpapi.Limits {
	if r == nil {
		r = &config.RateLimit{}
	}
	return httpapi.Limits{
		Vendor:     harvest.Source,
		Windows:    []httpapi.Window{{Name: "15 s", Requests: orDefault(r.Requests, harvestPer15s), Per: 15 * time.Second}},
		Concurrent: r.Concurrent,
	}
}

// xeroLimits lets Xero's calls go in bursts and keeps to the count Xero
// reports on every answer (X-MinLimit-Remaining, X-DayLimit-Remaining,
// X-AppMinLimit-Remaining): Xero counts per tenant, and other apps of the
// organisation count too. Token requests go to the identity server and do
// not count.
func xeroLimits(r *config.RateLimit) httpapi.Limits {
	if r == nil {
		r = &config.RateLimit{}
	}
	perMinute := orDefault(r.Requests, xeroPerMinute)
	daily := orDefault(r.Daily, xeroDaily)
	return httpapi.Limits{
		Vendor: xero.Source,
		Match:  func(req *http.Request) bool { return strings.Contains(req.URL.Path, "/api.xro/") },
		Windows: []httpapi.Window{
			{Name: "minute", Requests: perMinute, Per: time.Minute, Burst: perMinute, RemainingHeader: "X-MinLimit-Remaining"},
			{Name: "day", Requests: daily, Per: 24 * time.Hour, Burst: daily, RemainingHeader: "X-DayLimit-Remaining"},
			{Name: "app minute", Requests: xeroAppPerMinute, Per: time.Minute, Burst: xeroAppPerMinute, RemainingHeader: "X-AppMinLimit-Remaining"},
		},
		Concurrent: orDefault(r.Concurrent, xeroConcurrent),
	}
}
