package demo

import (
	"errors"
	"fmt"
	"time"

	"github.com/takt-billing/takt/extract/harvest/harvesttest"
	"github.com/takt-billing/takt/extract/hubspot/hubspottest"
	"github.com/takt-billing/takt/extract/xero/xerotest"
)

// The firm itself.
const (
	CompanyName  = "Nordlicht Consulting GmbH"
	BaseCurrency = "EUR"
	HomeCountry  = "DE"
)

// Options select a demo company. The same Options give byte-identical
// output.
type Options struct {
	// Seed selects the company; any value is fine.
	Seed int64
	// AsOf is the last day of the company's history: the last day of a
	// month, at midnight UTC. Required.
	AsOf time.Time
}

// Company is the generated firm as its systems hold it, with the ground
// truth of what takt must find in it.
type Company struct {
	Name         string // CompanyName
	BaseCurrency string // BaseCurrency
	HomeCountry  string // HomeCountry (ISO 3166 alpha-2)
	AsOf         time.Time

	// HubSpot, Harvest and Xero are the systems' records in their wire
	// format, ready for the emulators.
	HubSpot hubspottest.Dataset
	Harvest harvesttest.Dataset
	Xero    xerotest.Dataset
	// Files maps the name of each export file of the imports folder
	// (DunningNoticesFile, MilestonesFile, RateCardsFile,
	// ChangeRequestsFile) to its content.
	Files map[string][]byte

	Truth Truth
}

// ErrAsOf is returned when Options.AsOf is missing or not the last day of a
// month at midnight UTC.
var ErrAsOf = errors.New("demo: the as-of date must be the last day of a month at midnight UTC")

// Generate builds the demo company of opts: about 40 customers, 120
// projects, 30 people and 18 months of work ending at opts.AsOf, with the
// defects listed in Truth injected.
func Generate(opts Options) (*Company, error) {
	if err := checkAsOf(opts.AsOf); err != nil {
		return nil, err
	}
	asOf := opts.AsOf.UTC()
	w := newWorld(opts.Seed, asOf)
	if err := w.run(); err != nil {
		return nil, err
	}
	c := &Company{Name: CompanyName, BaseCurrency: BaseCurrency, HomeCountry: HomeCountry, AsOf: asOf}
	var err error
	if c.HubSpot, err = w.renderHubSpot(); err != nil {
		return nil, fmt.Errorf("demo: hubspot: %w", err)
	}
	if c.Harvest, err = w.renderHarvest(); err != nil {
		return nil, fmt.Errorf("demo: harvest: %w", err)
	}
	if c.Xero, err = w.renderXero(); err != nil {
		return nil, fmt.Errorf("demo: xero: %w", err)
	}
	if c.Files, err = w.renderFiles(); err != nil {
		return nil, fmt.Errorf("demo: files: %w", err)
	}
	c.Truth = w.truth()
	return c, nil
}

func checkAsOf(t time.Time) error {
	if t.IsZero() {
		return fmt.Errorf("%w: Options.AsOf is not set; pass e.g. 2026-03-31", ErrAsOf)
	}
	u := t.UTC()
	if !u.Equal(dayOf(u)) {
		return fmt.Errorf("%w: %s is not midnight UTC; pass a date such as %s", ErrAsOf, t.Format(time.RFC3339), fmtDate(monthEnd(u)))
	}
	if !u.Equal(monthEnd(u)) {
		return fmt.Errorf("%w: %s is not the last day of its month; pass %s", ErrAsOf, fmtDate(u), fmtDate(monthEnd(u)))
	}
	return nil
}

// run simulates the company's history in the order things happen.
func (w *world) run() error {
	w.buildFX()
	w.buildCustomers()
	w.buildPeople()
	w.buildTasks()
	w.buildProjects()
	w.staffProjects()
	w.datesOfRecords()
	w.simulateWork()
	if err := w.injectWorkDefects(); err != nil {
		return err
	}
	w.billTime()
	w.applyChangeAfterBilling()
	w.assignWorkIDs()
	if err := w.buildXeroInvoices(); err != nil {
		return err
	}
	w.issueCreditNotes()
	w.settle()
	w.sendDunning()
	w.assignXeroIDs()
	if err := w.setBudgets(); err != nil {
		return err
	}
	w.buildDealItems()
	return nil
}
