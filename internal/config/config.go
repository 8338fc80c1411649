// Package config reads takt.yaml: the company's settings, the warehouse,
// the reports and each source's address, schedule and the names of the
// environment variables that hold its credentials. A wrong file fails at
// start with the file, the line, the key and what is expected.
package config

import (
	_ "embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/robfig/cron/v3"
	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"

	"github.com/takt-billing/takt/internal/money"
)

//go:embed example.yaml
var example []byte

// Example returns the commented example configuration `takt init` writes.
func Example() []byte { return append([]byte(nil), example...) }

// Config is takt.yaml.
type Config struct {
	Company   Company   `yaml:"company"`
	Warehouse Warehouse `yaml:"warehouse"`
	Reports   Reports   `yaml:"reports"`
	Reconcile Reconcile `yaml:"reconcile"`
	Billing   Billing   `yaml:"billing"`
	KPIs      KPIs      `yaml:"kpis"`
	Incidents Incidents `yaml:"incidents"`
	// Identities pins cross-system matches by hand (identities.go).
	Identities Identities `yaml:"identities"`
	Sources    Sources    `yaml:"sources"`
	// Service configures `takt serve` (service.go).
	Service Service `yaml:"service"`

	// File is the path the configuration was read from; relative paths in
	// it are resolved against its directory.
	File string `yaml:"-"`
}

// Company holds the firm's own settings.
type Company struct {
	Name             string            `yaml:"name"`
	BaseCurrency     string            `yaml:"base_currency"`
	HomeCountry      string            `yaml:"home_country"`
	VATRates         map[string]string `yaml:"vat_rates"`
	PaymentTermsDays int               `yaml:"payment_terms_days"`
}

// Warehouse locates the DuckDB file and sets its limits.
type Warehouse struct {
	Path        string `yaml:"path"`
	Threads     int    `yaml:"threads"`
	MemoryLimit string `yaml:"memory_limit"`
}

// Reports says where and in which language reports are written.
type Reports struct {
	Dir  string `yaml:"dir"`
	Lang string `yaml:"lang"`
}

// Reconcile tunes the reconciliation.
type Reconcile struct {
	StaleAfterDays int `yaml:"stale_after_days"`
}

// Sources configures each source system; a source that is absent or has
// enabled: false is not extracted.
type Sources struct {
	HubSpot *HubSpot `yaml:"hubspot"`
	Harvest *Harvest `yaml:"harvest"`
	Xero    *Xero    `yaml:"xero"`
	Files   *Files   `yaml:"files"`
}

// Source holds what every source has.
type Source struct {
	Enabled  *bool  `yaml:"enabled"`
	BaseURL  string `yaml:"base_url"`
	Schedule string `yaml:"schedule"`
	// RateLimit overrides the vendor's documented limits (service.go).
	RateLimit *RateLimit `yaml:"rate_limit"`
	// FullRefreshSchedule is when `takt serve` reads the source from
	// scratch (cron, UTC), e.g. nightly; empty means never (service.go).
	FullRefreshSchedule string `yaml:"full_refresh_schedule"`
	// Sync tunes incremental reads and deletion checks (sync.go).
	Sync *Sync `yaml:"sync"`
}

// IsEnabled reports whether the source runs; enabled defaults to true.
func (s Source) IsEnabled() bool { return s.Enabled == nil || *s.Enabled }

// HubSpot is the CRM source.
type HubSpot struct {
	Source   `yaml:",inline"`
	TokenEnv string `yaml:"token_env"`
}

// Harvest is the time-tracking source.
type Harvest struct {
	Source       `yaml:",inline"`
	TokenEnv     string `yaml:"token_env"`
	AccountIDEnv string `yaml:"account_id_env"`
}

// Xero is the accounting source.
type Xero struct {
	Source          `yaml:",inline"`
	TokenURL        string `yaml:"token_url"`
	ClientIDEnv     string `yaml:"client_id_env"`
	ClientSecretEnv string `yaml:"client_secret_env"`
	TenantIDEnv     string `yaml:"tenant_id_env"`
}

// Files is the imports folder.
type Files struct {
	Source `yaml:",inline"`
	Dir    string `yaml:"dir"`
	// Imports map export files to streams (files_imports.go).
	Imports []FileImport `yaml:"imports"`
}

// Vendor API addresses used when base_url is not set.
const (
	DefaultHubSpotURL   = "https://api.hubapi.com"
	DefaultHarvestURL   = "https://api.harvestapp.com"
	DefaultXeroURL      = "https://api.xero.com"
	DefaultXeroTokenURL = "https://identity.xero.com/connect/token"
)

// Error is a configuration error: where and what.
type Error struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Key == "" {
		return fmt.Sprintf("%s: %s", loc, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", loc, e.Key, e.Msg)
}

// Load reads and validates a configuration file.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w (create one with `takt init`)", err)
	}
	return Parse(path, b)
}

// Parse validates configuration text; path is used in messages and to
// resolve relative paths.
func Parse(path string, b []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, &Error{File: path, Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if len(root.Content) == 0 {
		return nil, &Error{File: path, Msg: "the file is empty; start from `takt init`"}
	}
	cfg := &Config{File: path}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) && len(te.Errors) > 0 {
			return nil, &Error{File: path, Msg: strings.Join(te.Errors, "; ")}
		}
		return nil, &Error{File: path, Msg: err.Error()}
	}
	cfg.File = path
	v := validator{file: path, root: root.Content[0]}
	v.check(cfg)
	if len(v.errs) > 0 {
		return nil, errors.Join(v.errs...)
	}
	return cfg, nil
}

type validator struct {
	file string
	root *yaml.Node
	errs []error
}

func (v *validator) fail(key, format string, args ...any) {
	v.errs = append(v.errs, &Error{File: v.file, Line: v.line(key), Key: key, Msg: fmt.Sprintf(format, args...)})
}

// line finds the line of a dotted key, or of its closest existing parent.
// A part indexes a list either on its own ("customers.0") or in brackets
// ("imports[2]").
func (v *validator) line(key string) int {
	n := v.root
	line := 0
	// into steps from n into the list item i, if there is one.
	into := func(i int) bool {
		if n == nil || n.Kind != yaml.SequenceNode || i < 0 || i >= len(n.Content) {
			return false
		}
		n = n.Content[i]
		line = n.Line
		return true
	}
	for _, part := range strings.Split(key, ".") {
		if n != nil && n.Kind == yaml.SequenceNode {
			i, err := strconv.Atoi(part)
			if err != nil || !into(i) {
				break
			}
			continue
		}
		name, index := part, -1
		if open := strings.IndexByte(part, '['); open >= 0 && strings.HasSuffix(part, "]") {
			if i, err := strconv.Atoi(part[open+1 : len(part)-1]); err == nil {
				name, index = part[:open], i
			}
		}
		if n == nil || n.Kind != yaml.MappingNode {
			break
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == name {
				line = n.Content[i].Line
				next = n.Content[i+1]
				break
			}
		}
		n = next
		if index >= 0 && !into(index) {
			break
		}
	}
	return line
}

var (
	currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)
	countryRe  = regexp.MustCompile(`^[A-Z]{2}$`)
	envRe      = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)
	sizeRe     = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$`)
)

func (v *validator) check(c *Config) {
	co := &c.Company
	if strings.TrimSpace(co.Name) == "" {
		v.fail("company.name", "missing; expected the firm's legal name")
	}
	if !currencyRe.MatchString(co.BaseCurrency) {
		v.fail("company.base_currency", "%q is not a currency code; expected ISO 4217 like EUR", co.BaseCurrency)
	}
	if !countryRe.MatchString(co.HomeCountry) {
		v.fail("company.home_country", "%q is not a country code; expected ISO 3166 alpha-2 like DE", co.HomeCountry)
	}
	if _, ok := co.VATRates["standard"]; !ok {
		v.fail("company.vat_rates", "missing the rate named standard; expected e.g. standard: \"19\"")
	}
	for name, r := range co.VATRates {
		d, err := money.Parse(r)
		if err != nil || d.IsNegative() || d.GreaterThan(decimal.NewFromInt(100)) {
			v.fail("company.vat_rates."+name, "%q is not a percentage; expected a number between 0 and 100 like \"19\"", r)
		}
	}
	if co.PaymentTermsDays == 0 {
		co.PaymentTermsDays = 30
	}
	if co.PaymentTermsDays < 0 || co.PaymentTermsDays > 365 {
		v.fail("company.payment_terms_days", "%d is out of range; expected days between 0 and 365", co.PaymentTermsDays)
	}

	w := &c.Warehouse
	if w.Path == "" {
		w.Path = "takt.duckdb"
	}
	if w.Threads == 0 {
		w.Threads = 2
	}
	if w.Threads < 1 || w.Threads > 256 {
		v.fail("warehouse.threads", "%d is out of range; expected 1 to 256", w.Threads)
	}
	if w.MemoryLimit == "" {
		w.MemoryLimit = "2GB"
	}
	if !sizeRe.MatchString(w.MemoryLimit) {
		v.fail("warehouse.memory_limit", "%q is not a size; expected e.g. 2GB or 512MB", w.MemoryLimit)
	}

	if c.Reports.Dir == "" {
		c.Reports.Dir = "reports"
	}
	if c.Reports.Lang == "" {
		c.Reports.Lang = "en"
	}
	if c.Reports.Lang != "en" && c.Reports.Lang != "de" {
		v.fail("reports.lang", "%q is not supported; expected de or en", c.Reports.Lang)
	}
	if c.Reconcile.StaleAfterDays == 0 {
		c.Reconcile.StaleAfterDays = 60
	}
	if c.Reconcile.StaleAfterDays < 1 {
		v.fail("reconcile.stale_after_days", "%d is out of range; expected a number of days above 0", c.Reconcile.StaleAfterDays)
	}

	v.checkBilling(&c.Billing)
	v.checkKPIs(&c.KPIs)
	v.checkIncidents(&c.Incidents)
	v.checkIdentities(&c.Identities)
	v.checkService(c)

	s := &c.Sources
	if s.HubSpot == nil && s.Harvest == nil && s.Xero == nil && s.Files == nil {
		v.fail("sources", "no source configured; expected at least one of hubspot, harvest, xero, files")
	}
	if h := s.HubSpot; h != nil {
		v.source("sources.hubspot", &h.Source, DefaultHubSpotURL)
		v.env("sources.hubspot.token_env", h.TokenEnv)
	}
	if h := s.Harvest; h != nil {
		v.source("sources.harvest", &h.Source, DefaultHarvestURL)
		v.env("sources.harvest.token_env", h.TokenEnv)
		v.env("sources.harvest.account_id_env", h.AccountIDEnv)
	}
	if x := s.Xero; x != nil {
		v.source("sources.xero", &x.Source, DefaultXeroURL)
		if x.TokenURL == "" {
			x.TokenURL = DefaultXeroTokenURL
		}
		v.url("sources.xero.token_url", x.TokenURL)
		v.env("sources.xero.client_id_env", x.ClientIDEnv)
		v.env("sources.xero.client_secret_env", x.ClientSecretEnv)
		v.env("sources.xero.tenant_id_env", x.TenantIDEnv)
	}
	if f := s.Files; f != nil {
		v.schedule("sources.files.schedule", f.Schedule)
		if f.BaseURL != "" {
			v.fail("sources.files.base_url", "files are read from dir, not a URL; remove base_url")
		}
		if f.Dir == "" {
			v.fail("sources.files.dir", "missing; expected the folder export files are dropped into")
		}
		v.checkFileImports(f.Imports)
	}
}

func (v *validator) source(key string, s *Source, defaultURL string) {
	if s.BaseURL == "" {
		s.BaseURL = defaultURL
	}
	v.url(key+".base_url", s.BaseURL)
	v.schedule(key+".schedule", s.Schedule)
	v.rateLimit(key+".rate_limit", s.RateLimit)
	v.sync(key+".sync", s.Sync)
}

func (v *validator) url(key, raw string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		v.fail(key, "%q is not an http(s) URL; expected e.g. https://api.example.com", raw)
	}
}

func (v *validator) env(key, name string) {
	if name == "" {
		v.fail(key, "missing; expected the name of the environment variable that holds the secret")
		return
	}
	if !envRe.MatchString(name) {
		v.fail(key, "%q is not an environment variable name; expected e.g. TAKT_HARVEST_TOKEN (put the secret in the environment, never in this file)", name)
	}
}

func (v *validator) schedule(key, expr string) {
	if expr == "" {
		return
	}
	if _, err := cron.ParseStandard(expr); err != nil {
		v.fail(key, "%q is not a cron schedule (%v); expected five fields like \"15 * * * *\"", expr, err)
	}
}

// Path resolves a path from the file against the file's directory.
func (c *Config) Path(p string) string {
	if p == "" || filepath.IsAbs(p) || c.File == "" {
		return p
	}
	return filepath.Join(filepath.Dir(c.File), p)
}

// Secret reads the environment variable a config key names. The error
// names the key and the variable, never a value.
func (c *Config) Secret(key, envName string) (string, error) {
	val, ok := os.LookupEnv(envName)
	if !ok || strings.TrimSpace(val) == "" {
		return "", &Error{File: c.File, Key: key, Msg: fmt.Sprintf("environment variable %s is not set; export it with the credential before running takt", envName)}
	}
	return val, nil
}
