package demo

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// simulateWork books the firm's time and expenses: every workday each
// person who is not off splits a working day over a few entries on the
// projects they are staffed on.
func (w *world) simulateWork() {
	r := newRNG(w.seed, "work")
	cutoff := w.approvalCutoff()
	var active []*project
	for di := range w.days() {
		d := addDays(w.start, di)
		if !isWorkday(d) {
			continue
		}
		for _, p := range w.people {
			if p.off[di] {
				continue
			}
			active = active[:0]
			for _, pr := range p.projects {
				if !d.Before(pr.start) && !d.After(pr.end) {
					active = append(active, pr)
				}
			}
			if len(active) == 0 {
				continue
			}
			// 7 to 8.5 hours in quarters, over 3 to 7 entries of at least
			// half an hour.
			quarters := 28 + r.intn(3) + r.intn(3) + r.intn(3)
			parts := make([]int, r.between(3, 7))
			for i := range parts {
				parts[i] = 2
			}
			for q := 2 * len(parts); q < quarters; q++ {
				parts[r.intn(len(parts))]++
			}
			for _, q := range parts {
				pr := pick(r, active)
				w.addEntry(r, p, pr, pick(r, pr.tasks), d, decimal.New(int64(q)*25, -2), cutoff)
			}
			if r.chance(0.028) {
				w.addExpense(r, p, pick(r, active), d, cutoff)
			}
		}
	}
}

func (w *world) addEntry(r *rng, p *person, pr *project, pt *projectTask, d time.Time, hours decimal.Decimal, cutoff time.Time) {
	pr.ticketSeq += r.between(1, 3)
	ticket := pr.key + "-" + strconv.Itoa(pr.ticketSeq)
	e := &entry{
		seq:     len(w.entries),
		person:  p,
		project: pr,
		pt:      pt,
		date:    d,
		hours:   hours,
		notes:   ticket + " " + pick(r, pt.task.seed.phrases),
		created: d.Add(time.Duration(r.between(16*3600, 19*3600+3599)) * time.Second),
	}
	if pt.task.seed.tracked && pr.model != retainer && r.chance(0.5) {
		w.jiraSeq += r.between(1, 4)
		e.ext = &extRef{
			id:        strconv.Itoa(20000 + w.jiraSeq),
			groupID:   strconv.Itoa(pr.jiraID),
			permalink: "https://nordlicht.atlassian.net/browse/" + ticket,
		}
	}
	if e.billable() {
		e.rate = pt.cardRate(d)
	}
	w.approve(&e.approved, &e.updated, e.created, p, d, cutoff)
	w.entries = append(w.entries, e)
}

// approve marks work of day d approved unless it lies in the last ten days:
// timesheets are approved on the Monday after their week, and at the latest
// on the first workday of the next month, before it is invoiced.
func (w *world) approve(approved *bool, updated *time.Time, created time.Time, p *person, d, cutoff time.Time) {
	if d.After(cutoff) {
		*updated = created
		return
	}
	*approved = true
	at := minTime(mondayAfterWeek(d), nthWorkday(monthStart(d).AddDate(0, 1, 0), 1))
	*updated = at.Add(8*time.Hour + time.Duration(p.idx*7%180)*time.Minute + time.Duration(p.idx*13%60)*time.Second)
}

func (w *world) addExpense(r *rng, p *person, pr *project, d time.Time, cutoff time.Time) {
	city := pr.customer.city
	x := &expense{
		seq:     len(w.expenses),
		person:  p,
		project: pr,
		date:    d,
		units:   decimal.New(1, 0),
		created: d.Add(time.Duration(r.between(18*3600, 21*3600)) * time.Second),
	}
	cents := func(lo, hi int) decimal.Decimal {
		return decimal.New(int64(r.between(lo, hi))*100+int64(r.intn(100)), -2)
	}
	switch n := r.intn(10); {
	case n < 4:
		x.category = w.categories[0]
		x.total = cents(39, 189)
		x.notes = "Train ticket to " + city
		x.receipt = "ticket.pdf"
	case n < 7:
		nights := r.between(1, 3)
		x.category = w.categories[1]
		x.total = cents(89*nights, 189*nights)
		x.notes = fmt.Sprintf("Hotel %s, %d night(s)", city, nights)
		x.receipt = "hotel_invoice.pdf"
	case n < 9:
		x.category = w.categories[2]
		x.total = cents(12, 65)
		x.notes = "Lunch with the client team in " + city
		x.receipt = "receipt.jpg"
	default:
		km := int64(r.between(40, 420))
		x.category = w.categories[3]
		x.units = decimal.New(km, 0)
		x.total = x.units.Mul(x.category.unitPrice)
		x.notes = fmt.Sprintf("Drive to %s, %d km", city, km)
	}
	w.approve(&x.approved, &x.updated, x.created, p, d, cutoff)
	w.expenses = append(w.expenses, x)
}

// assignWorkIDs numbers time entries and expenses in the order they were
// created, as Harvest does.
func (w *world) assignWorkIDs() {
	r := newRNG(w.seed, "work ids")
	slices.SortFunc(w.entries, func(a, b *entry) int {
		return cmp.Or(a.created.Compare(b.created), cmp.Compare(a.seq, b.seq))
	})
	ids := newIDSeq(r, int64(r.between(2_400_000_000, 2_450_000_000)))
	for _, e := range w.entries {
		e.id = ids.take()
	}
	slices.SortFunc(w.expenses, func(a, b *expense) int {
		return cmp.Or(a.created.Compare(b.created), cmp.Compare(a.seq, b.seq))
	})
	xids := newIDSeq(r, int64(r.between(15_300_000, 15_600_000)))
	for _, x := range w.expenses {
		x.id = xids.take()
	}
}
