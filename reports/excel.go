package reports

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// WriteExcel writes the monthly pack as an .xlsx workbook to w, with the
// sheets Summary, Unbilled work, Draft billing run, Exceptions, AR aging,
// Dunning, Incidents and Data quality, named and labelled in p.Lang.
//
// Every list is an Excel table (autofilter, banded rows) under a frozen
// header row that repeats on every printed page; totals are formulas over
// the listed rows (SUBTOTAL, SUMIFS, COUNTIFS) with their values cached, so
// that viewers that do not calculate show them too and a controller can
// audit each one; Excel recalculates them when it opens the file. Text from
// the source systems is always written as string cells, so a customer named
// "=HYPERLINK(...)" stays text. The sheets are streamed to temporary files:
// the unbilled work is read once from p.UnbilledRows (or p.Unbilled) and
// never held in memory, so a month with a million items fits in bounded
// memory. A sheet holds at most Excel's 1,048,576 rows; a larger pack is
// an error.
func WriteExcel(w io.Writer, p Pack) error {
	if err := p.validate(); err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	b := newBook(f, p)
	l := b.l
	// The unbilled work is written first: the summary caches its totals.
	steps := []sheetStep{
		{l.SheetSummary, b.writeSummary, false},
		{l.SheetUnbilled, b.writeUnbilled, false},
		{l.SheetBillingRun, b.writeBillingRun, false},
		{l.SheetExceptions, b.writeExceptions, false},
		{l.SheetAging, b.writeAging, false},
		{l.SheetDunning, b.writeDunning, false},
		{l.SheetIncidents, b.writeIncidents, false},
		{l.SheetQuality, b.writeQuality, true},
	}
	order := []int{1, 0, 2, 3, 4, 5, 6, 7}
	if err := b.run(steps, order); err != nil {
		return err
	}
	return b.finish(w, l.PackTitle)
}

// sheetStep is one sheet of a workbook and the function that writes it.
type sheetStep struct {
	sheet string
	write func(*sheet) error
	// inMemory writes the sheet without a stream writer: for short sheets
	// with several tables.
	inMemory bool
}

// book carries the state of one workbook being written.
type book struct {
	f *excelize.File
	p Pack
	l *labels

	title, bold, header, text, wrap, na, italic int
	date, month, dateTime, hours, days, pct     int
	percentUnit, integer, boldInteger           int
	boldHours, boldPct                          int
	good, fair, poor, neutral                   int
	amounts, boldAmounts                        map[string]int // by currency
	styleErr                                    error

	// What writeUnbilled found, for the summary and the reconciliation.
	unbilled unbilledTotals
}

func newBook(f *excelize.File, p Pack) *book {
	b := &book{f: f, p: p, l: labelsFor(p.Lang), amounts: map[string]int{}, boldAmounts: map[string]int{}}
	b.newStyles()
	return b
}

// zipTo makes excelize write the workbook's archive straight to w instead
// of into the buffer it would otherwise fill with the whole file (tens of
// megabytes for a pack with a million rows), compressed at deflate's
// fastest level, which trades a somewhat larger file for less time spent
// compressing; it is still an ordinary .xlsx. excelize only patches that
// buffer for archive entries above 4 GiB, which no sheet within Excel's row
// limit of short texts reaches.
func zipTo(w io.Writer) func(io.Writer) excelize.ZipWriter {
	return func(io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(out, flate.BestSpeed)
		})
		return zw
	}
}

// run creates the sheets in the order of steps (the first renames the
// default sheet) and writes them in the order given by order.
func (b *book) run(steps []sheetStep, order []int) error {
	if err := b.f.SetSheetName(b.f.GetSheetName(0), steps[0].sheet); err != nil {
		return fmt.Errorf("reports: excel: %w", err)
	}
	for _, s := range steps[1:] {
		if _, err := b.f.NewSheet(s.sheet); err != nil {
			return fmt.Errorf("reports: excel: sheet %s: %w", s.sheet, err)
		}
	}
	for _, i := range order {
		s := steps[i]
		if err := b.printSetup(s.sheet); err != nil {
			return fmt.Errorf("reports: excel: sheet %s: print setup: %w", s.sheet, err)
		}
		sh := &sheet{b: b, name: s.sheet, inMemory: s.inMemory}
		if err := s.write(sh); err != nil {
			return fmt.Errorf("reports: excel: sheet %s: %w", s.sheet, err)
		}
		if b.styleErr != nil {
			return fmt.Errorf("reports: excel: styles: %w", b.styleErr)
		}
		if sh.printTitles > 0 {
			if err := b.f.SetDefinedName(&excelize.DefinedName{
				Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("%s!$%d:$%d", sheetRef(s.sheet), sh.printTitles, sh.printTitles), Scope: s.sheet,
			}); err != nil {
				return fmt.Errorf("reports: excel: sheet %s: print titles: %w", s.sheet, err)
			}
		}
	}
	return nil
}

// finish sets the workbook's properties and writes it to w.
func (b *book) finish(w io.Writer, title string) error {
	b.f.SetActiveSheet(0)
	fullCalc := true
	if err := b.f.SetCalcProps(&excelize.CalcPropsOptions{FullCalcOnLoad: &fullCalc}); err != nil {
		return fmt.Errorf("reports: excel: calculation properties: %w", err)
	}
	props := &excelize.DocProperties{
		Title:    title + " " + b.p.Company + " " + b.l.monthLabel(b.p.Month),
		Creator:  "takt",
		Language: b.l.Locale,
	}
	if !b.p.GeneratedAt.IsZero() {
		props.Created = b.p.GeneratedAt.UTC().Format(time.RFC3339)
	}
	if err := b.f.SetDocProps(props); err != nil {
		return fmt.Errorf("reports: excel: document properties: %w", err)
	}
	b.f.SetZipWriter(zipTo(w))
	var rest bytes.Buffer
	if err := b.f.Write(&rest); err != nil {
		return fmt.Errorf("reports: excel: write workbook: %w", err)
	}
	if rest.Len() > 0 {
		return fmt.Errorf("reports: excel: write workbook: %d bytes were not written to the output", rest.Len())
	}
	return nil
}

// Number formats by language. Excel shows the digit grouping and decimal
// mark of the reader's system whatever the format says; the locale tags
// pick the month names and the position of the currency symbol, so a German
// reader sees 1.234,56 € and an English one €1,234.56.
type numberFormats struct {
	date, month, dateTime, days, percentUnit string
	// amountLocale is the locale tag of currency symbols; symbolFirst
	// puts the symbol before the number.
	amountLocale string
	symbolFirst  bool
}

var formatsByLang = map[string]numberFormats{
	"en": {date: "dd mmm yyyy", month: "[$-809]mmm yyyy", dateTime: "dd mmm yyyy hh:mm", days: "#,##0.0",
		percentUnit: `#,##0.0" %"`, amountLocale: "809", symbolFirst: true},
	"de": {date: "dd.mm.yyyy", month: "[$-407]mmm yyyy", dateTime: "dd.mm.yyyy hh:mm", days: "#,##0.0",
		percentUnit: `#,##0.0" %"`, amountLocale: "407"},
}

// currencySymbols are the symbols the workbooks and pages show for the
// currencies a services firm bills most; other currencies show their ISO
// code.
var currencySymbols = map[string]string{"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF", "JPY": "¥", "SEK": "kr", "DKK": "kr.", "NOK": "kr", "PLN": "zł"}

// currencySymbol is the symbol of a currency, or its ISO code when it has
// none (ok false). spaced says whether it needs a space before the digits
// when it goes first: letters do ("CHF 1,234.56"), signs do not
// ("€1,234.56").
func currencySymbol(currency string) (sym string, ok, spaced bool) {
	sym, ok = currencySymbols[currency]
	if !ok {
		sym = currency
	}
	return sym, ok, len(sym) > 1 && sym[0] >= 'A' && sym[0] <= 'z'
}

// amountFormat shows two decimals, digit grouping and the currency, placed
// as the language writes it. validate guarantees the code is three
// capital letters, so it is safe inside the format.
func amountFormat(lang, currency string) string {
	nf := formatsByLang[lang]
	sym, ok, spaced := currencySymbol(currency)
	tag := "[$" + currency + "]"
	if ok {
		tag = "[$" + sym + "-" + nf.amountLocale + "]"
	}
	if nf.symbolFirst {
		if spaced {
			tag += " "
		}
		return tag + "#,##0.00"
	}
	return "#,##0.00 " + tag
}

func (b *book) style(s *excelize.Style) int {
	if b.styleErr != nil {
		return 0
	}
	id, err := b.f.NewStyle(s)
	if err != nil {
		b.styleErr = err
	}
	return id
}

func (b *book) newStyles() {
	nf := formatsByLang[b.p.Lang]
	custom := func(format string, font *excelize.Font) int {
		return b.style(&excelize.Style{CustomNumFmt: &format, Font: font, Alignment: &excelize.Alignment{Vertical: "top"}})
	}
	boldFont := &excelize.Font{Bold: true}
	b.title = b.style(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	b.bold = b.style(&excelize.Style{Font: boldFont})
	b.italic = b.style(&excelize.Style{Font: &excelize.Font{Italic: true}, Alignment: &excelize.Alignment{WrapText: false}})
	b.header = b.style(&excelize.Style{
		Font:      boldFont,
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
		Border:    []excelize.Border{{Type: "bottom", Color: "8EA9DB", Style: 1}},
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
	})
	b.text = b.style(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}})
	b.wrap = b.style(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	b.na = b.style(&excelize.Style{
		Font:      &excelize.Font{Italic: true, Color: "7F7F7F"},
		Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "top"},
	})
	light := func(fill, font string) int {
		return b.style(&excelize.Style{
			Font:      &excelize.Font{Bold: true, Color: font},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{fill}},
			Alignment: &excelize.Alignment{Vertical: "top"},
		})
	}
	b.good, b.fair, b.poor = light("C6EFCE", "006100"), light("FFEB9C", "9C5700"), light("FFC7CE", "9C0006")
	b.neutral = b.style(&excelize.Style{Font: &excelize.Font{Color: "7F7F7F"}, Alignment: &excelize.Alignment{Vertical: "top"}})
	b.date = custom(nf.date, nil)
	b.month = custom(nf.month, nil)
	b.dateTime = custom(nf.dateTime, nil)
	b.days = custom(nf.days, nil)
	b.percentUnit = custom(nf.percentUnit, nil)
	b.pct = custom(fmtPercent, nil)
	b.boldPct = custom(fmtPercent, boldFont)
	b.hours = b.style(&excelize.Style{NumFmt: numFmtHours})
	b.boldHours = b.style(&excelize.Style{NumFmt: numFmtHours, Font: boldFont})
	b.integer = b.style(&excelize.Style{NumFmt: numFmtInteger})
	b.boldInteger = b.style(&excelize.Style{NumFmt: numFmtInteger, Font: boldFont})
}

// amount is the style of amounts in currency, made on first use.
func (b *book) amount(currency string) int {
	if id, ok := b.amounts[currency]; ok {
		return id
	}
	format := amountFormat(b.p.Lang, currency)
	b.amounts[currency] = b.style(&excelize.Style{CustomNumFmt: &format, Alignment: &excelize.Alignment{Vertical: "top"}})
	b.boldAmounts[currency] = b.style(&excelize.Style{CustomNumFmt: &format, Font: &excelize.Font{Bold: true}})
	return b.amounts[currency]
}

func (b *book) boldAmount(currency string) int {
	b.amount(currency)
	return b.boldAmounts[currency]
}

// Number formats that do not depend on the language.
const (
	fmtPercent = "0.0%"
	// numFmtHours and numFmtInteger are Excel's built-in formats "#,##0.00"
	// and "0".
	numFmtHours   = 4
	numFmtInteger = 1
)

// sheet is one worksheet being written row by row: streamed to a
// temporary file, or, for a short sheet with several tables (the stream
// writer keeps one table per sheet), set cell by cell in memory.
type sheet struct {
	b    *book
	name string
	sw   *excelize.StreamWriter
	// inMemory writes through the workbook instead of a stream writer.
	inMemory bool
	// row is the last row written.
	row int
	// printTitles is the header row to repeat on every printed page; 0
	// for none.
	printTitles int
}

// open starts the sheet with the column widths and, when freezeRow > 0,
// the rows up to it frozen and repeated on each printed page. The print
// setup must be done before: the stream writer copies it.
func (s *sheet) open(widths []float64, freezeRow int) error {
	var panes *excelize.Panes
	if freezeRow > 0 {
		top := cellName(1, freezeRow+1)
		panes = &excelize.Panes{
			Freeze: true, YSplit: freezeRow, TopLeftCell: top, ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: top, ActiveCell: top, Pane: "bottomLeft"}},
		}
		s.printTitles = freezeRow
	}
	if s.inMemory {
		for col, w := range widths {
			if err := s.b.f.SetColWidth(s.name, colName(col+1), colName(col+1), w); err != nil {
				return err
			}
		}
		if panes != nil {
			return s.b.f.SetPanes(s.name, panes)
		}
		return nil
	}
	sw, err := s.b.f.NewStreamWriter(s.name)
	if err != nil {
		return err
	}
	s.sw = sw
	if panes != nil {
		if err := sw.SetPanes(panes); err != nil {
			return err
		}
	}
	// excelize puts each new column before those it has, and Excel wants
	// them in ascending order, so they are set from the last to the first.
	for col := len(widths); col >= 1; col-- {
		if err := sw.SetColWidth(col, col, widths[col-1]); err != nil {
			return err
		}
	}
	return nil
}

// put writes the next row.
func (s *sheet) put(cells ...any) error {
	s.row++
	if s.row > excelize.TotalRows {
		return fmt.Errorf("more than %d rows do not fit one sheet; write one pack per customer or project", excelize.TotalRows)
	}
	if !s.inMemory {
		return s.sw.SetRow(cellName(1, s.row), cells)
	}
	f := s.b.f
	for i, c := range cells {
		name := cellName(i+1, s.row)
		cell, ok := c.(excelize.Cell)
		if !ok {
			if c == nil {
				continue
			}
			cell = excelize.Cell{Value: c}
		}
		if cell.Formula != "" {
			return fmt.Errorf("cell %s: formulas are only written by the stream writer", name)
		}
		// SetCellStr stores a shared string: text that starts like a
		// formula stays text.
		var err error
		switch v := cell.Value.(type) {
		case nil:
		case string:
			err = f.SetCellStr(s.name, name, v)
		default:
			err = f.SetCellValue(s.name, name, v)
		}
		if err != nil {
			return err
		}
		if cell.StyleID != 0 {
			if err := f.SetCellStyle(s.name, name, name, cell.StyleID); err != nil {
				return err
			}
		}
	}
	return nil
}

// skip leaves a blank row.
func (s *sheet) skip() { s.row++ }

// headers writes a header row.
func (s *sheet) headers(names ...string) error {
	cells := make([]any, len(names))
	for i, h := range names {
		cells[i] = str(h, s.b.header)
	}
	return s.put(cells...)
}

// table makes the rows from header to the last written row an Excel table
// (banded rows, an autofilter on the header); it needs at least one item
// row. A streamed sheet holds one table.
func (s *sheet) table(name string, header, columns int) error {
	if s.row <= header {
		return nil
	}
	t := &excelize.Table{
		Range: cellName(1, header) + ":" + cellName(columns, s.row), Name: name, StyleName: "TableStyleLight9",
	}
	if s.inMemory {
		return s.b.f.AddTable(s.name, t)
	}
	return s.sw.AddTable(t)
}

// flush ends the sheet.
func (s *sheet) flush() error {
	if s.inMemory {
		return nil
	}
	return s.sw.Flush()
}

// caption writes a bold caption row.
func (s *sheet) caption(text string) error { return s.put(str(text, s.b.bold)) }

// yesNo is the label of a flag.
func (b *book) yesNo(v bool) excelize.Cell {
	if v {
		return str(b.l.Yes, b.text)
	}
	return str(b.l.No, b.text)
}

// dateCell is a date cell, or an empty one for the zero time.
func (b *book) dateCell(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return excelize.Cell{Value: excelDate(t), StyleID: b.date}
}

// timeCell is a date-and-time cell in UTC, or an empty one for the zero
// time. Excel has no time zones: the cell holds the UTC wall clock.
func (b *book) timeCell(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return excelize.Cell{Value: time.Date(u.Year(), u.Month(), u.Day(), u.Hour(), u.Minute(), u.Second(), 0, time.UTC), StyleID: b.dateTime}
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
