package reports

import (
	"cmp"
	"fmt"
	"io"
	"slices"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// WriteReconciliationExcel writes the reconciliation report a controller
// reviews before a billing run as an .xlsx workbook to w: a sheet that
// groups the unbilled work and the exceptions by customer, with the amounts
// at stake and what is not acknowledged yet, and beside it the unbilled
// items and the exceptions (ordered by customer, with their reasons and
// acknowledgements) that its formulas add up. Like WriteExcel it streams
// the unbilled work once and writes source text only as text.
func WriteReconciliationExcel(w io.Writer, p Pack) error {
	if err := p.validate(); err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	b := newBook(f, p)
	l := b.l
	exs := slices.Clone(p.Exceptions)
	slices.SortStableFunc(exs, func(a, b Exception) int {
		return cmp.Or(compareCustomer(a.Customer, b.Customer), cmp.Compare(a.CustomerID, b.CustomerID), cmp.Compare(a.Currency, b.Currency))
	})
	var groups []*exceptionGroup
	steps := []sheetStep{
		{sheet: l.SheetReconciliation, write: func(s *sheet) error { return b.writeReconSummary(s, groups) }},
		{sheet: l.SheetUnbilled, write: b.writeUnbilled},
		{sheet: l.SheetExceptions, write: func(s *sheet) error {
			var err error
			if groups, err = b.writeExceptionList(s, exs); err != nil {
				return err
			}
			return s.flush()
		}},
	}
	if err := b.run(steps, []int{1, 2, 0}); err != nil {
		return err
	}
	return b.finish(w, l.ReconTitle)
}

// compareCustomer orders customer names as the warehouse does: by name,
// work of no known customer last.
func compareCustomer(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	return cmp.Compare(a, b)
}

// reconRow is one customer and currency of the reconciliation summary.
type reconRow struct {
	customerID, customer, currency string
	unbilled                       *unbilledGroup
	exceptions                     *exceptionGroup
}

// Columns of the reconciliation summary.
const (
	rcCustomer = iota + 1
	rcCurrency
	rcItems
	rcUnbilled
	rcOldest
	rcExceptions
	rcAtStake
	rcOpen
	rcOpenAmount
	rcColumns = rcOpenAmount
)

func (b *book) writeReconSummary(s *sheet, groups []*exceptionGroup) error {
	l, p := b.l, b.p
	if err := s.open([]float64{34, 9, 12, 18, 12, 12, 18, 14, 18}, 5); err != nil {
		return err
	}
	for _, row := range [][]any{
		{str(l.ReconTitle, b.title)},
		{str(p.Company, b.bold), excelize.Cell{Value: excelDate(p.Month), StyleID: b.month}},
		{str(l.AsOf, b.bold), b.dateCell(p.asOf())},
		{str(l.ReconNote, b.italic)},
	} {
		if err := s.put(row...); err != nil {
			return err
		}
	}
	if err := s.headers(l.Customer, l.Currency, l.UnbilledItems, l.UnbilledAmount, l.OldestDays, l.ExceptionCount,
		l.ExceptionAmount, l.NotAcknowledged, l.AmountNotAcknowledged); err != nil {
		return err
	}
	type key struct{ id, name, currency string }
	index := map[key]*reconRow{}
	var rows []*reconRow
	get := func(id, name, currency string) *reconRow {
		k := key{id, name, currency}
		r := index[k]
		if r == nil {
			r = &reconRow{customerID: id, customer: name, currency: currency}
			index[k] = r
			rows = append(rows, r)
		}
		return r
	}
	for _, g := range b.unbilled.customers {
		get(g.customerID, g.customer, g.currency).unbilled = g
	}
	for _, g := range groups {
		get(g.customerID, g.customer, g.currency).exceptions = g
	}
	slices.SortStableFunc(rows, func(a, b *reconRow) int {
		return cmp.Or(compareCustomer(a.customer, b.customer), cmp.Compare(a.customerID, b.customerID),
			cmp.Compare(a.currency, b.currency))
	})
	if len(rows) == 0 {
		if err := s.put(str(l.NoUnbilled+" "+l.NoExceptions, b.text)); err != nil {
			return err
		}
		return s.flush()
	}
	header := s.row
	ub, ex := l.SheetUnbilled, l.SheetExceptions
	notYes := quoted("<>" + l.Yes)
	for _, r := range rows {
		name := r.customer
		if name == "" {
			name = l.NoCustomer
		}
		cur := quoted(r.currency)
		cells := []any{str(name, b.text), str(r.currency, b.text)}
		if g := r.unbilled; g != nil {
			items := g.rows.sumOver(func(a, z int) string {
				return fmt.Sprintf("COUNTIFS(%s,%s)", absRange(ub, uCurrency, a, z), cur)
			})
			amount := g.rows.sumOver(func(a, z int) string {
				return fmt.Sprintf("SUMIFS(%s,%s,%s)", absRange(ub, uAmount, a, z), absRange(ub, uCurrency, a, z), cur)
			})
			cells = append(cells, formula(items, g.count, b.integer), formula(amount, excelNumber(g.total), b.amount(r.currency)),
				excelize.Cell{Value: g.oldest, StyleID: b.integer})
		} else {
			cells = append(cells, excelize.Cell{Value: 0, StyleID: b.integer}, num(decimal.Zero, b.amount(r.currency)), nil)
		}
		if g := r.exceptions; g != nil {
			count := g.rows.sumOver(func(a, z int) string {
				return fmt.Sprintf("COUNTIFS(%s,%s)", absRange(ex, eCurrency, a, z), cur)
			})
			amount := g.rows.sumOver(func(a, z int) string {
				return fmt.Sprintf("SUMIFS(%s,%s,%s)", absRange(ex, eAmount, a, z), absRange(ex, eCurrency, a, z), cur)
			})
			open := g.rows.sumOver(func(a, z int) string {
				return fmt.Sprintf("COUNTIFS(%s,%s,%s,%s)", absRange(ex, eCurrency, a, z), cur, absRange(ex, eAck, a, z), notYes)
			})
			openAmount := g.rows.sumOver(func(a, z int) string {
				return fmt.Sprintf("SUMIFS(%s,%s,%s,%s,%s)", absRange(ex, eAmount, a, z), absRange(ex, eCurrency, a, z), cur,
					absRange(ex, eAck, a, z), notYes)
			})
			cells = append(cells, formula(count, g.count, b.integer), formula(amount, excelNumber(g.amount), b.amount(r.currency)),
				formula(open, g.open, b.integer), formula(openAmount, excelNumber(g.openAmount), b.amount(r.currency)))
		} else {
			zero := num(decimal.Zero, b.amount(r.currency))
			cells = append(cells, excelize.Cell{Value: 0, StyleID: b.integer}, zero, excelize.Cell{Value: 0, StyleID: b.integer}, zero)
		}
		if err := s.put(cells...); err != nil {
			return err
		}
	}
	first, last := header+1, s.row
	if err := s.table("ReconciliationByCustomer", header, rcColumns); err != nil {
		return err
	}

	// Totals per currency over the rows above.
	s.skip()
	if err := s.caption(l.TotalsByCurrency); err != nil {
		return err
	}
	if err := s.headers(l.Currency, l.UnbilledItems, l.UnbilledAmount, l.ExceptionCount, l.ExceptionAmount, l.NotAcknowledged,
		l.AmountNotAcknowledged); err != nil {
		return err
	}
	type totals struct {
		items      int
		unbilled   decimal.Decimal
		exceptions exceptionGroup
	}
	byCurrency := map[string]*totals{}
	var currencies []string
	for _, r := range rows {
		t := byCurrency[r.currency]
		if t == nil {
			t = &totals{}
			byCurrency[r.currency] = t
			currencies = append(currencies, r.currency)
		}
		if g := r.unbilled; g != nil {
			t.items += g.count
			t.unbilled = t.unbilled.Add(g.total)
		}
		if g := r.exceptions; g != nil {
			t.exceptions.merge(g)
		}
	}
	sortBaseFirst(currencies, p.BaseCurrency)
	curs := absRange("", rcCurrency, first, last)
	sumCol := func(col int, crit string) string {
		return fmt.Sprintf("SUMIFS(%s,%s,%s)", absRange("", col, first, last), curs, crit)
	}
	for _, c := range currencies {
		t := byCurrency[c]
		crit := fmt.Sprintf("$A$%d", s.row+1)
		if err := s.put(str(c, b.bold),
			formula(sumCol(rcItems, crit), t.items, b.boldInteger),
			formula(sumCol(rcUnbilled, crit), excelNumber(t.unbilled), b.boldAmount(c)),
			formula(sumCol(rcExceptions, crit), t.exceptions.count, b.boldInteger),
			formula(sumCol(rcAtStake, crit), excelNumber(t.exceptions.amount), b.boldAmount(c)),
			formula(sumCol(rcOpen, crit), t.exceptions.open, b.boldInteger),
			formula(sumCol(rcOpenAmount, crit), excelNumber(t.exceptions.openAmount), b.boldAmount(c)),
		); err != nil {
			return err
		}
	}
	return s.flush()
}
