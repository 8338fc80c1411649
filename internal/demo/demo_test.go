package demo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

var (
	xeroDateRE     = regexp.MustCompile(`^/Date\(\d+\+0000\)/$`)
	dateRE         = regexp.MustCompile(`^\d{4}-\d\d-\d\d$`)
	harvestStampRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	hubspotStampRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	hubspotIDRE    = regexp.MustCompile(`^[1-9]\d{9,}$`)
	guidRE         = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

var defaultOptions = Options{Seed: 42, AsOf: date(2026, 3, 31)}

var defaultCompany = sync.OnceValues(func() (*Company, error) { return Generate(defaultOptions) })

func company(t *testing.T) *Company {
	t.Helper()
	c, err := defaultCompany()
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return c
}

func TestGenerateRejectsInvalidAsOf(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	cases := []struct {
		name string
		asOf time.Time
		want string
	}{
		{"missing", time.Time{}, "demo: the as-of date must be the last day of a month at midnight UTC: Options.AsOf is not set; pass e.g. 2026-03-31"},
		{"mid-month", date(2026, 3, 15), "demo: the as-of date must be the last day of a month at midnight UTC: 2026-03-15 is not the last day of its month; pass 2026-03-31"},
		{"not midnight", date(2026, 3, 31).Add(12 * time.Hour), "demo: the as-of date must be the last day of a month at midnight UTC: 2026-03-31T12:00:00Z is not midnight UTC; pass a date such as 2026-03-31"},
		{"midnight elsewhere", time.Date(2026, 3, 31, 0, 0, 0, 0, berlin), "demo: the as-of date must be the last day of a month at midnight UTC: 2026-03-31T00:00:00+01:00 is not midnight UTC; pass a date such as 2026-03-31"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Generate(Options{Seed: 1, AsOf: tc.asOf})
			if c != nil || !errors.Is(err, ErrAsOf) || err.Error() != tc.want {
				t.Fatalf("Generate = %v, %v;\nwant error %q", c != nil, err, tc.want)
			}
		})
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a := company(t)
	b, err := Generate(defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	sameDataset := func(system string, x, y map[string][]json.RawMessage) {
		if len(x) != len(y) {
			t.Fatalf("%s: %d resources, then %d", system, len(x), len(y))
		}
		for key, xs := range x {
			ys := y[key]
			if len(xs) != len(ys) {
				t.Fatalf("%s %s: %d objects, then %d", system, key, len(xs), len(ys))
			}
			for i := range xs {
				if !bytes.Equal(xs[i], ys[i]) {
					t.Fatalf("%s %s[%d] differs:\n%s\n%s", system, key, i, xs[i], ys[i])
				}
			}
		}
	}
	sameDataset("hubspot", a.HubSpot, b.HubSpot)
	sameDataset("harvest", a.Harvest, b.Harvest)
	sameDataset("xero", a.Xero, b.Xero)
	if len(a.Files) != len(b.Files) {
		t.Fatalf("files: %d, then %d", len(a.Files), len(b.Files))
	}
	for name, content := range a.Files {
		if !bytes.Equal(content, b.Files[name]) {
			t.Fatalf("%s differs", name)
		}
	}
	ta, _ := json.Marshal(a.Truth)
	tb, _ := json.Marshal(b.Truth)
	if !bytes.Equal(ta, tb) {
		t.Fatal("Truth differs between two runs")
	}

	other, err := Generate(Options{Seed: 43, AsOf: defaultOptions.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	to, _ := json.Marshal(other.Truth)
	if bytes.Equal(ta, to) {
		t.Fatal("seeds 42 and 43 give the same truth")
	}
	if slices.EqualFunc(a.Harvest["time_entries"], other.Harvest["time_entries"], func(x, y json.RawMessage) bool { return bytes.Equal(x, y) }) {
		t.Fatal("seeds 42 and 43 give the same time entries")
	}
}

func (v *view) checkSizes(t *testing.T) {
	c := v.c
	within := func(what string, n, lo, hi int) {
		t.Helper()
		if n < lo || n > hi {
			t.Errorf("%s = %d, want %d..%d", what, n, lo, hi)
		}
	}
	within("customers", len(c.Truth.Customers), 35, 45)
	within("HubSpot companies", len(c.HubSpot["companies"]), 35, 45)
	within("Harvest clients", len(c.Harvest["clients"]), 35, 45)
	within("Xero contacts", len(c.Xero["Contacts"]), 35, 45)
	within("projects", len(c.Harvest["projects"]), 110, 130)
	within("deals", len(c.HubSpot["deals"]), 110, 130)
	within("people", len(c.Harvest["users"]), 25, 35)
	within("time entries", len(v.entries), 40_000, 60_000)
	within("expenses", len(v.expenses), 150, 600)
	within("Harvest invoices", len(v.invoices), 300, 700)
	within("Xero credit notes", len(v.creditNotes), 2, 6)
	within("dunning notices", len(v.dunning), 50, 1000)
	within("change requests", len(v.changeRequests), 5, 15)

	models := map[string]int{}
	for _, d := range v.deals {
		models[d.prop("billing_model")]++
	}
	within("T&M projects", models["time_and_materials"], 78, 90)
	within("fixed-price projects", models["fixed_price"], 20, 28)
	within("retainers", models["retainer"], 9, 15)
	perProject := map[string]int{}
	for _, m := range v.milestones {
		perProject[m["project_code"]]++
	}
	if len(perProject) != models["fixed_price"] {
		t.Errorf("%d projects have milestones, want the %d fixed-price ones", len(perProject), models["fixed_price"])
	}
	for code, n := range perProject {
		if v.deals[code].prop("billing_model") != "fixed_price" || n < 2 || n > 4 {
			t.Errorf("project %s: %d milestones (%s), want 2..4 on fixed price", code, n, v.deals[code].prop("billing_model"))
		}
	}

	// 18 months of work ending at the as-of date.
	first, last := v.entries[0].SpentDate, v.entries[0].SpentDate
	for _, e := range v.entries {
		first, last = min(first, e.SpentDate), max(last, e.SpentDate)
	}
	if first != fmtDate(workdayOnOrAfter(monthStart(v.asOf).AddDate(0, -17, 0))) || day(t, last).After(v.asOf) || day(t, last).Before(addDays(v.asOf, -4)) {
		t.Errorf("work from %s to %s, want 18 months up to %s", first, last, fmtDate(v.asOf))
	}

	countries := map[string]int{}
	for _, cu := range c.Truth.Customers {
		countries[cu.Country]++
	}
	for _, k := range []string{"DE", "AT", "FR", "NL", "GB", "US", "CH"} {
		if countries[k] == 0 {
			t.Errorf("no customer in %s: %v", k, countries)
		}
	}
	if len(countries) != 7 {
		t.Errorf("countries %v, want exactly DE AT FR NL GB US CH", countries)
	}

	statuses := map[string]int{}
	for _, inv := range v.xInvoices {
		statuses[inv.Status]++
	}
	within("VOIDED invoices", statuses["VOIDED"], 2, 3)
	within("DRAFT invoices", statuses["DRAFT"], 2, 3)
	t.Logf("sizes: %d customers, %d projects %v, %d people, %d time entries, %d expenses, %d Harvest invoices, %d Xero invoices %v, %d payments, %d credit notes, %d dunning notices, %d HubSpot line items, %d unbilled items",
		len(c.Truth.Customers), len(v.projects), models, len(c.Harvest["users"]), len(v.entries), len(v.expenses), len(v.invoices),
		len(v.xInvoices), statuses, len(v.payments), len(v.creditNotes), len(v.dunning), len(v.items), len(c.Truth.Unbilled))
}

func TestTruthCounts(t *testing.T) {
	tr := company(t).Truth
	if !tr.AsOf.Equal(defaultOptions.AsOf) {
		t.Errorf("Truth.AsOf = %s", tr.AsOf)
	}
	counts := []struct {
		what   string
		n      int
		lo, hi int
	}{
		{"Customers", len(tr.Customers), 35, 45},
		{"Unbilled", len(tr.Unbilled), 100, 5000},
		{"NeverInvoiced", len(tr.NeverInvoiced), 10, 20},
		{"DoubleBilled", len(tr.DoubleBilled), 1, 1},
		{"RateMismatches", len(tr.RateMismatches), 3, 3},
		{"ChangedAfterBilling", len(tr.ChangedAfterBilling), 1, 1},
		{"MilestonesNotInvoiced", len(tr.MilestonesNotInvoiced), 1, 1},
		{"BudgetOverruns", len(tr.BudgetOverruns), 1, 1},
	}
	for _, c := range counts {
		if c.n < c.lo || c.n > c.hi {
			t.Errorf("len(Truth.%s) = %d, want %d..%d", c.what, c.n, c.lo, c.hi)
		}
	}
	billed := 0
	for _, m := range tr.RateMismatches {
		if m.Billed {
			billed++
		}
	}
	if billed != 2 {
		t.Errorf("%d billed rate mismatches, want 2 billed and 1 unbilled", billed)
	}
	if tr.BudgetOverruns[0].HasApprovedChangeRequest {
		t.Error("the injected overrun has an approved change request")
	}
}

// TestCompanyConsistency walks the default company and another (another
// seed, an as-of date at the end of a year with its holidays) and checks
// every rule the reconciliation relies on, and the default company's sizes.
func TestCompanyConsistency(t *testing.T) {
	t.Run("seed 42, 2026-03-31", func(t *testing.T) {
		v := checkCompany(t, company(t))
		t.Run("sizes", v.checkSizes)
	})
	for _, o := range []Options{{Seed: 7, AsOf: date(2025, 12, 31)}} {
		t.Run(fmt.Sprintf("seed %d, %s", o.Seed, fmtDate(o.AsOf)), func(t *testing.T) {
			c, err := Generate(o)
			if err != nil {
				t.Fatal(err)
			}
			checkCompany(t, c)
		})
	}
}

func checkCompany(t *testing.T, c *Company) *view {
	v := newView(t, c)
	t.Run("customers", v.checkCustomers)
	t.Run("hubspot links", v.checkHubSpot)
	t.Run("billed entries", v.checkBilledEntries)
	t.Run("invoice totals", v.checkInvoiceTotals)
	t.Run("rates", v.checkRates)
	t.Run("uniqueness", v.checkUniqueness)
	t.Run("approval", v.checkApproval)
	t.Run("unbilled", v.checkUnbilled)
	t.Run("defects", v.checkDefects)
	t.Run("budgets", v.checkBudgets)
	t.Run("milestones and retainers", v.checkMilestonesAndRetainers)
	t.Run("payments", v.checkPayments)
	t.Run("dunning", v.checkDunning)
	t.Run("timestamps", v.checkTimestamps)
	return v
}

func (v *view) checkCustomers(t *testing.T) {
	tr := v.c.Truth
	currency := map[string]string{"DE": "EUR", "AT": "EUR", "FR": "EUR", "NL": "EUR", "GB": "GBP", "US": "USD", "CH": "CHF"}
	spelled, example := 0, false
	for _, cu := range tr.Customers {
		if cu.Currency != currency[cu.Country] {
			t.Errorf("%s: currency %s in %s", cu.Key, cu.Currency, cu.Country)
		}
		if err := validVATID(cu.Country, cu.VATID); err != nil {
			t.Errorf("%s: %v", cu.Key, err)
		}
		co, ok := v.companies[cu.HubSpotCompanyID]
		if !ok || co.prop("name") != cu.HubSpotName || co.prop("country") != cu.Country || co.prop("vat_id") != cu.VATID {
			t.Errorf("%s: HubSpot company %s = %v", cu.Key, cu.HubSpotCompanyID, co.Properties)
		}
		id, _ := strconv.ParseInt(cu.HarvestClientID, 10, 64)
		if cl, ok := v.clients[id]; !ok || cl.Name != cu.HarvestName || cl.Currency != cu.Currency {
			t.Errorf("%s: Harvest client %s = %+v", cu.Key, cu.HarvestClientID, cl)
		}
		ct, ok := v.contacts[cu.XeroContactID]
		if !ok || ct.Name != cu.XeroName || ct.TaxNumber != cu.VATID || ct.DefaultCurrency != cu.Currency ||
			ct.AccountNumber != "" || len(ct.Addresses) == 0 || ct.Addresses[0].Country != cu.Country {
			t.Errorf("%s: Xero contact %s = %+v", cu.Key, cu.XeroContactID, ct)
		}
		if cu.HubSpotName != cu.HarvestName || cu.HubSpotName != cu.XeroName {
			spelled++
		}
		if cu.HubSpotName == "Müller Maschinenbau GmbH" && cu.HarvestName == "Mueller Maschinenbau" && cu.XeroName == "Müller Maschinenbau GmbH & Co. KG" {
			example = true
		}
	}
	if spelled < 7 || spelled > 9 {
		t.Errorf("%d customers spelled differently across systems, want about 8", spelled)
	}
	if !example {
		t.Error("the example customer of doc.go is missing or spelled otherwise")
	}
	if len(v.companies) != len(tr.Customers) || len(v.clients) != len(tr.Customers) || len(v.contacts) != len(tr.Customers) {
		t.Errorf("%d companies, %d clients, %d contacts for %d customers", len(v.companies), len(v.clients), len(v.contacts), len(tr.Customers))
	}
}

// validVATID checks the format and check digit of a VAT id.
func validVATID(country, id string) error {
	digits := func(s string) []int {
		var ds []int
		for _, r := range s {
			ds = append(ds, int(r-'0'))
		}
		return ds
	}
	bad := fmt.Errorf("VAT id %q is not valid for %s", id, country)
	switch country {
	case "US":
		if id != "" {
			return bad
		}
		return nil
	case "DE":
		if !regexp.MustCompile(`^DE[1-9]\d{8}$`).MatchString(id) {
			return bad
		}
		ds, p := digits(id[2:]), 10
		for _, d := range ds[:8] {
			s := (d + p) % 10
			if s == 0 {
				s = 10
			}
			p = 2 * s % 11
		}
		if (11-p)%10 != ds[8] {
			return bad
		}
	case "AT":
		if !regexp.MustCompile(`^ATU\d{8}$`).MatchString(id) {
			return bad
		}
		ds, s := digits(id[3:]), 0
		for i, d := range ds[:7] {
			if i%2 == 1 {
				d = 2 * d
				d = d/10 + d%10
			}
			s += d
		}
		if (10-(s+4)%10)%10 != ds[7] {
			return bad
		}
	case "FR":
		if !regexp.MustCompile(`^FR\d{11}$`).MatchString(id) {
			return bad
		}
		key, _ := strconv.Atoi(id[2:4])
		siren, _ := strconv.Atoi(id[4:])
		if (12+3*(siren%97))%97 != key {
			return bad
		}
	case "NL":
		if !regexp.MustCompile(`^NL\d{9}B\d\d$`).MatchString(id) {
			return bad
		}
		ds, s := digits(id[2:11]), 0
		for i, d := range ds[:8] {
			s += d * (9 - i)
		}
		if s%11 != ds[8] {
			return bad
		}
	case "GB":
		if !regexp.MustCompile(`^GB\d{9}$`).MatchString(id) {
			return bad
		}
		ds, s := digits(id[2:]), 0
		for i, d := range ds[:7] {
			s += d * (8 - i)
		}
		if (s+ds[7]*10+ds[8])%97 != 0 {
			return bad
		}
	case "CH":
		if !regexp.MustCompile(`^CHE-\d{3}\.\d{3}\.\d{3} MWST$`).MatchString(id) {
			return bad
		}
		ds, s := digits(strings.ReplaceAll(id[4:15], ".", "")), 0
		for i, w := range []int{5, 4, 3, 2, 7, 6, 5, 4} {
			s += ds[i] * w
		}
		if (11-s%11)%11 != ds[8] {
			return bad
		}
	default:
		return bad
	}
	return nil
}

func TestValidVATIDAcceptsKnownIDs(t *testing.T) {
	for _, c := range []struct{ country, id string }{
		{"DE", "DE136695976"}, {"AT", "ATU13585627"}, {"FR", "FR40303265045"},
		{"NL", "NL004495445B01"}, {"GB", "GB980780684"}, {"CH", "CHE-116.281.710 MWST"}, {"US", ""},
	} {
		if err := validVATID(c.country, c.id); err != nil {
			t.Errorf("%v", err)
		}
	}
	for _, c := range []struct{ country, id string }{
		{"DE", "DE136695977"}, {"AT", "ATU13585628"}, {"FR", "FR41303265045"}, {"NL", "NL004495446B01"},
		{"GB", "GB980780685"}, {"CH", "CHE-116.281.711 MWST"}, {"US", "US123"},
	} {
		if validVATID(c.country, c.id) == nil {
			t.Errorf("%s %s accepted", c.country, c.id)
		}
	}
}

func (v *view) checkHubSpot(t *testing.T) {
	customerOfClient := map[int64]CustomerTruth{}
	for _, cu := range v.c.Truth.Customers {
		id, _ := strconv.ParseInt(cu.HarvestClientID, 10, 64)
		customerOfClient[id] = cu
	}
	amounts := map[string]decimal.Decimal{}
	for _, li := range v.items {
		as := li.Associations["deals"].Results
		if len(as) != 1 || as[0].Type != "line_item_to_deal" {
			t.Fatalf("line item %s: associations %+v", li.ID, li.Associations)
		}
		deal, ok := v.deals[as[0].ID]
		if !ok || li.prop("hs_line_item_currency_code") != deal.prop("deal_currency_code") {
			t.Errorf("line item %s: deal %s (%v)", li.ID, as[0].ID, ok)
		}
		qty, price := dec(t, li.prop("quantity")), dec(t, li.prop("price"))
		if !dec(t, li.prop("amount")).Equal(qty.Mul(price)) {
			t.Errorf("line item %s: amount %s != %s x %s", li.ID, li.prop("amount"), qty, price)
		}
		if deal.prop("billing_model") == "time_and_materials" && !strings.HasPrefix(li.prop("hs_sku"), "RATE-") {
			t.Errorf("T&M line item %s has sku %q", li.ID, li.prop("hs_sku"))
		}
		amounts[as[0].ID] = amounts[as[0].ID].Add(dec(t, li.prop("amount")))
	}
	for id, d := range v.deals {
		p, ok := v.byCode[id]
		if !ok {
			t.Errorf("deal %s has no Harvest project with that code", id)
			continue
		}
		cu := customerOfClient[p.Client.ID]
		as := d.Associations["companies"].Results
		if len(as) != 1 || as[0].ID != cu.HubSpotCompanyID || as[0].Type != "deal_to_company" {
			t.Errorf("deal %s: associated %+v, want company %s of its Harvest client", id, as, cu.HubSpotCompanyID)
		}
		if d.prop("dealstage") != "closedwon" || d.prop("pipeline") != "default" || d.prop("deal_currency_code") != cu.Currency {
			t.Errorf("deal %s: %v", id, d.Properties)
		}
		if !dec(t, d.prop("amount")).Equal(amounts[id]) {
			t.Errorf("deal %s: amount %s, line items sum to %s", id, d.prop("amount"), amounts[id])
		}
		want := map[string]string{"time_and_materials": "Tasks", "fixed_price": "none", "retainer": "none"}[d.prop("billing_model")]
		if p.BillBy != want || p.IsFixedFee != (d.prop("billing_model") == "fixed_price") {
			t.Errorf("deal %s (%s): Harvest bill_by %s, fixed fee %v", id, d.prop("billing_model"), p.BillBy, p.IsFixedFee)
		}
	}
	if len(v.deals) != len(v.projects) {
		t.Errorf("%d deals for %d projects", len(v.deals), len(v.projects))
	}
}

// lineKey identifies a Harvest time line: invoice, project, task, rate.
type lineKey struct {
	invoice int64
	project int64
	task    string
	rate    string
}

var taskNames = func() []string {
	var ns []string
	for _, s := range taskSeeds {
		ns = append(ns, s.name)
	}
	return ns
}()

func (v *view) checkBilledEntries(t *testing.T) {
	tr := v.c.Truth
	changed := tr.ChangedAfterBilling[0]
	billed := map[lineKey]decimal.Decimal{}
	var changedKey lineKey
	for _, e := range v.entries {
		if e.IsBilled != (e.Invoice != nil) {
			t.Fatalf("entry %d: is_billed %v with invoice %v", e.ID, e.IsBilled, e.Invoice)
		}
		if e.Invoice == nil {
			continue
		}
		inv, ok := v.hvByID[e.Invoice.ID]
		if !ok || inv.Number != e.Invoice.Number || inv.Client.ID != e.Client.ID || !e.Billable || !e.IsClosed {
			t.Fatalf("entry %d: invoice %+v not a Harvest invoice of its client, or entry not billable and approved", e.ID, e.Invoice)
		}
		k := lineKey{e.Invoice.ID, e.Project.ID, e.Task.Name, num(t, *e.BillableRate).String()}
		hours := num(t, e.Hours)
		if strconv.FormatInt(e.ID, 10) == changed.EntryID {
			hours = changed.BilledHours
			changedKey = k
		}
		billed[k] = billed[k].Add(hours)
		// Billed entries were last updated before the invoice was issued,
		// except the one changed afterwards.
		updated, issued := stamp(t, e.UpdatedAt), day(t, inv.IssueDate)
		if after := !updated.Before(issued); after != (strconv.FormatInt(e.ID, 10) == changed.EntryID) {
			t.Errorf("entry %d: updated %s, billed on %s issued %s", e.ID, e.UpdatedAt, inv.Number, inv.IssueDate)
		}
		if !strings.HasPrefix(inv.PeriodStart, e.SpentDate[:7]) {
			t.Errorf("entry %d of %s billed on %s for the period from %s", e.ID, e.SpentDate, inv.Number, inv.PeriodStart)
		}
	}
	lines := map[lineKey]decimal.Decimal{}
	expenseLines := map[int64][]string{}
	for _, inv := range v.invoices {
		for _, l := range inv.LineItems {
			if l.Kind == "Product" {
				expenseLines[inv.ID] = append(expenseLines[inv.ID], num(t, l.Amount).StringFixed(2))
				continue
			}
			task := ""
			for _, n := range taskNames {
				if strings.Contains(l.Description, ": "+n+", ") {
					task = n
				}
			}
			k := lineKey{inv.ID, l.Project.ID, task, num(t, l.UnitPrice).String()}
			if _, dup := lines[k]; dup {
				t.Errorf("invoice %s: two lines for %+v", inv.Number, k)
			}
			lines[k] = num(t, l.Quantity)
		}
	}
	if len(lines) != len(billed) {
		t.Errorf("%d time lines, billed entries make %d", len(lines), len(billed))
	}
	for k, hours := range billed {
		if !lines[k].Equal(hours) {
			t.Errorf("invoice %d, project %d, %s at %s: line has %s hours, entries %s", k.invoice, k.project, k.task, k.rate, lines[k], hours)
		}
	}
	// The changed entry's line billed what the entry held then.
	var now decimal.Decimal
	for _, e := range v.entries {
		k := lineKey{}
		if e.Invoice != nil {
			k = lineKey{e.Invoice.ID, e.Project.ID, e.Task.Name, num(t, *e.BillableRate).String()}
		}
		if k == changedKey {
			now = now.Add(num(t, e.Hours))
		}
	}
	if diff := lines[changedKey].Sub(now); !diff.Equal(changed.BilledHours.Sub(changed.CurrentHours)) {
		t.Errorf("changed entry's line differs from the entries by %s, want %s", diff, changed.BilledHours.Sub(changed.CurrentHours))
	}

	got := map[int64][]string{}
	for _, x := range v.expenses {
		if x.IsBilled != (x.Invoice != nil) {
			t.Fatalf("expense %d: is_billed %v with invoice %v", x.ID, x.IsBilled, x.Invoice)
		}
		if x.Invoice != nil {
			if !x.Billable || !x.IsClosed || stamp(t, x.UpdatedAt).After(day(t, v.hvByID[x.Invoice.ID].IssueDate)) {
				t.Errorf("expense %d billed but not billable, not approved or changed after the invoice", x.ID)
			}
			got[x.Invoice.ID] = append(got[x.Invoice.ID], num(t, x.TotalCost).StringFixed(2))
		}
	}
	for id, want := range expenseLines {
		sort.Strings(want)
		g := got[id]
		sort.Strings(g)
		if !slices.Equal(g, want) {
			t.Errorf("invoice %d: expense lines %v, billed expenses %v", id, want, g)
		}
	}
	if len(got) != len(expenseLines) {
		t.Errorf("%d invoices bill expenses, %d have expense lines", len(got), len(expenseLines))
	}
}

// vatPercent is the VAT rule of doc.go.
func vatPercent(country string) int64 {
	if country == "DE" {
		return 19
	}
	return 0
}

func (v *view) checkInvoiceTotals(t *testing.T) {
	country := map[string]string{}
	for _, cu := range v.c.Truth.Customers {
		country[cu.XeroContactID] = cu.Country
		country[cu.HarvestClientID] = cu.Country
	}
	for _, inv := range v.invoices {
		sub := decimal.Zero
		for _, l := range inv.LineItems {
			if amount := num(t, l.Quantity).Mul(num(t, l.UnitPrice)); !num(t, l.Amount).Equal(cents(amount)) {
				t.Errorf("invoice %s: line amount %s != %s x %s", inv.Number, l.Amount, l.Quantity, l.UnitPrice)
			}
			sub = sub.Add(num(t, l.Amount))
		}
		pct := vatPercent(country[strconv.FormatInt(inv.Client.ID, 10)])
		tax := cents(sub.Mul(decimal.New(pct, -2)))
		if !num(t, inv.TaxAmount).Equal(tax) || !num(t, inv.Amount).Equal(sub.Add(tax)) {
			t.Errorf("invoice %s: amount %s tax %s, lines sum to %s, tax at %d%% is %s", inv.Number, inv.Amount, inv.TaxAmount, sub, pct, tax)
		}
		if (inv.Tax != nil) != (pct > 0) || inv.Tax != nil && !num(t, *inv.Tax).Equal(decimal.New(pct, 0)) {
			t.Errorf("invoice %s: tax percent %v, want %d", inv.Number, inv.Tax, pct)
		}
		x, ok := v.xByNumber[inv.Number]
		if !ok {
			t.Errorf("Harvest invoice %s is not in Xero", inv.Number)
			continue
		}
		if !num(t, x.SubTotal).Equal(sub) || !num(t, x.TotalTax).Equal(tax) || !num(t, x.Total).Equal(sub.Add(tax)) ||
			x.CurrencyCode != inv.Currency || xeroDate(t, x.Date) != day(t, inv.IssueDate) || xeroDate(t, x.DueDate) != day(t, inv.DueDate) {
			t.Errorf("invoice %s: Xero %s/%s/%s %s, Harvest %s/%s/%s %s", inv.Number, x.SubTotal, x.TotalTax, x.Total, x.CurrencyCode, sub, tax, inv.Amount, inv.Currency)
		}
		if !num(t, inv.DueAmount).Equal(num(t, x.AmountDue)) || (inv.State == "paid") != (x.Status == "PAID") {
			t.Errorf("invoice %s: Harvest %s due %s, Xero %s due %s", inv.Number, inv.State, inv.DueAmount, x.Status, x.AmountDue)
		}
		if len(x.LineItems) != len(inv.LineItems) {
			t.Errorf("invoice %s: %d lines in Xero, %d in Harvest", inv.Number, len(x.LineItems), len(inv.LineItems))
			continue
		}
		for i, l := range x.LineItems {
			h := inv.LineItems[i]
			if len(l.Tracking) != 1 || l.Tracking[0].Name != "Project" || l.Tracking[0].Option != h.Project.Code ||
				!num(t, l.LineAmount).Equal(num(t, h.Amount)) || !num(t, l.Quantity).Equal(num(t, h.Quantity)) {
				t.Errorf("invoice %s line %d: Xero %+v, Harvest %+v", inv.Number, i, l, h)
			}
		}
	}
	for _, x := range v.xInvoices {
		sub, tax := decimal.Zero, decimal.Zero
		for _, l := range x.LineItems {
			sub = sub.Add(num(t, l.LineAmount))
			tax = tax.Add(num(t, l.TaxAmount))
		}
		pct := vatPercent(country[x.Contact.ContactID])
		if !num(t, x.SubTotal).Equal(sub) || !num(t, x.TotalTax).Equal(tax) || !tax.Equal(cents(sub.Mul(decimal.New(pct, -2)))) ||
			!num(t, x.Total).Equal(sub.Add(tax)) {
			t.Errorf("Xero invoice %s: %s + %s = %s; lines %s + %s at %d%%", x.InvoiceNumber, x.SubTotal, x.TotalTax, x.Total, sub, tax, pct)
		}
	}
	// Harvest's numbers and Xero's own never collide.
	harvest := map[string]bool{}
	for _, inv := range v.invoices {
		harvest[inv.Number] = true
	}
	for _, x := range v.xInvoices {
		if !harvest[x.InvoiceNumber] && !regexp.MustCompile(`^INV-\d{4}$`).MatchString(x.InvoiceNumber) {
			t.Errorf("Xero invoice number %q is neither Harvest's nor INV-nnnn", x.InvoiceNumber)
		}
	}
}

func (v *view) checkRates(t *testing.T) {
	mismatched := map[string]bool{}
	for id, e := range v.entriesByID() {
		if !e.Billable {
			if e.BillableRate != nil || v.byCode[v.projects[e.Project.ID].Code].BillBy == "Tasks" {
				t.Errorf("entry %s: not billable with rate %v on a T&M project", id, e.BillableRate)
			}
			continue
		}
		code := v.projects[e.Project.ID].Code
		d := day(t, e.SpentDate)
		card, ok := v.cardRate(t, code, e.Task.Name, d, false)
		exclusive, ok2 := v.cardRate(t, code, e.Task.Name, d, true)
		if !ok || !ok2 || !card.Equal(exclusive) {
			t.Fatalf("entry %s: no single rate card for %s/%s on %s", id, code, e.Task.Name, e.SpentDate)
		}
		if !num(t, *e.BillableRate).Equal(card) {
			mismatched[id] = true
		}
	}
	var want []string
	for _, m := range v.c.Truth.RateMismatches {
		want = append(want, m.EntryID)
	}
	if got := sortedKeys(mismatched); !slices.Equal(got, sortIDs(want)) {
		t.Errorf("entries off the rate card %v, truth %v", got, want)
	}
	for _, ta := range v.tas {
		p := v.projects[ta.Project.ID]
		card, ok := v.cardRate(t, p.Code, ta.Task.Name, v.asOf, false)
		if ta.Billable != ok || ok && !num(t, *ta.HourlyRate).Equal(card) || !ok && ta.HourlyRate != nil {
			t.Errorf("task assignment %d: billable %v rate %v, card at as-of %s (%v)", ta.ID, ta.Billable, ta.HourlyRate, card, ok)
		}
	}
}

func (v *view) entriesByID() map[string]tEntry {
	m := make(map[string]tEntry, len(v.entries))
	for _, e := range v.entries {
		m[strconv.FormatInt(e.ID, 10)] = e
	}
	return m
}

func sortIDs(ids []string) []string {
	ids = slices.Clone(ids)
	slices.SortFunc(ids, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
	return ids
}

func sortedKeys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return sortIDs(ks)
}

func (v *view) checkUniqueness(t *testing.T) {
	db := v.c.Truth.DoubleBilled[0]
	pair := []string{db.OriginalID, db.DuplicateID}
	dups := func(what string, key func(tEntry) string) {
		t.Helper()
		seen := map[string]string{}
		var found []string
		for _, e := range v.entries {
			k := key(e)
			if k == "" {
				continue
			}
			id := strconv.FormatInt(e.ID, 10)
			if first, ok := seen[k]; ok {
				found = append(found, first, id)
			}
			seen[k] = id
		}
		if !slices.Equal(sortIDs(found), sortIDs(pair)) {
			t.Errorf("entries sharing %s: %v, want only the double-billed pair %v", what, found, pair)
		}
	}
	dups("user, project, task, date, hours and notes", func(e tEntry) string {
		return fmt.Sprint(e.User.ID, e.Project.ID, e.Task.ID, e.SpentDate, num(t, e.Hours).String(), e.Notes)
	})
	dups("an external reference", func(e tEntry) string {
		if e.ExternalReference == nil {
			return ""
		}
		return e.ExternalReference.ID
	})
	dups("notes", func(e tEntry) string { return e.Notes })
}

func (v *view) checkApproval(t *testing.T) {
	cutoff := addDays(v.asOf, -10)
	asOfMonth := monthStart(v.asOf)
	for _, e := range v.entries {
		d := day(t, e.SpentDate)
		if e.IsClosed == d.After(cutoff) || e.IsLocked != e.IsClosed {
			t.Errorf("entry %d of %s: closed %v locked %v (approved up to %s)", e.ID, e.SpentDate, e.IsClosed, e.IsLocked, fmtDate(cutoff))
		}
		if e.IsBilled && !d.Before(asOfMonth) {
			t.Errorf("entry %d of the as-of month is billed", e.ID)
		}
		if !num(t, e.Hours).Equal(num(t, e.RoundedHours)) || d.After(v.asOf) || !isWorkday(d) {
			t.Errorf("entry %d: %s hours (rounded %s) on %s", e.ID, e.Hours, e.RoundedHours, e.SpentDate)
		}
	}
	for _, x := range v.expenses {
		if x.IsClosed == day(t, x.SpentDate).After(cutoff) {
			t.Errorf("expense %d of %s: closed %v", x.ID, x.SpentDate, x.IsClosed)
		}
	}
}

// checkUnbilled recomputes the unbilled work from the data and compares it
// with the truth, item by item.
func (v *view) checkUnbilled(t *testing.T) {
	tr := v.c.Truth
	currency := map[int64]string{}
	keyOf := map[int64]string{}
	for _, cu := range tr.Customers {
		id, _ := strconv.ParseInt(cu.HarvestClientID, 10, 64)
		currency[id], keyOf[id] = cu.Currency, cu.Key
	}
	var want []UnbilledItem
	for _, e := range v.entries {
		if e.Billable && e.IsClosed && !e.IsBilled {
			code := v.projects[e.Project.ID].Code
			d := day(t, e.SpentDate)
			rate, _ := v.cardRate(t, code, e.Task.Name, d, false)
			hours := num(t, e.Hours)
			want = append(want, UnbilledItem{"time", strconv.FormatInt(e.ID, 10), keyOf[e.Client.ID], code, d, hours, rate, cents(hours.Mul(rate)), currency[e.Client.ID]})
		}
	}
	for _, x := range v.expenses {
		if x.Billable && x.IsClosed && !x.IsBilled {
			want = append(want, UnbilledItem{"expense", strconv.FormatInt(x.ID, 10), keyOf[x.Client.ID], x.Project.Code, day(t, x.SpentDate), decimal.Zero, decimal.Zero, num(t, x.TotalCost), x.Client.Currency})
		}
	}
	if len(want) != len(tr.Unbilled) {
		t.Fatalf("%d unbilled items in the data, %d in the truth", len(want), len(tr.Unbilled))
	}
	got := map[string]UnbilledItem{}
	for _, u := range tr.Unbilled {
		got[u.Kind+u.SourceID] = u
	}
	for _, w := range want {
		u := got[w.Kind+w.SourceID]
		if u.CustomerKey != w.CustomerKey || u.ProjectCode != w.ProjectCode || !u.WorkDate.Equal(w.WorkDate) || !u.Hours.Equal(w.Hours) ||
			!u.Rate.Equal(w.Rate) || !u.Amount.Equal(w.Amount) || u.Currency != w.Currency {
			t.Errorf("unbilled %s %s: truth %+v, data %+v", w.Kind, w.SourceID, u, w)
		}
	}
	// Before the as-of month, the only unbilled items are the forgotten
	// entries.
	var old []string
	for _, u := range tr.Unbilled {
		if u.WorkDate.Before(monthStart(v.asOf)) {
			if u.Kind != "time" {
				t.Errorf("expense %s of %s never billed", u.SourceID, fmtDate(u.WorkDate))
			}
			old = append(old, u.SourceID)
		}
	}
	if !slices.Equal(sortIDs(old), tr.NeverInvoiced) {
		t.Errorf("unbilled before the as-of month %v, NeverInvoiced %v", sortIDs(old), tr.NeverInvoiced)
	}
}

func (v *view) checkDefects(t *testing.T) {
	tr := v.c.Truth
	byID := v.entriesByID()

	db := tr.DoubleBilled[0]
	o, d := byID[db.OriginalID], byID[db.DuplicateID]
	if o.Invoice == nil || d.Invoice == nil || o.ExternalReference == nil || d.ExternalReference == nil ||
		o.ExternalReference.ID != db.ExternalReferenceID || d.ExternalReference.ID != db.ExternalReferenceID ||
		!slices.Equal(db.InvoiceNumbers, []string{o.Invoice.Number, d.Invoice.Number}) ||
		!db.Hours.Equal(num(t, d.Hours)) || !db.Rate.Equal(num(t, *d.BillableRate)) || !db.Amount.Equal(cents(db.Hours.Mul(db.Rate))) ||
		!db.Amount.IsPositive() || db.Currency != v.clients[d.Client.ID].Currency || o.CreatedAt >= d.CreatedAt {
		t.Errorf("double billed %+v: original %+v, duplicate %+v", db, o, d)
	}

	for _, m := range tr.RateMismatches {
		e := byID[m.EntryID]
		card, _ := v.cardRate(t, v.projects[e.Project.ID].Code, e.Task.Name, day(t, e.SpentDate), false)
		if e.ID == 0 || !m.WorkDate.Equal(day(t, e.SpentDate)) || !m.Hours.Equal(num(t, e.Hours)) ||
			!m.EntryRate.Equal(num(t, *e.BillableRate)) || !m.CardRate.Equal(card) || m.EntryRate.Equal(m.CardRate) ||
			!m.Amount.Equal(cents(m.Hours.Mul(m.EntryRate.Sub(m.CardRate)))) || m.Billed != e.IsBilled || !e.IsClosed ||
			m.Currency != v.clients[e.Client.ID].Currency {
			t.Errorf("rate mismatch %+v: entry %+v, card %s", m, e, card)
		}
	}

	ch := tr.ChangedAfterBilling[0]
	e := byID[ch.EntryID]
	if e.Invoice == nil || e.Invoice.Number != ch.InvoiceNumber || !ch.CurrentHours.Equal(num(t, e.Hours)) || ch.BilledHours.Equal(ch.CurrentHours) {
		t.Errorf("changed after billing %+v: entry %+v", ch, e)
	}

	ms := tr.MilestonesNotInvoiced[0]
	var row map[string]string
	for _, r := range v.milestones {
		if r["id"] == ms.ID {
			row = r
		}
	}
	if row == nil || row["project_code"] != ms.ProjectCode || row["reached_on"] != fmtDate(ms.ReachedOn) || row["invoice_number"] != "" ||
		!dec(t, row["amount"]).Equal(ms.Amount) || row["currency"] != ms.Currency || !ms.ReachedOn.Before(addDays(v.asOf, -29)) {
		t.Errorf("milestone not invoiced %+v: row %v", ms, row)
	}
	for _, x := range v.xInvoices {
		if x.Reference == "MS-"+ms.ID {
			t.Errorf("milestone %s is invoiced on %s", ms.ID, x.InvoiceNumber)
		}
	}
}

func (v *view) checkBudgets(t *testing.T) {
	approved := map[int64]decimal.Decimal{}
	for _, e := range v.entries {
		if e.IsClosed {
			approved[e.Project.ID] = approved[e.Project.ID].Add(num(t, e.Hours))
		}
	}
	covered := map[string]decimal.Decimal{}
	for _, cr := range v.changeRequests {
		switch cr["status"] {
		case "approved":
			if cr["approved_on"] == "" || day(t, cr["approved_on"]).After(v.asOf) {
				t.Errorf("change request %s approved on %q", cr["id"], cr["approved_on"])
			}
			covered[cr["project_code"]] = covered[cr["project_code"]].Add(dec(t, cr["extra_hours"]))
		case "rejected", "pending":
			if cr["approved_on"] != "" {
				t.Errorf("change request %s is %s but approved on %s", cr["id"], cr["status"], cr["approved_on"])
			}
		default:
			t.Errorf("change request %s: status %q", cr["id"], cr["status"])
		}
		if _, ok := v.byCode[cr["project_code"]]; !ok {
			t.Errorf("change request %s: unknown project %s", cr["id"], cr["project_code"])
		}
	}
	var got []BudgetOverrun
	over := 0
	for _, p := range v.projects {
		if p.BudgetBy != "project" {
			if p.Budget != nil {
				t.Errorf("project %s: budget %s by %s", p.Code, *p.Budget, p.BudgetBy)
			}
			continue
		}
		budget := num(t, *p.Budget)
		a := approved[p.ID]
		if !a.GreaterThan(budget) {
			continue
		}
		over++
		if covered[p.Code].LessThan(a.Sub(budget)) {
			got = append(got, BudgetOverrun{ProjectCode: p.Code, BudgetHours: budget, ApprovedHours: a, HasApprovedChangeRequest: covered[p.Code].IsPositive()})
		}
	}
	want := v.c.Truth.BudgetOverruns
	if len(got) != 1 || got[0].ProjectCode != want[0].ProjectCode || !got[0].BudgetHours.Equal(want[0].BudgetHours) ||
		!got[0].ApprovedHours.Equal(want[0].ApprovedHours) || got[0].HasApprovedChangeRequest {
		t.Errorf("overruns without approved change request %+v, truth %+v", got, want)
	}
	if over < 3 {
		t.Errorf("%d projects over budget, want the injected one and some covered by change requests", over)
	}
}

func (v *view) checkMilestonesAndRetainers(t *testing.T) {
	customerOfCode := map[string]string{}
	for _, p := range v.projects {
		for _, cu := range v.c.Truth.Customers {
			if cu.HarvestClientID == strconv.FormatInt(p.Client.ID, 10) {
				customerOfCode[p.Code] = cu.XeroContactID
			}
		}
	}
	lost := v.c.Truth.MilestonesNotInvoiced[0].ID
	for _, r := range v.milestones {
		if r["reached_on"] == "" {
			if r["accepted_on"] != "" || r["invoice_number"] != "" {
				t.Errorf("milestone %s not reached but accepted or invoiced: %v", r["id"], r)
			}
			continue
		}
		if r["id"] == lost {
			continue
		}
		x, ok := v.xByNumber[r["invoice_number"]]
		if !ok || x.Reference != "MS-"+r["id"] || (x.Status != "AUTHORISED" && x.Status != "PAID") ||
			!num(t, x.SubTotal).Equal(dec(t, r["amount"])) || x.Contact.ContactID != customerOfCode[r["project_code"]] ||
			xeroDate(t, x.Date).Before(day(t, r["reached_on"])) {
			t.Errorf("milestone %v: invoice %+v", r, x)
		}
	}
	// Retainers: one issued fee invoice per month, named by reference.
	issued := map[string]int{}
	for _, x := range v.xInvoices {
		if strings.HasPrefix(x.Reference, "RET-") && (x.Status == "AUTHORISED" || x.Status == "PAID") {
			issued[x.Reference]++
			if fmtMonth(xeroDate(t, x.Date)) != x.Reference[len(x.Reference)-7:] {
				t.Errorf("retainer invoice %s dated %s", x.Reference, x.DateString)
			}
		}
	}
	for code, d := range v.deals {
		if d.prop("billing_model") != "retainer" {
			continue
		}
		n := 0
		for ref, k := range issued {
			if strings.HasPrefix(ref, "RET-"+code+"-") {
				n++
				if k != 1 {
					t.Errorf("%s invoiced %d times", ref, k)
				}
			}
		}
		if n == 0 {
			t.Errorf("retainer %s never invoiced", code)
		}
	}
}

func (v *view) checkPayments(t *testing.T) {
	paid := map[string]decimal.Decimal{}
	lastPaid := map[string]time.Time{}
	for _, p := range v.payments {
		x := v.xByNumber[p.Invoice.InvoiceNumber]
		d := xeroDate(t, p.Date)
		if x.InvoiceID != p.Invoice.InvoiceID || d.After(v.asOf) || d.Before(xeroDate(t, x.Date)) {
			t.Errorf("payment %s on %s for %+v", p.PaymentID, fmtDate(d), p.Invoice)
		}
		paid[x.InvoiceID] = paid[x.InvoiceID].Add(num(t, p.Amount))
		if d.After(lastPaid[x.InvoiceID]) {
			lastPaid[x.InvoiceID] = d
		}
	}
	credited := map[string]decimal.Decimal{}
	for _, cn := range v.creditNotes {
		if cn.Type != "ACCRECCREDIT" || len(cn.Allocations) != 1 {
			t.Fatalf("credit note %s: %+v", cn.CreditNoteNumber, cn)
		}
		a := cn.Allocations[0]
		if !num(t, a.Amount).Equal(num(t, cn.Total)) || a.Date == "" {
			t.Errorf("credit note %s: allocation %+v, total %s", cn.CreditNoteNumber, a, cn.Total)
		}
		credited[a.Invoice.InvoiceID] = credited[a.Invoice.InvoiceID].Add(num(t, a.Amount))
		if d := xeroDate(t, a.Date); d.After(lastPaid[a.Invoice.InvoiceID]) {
			lastPaid[a.Invoice.InvoiceID] = d
		}
	}
	late, partial, open := 0, 0, 0
	for _, x := range v.xInvoices {
		p, c := paid[x.InvoiceID], credited[x.InvoiceID]
		nested := decimal.Zero
		for _, np := range x.Payments {
			nested = nested.Add(num(t, np.Amount))
		}
		if !num(t, x.AmountPaid).Equal(p) || !nested.Equal(p) || !num(t, x.AmountCredited).Equal(c) {
			t.Errorf("invoice %s: paid %s (nested %s) credited %s; payments %s credit notes %s", x.InvoiceNumber, x.AmountPaid, nested, x.AmountCredited, p, c)
		}
		switch x.Status {
		case "AUTHORISED", "PAID":
			due := num(t, x.Total).Sub(p).Sub(c)
			if !num(t, x.AmountDue).Equal(due) || (x.Status == "PAID") != due.IsZero() {
				t.Errorf("invoice %s: %s with %s due, want %s", x.InvoiceNumber, x.Status, x.AmountDue, due)
			}
			if x.Status == "PAID" && xeroDate(t, x.FullyPaidOnDate) != lastPaid[x.InvoiceID] {
				t.Errorf("invoice %s: fully paid on %s, last payment or credit on %s", x.InvoiceNumber, x.FullyPaidOnDate, fmtDate(lastPaid[x.InvoiceID]))
			}
			dueDate := xeroDate(t, x.DueDate)
			if lastPaid[x.InvoiceID].After(addDays(dueDate, 29)) {
				late++
			}
			if x.Status == "AUTHORISED" && p.IsPositive() {
				partial++
			}
			if x.Status == "AUTHORISED" && dueDate.Before(addDays(v.asOf, -60)) {
				open++
			}
		case "VOIDED", "DRAFT":
			if p.IsPositive() || c.IsPositive() {
				t.Errorf("%s invoice %s has payments or credits", x.Status, x.InvoiceNumber)
			}
		default:
			t.Errorf("invoice %s: status %s", x.InvoiceNumber, x.Status)
		}
	}
	if late < 10 || partial < 1 || open < 2 {
		t.Errorf("%d paid 30 days late or more, %d partly paid, %d open 60 days after due: want some of each", late, partial, open)
	}
}

// checkDunning recomputes the reminders from the invoices and payments.
func (v *view) checkDunning(t *testing.T) {
	var want []string
	for _, x := range v.xInvoices {
		if x.Status != "AUTHORISED" && x.Status != "PAID" {
			continue
		}
		var settled time.Time
		if x.Status == "PAID" {
			settled = xeroDate(t, x.FullyPaidOnDate)
		}
		for level, days := range []int{7, 21, 35} {
			d := addDays(xeroDate(t, x.DueDate), days)
			if d.After(v.asOf) || !settled.IsZero() && !settled.After(d) {
				break
			}
			want = append(want, fmt.Sprintf("%s %d %s %s %s", x.InvoiceNumber, level+1, fmtDate(d), []string{"0.00", "5.00", "10.00"}[level], x.CurrencyCode))
		}
	}
	var got []string
	ids := map[string]bool{}
	for _, r := range v.dunning {
		got = append(got, fmt.Sprintf("%s %s %s %s %s", r["invoice_number"], r["level"], r["notice_date"], r["fee"], r["currency"]))
		if ids[r["id"]] {
			t.Errorf("dunning notice id %s twice", r["id"])
		}
		ids[r["id"]] = true
	}
	sort.Strings(want)
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("dunning notices differ from the rule: %d in the file, %d by the rule", len(got), len(want))
	}
}

// checkTimestamps: nothing is dated after the as-of date (timestamps at
// most one day after it).
func (v *view) checkTimestamps(t *testing.T) {
	limit := addDays(v.asOf, 1)
	check := func(what, s string, parse func(*testing.T, string) time.Time) {
		t.Helper()
		if s == "" {
			return
		}
		if ts := parse(t, s); ts.After(limit) {
			t.Errorf("%s %s is after the as-of date", what, s)
		}
	}
	for _, e := range v.entries {
		check("harvest time entry created_at", e.CreatedAt, stamp)
		check("harvest time entry updated_at", e.UpdatedAt, stamp)
		if e.UpdatedAt < e.CreatedAt {
			t.Errorf("harvest time entry %d updated %s before created %s", e.ID, e.UpdatedAt, e.CreatedAt)
		}
	}
	for _, key := range []string{"clients", "projects", "users", "tasks", "task_assignments", "expenses", "invoices"} {
		for _, o := range v.c.Harvest[key] {
			var ts struct {
				CreatedAt string  `json:"created_at"`
				UpdatedAt string  `json:"updated_at"`
				SentAt    *string `json:"sent_at"`
				PaidAt    *string `json:"paid_at"`
			}
			if err := json.Unmarshal(o, &ts); err != nil {
				t.Fatal(err)
			}
			check("harvest "+key+" created_at", ts.CreatedAt, stamp)
			check("harvest "+key+" updated_at", ts.UpdatedAt, stamp)
			if stamp(t, ts.UpdatedAt).Before(stamp(t, ts.CreatedAt)) {
				t.Errorf("harvest %s updated %s before created %s", key, ts.UpdatedAt, ts.CreatedAt)
			}
			if ts.SentAt != nil {
				check("harvest sent_at", *ts.SentAt, stamp)
			}
			if ts.PaidAt != nil {
				check("harvest paid_at", *ts.PaidAt, stamp)
			}
		}
	}
	for _, key := range []string{"companies", "deals", "line_items"} {
		for _, o := range decodeAll[tHsObject](t, key, v.c.HubSpot[key]) {
			check("hubspot createdAt", o.CreatedAt, stamp)
			check("hubspot updatedAt", o.UpdatedAt, stamp)
			check("hubspot hs_lastmodifieddate", o.prop("hs_lastmodifieddate"), stamp)
			check("hubspot closedate", o.prop("closedate"), stamp)
			if o.prop("hs_lastmodifieddate") != o.UpdatedAt || o.prop("createdate") != o.CreatedAt {
				t.Errorf("hubspot %s %s: properties and record times differ", key, o.ID)
			}
		}
	}
	for _, x := range v.xInvoices {
		check("xero invoice UpdatedDateUTC", x.UpdatedDateUTC, xeroDate)
		check("xero invoice Date", x.Date, xeroDate)
		if xeroDate(t, x.UpdatedDateUTC).Before(xeroDate(t, x.Date)) {
			t.Errorf("invoice %s updated before its date", x.InvoiceNumber)
		}
	}
	for _, p := range v.payments {
		check("xero payment UpdatedDateUTC", p.UpdatedDateUTC, xeroDate)
	}
	for _, cn := range v.creditNotes {
		check("xero credit note UpdatedDateUTC", cn.UpdatedDateUTC, xeroDate)
	}
	for _, ct := range v.contacts {
		check("xero contact UpdatedDateUTC", ct.UpdatedDateUTC, xeroDate)
	}
}

func TestWireFormats(t *testing.T) {
	c := company(t)
	decodeRaw := func(o json.RawMessage) map[string]any {
		d := json.NewDecoder(bytes.NewReader(o))
		d.UseNumber()
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			t.Fatalf("%v: %s", err, o)
		}
		return m
	}
	isNumber := func(v any, re *regexp.Regexp) bool {
		n, ok := v.(json.Number)
		return ok && (re == nil || re.MatchString(string(n)))
	}
	isString := func(v any, re *regexp.Regexp) bool {
		s, ok := v.(string)
		return ok && (re == nil || re.MatchString(s))
	}
	intRE := regexp.MustCompile(`^[1-9]\d*$`)
	floatRE := regexp.MustCompile(`^-?\d+\.\d+$`)

	// Harvest: integer ids, dates, UTC timestamps, numbers as JSON numbers.
	harvestKeys := map[string][]string{
		"clients":          {"id", "name", "is_active", "currency", "created_at", "updated_at"},
		"projects":         {"id", "name", "code", "client", "budget", "budget_by", "bill_by", "is_fixed_fee", "starts_on", "created_at", "updated_at"},
		"users":            {"id", "first_name", "last_name", "email", "default_hourly_rate", "cost_rate", "created_at", "updated_at"},
		"tasks":            {"id", "name", "default_hourly_rate", "created_at", "updated_at"},
		"task_assignments": {"id", "billable", "hourly_rate", "project", "task", "created_at", "updated_at"},
		"time_entries":     {"id", "spent_date", "user", "client", "project", "task", "hours", "rounded_hours", "notes", "is_closed", "is_billed", "is_locked", "invoice", "external_reference", "billable", "billable_rate", "cost_rate", "created_at", "updated_at"},
		"expenses":         {"id", "spent_date", "user", "client", "project", "expense_category", "total_cost", "units", "billable", "is_closed", "is_billed", "invoice", "created_at", "updated_at"},
		"invoices":         {"id", "number", "client", "state", "issue_date", "due_date", "currency", "amount", "due_amount", "tax", "tax_amount", "subject", "period_start", "period_end", "line_items", "created_at", "updated_at"},
	}
	rawString := func(raw json.RawMessage, re *regexp.Regexp) bool {
		var s string
		return json.Unmarshal(raw, &s) == nil && (re == nil || re.MatchString(s))
	}
	rawNumber := func(raw json.RawMessage, re *regexp.Regexp) bool { return re.Match(raw) }
	for key, fields := range harvestKeys {
		objs := c.Harvest[key]
		if len(objs) == 0 {
			t.Fatalf("harvest %s: empty", key)
		}
		for _, o := range objs {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(o, &m); err != nil {
				t.Fatalf("harvest %s: %v: %s", key, err, o)
			}
			for _, f := range fields {
				if _, ok := m[f]; !ok {
					t.Fatalf("harvest %s: no %q in %s", key, f, o)
				}
			}
			if !rawNumber(m["id"], intRE) || !rawString(m["created_at"], harvestStampRE) || !rawString(m["updated_at"], harvestStampRE) {
				t.Fatalf("harvest %s: id or timestamps malformed: %s", key, o)
			}
			for _, f := range []string{"spent_date", "issue_date", "due_date", "starts_on"} {
				if raw, ok := m[f]; ok && !rawString(raw, dateRE) {
					t.Fatalf("harvest %s: %s = %s", key, f, raw)
				}
			}
			for _, f := range []string{"hours", "rounded_hours", "total_cost", "amount", "due_amount", "tax_amount", "cost_rate", "default_hourly_rate"} {
				if raw, ok := m[f]; ok && !rawNumber(raw, floatRE) {
					t.Fatalf("harvest %s: %s = %s, want a JSON number", key, f, raw)
				}
			}
			for _, f := range []string{"billable_rate", "hourly_rate", "budget", "tax"} {
				if raw, ok := m[f]; ok && string(raw) != "null" && !rawNumber(raw, floatRE) {
					t.Fatalf("harvest %s: %s = %s, want a JSON number or null", key, f, raw)
				}
			}
			if raw := m["invoice"]; raw != nil && string(raw) != "null" {
				var inv map[string]json.RawMessage
				if json.Unmarshal(raw, &inv) != nil || !rawNumber(inv["id"], intRE) || !rawString(inv["number"], intRE) {
					t.Fatalf("harvest %s: invoice %s", key, raw)
				}
			}
			if raw := m["external_reference"]; raw != nil && string(raw) != "null" {
				var ref map[string]json.RawMessage
				if json.Unmarshal(raw, &ref) != nil {
					t.Fatalf("harvest %s: external_reference %s", key, raw)
				}
				for _, f := range []string{"id", "group_id", "permalink", "service"} {
					if !rawString(ref[f], nil) {
						t.Fatalf("harvest %s: external_reference %s", key, raw)
					}
				}
			}
		}
	}

	// HubSpot: numeric string ids, all property values strings or null,
	// associations in list form.
	hubspotProps := map[string][]string{
		"companies":  {"name", "domain", "country", "vat_id", "createdate", "hs_lastmodifieddate", "hs_object_id"},
		"deals":      {"dealname", "amount", "deal_currency_code", "dealstage", "pipeline", "closedate", "billing_model", "createdate", "hs_lastmodifieddate"},
		"line_items": {"name", "hs_sku", "quantity", "price", "amount", "hs_line_item_currency_code", "createdate", "hs_lastmodifieddate"},
	}
	for key, props := range hubspotProps {
		for _, o := range c.HubSpot[key] {
			m := decodeRaw(o)
			if !isString(m["id"], hubspotIDRE) || !isString(m["createdAt"], hubspotStampRE) || !isString(m["updatedAt"], hubspotStampRE) || m["archived"] != false {
				t.Fatalf("hubspot %s: %s", key, o)
			}
			ps, _ := m["properties"].(map[string]any)
			for _, p := range props {
				if _, ok := ps[p]; !ok {
					t.Fatalf("hubspot %s: no property %q in %s", key, p, o)
				}
			}
			for p, val := range ps {
				if val != nil && !isString(val, nil) {
					t.Fatalf("hubspot %s: property %s = %#v, want a string", key, p, val)
				}
			}
			if ps["hs_object_id"] != m["id"] {
				t.Fatalf("hubspot %s: hs_object_id %v != id %v", key, ps["hs_object_id"], m["id"])
			}
		}
	}

	// Xero: /Date()/ with DateString twins, fixed decimals, GUIDs.
	money2 := regexp.MustCompile(`^-?\d+\.\d{2}$`)
	qty4 := regexp.MustCompile(`^\d+\.\d{4}$`)
	rate6 := regexp.MustCompile(`^\d+\.\d{6}$`)
	dateString := regexp.MustCompile(`^\d{4}-\d\d-\d\dT00:00:00$`)
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				p := path + "." + k
				switch {
				case k == "CurrencyRate":
					if !isNumber(val, rate6) {
						t.Fatalf("xero %s = %v", p, val)
					}
				case k == "Quantity":
					if !isNumber(val, qty4) {
						t.Fatalf("xero %s = %v", p, val)
					}
				case slices.Contains([]string{"Amount", "BankAmount", "AmountDue", "AmountPaid", "AmountCredited", "SubTotal", "TotalTax", "Total", "UnitAmount", "TaxAmount", "LineAmount", "AppliedAmount", "RemainingCredit"}, k):
					if !isNumber(val, money2) {
						t.Fatalf("xero %s = %v", p, val)
					}
				case k == "Date" || k == "DueDate" || k == "UpdatedDateUTC" || k == "FullyPaidOnDate":
					if !isString(val, xeroDateRE) {
						t.Fatalf("xero %s = %v", p, val)
					}
				case strings.HasSuffix(k, "DateString"):
					if !isString(val, dateString) {
						t.Fatalf("xero %s = %v", p, val)
					}
				case strings.HasSuffix(k, "ID") && k != "ID" || k == "ID":
					if !isString(val, guidRE) {
						t.Fatalf("xero %s = %v", p, val)
					}
				}
				walk(p, val)
			}
		case []any:
			for _, e := range x {
				walk(path+"[]", e)
			}
		}
	}
	xeroKeys := map[string][]string{
		"Contacts":    {"ContactID", "Name", "TaxNumber", "AccountNumber", "ContactStatus", "IsCustomer", "DefaultCurrency", "Addresses", "UpdatedDateUTC"},
		"Invoices":    {"Type", "InvoiceID", "InvoiceNumber", "Reference", "Contact", "Status", "Date", "DateString", "DueDate", "DueDateString", "CurrencyCode", "CurrencyRate", "LineAmountTypes", "LineItems", "SubTotal", "TotalTax", "Total", "AmountDue", "AmountPaid", "AmountCredited", "UpdatedDateUTC"},
		"CreditNotes": {"CreditNoteID", "CreditNoteNumber", "Type", "Contact", "Status", "Date", "DateString", "CurrencyCode", "CurrencyRate", "SubTotal", "TotalTax", "Total", "RemainingCredit", "Allocations", "LineItems", "UpdatedDateUTC"},
		"Payments":    {"PaymentID", "Date", "Amount", "CurrencyRate", "PaymentType", "Status", "Reference", "IsReconciled", "Invoice", "UpdatedDateUTC"},
	}
	for key, fields := range xeroKeys {
		for _, o := range c.Xero[key] {
			m := decodeRaw(o)
			for _, f := range fields {
				if _, ok := m[f]; !ok {
					t.Fatalf("xero %s: no %q in %s", key, f, o)
				}
			}
			walk(key, m)
		}
	}
	for _, o := range c.Xero["Invoices"] {
		m := decodeRaw(o)
		for _, l := range m["LineItems"].([]any) {
			tr := l.(map[string]any)["Tracking"].([]any)
			if m["Status"] != "DRAFT" && (len(tr) != 1 || tr[0].(map[string]any)["Name"] != "Project") {
				t.Fatalf("xero invoice line without project tracking: %s", o)
			}
		}
	}
	// Harvest's "&" and umlauts are sent as they are, not escaped.
	amp := false
	for _, o := range slices.Concat(c.Harvest["clients"], c.Xero["Contacts"]) {
		amp = amp || bytes.Contains(o, []byte(" & "))
		if bytes.Contains(o, []byte(`\u0026`)) {
			t.Errorf("escaped ampersand in %s", o)
		}
	}
	if !amp {
		t.Error(`no "&" in any customer name: expected unescaped ampersands`)
	}
}

func TestFiles(t *testing.T) {
	c := company(t)
	if len(c.Files) != 4 {
		t.Fatalf("files %v", slices.Sorted(func(yield func(string) bool) {
			for k := range c.Files {
				if !yield(k) {
					return
				}
			}
		}))
	}
	headers := map[string]string{
		DunningNoticesFile: "id,invoice_number,level,notice_date,fee,currency",
		MilestonesFile:     "id,project_code,name,amount,currency,due_on,reached_on,accepted_on,invoice_number",
		RateCardsFile:      "id,project_code,task,hourly_rate,currency,valid_from,valid_to",
		ChangeRequestsFile: "id,project_code,title,status,approved_on,extra_hours,extra_amount,currency",
	}
	decimals := regexp.MustCompile(`^-?\d+\.\d{2}$`)
	for name, header := range headers {
		content := c.Files[name]
		if first, _, _ := bytes.Cut(content, []byte("\n")); string(first) != header {
			t.Errorf("%s: header %q, want %q", name, first, header)
		}
		rows := readCSV(t, c, name)
		if len(rows) == 0 {
			t.Errorf("%s: no rows", name)
		}
		ids := map[string]bool{}
		for _, r := range rows {
			if r["id"] == "" || ids[r["id"]] {
				t.Errorf("%s: id %q empty or repeated", name, r["id"])
			}
			ids[r["id"]] = true
			for col, val := range r {
				switch {
				case val == "":
				case strings.HasSuffix(col, "_on") || strings.HasPrefix(col, "valid_") || col == "notice_date":
					if !dateRE.MatchString(val) {
						t.Errorf("%s %s: %s = %q", name, r["id"], col, val)
					}
				case col == "fee" || col == "amount" || col == "hourly_rate" || strings.HasPrefix(col, "extra_"):
					if !decimals.MatchString(val) {
						t.Errorf("%s %s: %s = %q", name, r["id"], col, val)
					}
				}
			}
		}
	}
}

func TestHarvestNumbers(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0.0", "2.50": "2.5", "100": "100.0", "100.00": "100.0", "-0.5": "-0.5", "-12.345": "-12.345",
		"0.05": "0.05", "1234567.89": "1234567.89", "0.000001": "0.000001", "10.10": "10.1", "-3": "-3.0",
		"123456789012345678901234.5": "123456789012345678901234.5",
	} {
		if got := hvNum(decimal.RequireFromString(in)); string(got) != want {
			t.Errorf("hvNum(%s) = %s, want %s", in, got, want)
		}
	}
	if got := hvNum(decimal.New(5, 1)); got != "50.0" {
		t.Errorf("hvNum(5e1) = %s", got)
	}
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(defaultOptions); err != nil {
			b.Fatal(err)
		}
	}
}
