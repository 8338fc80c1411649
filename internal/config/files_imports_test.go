package config

import (
	"strings"
	"testing"

	"github.com/takt-billing/takt/extract/files"
)

const importsHead = `
company: {name: X, base_currency: EUR, home_country: DE, vat_rates: {standard: "19"}}
sources:
  files:
    dir: imports
    imports:
`

func TestFileImportsAreRead(t *testing.T) {
	cfg, err := Parse("t.yaml", []byte(importsHead+`
      - file: "Zeiten_*.csv"
        stream: time_entries
        decimal: ","
        date_format: DD.MM.YYYY
        encoding: windows-1252
        separator: ";"
        bad_rows: quarantine
        columns: {id: Nr, date: Datum, person: Mitarbeiter, project_code: Projekt, hours: Stunden}
      - {file: controlling.xlsx, stream: fx_rates, sheet: Kurse}
      - {file: "EXTF_*.csv", stream: datev_postings, format: datev}
`))
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.Sources.Files.FileImports()
	if len(got) != 3 {
		t.Fatalf("%d imports", len(got))
	}
	want := files.Import{File: "Zeiten_*.csv", Stream: "time_entries", Decimal: ",", DateFormat: "DD.MM.YYYY",
		Encoding: "windows-1252", Separator: ";", BadRows: "quarantine",
		Columns: map[string]string{"id": "Nr", "date": "Datum", "person": "Mitarbeiter", "project_code": "Projekt", "hours": "Stunden"}}
	if g := got[0]; g.File != want.File || g.Stream != want.Stream || g.Decimal != want.Decimal || g.DateFormat != want.DateFormat ||
		g.Encoding != want.Encoding || g.Separator != want.Separator || g.BadRows != want.BadRows || len(g.Columns) != 5 || g.Columns["hours"] != "Stunden" {
		t.Fatalf("import 0 = %+v", g)
	}
	if got[1].Sheet != "Kurse" || got[2].Format != "datev" {
		t.Fatalf("imports 1, 2 = %+v, %+v", got[1], got[2])
	}
}

func TestFileImportErrorsNameLineAndKey(t *testing.T) {
	_, err := Parse("t.yaml", []byte(importsHead+`
      - file: zeiten.csv
        stream: timesheets
      - file: zeiten.xlsx
        stream: time_entries
        sheet: Zeiten
        separator: ";"
        columns:
          hours: Stunden
          minutes: Minuten
      - {file: "EXTF_*.csv", stream: datev_postings, columns: {amount: Umsatz}}
      - {file: kurse.csv, stream: fx_rates, decimal: "'", date_format: TT.MM.JJJJ, encoding: latin1, bad_rows: skip}
      - {file: "../kurse.csv", stream: fx_rates}
      - {file: "zeiten.XLSX", stream: time_entries, sheet: Zeiten}
      - {stream: fx_rates}
`))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, w := range []string{
		`t.yaml:9: sources.files.imports[0].stream: "timesheets" is not a stream files can be imported into; expected one of dunning_notices, milestones, rate_cards, change_requests, time_entries, fx_rates, datev_postings`,
		`t.yaml:13: sources.files.imports[1].separator: applies to csv files, not to xlsx ones; remove it`,
		`t.yaml:16: sources.files.imports[1].columns.minutes: time_entries has no column minutes to map; expected one of id, date, person, project_code, task, hours, billable, notes, rate, currency`,
		`t.yaml:17: sources.files.imports[2].format: datev_postings come from DATEV EXTF files only; expected format: datev`,
		`t.yaml:18: sources.files.imports[3].decimal: "'" is not a decimal separator; expected "." or ","`,
		`t.yaml:18: sources.files.imports[3].date_format: "TT.MM.JJJJ" has "T", which is not part of a date format; expected YYYY, MM and DD with . - / or a space between them, e.g. DD.MM.YYYY`,
		`t.yaml:18: sources.files.imports[3].encoding: "latin1" is not an encoding takt reads; expected auto, utf-8 or windows-1252`,
		`t.yaml:18: sources.files.imports[3].bad_rows: "skip" is not a choice; expected refuse (the whole file waits until it is fixed) or quarantine (good rows load, bad ones go to the quarantine)`,
		`t.yaml:19: sources.files.imports[4].file: "../kurse.csv" names a path; expected a file name or pattern within the imports folder`,
		`t.yaml:20: sources.files.imports[5].file: "zeiten.XLSX" feeds time_entries already in sources.files.imports[1]; expected each file (and sheet) imported into a stream once`,
		`t.yaml:21: sources.files.imports[6].file: missing; expected the file's name in the imports folder, or a pattern like zeiten_*.xlsx`,
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error\n  %v\ndoes not contain\n  %s", err, w)
		}
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 11 {
		t.Errorf("%d errors, want 11:\n%v", n, err)
	}
}

// The imports `takt init` shows as comments are valid once uncommented.
func TestExampleImportsAreValid(t *testing.T) {
	lines := strings.Split(string(Example()), "\n")
	in := false
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "    # imports:"):
			in = true
		case in && !strings.HasPrefix(l, "    #   "):
			in = false
		}
		if in {
			lines[i] = "    " + strings.TrimPrefix(l, "    # ")
		}
	}
	cfg, err := Parse("takt.yaml", []byte(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.Sources.Files.FileImports()
	if len(got) != 3 || got[0].Columns["hours"] != "Stunden" || got[1].Sheet != "Kurse" || got[2].Format != "datev" {
		t.Fatalf("imports = %+v", got)
	}
}
