package reports

import (
	"cmp"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// Columns of the unbilled work, 1-based as excelize counts them.
const (
	uCustomer = iota + 1
	uProject
	uProjectCode
	uKind
	uSourceID
	uWorkDate
	uHours
	uRate
	uAmount
	uCurrency
	uAgeDays
	uColumns = uAgeDays
)

// wipBucketCriteria select the age buckets of unbilled work from the age
// column in SUMIFS, as wipBucket sorts the items.
var wipBucketCriteria = map[string][]string{
	"0_30": {"<=30"}, "31_60": {">=31", "<=60"}, "61_90": {">=61", "<=90"}, "over_90": {">90"},
}

// Columns of the exceptions.
const (
	eID = iota + 1
	eKind
	eCustomer
	eProject
	eSourceIDs
	eInvoices
	eMatch
	eAmount
	eCurrency
	eReason
	eAck
	eAckBy
	eAckAt
	eAckReason
	eColumns = eAckReason
)

// rowRange is a block of consecutive item rows.
type rowRange struct{ first, last int }

// ranges are the blocks of rows an aggregate covers; rows that follow the
// last block extend it, so items listed in order make one block per group.
type ranges []rowRange

func (r *ranges) add(row int) {
	if n := len(*r); n > 0 && (*r)[n-1].last == row-1 {
		(*r)[n-1].last = row
		return
	}
	*r = append(*r, rowRange{row, row})
}

// sumOver joins one formula per block, each made by f from the block's
// rows, into a sum.
func (r ranges) sumOver(f func(first, last int) string) string {
	parts := make([]string, len(r))
	for i, g := range r {
		parts[i] = f(g.first, g.last)
	}
	return strings.Join(parts, "+")
}

// unbilledGroup is the unbilled work of one customer, project and
// currency.
type unbilledGroup struct {
	customerID, customer, project, currency string
	rows                                    ranges
	count                                   int
	oldest                                  int
	hours, total                            decimal.Decimal
	buckets                                 [4]decimal.Decimal // by wipBucketOrder
}

// groupKey names a block of unbilled work: a customer and currency, and
// for a project's block the project.
type groupKey struct{ customerID, customer, currency, project string }

// key is the customer's block key of a customer's totals.
func (g *unbilledGroup) key() groupKey { return groupKey{g.customerID, g.customer, g.currency, ""} }

// unbilledTotals is what writing the unbilled work found.
type unbilledTotals struct {
	// first and last are the item rows; last < first when there are none.
	first, last int
	// groups by customer, project and currency and customers by customer
	// and currency, in the order they first appear.
	groups, customers []*unbilledGroup
	// byCurrency sums everything per currency.
	byCurrency map[string]*unbilledGroup
}

// currencies lists the currencies of the unbilled work, the base currency
// first and then in alphabetical order.
func (t *unbilledTotals) currencies(base string) []string {
	var list []string
	for c := range t.byCurrency {
		list = append(list, c)
	}
	sortBaseFirst(list, base)
	return list
}

func sortBaseFirst(list []string, base string) {
	slices.SortFunc(list, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case a == base:
			return -1
		case b == base:
			return 1
		}
		return cmp.Compare(a, b)
	})
}

func (b *book) writeUnbilled(s *sheet) error {
	l := b.l
	if err := s.open([]float64{30, 30, 12, 12, 14, 12, 9, 14, 16, 9, 9}, 1); err != nil {
		return err
	}
	if err := s.headers(l.Customer, l.Project, l.ProjectCode, l.Kind, l.SourceID, l.WorkDate, l.Hours, l.Rate, l.Amount,
		l.Currency, l.AgeDays); err != nil {
		return err
	}
	t := &b.unbilled
	t.first, t.byCurrency = 2, map[string]*unbilledGroup{}
	bucketIndex := map[string]int{}
	for i, k := range wipBucketOrder {
		bucketIndex[k] = i
	}
	// Items come in blocks of one customer and currency, and within them
	// of one project; every block is summed once, as it goes by, and the
	// customers' and currencies' totals are the sums of their blocks.
	var g, c *unbilledGroup
	var gk groupKey
	ended, endedCustomers := map[groupKey]bool{}, map[groupKey]bool{}
	var customerOf []*unbilledGroup // by group
	// One set of cells is refilled for every row (the stream writer copies
	// what it needs), which saves an allocation per cell on large sheets;
	// texts that repeat from the row above are left as they are.
	rec, cells := rowCells(uColumns)
	var prev UnbilledItem
	i := 0
	for u, err := range readAhead(b.p.unbilled()) {
		if err != nil {
			return err
		}
		amount := b.amount(u.Currency)
		if i == 0 || u.Customer != prev.Customer {
			rec[uCustomer-1] = str(u.Customer, b.text)
		}
		if i == 0 || u.Project != prev.Project {
			rec[uProject-1] = str(u.Project, b.text)
		}
		if i == 0 || u.ProjectCode != prev.ProjectCode {
			rec[uProjectCode-1] = str(u.ProjectCode, b.text)
		}
		if i == 0 || u.Kind != prev.Kind {
			rec[uKind-1] = str(l.unbilledKind(u.Kind), b.text)
		}
		if i == 0 || u.Currency != prev.Currency {
			rec[uCurrency-1] = str(u.Currency, b.text)
		}
		rec[uSourceID-1] = str(u.SourceID, b.text)
		rec[uWorkDate-1] = excelize.Cell{Value: excelSerial(u.WorkDate), StyleID: b.date}
		rec[uHours-1] = num(u.Hours, b.hours)
		rec[uRate-1] = num(u.Rate, amount)
		rec[uAmount-1] = num(u.Amount, amount)
		rec[uAgeDays-1] = excelize.Cell{Value: u.AgeDays, StyleID: b.integer}
		if err := s.put(cells...); err != nil {
			return fmt.Errorf("item %d (source id %q): %w", i, u.SourceID, err)
		}
		if k := (groupKey{u.CustomerID, u.Customer, u.Currency, u.Project}); g == nil || k != gk {
			ck := groupKey{u.CustomerID, u.Customer, u.Currency, ""}
			if g != nil {
				ended[gk] = true
			}
			if c != nil && ck != c.key() {
				endedCustomers[c.key()] = true
			}
			if ended[k] || endedCustomers[ck] {
				return fmt.Errorf("item %d (source id %q): the unbilled work of %q, %s, project %q must come in one block, ordered by customer, currency and project",
					i, u.SourceID, u.Customer, u.Currency, u.Project)
			}
			if c == nil || ck != c.key() {
				c = &unbilledGroup{customerID: u.CustomerID, customer: u.Customer, currency: u.Currency, rows: ranges{{s.row, s.row}}}
				t.customers = append(t.customers, c)
			}
			g = &unbilledGroup{customerID: u.CustomerID, customer: u.Customer, project: u.Project, currency: u.Currency,
				rows: ranges{{s.row, s.row}}}
			gk = k
			t.groups = append(t.groups, g)
			customerOf = append(customerOf, c)
		}
		g.rows[0].last = s.row
		g.count++
		g.oldest = max(g.oldest, u.AgeDays)
		g.hours = g.hours.Add(u.Hours)
		g.total = g.total.Add(u.Amount)
		bi := bucketIndex[wipBucket(u.AgeDays)]
		g.buckets[bi] = g.buckets[bi].Add(u.Amount)
		prev = u
		i++
	}
	t.last = s.row
	for gi, g := range t.groups {
		for _, sum := range []*unbilledGroup{customerOf[gi], t.byCurrency[g.currency]} {
			if sum == nil {
				sum = &unbilledGroup{currency: g.currency, rows: ranges{g.rows[0]}}
				t.byCurrency[g.currency] = sum
			}
			sum.rows[0].last = max(sum.rows[0].last, g.rows[0].last)
			sum.count += g.count
			sum.oldest = max(sum.oldest, g.oldest)
			sum.hours = sum.hours.Add(g.hours)
			sum.total = sum.total.Add(g.total)
			for bi := range sum.buckets {
				sum.buckets[bi] = sum.buckets[bi].Add(g.buckets[bi])
			}
		}
	}
	if i == 0 {
		if err := s.put(str(l.NoUnbilled, b.text)); err != nil {
			return err
		}
		return s.flush()
	}
	if err := s.table("UnbilledWork", 1, uColumns); err != nil {
		return err
	}
	col := func(c, first, last int) string { return absRange("", c, first, last) }

	// By customer and project: each figure sums the group's own rows, so
	// no customer or project name is ever used as a criterion (SUMIFS
	// would read "*" or ">5" in a name as a pattern).
	s.skip()
	if err := s.caption(l.ByCustomerProject); err != nil {
		return err
	}
	hdr := []string{l.Customer, l.Project, l.Currency, l.Items}
	for _, k := range wipBucketOrder {
		hdr = append(hdr, l.WIPBuckets[k])
	}
	if err := s.headers(append(hdr, l.Total)...); err != nil {
		return err
	}
	for _, g := range t.groups {
		cur := quoted(g.currency)
		items := g.rows.sumOver(func(a, z int) string {
			return fmt.Sprintf("COUNTIFS(%s,%s)", col(uCurrency, a, z), cur)
		})
		row := []any{str(g.customer, b.text), str(g.project, b.text), str(g.currency, b.text), formula(items, g.count, b.integer)}
		for bi, k := range wipBucketOrder {
			f := g.rows.sumOver(func(a, z int) string {
				f := fmt.Sprintf("SUMIFS(%s,%s,%s", col(uAmount, a, z), col(uCurrency, a, z), cur)
				for _, crit := range wipBucketCriteria[k] {
					f += "," + col(uAgeDays, a, z) + "," + quoted(crit)
				}
				return f + ")"
			})
			row = append(row, formula(f, excelNumber(g.buckets[bi]), b.amount(g.currency)))
		}
		total := g.rows.sumOver(func(a, z int) string {
			return fmt.Sprintf("SUMIFS(%s,%s,%s)", col(uAmount, a, z), col(uCurrency, a, z), cur)
		})
		if err := s.put(append(row, formula(total, excelNumber(g.total), b.boldAmount(g.currency)))...); err != nil {
			return err
		}
	}

	// Totals per currency over the whole list.
	s.skip()
	if err := s.caption(l.TotalsByCurrency); err != nil {
		return err
	}
	if err := s.headers(l.Currency, l.Items, l.Hours, l.Amount); err != nil {
		return err
	}
	curRange := col(uCurrency, t.first, t.last)
	for _, c := range t.currencies(b.p.BaseCurrency) {
		g := t.byCurrency[c]
		crit := fmt.Sprintf("$A$%d", s.row+1)
		if err := s.put(
			str(c, b.bold),
			formula(fmt.Sprintf("COUNTIFS(%s,%s)", curRange, crit), g.count, b.boldInteger),
			formula(fmt.Sprintf("SUMIFS(%s,%s,%s)", col(uHours, t.first, t.last), curRange, crit), excelNumber(g.hours), b.boldHours),
			formula(fmt.Sprintf("SUMIFS(%s,%s,%s)", col(uAmount, t.first, t.last), curRange, crit), excelNumber(g.total), b.boldAmount(c)),
		); err != nil {
			return err
		}
	}
	return s.flush()
}

// ackState is the acknowledgement column of an exception.
func (b *book) ackState(e Exception) string {
	switch {
	case e.Acknowledgement == nil:
		return b.l.No
	case e.Acknowledged:
		return b.l.Yes
	}
	return b.l.AckChanged
}

// exceptionGroup counts exceptions and adds up their amounts, all of them
// and those not acknowledged. The exceptions list groups them by customer
// and currency, with the rows they take; the totals group them by currency
// or by kind and currency and leave the customer and rows empty.
type exceptionGroup struct {
	customerID, customer, currency string
	rows                           ranges
	count, open                    int
	amount, openAmount             decimal.Decimal
}

// add counts e into the group.
func (g *exceptionGroup) add(e Exception) {
	g.count++
	g.amount = g.amount.Add(e.Amount)
	if !e.Acknowledged {
		g.open++
		g.openAmount = g.openAmount.Add(e.Amount)
	}
}

// merge adds the counts and amounts of o to the group.
func (g *exceptionGroup) merge(o *exceptionGroup) {
	g.count += o.count
	g.open += o.open
	g.amount = g.amount.Add(o.amount)
	g.openAmount = g.openAmount.Add(o.openAmount)
}

// exceptionItemRows are the rows writeExceptionList puts n exceptions in:
// from the one below its header on.
func exceptionItemRows(n int) (first, last int) { return 2, n + 1 }

// writeExceptionList writes exs from row 1 and returns their groups by
// customer and currency in the order they first appear.
func (b *book) writeExceptionList(s *sheet, exs []Exception) ([]*exceptionGroup, error) {
	l := b.l
	if err := s.open([]float64{14, 16, 30, 26, 22, 18, 14, 16, 9, 60, 14, 16, 18, 40}, 1); err != nil {
		return nil, err
	}
	if err := s.headers(l.ID, l.Kind, l.Customer, l.Project, l.SourceIDs, l.InvoiceNumbers, l.MatchLevel, l.Amount, l.Currency,
		l.Reason, l.Acknowledged, l.AckBy, l.AckAt, l.AckReason); err != nil {
		return nil, err
	}
	if len(exs) == 0 {
		return nil, s.put(str(l.NoExceptions, b.text))
	}
	type key struct{ id, name, currency string }
	index := map[key]*exceptionGroup{}
	var groups []*exceptionGroup
	rec, cells := rowCells(eColumns)
	for i, e := range exs {
		rec[eID-1] = str(e.ID, b.text)
		rec[eKind-1] = str(e.Kind, b.text)
		rec[eCustomer-1] = str(e.Customer, b.text)
		rec[eProject-1] = str(e.Project, b.text)
		rec[eSourceIDs-1] = str(strings.Join(e.SourceIDs, ", "), b.wrap)
		rec[eInvoices-1] = str(strings.Join(e.InvoiceNumbers, ", "), b.wrap)
		rec[eMatch-1] = str(e.MatchLevel, b.text)
		rec[eAmount-1] = num(e.Amount, b.amount(e.Currency))
		rec[eCurrency-1] = str(e.Currency, b.text)
		rec[eReason-1] = str(e.Reason, b.wrap)
		rec[eAck-1] = str(b.ackState(e), b.text)
		rec[eAckBy-1], rec[eAckAt-1], rec[eAckReason-1] = excelize.Cell{}, excelize.Cell{}, excelize.Cell{}
		if a := e.Acknowledgement; a != nil {
			rec[eAckBy-1] = str(a.By, b.text)
			if t, ok := b.timeCell(a.At).(excelize.Cell); ok {
				rec[eAckAt-1] = t
			}
			rec[eAckReason-1] = str(a.Reason, b.wrap)
		}
		if err := s.put(cells...); err != nil {
			return nil, fmt.Errorf("exception %d (%s): %w", i, e.ID, err)
		}
		k := key{e.CustomerID, e.Customer, e.Currency}
		g := index[k]
		if g == nil {
			g = &exceptionGroup{customerID: e.CustomerID, customer: e.Customer, currency: e.Currency}
			index[k] = g
			groups = append(groups, g)
		}
		g.rows.add(s.row)
		g.add(e)
	}
	return groups, s.table("BillingExceptions", 1, eColumns)
}

func (b *book) writeExceptions(s *sheet) error {
	l, exs := b.l, b.p.Exceptions
	groups, err := b.writeExceptionList(s, exs)
	if err != nil {
		return err
	}
	if len(exs) == 0 {
		return s.flush()
	}
	s.skip()
	if err := s.caption(l.TotalsByCurrency); err != nil {
		return err
	}
	if err := s.headers(l.Currency, l.Count, l.Amount, l.NotAcknowledged, l.AmountNotAcknowledged); err != nil {
		return err
	}
	// The customers' groups summed by currency.
	sums := map[string]*exceptionGroup{}
	var currencies []string
	for _, cg := range groups {
		g := sums[cg.currency]
		if g == nil {
			g = &exceptionGroup{}
			sums[cg.currency] = g
			currencies = append(currencies, cg.currency)
		}
		g.merge(cg)
	}
	sortBaseFirst(currencies, b.p.BaseCurrency)
	first, last := exceptionItemRows(len(exs))
	curs, amounts, acks := absRange("", eCurrency, first, last), absRange("", eAmount, first, last), absRange("", eAck, first, last)
	notYes := quoted("<>" + l.Yes)
	for _, c := range currencies {
		g := sums[c]
		crit := fmt.Sprintf("$A$%d", s.row+1)
		if err := s.put(
			str(c, b.bold),
			formula(fmt.Sprintf("COUNTIFS(%s,%s)", curs, crit), g.count, b.boldInteger),
			formula(fmt.Sprintf("SUMIFS(%s,%s,%s)", amounts, curs, crit), excelNumber(g.amount), b.boldAmount(c)),
			formula(fmt.Sprintf("COUNTIFS(%s,%s,%s,%s)", curs, crit, acks, notYes), g.open, b.boldInteger),
			formula(fmt.Sprintf("SUMIFS(%s,%s,%s,%s,%s)", amounts, curs, crit, acks, notYes), excelNumber(g.openAmount), b.boldAmount(c)),
		); err != nil {
			return err
		}
	}
	return s.flush()
}

// Columns of the draft billing run's lines.
const (
	brInvoice = iota + 1
	brCustomer
	brCurrency
	brVATCase
	brPart
	brKind
	brProject
	brTask
	brDescription
	brHours
	brRate
	brAmount
	brTaxRate
	brChanged
	brColumns = brChanged
)

// billingRunHeader is the row of the lines' header: below the run's
// details.
const billingRunHeader = 10

func (b *book) writeBillingRun(s *sheet) error {
	l, r := b.l, b.p.BillingRun
	freeze := billingRunHeader
	if r == nil {
		freeze = 0
	}
	if err := s.open([]float64{10, 30, 9, 14, 18, 14, 26, 20, 44, 9, 12, 16, 8, 10}, freeze); err != nil {
		return err
	}
	if r == nil {
		if err := s.put(str(l.NoBillingRun, b.text)); err != nil {
			return err
		}
		return s.flush()
	}
	approved := any(nil)
	if r.ApprovedBy != "" {
		approved = str(r.ApprovedBy, b.text)
	}
	for _, row := range [][]any{
		{str(l.RunID, b.bold), str(r.ID, b.text)},
		{str(l.RunStatus, b.bold), str(r.Status, b.text)},
		{str(l.Period, b.bold), str(r.Period, b.text)},
		{str(l.InvoiceDate, b.bold), b.dateCell(r.InvoiceDate)},
		{str(l.CreatedBy, b.bold), str(r.CreatedBy, b.text)},
		{str(l.CreatedAt, b.bold), b.timeCell(r.CreatedAt)},
		{str(l.ApprovedBy, b.bold), approved},
		{str(l.Adjustments, b.bold), excelize.Cell{Value: r.Adjustments, StyleID: b.integer}},
	} {
		if err := s.put(row...); err != nil {
			return err
		}
	}
	s.row = billingRunHeader - 1
	if err := s.headers(l.InvoiceNo, l.Customer, l.Currency, l.VATCase, l.Part, l.Kind, l.Project, l.Task, l.Description,
		l.Hours, l.Rate, l.Amount, l.TaxRate, l.ManuallyChanged); err != nil {
		return err
	}
	rec, cells := rowCells(brColumns)
	line := func(inv BillingInvoice, part string, ln BillingLine) error {
		amount := b.amount(inv.Currency)
		rec[brInvoice-1] = excelize.Cell{Value: inv.Position, StyleID: b.integer}
		rec[brCustomer-1] = str(inv.Customer, b.text)
		rec[brCurrency-1] = str(inv.Currency, b.text)
		rec[brVATCase-1] = str(inv.VATCase, b.text)
		rec[brPart-1] = str(part, b.text)
		rec[brKind-1] = str(l.unbilledKind(ln.Kind), b.text)
		rec[brProject-1] = str(ln.Project, b.text)
		rec[brTask-1] = str(ln.Task, b.text)
		rec[brDescription-1] = str(ln.Description, b.wrap)
		rec[brHours-1], rec[brRate-1] = excelize.Cell{}, excelize.Cell{}
		if ln.Hours.Valid {
			rec[brHours-1] = num(ln.Hours.Decimal, b.hours)
		}
		if ln.Rate.Valid {
			rec[brRate-1] = num(ln.Rate.Decimal, amount)
		}
		rec[brAmount-1] = num(ln.Amount, amount)
		rec[brTaxRate-1] = num(ln.TaxRate, b.days)
		rec[brChanged-1] = b.yesNo(ln.ManuallyChanged)
		return s.put(cells...)
	}
	for _, inv := range r.Invoices {
		for _, ln := range inv.Lines {
			if err := line(inv, l.InvoiceLine, ln); err != nil {
				return err
			}
		}
		for _, ln := range inv.WriteOffs {
			if err := line(inv, l.WriteOffProposal, ln); err != nil {
				return err
			}
		}
	}
	first, last := billingRunHeader+1, s.row
	if last < first {
		return s.flush()
	}
	if err := s.table("DraftBillingRun", billingRunHeader, brColumns); err != nil {
		return err
	}

	// Per invoice: the net is the sum of its lines, as a formula over
	// them; VAT is computed once per rate on the sum (EN 16931), so it is
	// the run's figure; gross is net plus VAT.
	s.skip()
	if err := s.caption(l.InvoiceTotals); err != nil {
		return err
	}
	if err := s.headers(l.InvoiceNo, l.Customer, l.Currency, l.VATCase, l.DueDate, l.Net, l.Tax, l.Gross, l.WriteOffs); err != nil {
		return err
	}
	invs, parts, amounts := absRange("", brInvoice, first, last), absRange("", brPart, first, last), absRange("", brAmount, first, last)
	for _, inv := range r.Invoices {
		row := s.row + 1
		var writeOffs decimal.Decimal
		for _, w := range inv.WriteOffs {
			writeOffs = writeOffs.Add(w.Amount)
		}
		crit := fmt.Sprintf("$A$%d", row)
		if err := s.put(
			excelize.Cell{Value: inv.Position, StyleID: b.boldInteger},
			str(inv.Customer, b.text),
			str(inv.Currency, b.text),
			str(inv.VATCase, b.text),
			b.dateCell(inv.DueDate),
			formula(fmt.Sprintf("SUMIFS(%s,%s,%s,%s,%s)", amounts, invs, crit, parts, quoted(l.InvoiceLine)), excelNumber(inv.Net), b.amount(inv.Currency)),
			num(inv.Tax, b.amount(inv.Currency)),
			formula(fmt.Sprintf("%s+%s", cellName(6, row), cellName(7, row)), excelNumber(inv.Net.Add(inv.Tax)), b.boldAmount(inv.Currency)),
			formula(fmt.Sprintf("SUMIFS(%s,%s,%s,%s,%s)", amounts, invs, crit, parts, quoted(l.WriteOffProposal)), excelNumber(writeOffs), b.amount(inv.Currency)),
		); err != nil {
			return err
		}
	}
	return s.flush()
}

// Columns of the receivables.
const (
	arCustomer = iota + 1
	arNumber
	arKind
	arIssue
	arDue
	arDaysPastDue
	arBucket
	arCurrency
	arGross
	arOpen
	arOpenBase
	arColumns = arOpenBase
)

func (b *book) writeAging(s *sheet) error {
	l, docs := b.l, b.p.Receivables
	if err := s.open([]float64{30, 16, 12, 12, 12, 10, 14, 9, 16, 16, 18}, 1); err != nil {
		return err
	}
	if err := s.headers(l.Customer, l.Number, l.DocKind, l.IssueDate, l.DueDate, l.DaysPastDue, l.AgeBucket, l.Currency,
		l.Gross, l.Open, l.OpenBase); err != nil {
		return err
	}
	if len(docs) == 0 {
		if err := s.put(str(l.NoReceivables, b.text)); err != nil {
			return err
		}
		return s.flush()
	}
	base := b.amount(b.p.BaseCurrency)
	byBucket := map[string]decimal.Decimal{}
	var total decimal.Decimal
	for _, d := range docs {
		amount := b.amount(d.Currency)
		var days any
		if d.Kind == "invoice" {
			days = excelize.Cell{Value: d.DaysPastDue, StyleID: b.integer}
		}
		// Without an exchange rate the amount in the base currency is
		// unknown: the cell says so and the totals leave it out.
		openBase := any(num(d.OpenBase, base))
		if d.NoRate {
			openBase = str(l.NoRate, b.na)
		}
		if err := s.put(str(d.Customer, b.text), str(d.Number, b.text), str(labelOr(l.DocKinds, d.Kind), b.text),
			b.dateCell(d.IssueDate), b.dateCell(d.DueDate), days, str(l.AgingBuckets[d.Bucket], b.text), str(d.Currency, b.text),
			num(d.Gross, amount), num(d.Open, amount), openBase); err != nil {
			return err
		}
		byBucket[d.Bucket] = byBucket[d.Bucket].Add(d.OpenBase)
		total = total.Add(d.OpenBase)
	}
	first, last := 2, s.row
	if err := s.table("Receivables", 1, arColumns); err != nil {
		return err
	}
	s.skip()
	if err := s.caption(l.ByBucket); err != nil {
		return err
	}
	if err := s.headers(l.AgeBucket, l.OpenBase); err != nil {
		return err
	}
	buckets, open := absRange("", arBucket, first, last), absRange("", arOpenBase, first, last)
	for _, k := range agingBucketOrder {
		if err := s.put(str(l.AgingBuckets[k], b.text),
			formula(fmt.Sprintf("SUMIFS(%s,%s,$A$%d)", open, buckets, s.row+1), excelNumber(byBucket[k]), base)); err != nil {
			return err
		}
	}
	if err := s.put(str(l.Total, b.bold), formula(fmt.Sprintf("SUBTOTAL(9,%s)", open), excelNumber(total), b.boldAmount(b.p.BaseCurrency))); err != nil {
		return err
	}
	return s.flush()
}

// labelOr translates a code, or shows it as it is.
func labelOr(m map[string]string, code string) string {
	if s, ok := m[code]; ok {
		return s
	}
	return code
}

// Columns of the dunning sheet.
const (
	dCustomer = iota + 1
	dNumber
	dIssue
	dDue
	dCurrency
	dGross
	dNotices
	dMaxLevel
	dLevel1
	dLevel2
	dLevel3
	dFirst
	dList
	dColumns = dList
)

func (b *book) writeDunning(s *sheet) error {
	l, list := b.l, b.p.Dunning
	if err := s.open([]float64{30, 16, 12, 12, 9, 16, 10, 10, 12, 12, 12, 14, 50}, 1); err != nil {
		return err
	}
	if err := s.headers(l.Customer, l.Number, l.IssueDate, l.DueDate, l.Currency, l.Gross, l.Notices, l.MaxLevel,
		l.Level1, l.Level2, l.Level3, l.FirstNotice, l.NoticeList); err != nil {
		return err
	}
	if len(list) == 0 {
		if err := s.put(str(l.NoDunning, b.text)); err != nil {
			return err
		}
		return s.flush()
	}
	dunned := 0
	for _, d := range list {
		if d.Notices > 0 {
			dunned++
		}
		if err := s.put(str(d.Customer, b.text), str(d.Number, b.text), b.dateCell(d.IssueDate), b.dateCell(d.DueDate),
			str(d.Currency, b.text), num(d.Gross, b.amount(d.Currency)), excelize.Cell{Value: d.Notices, StyleID: b.integer},
			excelize.Cell{Value: d.MaxLevel, StyleID: b.integer}, b.yesNo(d.Level1), b.yesNo(d.Level2), b.yesNo(d.Level3),
			b.dateCell(d.FirstNotice), str(d.NoticeList, b.wrap)); err != nil {
			return err
		}
	}
	first, last := 2, s.row
	if err := s.table("Dunning", 1, dColumns); err != nil {
		return err
	}
	s.skip()
	numbers, notices := absRange("", dNumber, first, last), absRange("", dNotices, first, last)
	due, dun := s.row+1, s.row+2
	rate := decimal.NewFromInt(int64(dunned)).Div(decimal.NewFromInt(int64(len(list))))
	for _, row := range [][]any{
		{str(l.InvoicesDue, b.bold), formula(fmt.Sprintf("COUNTA(%s)", numbers), len(list), b.boldInteger)},
		{str(l.InvoicesDunned, b.bold), formula(fmt.Sprintf(`COUNTIF(%s,">0")`, notices), dunned, b.boldInteger)},
		{str(l.RateLabel, b.bold), formula(fmt.Sprintf("IF($B$%d=0,0,$B$%d/$B$%d)", due, dun, due), excelNumber(rate), b.boldPct)},
	} {
		if err := s.put(row...); err != nil {
			return err
		}
	}
	return s.flush()
}

// Columns of the incidents sheet.
const (
	iID = iota + 1
	iTitle
	iSeverity
	iStatus
	iImpact
	iMonths
	iFollowUp
	iAction
	iOwner
	iDue
	iFollowUpStatus
	iOverdue
	iColumns = iOverdue
)

func (b *book) writeIncidents(s *sheet) error {
	l, list := b.l, b.p.Incidents
	if err := s.open([]float64{8, 40, 10, 12, 40, 18, 10, 44, 18, 12, 14, 10}, 1); err != nil {
		return err
	}
	if err := s.headers(l.ID, l.Title, l.Severity, l.IncidentStatus, l.Impact, l.KPIMonths, l.FollowUp, l.Action, l.OwnerRole,
		l.Due, l.FollowUpStatus, l.Overdue); err != nil {
		return err
	}
	if len(list) == 0 {
		if err := s.put(str(l.NoIncidents, b.text)); err != nil {
			return err
		}
		return s.flush()
	}
	open, overdue := 0, 0
	for _, in := range list {
		months := make([]string, len(in.Months))
		for i, m := range in.Months {
			months[i] = l.monthLabel(m)
		}
		head := []any{excelize.Cell{Value: in.ID, StyleID: b.integer}, str(in.Title, b.wrap), str(in.Severity, b.text),
			str(in.Status, b.text), str(in.CustomerImpact, b.wrap), str(strings.Join(months, ", "), b.wrap)}
		if len(in.FollowUps) == 0 {
			if err := s.put(append(head, nil, str(l.NoFollowUps, b.na))...); err != nil {
				return err
			}
			continue
		}
		// The incident's own columns stand on its first row only, so that
		// the list prints as one block per incident and COUNT over the ids
		// counts incidents.
		for i, f := range in.FollowUps {
			if f.Status == "open" {
				open++
			}
			if f.Overdue {
				overdue++
			}
			lead := head
			if i > 0 {
				lead = make([]any, len(head))
			}
			if err := s.put(append(lead, excelize.Cell{Value: f.Number, StyleID: b.integer}, str(f.Action, b.wrap),
				str(f.OwnerRole, b.text), b.dateCell(f.Due), str(labelOr(l.FollowUpStates, f.Status), b.text), b.yesNo(f.Overdue))...); err != nil {
				return err
			}
		}
	}
	first, last := 2, s.row
	if err := s.table("Incidents", 1, iColumns); err != nil {
		return err
	}
	s.skip()
	ids := absRange("", iID, first, last)
	for _, row := range [][]any{
		{str(l.Incidents, b.bold), formula(fmt.Sprintf("COUNT(%s)", ids), len(list), b.boldInteger)},
		{str(l.OpenFollowUps, b.bold), formula(fmt.Sprintf("COUNTIF(%s,%s)", absRange("", iFollowUpStatus, first, last),
			quoted(labelOr(l.FollowUpStates, "open"))), open, b.boldInteger)},
		{str(l.OverdueFollowUps, b.bold), formula(fmt.Sprintf("COUNTIF(%s,%s)", absRange("", iOverdue, first, last), quoted(l.Yes)),
			overdue, b.boldInteger)},
	} {
		if err := s.put(row...); err != nil {
			return err
		}
	}
	return s.flush()
}

func (b *book) writeQuality(s *sheet) error {
	l, q := b.l, b.p.Quality
	if err := s.open([]float64{22, 16, 22, 18, 22, 40, 60, 12, 18}, 0); err != nil {
		return err
	}
	// section writes one list under its caption as an Excel table.
	section := func(caption, table string, headers []string, n int, row func(i int) []any) error {
		if err := s.caption(fmt.Sprintf("%s (%d)", caption, n)); err != nil {
			return err
		}
		if err := s.headers(headers...); err != nil {
			return err
		}
		header := s.row
		if n == 0 {
			if err := s.put(str(l.NoneFound, b.text)); err != nil {
				return err
			}
		}
		for i := range n {
			if err := s.put(row(i)...); err != nil {
				return err
			}
		}
		if n > 0 {
			if err := s.table(table, header, len(headers)); err != nil {
				return err
			}
		}
		s.skip()
		return nil
	}
	if err := section(l.OpenRejects, "OpenRejects",
		[]string{l.Source, l.Stream, l.RecordID, l.Rule, l.Field, l.Message, l.Stage, l.Run, l.RejectedAt}, len(q.Rejects),
		func(i int) []any {
			r := q.Rejects[i]
			return []any{str(r.Source, b.text), str(r.Stream, b.text), str(r.RecordID, b.text), str(r.Rule, b.text),
				str(r.Field, b.text), str(r.Message, b.wrap), str(r.Stage, b.text), excelize.Cell{Value: r.RunID, StyleID: b.integer},
				b.timeCell(r.RejectedAt)}
		}); err != nil {
		return err
	}
	if err := section(l.IdentityIssues, "IdentityIssues",
		[]string{l.Kind, l.System, l.SourceID, l.Name, l.Status, l.Hint}, len(q.Identities),
		func(i int) []any {
			d := q.Identities[i]
			return []any{str(d.Kind, b.text), str(d.System, b.text), str(d.SourceID, b.text), str(d.Name, b.text),
				str(d.Status, b.text), str(d.Hint, b.wrap)}
		}); err != nil {
		return err
	}
	now := b.p.GeneratedAt
	if now.IsZero() {
		now = b.p.asOf().AddDate(0, 0, 1)
	}
	staleAfter := q.StaleAfter
	if staleAfter == 0 {
		staleAfter = 48 * time.Hour
	}
	if err := section(l.Freshness, "SourceFreshness",
		[]string{l.Source, l.Stream, l.LastSuccess, l.Rows, l.Stale, l.LastFailure, l.Error}, len(q.Freshness),
		func(i int) []any {
			f := q.Freshness[i]
			var ok any = str(l.Never, b.na)
			if !f.LastSuccess.IsZero() {
				ok = b.timeCell(f.LastSuccess)
			}
			stale := f.LastSuccess.IsZero() || now.Sub(f.LastSuccess) > staleAfter
			var errText any
			if f.Error != "" {
				errText = str(f.Error, b.wrap)
			}
			return []any{str(f.Source, b.text), str(f.Stream, b.text), ok, excelize.Cell{Value: f.Rows, StyleID: b.integer},
				b.yesNo(stale), b.timeCell(f.LastFailure), errText}
		}); err != nil {
		return err
	}
	if err := section(l.Drift, "SchemaDrift",
		[]string{l.Source, l.Stream, l.Field, l.Run, l.FirstSeen}, len(q.Drift),
		func(i int) []any {
			d := q.Drift[i]
			return []any{str(d.Source, b.text), str(d.Stream, b.text), str(d.Field, b.text),
				excelize.Cell{Value: d.RunID, StyleID: b.integer}, b.timeCell(d.FirstSeen)}
		}); err != nil {
		return err
	}
	return s.flush()
}

// readAhead walks seq in a goroutine of its own, a few thousand items
// ahead of the caller, so that reading the unbilled work from the
// warehouse (the driver's calls and the decimals) runs beside writing it
// to the sheet. It holds at most four batches. Stopping early stops the
// walk.
func readAhead[T any](seq iter.Seq2[T, error]) iter.Seq2[T, error] {
	type item struct {
		v   T
		err error
	}
	const batch = 2048
	return func(yield func(T, error) bool) {
		batches := make(chan []item, 4)
		done := make(chan struct{})
		finished := make(chan struct{})
		go func() {
			defer close(finished)
			defer close(batches)
			buf := make([]item, 0, batch)
			send := func() bool {
				select {
				case batches <- buf:
					buf = make([]item, 0, batch)
					return true
				case <-done:
					return false
				}
			}
			for v, err := range seq {
				buf = append(buf, item{v, err})
				if len(buf) == batch && !send() {
					return
				}
			}
			if len(buf) > 0 {
				send()
			}
		}()
		defer func() {
			close(done)
			<-finished
		}()
		for b := range batches {
			for _, it := range b {
				if !yield(it.v, it.err) {
					return
				}
			}
		}
	}
}

// excelSerial is the Excel day number of t's calendar day (days since
// 1899-12-30, the 1900 date system for every day after February 1900): the
// number excelize stores for a date, computed directly rather than through
// its conversion of a time.Time, which is slower on a million rows.
func excelSerial(t time.Time) int64 {
	return excelDate(t).Unix()/86400 + 25569
}
