package demo

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// Ledger is the demo company's books and work as the generator made them,
// in plain values: every invoice Xero holds (issued, draft and voided) with
// its payments and credit notes, every dunning notice, every time entry
// and expense with the Harvest invoice that billed it, and every
// milestone. Tests recompute takt's KPIs from it with their own
// arithmetic, independently of the SQL layer.
type Ledger struct {
	AsOf         time.Time
	BaseCurrency string
	// Invoices are ordered by issue date, then number.
	Invoices    []LedgerInvoice
	CreditNotes []LedgerCreditNote
	Notices     []LedgerNotice
	Work        []LedgerWork
	Milestones  []LedgerMilestone
}

// LedgerInvoice is one invoice in Xero.
type LedgerInvoice struct {
	Number      string
	CustomerKey string
	Currency    string
	// Status is Xero's: AUTHORISED, PAID, DRAFT or VOIDED.
	Status    string
	Reference string
	Issue     time.Time
	Due       time.Time
	// Net and Gross are in Currency; Rate is the rate booked on the
	// invoice, units of Currency per EUR.
	Net, Gross, Rate decimal.Decimal
	// Lines is the number of its line items.
	Lines    int
	Payments []LedgerPayment
	// UpdatedOn is the day Xero last changed the invoice: for a voided
	// invoice, the day it was voided.
	UpdatedOn time.Time
}

// Issued reports whether the invoice counts: neither a draft nor voided.
func (i LedgerInvoice) Issued() bool { return i.Status == statusAuthorised || i.Status == statusPaid }

// LedgerPayment is a payment received on an invoice, in its currency.
type LedgerPayment struct {
	Date   time.Time
	Amount decimal.Decimal
}

// LedgerCreditNote is a credit note, allocated in full to InvoiceNumber on
// its own date.
type LedgerCreditNote struct {
	Number, CustomerKey, Currency, Reference string
	InvoiceNumber                            string
	Date                                     time.Time
	Gross, Rate                              decimal.Decimal
}

// LedgerNotice is a dunning notice; its fee is in the invoice's currency.
type LedgerNotice struct {
	InvoiceNumber string
	Level         int
	Date          time.Time
	Fee           decimal.Decimal
	Currency      string
}

// LedgerWork is a time entry or an expense.
type LedgerWork struct {
	Kind        string // "time" or "expense"
	ID          string
	CustomerKey string
	ProjectCode string
	Currency    string
	Date        time.Time
	// Hours and Rate (the entry's billable rate) are zero for expenses;
	// CardRate is the rate card's rate on Date for time on
	// time-and-materials projects.
	Hours, Rate, CardRate decimal.Decimal
	// Cost is an expense's total cost.
	Cost decimal.Decimal
	// TimeAndMaterials is true for work on time-and-materials projects,
	// which is billable; Approved says whether its timesheet is approved.
	TimeAndMaterials, Approved bool
	// InvoiceNumber and InvoiceIssue name the Harvest invoice that billed
	// it, if any.
	InvoiceNumber string
	InvoiceIssue  time.Time
}

// LedgerMilestone is a fixed-price milestone; Reached and Accepted are
// zero while they have not happened, InvoiceNumber empty while it is not
// invoiced.
type LedgerMilestone struct {
	ID, ProjectCode, CustomerKey, Currency string
	Amount                                 decimal.Decimal
	Reached, Accepted                      time.Time
	InvoiceNumber                          string
	InvoiceIssue                           time.Time
}

// BuildLedger simulates the company of opts (the same one Generate
// renders) and returns its books and work.
func BuildLedger(opts Options) (*Ledger, error) {
	if err := checkAsOf(opts.AsOf); err != nil {
		return nil, err
	}
	w := newWorld(opts.Seed, opts.AsOf.UTC())
	if err := w.run(); err != nil {
		return nil, err
	}
	return w.ledger(), nil
}

func (w *world) ledger() *Ledger {
	l := &Ledger{AsOf: w.asOf, BaseCurrency: BaseCurrency}
	for _, inv := range w.issuedAndOther() {
		li := LedgerInvoice{
			Number: inv.number, CustomerKey: inv.customer.key, Currency: inv.currency, Status: inv.status, Reference: inv.reference,
			Issue: inv.issue, Due: inv.due, Net: inv.subtotal, Gross: inv.total, Rate: inv.fx, Lines: len(inv.lines),
			UpdatedOn: dayOf(maxTime(xeroCreated(inv), inv.updated())),
		}
		for _, p := range inv.payments {
			li.Payments = append(li.Payments, LedgerPayment{Date: p.date, Amount: p.amount})
		}
		l.Invoices = append(l.Invoices, li)
	}
	for _, cn := range w.creditNotes {
		l.CreditNotes = append(l.CreditNotes, LedgerCreditNote{
			Number: cn.number, CustomerKey: cn.invoice.customer.key, Currency: cn.invoice.currency, Reference: cn.reference,
			InvoiceNumber: cn.invoice.number, Date: cn.date, Gross: cn.total, Rate: cn.fx,
		})
	}
	for _, n := range w.dunning {
		l.Notices = append(l.Notices, LedgerNotice{InvoiceNumber: n.invoice.number, Level: n.level, Date: n.date, Fee: n.fee, Currency: n.invoice.currency})
	}
	for _, e := range w.entries {
		lw := LedgerWork{
			Kind: "time", ID: strconv.FormatInt(e.id, 10), CustomerKey: e.project.customer.key, ProjectCode: e.project.code,
			Currency: e.project.customer.currency, Date: e.date, Hours: e.hours, Rate: e.rate,
			TimeAndMaterials: e.billable(), Approved: e.approved,
		}
		if e.billable() {
			lw.CardRate = e.pt.cardRate(e.date)
		}
		if e.invoice != nil {
			lw.InvoiceNumber, lw.InvoiceIssue = e.invoice.number, e.invoice.issue
		}
		l.Work = append(l.Work, lw)
	}
	for _, x := range w.expenses {
		lw := LedgerWork{
			Kind: "expense", ID: strconv.FormatInt(x.id, 10), CustomerKey: x.project.customer.key, ProjectCode: x.project.code,
			Currency: x.project.customer.currency, Date: x.date, Cost: x.total, TimeAndMaterials: x.billable(), Approved: x.approved,
		}
		if x.invoice != nil {
			lw.InvoiceNumber, lw.InvoiceIssue = x.invoice.number, x.invoice.issue
		}
		l.Work = append(l.Work, lw)
	}
	slices.SortStableFunc(l.Work, func(a, b LedgerWork) int {
		return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(a.Kind, b.Kind), cmp.Compare(len(a.ID), len(b.ID)), cmp.Compare(a.ID, b.ID))
	})
	for _, m := range w.milestones {
		lm := LedgerMilestone{
			ID: m.id, ProjectCode: m.project.code, CustomerKey: m.project.customer.key, Currency: m.project.customer.currency,
			Amount: m.amount, Reached: m.reached, Accepted: m.accepted,
		}
		if m.invoice != nil {
			lm.InvoiceNumber, lm.InvoiceIssue = m.invoice.number, m.invoice.issue
		}
		l.Milestones = append(l.Milestones, lm)
	}
	return l
}
