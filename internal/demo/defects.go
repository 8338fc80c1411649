package demo

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// injectWorkDefects spoils time entries before the firm bills them: entries
// it forgets to bill, an entry imported twice, rates that differ from the
// rate card, and an entry whose hours will change after billing.
func (w *world) injectWorkDefects() error {
	r := newRNG(w.seed, "defects")
	asOfMonth := monthStart(w.asOf)
	taken := map[*entry]bool{}
	// billedLater is approved billable work the monthly run will bill, up
	// to the given month of the window.
	billedLater := func(lastMonth int) func(*entry) bool {
		return func(e *entry) bool {
			return e.billable() && e.approved && e.date.Before(asOfMonth) && w.month(e.date) <= lastMonth
		}
	}
	choose := func(what string, ok func(*entry) bool) (*entry, error) {
		n := len(w.entries)
		for range 500 {
			if e := w.entries[r.intn(n)]; !taken[e] && ok(e) {
				taken[e] = true
				return e, nil
			}
		}
		start := r.intn(n)
		for i := range n {
			if e := w.entries[(start+i)%n]; !taken[e] && ok(e) {
				taken[e] = true
				return e, nil
			}
		}
		return nil, fmt.Errorf("demo: no time entry fits the %s defect; try another seed", what)
	}

	// Changed after billing: early enough that the change, weeks after the
	// invoice, still lies before the as-of date.
	changed, err := choose("changed-after-billing", billedLater(windowMonths-4))
	if err != nil {
		return err
	}
	switch {
	case r.chance(0.5):
		changed.changeTo = changed.hours.Add(decimal.New(150, -2))
	case changed.hours.GreaterThanOrEqual(decimal.New(1, 0)):
		changed.changeTo = changed.hours.Sub(decimal.New(50, -2))
	default:
		changed.changeTo = changed.hours.Add(decimal.New(75, -2))
	}
	w.defects.changed = changed

	// Billed twice: the issue tracker import ran twice for one work log.
	orig, err := choose("double-billed", func(e *entry) bool { return e.ext != nil && billedLater(windowMonths-2)(e) })
	if err != nil {
		return err
	}
	dup := *orig
	dup.seq = len(w.entries)
	dup.created = orig.created.Add(time.Duration(r.between(20, 90)) * time.Minute)
	w.entries = append(w.entries, &dup)
	taken[&dup] = true
	w.defects.original, w.defects.duplicate = orig, &dup

	// Rates: the old rate after a price increase (billed), a mistyped rate
	// (billed) and an unapproved discount on work not billed yet.
	old, err := choose("old rate", func(e *entry) bool {
		return billedLater(windowMonths-2)(e) && len(e.pt.cards) == 2 && !e.date.Before(e.pt.cards[1].from)
	})
	if err == nil {
		old.rate = old.pt.cards[0].rate
	} else {
		if old, err = choose("rate below card", billedLater(windowMonths-2)); err != nil {
			return err
		}
		old.rate = old.rate.Sub(decimal.New(10, 0))
	}
	typo, err := choose("mistyped rate", billedLater(windowMonths-2))
	if err != nil {
		return err
	}
	typo.rate = typo.rate.Add(decimal.New(20, 0))
	discount, err := choose("unbilled rate", func(e *entry) bool {
		return e.billable() && e.approved && !e.date.Before(asOfMonth)
	})
	if err != nil {
		return err
	}
	discount.rate = discount.rate.Sub(decimal.New(15, 0))
	w.defects.mismatches = []*entry{old, typo, discount}

	// Forgotten: approved work left out of the monthly invoices.
	for range r.between(10, 20) {
		e, err := choose("never-invoiced", billedLater(windowMonths-2))
		if err != nil {
			return err
		}
		e.forgotten = true
		w.defects.forgotten = append(w.defects.forgotten, e)
	}
	return nil
}

// applyChangeAfterBilling edits the changed entry's hours some weeks after
// the invoice that billed it was issued.
func (w *world) applyChangeAfterBilling() {
	r := newRNG(w.seed, "change")
	e := w.defects.changed
	e.hours = e.changeTo
	at := addDays(e.invoice.issue, r.between(5, 25)).Add(time.Duration(r.between(9*3600, 17*3600)) * time.Second)
	e.updated = minTime(at, w.asOf.Add(12*time.Hour))
}
