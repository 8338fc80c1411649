package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/takt-billing/takt/extract/files"
	"github.com/takt-billing/takt/extract/harvest"
	"github.com/takt-billing/takt/extract/httpapi"
	"github.com/takt-billing/takt/extract/hubspot"
	"github.com/takt-billing/takt/extract/xero"
	"github.com/takt-billing/takt/internal/config"
)

func newSourcesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sources",
		Short: "Check the configured sources",
		Args:  cobra.NoArgs,
	}
	check := &cobra.Command{
		Use:   "check",
		Short: "Test the credentials and reachability of each configured source",
		Long: `Test each enabled source without loading anything: one cheap authenticated
request per API (HubSpot: one company; Harvest: one client; Xero: an access
token, then one contact), and for the files source that its folder can be
read. Each result says what was tried, how long it took and, on failure,
what to fix.

Exit status: 0 when every enabled source answered; 2 when one or more did
not; 1 when the configuration itself is wrong.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkFormat(); err != nil {
				return err
			}
			logger, cfg, err := g.setup()
			if err != nil {
				return err
			}
			results := checkSources(cmd.Context(), cfg, logger)
			if len(results) == 0 {
				return fmt.Errorf("%s: no source is enabled; enable at least one under sources", cfg.File)
			}
			if g.format == "json" {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false) // the URLs checked keep their &
				if err := enc.Encode(results); err != nil {
					return err
				}
			} else if err := printChecks(g.stdout, results); err != nil {
				return err
			}
			for _, r := range results {
				if r.Status != "ok" {
					return exitError{code: 2}
				}
			}
			return nil
		},
	}
	addFormatFlag(check, g)
	cmd.AddCommand(check)
	return cmd
}

// sourceCheck is one source's result; `takt sources check --format json`
// prints an array of them.
type sourceCheck struct {
	Source string `json:"source"`
	// Status is ok or failed.
	Status string `json:"status"`
	// Check says what was tried, e.g. "GET https://api.harvestapp.com/v2/clients?per_page=1".
	Check   string  `json:"check"`
	Seconds float64 `json:"seconds"`
	// Error says what went wrong and what to fix; null when ok.
	Error *string `json:"error"`
}

// checkSources checks every enabled source at once and returns the results
// in the order of the source table.
func checkSources(ctx context.Context, cfg *config.Config, logger *slog.Logger) []sourceCheck {
	var (
		wg  sync.WaitGroup
		out []sourceCheck
		mu  sync.Mutex
	)
	for _, s := range sourceTable {
		src := sourceSettings(cfg, s.name)
		if src == nil || !src.IsEnabled() {
			continue
		}
		mu.Lock()
		out = append(out, sourceCheck{Source: s.name})
		slot := len(out) - 1
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := logger.With("source", s.name)
			hc := httpapi.New(l)
			// A check answers within seconds or says why not: two tries,
			// short waits, the source's rate limits.
			hc.HTTP.Timeout = 15 * time.Second
			hc.MaxAttempts = 2
			hc.MaxDelay = 2 * time.Second
			lim, err := limiterFor(s.name, cfg)
			start := time.Now()
			what := ""
			if err == nil {
				hc.Limiter = lim
				what, err = checkSource(ctx, cfg, s, hc, l)
			}
			r := sourceCheck{Source: s.name, Status: "ok", Check: what, Seconds: time.Since(start).Round(time.Millisecond).Seconds()}
			if err != nil {
				msg := err.Error()
				r.Status, r.Error = "failed", &msg
			}
			mu.Lock()
			out[slot] = r
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

func printChecks(w io.Writer, results []sourceCheck) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tSTATUS\tSECONDS\tCHECK")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%s\n", r.Source, r.Status, r.Seconds, r.Check)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range results {
		if r.Error != nil {
			fmt.Fprintf(w, "\n%s: %s\n", r.Source, *r.Error)
		}
	}
	return nil
}

// explain turns a failed request into what to fix.
func explain(source, envNames string, err error) error {
	var se *httpapi.StatusError
	switch {
	case errors.As(err, &se) && (se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden):
		return fmt.Errorf("%s: the credentials were refused (HTTP %d): check %s and the permissions (scopes) they were granted: %w", source, se.Status, envNames, err)
	case errors.Is(err, httpapi.ErrUnreachable):
		return fmt.Errorf("%s: no answer: check the address in the configuration and the network: %w", source, err)
	}
	return fmt.Errorf("%s: %w", source, err)
}

// checkSource tests one enabled source: the files source by reading its
// folder, each API through its own connector (the same client, token
// handling and paging an extraction uses), explaining a failure by the
// settings to fix.
func checkSource(ctx context.Context, cfg *config.Config, s sourceDef, hc *httpapi.Client, logger *slog.Logger) (string, error) {
	if s.name == files.Source {
		return checkFiles(cfg)
	}
	conn, err := s.build(cfg, hc, logger)
	if err != nil {
		return "read the credentials named in " + cfg.File, err
	}
	c, ok := conn.(interface {
		Check(context.Context) (string, error)
	})
	if !ok {
		return "", fmt.Errorf("%s: the connector cannot be checked", s.name)
	}
	what, err := c.Check(ctx)
	if err == nil {
		return what, nil
	}
	switch s.name {
	case hubspot.Source:
		return what, explain(s.name, "the private app token in "+cfg.Sources.HubSpot.TokenEnv, err)
	case harvest.Source:
		h := cfg.Sources.Harvest
		return what, explain(s.name, "the personal access token in "+h.TokenEnv+" and the account id in "+h.AccountIDEnv, err)
	case xero.Source:
		x := cfg.Sources.Xero
		var te *xero.TokenError
		switch {
		case errors.As(err, &te) && te.RefusedClient:
			return what, fmt.Errorf("xero: access token: the client id or secret was refused: check %s and %s of the custom connection: %w", x.ClientIDEnv, x.ClientSecretEnv, te.Err)
		case errors.As(err, &te):
			return what, explain("xero: access token", x.ClientIDEnv+" and "+x.ClientSecretEnv, te.Err)
		}
		return what, explain(s.name, "the tenant id in "+x.TenantIDEnv+" and the scopes of the custom connection", err)
	}
	return what, fmt.Errorf("%s: %w", s.name, err)
}

func checkFiles(cfg *config.Config) (string, error) {
	dir := cfg.Path(cfg.Sources.Files.Dir)
	what := "read folder " + dir
	entries, err := os.ReadDir(dir)
	if err != nil {
		return what, fmt.Errorf("files: the imports folder cannot be read: %w: create it, or set sources.files.dir to the folder the export files are dropped into", err)
	}
	n := 0
	for _, e := range entries {
		if e.Type().IsRegular() {
			n++
		}
	}
	return fmt.Sprintf("%s (%d files)", what, n), nil
}
