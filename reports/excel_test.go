package reports

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// sheetBook wraps a workbook that WriteExcel wrote and the test reopened,
// with assertions that name the sheet and cell.
type sheetBook struct {
	t   *testing.T
	f   *excelize.File
	raw []byte
}

func (b *sheetBook) raw1(sheet, cell string) string {
	b.t.Helper()
	v, err := b.f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if err != nil {
		b.t.Fatalf("%s!%s: %v", sheet, cell, err)
	}
	return v
}

func (b *sheetBook) formulaOf(sheet, cell string) string {
	b.t.Helper()
	f, err := b.f.GetCellFormula(sheet, cell)
	if err != nil {
		b.t.Fatalf("%s!%s: formula: %v", sheet, cell, err)
	}
	return f
}

func (b *sheetBook) cellType(sheet, cell string) excelize.CellType {
	b.t.Helper()
	ct, err := b.f.GetCellType(sheet, cell)
	if err != nil {
		b.t.Fatalf("%s!%s: type: %v", sheet, cell, err)
	}
	return ct
}

// format returns the cell's number format: the custom format string, or
// the built-in format's id as "#<id>".
func (b *sheetBook) format(sheet, cell string) string {
	b.t.Helper()
	id, err := b.f.GetCellStyle(sheet, cell)
	if err != nil {
		b.t.Fatalf("%s!%s: style: %v", sheet, cell, err)
	}
	st, err := b.f.GetStyle(id)
	if err != nil {
		b.t.Fatalf("%s!%s: style %d: %v", sheet, cell, id, err)
	}
	if st.CustomNumFmt != nil {
		return *st.CustomNumFmt
	}
	return fmt.Sprintf("#%d", st.NumFmt)
}

// text checks a plain string cell: an inline or shared string, no formula,
// the exact text.
func (b *sheetBook) text(sheet, cell, want string) {
	b.t.Helper()
	if ct := b.cellType(sheet, cell); ct != excelize.CellTypeInlineString && ct != excelize.CellTypeSharedString {
		b.t.Errorf("%s!%s: cell type %v, want a string", sheet, cell, ct)
	}
	if f := b.formulaOf(sheet, cell); f != "" {
		b.t.Errorf("%s!%s: holds the formula %q, want plain text", sheet, cell, f)
	}
	if got := b.raw1(sheet, cell); got != want {
		b.t.Errorf("%s!%s = %q, want %q", sheet, cell, got, want)
	}
}

// number checks a number cell without formula: the stored value equals want
// exactly (as a decimal) and the number format is format.
func (b *sheetBook) number(sheet, cell, want, format string) {
	b.t.Helper()
	if f := b.formulaOf(sheet, cell); f != "" {
		b.t.Errorf("%s!%s: holds the formula %q, want a number", sheet, cell, f)
	}
	b.value(sheet, cell, want)
	if got := b.format(sheet, cell); got != format {
		b.t.Errorf("%s!%s: number format %q, want %q", sheet, cell, got, format)
	}
}

func (b *sheetBook) value(sheet, cell, want string) {
	b.t.Helper()
	if ct := b.cellType(sheet, cell); ct != excelize.CellTypeUnset && ct != excelize.CellTypeNumber {
		b.t.Errorf("%s!%s: cell type %v, want a number", sheet, cell, ct)
	}
	got := b.raw1(sheet, cell)
	d, err := decimal.NewFromString(got)
	if err != nil || !d.Equal(mustDec(want)) {
		b.t.Errorf("%s!%s = %q, want %s", sheet, cell, got, want)
	}
}

// formula checks a formula cell: the formula text, Excel's calculation of
// it (excelize's engine) and the cached value both equal want to the given
// number of decimal places, and the number format.
func (b *sheetBook) formula(sheet, cell, formula, want string, places int32, format string) {
	b.t.Helper()
	if got := b.formulaOf(sheet, cell); got != formula {
		b.t.Errorf("%s!%s: formula %q, want %q", sheet, cell, got, formula)
	}
	calc, err := b.f.CalcCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if err != nil {
		b.t.Errorf("%s!%s: calculate %q: %v", sheet, cell, formula, err)
	}
	for what, got := range map[string]string{"calculated": calc, "cached": b.raw1(sheet, cell)} {
		d, err := decimal.NewFromString(got)
		if err != nil || !d.Round(places).Equal(mustDec(want)) {
			b.t.Errorf("%s!%s: %s value %q, want %s", sheet, cell, what, got, want)
		}
	}
	if got := b.format(sheet, cell); got != format {
		b.t.Errorf("%s!%s: number format %q, want %q", sheet, cell, got, format)
	}
}

func (b *sheetBook) row(sheet string, row int, want ...string) {
	b.t.Helper()
	for i, w := range want {
		b.text(sheet, cellName(i+1, row), w)
	}
}

func (b *sheetBook) printSetup(sheet, company string) {
	b.t.Helper()
	layout, err := b.f.GetPageLayout(sheet)
	if err != nil {
		b.t.Fatal(err)
	}
	if layout.Orientation == nil || *layout.Orientation != "landscape" || layout.FitToWidth == nil ||
		*layout.FitToWidth != 1 || layout.FitToHeight == nil || *layout.FitToHeight != 0 {
		b.t.Errorf("%s: page layout %+v, want landscape, one page wide", sheet, layout)
	}
	props, err := b.f.GetSheetProps(sheet)
	if err != nil {
		b.t.Fatal(err)
	}
	if props.FitToPage == nil || !*props.FitToPage {
		b.t.Errorf("%s: fit to page is off", sheet)
	}
	hf, err := b.f.GetHeaderFooter(sheet)
	if err != nil {
		b.t.Fatal(err)
	}
	if hf == nil || !strings.Contains(hf.OddHeader, "&L&B"+strings.ReplaceAll(company, "&", "&&")+"&B") ||
		!strings.Contains(hf.OddHeader, "&R") {
		b.t.Errorf("%s: header %+v does not name the company %q and the month", sheet, hf, company)
	}
}

// openBook writes with write and reopens the workbook.
func openBook(t *testing.T, write func(w io.Writer) error) *sheetBook {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		t.Fatalf("write: %v", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("reopen the workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return &sheetBook{t: t, f: f, raw: buf.Bytes()}
}

// formulaPrefixes are the first characters that make a spreadsheet read
// text as a formula (or a DDE command).
const formulaPrefixes = "=+-@\t\r"

// audit checks every cell of every sheet: each formula, calculated by
// excelize's engine, equals the value cached in the file (to the cent), and
// no cell whose text starts like a formula holds one or is anything but
// an inline string. It returns the number of formulas.
func (b *sheetBook) audit() int {
	b.t.Helper()
	formulas := 0
	for _, sheet := range b.f.GetSheetList() {
		rows, err := b.f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			b.t.Fatalf("%s: %v", sheet, err)
		}
		for r, row := range rows {
			for c, v := range row {
				cell := cellName(c+1, r+1)
				f := b.formulaOf(sheet, cell)
				if f != "" {
					formulas++
					calc, err := b.f.CalcCellValue(sheet, cell, excelize.Options{RawCellValue: true})
					if err != nil {
						b.t.Errorf("%s!%s: calculate %q: %v", sheet, cell, f, err)
						continue
					}
					want, err1 := decimal.NewFromString(v)
					got, err2 := decimal.NewFromString(calc)
					if err1 != nil || err2 != nil || !got.Round(2).Equal(want.Round(2)) {
						b.t.Errorf("%s!%s: %q calculates to %q, the file caches %q", sheet, cell, f, calc, v)
					}
					continue
				}
				if v != "" && strings.ContainsRune(formulaPrefixes, rune(v[0])) {
					ct := b.cellType(sheet, cell)
					_, err := decimal.NewFromString(v)
					number := err == nil && (ct == excelize.CellTypeUnset || ct == excelize.CellTypeNumber)
					if !number && ct != excelize.CellTypeInlineString && ct != excelize.CellTypeSharedString {
						b.t.Errorf("%s!%s = %q: cell type %v, want a string", sheet, cell, v, ct)
					}
				}
			}
		}
	}
	// No formula anywhere in the file carries text from a source.
	zr, err := zip.NewReader(bytes.NewReader(b.raw), int64(len(b.raw)))
	if err != nil {
		b.t.Fatal(err)
	}
	re := regexp.MustCompile(`<f>([^<]*)</f>`)
	for _, zf := range zr.File {
		if !strings.HasPrefix(zf.Name, "xl/worksheets/") {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			b.t.Fatal(err)
		}
		x, _ := io.ReadAll(rc)
		rc.Close()
		for _, m := range re.FindAllStringSubmatch(string(x), -1) {
			if strings.Contains(m[1], "HYPERLINK") || strings.Contains(m[1], "CMD") || strings.Contains(m[1], "1+1") {
				b.t.Errorf("%s: formula %q carries source text", zf.Name, m[1])
			}
		}
	}
	return formulas
}

// sumColumn adds up the numbers of column col in rows first..last whose
// column keyCol holds key (any row when keyCol is 0), read back from the
// file: the test's own recomputation of a total.
func (b *sheetBook) sumColumn(sheet string, col, first, last, keyCol int, key string) decimal.Decimal {
	b.t.Helper()
	sum := decimal.Zero
	for r := first; r <= last; r++ {
		if keyCol > 0 && b.raw1(sheet, cellName(keyCol, r)) != key {
			continue
		}
		v := b.raw1(sheet, cellName(col, r))
		if v == "" {
			continue
		}
		d, err := decimal.NewFromString(v)
		if err != nil {
			b.t.Fatalf("%s!%s = %q: %v", sheet, cellName(col, r), v, err)
		}
		sum = sum.Add(d)
	}
	return sum
}

// total checks that a total cell's cached value equals the sum the test
// recomputed from the rows.
func (b *sheetBook) total(sheet, cell string, sum decimal.Decimal, want string) {
	b.t.Helper()
	if !sum.Equal(mustDec(want)) {
		b.t.Errorf("%s: the rows add up to %s, want %s", sheet, sum, want)
	}
	got, err := decimal.NewFromString(b.raw1(sheet, cell))
	if err != nil || !got.Round(2).Equal(sum) {
		b.t.Errorf("%s!%s caches %q, the rows add up to %s", sheet, cell, b.raw1(sheet, cell), sum)
	}
}

// frozen checks the rows up to row are frozen and repeat on printed pages,
// and that the table on tableRef has an autofilter.
func (b *sheetBook) frozen(sheet string, row int, tableRef string) {
	b.t.Helper()
	panes, err := b.f.GetPanes(sheet)
	if err != nil {
		b.t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != row || panes.XSplit != 0 || panes.TopLeftCell != cellName(1, row+1) {
		b.t.Errorf("%s: panes %+v, want rows 1-%d frozen", sheet, panes, row)
	}
	found := false
	for _, dn := range b.f.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Titles" && dn.Scope == sheet {
			found = true
			if want := fmt.Sprintf("%s!$%d:$%d", sheetRef(sheet), row, row); dn.RefersTo != want {
				b.t.Errorf("%s: print titles %q, want %q", sheet, dn.RefersTo, want)
			}
		}
	}
	if !found {
		b.t.Errorf("%s: no print titles", sheet)
	}
	if tableRef != "" {
		b.hasTable(sheet, tableRef)
	}
}

func (b *sheetBook) hasTable(sheet, ref string) {
	b.t.Helper()
	tables, err := b.f.GetTables(sheet)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, tb := range tables {
		if tb.Range == ref {
			if x := b.tableXML(ref); !strings.Contains(x, `<autoFilter ref="`+ref+`"`) {
				b.t.Errorf("%s: table %s has no autofilter", sheet, ref)
			}
			return
		}
	}
	b.t.Errorf("%s: tables %+v, want one on %s", sheet, tables, ref)
}

// tableXML returns the XML of the Excel table whose range is ref.
func (b *sheetBook) tableXML(ref string) string {
	b.t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b.raw), int64(len(b.raw)))
	if err != nil {
		b.t.Fatal(err)
	}
	for _, zf := range zr.File {
		if !strings.HasPrefix(zf.Name, "xl/tables/") {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			b.t.Fatal(err)
		}
		x, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			b.t.Fatal(err)
		}
		if strings.Contains(string(x), ` ref="`+ref+`"`) {
			return string(x)
		}
	}
	b.t.Fatalf("no table with range %s", ref)
	return ""
}

// packFormats are the number formats a language's pack uses.
type packFormats struct{ eur, gbp, date, month, dateTime string }

var formatsOf = map[string]packFormats{
	"en": {`[$€-809]#,##0.00`, `[$£-809]#,##0.00`, "dd mmm yyyy", "[$-809]mmm yyyy", "dd mmm yyyy hh:mm"},
	"de": {`#,##0.00 [$€-407]`, `#,##0.00 [$£-407]`, "dd.mm.yyyy", "[$-407]mmm yyyy", "dd.mm.yyyy hh:mm"},
}

// sheetNames are the pack's sheets by language.
var sheetNames = map[string][]string{
	"en": {"Summary", "Unbilled", "Draft billing run", "Exceptions", "AR aging", "Dunning", "Incidents", "Data quality"},
	"de": {"Übersicht", "Nicht abgerechnet", "Abrechnungsentwurf", "Ausnahmen", "Altersstruktur OP", "Mahnwesen", "Vorfälle", "Datenqualität"},
}

func TestWriteExcelFullPack(t *testing.T) {
	for _, lang := range []string{"en", "de"} {
		t.Run(lang, func(t *testing.T) {
			p := fullTestPack(lang)
			b := openBook(t, func(w io.Writer) error { return WriteExcel(w, p) })
			names := sheetNames[lang]
			if got := b.f.GetSheetList(); !slices.Equal(got, names) {
				t.Fatalf("sheets %q, want %q", got, names)
			}
			if n := b.audit(); n < 60 {
				t.Errorf("%d formulas, want the totals of every sheet as formulas", n)
			}
			for _, s := range names {
				b.printSetup(s, p.Company)
			}
			fm := formatsOf[lang]
			l := labelsFor(lang)
			sum, unb, run, exc, ar, dun, inc, dq := names[0], names[1], names[2], names[3], names[4], names[5], names[6], names[7]

			// Summary: header block, KPIs with traffic lights.
			b.text(sum, "B2", "Müller & Söhne Beratung GmbH")
			b.number(sum, "B3", "45717", fm.month) // 2025-03-01
			b.number(sum, "B5", "45747", fm.date)  // 2025-03-31
			b.frozen(sum, 8, "")
			b.text(sum, "C8", l.monthLabel(monthOf(2025, time.March)))
			b.text(sum, "A9", l.KPINames["dso_days"])
			b.number(sum, "C9", "38.5", "#,##0.0")
			b.text(sum, "D9", l.NA)
			b.text(sum, "E9", l.NA)
			b.number(sum, "F9", "40", "#,##0.0")
			b.number(sum, "G9", "35", "#,##0.0")
			b.text(sum, "H9", hostileFormula)
			b.text(sum, "I9", l.StatusNearTarget)
			b.text(sum, "J9", "Feb 2025: no sales in the month")
			b.formula(sum, "E10", "C10-D10", "-8.3", 1, "#,##0.0")
			b.text(sum, "I10", l.StatusOnTarget)
			b.number(sum, "C11", "0.1", "0.0%")
			b.text(sum, "F11", l.NA)
			b.text(sum, "I11", l.StatusOffTarget)
			b.number(sum, "C12", "95.5", `#,##0.0" %"`)
			b.formula(sum, "E12", "C12-D12", "4.25", 2, `#,##0.0" %"`)
			b.text(sum, "I12", l.StatusNoTarget)
			b.text(sum, "B13", "EUR")
			b.text(sum, "C13", l.NA)
			b.text(sum, "I13", l.StatusUndefined)
			b.text(sum, "J13", l.monthLabel(monthOf(2025, time.March))+": not computed for this month; "+
				l.monthLabel(monthOf(2025, time.February))+": not computed for this month")
			for cell, style := range map[string]string{"I9": "FFEB9C", "I10": "C6EFCE", "I11": "FFC7CE"} {
				id, _ := b.f.GetCellStyle(sum, cell)
				st, err := b.f.GetStyle(id)
				if err != nil || len(st.Fill.Color) != 1 || st.Fill.Color[0] != style {
					t.Errorf("%s!%s: fill %+v, want %s", sum, cell, st, style)
				}
			}
			// Figures: receivables and unbilled work as formulas over the
			// other sheets.
			b.number(sum, "C17", "110000.10", fm.eur)
			b.formula(sum, "E17", "C17-D17", "11234.67", 2, fm.eur)
			b.text(sum, "A21", l.ReceivablesOpen)
			b.formula(sum, "C21", fmt.Sprintf("SUBTOTAL(9,%s!$K$2:$K$4)", sheetRef(ar)), "2071", 2, fm.eur)
			b.formula(sum, "C22", fmt.Sprintf(`SUMIFS(%[1]s!$I$2:$I$5,%[1]s!$J$2:$J$5,"EUR")`, sheetRef(unb)), "2319.87", 2, fm.eur)
			b.formula(sum, "C23", fmt.Sprintf(`SUMIFS(%[1]s!$I$2:$I$5,%[1]s!$J$2:$J$5,"GBP")`, sheetRef(unb)), "5000", 2, fm.gbp)
			b.row(sum, 26, "double_billed", "EUR")
			b.formula(sum, "F26", fmt.Sprintf(`SUMIFS(%[1]s!$H$2:$H$3,%[1]s!$B$2:$B$3,"double_billed",%[1]s!$I$2:$I$3,"EUR",%[1]s!$K$2:$K$3,"<>%[2]s")`,
				sheetRef(exc), l.Yes), "0", 2, fm.eur)
			b.formula(sum, "F27", fmt.Sprintf(`SUMIFS(%[1]s!$H$2:$H$3,%[1]s!$B$2:$B$3,"rate_differs",%[1]s!$I$2:$I$3,"EUR",%[1]s!$K$2:$K$3,"<>%[2]s")`,
				sheetRef(exc), l.Yes), "37.55", 2, fm.eur)
			b.text(sum, "A29", l.LargestUnbilled)
			b.row(sum, 31, "Acme Ltd", "Platform", "MS-42")
			b.number(sum, "G31", "5882.35", fm.eur)
			b.number(sum, "E32", "1169.88", fm.eur)
			b.text(sum, "C32", "\rHV-1002")

			// Unbilled work: the items, by customer and project, totals.
			b.frozen(unb, 1, "A1:K5")
			b.text(unb, "A2", hostileFormula)
			b.text(unb, "B3", "-Support")
			b.text(unb, "E3", "@EXP-7")
			b.text(unb, "B4", "\tTab project")
			b.number(unb, "F2", "45730", fm.date) // 2025-03-14
			b.number(unb, "G4", "12.25", "#4")
			b.number(unb, "H4", "95.5", fm.eur)
			b.number(unb, "I5", "5000", fm.gbp)
			b.text(unb, "A7", l.ByCustomerProject)
			b.row(unb, 9, hostileFormula, "Website relaunch", "EUR")
			b.formula(unb, "E9", `SUMIFS($I$2:$I$2,$J$2:$J$2,"EUR",$K$2:$K$2,"<=30")`, "900", 2, fm.eur)
			b.formula(unb, "F11", `SUMIFS($I$4:$I$4,$J$4:$J$4,"EUR",$K$4:$K$4,">=31",$K$4:$K$4,"<=60")`, "1169.88", 2, fm.eur)
			b.formula(unb, "H10", `SUMIFS($I$3:$I$3,$J$3:$J$3,"EUR",$K$3:$K$3,">90")`, "0", 2, fm.eur)
			b.total(unb, "D16", b.sumColumn(unb, uAmount, 2, 5, uCurrency, "EUR"), "2319.87")
			b.total(unb, "C16", b.sumColumn(unb, uHours, 2, 5, uCurrency, "EUR"), "19.75")
			b.total(unb, "D17", b.sumColumn(unb, uAmount, 2, 5, uCurrency, "GBP"), "5000")
			b.formula(unb, "D16", "SUMIFS($I$2:$I$5,$J$2:$J$5,$A$16)", "2319.87", 2, fm.eur)

			// Draft billing run: details, lines, invoice totals.
			b.text(run, "B1", "BR-2025-03-01")
			b.number(run, "B4", "45747", fm.date)
			b.number(run, "B6", "45748.333333333336", fm.dateTime) // 2025-04-01 08:00
			b.frozen(run, 10, "A10:N14")
			b.text(run, "B11", hostileFormula)
			b.text(run, "I11", "-7.5 h design")
			b.text(run, "I12", "@travel")
			b.text(run, "N12", l.Yes)
			b.text(run, "E13", l.WriteOffProposal)
			b.number(run, "L14", "5000", fm.gbp)
			b.text(run, "A16", l.InvoiceTotals)
			b.formula(run, "F18", fmt.Sprintf(`SUMIFS($L$11:$L$14,$A$11:$A$14,$A$18,$E$11:$E$14,"%s")`, l.InvoiceLine), "1149.99", 2, fm.eur)
			b.number(run, "G18", "218.5", fm.eur)
			b.formula(run, "H18", "F18+G18", "1368.49", 2, fm.eur)
			b.formula(run, "I18", fmt.Sprintf(`SUMIFS($L$11:$L$14,$A$11:$A$14,$A$18,$E$11:$E$14,"%s")`, l.WriteOffProposal), "120", 2, fm.eur)
			b.formula(run, "H19", "F19+G19", "5000", 2, fm.gbp)

			// Exceptions with acknowledgements.
			b.frozen(exc, 1, "A1:N3")
			b.text(exc, "A2", "double_billed:HV-900,HV-901")
			b.text(exc, "C2", hostileFormula)
			b.text(exc, "F2", "2025-0012, 2025-0015")
			b.text(exc, "J2", "-the entry was billed on invoices 2025-0012 and 2025-0015")
			b.text(exc, "K2", l.Yes)
			b.number(exc, "M2", "45748.427083333336", fm.dateTime)
			b.text(exc, "N2", "=agreed with the customer")
			b.text(exc, "K3", l.AckChanged)
			b.total(exc, "C7", b.sumColumn(exc, eAmount, 2, 3, eCurrency, "EUR"), "517.55")
			b.formula(exc, "E7", fmt.Sprintf(`SUMIFS($H$2:$H$3,$I$2:$I$3,$A$7,$K$2:$K$3,"<>%s")`, l.Yes), "37.55", 2, fm.eur)

			// AR aging.
			b.frozen(ar, 1, "A1:K4")
			b.text(ar, "A2", hostilePhone)
			b.text(ar, "B4", "=CN-1")
			b.text(ar, "C4", l.DocKinds["credit_note"])
			b.value(ar, "F2", "50")
			if v := b.raw1(ar, "E4"); v != "" {
				t.Errorf("%s!E4 = %q, want no due date for a credit note", ar, v)
			}
			b.number(ar, "K4", "-119", fm.eur)
			b.text(ar, "A8", l.AgingBuckets["not_due"])
			b.formula(ar, "B8", fmt.Sprintf("SUMIFS($K$2:$K$4,$G$2:$G$4,$A$8)"), "881", 2, fm.eur)
			b.formula(ar, "B10", "SUMIFS($K$2:$K$4,$G$2:$G$4,$A$10)", "1190", 2, fm.eur)
			b.total(ar, "B13", b.sumColumn(ar, arOpenBase, 2, 4, 0, ""), "2071")
			b.formula(ar, "B13", "SUBTOTAL(9,$K$2:$K$4)", "2071", 2, fm.eur)

			// Dunning.
			b.frozen(dun, 1, "A1:M3")
			b.text(dun, "I2", l.Yes)
			b.text(dun, "K2", l.No)
			b.text(dun, "M2", "DN-1 (level 1, 2025-03-10), DN-2 (level 2, 2025-03-24)")
			b.formula(dun, "B5", "COUNTA($B$2:$B$3)", "2", 0, "#1")
			b.formula(dun, "B6", `COUNTIF($G$2:$G$3,">0")`, "1", 0, "#1")
			b.formula(dun, "B7", "IF($B$5=0,0,$B$6/$B$5)", "0.5", 2, "0.0%")

			// Incidents and follow-ups.
			b.frozen(inc, 1, "A1:L4")
			b.text(inc, "B2", hostileFormula)
			b.text(inc, "E2", "@customers saw late invoices")
			b.text(inc, "F2", l.monthLabel(monthOf(2025, time.February))+", "+l.monthLabel(monthOf(2025, time.March)))
			b.text(inc, "H2", "-re-run the export")
			b.text(inc, "K2", l.FollowUpStates["open"])
			b.text(inc, "L2", l.Yes)
			b.text(inc, "K3", l.FollowUpStates["done"])
			b.text(inc, "H4", l.NoFollowUps)
			b.formula(inc, "B6", "COUNT($A$2:$A$4)", "2", 0, "#1")
			if v := b.raw1(inc, "B3"); v != "" {
				t.Errorf("%s!B3 = %q, want the incident's title on its first row only", inc, v)
			}
			b.formula(inc, "B7", fmt.Sprintf(`COUNTIF($K$2:$K$4,"%s")`, l.FollowUpStates["open"]), "1", 0, "#1")
			b.formula(inc, "B8", fmt.Sprintf(`COUNTIF($L$2:$L$4,"%s")`, l.Yes), "1", 0, "#1")

			// Data quality.
			b.text(dq, "A1", l.OpenRejects+" (1)")
			b.hasTable(dq, "A2:I3")
			b.text(dq, "C3", "=1+1")
			b.text(dq, "F3", "-2.5 is negative")
			b.text(dq, "D7", "+Bad Name")
			b.hasTable(dq, "A10:G13")
			b.text(dq, "C11", l.Never)
			b.text(dq, "E11", l.Yes) // never loaded
			b.text(dq, "E12", l.No)  // 1 hour before the pack
			b.text(dq, "E13", l.Yes) // 5 days before
			b.text(dq, "G13", "xero: invoices page 1: 429 Too Many Requests")
			b.text(dq, "C17", "=CMD()")
		})
	}
}

// TestWriteExcelStreamsOnce writes the unbilled work from an iterator: it
// is walked exactly once and gives the same sheet as the slice.
func TestWriteExcelStreamsOnce(t *testing.T) {
	p := fullTestPack("en")
	want := openBook(t, func(w io.Writer) error { return WriteExcel(w, p) })
	walks := 0
	items := p.Unbilled
	p.Unbilled = nil
	p.UnbilledRows = func(yield func(UnbilledItem, error) bool) {
		walks++
		for _, u := range items {
			if !yield(u, nil) {
				return
			}
		}
	}
	got := openBook(t, func(w io.Writer) error { return WriteExcel(w, p) })
	if walks != 1 {
		t.Errorf("the unbilled work was walked %d times, want once", walks)
	}
	for _, sheet := range []string{"Summary", "Unbilled"} {
		a, _ := want.f.GetRows(sheet)
		b, _ := got.f.GetRows(sheet)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%s differs when streamed:\n%v\n%v", sheet, b, a)
		}
	}

	// An error of the source stops the workbook with it.
	p.UnbilledRows = func(yield func(UnbilledItem, error) bool) {
		if yield(items[0], nil) {
			yield(UnbilledItem{}, errors.New("reports: unbilled work: connection lost"))
		}
	}
	err := WriteExcel(io.Discard, p)
	if err == nil || err.Error() != "reports: excel: sheet Unbilled: reports: unbilled work: connection lost" {
		t.Errorf("error %v", err)
	}
	// Work of a customer after that of another is an error: the totals
	// add up one block per customer, currency and project.
	p.UnbilledRows = func(yield func(UnbilledItem, error) bool) {
		for _, u := range []UnbilledItem{items[0], items[1], items[0]} {
			if !yield(u, nil) {
				return
			}
		}
	}
	err = WriteExcel(io.Discard, p)
	if err == nil || err.Error() != `reports: excel: sheet Unbilled: item 2 (source id "HV-1001"): the unbilled work of "=HYPERLINK(\"http://x\",\"y\")", EUR, project "Website relaunch" must come in one block, ordered by customer, currency and project` {
		t.Errorf("error %v", err)
	}
	p.UnbilledRows = func(yield func(UnbilledItem, error) bool) { yield(UnbilledItem{SourceID: "X", Currency: "eur"}, nil) }
	err = WriteExcel(io.Discard, p)
	if err == nil || err.Error() != `reports: excel: sheet Unbilled: reports: unbilled item 0 (source id "X"): currency "eur" is not an ISO 4217 code` {
		t.Errorf("error %v", err)
	}
}

// TestWriteExcelEmpty covers a month with nothing in any list and no
// previous month in the pack.
func TestWriteExcelEmpty(t *testing.T) {
	p := testPack("de")
	p.Months = p.Months[2:]
	p.Unbilled, p.Exceptions = nil, nil
	b := openBook(t, func(w io.Writer) error { return WriteExcel(w, p) })
	b.audit()
	names, l := sheetNames["de"], labelsFor("de")
	b.text(names[0], "A9", "DSO (Tage)")
	b.text(names[0], "D9", "n. v.")
	b.text(names[0], "J9", "der Vormonat ist nicht im Bericht")
	b.text(names[0], "I9", "kein Ziel")
	for i, want := range []string{l.NoUnbilled, l.NoBillingRun, l.NoExceptions, l.NoReceivables, l.NoDunning, l.NoIncidents} {
		sheet := names[i+1]
		cell := "A2"
		if i == 1 {
			cell = "A1"
		}
		b.text(sheet, cell, want)
		if tables, err := b.f.GetTables(sheet); err != nil || len(tables) != 0 {
			t.Errorf("%s: tables %+v (%v), want none without rows", sheet, tables, err)
		}
	}
	b.text(names[7], "A1", "Offene Zurückweisungen (0)")
	b.text(names[7], "A3", "Keine.")
	hf, err := b.f.GetHeaderFooter(names[1])
	if err != nil || hf == nil || hf.OddFooter != "&CSeite &P von &N" || !strings.HasSuffix(hf.OddHeader, "&RMär 2025") {
		t.Errorf("header and footer %+v (%v), want German page numbers and the month", hf, err)
	}
}

// TestExcelAmountsRoundTrip writes amounts whose binary doubles are not
// exact and checks each reads back from the file as the same decimal, to
// the cent and beyond.
func TestExcelAmountsRoundTrip(t *testing.T) {
	amounts := []string{"0.10", "0.20", "0.30", "0.01", "-15.75", "19.99", "1234567.89", "9999999999.99",
		"12345678901.23", "99999999999.99", "0.07", "1000000.005"}
	p := testPack("en")
	p.Unbilled = nil
	sum := decimal.Zero
	for i, a := range amounts {
		p.Unbilled = append(p.Unbilled, UnbilledItem{
			Customer: "C", Project: "P", Kind: "expense", SourceID: fmt.Sprint(i), WorkDate: dateOf(2025, time.March, 1),
			Hours: mustDec("0"), Rate: mustDec("0"), Amount: mustDec(a), Currency: "EUR",
		})
		sum = sum.Add(mustDec(a))
	}
	b := openBook(t, func(w io.Writer) error { return WriteExcel(w, p) })
	for i, a := range amounts {
		b.value("Unbilled", cellName(uAmount, i+2), a)
	}
	last := len(amounts) + 1
	totalRow := last + 8 // blank, caption, header, one group, blank, caption, header
	b.formula("Unbilled", cellName(4, totalRow), fmt.Sprintf("SUMIFS($I$2:$I$%d,$J$2:$J$%d,$A$%d)", last, last, totalRow),
		sum.Round(2).String(), 2, `[$€-809]#,##0.00`)
}

// TestExcelHostileCompany checks that a company name that looks like a
// formula stays text in the cell and is escaped in the print header.
func TestExcelHostileCompany(t *testing.T) {
	p := fullTestPack("en")
	p.Company = "=1+1&" + hostileFormula
	b := openBook(t, func(w io.Writer) error { return WriteExcel(w, p) })
	b.text("Summary", "B2", p.Company)
	for _, s := range b.f.GetSheetList() {
		b.printSetup(s, p.Company)
	}
	b.audit()
}

func TestAmountFormats(t *testing.T) {
	for _, c := range []struct{ lang, currency, want string }{
		{"en", "EUR", `[$€-809]#,##0.00`},
		{"de", "EUR", `#,##0.00 [$€-407]`},
		{"en", "CHF", `[$CHF-809] #,##0.00`},
		{"de", "CHF", `#,##0.00 [$CHF-407]`},
		{"en", "USD", `[$$-809]#,##0.00`},
		{"en", "HUF", `[$HUF] #,##0.00`},
		{"de", "HUF", `#,##0.00 [$HUF]`},
	} {
		if got := amountFormat(c.lang, c.currency); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.lang, c.currency, got, c.want)
		}
	}
}

func TestWriteReconciliationExcel(t *testing.T) {
	for _, lang := range []string{"en", "de"} {
		t.Run(lang, func(t *testing.T) {
			p := fullTestPack(lang)
			// Work of a customer listed apart from the rest of it is
			// regrouped beside it, customers keeping the order in which they
			// first appear.
			extra := p.Unbilled[0]
			extra.SourceID, extra.Amount, extra.Hours = "HV-1003", mustDec("100.05"), mustDec("1")
			p.Unbilled = append(p.Unbilled, extra)
			b := openBook(t, func(w io.Writer) error { return WriteReconciliationExcel(w, p) })
			l, fm := labelsFor(lang), formatsOf[lang]
			names := []string{l.SheetReconciliation, l.SheetUnbilled, l.SheetExceptions}
			if got := b.f.GetSheetList(); !slices.Equal(got, names) {
				t.Fatalf("sheets %q, want %q", got, names)
			}
			b.audit()
			for _, s := range names {
				b.printSetup(s, p.Company)
			}
			by, unb, exc := names[0], sheetRef(names[1]), sheetRef(names[2])
			for row, id := range []string{"HV-1001", "HV-1003", "@EXP-7", "\rHV-1002", "MS-42"} {
				b.text(names[1], cellName(uSourceID, row+2), id)
			}
			b.text(by, "A1", l.ReconTitle)
			b.frozen(by, 5, "A5:I9")
			// Customers by name: "+49 30 1234", "=HYPERLINK(...)", "Acme Ltd",
			// "Müller Maschinenbau".
			b.row(by, 6, hostilePhone, "EUR")
			b.row(by, 7, hostileFormula, "EUR")
			b.row(by, 8, "Acme Ltd", "GBP")
			b.row(by, 9, "Müller Maschinenbau", "EUR")
			b.formula(by, "D7", fmt.Sprintf(`SUMIFS(%[1]s!$I$2:$I$3,%[1]s!$J$2:$J$3,"EUR")`, unb), "1000.05", 2, fm.eur)
			b.formula(by, "C7", fmt.Sprintf(`COUNTIFS(%[1]s!$J$2:$J$3,"EUR")`, unb), "2", 0, "#1")
			b.value(by, "E6", "39")
			// The exceptions sheet lists them by customer: "+49..." first.
			b.text(names[2], "C2", hostilePhone)
			b.text(names[2], "J2", "@rate 102.50 differs from the rate card's 95.00")
			b.text(names[2], "K2", l.AckChanged)
			b.formula(by, "G6", fmt.Sprintf(`SUMIFS(%[1]s!$H$2:$H$2,%[1]s!$I$2:$I$2,"EUR")`, exc), "37.55", 2, fm.eur)
			b.formula(by, "I6", fmt.Sprintf(`SUMIFS(%[1]s!$H$2:$H$2,%[1]s!$I$2:$I$2,"EUR",%[1]s!$K$2:$K$2,"<>%[2]s")`, exc, l.Yes), "37.55", 2, fm.eur)
			b.formula(by, "I7", fmt.Sprintf(`SUMIFS(%[1]s!$H$3:$H$3,%[1]s!$I$3:$I$3,"EUR",%[1]s!$K$3:$K$3,"<>%[2]s")`, exc, l.Yes), "0", 2, fm.eur)
			b.number(by, "G8", "0", fm.gbp)
			// Totals per currency, recomputed from the rows.
			b.text(by, "A11", l.TotalsByCurrency)
			b.row(by, 13, "EUR")
			b.total(by, "C13", b.sumColumn(by, rcUnbilled, 6, 9, rcCurrency, "EUR"), "2419.92")
			b.total(by, "E13", b.sumColumn(by, rcAtStake, 6, 9, rcCurrency, "EUR"), "517.55")
			b.total(by, "G13", b.sumColumn(by, rcOpenAmount, 6, 9, rcCurrency, "EUR"), "37.55")
			b.total(by, "C14", b.sumColumn(by, rcUnbilled, 6, 9, rcCurrency, "GBP"), "5000")
			b.formula(by, "C13", "SUMIFS($D$6:$D$9,$B$6:$B$9,$A$13)", "2419.92", 2, fm.eur)
		})
	}
}

// TestExcelReceivableWithoutRate shows a document whose currency has no
// exchange rate without an amount in the base currency, left out of the
// totals.
func TestExcelReceivableWithoutRate(t *testing.T) {
	p := fullTestPack("en")
	p.Receivables = append(p.Receivables[:1], Receivable{Customer: "Zürich AG", Number: "INV-9", Kind: "invoice",
		IssueDate: dateOf(2025, time.March, 2), DueDate: dateOf(2025, time.April, 1), Bucket: "not_due", Currency: "CHF",
		Gross: mustDec("500.00"), Open: mustDec("500.00"), NoRate: true})
	b := openBook(t, func(w io.Writer) error { return WriteExcel(w, p) })
	b.audit()
	b.text("AR aging", "K3", "no exchange rate")
	b.number("AR aging", "J3", "500", `[$CHF-809] #,##0.00`)
	b.formula("AR aging", "B12", "SUBTOTAL(9,$K$2:$K$3)", "1190", 2, `[$€-809]#,##0.00`)
	b.formula("Summary", "C21", "SUBTOTAL(9,'AR aging'!$K$2:$K$3)", "1190", 2, `[$€-809]#,##0.00`)
}
