package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/takt-billing/takt/extract/harvest/harvesttest"
	"github.com/takt-billing/takt/extract/hubspot/hubspottest"
	"github.com/takt-billing/takt/extract/xero/xerotest"
	"github.com/takt-billing/takt/internal/demo"
)

func newSandboxCmd(g *globals) *cobra.Command {
	var dir, host, asOfFlag string
	var port int
	var seed int64
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Serve the demo company through HubSpot, Harvest and Xero emulators",
		Long: `Serve the demo company through emulators of the HubSpot CRM v3, Harvest v2 and
Xero Accounting APIs until interrupted, for trying takt (or anything else
that speaks these APIs) without accounts. The emulators speak each vendor's
documented authentication, pagination, updated-since filters and rate
limits (an occasional 429 with Retry-After). Xero also takes the draft
invoices and credit notes that "takt billing-run export --to xero" creates,
with Idempotency-Key, as Xero does.

HubSpot listens on --port, Harvest on --port+1 and Xero (API and token
endpoint) on --port+2. The folder --dir receives the company's export files
(imports/) and a takt.yaml pointing at the emulators; in another terminal:
  takt run --config DIR/takt.yaml
with the credentials the command prints exported.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			asOf := lastDayOfPreviousMonth(time.Now().UTC())
			var err error
			if asOfFlag != "" {
				if asOf, err = parseDay("as-of", asOfFlag); err != nil {
					return err
				}
			}
			company, err := demo.Generate(demo.Options{Seed: seed, AsOf: asOf})
			if err != nil {
				return err
			}
			addr := func(offset int) string { return net.JoinHostPort(host, strconv.Itoa(port+offset)) }
			servers := []*http.Server{
				{Addr: addr(0), Handler: hubspottest.NewHandler(company.HubSpot, hubspottest.Options{Token: demoHubSpotToken, RateLimitEvery: demoRateLimitEach})},
				{Addr: addr(1), Handler: harvesttest.NewHandler(company.Harvest, harvesttest.Options{Token: demoHarvestToken, AccountID: demoHarvestAcct, RateLimitEvery: demoRateLimitEach})},
				{Addr: addr(2), Handler: xerotest.NewWritableHandler(company.Xero, xerotest.Options{ClientID: demoXeroClient, ClientSecret: demoXeroSecret,
					TenantID: demoXeroTenant, RateLimitEvery: demoRateLimitEach}, xerotest.WriteOptions{})},
			}
			listeners := make([]net.Listener, len(servers))
			for i, s := range servers {
				l, err := net.Listen("tcp", s.Addr)
				if err != nil {
					for _, prev := range listeners[:i] {
						prev.Close()
					}
					return fmt.Errorf("sandbox: listen on %s: %w (choose another --port)", s.Addr, err)
				}
				listeners[i] = l
			}
			base := func(i int) string { return "http://" + listeners[i].Addr().String() }
			cfgPath, err := writeDemoSetup(dir, company, base(0), base(1), base(2), base(2)+xerotest.TokenPath)
			if err != nil {
				return err
			}
			errs := make(chan error, len(servers))
			for i, s := range servers {
				go func() { errs <- s.Serve(listeners[i]) }()
			}
			fmt.Fprintf(g.stdout, `takt sandbox: %s (as of %s)
  HubSpot CRM v3     %s   token %s
  Harvest API v2     %s   token %s, account %s
  Xero Accounting    %s   client %s / %s, tenant %s
configuration: %s
credentials for another shell:
  export TAKT_DEMO_HUBSPOT_TOKEN=%s TAKT_DEMO_HARVEST_TOKEN=%s TAKT_DEMO_HARVEST_ACCOUNT_ID=%s
  export TAKT_DEMO_XERO_CLIENT_ID=%s TAKT_DEMO_XERO_CLIENT_SECRET=%s TAKT_DEMO_XERO_TENANT_ID=%s
press Ctrl-C to stop
`, company.Name, company.AsOf.Format(time.DateOnly),
				base(0), demoHubSpotToken, base(1), demoHarvestToken, demoHarvestAcct,
				base(2), demoXeroClient, demoXeroSecret, demoXeroTenant, cfgPath,
				demoHubSpotToken, demoHarvestToken, demoHarvestAcct, demoXeroClient, demoXeroSecret, demoXeroTenant)
			var serveErr error
			select {
			case <-cmd.Context().Done():
			case serveErr = <-errs:
			}
			shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			for _, s := range servers {
				_ = s.Shutdown(shutdown)
			}
			if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
				return serveErr
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "takt-sandbox", "folder for the export files and takt.yaml")
	cmd.Flags().StringVar(&host, "host", "127.0.0.1", "address to listen on")
	cmd.Flags().IntVar(&port, "port", 8400, "first of three ports (HubSpot, Harvest, Xero)")
	cmd.Flags().Int64Var(&seed, "seed", 1, "seed of the generated company")
	cmd.Flags().StringVar(&asOfFlag, "as-of", "", "the company's today (YYYY-MM-DD; default: the end of last month)")
	return cmd
}
