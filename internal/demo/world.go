package demo

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// The simulated company, before it is rendered into what each system holds.
// Times are UTC; dates are at midnight.

// model is a project's billing model.
type model int

const (
	timeAndMaterials model = iota
	fixedPrice
	retainer
)

// hubspotValue is the value of the deal property billing_model.
func (m model) hubspotValue() string {
	switch m {
	case fixedPrice:
		return "fixed_price"
	case retainer:
		return "retainer"
	}
	return "time_and_materials"
}

type customer struct {
	idx      int
	key      string
	seed     companySeed
	country  string
	currency string
	vatID    string

	hubspotName, harvestName, xeroName string

	domain, street, postcode, city string
	email                          string
	ticketPrefix                   string

	hubspotID    string
	harvestID    int64
	xeroID       string
	statementKey string

	hubspotCreated time.Time
	harvestCreated time.Time
	xeroCreated    time.Time

	slowPayer bool
	projects  []*project
}

func (c *customer) fullName() string { return c.seed.base + " " + c.seed.legal }

// vatRule is how a customer's invoices are taxed.
type vatRule struct {
	percent decimal.Decimal // 19 or 0
	taxType string          // Xero TaxType of the lines
	account string          // Xero revenue account (SKR03)
}

func (c *customer) vat() vatRule {
	switch {
	case c.country == "DE":
		return vatRule{decimal.New(19, 0), "OUTPUT", "8400"}
	case countries[c.country].eu:
		return vatRule{decimal.Zero, "ECZROUTPUTSERVICES", "8336"}
	}
	return vatRule{decimal.Zero, "ZERORATEDOUTPUT", "8338"}
}

type person struct {
	idx         int
	id          int64
	first, last string
	email       string
	role        string
	rate, cost  decimal.Decimal
	created     time.Time
	projects    []*project
	off         []bool // by day of the window
}

func (p *person) name() string { return p.first + " " + p.last }

type task struct {
	seed    taskSeed
	id      int64
	created time.Time
}

// rateCard is one row of rate_cards.csv: a price valid from one date to
// another, both inclusive; a zero to is open-ended.
type rateCard struct {
	id       string
	from, to time.Time
	rate     decimal.Decimal
}

type projectTask struct {
	task         *task
	assignmentID int64
	cards        []*rateCard // by from; T&M projects only
}

// cardRate returns the rate valid on d.
func (pt *projectTask) cardRate(d time.Time) decimal.Decimal {
	for i := len(pt.cards) - 1; i >= 0; i-- {
		if !d.Before(pt.cards[i].from) {
			return pt.cards[i].rate
		}
	}
	return pt.cards[0].rate
}

type project struct {
	idx       int
	customer  *customer
	model     model
	topic     string
	code      string // the HubSpot deal id
	harvestID int64
	key       string // issue tracker key
	jiraID    int

	start, end time.Time // end inclusive; after the as-of date for running projects
	open       bool      // no end date in Harvest

	tasks  []*projectTask
	team   []*person
	uaIDs  []int64 // user assignment ids, by team member
	fee    decimal.Decimal
	budget decimal.Decimal // hours; zero without a budget

	milestones []*milestone
	months     int // term of a retainer

	dealCreated, closeDate time.Time
	harvestCreated         time.Time
	harvestUpdated         time.Time
	lineItems              []*lineItem

	ticketSeq int
}

func (p *project) name() string { return p.topic }

func (p *project) dealName() string { return p.customer.seed.base + " – " + p.topic }

func (p *project) hasBudget() bool { return p.model != retainer }

type lineItem struct {
	id              string
	name, sku       string
	quantity, price decimal.Decimal
}

type milestone struct {
	id        string
	project   *project
	n         int
	name      string
	amount    decimal.Decimal
	due       time.Time
	reached   time.Time // zero if not reached by the as-of date
	accepted  time.Time
	invoice   *invoice
	forgotten bool
}

type extRef struct{ id, groupID, permalink string }

type entry struct {
	seq     int
	id      int64
	person  *person
	project *project
	pt      *projectTask
	date    time.Time
	hours   decimal.Decimal
	notes   string
	ext     *extRef

	created, updated time.Time
	approved         bool
	rate             decimal.Decimal // billable rate; zero when not billable

	invoice     *invoice
	billedHours decimal.Decimal // the hours the invoice billed
	forgotten   bool
	changeTo    decimal.Decimal // hours after the invoice, for the changed entry
}

func (e *entry) billable() bool { return e.project.model == timeAndMaterials }

type expenseCategory struct {
	id        int64
	name      string
	unitName  string
	unitPrice decimal.Decimal
}

type expense struct {
	seq      int
	id       int64
	person   *person
	project  *project
	date     time.Time
	category *expenseCategory
	units    decimal.Decimal
	total    decimal.Decimal
	notes    string
	receipt  string // file name; empty without receipt

	created, updated time.Time
	approved         bool
	invoice          *invoice
}

func (x *expense) billable() bool { return x.project.model == timeAndMaterials }

// Kinds of invoice by where they are created.
const (
	fromHarvest = iota
	milestoneFee
	retainerFee
	adHoc
)

// Xero statuses.
const (
	statusDraft      = "DRAFT"
	statusAuthorised = "AUTHORISED"
	statusPaid       = "PAID"
	statusVoided     = "VOIDED"
)

type invoice struct {
	seq      int
	source   int
	customer *customer
	currency string
	issue    time.Time
	due      time.Time
	period   time.Time // first day of the month billed (Harvest)
	number   string

	harvestID int64
	clientKey string
	xeroID    string
	reference string

	lines                []*invoiceLine
	subtotal, tax, total decimal.Decimal
	vat                  vatRule
	fx                   decimal.Decimal

	status      string
	created     time.Time
	payments    []*payment
	allocations []*creditNote
	paidOn      time.Time // when nothing was due any more
	neverPaid   bool

	project *project // retainer and milestone invoices
}

func (inv *invoice) paid() decimal.Decimal {
	s := decimal.Zero
	for _, p := range inv.payments {
		s = s.Add(p.amount)
	}
	return s
}

func (inv *invoice) credited() decimal.Decimal {
	s := decimal.Zero
	for _, cn := range inv.allocations {
		s = s.Add(cn.total)
	}
	return s
}

func (inv *invoice) amountDue() decimal.Decimal {
	switch inv.status {
	case statusVoided:
		return decimal.Zero
	case statusDraft:
		return inv.total
	}
	return inv.total.Sub(inv.paid()).Sub(inv.credited())
}

// updated is when the invoice last changed: created, paid or credited.
func (inv *invoice) updated() time.Time {
	t := inv.created
	for _, p := range inv.payments {
		t = maxTime(t, p.updated)
	}
	for _, cn := range inv.allocations {
		t = maxTime(t, cn.updated)
	}
	return t
}

type invoiceLine struct {
	harvestID   int64
	xeroID      string
	kind        string // Harvest item category: Service (time) or Product (expenses)
	description string
	project     *project // nil when not tracked to a project
	quantity    decimal.Decimal
	unitPrice   decimal.Decimal
	amount      decimal.Decimal
	tax         decimal.Decimal
}

type payment struct {
	id      string
	invoice *invoice
	date    time.Time
	amount  decimal.Decimal
	fx      decimal.Decimal
	updated time.Time
}

// creditNote is a Xero credit note, allocated in full to one invoice on its
// own date.
type creditNote struct {
	id, number   string
	allocationID string
	invoice      *invoice
	date         time.Time
	reference    string
	lines        []*invoiceLine
	subtotal     decimal.Decimal
	tax, total   decimal.Decimal
	fx           decimal.Decimal
	updated      time.Time
}

type dunningNotice struct {
	id      string
	invoice *invoice
	level   int
	date    time.Time
	fee     decimal.Decimal
}

type changeRequest struct {
	id          string
	project     *project
	title       string
	status      string // approved, rejected, pending
	approvedOn  time.Time
	extraHours  decimal.Decimal
	extraAmount decimal.Decimal
}

// defects are the records the simulation spoiled on purpose.
type defects struct {
	forgotten           []*entry
	original, duplicate *entry
	mismatches          []*entry
	changed             *entry
	milestone           *milestone
	overrun             *project
}

type world struct {
	seed  int64
	asOf  time.Time
	start time.Time // first day of the window

	fx map[string][]decimal.Decimal // units per EUR, by currency and month of the window

	customers  []*customer
	people     []*person
	tasks      []*task
	categories []*expenseCategory
	projects   []*project
	milestones []*milestone
	entries    []*entry
	expenses   []*expense

	harvestInvoices []*invoice
	xeroInvoices    []*invoice // created in Xero directly
	creditNotes     []*creditNote
	dunning         []*dunningNotice
	changeRequests  []*changeRequest

	trackingCategoryID string
	bankAccountID      string
	hubspotIDs         map[string]bool
	jiraSeq            int
	defects            defects
}

func newWorld(seed int64, asOf time.Time) *world {
	return &world{
		seed:       seed,
		asOf:       asOf,
		start:      monthStart(asOf).AddDate(0, -(windowMonths - 1), 0),
		hubspotIDs: map[string]bool{},
	}
}

// days is the number of days in the window.
func (w *world) days() int { return int(w.asOf.Sub(w.start).Hours()/24) + 1 }

// month is the index of t's month in the window (0 is the first).
func (w *world) month(t time.Time) int {
	return (t.Year()-w.start.Year())*12 + int(t.Month()) - int(w.start.Month())
}

// approvalCutoff is the last work date that is approved: the ten days up to
// the as-of date are not.
func (w *world) approvalCutoff() time.Time { return addDays(w.asOf, -10) }

// fxRate returns units of cur per EUR in t's month.
func (w *world) fxRate(cur string, t time.Time) decimal.Decimal {
	rates, ok := w.fx[cur]
	if !ok {
		return decimal.New(1, 0)
	}
	m := min(max(w.month(t), 0), windowMonths-1)
	return rates[m]
}

// hubspotID returns a new HubSpot record id: a large number, unique across
// object types as in a real portal.
func (w *world) hubspotID(r *rng, digits int) string {
	for {
		lo := int64(1)
		for range digits - 1 {
			lo *= 10
		}
		id := strconv.FormatInt(lo+int64(r.intn(int(9*lo))), 10)
		if !w.hubspotIDs[id] {
			w.hubspotIDs[id] = true
			return id
		}
	}
}

func (w *world) buildFX() {
	r := newRNG(w.seed, "fx")
	w.fx = map[string][]decimal.Decimal{}
	for _, c := range []struct {
		cur  string
		base int64
	}{{"GBP", 8550}, {"USD", 10850}, {"CHF", 9550}} {
		v := c.base
		rates := make([]decimal.Decimal, windowMonths)
		for m := range rates {
			v += int64(r.between(-110, 110))
			rates[m] = decimal.New(v, -4)
		}
		w.fx[c.cur] = rates
	}
}

func (w *world) buildCustomers() {
	r := newRNG(w.seed, "customers")
	var cs []*customer
	for _, plan := range countryPlan {
		seeds := slices.Clone(customerSeeds[plan.country])
		shuffle(r, seeds)
		if plan.country == "DE" {
			i := slices.Index(seeds, exampleCustomer)
			seeds[0], seeds[i] = seeds[i], seeds[0]
		}
		for _, s := range seeds[:plan.n] {
			info := countries[plan.country]
			c := &customer{
				seed:     s,
				country:  plan.country,
				currency: info.currency,
				vatID:    vatID(r, plan.country),
				city:     pick(r, info.cities),
				street:   pick(r, info.streets) + " " + strconv.Itoa(r.between(1, 180)),
				postcode: postcode(r, plan.country),
			}
			c.domain = slug(s.base) + "." + info.tld
			c.email = "accounts@" + c.domain
			c.hubspotName, c.harvestName, c.xeroName = c.fullName(), c.fullName(), c.fullName()
			cs = append(cs, c)
		}
	}
	w.spellDifferently(r, cs)
	example := cs[0]
	rest := cs[1:]
	shuffle(r, rest)
	// The example customer takes a random place too.
	at := r.intn(len(cs))
	cs = append(slices.Clone(rest[:at]), append([]*customer{example}, rest[at:]...)...)

	clientIDs := newIDSeq(r, int64(r.between(5_100_000, 5_400_000)))
	prefixes := map[string]bool{}
	for i, c := range cs {
		c.idx = i
		c.key = fmt.Sprintf("C%02d", i+1)
		c.hubspotID = w.hubspotID(r, 11)
		c.harvestID = clientIDs.take()
		c.xeroID = r.guid()
		c.statementKey = r.hex(32)
		c.slowPayer = r.chance(0.1)
		c.ticketPrefix = ticketPrefix(c.seed.base, prefixes)
	}
	w.customers = cs
}

// ticketPrefix derives a unique issue tracker prefix from a customer name.
func ticketPrefix(base string, used map[string]bool) string {
	l := letters(base)
	candidates := []string{l[:3]}
	for i := 3; i < len(l); i++ {
		candidates = append(candidates, l[:2]+l[i:i+1])
	}
	for _, c := range candidates {
		if !used[c] {
			used[c] = true
			return c
		}
	}
	for n := 2; ; n++ {
		c := l[:2] + strconv.Itoa(n)
		if !used[c] {
			used[c] = true
			return c
		}
	}
}

// spellDifferently gives eight customers names that differ between the
// systems. cs[0] is the example customer of doc.go.
func (w *world) spellDifferently(r *rng, cs []*customer) {
	type variant struct {
		ok    func(*customer) bool
		apply func(*customer)
	}
	any := func(*customer) bool { return true }
	withAmp := func(c *customer) bool { return containsAmp(c.seed.base) }
	withDiacritics := func(c *customer) bool { return hasDiacritics(c.seed.base) }
	amp := func(c *customer) string {
		return replaceAmp(c.seed.base, andWord(c.country)) + " " + c.seed.legal
	}
	variants := []variant{
		{withDiacritics, func(c *customer) { c.harvestName = transliterate(c.fullName()) }},
		{withAmp, func(c *customer) { c.xeroName = amp(c) }},
		{any, func(c *customer) { c.harvestName = upperName(c.fullName()) }},
		{any, func(c *customer) { c.xeroName = c.seed.base }},
		{withAmp, func(c *customer) { c.harvestName = amp(c) }},
		{any, func(c *customer) { c.xeroName = upperName(c.seed.base) + " " + c.seed.legal }},
		{any, func(c *customer) { c.xeroName = c.seed.base + " " + longLegalForm(c.seed.legal) }},
	}
	// The example: transliterated without legal form in Harvest, with the
	// full registered form in Xero.
	ex := cs[0]
	ex.harvestName = transliterate(ex.seed.base)
	ex.xeroName = ex.seed.base + " " + longLegalForm(ex.seed.legal)

	order := slices.Clone(cs[1:])
	shuffle(r, order)
	done := map[*customer]bool{}
	for _, v := range variants {
		var chosen *customer
		for _, c := range order {
			if !done[c] && v.ok(c) {
				chosen = c
				break
			}
		}
		if chosen == nil { // no eligible name left: spell one in capitals
			for _, c := range order {
				if !done[c] {
					chosen = c
					break
				}
			}
			chosen.harvestName = upperName(chosen.fullName())
		} else {
			v.apply(chosen)
		}
		done[chosen] = true
	}
}

func containsAmp(s string) bool { return slices.Contains([]byte(s), '&') }

func replaceAmp(s, word string) string {
	out := make([]byte, 0, len(s)+4)
	for i := 0; i < len(s); i++ {
		if s[i] == '&' {
			out = append(out, word...)
			continue
		}
		out = append(out, s[i])
	}
	return string(out)
}

func (w *world) buildPeople() {
	r := newRNG(w.seed, "people")
	firsts, lasts := slices.Clone(firstNames), slices.Clone(lastNames)
	shuffle(r, firsts)
	shuffle(r, lasts)
	ids := newIDSeq(r, int64(r.between(3_200_000, 3_500_000)))
	const n = 30
	for i := range n {
		p := &person{
			idx:     i,
			id:      ids.take(),
			first:   firsts[i],
			last:    lasts[i],
			role:    pick(r, roles),
			rate:    decimal.New(int64(r.between(18, 32)*5), 0),
			cost:    decimal.New(int64(r.between(9, 17)*5), 0),
			created: addDays(w.start, -r.between(30, 900)).Add(time.Duration(r.between(8*60, 17*60)) * time.Minute),
			off:     make([]bool, w.days()),
		}
		p.email = slug(p.first) + "." + slug(p.last) + "@nordlicht-consulting.de"
		// Four weeks of holiday a year, and the odd day off.
		for week := 0; week < w.days()/7; week += 1 {
			if r.chance(4.0 / 52) {
				for d := week * 7; d < week*7+7 && d < w.days(); d++ {
					p.off[d] = true
				}
			}
		}
		for d := range p.off {
			if r.chance(0.03) {
				p.off[d] = true
			}
		}
		w.people = append(w.people, p)
	}
}

func (w *world) buildTasks() {
	r := newRNG(w.seed, "tasks")
	ids := newIDSeq(r, int64(r.between(8_000_000, 8_300_000)))
	for _, s := range taskSeeds {
		w.tasks = append(w.tasks, &task{seed: s, id: ids.take(), created: addDays(w.start, -r.between(400, 1200)).Add(10 * time.Hour)})
	}
	cat := newIDSeq(r, int64(r.between(4_100_000, 4_300_000)))
	w.categories = []*expenseCategory{
		{id: cat.take(), name: "Transportation"},
		{id: cat.take(), name: "Lodging"},
		{id: cat.take(), name: "Meals"},
		{id: cat.take(), name: "Mileage", unitName: "kilometer", unitPrice: decimal.New(30, -2)},
	}
}

// currencyFactor converts a price list in EUR to round prices in cur, in
// percent.
func currencyFactor(cur string) int64 {
	switch cur {
	case "GBP":
		return 85
	case "USD":
		return 110
	}
	return 100
}

// roundTo rounds v to a multiple of step, half away from zero.
func roundTo(v decimal.Decimal, step int64) decimal.Decimal {
	s := decimal.New(step, 0)
	return v.Div(s).Round(0).Mul(s)
}

func ceilTo(v decimal.Decimal, step int64) decimal.Decimal {
	s := decimal.New(step, 0)
	return v.Div(s).Ceil().Mul(s)
}

func floorTo(v decimal.Decimal, step int64) decimal.Decimal {
	s := decimal.New(step, 0)
	return v.Div(s).Floor().Mul(s)
}

// percent returns v * p / 100.
func percent(v decimal.Decimal, p int64) decimal.Decimal {
	return v.Mul(decimal.New(p, -2))
}

func (w *world) buildProjects() {
	r := newRNG(w.seed, "projects")
	const total = 120
	counts := make([]int, len(w.customers))
	for i := range counts {
		counts[i] = 1
	}
	for placed := len(counts); placed < total; {
		i := r.intn(len(counts))
		if counts[i] < 6 {
			counts[i]++
			placed++
		}
	}
	models := make([]model, 0, total)
	for range 84 {
		models = append(models, timeAndMaterials)
	}
	for range 24 {
		models = append(models, fixedPrice)
	}
	for len(models) < total {
		models = append(models, retainer)
	}
	shuffle(r, models)

	var ps []*project
	for _, c := range w.customers {
		topics := slices.Clone(projectTopics)
		shuffle(r, topics)
		rtopics := slices.Clone(retainerTopics)
		shuffle(r, rtopics)
		priceFactor := int64(r.between(90, 115))
		for range counts[c.idx] {
			p := &project{customer: c, model: models[len(ps)]}
			if p.model == retainer {
				p.topic, rtopics = rtopics[0], rtopics[1:]
			} else {
				p.topic, topics = topics[0], topics[1:]
			}
			w.planProject(r, p, priceFactor)
			c.projects = append(c.projects, p)
			ps = append(ps, p)
		}
	}
	slices.SortStableFunc(ps, func(a, b *project) int { return a.start.Compare(b.start) })
	ids := newIDSeq(r, int64(r.between(14_300_000, 14_900_000)))
	taIDs := newIDSeq(r, int64(r.between(155_000_000, 158_000_000)))
	rc := 0
	for i, p := range ps {
		p.idx = i
		p.harvestID = ids.take()
		p.code = w.hubspotID(r, 11)
		p.jiraID = 10000 + i*10
		n := slices.Index(p.customer.projects, p) + 1
		p.key = p.customer.ticketPrefix + strconv.Itoa(n)
		for _, pt := range p.tasks {
			pt.assignmentID = taIDs.take()
			for _, card := range pt.cards {
				rc++
				card.id = fmt.Sprintf("RC-%04d", rc)
			}
		}
		for _, m := range p.milestones {
			w.milestones = append(w.milestones, m)
			m.id = strconv.Itoa(1000 + len(w.milestones))
		}
	}
	w.projects = ps
}

// planProject sets a project's dates, tasks, prices and milestones.
func (w *world) planProject(r *rng, p *project, priceFactor int64) {
	var startMonth, months int
	switch p.model {
	case timeAndMaterials:
		startMonth, months = r.between(-3, 15), r.between(3, 12)
	case fixedPrice:
		startMonth, months = r.between(0, 13), r.between(3, 8)
	case retainer:
		startMonth, months = r.between(-6, 10), r.between(8, 18)
	}
	p.start = workdayOnOrAfter(addDays(w.start.AddDate(0, startMonth, 0), r.intn(10)))
	p.end = workdayOnOrBefore(addDays(p.start.AddDate(0, months, 0), -r.between(1, 10)))
	p.open = p.model != fixedPrice && p.end.After(w.asOf)
	p.months = months
	p.closeDate = addDays(p.start, -r.between(7, 40)).Add(time.Duration(r.between(9*3600, 17*3600)) * time.Second)
	p.dealCreated = addDays(p.closeDate, -r.between(20, 120)).Add(time.Duration(r.intn(3600000)) * time.Millisecond)
	p.harvestCreated = addDays(dayOf(p.closeDate), r.between(1, 5)).Add(time.Duration(r.between(8*3600, 18*3600)) * time.Second)
	p.harvestUpdated = p.harvestCreated.Add(time.Duration(r.between(60, 3600)) * time.Second)

	// Tasks: two to four of the firm's tasks.
	idx := []int{0, 1, 2, 3, 4, 5, 6}
	shuffle(r, idx)
	n := r.between(2, 4)
	if p.model == retainer {
		n = r.between(1, 3)
	}
	idx = idx[:n]
	slices.Sort(idx)
	cf := currencyFactor(p.customer.currency)
	var increase time.Time
	if p.model == timeAndMaterials && r.chance(0.4) {
		// Price increases take effect on a Monday, so that no work falls on
		// the day before: valid_to reads the same inclusive or exclusive.
		first := w.start.AddDate(0, w.month(p.start)+r.between(3, 7), 0)
		d := first
		for d.Weekday() != time.Monday {
			d = addDays(d, 1)
		}
		if d.Before(w.asOf) && addDays(d, 30).Before(p.end) {
			increase = d
		}
	}
	for _, i := range idx {
		pt := &projectTask{task: w.tasks[i]}
		if p.model == timeAndMaterials {
			base := percent(percent(decimal.New(w.tasks[i].seed.rate, 0), priceFactor), cf)
			rate := roundTo(base, 5)
			if increase.IsZero() {
				pt.cards = []*rateCard{{from: p.start, rate: rate}}
			} else {
				raised := ceilTo(percent(rate, int64(r.between(104, 108))), 5)
				pt.cards = []*rateCard{
					{from: p.start, to: addDays(increase, -1), rate: rate},
					{from: increase, rate: raised},
				}
			}
		}
		p.tasks = append(p.tasks, pt)
	}

	switch p.model {
	case fixedPrice:
		p.fee = roundTo(percent(decimal.New(int64(r.between(8, 48))*2500, 0), cf), 500)
		count := r.between(2, 4)
		span := int(p.end.Sub(p.start).Hours() / 24)
		rest := p.fee
		for i := range count {
			m := &milestone{project: p, n: i + 1, name: milestoneNames[count][i]}
			if i == count-1 {
				m.amount = rest
				m.due = p.end
			} else {
				m.amount = percent(p.fee, milestoneShares[count][i]).Round(2)
				m.due = workdayOnOrAfter(addDays(p.start, span*(i+1)/count))
			}
			rest = rest.Sub(m.amount)
			reached := workdayOnOrAfter(addDays(m.due, r.between(-5, 10)))
			if !reached.After(addDays(w.asOf, -7)) {
				m.reached = reached
				if acc := workdayOnOrAfter(addDays(reached, r.between(0, 10))); !acc.After(w.asOf) {
					m.accepted = acc
				}
			}
			p.milestones = append(p.milestones, m)
		}
	case retainer:
		p.fee = roundTo(percent(decimal.New(int64(r.between(6, 24))*250, 0), cf), 50)
	}
}

// staffProjects puts a team on every project, preferring the people with
// the fewest projects at the time.
func (w *world) staffProjects() {
	r := newRNG(w.seed, "staffing")
	ids := newIDSeq(r, int64(r.between(125_000_000, 128_000_000)))
	for _, p := range w.projects {
		size := r.between(2, 5)
		switch p.model {
		case fixedPrice:
			size = r.between(2, 4)
		case retainer:
			size = r.between(1, 3)
		}
		type cand struct {
			p          *person
			load, tick int
		}
		cands := make([]cand, len(w.people))
		for i, person := range w.people {
			load := 0
			for _, q := range person.projects {
				if !q.end.Before(p.start) && !p.end.Before(q.start) {
					load++
				}
			}
			cands[i] = cand{person, load, r.intn(1 << 20)}
		}
		slices.SortFunc(cands, func(a, b cand) int {
			return cmp.Or(cmp.Compare(a.load, b.load), cmp.Compare(a.tick, b.tick))
		})
		for _, c := range cands[:size] {
			p.team = append(p.team, c.p)
			p.uaIDs = append(p.uaIDs, ids.take())
			c.p.projects = append(c.p.projects, p)
		}
	}
}

// datesOfRecords dates each customer's records: the HubSpot company before
// its first deal, the Harvest client before its first project, the Xero
// contact a little after the client.
func (w *world) datesOfRecords() {
	r := newRNG(w.seed, "records")
	for _, c := range w.customers {
		deal, proj := c.projects[0].dealCreated, c.projects[0].harvestCreated
		for _, p := range c.projects {
			deal = minTime(deal, p.dealCreated)
			proj = minTime(proj, p.harvestCreated)
		}
		c.hubspotCreated = addDays(dayOf(deal), -r.between(5, 60)).Add(time.Duration(r.between(8*3600_000, 18*3600_000)) * time.Millisecond)
		c.harvestCreated = addDays(dayOf(proj), -r.between(1, 10)).Add(time.Duration(r.between(8*3600, 18*3600)) * time.Second)
		c.xeroCreated = c.harvestCreated.Add(time.Duration(r.between(3600, 48*3600)) * time.Second)
	}
}
