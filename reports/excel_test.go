package reports

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
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

func writeAndOpen(t *testing.T, p Pack) *sheetBook {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteExcel(&buf, p); err != nil {
		t.Fatalf("WriteExcel: %v", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("reopen the workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return &sheetBook{t: t, f: f, raw: buf.Bytes()}
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

// text checks a plain string cell: an inline string, no formula, the exact
// text.
func (b *sheetBook) text(sheet, cell, want string) {
	b.t.Helper()
	if ct := b.cellType(sheet, cell); ct != excelize.CellTypeInlineString {
		b.t.Errorf("%s!%s: cell type %v, want an inline string", sheet, cell, ct)
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

// sheetXML returns the XML of the n-th worksheet (1-based).
func (b *sheetBook) sheetXML(n int) string {
	b.t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b.raw), int64(len(b.raw)))
	if err != nil {
		b.t.Fatal(err)
	}
	rc, err := zr.Open(fmt.Sprintf("xl/worksheets/sheet%d.xml", n))
	if err != nil {
		b.t.Fatal(err)
	}
	defer rc.Close()
	x, err := io.ReadAll(rc)
	if err != nil {
		b.t.Fatal(err)
	}
	return string(x)
}

// colsAscending checks that every sheet lists its column widths in
// ascending order, as Excel requires, and that the widths are set.
func (b *sheetBook) colsAscending(sheets int) {
	b.t.Helper()
	re := regexp.MustCompile(`<col min="(\d+)"`)
	for n := 1; n <= sheets; n++ {
		var mins []int
		for _, m := range re.FindAllStringSubmatch(b.sheetXML(n), -1) {
			v, _ := strconv.Atoi(m[1])
			mins = append(mins, v)
		}
		if len(mins) < 5 || !slices.IsSorted(mins) {
			b.t.Errorf("sheet %d: columns %v, want widths in ascending column order", n, mins)
		}
	}
}

// frozenHeader checks the header row is frozen, an Excel table with an
// autofilter covers header and items, and the sheet prints landscape, one
// page wide, repeating the header row.
func (b *sheetBook) frozenHeader(sheet, tableRef, company string) {
	b.t.Helper()
	panes, err := b.f.GetPanes(sheet)
	if err != nil {
		b.t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 0 || panes.TopLeftCell != "A2" {
		b.t.Errorf("%s: panes %+v, want the first row frozen", sheet, panes)
	}
	tables, err := b.f.GetTables(sheet)
	if err != nil {
		b.t.Fatal(err)
	}
	if len(tables) != 1 || tables[0].Range != tableRef {
		b.t.Errorf("%s: tables %+v, want one on %s", sheet, tables, tableRef)
	}
	if x := b.tableXML(tableRef); !strings.Contains(x, `<autoFilter ref="`+tableRef+`"`) {
		b.t.Errorf("%s: table has no autofilter on %s: %s", sheet, tableRef, x)
	}
	b.printSetup(sheet, company)
	found := false
	for _, dn := range b.f.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Titles" && dn.Scope == sheet {
			found = true
			if want := sheetRef(sheet) + "!$1:$1"; dn.RefersTo != want {
				b.t.Errorf("%s: print titles %q, want %q", sheet, dn.RefersTo, want)
			}
		}
	}
	if !found {
		b.t.Errorf("%s: no print titles", sheet)
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

func TestWriteExcelEnglish(t *testing.T) {
	p := testPack("en")
	b := writeAndOpen(t, p)
	if got := b.f.GetSheetList(); strings.Join(got, "|") != "Summary|Unbilled|Exceptions" {
		t.Fatalf("sheets %q", got)
	}
	const (
		sum, unb, exc = "Summary", "Unbilled", "Exceptions"
		eur, gbp      = `#,##0.00 "EUR"`, `#,##0.00 "GBP"`
	)

	// Summary: the header block.
	b.text(sum, "A1", "Monthly pack")
	b.text(sum, "A2", "Company")
	b.text(sum, "B2", "Müller & Söhne Beratung GmbH")
	b.number(sum, "B3", "45717", fmtMonth) // 2025-03-01
	b.text(sum, "B4", "EUR")
	if got, _ := b.f.GetCellValue(sum, "B5"); got != "2025-04-02 06:30" || b.format(sum, "B5") != fmtDateTime {
		t.Errorf("Summary!B5 shows %q in %q, want 2025-04-02 06:30 in %q", got, b.format(sum, "B5"), fmtDateTime)
	}
	b.row(sum, 7, "KPI", "Mar 2025", "Feb 2025", "Change", "Note")

	// The KPIs: this month, the previous month and the change. February's
	// DSO is null, so it and the change read "n/a" with the reason beside.
	b.text(sum, "A8", "DSO (days)")
	b.number(sum, "B8", "38.5", fmtDays)
	b.text(sum, "C8", "n/a")
	b.text(sum, "D8", "n/a")
	b.text(sum, "E8", "Feb 2025: no sales in the month")
	b.text(sum, "A9", "DSO, trailing 3 months (days)")
	b.number(sum, "B9", "44.1", fmtDays)
	b.number(sum, "C9", "52.4", fmtDays)
	b.formula(sum, "D9", "B9-C9", "-8.3", 2, fmtDays)
	if v := b.raw1(sum, "E9"); v != "" {
		t.Errorf("Summary!E9 = %q, want no note", v)
	}
	b.text(sum, "A10", "Dunning rate")
	b.number(sum, "B10", "0.1", fmtPercent)
	b.number(sum, "C10", "0.2", fmtPercent)
	b.formula(sum, "D10", "B10-C10", "-0.1", 4, fmtPercent)
	b.number(sum, "B11", "10", "#1")
	b.number(sum, "C11", "10", "#1")
	b.formula(sum, "D11", "B11-C11", "0", 0, "#1")
	b.number(sum, "B12", "1", "#1")
	b.formula(sum, "D12", "B12-C12", "-1", 0, "#1")
	b.text(sum, "A13", "Receivables at month end (EUR)")
	b.number(sum, "B13", "110000.10", eur)
	b.number(sum, "C13", "98765.43", eur)
	b.formula(sum, "D13", "B13-C13", "11234.67", 2, eur)
	b.text(sum, "A14", "Gross sales (EUR)")
	b.number(sum, "C14", "0", eur)
	b.formula(sum, "D14", "B14-C14", "85432.10", 2, eur)
	b.text(sum, "A15", "Unbilled work (EUR)")
	b.formula(sum, "B15", `SUMIFS('Unbilled'!$H$2:$H$5,'Unbilled'!$I$2:$I$5,"EUR")`, "2319.87", 2, eur)
	b.text(sum, "C15", "n/a")
	b.text(sum, "E15", "earlier months are not in the pack")
	b.text(sum, "A16", "Unbilled work (GBP)")
	b.formula(sum, "B16", `SUMIFS('Unbilled'!$H$2:$H$5,'Unbilled'!$I$2:$I$5,"GBP")`, "5000.00", 2, gbp)
	b.row(sum, 18, "Exceptions by kind", "Currency", "Count", "Amount")
	b.row(sum, 19, "double_billed", "EUR")
	b.formula(sum, "C19", `COUNTIFS('Exceptions'!$A$2:$A$3,"double_billed",'Exceptions'!$F$2:$F$3,"EUR")`, "1", 0, "#1")
	b.formula(sum, "D19", `SUMIFS('Exceptions'!$E$2:$E$3,'Exceptions'!$A$2:$A$3,"double_billed",'Exceptions'!$F$2:$F$3,"EUR")`, "480.00", 2, eur)
	b.row(sum, 20, "rate_differs", "EUR")
	b.formula(sum, "D20", `SUMIFS('Exceptions'!$E$2:$E$3,'Exceptions'!$A$2:$A$3,"rate_differs",'Exceptions'!$F$2:$F$3,"EUR")`, "37.55", 2, eur)
	if v := b.raw1(sum, "A21"); v != "" {
		t.Errorf("Summary!A21 = %q, want the sheet to end at row 20", v)
	}
	b.printSetup(sum, p.Company)

	// Unbilled: one row per item, hostile names as plain text, dates as
	// dates, totals per currency as formulas.
	b.row(unb, 1, "Customer", "Project", "Kind", "Source id", "Work date", "Hours", "Rate", "Amount", "Currency", "Age (days)")
	b.row(unb, 2, hostileFormula, "Website relaunch", "time", "HV-1001")
	b.number(unb, "E2", "45730", fmtDate) // 2025-03-14
	if got, _ := b.f.GetCellValue(unb, "E2"); got != "2025-03-14" {
		t.Errorf("Unbilled!E2 shows %q, want 2025-03-14", got)
	}
	b.number(unb, "F2", "7.5", "#2")
	b.number(unb, "G2", "120", eur)
	b.number(unb, "H2", "900", eur)
	b.text(unb, "I2", "EUR")
	b.number(unb, "J2", "17", "#1")
	b.row(unb, 3, hostilePhone, "-Support", "expense", "@EXP-7")
	b.number(unb, "E3", "45708", fmtDate) // 2025-02-20
	b.number(unb, "H3", "249.99", eur)
	b.row(unb, 4, "Müller Maschinenbau", "\tTab project", "time", "\rHV-1002")
	b.number(unb, "E4", "45688", fmtDate) // 2025-01-31
	b.number(unb, "F4", "12.25", "#2")
	b.number(unb, "G4", "95.5", eur)
	b.number(unb, "H4", "1169.88", eur)
	b.row(unb, 5, "Acme Ltd", "Platform", "milestone", "MS-42")
	b.number(unb, "H5", "5000", gbp)
	b.text(unb, "I5", "GBP")
	b.frozenHeader(unb, "A1:J5", p.Company)
	b.text(unb, "A7", "Totals by currency")
	b.row(unb, 8, "Currency", "Items", "Hours", "Amount")
	b.text(unb, "A9", "EUR")
	b.formula(unb, "B9", "COUNTIFS($I$2:$I$5,$A$9)", "3", 0, "#1")
	b.formula(unb, "C9", "SUMIFS($F$2:$F$5,$I$2:$I$5,$A$9)", "19.75", 2, "#2")
	b.formula(unb, "D9", "SUMIFS($H$2:$H$5,$I$2:$I$5,$A$9)", "2319.87", 2, eur)
	b.text(unb, "A10", "GBP")
	b.formula(unb, "B10", "COUNTIFS($I$2:$I$5,$A$10)", "1", 0, "#1")
	b.formula(unb, "D10", "SUMIFS($H$2:$H$5,$I$2:$I$5,$A$10)", "5000.00", 2, gbp)
	if w, err := b.f.GetColWidth(unb, "A"); err != nil || w != float64(len(hostileFormula)+2) {
		t.Errorf("Unbilled column A width %v (%v), want %d to fit the longest customer", w, err, len(hostileFormula)+2)
	}

	// Exceptions.
	b.row(exc, 1, "Kind", "Customer", "Project", "Source ids", "Amount", "Currency", "Reason")
	b.row(exc, 2, "double_billed", hostileFormula, "Website relaunch", "HV-900, HV-901")
	b.number(exc, "E2", "480", eur)
	b.text(exc, "G2", "-the entry was billed on invoices 2025-0012 and 2025-0015")
	b.row(exc, 3, "rate_differs", hostilePhone, "Support", "HV-950")
	b.text(exc, "G3", "@rate 102.50 differs from the rate card's 95.00")
	b.frozenHeader(exc, "A1:G3", p.Company)
	b.text(exc, "A5", "Totals by currency")
	b.text(exc, "A7", "EUR")
	b.formula(exc, "B7", "COUNTIFS($F$2:$F$3,$A$7)", "2", 0, "#1")
	b.formula(exc, "C7", "SUMIFS($E$2:$E$3,$F$2:$F$3,$A$7)", "517.55", 2, eur)

	b.colsAscending(3)
	props, err := b.f.GetDocProps()
	if err != nil || props.Title != "Monthly pack Müller & Söhne Beratung GmbH Mar 2025" || props.Creator != "takt" ||
		props.Language != "en-GB" || props.Created != "2025-04-02T06:30:00Z" {
		t.Errorf("document properties %+v (%v)", props, err)
	}

	calc, err := b.f.GetCalcProps()
	if err != nil || calc.FullCalcOnLoad == nil || !*calc.FullCalcOnLoad {
		t.Errorf("calculation properties %+v (%v), want a full calculation on load", calc, err)
	}
}

func TestWriteExcelGerman(t *testing.T) {
	p := testPack("de")
	b := writeAndOpen(t, p)
	if got := b.f.GetSheetList(); strings.Join(got, "|") != "Übersicht|Nicht abgerechnet|Ausnahmen" {
		t.Fatalf("sheets %q", got)
	}
	const sum, unb, exc = "Übersicht", "Nicht abgerechnet", "Ausnahmen"
	b.text(sum, "A1", "Monatsbericht")
	b.text(sum, "A2", "Unternehmen")
	b.row(sum, 7, "Kennzahl", "Mär 2025", "Feb 2025", "Veränderung", "Hinweis")
	b.text(sum, "A8", "DSO (Tage)")
	b.text(sum, "C8", "n. v.")
	b.text(sum, "E8", "Feb 2025: no sales in the month")
	b.text(sum, "A10", "Mahnquote")
	b.text(sum, "A13", "Forderungen zum Monatsende (EUR)")
	b.text(sum, "A15", "Nicht abgerechnete Leistungen (EUR)")
	b.formula(sum, "B15", `SUMIFS('Nicht abgerechnet'!$H$2:$H$5,'Nicht abgerechnet'!$I$2:$I$5,"EUR")`, "2319.87", 2, `#,##0.00 "EUR"`)
	b.text(sum, "E15", "frühere Monate sind nicht im Bericht")
	b.row(sum, 18, "Ausnahmen nach Art", "Währung", "Anzahl", "Betrag")
	b.formula(sum, "D19", `SUMIFS('Ausnahmen'!$E$2:$E$3,'Ausnahmen'!$A$2:$A$3,"double_billed",'Ausnahmen'!$F$2:$F$3,"EUR")`, "480.00", 2, `#,##0.00 "EUR"`)
	b.row(unb, 1, "Kunde", "Projekt", "Art", "Quell-ID", "Leistungsdatum", "Stunden", "Satz", "Betrag", "Währung", "Alter (Tage)")
	b.text(unb, "C2", "Zeit")
	b.text(unb, "C3", "Auslage")
	b.text(unb, "C5", "Meilenstein")
	b.text(unb, "A7", "Summen je Währung")
	b.row(unb, 8, "Währung", "Posten", "Stunden", "Betrag")
	b.row(exc, 1, "Art", "Kunde", "Projekt", "Quell-IDs", "Betrag", "Währung", "Begründung")
	b.frozenHeader(unb, "A1:J5", p.Company)
	hf, err := b.f.GetHeaderFooter(unb)
	if err != nil || hf == nil || hf.OddFooter != "&CSeite &P von &N" || !strings.HasSuffix(hf.OddHeader, "&RMär 2025") {
		t.Errorf("header and footer %+v (%v), want German page numbers and the month", hf, err)
	}
}

// TestWriteExcelEmpty covers a month with no unbilled work, no exceptions
// and no previous month in the pack.
func TestWriteExcelEmpty(t *testing.T) {
	p := testPack("en")
	p.Months = p.Months[2:]
	p.Unbilled, p.Exceptions = nil, nil
	b := writeAndOpen(t, p)
	b.row("Summary", 7, "KPI", "Mar 2025", "Previous month")
	b.number("Summary", "B9", "44.1", fmtDays)
	b.text("Summary", "C9", "n/a")
	b.text("Summary", "D9", "n/a")
	b.text("Summary", "E9", "the previous month is not in the pack")
	b.text("Summary", "A15", "Unbilled work (EUR)")
	b.number("Summary", "B15", "0", `#,##0.00 "EUR"`)
	b.text("Summary", "E15", "No unbilled work. earlier months are not in the pack")
	b.text("Summary", "A18", "No exceptions.")
	b.text("Unbilled", "A2", "No unbilled work.")
	b.text("Exceptions", "A2", "No exceptions.")
	for _, sheet := range []string{"Unbilled", "Exceptions"} {
		if tables, err := b.f.GetTables(sheet); err != nil || len(tables) != 0 {
			t.Errorf("%s: tables %+v (%v), want none without rows", sheet, tables, err)
		}
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
	b := writeAndOpen(t, p)
	for i, a := range amounts {
		b.value("Unbilled", cellName(uAmount, i+2), a)
	}
	last := len(amounts) + 1
	totalRow := last + 4
	b.formula("Unbilled", cellName(4, totalRow), fmt.Sprintf("SUMIFS($H$2:$H$%d,$I$2:$I$%d,$A$%d)", last, last, totalRow),
		sum.Round(2).String(), 2, `#,##0.00 "EUR"`)
}

// TestExcelHostileCompany checks that a company name that looks like a
// formula stays text in the cell and is escaped in the print header.
func TestExcelHostileCompany(t *testing.T) {
	p := testPack("en")
	p.Company = "=1+1&" + hostileFormula
	b := writeAndOpen(t, p)
	b.text("Summary", "B2", p.Company)
	b.printSetup("Summary", p.Company)
}

func BenchmarkWriteExcel(b *testing.B) {
	const rows = 100_000
	p := testPack("en")
	items := make([]UnbilledItem, rows)
	for i := range items {
		items[i] = UnbilledItem{
			Customer: fmt.Sprintf("Customer %d", i%400), Project: fmt.Sprintf("Project %d", i%1200), Kind: "time",
			SourceID: fmt.Sprint(3_000_000_000 + i), WorkDate: dateOf(2025, time.March, 1+i%31),
			Hours: decimal.New(int64(25+i%800), -2), Rate: mustDec("120.00"), Amount: decimal.New(int64(3000+i%96000), -2),
			Currency: []string{"EUR", "GBP", "USD"}[i%3], AgeDays: i % 90,
		}
	}
	p.Unbilled = items
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if err := WriteExcel(io.Discard, p); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(rows*n)/b.Elapsed().Seconds(), "rows/s")
}
