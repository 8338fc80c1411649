package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/extract/files"
	"github.com/takt-billing/takt/extract/harvest"
	"github.com/takt-billing/takt/extract/httpapi"
	"github.com/takt-billing/takt/extract/hubspot"
	"github.com/takt-billing/takt/extract/xero"
	"github.com/takt-billing/takt/internal/config"
	"github.com/takt-billing/takt/internal/pipeline"
)

// sourceDef is one source system takt can extract. This table is the only
// place connectors are registered.
type sourceDef struct {
	name    string
	streams func() []extract.Stream
	// build returns the connector for the configuration, or nil when the
	// source is not configured or disabled.
	build func(cfg *config.Config, http *httpapi.Client, logger *slog.Logger) (extract.Connector, error)
}

var sourceTable = []sourceDef{
	{name: hubspot.Source, streams: hubspot.Streams, build: buildHubSpot},
	{name: harvest.Source, streams: harvest.Streams, build: buildHarvest},
	{name: xero.Source, streams: xero.Streams, build: buildXero},
	{name: files.Source, streams: files.Streams, build: buildFiles},
}

// registry lists every stream of every source; a duplicate source name is
// an error.
func registry() (pipeline.Registry, error) {
	reg := pipeline.Registry{}
	for _, s := range sourceTable {
		if _, dup := reg[s.name]; dup {
			return nil, fmt.Errorf("source %s is registered twice", s.name)
		}
		reg[s.name] = s.streams()
	}
	return reg, nil
}

// connectors builds the configured, enabled sources. Each gets its own
// HTTP client (the same code, its own retry hooks, logger and rate
// limiter at the vendor's documented limits, ratelimits.go).
func connectors(cfg *config.Config, logger *slog.Logger) ([]extract.Connector, error) {
	var out []extract.Connector
	for _, s := range sourceTable {
		l := logger.With("source", s.name)
		hc := httpapi.New(l)
		limiter, err := limiterFor(s.name, cfg)
		if err != nil {
			return nil, err
		}
		hc.Limiter = limiter
		c, err := s.build(cfg, hc, l)
		if err != nil {
			return nil, err
		}
		if c != nil {
			out = append(out, c)
		}
	}
	return out, nil
}

func buildHubSpot(cfg *config.Config, http *httpapi.Client, logger *slog.Logger) (extract.Connector, error) {
	s := cfg.Sources.HubSpot
	if s == nil || !s.IsEnabled() {
		return nil, nil
	}
	token, err := cfg.Secret("sources.hubspot.token_env", s.TokenEnv)
	if err != nil {
		return nil, err
	}
	return hubspot.New(hubspot.Config{BaseURL: s.BaseURL, Token: token, HTTP: http, Overlap: overlap(s.Source, hubspot.NoOverlap), Logger: logger})
}

func buildHarvest(cfg *config.Config, http *httpapi.Client, logger *slog.Logger) (extract.Connector, error) {
	s := cfg.Sources.Harvest
	if s == nil || !s.IsEnabled() {
		return nil, nil
	}
	token, err := cfg.Secret("sources.harvest.token_env", s.TokenEnv)
	if err != nil {
		return nil, err
	}
	account, err := cfg.Secret("sources.harvest.account_id_env", s.AccountIDEnv)
	if err != nil {
		return nil, err
	}
	return harvest.New(harvest.Config{BaseURL: s.BaseURL, Token: token, AccountID: account, HTTP: http, Overlap: overlap(s.Source, harvest.NoOverlap), Logger: logger})
}

func buildXero(cfg *config.Config, http *httpapi.Client, logger *slog.Logger) (extract.Connector, error) {
	s := cfg.Sources.Xero
	if s == nil || !s.IsEnabled() {
		return nil, nil
	}
	id, err := cfg.Secret("sources.xero.client_id_env", s.ClientIDEnv)
	if err != nil {
		return nil, err
	}
	secret, err := cfg.Secret("sources.xero.client_secret_env", s.ClientSecretEnv)
	if err != nil {
		return nil, err
	}
	tenant, err := cfg.Secret("sources.xero.tenant_id_env", s.TenantIDEnv)
	if err != nil {
		return nil, err
	}
	return xero.New(xero.Config{BaseURL: s.BaseURL, TokenURL: s.TokenURL, ClientID: id, ClientSecret: secret, TenantID: tenant, HTTP: http,
		Overlap: overlap(s.Source, xero.NoOverlap), Logger: logger})
}

func buildFiles(cfg *config.Config, _ *httpapi.Client, logger *slog.Logger) (extract.Connector, error) {
	s := cfg.Sources.Files
	if s == nil || !s.IsEnabled() {
		return nil, nil
	}
	return files.New(files.Config{Dir: cfg.Path(s.Dir), Imports: s.FileImports(), Logger: logger})
}

// overlap is a source's configured overlap as its connector takes it: a
// configured 0 is the connector's none.
func overlap(s config.Source, none time.Duration) time.Duration {
	if d := s.OverlapOrDefault(); d > 0 {
		return d
	}
	return none
}

// syncSettings are the pipeline's sync settings from the sources'
// configuration.
func syncSettings(cfg *config.Config) pipeline.SyncSettings {
	every := map[string]int{}
	src := cfg.Sources
	if src.HubSpot != nil {
		every[hubspot.Source] = src.HubSpot.DeletionCheckEveryOrDefault()
	}
	if src.Harvest != nil {
		every[harvest.Source] = src.Harvest.DeletionCheckEveryOrDefault()
	}
	if src.Xero != nil {
		every[xero.Source] = src.Xero.DeletionCheckEveryOrDefault()
	}
	return pipeline.SyncSettings{IDCheckEvery: every}
}
