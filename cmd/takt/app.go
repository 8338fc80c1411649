package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"time"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/internal/config"
	"github.com/takt-billing/takt/internal/pipeline"
	"github.com/takt-billing/takt/internal/warehouse"
	"github.com/takt-billing/takt/transform"
)

// openWarehouse opens the configured warehouse file.
func openWarehouse(ctx context.Context, cfg *config.Config, logger *slog.Logger) (*warehouse.Warehouse, error) {
	return warehouse.Open(ctx, cfg.Path(cfg.Warehouse.Path), warehouse.Options{
		Threads:     cfg.Warehouse.Threads,
		MemoryLimit: cfg.Warehouse.MemoryLimit,
		Logger:      logger,
	})
}

// openExistingWarehouse opens the configured warehouse for the commands
// that only read it; a missing file is an error, not a new empty warehouse.
func openExistingWarehouse(ctx context.Context, cfg *config.Config, logger *slog.Logger) (*warehouse.Warehouse, error) {
	path := cfg.Path(cfg.Warehouse.Path)
	if _, err := os.Stat(path); err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("no warehouse at %s: run `takt run` (or `takt demo`) first", path)
		}
		return nil, err
	}
	return openWarehouse(ctx, cfg, logger)
}

// openForReading loads the configuration and opens its existing
// warehouse, for the commands that only read.
func (g *globals) openForReading(ctx context.Context) (*config.Config, *warehouse.Warehouse, error) {
	logger, cfg, err := g.setup()
	if err != nil {
		return nil, nil, err
	}
	wh, err := openExistingWarehouse(ctx, cfg, logger)
	if err != nil {
		return nil, nil, err
	}
	return cfg, wh, nil
}

// settings are the company values the SQL models read.
func settings(cfg *config.Config, asOf time.Time) transform.Settings {
	return transform.Settings{
		BaseCurrency:   cfg.Company.BaseCurrency,
		HomeCountry:    cfg.Company.HomeCountry,
		StandardVAT:    cfg.Company.VATRates["standard"],
		PaymentTerms:   cfg.Company.PaymentTermsDays,
		StaleAfterDays: cfg.Reconcile.StaleAfterDays,
		AsOf:           asOf,
		IdentityRules:  identityRules(cfg.Identities),
		Holidays:       cfg.KPIs.HolidayDates(),
	}
}

// identityRules flattens the pins of takt.yaml into one row per record.
func identityRules(ids config.Identities) []transform.IdentityRule {
	var out []transform.IdentityRule
	for kind, rules := range map[string][]config.IdentityRule{"customer": ids.Customers, "project": ids.Projects} {
		for i, r := range rules {
			rel, recs := "same", r.Same
			if len(r.Different) > 0 {
				rel, recs = "different", r.Different
			}
			for _, sys := range config.IdentitySystems {
				if id, ok := recs[sys]; ok {
					out = append(out, transform.IdentityRule{Kind: kind, RuleNo: i, Relation: rel, System: sys, SourceID: id, Reason: r.Reason})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.RuleNo != b.RuleNo {
			return a.RuleNo < b.RuleNo
		}
		return a.System < b.System
	})
	return out
}

// enabledConnectors builds the enabled sources. Credentials are read here,
// before the warehouse is opened, so a missing variable fails at start and
// touches nothing.
func enabledConnectors(cfg *config.Config, logger *slog.Logger) ([]extract.Connector, error) {
	conns, err := connectors(cfg, logger)
	if err != nil {
		return nil, err
	}
	if len(conns) == 0 {
		return nil, fmt.Errorf("%s: no source is enabled; enable at least one under sources", cfg.File)
	}
	return conns, nil
}

// newPipeline wires connectors to an open warehouse.
func newPipeline(ctx context.Context, cfg *config.Config, wh *warehouse.Warehouse, conns []extract.Connector, asOf time.Time, logger *slog.Logger) (*pipeline.Pipeline, error) {
	reg, err := registry()
	if err != nil {
		return nil, err
	}
	p, err := pipeline.New(ctx, wh, reg, logger)
	if err != nil {
		return nil, err
	}
	p.Sources = conns
	p.Settings = settings(cfg, asOf)
	p.Sync = syncSettings(cfg)
	p.Incidents = pipeline.IncidentSettings{Incidents: cfg.Incidents, KPITargets: cfg.KPIs.Targets}
	return p, nil
}

// today is the current day in UTC, as a date.
func today() time.Time {
	y, m, d := time.Now().UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// parseDay parses a YYYY-MM-DD flag value.
func parseDay(flag, v string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s %q: expected a date like 2026-03-31", flag, v)
	}
	return t, nil
}

// parseMonth parses a YYYY-MM flag value into the month's first day.
func parseMonth(flag, v string) (time.Time, error) {
	t, err := time.Parse("2006-01", v)
	if err != nil {
		return time.Time{}, fmt.Errorf("--%s %q: expected a month like 2026-03", flag, v)
	}
	return t, nil
}
