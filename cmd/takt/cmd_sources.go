package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
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
			logger, err := g.logger()
			if err != nil {
				return err
			}
			cfg, err := config.Load(g.config)
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
	checks := map[string]func(context.Context, *config.Config, *httpapi.Client) (string, error){
		hubspot.Source: checkHubSpot,
		harvest.Source: checkHarvest,
		xero.Source:    checkXero,
		files.Source:   checkFiles,
	}
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
		fn := checks[s.name]
		if fn == nil {
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
				what, err = fn(ctx, cfg, hc)
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

// getJSON sends an authenticated GET and checks that the answer is JSON.
func getJSON(ctx context.Context, hc *httpapi.Client, u string, header http.Header) error {
	resp, err := hc.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		for k, v := range header {
			req.Header[k] = v
		}
		req.Header.Set("Accept", "application/json")
		return req, nil
	})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var v json.RawMessage
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&v); err != nil {
		return fmt.Errorf("GET %s: the answer is not JSON: %w", u, err)
	}
	return nil
}

func checkHubSpot(ctx context.Context, cfg *config.Config, hc *httpapi.Client) (string, error) {
	s := cfg.Sources.HubSpot
	u := strings.TrimRight(s.BaseURL, "/") + "/crm/v3/objects/companies?limit=1"
	what := "GET " + u
	token, err := cfg.Secret("sources.hubspot.token_env", s.TokenEnv)
	if err != nil {
		return what, err
	}
	err = getJSON(ctx, hc, u, http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		return what, explain(hubspot.Source, "the private app token in "+s.TokenEnv, err)
	}
	return what, nil
}

func checkHarvest(ctx context.Context, cfg *config.Config, hc *httpapi.Client) (string, error) {
	s := cfg.Sources.Harvest
	u := strings.TrimRight(s.BaseURL, "/") + "/v2/clients?per_page=1"
	what := "GET " + u
	token, err := cfg.Secret("sources.harvest.token_env", s.TokenEnv)
	if err != nil {
		return what, err
	}
	account, err := cfg.Secret("sources.harvest.account_id_env", s.AccountIDEnv)
	if err != nil {
		return what, err
	}
	err = getJSON(ctx, hc, u, http.Header{
		"Authorization":      {"Bearer " + token},
		"Harvest-Account-Id": {account},
		"User-Agent":         {harvest.DefaultUserAgent},
	})
	if err != nil {
		return what, explain(harvest.Source, "the personal access token in "+s.TokenEnv+" and the account id in "+s.AccountIDEnv, err)
	}
	return what, nil
}

func checkXero(ctx context.Context, cfg *config.Config, hc *httpapi.Client) (string, error) {
	s := cfg.Sources.Xero
	u := strings.TrimRight(s.BaseURL, "/") + "/api.xro/2.0/Contacts?page=1&pageSize=1"
	what := "POST " + s.TokenURL + ", GET " + u
	id, err := cfg.Secret("sources.xero.client_id_env", s.ClientIDEnv)
	if err != nil {
		return what, err
	}
	secret, err := cfg.Secret("sources.xero.client_secret_env", s.ClientSecretEnv)
	if err != nil {
		return what, err
	}
	tenant, err := cfg.Secret("sources.xero.tenant_id_env", s.TenantIDEnv)
	if err != nil {
		return what, err
	}
	form := url.Values{"grant_type": {"client_credentials"}}.Encode()
	resp, err := hc.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.TokenURL, strings.NewReader(form))
		if err != nil {
			return nil, err
		}
		req.SetBasicAuth(id, secret)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		return req, nil
	})
	var se *httpapi.StatusError
	if errors.As(err, &se) && se.Status == http.StatusBadRequest && strings.Contains(se.Body, "invalid_client") {
		return what, fmt.Errorf("xero: access token: the client id or secret was refused (invalid_client): check %s and %s of the custom connection: %w", s.ClientIDEnv, s.ClientSecretEnv, err)
	}
	if err != nil {
		return what, explain("xero: access token", s.ClientIDEnv+" and "+s.ClientSecretEnv, err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		return what, fmt.Errorf("xero: access token: %s answered without an access token (%v): check token_url in the configuration", s.TokenURL, err)
	}
	err = getJSON(ctx, hc, u, http.Header{"Authorization": {"Bearer " + tok.AccessToken}, "Xero-Tenant-Id": {tenant}})
	if err != nil {
		return what, explain(xero.Source, "the tenant id in "+s.TenantIDEnv+" and the scopes of the custom connection", err)
	}
	return what, nil
}

func checkFiles(_ context.Context, cfg *config.Config, _ *httpapi.Client) (string, error) {
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
