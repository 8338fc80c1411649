package demo

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/internal/money"
)

// Harvest invoice numbers are plain numbers from firstHarvestNumber on;
// invoices created in Xero are numbered INV-0001 and up, so the two never
// collide.
const firstHarvestNumber = 10001

// billTime runs the monthly billing in Harvest: in the first working days of
// each month, one invoice per T&M customer and currency for the previous
// month's approved billable time and expenses. The as-of month is not
// billed yet.
func (w *world) billTime() {
	r := newRNG(w.seed, "billing")
	months := windowMonths - 1
	entries := make([][][]*entry, len(w.customers))
	expenses := make([][][]*expense, len(w.customers))
	for i := range w.customers {
		entries[i] = make([][]*entry, months)
		expenses[i] = make([][]*expense, months)
	}
	for _, e := range w.entries {
		if m := w.month(e.date); e.billable() && e.approved && !e.forgotten && m < months {
			c := e.project.customer.idx
			entries[c][m] = append(entries[c][m], e)
		}
	}
	for _, x := range w.expenses {
		if m := w.month(x.date); x.billable() && x.approved && m < months {
			c := x.project.customer.idx
			expenses[c][m] = append(expenses[c][m], x)
		}
	}

	var invs []*invoice
	for m := range months {
		period := w.start.AddDate(0, m, 0)
		for _, c := range w.customers {
			es, xs := entries[c.idx][m], expenses[c.idx][m]
			if len(es)+len(xs) == 0 {
				continue
			}
			issue := nthWorkday(period.AddDate(0, 1, 0), r.between(2, 4))
			inv := &invoice{
				seq:       len(invs),
				source:    fromHarvest,
				customer:  c,
				currency:  c.currency,
				issue:     issue,
				due:       addDays(issue, 30),
				period:    period,
				vat:       c.vat(),
				status:    statusAuthorised,
				created:   issue.Add(time.Duration(r.between(8*3600, 11*3600)) * time.Second),
				clientKey: r.hex(40),
				reference: "Services " + period.Format("January 2006"),
			}
			inv.lines = append(timeLines(es, period), expenseLines(xs)...)
			for _, e := range es {
				e.invoice = inv
				e.billedHours = e.hours
			}
			for _, x := range xs {
				x.invoice = inv
			}
			inv.computeTotals()
			invs = append(invs, inv)
		}
	}
	slices.SortStableFunc(invs, func(a, b *invoice) int {
		return cmp.Or(a.issue.Compare(b.issue), cmp.Compare(a.customer.idx, b.customer.idx))
	})
	ids := newIDSeq(r, int64(r.between(31_000_000, 31_500_000)))
	lineIDs := newIDSeq(r, int64(r.between(180_000_000, 185_000_000)))
	for i, inv := range invs {
		inv.number = strconv.Itoa(firstHarvestNumber + i)
		inv.harvestID = ids.take()
		inv.fx = w.fxRate(inv.currency, inv.issue)
		for _, l := range inv.lines {
			l.harvestID = lineIDs.take()
		}
	}
	w.harvestInvoices = invs
}

// timeLines groups entries into one line per project, task and rate.
func timeLines(es []*entry, period time.Time) []*invoiceLine {
	es = slices.Clone(es)
	slices.SortStableFunc(es, func(a, b *entry) int {
		return cmp.Or(
			cmp.Compare(a.project.code, b.project.code),
			cmp.Compare(a.pt.task.seed.name, b.pt.task.seed.name),
			a.rate.Cmp(b.rate),
		)
	})
	var lines []*invoiceLine
	var cur *invoiceLine
	var curTask *task
	for _, e := range es {
		if cur == nil || cur.project != e.project || curTask != e.pt.task || !cur.unitPrice.Equal(e.rate) {
			cur = &invoiceLine{
				kind:        "Service",
				description: fmt.Sprintf("%s: %s, %s", e.project.name(), e.pt.task.seed.name, period.Format("January 2006")),
				project:     e.project,
				unitPrice:   e.rate,
				quantity:    decimal.Zero,
			}
			curTask = e.pt.task
			lines = append(lines, cur)
		}
		cur.quantity = cur.quantity.Add(e.hours)
	}
	for _, l := range lines {
		l.amount = l.quantity.Mul(l.unitPrice).Round(2)
	}
	return lines
}

// expenseLines bills each expense on its own line at cost.
func expenseLines(xs []*expense) []*invoiceLine {
	xs = slices.Clone(xs)
	slices.SortStableFunc(xs, func(a, b *expense) int {
		return cmp.Or(cmp.Compare(a.project.code, b.project.code), a.date.Compare(b.date), cmp.Compare(a.seq, b.seq))
	})
	lines := make([]*invoiceLine, len(xs))
	for i, x := range xs {
		lines[i] = &invoiceLine{
			kind:        "Product",
			description: fmt.Sprintf("%s: %s, %s, %s", x.project.name(), x.category.name, x.notes, fmtDate(x.date)),
			project:     x.project,
			quantity:    decimal.New(1, 0),
			unitPrice:   x.total,
			amount:      x.total,
		}
	}
	return lines
}

// computeTotals sums the lines and applies VAT: the tax is computed on the
// subtotal and rounded once, half away from zero, then spread over the lines
// (each line's own rounded tax, the cent differences on the largest line) so
// that Xero's line taxes add up to the same total.
func (inv *invoice) computeTotals() {
	inv.subtotal = decimal.Zero
	for _, l := range inv.lines {
		inv.subtotal = inv.subtotal.Add(l.amount)
	}
	inv.tax = taxOn(inv.lines, inv.subtotal, inv.vat)
	inv.total = inv.subtotal.Add(inv.tax)
}

func taxOn(lines []*invoiceLine, subtotal decimal.Decimal, v vatRule) decimal.Decimal {
	rate := v.percent.Div(decimal.New(100, 0))
	tax := money.RoundCents(subtotal.Mul(rate), 2)
	sum := decimal.Zero
	largest := 0
	for i, l := range lines {
		l.tax = money.RoundCents(l.amount.Mul(rate), 2)
		sum = sum.Add(l.tax)
		if l.amount.GreaterThan(lines[largest].amount) {
			largest = i
		}
	}
	if len(lines) > 0 {
		lines[largest].tax = lines[largest].tax.Add(tax.Sub(sum))
	}
	return tax
}

// buildXeroInvoices creates what the firm invoices in Xero directly:
// reached milestones (except the one it forgets), monthly retainer fees, a
// few invoices voided and issued again, and drafts for extra work.
func (w *world) buildXeroInvoices() error {
	r := newRNG(w.seed, "xero invoices")
	var invs []*invoice
	newInvoice := func(c *customer, source int, issue time.Time, ref string) *invoice {
		inv := &invoice{seq: len(invs), source: source, customer: c, currency: c.currency, vat: c.vat(), status: statusAuthorised, reference: ref}
		setIssue(r, inv, issue)
		invs = append(invs, inv)
		return inv
	}
	oneLine := func(desc string, p *project, qty, price decimal.Decimal) []*invoiceLine {
		return []*invoiceLine{{description: desc, project: p, quantity: qty, unitPrice: price, amount: qty.Mul(price).Round(2)}}
	}
	one := decimal.New(1, 0)

	// Milestones.
	var reached []*milestone
	for _, m := range w.milestones {
		if !m.reached.IsZero() {
			reached = append(reached, m)
		}
	}
	var forgettable []*milestone
	for _, m := range reached {
		if !m.reached.After(addDays(w.asOf, -30)) {
			forgettable = append(forgettable, m)
		}
	}
	if len(forgettable) == 0 {
		return fmt.Errorf("demo: no milestone was reached early enough to be forgotten; try another seed")
	}
	lost := pick(r, forgettable)
	lost.forgotten = true
	w.defects.milestone = lost
	var msInvoices []*invoice
	for _, m := range reached {
		if m.forgotten {
			continue
		}
		p := m.project
		inv := newInvoice(p.customer, milestoneFee, minTime(workdayOnOrAfter(addDays(m.reached, r.between(1, 3))), w.asOf), "MS-"+m.id)
		inv.lines = oneLine(fmt.Sprintf("%s – milestone %d: %s", p.name(), m.n, m.name), p, one, m.amount)
		inv.project, m.invoice = p, inv
		msInvoices = append(msInvoices, inv)
	}

	// Retainers: billed in advance on the first workday of each month.
	var retInvoices []*invoice
	for _, p := range w.projects {
		if p.model != retainer {
			continue
		}
		for m := max(0, w.month(p.start)); m <= min(windowMonths-1, w.month(p.end)); m++ {
			ms := w.start.AddDate(0, m, 0)
			inv := newInvoice(p.customer, retainerFee, nthWorkday(ms, 1), fmt.Sprintf("RET-%s-%s", p.code, fmtMonth(ms)))
			inv.lines = oneLine(fmt.Sprintf("%s – retainer fee %s", p.name(), ms.Format("January 2006")), p, one, p.fee)
			inv.project, inv.period = p, ms
			retInvoices = append(retInvoices, inv)
		}
	}

	// Voided and issued again: one milestone invoice with the wrong share,
	// one or two retainer invoices with the wrong fee.
	old := func(list []*invoice) []*invoice {
		var out []*invoice
		for _, inv := range list {
			if !inv.issue.After(addDays(w.asOf, -45)) && inv.status == statusAuthorised {
				out = append(out, inv)
			}
		}
		return out
	}
	voidAndReissue := func(inv *invoice, wrong decimal.Decimal, days int) {
		v := newInvoice(inv.customer, inv.source, inv.issue, inv.reference)
		v.lines = oneLine(inv.lines[0].description, inv.project, one, wrong)
		v.project, v.period, v.status = inv.project, inv.period, statusVoided
		setIssue(r, inv, workdayOnOrAfter(addDays(inv.issue, days)))
		// The replacement comes after the voided one in Xero's numbering.
		inv.seq = len(invs)
	}
	if cands := old(msInvoices); len(cands) > 0 {
		inv := pick(r, cands)
		voidAndReissue(inv, percent(inv.lines[0].unitPrice, 110).Round(2), r.between(2, 5))
	}
	cands := old(retInvoices)
	shuffle(r, cands)
	for _, inv := range cands[:min(len(cands), r.between(1, 2))] {
		voidAndReissue(inv, inv.lines[0].unitPrice.Mul(decimal.New(2, 0)), r.between(1, 3))
	}

	// Drafts for extra work, not sent yet.
	cs := slices.Clone(w.customers)
	shuffle(r, cs)
	for _, c := range cs[:r.between(2, 3)] {
		inv := newInvoice(c, adHoc, workdayOnOrBefore(addDays(w.asOf, -r.between(0, 6))), "Additional services")
		price := roundTo(percent(decimal.New(1400, 0), currencyFactor(c.currency)), 50)
		inv.lines = oneLine("Additional workshop day", nil, decimal.New(int64(r.between(1, 2)), 0), price)
		inv.status = statusDraft
	}

	for _, inv := range invs {
		inv.computeTotals()
		inv.fx = w.fxRate(inv.currency, inv.issue)
	}
	slices.SortStableFunc(invs, func(a, b *invoice) int {
		return cmp.Or(a.issue.Compare(b.issue), cmp.Compare(a.seq, b.seq))
	})
	for i, inv := range invs {
		inv.number = fmt.Sprintf("INV-%04d", i+1)
	}
	w.xeroInvoices = invs
	return nil
}

func setIssue(r *rng, inv *invoice, issue time.Time) {
	inv.issue = issue
	inv.due = addDays(issue, 30)
	inv.created = issue.Add(time.Duration(r.between(8*3600, 16*3600)) * time.Second)
}

// issueCreditNotes credits part of a few retainer fees (hours the customer
// could not use), allocated in full to the invoice on the credit note's date.
func (w *world) issueCreditNotes() {
	r := newRNG(w.seed, "credit notes")
	var cands []*invoice
	for _, inv := range w.xeroInvoices {
		if inv.source == retainerFee && inv.status == statusAuthorised && !inv.issue.After(addDays(w.asOf, -45)) {
			cands = append(cands, inv)
		}
	}
	shuffle(r, cands)
	var cns []*creditNote
	for _, inv := range cands[:min(len(cands), r.between(3, 4))] {
		amount := percent(inv.subtotal, int64(r.between(10, 25))).Round(0)
		cn := &creditNote{
			invoice:   inv,
			date:      workdayOnOrAfter(addDays(inv.issue, r.between(5, 20))),
			reference: inv.reference,
			lines: []*invoiceLine{{
				description: fmt.Sprintf("%s – credit for unused retainer hours, %s", inv.project.name(), inv.period.Format("January 2006")),
				project:     inv.project,
				quantity:    decimal.New(1, 0),
				unitPrice:   amount,
				amount:      amount,
			}},
		}
		cn.subtotal = amount
		cn.tax = taxOn(cn.lines, amount, inv.vat)
		cn.total = cn.subtotal.Add(cn.tax)
		cn.fx = w.fxRate(inv.currency, cn.date)
		cn.updated = cn.date.Add(time.Duration(r.between(9*3600, 12*3600)) * time.Second)
		inv.allocations = append(inv.allocations, cn)
		cns = append(cns, cn)
	}
	slices.SortStableFunc(cns, func(a, b *creditNote) int {
		return cmp.Or(a.date.Compare(b.date), cmp.Compare(a.invoice.number, b.invoice.number))
	})
	for i, cn := range cns {
		cn.number = fmt.Sprintf("CN-%04d", i+1)
	}
	w.creditNotes = cns
}

// issuedInvoices returns every invoice sent to a customer, in Harvest's and
// Xero's numbering, by issue date.
func (w *world) issuedInvoices() []*invoice {
	var out []*invoice
	for _, inv := range slices.Concat(w.harvestInvoices, w.xeroInvoices) {
		if inv.status != statusDraft && inv.status != statusVoided {
			out = append(out, inv)
		}
	}
	sortInvoices(out)
	return out
}

// sortInvoices orders invoices by issue date, then number.
func sortInvoices(invs []*invoice) {
	slices.SortStableFunc(invs, func(a, b *invoice) int {
		return cmp.Or(a.issue.Compare(b.issue), cmp.Compare(a.number, b.number))
	})
}

// settle records the customers' payments: most pay within the 30 days'
// terms, some late, some in two parts, three old invoices never.
func (w *world) settle() {
	r := newRNG(w.seed, "payments")
	invs := w.issuedInvoices()
	var cands []*invoice
	for _, inv := range invs {
		age := int(w.asOf.Sub(inv.issue).Hours() / 24)
		if age >= 100 && age <= 250 && len(inv.allocations) == 0 {
			cands = append(cands, inv)
		}
	}
	shuffle(r, cands)
	seen := map[*customer]bool{}
	for _, inv := range cands {
		if len(seen) == 3 {
			break
		}
		if !seen[inv.customer] {
			seen[inv.customer] = true
			inv.neverPaid = true
		}
	}

	type part struct {
		date   time.Time
		amount decimal.Decimal
	}
	for _, inv := range invs {
		outstanding := inv.total.Sub(inv.credited())
		earliest := inv.issue
		for _, cn := range inv.allocations {
			earliest = maxTime(earliest, addDays(cn.date, 1))
		}
		x := r.float()
		if inv.customer.slowPayer {
			x = 0.45 + 0.55*x
		}
		var parts []part
		switch {
		case inv.neverPaid:
		case x < 0.70:
			parts = []part{{addDays(inv.issue, r.between(5, 28)), outstanding}}
		case x < 0.80:
			parts = []part{{addDays(inv.due, r.between(1, 25)), outstanding}}
		case x < 0.92:
			parts = []part{{addDays(inv.due, r.between(30, 120)), outstanding}}
		case x < 0.97:
			first := floorTo(percent(outstanding, int64(r.between(30, 70))), 1)
			parts = []part{
				{addDays(inv.issue, r.between(10, 28)), first},
				{addDays(inv.due, r.between(15, 100)), outstanding.Sub(first)},
			}
		default:
			parts = []part{{addDays(inv.due, r.between(90, 200)), outstanding}}
		}
		for _, p := range parts {
			d := workdayOnOrAfter(maxTime(p.date, earliest))
			if d.After(w.asOf) || !p.amount.IsPositive() {
				break
			}
			inv.payments = append(inv.payments, &payment{
				id:      r.guid(),
				invoice: inv,
				date:    d,
				amount:  p.amount,
				fx:      w.fxRate(inv.currency, d),
				updated: d.Add(time.Duration(r.between(10*3600, 15*3600)) * time.Second),
			})
		}
		if inv.amountDue().IsZero() {
			inv.status = statusPaid
			for _, p := range inv.payments {
				inv.paidOn = maxTime(inv.paidOn, p.date)
			}
			for _, cn := range inv.allocations {
				inv.paidOn = maxTime(inv.paidOn, cn.date)
			}
		}
	}
}

// Dunning levels: days after the due date and fee in the invoice currency.
var dunningLevels = []struct {
	days int
	fee  int64
}{{7, 0}, {21, 5}, {35, 10}}

// sendDunning writes a reminder for each level an invoice reached while
// still unpaid: level 1 seven days after the due date, level 2 after 21,
// level 3 after 35. An invoice settled on or before a level's date gets no
// reminder of that level.
func (w *world) sendDunning() {
	var ns []*dunningNotice
	for _, inv := range w.issuedInvoices() {
		for i, l := range dunningLevels {
			d := addDays(inv.due, l.days)
			if d.After(w.asOf) || !inv.paidOn.IsZero() && !inv.paidOn.After(d) {
				break
			}
			ns = append(ns, &dunningNotice{invoice: inv, level: i + 1, date: d, fee: decimal.New(l.fee, 0)})
		}
	}
	slices.SortStableFunc(ns, func(a, b *dunningNotice) int {
		return cmp.Or(a.date.Compare(b.date), cmp.Compare(a.invoice.number, b.invoice.number), cmp.Compare(a.level, b.level))
	})
	for i, n := range ns {
		n.id = fmt.Sprintf("DN-%05d", i+1)
	}
	w.dunning = ns
}

// assignXeroIDs gives every invoice (including Harvest's, synced to Xero)
// and line its Xero id, in issue order.
func (w *world) assignXeroIDs() {
	r := newRNG(w.seed, "xero ids")
	w.trackingCategoryID = r.guid()
	w.bankAccountID = r.guid()
	for _, inv := range w.issuedAndOther() {
		inv.xeroID = r.guid()
		for _, l := range inv.lines {
			l.xeroID = r.guid()
		}
	}
	for _, cn := range w.creditNotes {
		cn.id = r.guid()
		cn.allocationID = r.guid()
		for _, l := range cn.lines {
			l.xeroID = r.guid()
		}
	}
}
