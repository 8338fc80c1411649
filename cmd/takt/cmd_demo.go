package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/takt-billing/takt/extract/harvest/harvesttest"
	"github.com/takt-billing/takt/extract/hubspot/hubspottest"
	"github.com/takt-billing/takt/extract/xero/xerotest"
	"github.com/takt-billing/takt/internal/atomicfile"
	"github.com/takt-billing/takt/internal/config"
	"github.com/takt-billing/takt/internal/demo"
	"github.com/takt-billing/takt/internal/money"
	"github.com/takt-billing/takt/internal/pipeline"
	"github.com/takt-billing/takt/internal/warehouse"
	"github.com/takt-billing/takt/reconcile"
	"github.com/takt-billing/takt/reports"
)

// Credentials of the demo's emulated accounts. They are not secrets: the
// emulators run on 127.0.0.1 for the duration of the command.
const (
	demoHubSpotToken  = "demo-hubspot-private-app-token"
	demoHarvestToken  = "demo-harvest-personal-access-token"
	demoHarvestAcct   = "1121001"
	demoXeroClient    = "DEMOCLIENTID0000000000000000000"
	demoXeroSecret    = "demo-xero-client-secret"
	demoXeroTenant    = "2d4a1a3c-7f1e-4a53-9b8e-6b5f3a1d0c42"
	demoRateLimitEach = 40
)

func newDemoCmd(g *globals) *cobra.Command {
	var dir, asOfFlag string
	var seed int64
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole chain on a generated demo company",
		Long: `Generate a demo services firm (about 40 customers, 120 projects, 30 people,
18 months of time entries, invoices, payments and dunning, with a few
billing defects planted on purpose), serve it through emulators of the
HubSpot, Harvest and Xero APIs on 127.0.0.1, and run takt against them
over HTTP exactly as against the real systems: extract, load, transform,
reconcile, report.

Everything lands in --dir: the warehouse (takt.duckdb), the configuration
the run used (takt.yaml), the imported files (imports/) and the reports
(reports/). The warehouse is rebuilt on every demo run. Afterwards try
  takt unbilled   --config DIR/takt.yaml
  takt exceptions --config DIR/takt.yaml
  takt kpi        --config DIR/takt.yaml --month YYYY-MM`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkFormat(); err != nil {
				return err
			}
			logger, err := g.logger()
			if err != nil {
				return err
			}
			asOf := lastDayOfPreviousMonth(time.Now().UTC())
			if asOfFlag != "" {
				if asOf, err = parseDay("as-of", asOfFlag); err != nil {
					return err
				}
			}
			return runDemo(cmd.Context(), g, logger, dir, seed, asOf)
		},
	}
	addFormatFlag(cmd, g)
	cmd.Flags().StringVar(&dir, "dir", "takt-demo", "folder for the warehouse, configuration, imports and reports")
	cmd.Flags().Int64Var(&seed, "seed", 1, "seed of the generated company: the same seed gives the same company")
	cmd.Flags().StringVar(&asOfFlag, "as-of", "", "the demo's today (YYYY-MM-DD, the last day of a month; default: the end of last month)")
	return cmd
}

func lastDayOfPreviousMonth(now time.Time) time.Time {
	return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
}

// demoSystems are the running emulators of one demo company.
type demoSystems struct {
	hubspot *hubspottest.Server
	harvest *harvesttest.Server
	xero    *xerotest.Server
}

func (s demoSystems) Close() {
	s.hubspot.Close()
	s.harvest.Close()
	s.xero.Close()
}

func startDemoSystems(c *demo.Company, rateLimitEvery int) demoSystems {
	return demoSystems{
		hubspot: hubspottest.NewServer(c.HubSpot, hubspottest.Options{Token: demoHubSpotToken, RateLimitEvery: rateLimitEvery}),
		harvest: harvesttest.NewServer(c.Harvest, harvesttest.Options{Token: demoHarvestToken, AccountID: demoHarvestAcct, RateLimitEvery: rateLimitEvery}),
		xero: xerotest.NewServer(c.Xero, xerotest.Options{ClientID: demoXeroClient, ClientSecret: demoXeroSecret,
			TenantID: demoXeroTenant, RateLimitEvery: rateLimitEvery}),
	}
}

// writeDemoSetup writes the company's export files into dir/imports and a
// configuration pointing at the given API addresses into dir/takt.yaml,
// and exports the demo credentials into this process's environment.
func writeDemoSetup(dir string, c *demo.Company, hubspotURL, harvestURL, xeroURL, xeroTokenURL string) (string, error) {
	imports := filepath.Join(dir, "imports")
	if err := os.MkdirAll(imports, 0o755); err != nil {
		return "", err
	}
	names := make([]string, 0, len(c.Files))
	for n := range c.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := atomicfile.WriteFile(filepath.Join(imports, n), c.Files[n]); err != nil {
			return "", err
		}
	}
	for k, v := range map[string]string{
		"TAKT_DEMO_HUBSPOT_TOKEN":      demoHubSpotToken,
		"TAKT_DEMO_HARVEST_TOKEN":      demoHarvestToken,
		"TAKT_DEMO_HARVEST_ACCOUNT_ID": demoHarvestAcct,
		"TAKT_DEMO_XERO_CLIENT_ID":     demoXeroClient,
		"TAKT_DEMO_XERO_CLIENT_SECRET": demoXeroSecret,
		"TAKT_DEMO_XERO_TENANT_ID":     demoXeroTenant,
	} {
		if err := os.Setenv(k, v); err != nil {
			return "", err
		}
	}
	cfgPath := filepath.Join(dir, "takt.yaml")
	text := fmt.Sprintf(`# Configuration of the takt demo company %q.
# The sources point at emulators that ran on 127.0.0.1 during "takt demo";
# the commands that only read the warehouse (unbilled, exceptions, kpi,
# report) work with this file afterwards.
company:
  name: %q
  base_currency: %s
  home_country: %s
  vat_rates:
    standard: "19"
    reduced: "7"
  payment_terms_days: 30
warehouse:
  path: takt.duckdb
  threads: 2
  memory_limit: 2GB
reports:
  dir: reports
  lang: en
billing:
  seller_vat_id: DE811111111
  skonto:
    percent: "2"
    days: 10
kpis:
  targets:
    dso_days: {value: "35", owner_role: Head of Receivables}
    time_to_invoice_median_days: {value: "20", owner_role: Head of Delivery}
    correction_rate: {value: "0.02", owner_role: Billing Lead}
    dunning_rate: {value: "0.15", owner_role: Controller}
sources:
  hubspot:
    base_url: %s
    token_env: TAKT_DEMO_HUBSPOT_TOKEN
  harvest:
    base_url: %s
    token_env: TAKT_DEMO_HARVEST_TOKEN
    account_id_env: TAKT_DEMO_HARVEST_ACCOUNT_ID
  xero:
    base_url: %s
    token_url: %s
    client_id_env: TAKT_DEMO_XERO_CLIENT_ID
    client_secret_env: TAKT_DEMO_XERO_CLIENT_SECRET
    tenant_id_env: TAKT_DEMO_XERO_TENANT_ID
  files:
    dir: imports
`, c.Name, c.Name, c.BaseCurrency, c.HomeCountry, hubspotURL, harvestURL, xeroURL, xeroTokenURL)
	if err := atomicfile.WriteFile(cfgPath, []byte(text)); err != nil {
		return "", err
	}
	return cfgPath, nil
}

func runDemo(ctx context.Context, g *globals, logger *slog.Logger, dir string, seed int64, asOf time.Time) error {
	start := time.Now()
	// The demo replaces the warehouse and files in dir: not while a takt
	// serve owns them.
	if err := warehouse.CheckFree(filepath.Join(dir, "takt.duckdb")); err != nil {
		return err
	}
	company, err := demo.Generate(demo.Options{Seed: seed, AsOf: asOf})
	if err != nil {
		return err
	}
	sys := startDemoSystems(company, demoRateLimitEach)
	defer sys.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cfgPath, err := writeDemoSetup(dir, company, sys.hubspot.URL, sys.harvest.URL, sys.xero.URL, sys.xero.TokenURL())
	if err != nil {
		return err
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return err
	}
	conns, err := enabledConnectors(cfg, logger)
	if err != nil {
		return err
	}
	// The demo warehouse is rebuilt from scratch each time.
	whPath := cfg.Path(cfg.Warehouse.Path)
	for _, p := range []string{whPath, whPath + ".wal"} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	wh, err := openWarehouse(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer wh.Close()
	p, err := newPipeline(ctx, cfg, wh, conns, company.AsOf, logger)
	if err != nil {
		return err
	}
	res, err := runWithProgress(ctx, g, p, "demo")
	if err != nil {
		return err
	}
	if res.Err != nil {
		return fmt.Errorf("demo run %d %s: %w", res.RunID, res.Status, res.Err)
	}
	month := time.Date(company.AsOf.Year(), company.AsOf.Month(), 1, 0, 0, 0, 0, time.UTC)
	paths, err := writeReports(ctx, wh.DB, cfg, month, company.AsOf, cfg.Reports.Lang, cfg.Path(cfg.Reports.Dir))
	if err != nil {
		return err
	}
	sum, err := summarize(ctx, wh, res, company, month)
	if err != nil {
		return err
	}
	sum.Warehouse = whPath
	sum.Config = cfgPath
	sum.Reports = paths
	sum.Seconds = time.Since(start).Seconds()
	if g.format == "json" {
		return writeJSON(g, sum)
	}
	return sum.print(g.stdout)
}

type demoSummary struct {
	Company    string            `json:"company"`
	AsOf       string            `json:"as_of"`
	RunID      int64             `json:"run_id"`
	Status     string            `json:"status"`
	Seconds    float64           `json:"seconds"`
	Streams    []streamJSON      `json:"streams"`
	Unbilled   map[string]string `json:"unbilled_by_currency"`
	Items      int               `json:"unbilled_items"`
	Exceptions map[string]int    `json:"exceptions_by_kind"`
	KPI        kpiJSON           `json:"kpi"`
	Warehouse  string            `json:"warehouse"`
	Config     string            `json:"config"`
	Reports    []string          `json:"reports"`
}

func summarize(ctx context.Context, wh *warehouse.Warehouse, res *pipeline.Result, c *demo.Company, month time.Time) (*demoSummary, error) {
	sum := &demoSummary{
		Company: c.Name, AsOf: c.AsOf.Format(time.DateOnly), RunID: res.RunID, Status: res.Status,
		Unbilled: map[string]string{}, Exceptions: map[string]int{},
	}
	for _, st := range res.Streams {
		sum.Streams = append(sum.Streams, streamJSON{Source: st.Source, Stream: st.Stream, Status: st.Status, Rows: st.Rows, Pages: st.Pages})
	}
	items, err := reconcile.Unbilled(ctx, wh.DB, c.AsOf)
	if err != nil {
		return nil, err
	}
	sums := newCurrencySums()
	for _, it := range items {
		sums.add(it.Currency, it.Amount)
	}
	for cur, v := range sums {
		sum.Unbilled[cur] = money.Fixed(v, 2)
	}
	sum.Items = len(items)
	exc, err := reconcile.Exceptions(ctx, wh.DB)
	if err != nil {
		return nil, err
	}
	for _, e := range exc {
		sum.Exceptions[e.Kind]++
	}
	kpis, err := reports.LoadKPIs(ctx, wh.DB, month)
	if err != nil {
		return nil, err
	}
	if len(kpis) > 0 {
		sum.KPI = kpiToJSON(c.BaseCurrency, kpis[len(kpis)-1])
	}
	return sum, nil
}

func (s *demoSummary) print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "takt demo: %s, as of %s (run %d %s, %.1fs)\n\n", s.Company, s.AsOf, s.RunID, s.Status, s.Seconds)
	fmt.Fprintln(tw, "SOURCE\tSTREAM\tROWS\tPAGES")
	for _, st := range s.Streams {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", st.Source, st.Stream, st.Rows, st.Pages)
	}
	fmt.Fprintln(tw)
	cur := make([]string, 0, len(s.Unbilled))
	for k, v := range s.Unbilled {
		cur = append(cur, v+" "+k)
	}
	sort.Strings(cur)
	fmt.Fprintf(tw, "Unbilled work\t%d items\t%s\n", s.Items, strings.Join(cur, ", "))
	kinds := make([]string, 0, len(s.Exceptions))
	for k := range s.Exceptions {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(tw, "Exceptions\t%s\t%d\n", k, s.Exceptions[k])
	}
	k := s.KPI
	fixed := func(n *json.Number, scale int64, places int32) string {
		if n == nil {
			return "n/a"
		}
		d, err := decimal.NewFromString(string(*n))
		if err != nil {
			return string(*n)
		}
		return d.Mul(decimal.NewFromInt(scale)).StringFixed(places)
	}
	fmt.Fprintf(tw, "KPIs %s\tDSO %s days\tDSO 3 months %s days\tdunning rate %s %%\n", k.Month,
		fixed(k.DSODays, 1, 2), fixed(k.DSO3mDays, 1, 2), fixed(k.DunningRate, 100, 1))
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "Warehouse\t%s\n", s.Warehouse)
	fmt.Fprintf(tw, "Configuration\t%s\n", s.Config)
	for _, r := range s.Reports {
		fmt.Fprintf(tw, "Report\t%s\n", r)
	}
	return tw.Flush()
}
