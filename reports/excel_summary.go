package reports

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// Traffic-light states of a KPI against its target and baseline.
const (
	statusOn   = "on"   // meets the target
	statusNear = "near" // misses the target, no worse than the baseline
	statusOff  = "off"  // worse than the target and the baseline
	statusNone = "none" // no target configured
	statusNA   = "na"   // the month has no value
)

// kpiStatus compares a month's value with the KPI's target and baseline in
// the direction the KPI counts as better.
func kpiStatus(def KPIDefinition, v KPIValue) string {
	if !v.Value.Valid {
		return statusNA
	}
	if def.Target == nil {
		return statusNone
	}
	atLeast := func(a, b decimal.Decimal) bool {
		if def.Better == "higher" {
			return a.GreaterThanOrEqual(b)
		}
		return a.LessThanOrEqual(b)
	}
	switch {
	case atLeast(v.Value.Decimal, def.Target.Value):
		return statusOn
	case def.Baseline.Value.Valid && atLeast(v.Value.Decimal, def.Baseline.Value.Decimal):
		return statusNear
	}
	return statusOff
}

// Rows of the summary's header block; the KPI table's header follows.
const summaryKPIHeader = 8

func (b *book) writeSummary(s *sheet) error {
	l, p := b.l, b.p
	if err := s.open([]float64{40, 10, 16, 16, 14, 16, 16, 18, 24, 60}, summaryKPIHeader); err != nil {
		return err
	}
	generated := any(nil)
	if !p.GeneratedAt.IsZero() {
		generated = b.timeCell(p.GeneratedAt)
	}
	for _, row := range [][]any{
		{str(l.PackTitle, b.title)},
		{str(l.Company, b.bold), str(p.Company, b.text)},
		{str(l.Month, b.bold), excelize.Cell{Value: excelDate(p.Month), StyleID: b.month}},
		{str(l.BaseCurrency, b.bold), str(p.BaseCurrency, b.text)},
		{str(l.AsOf, b.bold), b.dateCell(p.asOf())},
		{str(l.GeneratedAt, b.bold), generated},
	} {
		if err := s.put(row...); err != nil {
			return err
		}
	}
	s.row = summaryKPIHeader - 1

	cur := p.current()
	prev, hasPrev := p.previous()
	prevHeader := l.PreviousMonth
	if hasPrev {
		prevHeader = l.monthLabel(prev.Month)
	}
	if err := s.headers(l.KPI, l.Unit, l.monthLabel(p.Month), prevHeader, l.Change, l.Baseline, l.Target, l.OwnerRole,
		l.Status, l.Note); err != nil {
		return err
	}
	for _, def := range packDefinitions(p) {
		if err := b.kpiRow(s, def, cur, prev, hasPrev); err != nil {
			return err
		}
	}
	if err := s.put(str(l.StatusLegend, b.italic)); err != nil {
		return err
	}
	s.skip()
	if err := b.summaryFigures(s, cur, prev, hasPrev); err != nil {
		return err
	}
	s.skip()
	if err := b.summaryExceptions(s); err != nil {
		return err
	}
	s.skip()
	if err := b.summaryTopUnbilled(s); err != nil {
		return err
	}
	return s.flush()
}

// unitOf is the unit column's text and the number style of a KPI.
func (b *book) unitOf(def KPIDefinition) (string, int) {
	switch def.Unit {
	case UnitDays:
		return b.l.Days, b.days
	case UnitPercent:
		return "%", b.percentUnit
	case UnitShare:
		return "%", b.pct
	case UnitMoney:
		return b.p.BaseCurrency, b.amount(b.p.BaseCurrency)
	}
	return def.Unit, b.days
}

// kpiRow writes one KPI: the month, the previous month, the change as a
// formula when both are defined, baseline, target, the traffic light and
// the reasons for any "n/a".
func (b *book) kpiRow(s *sheet, def KPIDefinition, cur, prev MonthKPIs, hasPrev bool) error {
	l := b.l
	unit, style := b.unitOf(def)
	var notes []string
	value := func(k KPIValue, month time.Time) any {
		if k.Provisional {
			notes = append(notes, l.monthLabel(month)+": "+l.ProvisionalNote)
		}
		if k.Value.Valid {
			return num(k.Value.Decimal, style)
		}
		notes = append(notes, l.monthLabel(month)+": "+k.Reason)
		return str(l.NA, b.na)
	}
	v := cur.figure(def.Name)
	this := value(v, cur.Month)
	var pv KPIValue
	var before any
	if hasPrev {
		pv = prev.figure(def.Name)
		before = value(pv, prev.Month)
	} else {
		notes = append(notes, l.NoPrevious)
		before = str(l.NA, b.na)
	}
	change := any(str(l.NA, b.na))
	row := s.row + 1
	if hasPrev && v.Value.Valid && pv.Value.Valid {
		change = formula(cellName(3, row)+"-"+cellName(4, row), excelNumber(v.Value.Decimal.Sub(pv.Value.Decimal)), style)
	}
	baseline := any(str(l.NA, b.na))
	if def.Baseline.Value.Valid {
		baseline = num(def.Baseline.Value.Decimal, style)
	}
	var target, owner any
	if def.Target != nil {
		target = num(def.Target.Value, style)
		owner = str(def.Target.OwnerRole, b.text)
	}
	var status excelize.Cell
	switch kpiStatus(def, v) {
	case statusOn:
		status = str(l.StatusOnTarget, b.good)
	case statusNear:
		status = str(l.StatusNearTarget, b.fair)
	case statusOff:
		status = str(l.StatusOffTarget, b.poor)
	case statusNone:
		status = str(l.StatusNoTarget, b.neutral)
	default:
		status = str(l.StatusUndefined, b.neutral)
	}
	var note any
	if len(notes) > 0 {
		note = str(strings.Join(notes, "; "), b.wrap)
	}
	return s.put(str(labelOr(l.KPINames, def.Name), b.text), str(unit, b.text), this, before, change, baseline, target, owner,
		status, note)
}

// summaryFigures writes the amounts and counts behind the KPIs, those the
// other sheets list as formulas over them.
func (b *book) summaryFigures(s *sheet, cur, prev MonthKPIs, hasPrev bool) error {
	l, p := b.l, b.p
	prevHeader := l.PreviousMonth
	if hasPrev {
		prevHeader = l.monthLabel(prev.Month)
	}
	if err := s.headers(l.Figures, l.Currency, l.monthLabel(p.Month), prevHeader, l.Change); err != nil {
		return err
	}
	base := p.BaseCurrency
	pair := func(label, currency string, v, pv decimal.Decimal, style int) error {
		row := s.row + 1
		before, change := any(str(l.NA, b.na)), any(str(l.NA, b.na))
		if hasPrev {
			before = num(pv, style)
			change = formula(cellName(3, row)+"-"+cellName(4, row), excelNumber(v.Sub(pv)), style)
		}
		return s.put(str(label, b.text), str(currency, b.text), num(v, style), before, change)
	}
	count := func(n int) decimal.Decimal { return decimal.NewFromInt(int64(n)) }
	if err := pair(l.AREnd, base, cur.AREnd, prev.AREnd, b.amount(base)); err != nil {
		return err
	}
	if err := pair(l.GrossSales, base, cur.GrossSales, prev.GrossSales, b.amount(base)); err != nil {
		return err
	}
	if err := pair(l.InvoicesDue, "", count(cur.InvoicesDue), count(prev.InvoicesDue), b.integer); err != nil {
		return err
	}
	if err := pair(l.InvoicesDunned, "", count(cur.InvoicesDunned), count(prev.InvoicesDunned), b.integer); err != nil {
		return err
	}
	// Open receivables in the base currency, summed on the AR aging sheet.
	if n := len(p.Receivables); n > 0 {
		var total decimal.Decimal
		for _, d := range p.Receivables {
			total = total.Add(d.OpenBase)
		}
		f := fmt.Sprintf("SUBTOTAL(9,%s)", absRange(l.SheetAging, arOpenBase, 2, n+1))
		if err := s.put(str(l.ReceivablesOpen, b.text), str(base, b.text), formula(f, excelNumber(total), b.amount(base))); err != nil {
			return err
		}
	}
	// Unbilled work per currency, summed from the unbilled sheet.
	t := &b.unbilled
	currencies := t.currencies(base)
	if len(currencies) == 0 {
		if err := s.put(str(l.UnbilledWork, b.text), str(base, b.text), num(decimal.Zero, b.amount(base))); err != nil {
			return err
		}
	}
	for _, c := range currencies {
		f := fmt.Sprintf("SUMIFS(%s,%s,%s)",
			absRange(l.SheetUnbilled, uAmount, t.first, t.last), absRange(l.SheetUnbilled, uCurrency, t.first, t.last), quoted(c))
		if err := s.put(str(l.UnbilledWork, b.text), str(c, b.text), formula(f, excelNumber(t.byCurrency[c].total), b.amount(c))); err != nil {
			return err
		}
	}
	return nil
}

type kindCurrency struct{ kind, currency string }

// summaryExceptions counts and sums the exceptions per kind and currency
// from the exceptions sheet, with what is not acknowledged.
func (b *book) summaryExceptions(s *sheet) error {
	l, exs := b.l, b.p.Exceptions
	if err := s.headers(l.ExceptionsByKind, l.Currency, l.Count, l.Amount, l.NotAcknowledged, l.AmountNotAcknowledged); err != nil {
		return err
	}
	if len(exs) == 0 {
		return s.put(str(l.NoExceptions, b.text))
	}
	all := map[kindCurrency]*exceptionGroup{}
	var keys []kindCurrency
	for _, e := range exs {
		k := kindCurrency{e.Kind, e.Currency}
		g := all[k]
		if g == nil {
			g = &exceptionGroup{}
			all[k] = g
			keys = append(keys, k)
		}
		g.add(e)
	}
	slices.SortFunc(keys, func(a, b kindCurrency) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.currency, b.currency))
	})
	first, last := exceptionItemRows(len(exs))
	sheet := l.SheetExceptions
	kinds, curs := absRange(sheet, eKind, first, last), absRange(sheet, eCurrency, first, last)
	amounts, acks := absRange(sheet, eAmount, first, last), absRange(sheet, eAck, first, last)
	notYes := quoted("<>" + l.Yes)
	for _, k := range keys {
		g := all[k]
		crit := fmt.Sprintf("%s,%s,%s,%s", kinds, quoted(k.kind), curs, quoted(k.currency))
		if err := s.put(str(k.kind, b.text), str(k.currency, b.text),
			formula(fmt.Sprintf("COUNTIFS(%s)", crit), g.count, b.integer),
			formula(fmt.Sprintf("SUMIFS(%s,%s)", amounts, crit), excelNumber(g.amount), b.amount(k.currency)),
			formula(fmt.Sprintf("COUNTIFS(%s,%s,%s)", crit, acks, notYes), g.open, b.integer),
			formula(fmt.Sprintf("SUMIFS(%s,%s,%s,%s)", amounts, crit, acks, notYes), excelNumber(g.openAmount), b.amount(k.currency)),
		); err != nil {
			return err
		}
	}
	return nil
}

// summaryTopUnbilled lists the largest unbilled items.
func (b *book) summaryTopUnbilled(s *sheet) error {
	l, p := b.l, b.p
	if err := s.caption(l.LargestUnbilled); err != nil {
		return err
	}
	if err := s.headers(l.Customer, l.Project, l.SourceID, l.WorkDate, l.Amount, l.Currency, l.AmountBase); err != nil {
		return err
	}
	if len(p.TopUnbilled) == 0 {
		return s.put(str(l.NoUnbilled, b.text))
	}
	for _, u := range p.TopUnbilled {
		var inBase any
		if u.AmountBase.Valid {
			inBase = num(u.AmountBase.Decimal, b.amount(p.BaseCurrency))
		}
		if err := s.put(str(u.Customer, b.text), str(u.Project, b.text), str(u.SourceID, b.text), b.dateCell(u.WorkDate),
			num(u.Amount, b.amount(u.Currency)), str(u.Currency, b.text), inBase); err != nil {
			return err
		}
	}
	return nil
}
