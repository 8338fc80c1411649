package files_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/takt-billing/takt/extract/files"
)

// cp1252 encodes text the way German Excel saves "CSV (Trennzeichen-
// getrennt)".
func cp1252(t *testing.T, s string) string {
	t.Helper()
	b, err := charmap.Windows1252.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// zeiten is a time tool's export as German Excel writes it: ';', decimal
// commas with thousands dots, dates DD.MM.YYYY, German headers.
var zeiten = files.Import{
	File: "Zeiten*.csv", Stream: "time_entries", Decimal: ",", DateFormat: "DD.MM.YYYY",
	Columns: map[string]string{
		"id": "Nr", "date": "Datum", "person": "Mitarbeiter", "project_code": "Projekt", "task": "Tätigkeit",
		"hours": "Stunden", "billable": "Abrechenbar", "notes": "Bemerkung", "rate": "Satz", "currency": "Währung",
	},
}

const zeitenCSV = "Nr;Datum;Mitarbeiter;Projekt;Tätigkeit;Stunden;Abrechenbar;Bemerkung;Satz;Währung\r\n" +
	"1001;02.03.2026;Jürgen Weiß;TM-001;Prüfung;7,5;ja;Größere Änderung – Kunde „Müller“;1.234,56;EUR\r\n" +
	"1002;03.03.2026;Zoë Brontë;TM-002;;0,25;nein;;;\r\n"

func TestWindows1252FileWithUmlautsAndGermanNumbers(t *testing.T) {
	for _, tc := range []struct {
		name, encoding, content string
	}{
		{"detected", "", cp1252(t, zeitenCSV)},
		{"named", files.EncodingWindows1252, cp1252(t, zeitenCSV)},
		{"UTF-8 with BOM", "", "\ufeff" + zeitenCSV},
		{"UTF-8 with BOM while the import says windows-1252", files.EncodingWindows1252, "\ufeff" + zeitenCSV},
		{"UTF-8 without BOM", files.EncodingUTF8, zeitenCSV},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "Zeiten März.csv", tc.content)
			imp := zeiten
			imp.Encoding = tc.encoding
			got, err := extractAll(t, newConnector(t, dir, imp), "time_entries", "")
			if err != nil {
				t.Fatal(err)
			}
			columns(t, "time_entries", got, map[string][]string{
				"id":       {"1001", "1002"},
				"file":     {"Zeiten März.csv", "Zeiten März.csv"},
				"date":     {"2026-03-02", "2026-03-03"},
				"person":   {"Jürgen Weiß", "Zoë Brontë"},
				"task":     {"Prüfung", "NULL"},
				"hours":    {"7.5000", "0.2500"},
				"billable": {"true", "false"},
				"notes":    {"Größere Änderung – Kunde „Müller“", "NULL"},
				"rate":     {"1234.5600", "NULL"},
				"currency": {"EUR", "NULL"},
				"_raw": {
					`{"Nr":"1001","Datum":"02.03.2026","Mitarbeiter":"Jürgen Weiß","Projekt":"TM-001","Tätigkeit":"Prüfung","Stunden":"7,5","Abrechenbar":"ja","Bemerkung":"Größere Änderung – Kunde „Müller“","Satz":"1.234,56","Währung":"EUR"}`,
					`{"Nr":"1002","Datum":"03.03.2026","Mitarbeiter":"Zoë Brontë","Projekt":"TM-002","Tätigkeit":"","Stunden":"0,25","Abrechenbar":"nein","Bemerkung":"","Satz":"","Währung":""}`,
				},
			})
		})
	}

	// Told it is UTF-8, a Windows-1252 file is refused at its first
	// umlaut, with the header named.
	dir := t.TempDir()
	writeFile(t, dir, "Zeiten.csv", cp1252(t, zeitenCSV))
	imp := zeiten
	imp.Encoding = files.EncodingUTF8
	_, err := extractAll(t, newConnector(t, dir, imp), "time_entries", "")
	want := "files: Zeiten.csv line 1: header \"T\\xe4tigkeit\" is not UTF-8 text; want the file saved as CSV UTF-8"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

func TestMappedCellsAreRefusedWithTheFilesColumnNames(t *testing.T) {
	const header = "Nr;Datum;Mitarbeiter;Projekt;Tätigkeit;Stunden;Abrechenbar;Bemerkung;Satz;Währung\n"
	cases := []struct {
		name, row, want string
	}{
		{"english decimal in a german file", "1;02.03.2026;A;P;;7.5;;;;",
			`column Stunden (hours): "7.5" is not a decimal number; want digits with ',' as the decimal point and '.' only between thousands, e.g. 1.234,50`},
		{"thousands dots in the wrong place", "1;02.03.2026;A;P;;1.23,5;;;;",
			`column Stunden (hours): "1.23,5" is not a decimal number; want digits with ',' as the decimal point and '.' only between thousands, e.g. 1.234,50`},
		{"ISO date in a german file", "1;2026-03-02;A;P;;7,5;;;;",
			`column Datum (date): "2026-03-02" is not a date; want DD.MM.YYYY, e.g. 31.03.2026`},
		{"day without leading zero", "1;2.03.2026;A;P;;7,5;;;;",
			`column Datum (date): "2.03.2026" is not a date; want DD.MM.YYYY, e.g. 31.03.2026`},
		{"empty hours", "1;02.03.2026;A;P;;;;;;",
			`column Stunden (hours): empty; want a decimal number, e.g. 1234,50`},
		{"empty id", ";02.03.2026;A;P;;1;;;;",
			`column Nr (id): empty; want the row's id, unique in the file`},
		{"negative hours", "1;02.03.2026;A;P;;-0,5;;;;",
			`column Stunden (hours): "-0,5" is negative; want hours of 0 or more`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "Zeiten.csv", header+tc.row+"\n")
			_, err := extractAll(t, newConnector(t, dir, zeiten), "time_entries", "")
			if want := "files: Zeiten.csv line 2: " + tc.want; err == nil || err.Error() != want {
				t.Fatalf("err = %v\nwant %s", err, want)
			}
		})
	}

	dir := t.TempDir()
	writeFile(t, dir, "Zeiten.csv", "Nr;Datum;Mitarbeiter;Projekt;Stunden\n1;02.03.2026;A;P;1\n")
	_, err := extractAll(t, newConnector(t, dir, zeiten), "time_entries", "")
	want := "files: Zeiten.csv: the header has no columns Tätigkeit (task), Abrechenbar (billable), Bemerkung (notes), Satz (rate), Währung (currency); " +
		"want the columns Nr, Datum, Mitarbeiter, Projekt, Tätigkeit, Stunden, Abrechenbar, Bemerkung, Satz, Währung, in any order"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}

	// Optional columns the import does not map may be missing; a column
	// it maps explicitly may not.
	minimal := files.Import{File: "Zeiten.csv", Stream: "time_entries", Separator: "tab",
		Columns: map[string]string{"id": "Nr", "date": "Tag", "hours": "Dauer"}}
	writeFile(t, dir, "Zeiten.csv", "Nr\tTag\tperson\tproject_code\tDauer\n7\t2026-03-02\tA\tP\t1.5\n")
	got, err := extractAll(t, newConnector(t, dir, minimal), "time_entries", "")
	if err != nil {
		t.Fatal(err)
	}
	columns(t, "minimal", got, map[string][]string{"id": {"7"}, "hours": {"1.5000"}, "task": {"NULL"}, "billable": {"NULL"}})
	minimal.Columns["notes"] = "Notiz"
	_, err = extractAll(t, newConnector(t, dir, minimal), "time_entries", "")
	want = "files: Zeiten.csv: the header has no column Notiz (notes); want the columns Nr, Tag, person, project_code, task, Dauer, billable, Notiz, rate, currency, in any order"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

// zeitenWorkbook is an Excel workbook as a controller saves it: the data
// on the second sheet below a title row, dates as date cells (Excel
// serials, one with a time of day), numbers as numbers (one holding the
// double 0.30000000000000004 a sum leaves behind), a German decimal
// written as text, yes/no as boolean cells. change edits it before it is
// saved.
func zeitenWorkbook(t *testing.T, change func(f *excelize.File)) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if _, err := f.NewSheet("Zeiten"); err != nil {
		t.Fatal(err)
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"Zeiterfassung März 2026"},
		{},
		{"Nr", "Datum", "Mitarbeiter", "Projekt", "Stunden", "Abrechenbar", "Satz", "Währung", "Bemerkung"},
		{1001, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), "Jürgen Weiß", 4711, 7.5, true, "1.234,56", "EUR", "Prüfung"},
		{1002, time.Date(2026, 3, 3, 17, 30, 0, 0, time.UTC), "Zoë", "TM-002", nil, false, 95, "CHF", nil},
		{1003, "2026-03-04", "Ben", "TM-002", 2, nil, nil, nil, "Datum als Text"},
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Zeiten", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SetCellDefault("Zeiten", "E5", "0.30000000000000004"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStyle("Zeiten", "B4", "B5", dateStyle); err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(f)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestXLSXWorkbook(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "zeiten.xlsx", zeitenWorkbook(t, nil))
	imp := files.Import{File: "zeiten.xlsx", Stream: "time_entries", Sheet: "Zeiten", Decimal: ",",
		Columns: map[string]string{"id": "Nr", "date": "Datum", "person": "Mitarbeiter", "project_code": "Projekt",
			"hours": "Stunden", "billable": "Abrechenbar", "rate": "Satz", "currency": "Währung", "notes": "Bemerkung"}}
	got, err := extractAll(t, newConnector(t, dir, imp), "time_entries", "")
	if err != nil {
		t.Fatal(err)
	}
	columns(t, "xlsx", got, map[string][]string{
		"id":           {"1001", "1002", "1003"},
		"row":          {"1", "2", "3"},
		"date":         {"2026-03-02", "2026-03-03", "2026-03-04"},
		"person":       {"Jürgen Weiß", "Zoë", "Ben"},
		"project_code": {"4711", "TM-002", "TM-002"},
		"hours":        {"7.5000", "0.3000", "2.0000"},
		"billable":     {"true", "false", "NULL"},
		"rate":         {"1234.5600", "95.0000", "NULL"},
		"currency":     {"EUR", "CHF", "NULL"},
		"notes":        {"Prüfung", "NULL", "Datum als Text"},
		"_raw": {
			`{"Nr":"1001","Datum":"46083","Mitarbeiter":"Jürgen Weiß","Projekt":"4711","Stunden":"7.5","Abrechenbar":"1","Satz":"1.234,56","Währung":"EUR","Bemerkung":"Prüfung"}`,
			`{"Nr":"1002","Datum":"46084.729166666664","Mitarbeiter":"Zoë","Projekt":"TM-002","Stunden":"0.30000000000000004","Abrechenbar":"0","Satz":"95","Währung":"CHF"}`,
			`{"Nr":"1003","Datum":"2026-03-04","Mitarbeiter":"Ben","Projekt":"TM-002","Stunden":"2","Abrechenbar":"","Satz":"","Währung":"","Bemerkung":"Datum als Text"}`,
		},
	})

	// Refusals name the sheet and its row as Excel shows it.
	writeFile(t, dir, "zeiten.xlsx", zeitenWorkbook(t, func(f *excelize.File) {
		if err := f.SetCellValue("Zeiten", "E6", 1.23456); err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellValue("Zeiten", "G5", "95.50"); err != nil {
			t.Fatal(err)
		}
	}))
	got, err = extractAll(t, newConnector(t, dir, imp), "time_entries", "")
	want := `files: zeiten.xlsx sheet Zeiten row 5: column Satz (rate): "95.50" is not a decimal number; want digits with ',' as the decimal point and '.' only between thousands, e.g. 1.234,50; and 1 more bad rows (takt rejects lists them)`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	equal(t, "rejects", got.rejects()[:2], []string{
		`1002|unparsable_amount|Satz|files: zeiten.xlsx sheet Zeiten row 5: column Satz (rate): "95.50" is not a decimal number; want digits with ',' as the decimal point and '.' only between thousands, e.g. 1.234,50; fix the row in the file: the next run loads the file once no row is bad`,
		`1003|too_many_decimals|Stunden|files: zeiten.xlsx sheet Zeiten row 6: column Stunden (hours): "1.23456" has more than 4 decimal places; want at most 4, taken exactly (takt does not round); fix the row in the file: the next run loads the file once no row is bad`,
	})

	imp.Sheet = "Tabelle9"
	_, err = extractAll(t, newConnector(t, dir, imp), "time_entries", "")
	want = `files: zeiten.xlsx has no sheet "Tabelle9"; its sheets are Sheet1, Zeiten; set sheet to one of them`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	writeFile(t, dir, "zeiten.xlsx", "Nr;Datum\n")
	_, err = extractAll(t, newConnector(t, dir, imp), "time_entries", "")
	if err == nil || !strings.HasPrefix(err.Error(), "files: zeiten.xlsx is not an Excel workbook (") ||
		!strings.HasSuffix(err.Error(), "); want a file saved as Excel Workbook (.xlsx)") {
		t.Fatalf("err = %v", err)
	}
}

// A workbook counting dates from 1904 (Excel for Mac's old default).
func TestXLSXDates1904(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	yes := true
	if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
		t.Fatal(err)
	}
	for cell, v := range map[string]any{"A1": "date", "B1": "currency", "C1": "rate", "A2": 44621, "B2": "USD", "C2": 1.0823} {
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, dir, "kurse.xlsx", buf.String())
	got, err := extractAll(t, newConnector(t, dir, files.Import{File: "kurse.xlsx", Stream: "fx_rates"}), "fx_rates", "")
	if err != nil {
		t.Fatal(err)
	}
	// 44621 days after 1904-01-01.
	columns(t, "1904", got, map[string][]string{"date": {"2026-03-02"}, "id": {"2026-03-02/USD"}, "rate": {"1.082300"}})

	// A date written as a number in the import's format is that date; a
	// number that is neither is refused.
	got, err = extractAll(t, newConnector(t, dir, files.Import{File: "kurse.xlsx", Stream: "fx_rates", DateFormat: "YYYYMMDD"}), "fx_rates", "")
	if err != nil {
		t.Fatal(err)
	}
	columns(t, "YYYYMMDD", got, map[string][]string{"date": {"2026-03-02"}})
	f2 := excelize.NewFile()
	defer f2.Close()
	for cell, v := range map[string]any{"A1": "date", "B1": "currency", "C1": "rate", "A2": 20260302, "B2": "USD", "C2": 1.0823} {
		if err := f2.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	buf.Reset()
	if err := f2.Write(&buf); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "kurse.xlsx", buf.String())
	got, err = extractAll(t, newConnector(t, dir, files.Import{File: "kurse.xlsx", Stream: "fx_rates", DateFormat: "YYYYMMDD"}), "fx_rates", "")
	if err != nil {
		t.Fatal(err)
	}
	columns(t, "YYYYMMDD", got, map[string][]string{"date": {"2026-03-02"}})
	_, err = extractAll(t, newConnector(t, dir, files.Import{File: "kurse.xlsx", Stream: "fx_rates"}), "fx_rates", "")
	want := `files: kurse.xlsx sheet Sheet1 row 2: column date: 20260302 is a number, not a date Excel can show; want a date cell, or text YYYY-MM-DD, e.g. 2026-03-31`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

func TestJSON(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "entries.json", `{"time_entries": [
  {"id": 1, "date": "2026-03-02", "user": {"name": "Anna"}, "project": {"code": "TM-001"}, "hours": 7.25,
   "billable": true, "notes": null, "rate": 120.5, "currency": "EUR", "tags": ["x"]},
  {"ID": "T-2", "date": "2026-03-03", "user": {"name": "Ben"}, "project": {"code": "TM-002"}, "hours": "1,5", "billable": false}
]}`)
	writeFile(t, dir, "rates.json", `[{"date": "2026-03-31", "currency": "USD", "rate": 1.0823e0}]`)
	c := newConnector(t, dir,
		files.Import{File: "entries.json", Stream: "time_entries", Decimal: ",",
			Columns: map[string]string{"person": "user.name", "project_code": "project.code"}},
		files.Import{File: "rates.json", Stream: "fx_rates"},
	)
	got, err := extractAll(t, c, "time_entries", "")
	if err != nil {
		t.Fatal(err)
	}
	columns(t, "json", got, map[string][]string{
		"id":           {"1", "T-2"},
		"row":          {"1", "2"},
		"person":       {"Anna", "Ben"},
		"project_code": {"TM-001", "TM-002"},
		"hours":        {"7.2500", "1.5000"},
		"billable":     {"true", "false"},
		"notes":        {"NULL", "NULL"},
		"rate":         {"120.5000", "NULL"},
		"_raw": {
			`{"id":1,"date":"2026-03-02","user":{"name":"Anna"},"project":{"code":"TM-001"},"hours":7.25,"billable":true,"notes":null,"rate":120.5,"currency":"EUR","tags":["x"]}`,
			`{"ID":"T-2","date":"2026-03-03","user":{"name":"Ben"},"project":{"code":"TM-002"},"hours":"1,5","billable":false}`,
		},
	})
	rates, err := extractAll(t, c, "fx_rates", "")
	if err != nil {
		t.Fatal(err)
	}
	columns(t, "json rates", rates, map[string][]string{"id": {"2026-03-31/USD"}, "rate": {"1.082300"}})

	for _, tc := range []struct {
		name, content, want string
	}{
		{"not json", "[{\"date\": \"2026-03-31\",\n \"currency\": USD}]",
			`files: rates.json line 2: not valid JSON (invalid character 'U' looking for beginning of value); want an array of objects, or {"fx_rates": [...]}`},
		{"wrong key", `{"rates": []}`,
			`files: rates.json is an object without the key "fx_rates"; want an array of objects, or {"fx_rates": [...]}`},
		{"a key no record has", `[{"date": "2026-03-31", "currency": "USD"}]`,
			`files: rates.json: no record has the key rate; want every record to have the keys date, base_currency, currency, rate`},
		{"not an object", `[{"date": "2026-03-31", "currency": "USD", "rate": 1}, 5]`,
			`files: rates.json record 2: 5 is not an object; want an object with a key per column, e.g. {"id": "T-1", ...}`},
		{"an object for a value", `[{"date": "2026-03-31", "currency": {"code": "USD"}, "rate": 1}]`,
			`files: rates.json record 1: column currency: {"code":"USD"} is not a single value; want a currency code, e.g. EUR`},
		{"a number for a date", `[{"date": 20260331, "currency": "USD", "rate": 1}]`,
			`files: rates.json record 1: column date: "20260331" is not a date; want YYYY-MM-DD, e.g. 2026-03-31`},
		{"a missing key", `[{"date": "2026-03-31", "currency": "USD", "rate": 1}, {"date": "2026-03-31", "currency": "GBP"}]`,
			`files: rates.json record 2: column rate: empty; want a decimal number, e.g. 1234.50`},
		{"a string for a number", `[{"date": "2026-03-31", "currency": "USD", "rate": "1,08"}]`,
			`files: rates.json record 1: column rate: "1,08" is not a decimal number; want digits with '.' as the decimal point and no thousands separators, e.g. 1234.50`},
		{"zero rate", `[{"date": "2026-03-31", "currency": "USD", "rate": 0}]`,
			`files: rates.json record 1: column rate: "0" is not above 0; want an exchange rate above 0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writeFile(t, dir, "rates.json", tc.content)
			_, err := extractAll(t, c, "fx_rates", "")
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v\nwant %s", err, tc.want)
			}
		})
	}
}

// In quarantine mode both rows of a duplicated id wait in the quarantine
// (which one is right is not known); the others load.
func TestQuarantineModeDuplicates(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dunning_notices.csv", "id,invoice_number,level,notice_date,fee,currency\n"+
		"D-1,INV-1,1,2026-03-01,5,EUR\nD-2,INV-2,1,2026-03-01,5,EUR\nD-1,INV-1,2,2026-03-15,5,EUR\n")
	got, err := extractAll(t, newConnector(t, dir, files.Import{File: "dunning_notices.csv", Stream: "dunning_notices", BadRows: files.BadRowsQuarantine}), "dunning_notices", "")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "loaded", column(t, got, "id"), []string{"D-2"})
	const fix = "; fix the row in the file: the next run loads the file's new version with it"
	equal(t, "quarantine", got.rejects(), []string{
		`D-1|duplicate_id|id|files: dunning_notices.csv line 2: column id: "D-1" is the id of line 4 too; want an id unique in the file` + fix,
		`D-1|duplicate_id|id|files: dunning_notices.csv line 4: column id: "D-1" is the id of line 2 too; want an id unique in the file` + fix,
	})
	if got.lastCursor() != cursor(t, "dunning_notices.csv", "id,invoice_number,level,notice_date,fee,currency\n"+
		"D-1,INV-1,1,2026-03-01,5,EUR\nD-2,INV-2,1,2026-03-01,5,EUR\nD-1,INV-1,2,2026-03-15,5,EUR\n") {
		t.Fatalf("cursor %s", got.lastCursor())
	}

	// A file none of whose rows is good is refused even so: it would
	// replace the previous version with nothing.
	writeFile(t, dir, "dunning_notices.csv", "id;invoice_number;level;notice_date;fee;currency\nD-1;INV-1;1;2026-03-01;5,00;EUR\n")
	got, err = extractAll(t, newConnector(t, dir, files.Import{File: "dunning_notices.csv", Stream: "dunning_notices", BadRows: files.BadRowsQuarantine}), "dunning_notices", "")
	want := `files: dunning_notices.csv line 2: column fee: "5,00" is not a decimal number; want digits with '.' as the decimal point and no thousands separators, e.g. 1234.50; none of the file's 1 rows is good (is the import's column mapping, decimal or date format right?), so nothing of it was loaded`
	if err == nil || err.Error() != want || got.rows != 0 || got.lastCursor() != "" {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

// Each file has one mapping: two imports of a stream whose patterns match
// the same file stop the stream before anything is read.
func TestOverlappingPatternsAreAnError(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "zeiten_2026-03.csv", "x")
	c := newConnector(t, dir,
		files.Import{File: "zeiten_*.csv", Stream: "time_entries"},
		files.Import{File: "*.CSV", Stream: "time_entries"},
	)
	_, err := extractAll(t, c, "time_entries", "")
	want := `files: time_entries: zeiten_2026-03.csv matches the file patterns "zeiten_*.csv" and "*.CSV" of two imports into time_entries; make the patterns distinct so that each file has one column mapping`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	// The same workbook may feed two streams, one sheet each.
	var buf bytes.Buffer
	f := excelize.NewFile()
	defer f.Close()
	if _, err := f.NewSheet("Kurse"); err != nil {
		t.Fatal(err)
	}
	for _, cell := range []struct {
		sheet, cell string
		v           any
	}{
		{"Sheet1", "A1", "id"}, {"Sheet1", "B1", "invoice_number"}, {"Sheet1", "C1", "level"}, {"Sheet1", "D1", "notice_date"},
		{"Sheet1", "E1", "fee"}, {"Sheet1", "F1", "currency"},
		{"Sheet1", "A2", "D-1"}, {"Sheet1", "B2", "INV-1"}, {"Sheet1", "C2", 2}, {"Sheet1", "D2", "2026-03-01"}, {"Sheet1", "E2", 5}, {"Sheet1", "F2", "EUR"},
		{"Kurse", "A1", "date"}, {"Kurse", "B1", "currency"}, {"Kurse", "C1", "rate"},
		{"Kurse", "A2", "2026-03-31"}, {"Kurse", "B2", "USD"}, {"Kurse", "C2", 1.0823},
	} {
		if err := f.SetCellValue(cell.sheet, cell.cell, cell.v); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "controlling.xlsx", buf.String())
	c = newConnector(t, dir,
		files.Import{File: "controlling.xlsx", Stream: "dunning_notices"},
		files.Import{File: "controlling.xlsx", Stream: "fx_rates", Sheet: "Kurse"},
	)
	dn, err := extractAll(t, c, "dunning_notices", "")
	if err != nil {
		t.Fatal(err)
	}
	fx, err := extractAll(t, c, "fx_rates", "")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "both sheets", append(column(t, dn, "level"), column(t, fx, "id")...), []string{"2", "2026-03-31/USD"})
}
