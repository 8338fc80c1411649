package demo

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// The tests read the company back from what it renders, the way takt's
// connectors will, and check the rules on that: the generator's internal
// model is not trusted.

type ref struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Code string `json:"code"`
}

type tEntry struct {
	ID             int64  `json:"id"`
	SpentDate      string `json:"spent_date"`
	User           ref    `json:"user"`
	Client         ref    `json:"client"`
	Project        ref    `json:"project"`
	Task           ref    `json:"task"`
	TaskAssignment struct {
		ID         int64        `json:"id"`
		Billable   bool         `json:"billable"`
		HourlyRate *json.Number `json:"hourly_rate"`
	} `json:"task_assignment"`
	Hours        json.Number `json:"hours"`
	RoundedHours json.Number `json:"rounded_hours"`
	Notes        string      `json:"notes"`
	CreatedAt    string      `json:"created_at"`
	UpdatedAt    string      `json:"updated_at"`
	IsLocked     bool        `json:"is_locked"`
	IsClosed     bool        `json:"is_closed"`
	IsBilled     bool        `json:"is_billed"`
	Invoice      *struct {
		ID     int64  `json:"id"`
		Number string `json:"number"`
	} `json:"invoice"`
	ExternalReference *struct {
		ID      string `json:"id"`
		Service string `json:"service"`
	} `json:"external_reference"`
	Billable     bool         `json:"billable"`
	BillableRate *json.Number `json:"billable_rate"`
}

type tExpense struct {
	ID        int64       `json:"id"`
	TotalCost json.Number `json:"total_cost"`
	IsClosed  bool        `json:"is_closed"`
	IsBilled  bool        `json:"is_billed"`
	SpentDate string      `json:"spent_date"`
	CreatedAt string      `json:"created_at"`
	UpdatedAt string      `json:"updated_at"`
	Billable  bool        `json:"billable"`
	Project   ref         `json:"project"`
	Client    struct {
		ID       int64  `json:"id"`
		Currency string `json:"currency"`
	} `json:"client"`
	Invoice *struct {
		ID     int64  `json:"id"`
		Number string `json:"number"`
	} `json:"invoice"`
}

type tHvInvoice struct {
	ID          int64        `json:"id"`
	Number      string       `json:"number"`
	Amount      json.Number  `json:"amount"`
	DueAmount   json.Number  `json:"due_amount"`
	Tax         *json.Number `json:"tax"`
	TaxAmount   json.Number  `json:"tax_amount"`
	State       string       `json:"state"`
	PeriodStart string       `json:"period_start"`
	IssueDate   string       `json:"issue_date"`
	DueDate     string       `json:"due_date"`
	Currency    string       `json:"currency"`
	Client      ref          `json:"client"`
	CreatedAt   string       `json:"created_at"`
	UpdatedAt   string       `json:"updated_at"`
	LineItems   []struct {
		Kind        string      `json:"kind"`
		Description string      `json:"description"`
		Quantity    json.Number `json:"quantity"`
		UnitPrice   json.Number `json:"unit_price"`
		Amount      json.Number `json:"amount"`
		Taxed       bool        `json:"taxed"`
		Project     ref         `json:"project"`
	} `json:"line_items"`
}

type tHvProject struct {
	ID         int64        `json:"id"`
	Name       string       `json:"name"`
	Code       string       `json:"code"`
	BillBy     string       `json:"bill_by"`
	Budget     *json.Number `json:"budget"`
	BudgetBy   string       `json:"budget_by"`
	IsFixedFee bool         `json:"is_fixed_fee"`
	Client     struct {
		ID       int64  `json:"id"`
		Currency string `json:"currency"`
	} `json:"client"`
}

type tHvClient struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Currency string `json:"currency"`
}

type tTaskAssignment struct {
	ID         int64        `json:"id"`
	Billable   bool         `json:"billable"`
	HourlyRate *json.Number `json:"hourly_rate"`
	Project    ref          `json:"project"`
	Task       ref          `json:"task"`
}

type tHsObject struct {
	ID           string             `json:"id"`
	Properties   map[string]*string `json:"properties"`
	CreatedAt    string             `json:"createdAt"`
	UpdatedAt    string             `json:"updatedAt"`
	Associations map[string]struct {
		Results []struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		} `json:"results"`
	} `json:"associations"`
}

func (o tHsObject) prop(name string) string {
	if v := o.Properties[name]; v != nil {
		return *v
	}
	return ""
}

type tXLine struct {
	Description string      `json:"Description"`
	Quantity    json.Number `json:"Quantity"`
	UnitAmount  json.Number `json:"UnitAmount"`
	TaxType     string      `json:"TaxType"`
	TaxAmount   json.Number `json:"TaxAmount"`
	LineAmount  json.Number `json:"LineAmount"`
	Tracking    []struct {
		Name   string `json:"Name"`
		Option string `json:"Option"`
	} `json:"Tracking"`
}

type tXInvoice struct {
	Type          string `json:"Type"`
	InvoiceID     string `json:"InvoiceID"`
	InvoiceNumber string `json:"InvoiceNumber"`
	Reference     string `json:"Reference"`
	Payments      []struct {
		PaymentID string      `json:"PaymentID"`
		Amount    json.Number `json:"Amount"`
	} `json:"Payments"`
	CreditNotes []struct {
		CreditNoteID  string      `json:"CreditNoteID"`
		AppliedAmount json.Number `json:"AppliedAmount"`
	} `json:"CreditNotes"`
	AmountDue      json.Number `json:"AmountDue"`
	AmountPaid     json.Number `json:"AmountPaid"`
	AmountCredited json.Number `json:"AmountCredited"`
	CurrencyRate   json.Number `json:"CurrencyRate"`
	Contact        struct {
		ContactID string `json:"ContactID"`
		Name      string `json:"Name"`
	} `json:"Contact"`
	Date            string      `json:"Date"`
	DateString      string      `json:"DateString"`
	DueDate         string      `json:"DueDate"`
	Status          string      `json:"Status"`
	LineItems       []tXLine    `json:"LineItems"`
	SubTotal        json.Number `json:"SubTotal"`
	TotalTax        json.Number `json:"TotalTax"`
	Total           json.Number `json:"Total"`
	UpdatedDateUTC  string      `json:"UpdatedDateUTC"`
	CurrencyCode    string      `json:"CurrencyCode"`
	FullyPaidOnDate string      `json:"FullyPaidOnDate"`
}

type tXPayment struct {
	PaymentID      string      `json:"PaymentID"`
	Date           string      `json:"Date"`
	Amount         json.Number `json:"Amount"`
	UpdatedDateUTC string      `json:"UpdatedDateUTC"`
	Invoice        struct {
		InvoiceID     string `json:"InvoiceID"`
		InvoiceNumber string `json:"InvoiceNumber"`
	} `json:"Invoice"`
}

type tXCreditNote struct {
	CreditNoteID     string `json:"CreditNoteID"`
	CreditNoteNumber string `json:"CreditNoteNumber"`
	Type             string `json:"Type"`
	Status           string `json:"Status"`
	Allocations      []struct {
		Amount  json.Number `json:"Amount"`
		Date    string      `json:"Date"`
		Invoice struct {
			InvoiceID     string `json:"InvoiceID"`
			InvoiceNumber string `json:"InvoiceNumber"`
		} `json:"Invoice"`
	} `json:"Allocations"`
	Date           string      `json:"Date"`
	SubTotal       json.Number `json:"SubTotal"`
	TotalTax       json.Number `json:"TotalTax"`
	Total          json.Number `json:"Total"`
	UpdatedDateUTC string      `json:"UpdatedDateUTC"`
}

type tXContact struct {
	ContactID       string `json:"ContactID"`
	Name            string `json:"Name"`
	AccountNumber   string `json:"AccountNumber"`
	TaxNumber       string `json:"TaxNumber"`
	DefaultCurrency string `json:"DefaultCurrency"`
	UpdatedDateUTC  string `json:"UpdatedDateUTC"`
	Addresses       []struct {
		Country string `json:"Country"`
	} `json:"Addresses"`
}

// view is the company as read back from its rendered form.
type view struct {
	c    *Company
	asOf time.Time

	clients     map[int64]tHvClient
	projects    map[int64]tHvProject
	byCode      map[string]tHvProject
	tas         []tTaskAssignment
	entries     []tEntry
	expenses    []tExpense
	invoices    []tHvInvoice
	hvByID      map[int64]tHvInvoice
	companies   map[string]tHsObject
	deals       map[string]tHsObject
	items       []tHsObject
	contacts    map[string]tXContact
	xInvoices   []tXInvoice
	xByNumber   map[string]tXInvoice
	payments    []tXPayment
	creditNotes []tXCreditNote

	rateCards      []map[string]string
	cards          map[string][]cardRow // by project code and task
	milestones     []map[string]string
	changeRequests []map[string]string
	dunning        []map[string]string
}

func decodeAll[T any](t *testing.T, what string, objs []json.RawMessage) []T {
	t.Helper()
	out := make([]T, len(objs))
	for i, o := range objs {
		if err := json.Unmarshal(o, &out[i]); err != nil {
			t.Fatalf("%s %d: %v: %s", what, i, err, o)
		}
	}
	return out
}

// readCSV parses a file of the imports folder into rows keyed by column.
func readCSV(t *testing.T, c *Company, name string) []map[string]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(c.Files[name])).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(recs) == 0 {
		t.Fatalf("%s: empty", name)
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows
}

func newView(t *testing.T, c *Company) *view {
	t.Helper()
	v := &view{c: c, asOf: c.AsOf,
		clients: map[int64]tHvClient{}, projects: map[int64]tHvProject{}, byCode: map[string]tHvProject{},
		hvByID: map[int64]tHvInvoice{}, companies: map[string]tHsObject{}, deals: map[string]tHsObject{},
		contacts: map[string]tXContact{}, xByNumber: map[string]tXInvoice{},
	}
	for _, cl := range decodeAll[tHvClient](t, "client", c.Harvest["clients"]) {
		v.clients[cl.ID] = cl
	}
	for _, p := range decodeAll[tHvProject](t, "project", c.Harvest["projects"]) {
		v.projects[p.ID] = p
		v.byCode[p.Code] = p
	}
	v.tas = decodeAll[tTaskAssignment](t, "task assignment", c.Harvest["task_assignments"])
	v.entries = decodeAll[tEntry](t, "time entry", c.Harvest["time_entries"])
	v.expenses = decodeAll[tExpense](t, "expense", c.Harvest["expenses"])
	v.invoices = decodeAll[tHvInvoice](t, "harvest invoice", c.Harvest["invoices"])
	for _, inv := range v.invoices {
		v.hvByID[inv.ID] = inv
	}
	for _, o := range decodeAll[tHsObject](t, "company", c.HubSpot["companies"]) {
		v.companies[o.ID] = o
	}
	for _, o := range decodeAll[tHsObject](t, "deal", c.HubSpot["deals"]) {
		v.deals[o.ID] = o
	}
	v.items = decodeAll[tHsObject](t, "line item", c.HubSpot["line_items"])
	for _, ct := range decodeAll[tXContact](t, "contact", c.Xero["Contacts"]) {
		v.contacts[ct.ContactID] = ct
	}
	v.xInvoices = decodeAll[tXInvoice](t, "xero invoice", c.Xero["Invoices"])
	for _, inv := range v.xInvoices {
		if _, dup := v.xByNumber[inv.InvoiceNumber]; dup {
			t.Errorf("Xero invoice number %s used twice", inv.InvoiceNumber)
		}
		v.xByNumber[inv.InvoiceNumber] = inv
	}
	v.payments = decodeAll[tXPayment](t, "payment", c.Xero["Payments"])
	v.creditNotes = decodeAll[tXCreditNote](t, "credit note", c.Xero["CreditNotes"])
	v.rateCards = readCSV(t, c, RateCardsFile)
	v.milestones = readCSV(t, c, MilestonesFile)
	v.changeRequests = readCSV(t, c, ChangeRequestsFile)
	v.dunning = readCSV(t, c, DunningNoticesFile)
	return v
}

// Parsing helpers: each fails the test on input a connector would refuse.

func dec(t *testing.T, s string) decimal.Decimal {
	t.Helper()
	d, err := decimal.NewFromString(s)
	if err != nil {
		t.Fatalf("number %q: %v", s, err)
	}
	return d
}

func num(t *testing.T, n json.Number) decimal.Decimal { t.Helper(); return dec(t, string(n)) }

func day(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		t.Fatalf("date %q: %v", s, err)
	}
	return d
}

func stamp(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !strings.HasSuffix(s, "Z") {
		t.Fatalf("timestamp %q: not UTC RFC 3339 (%v)", s, err)
	}
	return d
}

// xeroDate parses /Date(1551916800000+0000)/.
func xeroDate(t *testing.T, s string) time.Time {
	t.Helper()
	if !xeroDateRE.MatchString(s) {
		t.Fatalf("Xero date %q", s)
	}
	ms := dec(t, s[len("/Date("):len(s)-len("+0000)/")]).IntPart()
	return time.UnixMilli(ms).UTC()
}

func cents(d decimal.Decimal) decimal.Decimal { return d.Round(2) }

type cardRow struct {
	from, to time.Time // to is zero when open-ended
	rate     decimal.Decimal
}

// cardRate finds the rate_cards.csv rate for a project and task on date d.
// exclusive reads valid_to as the first day no longer valid; the data must
// give the same answer both ways.
func (v *view) cardRate(t *testing.T, code, task string, d time.Time, exclusive bool) (decimal.Decimal, bool) {
	t.Helper()
	if v.cards == nil {
		v.cards = map[string][]cardRow{}
		for _, r := range v.rateCards {
			row := cardRow{from: day(t, r["valid_from"]), rate: dec(t, r["hourly_rate"])}
			if r["valid_to"] != "" {
				row.to = day(t, r["valid_to"])
			}
			k := r["project_code"] + "/" + r["task"]
			v.cards[k] = append(v.cards[k], row)
		}
	}
	var found []decimal.Decimal
	for _, r := range v.cards[code+"/"+task] {
		if d.Before(r.from) || !r.to.IsZero() && (d.After(r.to) || exclusive && d.Equal(r.to)) {
			continue
		}
		found = append(found, r.rate)
	}
	if len(found) != 1 {
		return decimal.Zero, false
	}
	return found[0], true
}
