package files_test

import (
	"testing"

	"github.com/takt-billing/takt/extract/files"
)

func TestNewRefusesBadImports(t *testing.T) {
	_, err := files.New(files.Config{Dir: t.TempDir(), Imports: []files.Import{
		{File: "a.csv", Stream: "time_entries"},
		{File: "b.txt", Stream: "fx_rates", Columns: map[string]string{"id": "Nr"}},
		{File: "c.xlsx", Stream: "datev_postings", Format: "datev", Separator: ";"},
	}})
	want := "files: imports[1].format: missing, and the extension of \"b.txt\" does not tell; expected csv, xlsx, json or datev\n" +
		"files: imports[1].columns.id: fx_rates has no column id to map; expected one of date, base_currency, currency, rate\n" +
		"files: imports[2].separator: applies to csv files, not to datev ones; remove it"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

// Date formats with and without leading zeros, and in other orders.
func TestDateFormats(t *testing.T) {
	for _, tc := range []struct {
		format string
		cells  []string
		want   []string
		bad    string
	}{
		{"D.M.YYYY", []string{"5.3.2026", "05.03.2026", "31.12.2026"}, []string{"2026-03-05", "2026-03-05", "2026-12-31"}, "5.3.26"},
		{"YYYYMMDD", []string{"20260305", "20261231"}, []string{"2026-03-05", "2026-12-31"}, "2026035"},
		{"MM/DD/YYYY", []string{"03/05/2026"}, []string{"2026-03-05"}, "3/5/2026"},
		{"DD.MM.YYYY", []string{"05.03.2026"}, []string{"2026-03-05"}, "5.3.2026"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			dir := t.TempDir()
			content := "date,currency,rate\n"
			for i, c := range tc.cells {
				content += c + "," + []string{"USD", "CHF", "GBP"}[i] + ",1\n"
			}
			writeFile(t, dir, "kurse.csv", content)
			imp := files.Import{File: "kurse.csv", Stream: "fx_rates", DateFormat: tc.format}
			got, err := extractAll(t, newConnector(t, dir, imp), "fx_rates", "")
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "dates", column(t, got, "date"), tc.want)
			writeFile(t, dir, "kurse.csv", "date,currency,rate\n"+tc.bad+",USD,1\n")
			_, err = extractAll(t, newConnector(t, dir, imp), "fx_rates", "")
			if err == nil {
				t.Fatalf("%q was read as a date of format %s", tc.bad, tc.format)
			}
		})
	}
}

// Tabs and pipes as separators; hidden files and Office's lock files are
// never read.
func TestSeparatorsAndIgnoredFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "rates_tab.csv", "date\tcurrency\trate\n2026-03-31\tUSD\t1.08\n")
	writeFile(t, dir, "rates_pipe.csv", "date|currency|rate\n2026-03-30|USD|1.07\n")
	writeFile(t, dir, ".rates_hidden.csv", "not,a,table\n")
	writeFile(t, dir, "~$rates_lock.csv", "not,a,table\n")
	c := newConnector(t, dir,
		files.Import{File: "*rates_tab.csv", Stream: "fx_rates"},
		files.Import{File: "*rates_pipe.csv", Stream: "fx_rates", Separator: "|"},
		files.Import{File: "*rates_hidden.csv", Stream: "fx_rates"},
		files.Import{File: "*rates_lock.csv", Stream: "fx_rates"},
	)
	got, err := extractAll(t, c, "fx_rates", "")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "ids in file order", column(t, got, "id"), []string{"2026-03-30/USD", "2026-03-31/USD"})
	equal(t, "files", column(t, got, "file"), []string{"rates_pipe.csv", "rates_tab.csv"})
}
