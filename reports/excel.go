package reports

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// Number formats of the pack. Amounts show their currency code, so a reader
// never has to look for the currency column to know what a figure means.
const (
	fmtDate     = "yyyy-mm-dd"
	fmtMonth    = "yyyy-mm"
	fmtDateTime = "yyyy-mm-dd hh:mm"
	fmtDays     = "0.0"
	fmtPercent  = "0.0%"
	// numFmtHours and numFmtInteger are Excel's built-in formats "0.00" and "0".
	numFmtHours   = 2
	numFmtInteger = 1
)

// Columns of the item sheets, 1-based as excelize counts them.
const (
	uCustomer = iota + 1
	uProject
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

const (
	eKind = iota + 1
	eCustomer
	eProject
	eSourceIDs
	eAmount
	eCurrency
	eReason
	eColumns = eReason
)

// WriteExcel writes the monthly pack as an .xlsx workbook to w, with the
// sheets Summary, Unbilled and Exceptions named and labelled in p.Lang.
//
// Totals and changes are formulas over the listed rows (SUMIFS, COUNTIFS and
// differences), with their values cached so that viewers that do not
// calculate show them too; Excel recalculates them when it opens the file.
// Text from the source systems is always written as string cells, so a
// customer named "=HYPERLINK(...)" stays text. An item sheet holds at most
// Excel's 1,048,576 rows; a larger pack is an error.
func WriteExcel(w io.Writer, p Pack) error {
	if err := p.validate(); err != nil {
		return err
	}
	// An item sheet is the header, the items, a blank row, the totals
	// caption and header, and one totals row per currency (at most one per
	// item).
	if rows := 4 + len(p.Unbilled) + len(currenciesOf(p.Unbilled, p.BaseCurrency)); rows > excelize.TotalRows {
		return fmt.Errorf("reports: excel: %d unbilled items do not fit one sheet (Excel holds %d rows); write one pack per customer or project", len(p.Unbilled), excelize.TotalRows)
	}
	if rows := 4 + len(p.Exceptions) + len(exceptionCurrencies(p.Exceptions)); rows > excelize.TotalRows {
		return fmt.Errorf("reports: excel: %d exceptions do not fit one sheet (Excel holds %d rows); write one pack per customer or project", len(p.Exceptions), excelize.TotalRows)
	}

	f := excelize.NewFile()
	defer f.Close()
	b := &book{f: f, p: p, l: labelsFor(p.Lang)}
	if err := b.newStyles(); err != nil {
		return fmt.Errorf("reports: excel: styles: %w", err)
	}
	if err := f.SetSheetName(f.GetSheetName(0), b.l.SheetSummary); err != nil {
		return fmt.Errorf("reports: excel: %w", err)
	}
	for _, name := range []string{b.l.SheetUnbilled, b.l.SheetExceptions} {
		if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("reports: excel: sheet %s: %w", name, err)
		}
	}
	steps := []struct {
		sheet string
		write func() error
	}{
		{b.l.SheetSummary, b.writeSummary},
		{b.l.SheetUnbilled, b.writeUnbilled},
		{b.l.SheetExceptions, b.writeExceptions},
	}
	for _, s := range steps {
		if err := b.printSetup(s.sheet); err != nil {
			return fmt.Errorf("reports: excel: sheet %s: print setup: %w", s.sheet, err)
		}
		if err := s.write(); err != nil {
			return fmt.Errorf("reports: excel: sheet %s: %w", s.sheet, err)
		}
	}
	for _, sheet := range []string{b.l.SheetUnbilled, b.l.SheetExceptions} {
		if err := f.SetDefinedName(&excelize.DefinedName{
			Name: "_xlnm.Print_Titles", RefersTo: sheetRef(sheet) + "!$1:$1", Scope: sheet,
		}); err != nil {
			return fmt.Errorf("reports: excel: sheet %s: print titles: %w", sheet, err)
		}
	}
	f.SetActiveSheet(0)
	fullCalc := true
	if err := f.SetCalcProps(&excelize.CalcPropsOptions{FullCalcOnLoad: &fullCalc}); err != nil {
		return fmt.Errorf("reports: excel: calculation properties: %w", err)
	}
	props := &excelize.DocProperties{
		Title:    b.l.PackTitle + " " + p.Company + " " + b.l.monthLabel(p.Month),
		Creator:  "takt",
		Language: b.l.Locale,
	}
	if !p.GeneratedAt.IsZero() {
		props.Created = p.GeneratedAt.UTC().Format(time.RFC3339)
	}
	if err := f.SetDocProps(props); err != nil {
		return fmt.Errorf("reports: excel: document properties: %w", err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("reports: excel: write workbook: %w", err)
	}
	return nil
}

// book carries the state of one WriteExcel call.
type book struct {
	f *excelize.File
	p Pack
	l *labels

	title, bold, header, text, wrap, na     int
	date, month, dateTime, hours, days, pct int
	integer, boldInteger, boldHours         int
	amount, boldAmount                      map[string]int // by currency
}

// excelNumber is the one place where a decimal becomes a float64. Excel
// stores every number as an IEEE 754 double and keeps 15 significant
// digits, so the cell gets the double nearest to d; excelize writes the
// shortest text that reads back as that double, cut to 15 significant
// digits. A value with at most 15 significant digits (every amount below
// 10^13 to the cent) therefore reads back from the file exactly as d. No
// rounding to decimal places happens here: number formats only change what a
// cell shows, never what it holds.
func excelNumber(d decimal.Decimal) float64 {
	f, _ := d.Float64()
	return f
}

// excelDate is the calendar day of t as a UTC midnight, so that the cell
// holds a whole Excel day number whatever zone t came in.
func excelDate(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// sheetRef quotes a sheet name for use in a formula.
func sheetRef(sheet string) string {
	return "'" + strings.ReplaceAll(sheet, "'", "''") + "'"
}

// headerFooterText escapes text for an Excel header or footer, where "&"
// starts a control code, and keeps it short enough for the 255-character
// limit of the whole header.
func headerFooterText(s string, max int) string {
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max-1]) + "…"
	}
	return strings.ReplaceAll(s, "&", "&&")
}

func (b *book) newStyles() error {
	var err error
	style := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = b.f.NewStyle(s)
		return id
	}
	custom := func(format string, font *excelize.Font) int {
		return style(&excelize.Style{CustomNumFmt: &format, Font: font})
	}
	boldFont := &excelize.Font{Bold: true}
	b.title = style(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	b.bold = style(&excelize.Style{Font: boldFont})
	b.header = style(&excelize.Style{
		Font:      boldFont,
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
		Border:    []excelize.Border{{Type: "bottom", Color: "8EA9DB", Style: 1}},
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
	})
	b.text = style(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}})
	b.wrap = style(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	b.na = style(&excelize.Style{
		Font:      &excelize.Font{Italic: true, Color: "7F7F7F"},
		Alignment: &excelize.Alignment{Horizontal: "right"},
	})
	b.date = custom(fmtDate, nil)
	b.month = custom(fmtMonth, nil)
	b.dateTime = custom(fmtDateTime, nil)
	b.days = custom(fmtDays, nil)
	b.pct = custom(fmtPercent, nil)
	b.hours = style(&excelize.Style{NumFmt: numFmtHours})
	b.boldHours = style(&excelize.Style{NumFmt: numFmtHours, Font: boldFont})
	b.integer = style(&excelize.Style{NumFmt: numFmtInteger})
	b.boldInteger = style(&excelize.Style{NumFmt: numFmtInteger, Font: boldFont})
	b.amount, b.boldAmount = map[string]int{}, map[string]int{}
	currencies := append(currenciesOf(b.p.Unbilled, b.p.BaseCurrency), exceptionCurrencies(b.p.Exceptions)...)
	for _, c := range append(currencies, b.p.BaseCurrency) {
		if _, ok := b.amount[c]; ok {
			continue
		}
		b.amount[c] = custom(amountFormat(c), nil)
		b.boldAmount[c] = custom(amountFormat(c), boldFont)
	}
	return err
}

// amountFormat shows two decimals, thousands separators and the currency
// code; validate guarantees the code is three capital letters, so it is safe
// inside the quoted literal.
func amountFormat(currency string) string {
	return `#,##0.00 "` + currency + `"`
}

// currenciesOf lists the currencies of the unbilled items, the base currency
// first and then in alphabetical order.
func currenciesOf(items []UnbilledItem, base string) []string {
	seen := map[string]bool{}
	var list []string
	for _, it := range items {
		if !seen[it.Currency] {
			seen[it.Currency] = true
			list = append(list, it.Currency)
		}
	}
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
	return list
}

// exceptionCurrencies lists the currencies of the exceptions in
// alphabetical order.
func exceptionCurrencies(exs []Exception) []string {
	var list []string
	for _, e := range exs {
		if !slices.Contains(list, e.Currency) {
			list = append(list, e.Currency)
		}
	}
	slices.Sort(list)
	return list
}

// printSetup prints a sheet landscape, one page wide, with the company and
// month in the header and page numbers in the footer. It must run before the
// sheet's stream writer is created, which copies these settings.
func (b *book) printSetup(sheet string) error {
	// FitToHeight 0 lets the pages run on as long as the rows need.
	landscape, wide, tall := "landscape", 1, 0
	if err := b.f.SetPageLayout(sheet, &excelize.PageLayoutOptions{
		Orientation: &landscape, FitToWidth: &wide, FitToHeight: &tall,
	}); err != nil {
		return err
	}
	fit := true
	if err := b.f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	return b.f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{
		OddHeader: "&L&B" + headerFooterText(b.p.Company, 100) + "&B&C" + headerFooterText(sheet, 40) +
			"&R" + headerFooterText(b.l.monthLabel(b.p.Month), 20),
		OddFooter: "&C" + b.l.PageFooter,
	})
}

// str is a string cell. excelize's stream writer stores a string value as an
// inline string and only Cell.Formula ever makes a formula, so text that
// starts with "=", "+", "-", "@", a tab or a carriage return stays text.
func str(s string, style int) excelize.Cell {
	return excelize.Cell{Value: s, StyleID: style}
}

func num(d decimal.Decimal, style int) excelize.Cell {
	return excelize.Cell{Value: excelNumber(d), StyleID: style}
}

// formula is a formula cell with its value cached, so that viewers that do
// not calculate show the right figure; Excel recalculates on load.
func formula(f string, cached any, style int) excelize.Cell {
	return excelize.Cell{Formula: f, Value: cached, StyleID: style}
}

// rowCells returns n cells and the row slice that points at them, for
// SetRow.
func rowCells(n int) ([]excelize.Cell, []any) {
	rec := make([]excelize.Cell, n)
	cells := make([]any, n)
	for i := range rec {
		cells[i] = &rec[i]
	}
	return rec, cells
}

func cellName(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

func colName(col int) string {
	name, _ := excelize.ColumnNumberToName(col)
	return name
}

// absRange is an absolute reference to rows first..last of one column, e.g.
// $H$2:$H$10, prefixed with the quoted sheet name when sheet is not empty.
func absRange(sheet string, col, first, last int) string {
	c := colName(col)
	ref := fmt.Sprintf("$%s$%d:$%s$%d", c, first, c, last)
	if sheet != "" {
		return sheetRef(sheet) + "!" + ref
	}
	return ref
}

// quoted is a string literal for a formula; callers pass only validated
// codes (currencies, exception kinds), but quotes are doubled all the same.
func quoted(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// textWidth is a column width that fits the longest of the texts, within
// [min, max] characters.
func textWidth(min, max float64, texts ...string) float64 {
	w := min
	for _, t := range texts {
		if n := float64(utf8.RuneCountInString(t)) + 2; n > w {
			w = n
		}
	}
	if w > max {
		return max
	}
	return w
}

type kindCurrency struct{ kind, currency string }

func (b *book) writeSummary() error {
	l, p := b.l, b.p
	sw, err := b.f.NewStreamWriter(l.SheetSummary)
	if err != nil {
		return err
	}
	if err := setWidths(sw, []float64{36, 18, 18, 16, 60}); err != nil {
		return err
	}
	row := 0
	put := func(cells ...any) error {
		row++
		return sw.SetRow(cellName(1, row), cells)
	}
	if err := put(str(l.PackTitle, b.title)); err != nil {
		return err
	}
	if err := put(str(l.Company, b.bold), str(p.Company, b.text)); err != nil {
		return err
	}
	if err := put(str(l.Month, b.bold), excelize.Cell{Value: excelDate(p.Month), StyleID: b.month}); err != nil {
		return err
	}
	if err := put(str(l.BaseCurrency, b.bold), str(p.BaseCurrency, b.text)); err != nil {
		return err
	}
	generated := any(nil)
	if !p.GeneratedAt.IsZero() {
		generated = excelize.Cell{Value: p.GeneratedAt.UTC(), StyleID: b.dateTime}
	}
	if err := put(str(l.GeneratedAt, b.bold), generated); err != nil {
		return err
	}
	row++ // blank line

	cur := p.current()
	prev, hasPrev := p.previous()
	prevHeader := l.PreviousMonth
	if hasPrev {
		prevHeader = l.monthLabel(prev.Month)
	}
	if err := put(str(l.KPI, b.header), str(l.monthLabel(p.Month), b.header), str(prevHeader, b.header),
		str(l.Change, b.header), str(l.Note, b.header)); err != nil {
		return err
	}

	// kpiRow writes one KPI: this month, the previous month, the change as a
	// formula when both are defined, and the reasons for any "n/a".
	kpiRow := func(label string, v, pv KPIValue, style int) error {
		var notes []string
		value := func(k KPIValue, month time.Time) any {
			if k.Value.Valid {
				return num(k.Value.Decimal, style)
			}
			notes = append(notes, l.monthLabel(month)+": "+k.Reason)
			return str(l.NA, b.na)
		}
		this := value(v, p.Month)
		var before any
		if hasPrev {
			before = value(pv, prev.Month)
		} else {
			notes = append(notes, l.NoPrevious)
			before = str(l.NA, b.na)
		}
		change := any(str(l.NA, b.na))
		if hasPrev && v.Value.Valid && pv.Value.Valid {
			r := row + 1
			change = formula(cellName(2, r)+"-"+cellName(3, r),
				excelNumber(v.Value.Decimal.Sub(pv.Value.Decimal)), style)
		}
		var note any
		if len(notes) > 0 {
			note = str(strings.Join(notes, "; "), b.wrap)
		}
		return put(str(label, b.text), this, before, change, note)
	}
	known := func(d decimal.Decimal) KPIValue {
		return KPIValue{Value: decimal.NullDecimal{Decimal: d, Valid: true}}
	}
	count := func(n int) KPIValue { return known(decimal.NewFromInt(int64(n))) }
	base := " (" + p.BaseCurrency + ")"
	rows := []struct {
		label  string
		v, pv  KPIValue
		format int
	}{
		{l.DSO, cur.DSODays, prev.DSODays, b.days},
		{l.DSO3m, cur.DSO3mDays, prev.DSO3mDays, b.days},
		{l.DunningRate, cur.DunningRate, prev.DunningRate, b.pct},
		{l.InvoicesDue, count(cur.InvoicesDue), count(prev.InvoicesDue), b.integer},
		{l.InvoicesDunned, count(cur.InvoicesDunned), count(prev.InvoicesDunned), b.integer},
		{l.AREnd + base, known(cur.AREnd), known(prev.AREnd), b.amount[p.BaseCurrency]},
		{l.GrossSales + base, known(cur.GrossSales), known(prev.GrossSales), b.amount[p.BaseCurrency]},
	}
	for _, r := range rows {
		if err := kpiRow(r.label, r.v, r.pv, r.format); err != nil {
			return err
		}
	}

	// Unbilled work per currency, summed from the Unbilled sheet.
	first, last := 2, len(p.Unbilled)+1
	totals := map[string]decimal.Decimal{}
	for _, it := range p.Unbilled {
		totals[it.Currency] = totals[it.Currency].Add(it.Amount)
	}
	currencies := currenciesOf(p.Unbilled, p.BaseCurrency)
	if len(currencies) == 0 {
		if err := put(str(l.UnbilledWork+base, b.text), num(decimal.Zero, b.amount[p.BaseCurrency]),
			str(l.NA, b.na), str(l.NA, b.na), str(l.NoUnbilled+" "+l.NotKept, b.wrap)); err != nil {
			return err
		}
	}
	for _, c := range currencies {
		f := fmt.Sprintf("SUMIFS(%s,%s,%s)",
			absRange(l.SheetUnbilled, uAmount, first, last), absRange(l.SheetUnbilled, uCurrency, first, last), quoted(c))
		if err := put(str(l.UnbilledWork+" ("+c+")", b.text), formula(f, excelNumber(totals[c]), b.amount[c]),
			str(l.NA, b.na), str(l.NA, b.na), str(l.NotKept, b.wrap)); err != nil {
			return err
		}
	}
	row++ // blank line

	// Exceptions per kind and currency, counted and summed from the
	// Exceptions sheet.
	if err := put(str(l.ExceptionsByKind, b.header), str(l.Currency, b.header), str(l.Count, b.header),
		str(l.Amount, b.header)); err != nil {
		return err
	}
	if len(p.Exceptions) == 0 {
		if err := put(str(l.NoExceptions, b.text)); err != nil {
			return err
		}
	}
	counts := map[kindCurrency]int{}
	sums := map[kindCurrency]decimal.Decimal{}
	var keys []kindCurrency
	for _, e := range p.Exceptions {
		k := kindCurrency{e.Kind, e.Currency}
		if _, ok := counts[k]; !ok {
			keys = append(keys, k)
		}
		counts[k]++
		sums[k] = sums[k].Add(e.Amount)
	}
	slices.SortFunc(keys, func(a, b kindCurrency) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.currency, b.currency))
	})
	first, last = 2, len(p.Exceptions)+1
	kinds := absRange(l.SheetExceptions, eKind, first, last)
	curs := absRange(l.SheetExceptions, eCurrency, first, last)
	for _, k := range keys {
		countF := fmt.Sprintf("COUNTIFS(%s,%s,%s,%s)", kinds, quoted(k.kind), curs, quoted(k.currency))
		sumF := fmt.Sprintf("SUMIFS(%s,%s,%s,%s,%s)", absRange(l.SheetExceptions, eAmount, first, last),
			kinds, quoted(k.kind), curs, quoted(k.currency))
		if err := put(str(k.kind, b.text), str(k.currency, b.text), formula(countF, counts[k], b.integer),
			formula(sumF, excelNumber(sums[k]), b.amount[k.currency])); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// setWidths sets the widths of the first columns, in characters. excelize
// puts each new column before those it has, and Excel wants them in
// ascending order, so they are set from the last to the first.
func setWidths(sw *excelize.StreamWriter, widths []float64) error {
	for col := len(widths); col >= 1; col-- {
		if err := sw.SetColWidth(col, col, widths[col-1]); err != nil {
			return err
		}
	}
	return nil
}

// startItemSheet opens a stream writer with the header row frozen and the
// given column widths, and writes the header row.
func (b *book) startItemSheet(sheet string, widths []float64, headers []string) (*excelize.StreamWriter, error) {
	sw, err := b.f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return nil, err
	}
	if err := setWidths(sw, widths); err != nil {
		return nil, err
	}
	cells := make([]any, len(headers))
	for i, h := range headers {
		cells[i] = str(h, b.header)
	}
	return sw, sw.SetRow("A1", cells)
}

// totalsHeader writes the caption and column headers of a totals block.
func (b *book) totalsHeader(sw *excelize.StreamWriter, row int, headers ...string) error {
	if err := sw.SetRow(cellName(1, row), []any{str(b.l.TotalsByCurrency, b.bold)}); err != nil {
		return err
	}
	cells := make([]any, len(headers))
	for i, h := range headers {
		cells[i] = str(h, b.header)
	}
	return sw.SetRow(cellName(1, row+1), cells)
}

func (b *book) writeUnbilled() error {
	l, items := b.l, b.p.Unbilled
	customers, projects, ids := []string{l.Customer}, []string{l.Project}, []string{l.SourceID}
	for _, it := range items {
		customers = append(customers, it.Customer)
		projects = append(projects, it.Project)
		ids = append(ids, it.SourceID)
	}
	widths := []float64{
		textWidth(14, 40, customers...), textWidth(14, 40, projects...), 12, textWidth(12, 30, ids...),
		12, 9, 14, 16, 9, 10,
	}
	sw, err := b.startItemSheet(l.SheetUnbilled, widths, []string{
		l.Customer, l.Project, l.Kind, l.SourceID, l.WorkDate, l.Hours, l.Rate, l.Amount, l.Currency, l.AgeDays,
	})
	if err != nil {
		return err
	}
	if len(items) == 0 {
		if err := sw.SetRow("A2", []any{str(l.NoUnbilled, b.text)}); err != nil {
			return err
		}
		return sw.Flush()
	}
	// One set of cells is refilled for every row (the stream writer copies
	// what it needs), which saves an allocation per cell on large sheets.
	rec, cells := rowCells(uColumns)
	for i, it := range items {
		amount := b.amount[it.Currency]
		rec[uCustomer-1] = str(it.Customer, b.text)
		rec[uProject-1] = str(it.Project, b.text)
		rec[uKind-1] = str(l.unbilledKind(it.Kind), b.text)
		rec[uSourceID-1] = str(it.SourceID, b.text)
		rec[uWorkDate-1] = excelize.Cell{Value: excelDate(it.WorkDate), StyleID: b.date}
		rec[uHours-1] = num(it.Hours, b.hours)
		rec[uRate-1] = num(it.Rate, amount)
		rec[uAmount-1] = num(it.Amount, amount)
		rec[uCurrency-1] = str(it.Currency, b.text)
		rec[uAgeDays-1] = excelize.Cell{Value: it.AgeDays, StyleID: b.integer}
		if err := sw.SetRow(cellName(1, i+2), cells); err != nil {
			return fmt.Errorf("item %d (source id %q): %w", i, it.SourceID, err)
		}
	}
	last := len(items) + 1
	if err := sw.AddTable(&excelize.Table{
		Range: "A1:" + cellName(uColumns, last), Name: "UnbilledWork", StyleName: "TableStyleLight9",
	}); err != nil {
		return err
	}

	// Totals per currency: item count, hours and amount, as formulas over
	// the rows above so a controller can audit them.
	row := last + 2
	if err := b.totalsHeader(sw, row, l.Currency, l.Items, l.Hours, l.Amount); err != nil {
		return err
	}
	row++
	hours, amounts, counts := map[string]decimal.Decimal{}, map[string]decimal.Decimal{}, map[string]int{}
	for _, it := range items {
		hours[it.Currency] = hours[it.Currency].Add(it.Hours)
		amounts[it.Currency] = amounts[it.Currency].Add(it.Amount)
		counts[it.Currency]++
	}
	curRange := absRange("", uCurrency, 2, last)
	for _, c := range currenciesOf(items, b.p.BaseCurrency) {
		row++
		crit := fmt.Sprintf("$A$%d", row)
		if err := sw.SetRow(cellName(1, row), []any{
			str(c, b.bold),
			formula(fmt.Sprintf("COUNTIFS(%s,%s)", curRange, crit), counts[c], b.boldInteger),
			formula(fmt.Sprintf("SUMIFS(%s,%s,%s)", absRange("", uHours, 2, last), curRange, crit), excelNumber(hours[c]), b.boldHours),
			formula(fmt.Sprintf("SUMIFS(%s,%s,%s)", absRange("", uAmount, 2, last), curRange, crit), excelNumber(amounts[c]), b.boldAmount[c]),
		}); err != nil {
			return err
		}
	}
	return sw.Flush()
}

func (b *book) writeExceptions() error {
	l, exs := b.l, b.p.Exceptions
	kinds, customers, projects, ids, reasons := []string{l.Kind}, []string{l.Customer}, []string{l.Project}, []string{l.SourceIDs}, []string{l.Reason}
	joined := make([]string, len(exs))
	for i, e := range exs {
		joined[i] = strings.Join(e.SourceIDs, ", ")
		kinds = append(kinds, e.Kind)
		customers = append(customers, e.Customer)
		projects = append(projects, e.Project)
		ids = append(ids, joined[i])
		reasons = append(reasons, e.Reason)
	}
	widths := []float64{
		textWidth(12, 30, kinds...), textWidth(14, 40, customers...), textWidth(14, 40, projects...),
		textWidth(14, 40, ids...), 16, 9, textWidth(30, 80, reasons...),
	}
	sw, err := b.startItemSheet(l.SheetExceptions, widths, []string{
		l.Kind, l.Customer, l.Project, l.SourceIDs, l.Amount, l.Currency, l.Reason,
	})
	if err != nil {
		return err
	}
	if len(exs) == 0 {
		if err := sw.SetRow("A2", []any{str(l.NoExceptions, b.text)}); err != nil {
			return err
		}
		return sw.Flush()
	}
	rec, cells := rowCells(eColumns)
	for i, e := range exs {
		rec[eKind-1] = str(e.Kind, b.text)
		rec[eCustomer-1] = str(e.Customer, b.text)
		rec[eProject-1] = str(e.Project, b.text)
		rec[eSourceIDs-1] = str(joined[i], b.wrap)
		rec[eAmount-1] = num(e.Amount, b.amount[e.Currency])
		rec[eCurrency-1] = str(e.Currency, b.text)
		rec[eReason-1] = str(e.Reason, b.wrap)
		if err := sw.SetRow(cellName(1, i+2), cells); err != nil {
			return fmt.Errorf("exception %d (kind %q): %w", i, e.Kind, err)
		}
	}
	last := len(exs) + 1
	if err := sw.AddTable(&excelize.Table{
		Range: "A1:" + cellName(eColumns, last), Name: "BillingExceptions", StyleName: "TableStyleLight9",
	}); err != nil {
		return err
	}

	row := last + 2
	if err := b.totalsHeader(sw, row, l.Currency, l.Count, l.Amount); err != nil {
		return err
	}
	row++
	amounts, counts := map[string]decimal.Decimal{}, map[string]int{}
	for _, e := range exs {
		amounts[e.Currency] = amounts[e.Currency].Add(e.Amount)
		counts[e.Currency]++
	}
	curRange := absRange("", eCurrency, 2, last)
	for _, c := range exceptionCurrencies(exs) {
		row++
		crit := fmt.Sprintf("$A$%d", row)
		if err := sw.SetRow(cellName(1, row), []any{
			str(c, b.bold),
			formula(fmt.Sprintf("COUNTIFS(%s,%s)", curRange, crit), counts[c], b.boldInteger),
			formula(fmt.Sprintf("SUMIFS(%s,%s,%s)", absRange("", eAmount, 2, last), curRange, crit), excelNumber(amounts[c]), b.boldAmount[c]),
		}); err != nil {
			return err
		}
	}
	return sw.Flush()
}
