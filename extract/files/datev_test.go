package files_test

import (
	"path/filepath"
	"testing"

	"github.com/takt-billing/takt/extract/files"
	"github.com/takt-billing/takt/internal/testfixtures"
)

// The DATEV fixture (format version 9, Windows-1252, CRLF) read in place,
// every column of both postings checked.
func TestDATEVBuchungsstapelFixture(t *testing.T) {
	dir := t.TempDir()
	linkFixture(t, datevFixture(t), dir, "EXTF_Buchungsstapel.csv")
	got, err := extractAll(t, newConnector(t, dir), "datev_postings", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.batches) != 1 || got.batches[0].Pages != 1 || len(got.rejects()) != 0 {
		t.Fatalf("batches %+v", got.batches)
	}
	columns(t, "datev", got, map[string][]string{
		"id":                {"EXTF_Buchungsstapel.csv:1", "EXTF_Buchungsstapel.csv:2"},
		"row":               {"1", "2"},
		"amount":            {"24.9500", "5950.0000"},
		"debit_credit":      {"H", "S"},
		"currency":          {"EUR", "EUR"},
		"fx_rate":           {"NULL", "NULL"},
		"base_amount":       {"NULL", "NULL"},
		"base_currency":     {"NULL", "NULL"},
		"account":           {"1200", "10000"},
		"contra_account":    {"4940", "8400"},
		"tax_key":           {"8", "NULL"},
		"document_date":     {"2018-02-21", "2018-02-22"},
		"document_number":   {"NULL", "RE201802-135"},
		"posting_text":      {"Fachbuch: Controlling für Dummies", "Honorar FiBu-Seminar"},
		"format_version":    {"9", "9"},
		"consultant_number": {"1001", "1001"},
		"client_number":     {"456", "456"},
		"fiscal_year_start": {"2018-01-01", "2018-01-01"},
		"account_length":    {"4", "4"},
		"period_from":       {"2018-02-01", "2018-02-01"},
		"period_to":         {"2018-02-28", "2018-02-28"},
		"batch_name":        {"Beispiel-Buchungen", "Beispiel-Buchungen"},
		"batch_created":     {"2018-03-06T10:25:00.000", "2018-03-06T10:25:00.000"},
		"_raw": {
			`{"Umsatz (ohne Soll/Haben-Kz)":"24,95","Soll/Haben-Kennzeichen":"H","Konto":"1200","Gegenkonto (ohne BU-Schlüssel)":"4940","BU-Schlüssel":"8","Belegdatum":"2102","Buchungstext":"Fachbuch: Controlling für Dummies"}`,
			`{"Umsatz (ohne Soll/Haben-Kz)":"5950,00","Soll/Haben-Kennzeichen":"S","Konto":"10000","Gegenkonto (ohne BU-Schlüssel)":"8400","Belegdatum":"2202","Belegfeld 1":"RE201802-135","Buchungstext":"Honorar FiBu-Seminar"}`,
		},
	})
}

// datevHeader is a batch header line of format version v for the period
// from-to (YYYYMMDD).
func datevHeader(v, from, to string) string {
	return `"EXTF";700;21;"Buchungsstapel";` + v + `;20260405093000123;;"RE";"Controlling";"";29098;1234;20250701;4;` + from + `;` + to + `;"Nordlicht Ausgangsrechnungen";"";1;;0;"EUR";"";"";"";"";"";;;"";""` + "\r\n"
}

// datev13Headings are the headings of a newer format version, worded
// differently from version 9 (Basis-Umsatz, a hyphen for the dash), with
// more columns after Buchungstext.
const datev13Headings = `Umsatz (ohne Soll/Haben-Kz);Soll/Haben-Kennzeichen;WKZ Umsatz;Kurs;Basis-Umsatz;WKZ Basis-Umsatz;Konto;Gegenkonto (ohne BU-Schlüssel);BU-Schlüssel;Belegdatum;Belegfeld 1;Belegfeld 2;Skonto;Buchungstext;Postensperre;Beleginfo - Art 1;Beleginfo - Inhalt 1;Leistungsdatum` + "\r\n"

// A newer format version, foreign currency, and a fiscal year whose batch
// spans the turn of the calendar year: Belegdatum takes the year that puts
// it inside the period.
func TestDATEVForeignCurrencyAndPeriodAcrossNewYear(t *testing.T) {
	dir := t.TempDir()
	content := datevHeader("13", "20251201", "20260131") + datev13Headings +
		`1.190,00;"S";"USD";1,0823;1.099,51;"EUR";10042;8338;"";1512;"RE-2025-0815";"";;"Beratung Dezember, Müller & Söhne";;"";"";15122025` + "\r\n" +
		`119,5;"h";"";;;"";1800;10042;"";0801;"RE-2025-0815";"";;"Zahlung";;"";"";` + "\r\n"
	writeFile(t, dir, "EXTF_Buchungsstapel_2025-12.csv", cp1252(t, content))
	got, err := extractAll(t, newConnector(t, dir), "datev_postings", "")
	if err != nil {
		t.Fatal(err)
	}
	columns(t, "datev 13", got, map[string][]string{
		"amount":         {"1190.0000", "119.5000"},
		"debit_credit":   {"S", "H"},
		"currency":       {"USD", "EUR"},
		"fx_rate":        {"1.082300", "NULL"},
		"base_amount":    {"1099.5100", "NULL"},
		"base_currency":  {"EUR", "NULL"},
		"account":        {"10042", "1800"},
		"contra_account": {"8338", "10042"},
		"document_date":  {"2025-12-15", "2026-01-08"},
		"posting_text":   {"Beratung Dezember, Müller & Söhne", "Zahlung"},
		"format_version": {"13", "13"},
		"batch_name":     {"Nordlicht Ausgangsrechnungen", "Nordlicht Ausgangsrechnungen"},
		"batch_created":  {"2026-04-05T09:30:00.123", "2026-04-05T09:30:00.123"},
	})
}

func TestDATEVRefusals(t *testing.T) {
	const headings = datev13Headings
	posting := func(amount, sh, konto, belegdatum string) string {
		return amount + `;"` + sh + `";"";;;"";` + konto + `;8400;"";` + belegdatum + `;"RE-1";"";;"Text";;"";"";` + "\r\n"
	}
	head := datevHeader("9", "20260201", "20260228") + headings
	cases := []struct {
		name, content, want string
	}{
		{"not DATEV", "Umsatz;Konto\r\n1,00;1200\r\n",
			`files: EXTF_Buchungsstapel.csv line 1: starts with "Umsatz", not EXTF; want a file exported in DATEV format (EXTF), whose first line is its header`},
		{"newer format version", datevHeader("14", "20260201", "20260228") + headings,
			`files: EXTF_Buchungsstapel.csv line 1: Buchungsstapel format version 14 is newer than the versions takt reads (up to 13); export it as version 13, or update takt`},
		{"no period", datevHeader("9", "", "20260228") + headings,
			`files: EXTF_Buchungsstapel.csv line 1: header field 15 (Datum vom, the start of the batch's period) is ""; want a date YYYYMMDD, e.g. 20180201`},
		{"period backwards", datevHeader("9", "20260301", "20260228") + headings,
			`files: EXTF_Buchungsstapel.csv line 1: the batch's period ends (2026-02-28) before it starts (2026-03-01); want Datum vom before Datum bis`},
		{"no headings", datevHeader("9", "20260201", "20260228"),
			`files: EXTF_Buchungsstapel.csv has no line 2; want the column headings after the header line`},
		{"Belegdatum outside the period", head + posting("10,00", "S", "1200", "0102") + posting("10,00", "S", "1200", "0103"),
			`files: EXTF_Buchungsstapel.csv line 4: column Belegdatum: "0103" is not a day within the batch's period; want DDMM with leading zeros within the batch's period 2026-02-01 to 2026-02-28, e.g. 0102`},
		{"Belegdatum without its leading zero", head + posting("10,00", "S", "1200", "102"),
			`files: EXTF_Buchungsstapel.csv line 3: column Belegdatum: "102" is not a Belegdatum; want DDMM with leading zeros within the batch's period 2026-02-01 to 2026-02-28, e.g. 0102`},
		{"no such day", head + posting("10,00", "S", "1200", "3002"),
			`files: EXTF_Buchungsstapel.csv line 3: column Belegdatum: "3002" is not a day within the batch's period; want DDMM with leading zeros within the batch's period 2026-02-01 to 2026-02-28, e.g. 0102`},
		{"signed amount", head + posting("-10,00", "S", "1200", "0102"),
			`files: EXTF_Buchungsstapel.csv line 3: column Umsatz (ohne Soll/Haben-Kz): "-10,00" is negative; want Umsatz (the sign is in Soll/Haben-Kennzeichen) of 0 or more`},
		{"decimal point", head + posting("10.00", "S", "1200", "0102"),
			`files: EXTF_Buchungsstapel.csv line 3: column Umsatz (ohne Soll/Haben-Kz): "10.00" is not a decimal number; want digits with ',' as the decimal point and '.' only between thousands, e.g. 1.234,50`},
		{"no S or H", head + posting("10,00", "X", "1200", "0102"),
			`files: EXTF_Buchungsstapel.csv line 3: column Soll/Haben-Kennzeichen: "X" is not a Soll/Haben-Kennzeichen; want S (Soll, debit) or H (Haben, credit)`},
		{"account with letters", head + posting("10,00", "S", "12A0", "0102"),
			`files: EXTF_Buchungsstapel.csv line 3: column Konto: "12A0" is not an account number; want up to 9 digits, e.g. 1200`},
		{"short line", head + "10,00;\"S\";\"\";;;\"\";1200\r\n",
			`files: EXTF_Buchungsstapel.csv line 3: 7 cells; want at least 14, up to Buchungstext`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "EXTF_Buchungsstapel.csv", cp1252(t, tc.content))
			got, err := extractAll(t, newConnector(t, dir), "datev_postings", "")
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v\nwant %s", err, tc.want)
			}
			if got.rows != 0 || got.lastCursor() != "" {
				t.Fatalf("a refused file loaded %d rows", got.rows)
			}
		})
	}

	// Another category of DATEV file, matched by a broad pattern: the
	// fixture's Debitoren/Kreditoren, read in place.
	dir := t.TempDir()
	linkFixture(t, filepath.Join(testfixtures.Dir(t, "datev"), "EXTF_Stammdaten.csv"), dir, "EXTF_Stammdaten.csv")
	_, err := extractAll(t, newConnector(t, dir, files.Import{File: "EXTF_*.csv", Stream: "datev_postings", Format: "datev"}), "datev_postings", "")
	want := `files: EXTF_Stammdaten.csv line 1: a DATEV file of category 16 (Debitoren/Kreditoren); want a Buchungsstapel (category 21): takt imports postings only, so remove the file from the imports folder or narrow the import's file pattern`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}
