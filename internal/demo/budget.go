package demo

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// setBudgets gives each T&M and fixed-price project its budget in hours
// (Harvest, budget_by "project") and writes the change requests: four
// projects ran over budget with an approved change request covering the
// excess, one ran over without (the injected overrun; its request is still
// pending), and a few requests elsewhere were rejected, are pending or
// added scope within budget.
func (w *world) setBudgets() error {
	r := newRNG(w.seed, "budgets")
	approved := map[*project]decimal.Decimal{}
	all := map[*project]decimal.Decimal{}
	byProject := map[*project][]*entry{}
	for _, e := range w.entries {
		all[e.project] = all[e.project].Add(e.hours)
		if e.approved {
			approved[e.project] = approved[e.project].Add(e.hours)
			byProject[e.project] = append(byProject[e.project], e)
		}
	}
	var cands []*project
	for _, p := range w.projects {
		if p.model == timeAndMaterials && approved[p].GreaterThanOrEqual(decimal.New(80, 0)) {
			cands = append(cands, p)
		}
	}
	if len(cands) < 8 {
		return fmt.Errorf("demo: too few projects with enough hours for budget overruns; try another seed")
	}
	shuffle(r, cands)
	overrun, covered, noise := cands[0], cands[1:5], cands[5:8]
	w.defects.overrun = overrun

	var crs []*changeRequest
	addCR := func(p *project, status string, on time.Time, hours decimal.Decimal) {
		cr := &changeRequest{project: p, title: pick(r, changeRequestTitles), status: status, extraHours: hours}
		if status == "approved" {
			cr.approvedOn = on
		}
		cr.extraAmount = hours.Mul(averageRate(p, w.asOf)).Round(2)
		crs = append(crs, cr)
	}
	for _, p := range w.projects {
		if !p.hasBudget() {
			continue
		}
		a := approved[p]
		switch {
		case p == overrun:
			p.budget = floorTo(percent(a, int64(r.between(80, 90))), 10)
			addCR(p, "pending", time.Time{}, ceilTo(percent(a.Sub(p.budget), 120), 10))
		case slices.Contains(covered, p):
			p.budget = floorTo(percent(a, int64(r.between(75, 90))), 10)
			// Approved around the time the work reached the budget.
			on := p.start
			sum := decimal.Zero
			for _, e := range byProject[p] {
				if sum = sum.Add(e.hours); sum.GreaterThan(p.budget) {
					on = addDays(e.date, -r.between(0, 10))
					break
				}
			}
			on = workdayOnOrBefore(minTime(maxTime(on, p.start), addDays(w.asOf, -1)))
			addCR(p, "approved", on, ceilTo(percent(a.Sub(p.budget), int64(r.between(110, 140))), 10))
		default:
			p.budget = maxDecimal(ceilTo(percent(all[p], int64(r.between(108, 150))), 10), decimal.New(20, 0))
		}
	}
	// Requests that change nothing about the overruns.
	addCR(noise[0], "rejected", time.Time{}, ceilTo(percent(approved[noise[0]], 15), 10))
	addCR(noise[1], "pending", time.Time{}, ceilTo(percent(approved[noise[1]], 10), 10))
	addCR(noise[2], "approved", workdayOnOrBefore(minTime(addDays(noise[2].start, r.between(20, 60)), addDays(w.asOf, -1))), decimal.New(40, 0))
	// The overrun project also had a request rejected before.
	addCR(overrun, "rejected", time.Time{}, decimal.New(60, 0))

	slices.SortStableFunc(crs, func(a, b *changeRequest) int {
		return cmp.Or(a.project.start.Compare(b.project.start), cmp.Compare(a.project.idx, b.project.idx))
	})
	for i, cr := range crs {
		cr.id = fmt.Sprintf("CR-%03d", i+1)
	}
	w.changeRequests = crs
	return nil
}

func maxDecimal(a, b decimal.Decimal) decimal.Decimal {
	if a.GreaterThan(b) {
		return a
	}
	return b
}

// averageRate is the mean hourly rate of a project's tasks on day d.
func averageRate(p *project, d time.Time) decimal.Decimal {
	sum := decimal.Zero
	n := 0
	for _, pt := range p.tasks {
		if len(pt.cards) > 0 {
			sum = sum.Add(pt.cardRate(d))
			n++
		}
	}
	if n == 0 {
		return decimal.Zero
	}
	return sum.Div(decimal.New(int64(n), 0)).Round(2)
}

// buildDealItems writes each deal's line items in HubSpot: the estimated
// hours per task at the initial rate for T&M, the fixed fee, or the monthly
// fee times the term.
func (w *world) buildDealItems() {
	r := newRNG(w.seed, "deal items")
	for _, p := range w.projects {
		switch p.model {
		case timeAndMaterials:
			n := int64(len(p.tasks))
			rest := p.budget
			for i, pt := range p.tasks {
				qty := p.budget.Div(decimal.New(n, 0)).Round(0)
				if i == len(p.tasks)-1 {
					qty = rest
				}
				rest = rest.Sub(qty)
				p.lineItems = append(p.lineItems, &lineItem{
					id: w.hubspotID(r, 11), name: pt.task.seed.name + " (hourly rate)", sku: "RATE-" + pt.task.seed.name,
					quantity: qty, price: pt.cards[0].rate,
				})
			}
		case fixedPrice:
			p.lineItems = []*lineItem{{id: w.hubspotID(r, 11), name: "Fixed fee: " + p.name(), sku: "FIXED-FEE", quantity: decimal.New(1, 0), price: p.fee}}
		case retainer:
			p.lineItems = []*lineItem{{id: w.hubspotID(r, 11), name: "Monthly fee: " + p.name(), sku: "RETAINER-MONTHLY", quantity: decimal.New(int64(p.months), 0), price: p.fee}}
		}
	}
}

// dealAmount is the sum of a deal's line items.
func (p *project) dealAmount() decimal.Decimal {
	s := decimal.Zero
	for _, li := range p.lineItems {
		s = s.Add(li.quantity.Mul(li.price))
	}
	return s
}
