package demo

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/internal/money"
)

// Truth is what takt must find in the demo company: the identity of every
// customer across the systems, all unbilled work, and each injected defect
// with the records involved and the amount at stake. Ids are the source
// systems' ids as strings; amounts are in the currency named beside them.
type Truth struct {
	AsOf      time.Time
	Customers []CustomerTruth
	// Unbilled is every approved, billable item not invoiced as of AsOf:
	// the as-of month's work (normal WIP) and the forgotten entries.
	Unbilled []UnbilledItem
	// NeverInvoiced holds the SourceIDs of the forgotten time entries, all
	// of them in Unbilled and older than the as-of month.
	NeverInvoiced         []string
	DoubleBilled          []DoubleBilled
	RateMismatches        []RateMismatch
	ChangedAfterBilling   []ChangedEntry
	MilestonesNotInvoiced []Milestone
	BudgetOverruns        []BudgetOverrun
}

// CustomerTruth is one customer with its id and name in each system.
type CustomerTruth struct {
	Key              string // C01, C02, ...
	Country          string // ISO 3166 alpha-2
	VATID            string // empty for customers without one (US)
	Currency         string
	HubSpotCompanyID string
	HarvestClientID  string
	XeroContactID    string
	HubSpotName      string
	HarvestName      string
	XeroName         string
}

// UnbilledItem is approved, billable work not invoiced as of the as-of date.
type UnbilledItem struct {
	Kind        string // "time" or "expense"
	SourceID    string // Harvest time entry or expense id
	CustomerKey string
	ProjectCode string
	WorkDate    time.Time
	Hours       decimal.Decimal // zero for expenses
	Rate        decimal.Decimal // the rate card's rate valid on WorkDate; zero for expenses
	// Amount is Hours*Rate rounded half away from zero to cents for time,
	// the expense's total cost for expenses.
	Amount   decimal.Decimal
	Currency string
}

// DoubleBilled is a time entry imported twice from the issue tracker, both
// copies billed.
type DoubleBilled struct {
	OriginalID          string
	DuplicateID         string
	ExternalReferenceID string
	// InvoiceNumbers are the numbers of the invoices that billed the
	// original and the duplicate, in that order.
	InvoiceNumbers []string
	Hours          decimal.Decimal
	Rate           decimal.Decimal // the rate the duplicate was billed at
	Amount         decimal.Decimal // Hours*Rate, rounded to cents: billed too much
	Currency       string
}

// RateMismatch is a time entry whose billable rate differs from the rate
// card valid on its date.
type RateMismatch struct {
	EntryID   string
	WorkDate  time.Time
	Hours     decimal.Decimal
	EntryRate decimal.Decimal
	CardRate  decimal.Decimal
	// Amount is Hours*(EntryRate-CardRate) rounded to cents: positive when
	// the entry charges more than the card, negative when less.
	Amount   decimal.Decimal
	Currency string
	Billed   bool
}

// ChangedEntry is a time entry whose hours changed after an invoice billed
// it.
type ChangedEntry struct {
	EntryID       string
	InvoiceNumber string
	BilledHours   decimal.Decimal
	CurrentHours  decimal.Decimal
}

// Milestone is a fixed-price milestone reached but not invoiced.
type Milestone struct {
	ID          string
	ProjectCode string
	Amount      decimal.Decimal
	Currency    string
	ReachedOn   time.Time
}

// BudgetOverrun is a project whose approved hours exceed its budget in
// hours.
type BudgetOverrun struct {
	ProjectCode              string
	BudgetHours              decimal.Decimal
	ApprovedHours            decimal.Decimal
	HasApprovedChangeRequest bool
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

func (w *world) truth() Truth {
	t := Truth{AsOf: w.asOf}
	for _, c := range w.customers {
		t.Customers = append(t.Customers, CustomerTruth{
			Key: c.key, Country: c.country, VATID: c.vatID, Currency: c.currency,
			HubSpotCompanyID: c.hubspotID, HarvestClientID: idString(c.harvestID), XeroContactID: c.xeroID,
			HubSpotName: c.hubspotName, HarvestName: c.harvestName, XeroName: c.xeroName,
		})
	}
	slices.SortFunc(t.Customers, func(a, b CustomerTruth) int { return cmp.Compare(a.Key, b.Key) })

	for _, e := range w.entries {
		if e.billable() && e.approved && e.invoice == nil {
			rate := e.pt.cardRate(e.date)
			t.Unbilled = append(t.Unbilled, UnbilledItem{
				Kind: "time", SourceID: idString(e.id), CustomerKey: e.project.customer.key, ProjectCode: e.project.code,
				WorkDate: e.date, Hours: e.hours, Rate: rate, Amount: money.RoundCents(e.hours.Mul(rate), 2), Currency: e.project.customer.currency,
			})
		}
	}
	for _, x := range w.expenses {
		if x.billable() && x.approved && x.invoice == nil {
			t.Unbilled = append(t.Unbilled, UnbilledItem{
				Kind: "expense", SourceID: idString(x.id), CustomerKey: x.project.customer.key, ProjectCode: x.project.code,
				WorkDate: x.date, Hours: decimal.Zero, Rate: decimal.Zero, Amount: x.total, Currency: x.project.customer.currency,
			})
		}
	}
	slices.SortFunc(t.Unbilled, func(a, b UnbilledItem) int {
		return cmp.Or(a.WorkDate.Compare(b.WorkDate), cmp.Compare(a.Kind, b.Kind), cmp.Compare(len(a.SourceID), len(b.SourceID)), cmp.Compare(a.SourceID, b.SourceID))
	})

	d := w.defects
	for _, e := range d.forgotten {
		t.NeverInvoiced = append(t.NeverInvoiced, idString(e.id))
	}
	slices.SortFunc(t.NeverInvoiced, func(a, b string) int { return cmp.Or(cmp.Compare(len(a), len(b)), cmp.Compare(a, b)) })

	dup := d.duplicate
	t.DoubleBilled = []DoubleBilled{{
		OriginalID: idString(d.original.id), DuplicateID: idString(dup.id), ExternalReferenceID: dup.ext.id,
		InvoiceNumbers: []string{d.original.invoice.number, dup.invoice.number},
		Hours:          dup.hours, Rate: dup.rate, Amount: money.RoundCents(dup.hours.Mul(dup.rate), 2),
		Currency: dup.project.customer.currency,
	}}

	for _, e := range d.mismatches {
		card := e.pt.cardRate(e.date)
		t.RateMismatches = append(t.RateMismatches, RateMismatch{
			EntryID: idString(e.id), WorkDate: e.date, Hours: e.hours, EntryRate: e.rate, CardRate: card,
			Amount: money.RoundCents(e.hours.Mul(e.rate.Sub(card)), 2), Currency: e.project.customer.currency,
			Billed: e.invoice != nil,
		})
	}

	c := d.changed
	t.ChangedAfterBilling = []ChangedEntry{{
		EntryID: idString(c.id), InvoiceNumber: c.invoice.number, BilledHours: c.billedHours, CurrentHours: c.hours,
	}}

	m := d.milestone
	t.MilestonesNotInvoiced = []Milestone{{
		ID: m.id, ProjectCode: m.project.code, Amount: m.amount, Currency: m.project.customer.currency, ReachedOn: m.reached,
	}}

	o := d.overrun
	approved := decimal.Zero
	for _, e := range w.entries {
		if e.project == o && e.approved {
			approved = approved.Add(e.hours)
		}
	}
	t.BudgetOverruns = []BudgetOverrun{{ProjectCode: o.code, BudgetHours: o.budget, ApprovedHours: approved}}
	return t
}
