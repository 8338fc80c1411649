package reports

import (
	"cmp"
	"fmt"
	"iter"
	"regexp"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// Pack is everything the reports of one month show. The rest of takt fills
// it from the warehouse (LoadPack); reports only render it.
type Pack struct {
	// Company is the firm's name as the controller knows it. BaseCurrency is
	// its ISO 4217 code (e.g. "EUR"), the currency of AREnd, GrossSales and
	// the money KPIs.
	Company, BaseCurrency string
	// Month is the first day of the reported month, UTC.
	Month time.Time
	// AsOf is the day the unbilled work is listed for: the month's last
	// day, or the day of the last run for the running month. Zero means the
	// month's last day.
	AsOf time.Time
	// Lang selects the labels and number formats: "en" or "de".
	Lang string
	// GeneratedAt is when the pack was assembled; it is shown in UTC.
	GeneratedAt time.Time
	// Months holds the KPIs in ascending month order; the reported month is
	// the last, earlier ones feed trends, the comparison with the previous
	// month and the retro.
	Months []MonthKPIs
	// KPIDefinitions are the KPIs of Months[i].Figures in display order,
	// each with its unit, baseline, target and the definition version that
	// produced the figures (kpi.go).
	KPIDefinitions []KPIDefinition
	// Unbilled is the approved, billable work not invoiced at AsOf,
	// ordered by customer, currency, project and work date. The workbooks
	// list the items of one customer and currency, and of one project, in
	// one block (their totals add up blocks); items that come in another
	// order are regrouped, keeping the order in which customers and
	// projects first appear.
	Unbilled []UnbilledItem
	// UnbilledRows, when set, replaces Unbilled: it yields the items
	// grouped as above (an item of a customer, currency and project whose
	// block has ended is an error), reading them anew on every call, so
	// that a month with a million unbilled items goes from the warehouse
	// into the workbook without being held in memory. LoadPack sets it.
	UnbilledRows iter.Seq2[UnbilledItem, error]
	// TopUnbilled are the largest unbilled items at AsOf by their value in
	// the base currency, largest first (the retro shows three).
	TopUnbilled []UnbilledItem
	// Exceptions are the billing exceptions reconciliation found, with
	// their acknowledgements.
	Exceptions []Exception
	// BillingRun is the month's draft billing run (the latest run of the
	// period that is not discarded); nil when there is none.
	BillingRun *BillingRun
	// Receivables are the documents open at the end of the month, with
	// their age.
	Receivables []Receivable
	// Dunning lists the invoices that fell due in the month with the
	// dunning notices they received.
	Dunning []DunnedInvoice
	// Incidents are the incidents that touched any month of Months, with
	// their follow-ups.
	Incidents []Incident
	// Quality is what the data-quality checks found.
	Quality DataQuality
}

// KPIValue is a figure that can be undefined, such as DSO in a month without
// sales. Reason says, in words a controller understands, why Value is null;
// it is empty when Value is valid.
type KPIValue struct {
	Value  decimal.NullDecimal
	Reason string
	// Provisional is true while the figure can still change: the running
	// month, or a correction rate younger than 90 days.
	Provisional bool
}

// MonthKPIs are the KPIs of one calendar month as defined in KPIS.md.
type MonthKPIs struct {
	// Month is the first day of the month, UTC.
	Month time.Time
	// AREnd is the receivables open at the end of the month and GrossSales
	// the gross invoiced in the month less credit notes, both in the base
	// currency.
	AREnd, GrossSales decimal.Decimal
	// InvoicesDue counts the invoices that fell due in the month and
	// InvoicesDunned those of them that received a dunning notice.
	InvoicesDue, InvoicesDunned int
	// Figures holds every KPI of the month by its name in
	// `takt kpi --format json` (dso_days, cei_percent, ar_aging_1_30, ...;
	// see KPIDefinition for units).
	Figures map[string]KPIValue
}

// figure returns the KPI of the month by name.
func (m MonthKPIs) figure(name string) KPIValue {
	if v, ok := m.Figures[name]; ok {
		return v
	}
	return KPIValue{Reason: "not computed for this month"}
}

// UnbilledItem is one piece of approved, billable work that no invoice
// covers yet.
type UnbilledItem struct {
	// CustomerID is takt's id of the customer; empty when no customer is
	// known. ProjectCode is the Harvest project code.
	CustomerID, Customer, ProjectCode, Project string
	// Kind is "time", "expense" or "milestone".
	Kind string
	// SourceID is the record's id in its source system.
	SourceID string
	// WorkDate is the day the work became billable (UTC date).
	WorkDate time.Time
	// Hours is zero for expenses and milestones; Rate is the hourly rate of
	// time entries; Amount is the value at that rate, in Currency.
	Hours, Rate, Amount decimal.Decimal
	// Currency is an ISO 4217 code.
	Currency string
	// AgeDays is the number of days from WorkDate to the as-of day.
	AgeDays int
	// AmountBase is Amount in the base currency at the month-end rate;
	// null when the currency has no rate. Only TopUnbilled carries it.
	AmountBase decimal.NullDecimal
}

// Exception is one billing exception: something in the order-to-cash chain
// that loses or delays money, with the records involved.
type Exception struct {
	// ID is reconciliation's id of the exception (`takt exceptions`).
	ID string
	// Kind is reconciliation's code for the exception, lower case with
	// underscores (e.g. "double_billed"); it is used as a criterion in the
	// pack's formulas, so it must be a plain code.
	Kind                      string
	CustomerID, Customer      string
	ProjectCode, Project      string
	SourceIDs, InvoiceNumbers []string
	MatchLevel                string
	// Amount is the amount at stake, in Currency (an ISO 4217 code).
	Amount   decimal.Decimal
	Currency string
	// Reason explains the exception in plain words.
	Reason string
	// Acknowledgement is the latest acknowledgement, if any. Acknowledged
	// is true only while the exception still has the amount and records it
	// was acknowledged with.
	Acknowledgement *Acknowledgement
	Acknowledged    bool
}

// Acknowledgement is a controller's note that an exception needs no action.
type Acknowledgement struct {
	By     string
	At     time.Time
	Reason string
}

// BillingRun is a draft billing run as the pack shows it.
type BillingRun struct {
	ID, Status, Period string
	InvoiceDate        time.Time
	CreatedBy          string
	CreatedAt          time.Time
	ApprovedBy         string
	Invoices           []BillingInvoice
	// Adjustments counts the manual changes made to the draft.
	Adjustments int
}

// BillingInvoice is one draft invoice of a run with its lines.
type BillingInvoice struct {
	// Position numbers the invoices of the run from 1.
	Position           int
	Customer, Currency string
	VATCase            string
	Net, Tax, Gross    decimal.Decimal
	DueDate            time.Time
	Lines              []BillingLine
	// WriteOffs are proposals beside the invoice (work beyond a budget),
	// not part of its totals.
	WriteOffs []BillingLine
}

// BillingLine is one line of a draft invoice.
type BillingLine struct {
	Kind, Project, Task, Description string
	// Hours and Rate are set for time lines.
	Hours, Rate decimal.NullDecimal
	Amount      decimal.Decimal
	// TaxRate is the VAT rate in percent.
	TaxRate         decimal.Decimal
	ManuallyChanged bool
}

// Receivable is an issued invoice or credit note open at the month's end.
type Receivable struct {
	Customer, Number, Kind string
	IssueDate              time.Time
	// DueDate is zero for credit notes.
	DueDate time.Time
	// DaysPastDue is 0 for documents not yet due.
	DaysPastDue int
	// Bucket is not_due, 1_30, 31_60, 61_90 or over_90.
	Bucket   string
	Currency string
	// Gross and Open are in Currency; OpenBase is the open amount in the
	// base currency, negative for credit notes.
	Gross, Open, OpenBase decimal.Decimal
	// NoRate is true when the document's currency has no exchange rate at
	// the month end (and none is booked on it): OpenBase is then unknown
	// and zero, and the month's receivables KPIs are undefined.
	NoRate bool
}

// DunnedInvoice is an invoice that fell due in the reported month, with the
// dunning notices it received by the as-of day.
type DunnedInvoice struct {
	Customer, Number   string
	IssueDate, DueDate time.Time
	Currency           string
	Gross              decimal.Decimal
	Notices            int
	MaxLevel           int
	// Level1..Level3 say whether a notice of that level was sent.
	Level1, Level2, Level3 bool
	// FirstNotice is zero without a notice.
	FirstNotice time.Time
	NoticeList  string
}

// Incident is an incident of the incident log, with the KPI months it
// touched and its follow-ups.
type Incident struct {
	ID                      int64
	Title, Severity, Status string
	CustomerImpact          string
	// Months are the first days (UTC) of the KPI months the incident
	// touched, ascending.
	Months    []time.Time
	FollowUps []FollowUp
}

// FollowUp is an action agreed after an incident.
type FollowUp struct {
	Number    int
	Action    string
	OwnerRole string
	Due       time.Time
	// Status is open, done or dropped.
	Status string
	// Overdue is true when it is open past its due date on the day the pack
	// was made.
	Overdue bool
}

// FollowUpState sums up the follow-ups in one word: none, overdue, open or
// done.
func (i Incident) FollowUpState() string {
	state := "none"
	for _, f := range i.FollowUps {
		switch {
		case f.Overdue:
			return "overdue"
		case f.Status == "open":
			state = "open"
		case state == "none":
			state = "done"
		}
	}
	return state
}

// touches reports whether the incident touched the month of m.
func (i Incident) touches(m time.Time) bool {
	for _, t := range i.Months {
		if t.Equal(m) {
			return true
		}
	}
	return false
}

// DataQuality is what the checks on the loaded data found.
type DataQuality struct {
	// Rejects are the quarantined records still open.
	Rejects []Reject
	// Identities are customers and projects that matched no record or
	// several in the other systems.
	Identities []IdentityIssue
	// Freshness is every source stream's last successful and failed load.
	Freshness []StreamFreshness
	// Drift lists the fields sources sent that their connectors do not know.
	Drift []DriftField
	// StaleAfter is how old a stream's last successful load may be before
	// it counts as stale, measured against GeneratedAt; default 2 days.
	StaleAfter time.Duration
}

// Reject is a record that failed validation and waits in quarantine.
type Reject struct {
	RunID                    int64
	Source, Stream, RecordID string
	Rule, Field, Message     string
	Stage                    string
	RejectedAt               time.Time
}

// IdentityIssue is a customer or project record to settle by hand.
type IdentityIssue struct {
	// Kind is customer or project; Status unmatched or ambiguous.
	Kind, System, SourceID, Name, Status, Hint string
}

// StreamFreshness is when a source stream last loaded.
type StreamFreshness struct {
	Source, Stream string
	// LastSuccess is zero when the stream never loaded.
	LastSuccess time.Time
	Rows        int64
	LastFailure time.Time
	Error       string
}

// DriftField is a field a source sent that its connector does not know.
type DriftField struct {
	Source, Stream, Field string
	RunID                 int64
	FirstSeen             time.Time
}

var (
	currencyCode  = regexp.MustCompile(`^[A-Z]{3}$`)
	exceptionKind = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// validate checks what the renderers rely on, so that a mistake in the
// layers above shows up as an error naming the record rather than as a
// wrong spreadsheet formula or an empty chart. Items of UnbilledRows are
// checked as they are written.
func (p Pack) validate() error {
	if p.Lang != "en" && p.Lang != "de" {
		return fmt.Errorf("reports: language %q is not supported; use \"en\" or \"de\"", p.Lang)
	}
	if !isMonthStart(p.Month) {
		return fmt.Errorf("reports: month %s is not the first day of a month in UTC", p.Month.Format(time.RFC3339))
	}
	if !currencyCode.MatchString(p.BaseCurrency) {
		return fmt.Errorf("reports: base currency %q is not an ISO 4217 code (three capital letters)", p.BaseCurrency)
	}
	if len(p.Months) == 0 {
		return fmt.Errorf("reports: the pack for %s has no KPIs; it needs at least the reported month", p.Month.Format("2006-01"))
	}
	for i, m := range p.Months {
		if !isMonthStart(m.Month) {
			return fmt.Errorf("reports: KPIs %d: month %s is not the first day of a month in UTC", i, m.Month.Format(time.RFC3339))
		}
		if i > 0 && !m.Month.After(p.Months[i-1].Month) {
			return fmt.Errorf("reports: KPIs %d: month %s does not follow %s; months must be ascending", i, m.Month.Format("2006-01"), p.Months[i-1].Month.Format("2006-01"))
		}
	}
	if last := p.Months[len(p.Months)-1].Month; !last.Equal(p.Month) {
		return fmt.Errorf("reports: the last KPI month is %s, not the reported month %s", last.Format("2006-01"), p.Month.Format("2006-01"))
	}
	for i, u := range p.Unbilled {
		if err := u.check(i); err != nil {
			return err
		}
	}
	for i, u := range p.TopUnbilled {
		if err := u.check(i); err != nil {
			return err
		}
	}
	for i, e := range p.Exceptions {
		if !currencyCode.MatchString(e.Currency) {
			return fmt.Errorf("reports: exception %d (kind %q): currency %q is not an ISO 4217 code", i, e.Kind, e.Currency)
		}
		if !exceptionKind.MatchString(e.Kind) {
			return fmt.Errorf("reports: exception %d: kind %q is not a code of lower-case letters, digits and underscores", i, e.Kind)
		}
	}
	if r := p.BillingRun; r != nil {
		for _, inv := range r.Invoices {
			if !currencyCode.MatchString(inv.Currency) {
				return fmt.Errorf("reports: billing run %s invoice %d: currency %q is not an ISO 4217 code", r.ID, inv.Position, inv.Currency)
			}
		}
	}
	for i, d := range p.Receivables {
		if !currencyCode.MatchString(d.Currency) {
			return fmt.Errorf("reports: receivable %d (%s): currency %q is not an ISO 4217 code", i, d.Number, d.Currency)
		}
		if !slices.Contains(agingBucketOrder, d.Bucket) {
			return fmt.Errorf("reports: receivable %d (%s): aging bucket %q is not one of not_due, 1_30, 31_60, 61_90, over_90", i, d.Number, d.Bucket)
		}
	}
	for i, d := range p.Dunning {
		if !currencyCode.MatchString(d.Currency) {
			return fmt.Errorf("reports: dunned invoice %d (%s): currency %q is not an ISO 4217 code", i, d.Number, d.Currency)
		}
	}
	return nil
}

// check validates one unbilled item; i is its position, for the message.
func (u UnbilledItem) check(i int) error {
	if !currencyCode.MatchString(u.Currency) {
		return fmt.Errorf("reports: unbilled item %d (source id %q): currency %q is not an ISO 4217 code", i, u.SourceID, u.Currency)
	}
	return nil
}

// agingBucketOrder are the receivables' aging buckets in display order.
var agingBucketOrder = []string{"not_due", "1_30", "31_60", "61_90", "over_90"}

// wipBucketOrder are the age buckets of unbilled work (KPIS.md).
var wipBucketOrder = []string{"0_30", "31_60", "61_90", "over_90"}

// wipBucket is the age bucket of unbilled work that is days old.
func wipBucket(days int) string {
	switch {
	case days <= 30:
		return "0_30"
	case days <= 60:
		return "31_60"
	case days <= 90:
		return "61_90"
	}
	return "over_90"
}

// isMonthStart reports whether t is midnight on the first of a month at UTC
// offset zero (the warehouse's dates are UTC; see DESIGN.md).
func isMonthStart(t time.Time) bool {
	if _, offset := t.Zone(); offset != 0 {
		return false
	}
	return t.Day() == 1 && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// previous returns the KPIs of the month before the reported one, if the
// pack has them.
func (p Pack) previous() (MonthKPIs, bool) {
	if len(p.Months) < 2 {
		return MonthKPIs{}, false
	}
	prev := p.Months[len(p.Months)-2]
	return prev, prev.Month.Equal(p.Month.AddDate(0, -1, 0))
}

// current returns the KPIs of the reported month; validate guarantees them.
func (p Pack) current() MonthKPIs {
	return p.Months[len(p.Months)-1]
}

// monthKPIs returns the KPIs of the month of m, if the pack has them.
func (p Pack) monthKPIs(m time.Time) (MonthKPIs, bool) {
	for _, k := range p.Months {
		if k.Month.Equal(m) {
			return k, true
		}
	}
	return MonthKPIs{}, false
}

// asOf is the day the unbilled work is listed for.
func (p Pack) asOf() time.Time {
	if !p.AsOf.IsZero() {
		return p.AsOf
	}
	return p.Month.AddDate(0, 1, -1)
}

// unbilled yields the pack's unbilled items: UnbilledRows when set, else
// Unbilled. Every item is validated as it goes by.
func (p Pack) unbilled() iter.Seq2[UnbilledItem, error] {
	return func(yield func(UnbilledItem, error) bool) {
		i := 0
		check := func(u UnbilledItem, err error) bool {
			if err == nil {
				err = u.check(i)
			}
			i++
			if err != nil {
				yield(UnbilledItem{}, err)
				return false
			}
			return yield(u, nil)
		}
		if p.UnbilledRows != nil {
			for u, err := range p.UnbilledRows {
				if !check(u, err) {
					return
				}
			}
			return
		}
		for _, u := range groupUnbilled(p.Unbilled) {
			if !check(u, nil) {
				return
			}
		}
	}
}

// groupUnbilled returns items with those of one customer and currency, and
// within them of one project, next to each other: items as they are when
// they already are, else a regrouped copy in which customers, currencies
// and projects keep the order of their first appearance.
func groupUnbilled(items []UnbilledItem) []UnbilledItem {
	type key struct{ customerID, customer, currency, project string }
	first := map[key]int{}
	rank := func(k key) int {
		if r, ok := first[k]; ok {
			return r
		}
		first[k] = len(first)
		return first[k]
	}
	type ranked struct {
		u                      UnbilledItem
		customer, cur, project int
	}
	list := make([]ranked, len(items))
	for i, u := range items {
		list[i] = ranked{u: u, customer: rank(key{u.CustomerID, u.Customer, "", ""}),
			cur: rank(key{u.CustomerID, u.Customer, u.Currency, ""}), project: rank(key{u.CustomerID, u.Customer, u.Currency, u.Project})}
	}
	// Ranks count first appearances, so the items are grouped exactly
	// when they are already in rank order.
	order := func(a, b ranked) int {
		return cmp.Or(cmp.Compare(a.customer, b.customer), cmp.Compare(a.cur, b.cur), cmp.Compare(a.project, b.project))
	}
	if slices.IsSortedFunc(list, order) {
		return items
	}
	slices.SortStableFunc(list, order)
	out := make([]UnbilledItem, len(list))
	for i, r := range list {
		out[i] = r.u
	}
	return out
}
