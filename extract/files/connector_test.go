package files_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/extract/extracttest"
	"github.com/takt-billing/takt/extract/files"
)

// The imports folder used by most tests: small enough to check by hand.
const (
	dunningCSV = `id,invoice_number,level,notice_date,fee,currency
D-1,INV-2026-0001,1,2026-02-15,0,EUR
D-2,INV-2026-0001,2,2026-03-01,5.00,EUR
D-3,INV-2026-0007,3,2026-03-10,12.3456,CHF
`
	milestonesCSV = `id,project_code,name,amount,currency,due_on,reached_on,accepted_on,invoice_number
M-1,FP-001,Konzept,12000.00,EUR,2026-01-31,2026-01-28,2026-02-02,INV-2026-0003
M-2,FP-001,"Umsetzung, Phase 1",18500.5,EUR,2026-03-31,,,
`
	rateCardsCSV = `id,project_code,task,hourly_rate,currency,valid_from,valid_to
R-1,TM-001,Development,120.00,EUR,2026-01-01,2026-03-31
R-2,TM-001,Development,125.50,EUR,2026-04-01,
R-3,TM-002,,-0.0001,GBP,2025-07-01,
`
	changeRequestsCSV = `id,project_code,title,status,approved_on,extra_hours,extra_amount,currency
CR-1,TM-001,Zusätzliche Schnittstelle,approved,2026-02-10,40,5020.00,EUR
CR-2,FP-001,Mehr Tests,proposed,,12.5,,
`
)

// modTime is the modification time every test file gets, so that
// updated_at is known.
var modTime = time.Date(2026, 4, 1, 8, 30, 15, 0, time.UTC)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, modTime, modTime); err != nil {
		t.Fatal(err)
	}
	return path
}

func sha(content string) string {
	s := sha256.Sum256([]byte(content))
	return hex.EncodeToString(s[:])
}

func importsDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "dunning_notices.csv", dunningCSV)
	writeFile(t, dir, "milestones.csv", milestonesCSV)
	writeFile(t, dir, "rate_cards.csv", rateCardsCSV)
	writeFile(t, dir, "change_requests.csv", changeRequestsCSV)
	return dir
}

func newConnector(t *testing.T, dir string) *files.Connector {
	t.Helper()
	c, err := files.New(files.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConformance(t *testing.T) {
	extracttest.Run(t, func(t *testing.T) extract.Connector {
		return newConnector(t, importsDir(t))
	}, extracttest.Options{WantRows: map[string]int{
		"dunning_notices": 3, "milestones": 2, "rate_cards": 3, "change_requests": 2,
	}})
}

// emitted is what one Extract call passed to emit.
type emitted struct {
	batches []extract.Batch
	rows    int
}

// extractAll runs Extract and keeps every batch (records retained; released
// at the end of the test).
func extractAll(t *testing.T, c *files.Connector, stream, cursor string) (emitted, error) {
	t.Helper()
	var out emitted
	err := c.Extract(context.Background(), stream, cursor, func(ctx context.Context, b extract.Batch) error {
		if b.Record != nil {
			b.Record.Retain()
			t.Cleanup(b.Record.Release)
			out.rows += int(b.Record.NumRows())
		}
		out.batches = append(out.batches, b)
		return nil
	})
	return out, err
}

// column returns the named column of every batch as text, one value per row
// ("NULL" for nulls), for exact comparison.
func column(t *testing.T, e emitted, name string) []string {
	t.Helper()
	var out []string
	for _, b := range e.batches {
		idx := b.Record.Schema().FieldIndices(name)
		if len(idx) != 1 {
			t.Fatalf("no column %s", name)
		}
		col := b.Record.Column(idx[0])
		for i := 0; i < col.Len(); i++ {
			if col.IsNull(i) {
				out = append(out, "NULL")
				continue
			}
			switch a := col.(type) {
			case *array.Decimal128:
				out = append(out, a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale))
			case *array.Timestamp:
				out = append(out, a.Value(i).ToTime(arrow.Microsecond).UTC().Format(time.RFC3339))
			default:
				out = append(out, col.ValueStr(i))
			}
		}
	}
	return out
}

func equal(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func TestSemicolonFileWithBOMAndColumnsInAnyOrder(t *testing.T) {
	dir := t.TempDir()
	// Excel's "CSV UTF-8" as German Excel writes it: BOM, ';', CRLF, and a
	// formatted empty row; header names in another order and case, an extra
	// column, spaces around values, a quoted separator and quotes.
	content := "\ufeffCurrency ; FEE;ID;Level;notice_date;Invoice_Number;Bemerkung\r\n" +
		"EUR; 5.00 ;D-1;1;2026-03-01;\"INV;1\";\"Kunde sagt \"\"bezahlt\"\"\"\r\n" +
		"\r\n" +
		";;;;;;\r\n" +
		"CHF;0.5;D-2;2;2026-03-02;INV-2;\r\n"
	writeFile(t, dir, "dunning_notices.csv", content)
	got, err := extractAll(t, newConnector(t, dir), "dunning_notices", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.batches) != 1 || got.batches[0].Pages != 1 || got.batches[0].Cursor != sha(content) {
		t.Fatalf("batches = %+v, want one with Pages 1 and the file's hash as cursor", got.batches)
	}
	equal(t, "id", column(t, got, "id"), []string{"D-1", "D-2"})
	equal(t, "row", column(t, got, "row"), []string{"1", "4"})
	equal(t, "fee", column(t, got, "fee"), []string{"5.0000", "0.5000"})
	equal(t, "currency", column(t, got, "currency"), []string{"EUR", "CHF"})
	equal(t, "invoice_number", column(t, got, "invoice_number"), []string{"INV;1", "INV-2"})
	equal(t, "level", column(t, got, "level"), []string{"1", "2"})
	equal(t, "notice_date", column(t, got, "notice_date"), []string{"2026-03-01", "2026-03-02"})
	equal(t, "file", column(t, got, "file"), []string{"dunning_notices.csv", "dunning_notices.csv"})
	equal(t, "updated_at", column(t, got, "updated_at"), []string{"2026-04-01T08:30:15Z", "2026-04-01T08:30:15Z"})
	equal(t, "_raw", column(t, got, "_raw"), []string{
		`{"Currency":"EUR","FEE":" 5.00 ","ID":"D-1","Level":"1","notice_date":"2026-03-01","Invoice_Number":"INV;1","Bemerkung":"Kunde sagt \"bezahlt\""}`,
		`{"Currency":"CHF","FEE":"0.5","ID":"D-2","Level":"2","notice_date":"2026-03-02","Invoice_Number":"INV-2","Bemerkung":""}`,
	})
}

func TestBadFilesFailWithTheLineColumnAndValue(t *testing.T) {
	const dunningHeader = "id,invoice_number,level,notice_date,fee,currency\n"
	const rateHeader = "id,project_code,task,hourly_rate,currency,valid_from,valid_to\n"
	cases := []struct {
		name, file, content, want string
	}{
		{"decimal comma", "dunning_notices.csv",
			"id;invoice_number;level;notice_date;fee;currency\nD-1;INV-1;1;2026-03-01;5,00;EUR\n",
			`files: dunning_notices.csv line 2: column fee: "5,00" is not a decimal number; want digits with '.' as the decimal point and no thousands separators, e.g. 1234.50`},
		{"german thousands separator", "dunning_notices.csv",
			"id;invoice_number;level;notice_date;fee;currency\nD-1;INV-1;1;2026-03-01;1.234,50;EUR\n",
			`files: dunning_notices.csv line 2: column fee: "1.234,50" is not a decimal number; want digits with '.' as the decimal point and no thousands separators, e.g. 1234.50`},
		{"thousands separator", "rate_cards.csv",
			rateHeader + "R-1,TM-1,,\"1,200.00\",EUR,2026-01-01,\n",
			`files: rate_cards.csv line 2: column hourly_rate: "1,200.00" is not a decimal number; want digits with '.' as the decimal point and no thousands separators, e.g. 1234.50`},
		{"too many decimals", "rate_cards.csv",
			rateHeader + "R-1,TM-1,,120.00,EUR,2026-01-01,\nR-2,TM-1,,120.12345,EUR,2026-01-01,\n",
			`files: rate_cards.csv line 3: column hourly_rate: "120.12345" has more than 4 decimal places; want at most 4, taken exactly (takt does not round)`},
		{"too large", "rate_cards.csv",
			rateHeader + "R-1,TM-1,,123456789012345,EUR,2026-01-01,\n",
			`files: rate_cards.csv line 2: column hourly_rate: "123456789012345" is too large; want at most 14 digits before the decimal point`},
		{"exponent", "rate_cards.csv",
			rateHeader + "R-1,TM-1,,1.2E+02,EUR,2026-01-01,\n",
			`files: rate_cards.csv line 2: column hourly_rate: "1.2E+02" is not a decimal number; want digits with '.' as the decimal point and no thousands separators, e.g. 1234.50`},
		{"german date", "rate_cards.csv",
			rateHeader + "R-1,TM-1,,120,EUR,01.01.2026,\n",
			`files: rate_cards.csv line 2: column valid_from: "01.01.2026" is not a date; want YYYY-MM-DD, e.g. 2026-03-31`},
		{"no such day", "rate_cards.csv",
			rateHeader + "R-1,TM-1,,120,EUR,2026-01-01,2026-02-30\n",
			`files: rate_cards.csv line 2: column valid_to: "2026-02-30" is not a date; want YYYY-MM-DD, e.g. 2026-03-31`},
		{"required date empty", "dunning_notices.csv",
			dunningHeader + "D-1,INV-1,1,,5,EUR\n",
			`files: dunning_notices.csv line 2: column notice_date: empty; want a date YYYY-MM-DD, e.g. 2026-03-31`},
		{"required text empty", "dunning_notices.csv",
			dunningHeader + "D-1, ,1,2026-03-01,5,EUR\n",
			`files: dunning_notices.csv line 2: column invoice_number: empty; want a value`},
		{"lower case currency", "dunning_notices.csv",
			dunningHeader + "D-1,INV-1,1,2026-03-01,5,eur\n",
			`files: dunning_notices.csv line 2: column currency: "eur" is not a currency code; want 3 capital letters, e.g. EUR`},
		{"currency symbol", "dunning_notices.csv",
			dunningHeader + "D-1,INV-1,1,2026-03-01,5,€\n",
			`files: dunning_notices.csv line 2: column currency: "€" is not a currency code; want 3 capital letters, e.g. EUR`},
		{"level out of range", "dunning_notices.csv",
			dunningHeader + "D-1,INV-1,4,2026-03-01,5,EUR\n",
			`files: dunning_notices.csv line 2: column level: "4" is not a dunning level; want 1, 2 or 3`},
		{"level as text", "dunning_notices.csv",
			dunningHeader + "D-1,INV-1,1. Mahnung,2026-03-01,5,EUR\n",
			`files: dunning_notices.csv line 2: column level: "1. Mahnung" is not a dunning level; want 1, 2 or 3`},
		{"empty id", "dunning_notices.csv",
			dunningHeader + "D-1,INV-1,1,2026-03-01,5,EUR\n,INV-1,2,2026-03-08,5,EUR\n",
			`files: dunning_notices.csv line 3: column id: empty; want the row's id, unique in the file`},
		{"duplicate id", "dunning_notices.csv",
			dunningHeader + "D-1,INV-1,1,2026-03-01,5,EUR\nD-2,INV-2,1,2026-03-01,5,EUR\n D-1 ,INV-1,2,2026-03-08,5,EUR\n",
			`files: dunning_notices.csv line 4: column id: "D-1" is the id of line 2 too; want an id unique in the file`},
		{"currency missing for an amount", "change_requests.csv",
			"id,project_code,title,status,approved_on,extra_hours,extra_amount,currency\nCR-1,TM-1,More,approved,2026-02-10,,500,\n",
			`files: change_requests.csv line 2: column currency: empty while extra_amount has a value; want the currency of extra_amount, e.g. EUR`},
		{"missing column", "dunning_notices.csv",
			"id,invoice_number,level,notice_date,currency\nD-1,INV-1,1,2026-03-01,EUR\n",
			`files: dunning_notices.csv: the header has no column fee; want the columns id, invoice_number, level, notice_date, fee, currency, in any order`},
		{"missing columns", "milestones.csv",
			"ID,project_code,name,amount,currency,due,reached_on,accepted_on\n",
			`files: milestones.csv: the header has no columns due_on, invoice_number; want the columns id, project_code, name, amount, currency, due_on, reached_on, accepted_on, invoice_number, in any order`},
		{"column twice", "dunning_notices.csv",
			"id,invoice_number,level,notice_date,fee,currency,Fee \n",
			`files: dunning_notices.csv line 1: the header names column fee twice (columns 5 and 7); want each column once`},
		{"column without a name", "dunning_notices.csv",
			"id,invoice_number,level,notice_date,fee,currency,,\n",
			`files: dunning_notices.csv line 1: column 7 of the header has no name; want a name for every column, or delete the column`},
		{"unquoted separator in a value", "dunning_notices.csv",
			dunningHeader + "D-1,INV-1,1,2026-03-01,5,00,EUR\n",
			`files: dunning_notices.csv line 2: 7 cells; want 6, one per header column (a value containing the separator ',' must be in double quotes)`},
		{"stray quote", "dunning_notices.csv",
			dunningHeader + "D-1,INV \"1\",1,2026-03-01,5,EUR\n",
			`files: dunning_notices.csv line 2: bare " in non-quoted-field; want a quoted value to be quoted as a whole, with any double quote inside it doubled ("")`},
		{"not UTF-8", "change_requests.csv",
			"id,project_code,title,status,approved_on,extra_hours,extra_amount,currency\nCR-1,TM-1,Zus\xe4tzlich,approved,,,,\n",
			`files: change_requests.csv line 2: column title: "Zus\xe4tzlich" is not UTF-8 text; want the file saved as CSV UTF-8`},
		{"empty file", "dunning_notices.csv", "",
			`files: dunning_notices.csv is empty; want a header line naming the columns`},
		{
			// A quoted cell spanning two lines is one spreadsheet row, and
			// an empty line is a row of its own.
			"line as a spreadsheet counts", "milestones.csv",
			"id,project_code,name,amount,currency,due_on,reached_on,accepted_on,invoice_number\n" +
				"M-1,FP-1,\"Konzept\nund Entwurf\",100,EUR,,,,\n" +
				"\n" +
				"M-2,FP-1,Umsetzung,100,EUR,2026-13-01,,,\n",
			`files: milestones.csv line 4: column due_on: "2026-13-01" is not a date; want YYYY-MM-DD, e.g. 2026-03-31`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, tc.file, tc.content)
			got, err := extractAll(t, newConnector(t, dir), strings.TrimSuffix(tc.file, ".csv"), "")
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v\nwant %s", err, tc.want)
			}
			if len(got.batches) != 0 {
				t.Fatalf("a refused file emitted %d batches", len(got.batches))
			}
		})
	}
}

func TestUnchangedFileEmitsNothingAndChangedFileIsANewVersion(t *testing.T) {
	dir := importsDir(t)
	c := newConnector(t, dir)
	first, err := extractAll(t, c, "rate_cards", "")
	if err != nil {
		t.Fatal(err)
	}
	if first.rows != 3 || first.batches[0].Cursor != sha(rateCardsCSV) {
		t.Fatalf("first read: %d rows, cursor %q", first.rows, first.batches[0].Cursor)
	}
	again, err := extractAll(t, c, "rate_cards", sha(rateCardsCSV))
	if err != nil || len(again.batches) != 0 {
		t.Fatalf("unchanged file with its cursor: %d batches, err %v; want none", len(again.batches), err)
	}

	changed := rateCardsCSV + "R-4,TM-003,Beratung,150.00,EUR,2026-05-01,\n"
	writeFile(t, dir, "rate_cards.csv", changed)
	next, err := extractAll(t, c, "rate_cards", sha(rateCardsCSV))
	if err != nil {
		t.Fatal(err)
	}
	if len(next.batches) != 1 || next.batches[0].Cursor != sha(changed) {
		t.Fatalf("changed file: %d batches, cursor %q; want one batch with cursor %s", len(next.batches), next.batches[0].Cursor, sha(changed))
	}
	equal(t, "ids", column(t, next, "id"), []string{"R-1", "R-2", "R-3", "R-4"})
	equal(t, "file_sha256", column(t, next, "file_sha256"), []string{sha(changed), sha(changed), sha(changed), sha(changed)})
}

func TestHeaderOnlyFileIsAnEmptyVersion(t *testing.T) {
	dir := t.TempDir()
	content := "id,invoice_number,level,notice_date,fee,currency\r\n"
	writeFile(t, dir, "dunning_notices.csv", content)
	got, err := extractAll(t, newConnector(t, dir), "dunning_notices", "some-older-hash")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.batches) != 1 || got.rows != 0 || got.batches[0].Cursor != sha(content) || got.batches[0].Pages != 1 {
		t.Fatalf("got %d batches, %d rows; want one empty batch carrying the cursor", len(got.batches), got.rows)
	}
}

func TestMissingFileEmitsNothing(t *testing.T) {
	got, err := extractAll(t, newConnector(t, t.TempDir()), "milestones", "")
	if err != nil || len(got.batches) != 0 {
		t.Fatalf("missing file: %d batches, err %v; want none and no error", len(got.batches), err)
	}
}

func TestLargeFileComesInBatchesOf10000(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,project_code,task,hourly_rate,currency,valid_from,valid_to\n")
	for i := 1; i <= 25_000; i++ {
		fmt.Fprintf(&b, "R-%d,TM-%d,Development,%d.25,EUR,2026-01-01,\n", i, i%40, 100+i%50)
	}
	writeFile(t, dir, "rate_cards.csv", b.String())
	got, err := extractAll(t, newConnector(t, dir), "rate_cards", "")
	if err != nil {
		t.Fatal(err)
	}
	var sizes, pages []int
	var cursors []string
	for _, bt := range got.batches {
		sizes = append(sizes, int(bt.Record.NumRows()))
		pages = append(pages, bt.Pages)
		cursors = append(cursors, bt.Cursor)
	}
	if fmt.Sprint(sizes) != "[10000 10000 5000]" || fmt.Sprint(pages) != "[1 0 0]" ||
		cursors[0] != "" || cursors[1] != "" || cursors[2] != sha(b.String()) {
		t.Fatalf("batches: rows %v, pages %v, cursors %q", sizes, pages, cursors)
	}
	rows := column(t, got, "row")
	if rows[0] != "1" || rows[10_000] != "10001" || rows[24_999] != "25000" {
		t.Fatalf("row numbers %s, %s, %s", rows[0], rows[10_000], rows[24_999])
	}
}

func TestNewChecksTheFolder(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "notes.txt", "x")
	missing := filepath.Join(dir, "imports")
	cases := []struct {
		dir, want string
	}{
		{"", "files: Config.Dir is empty: set it to the imports folder"},
		{missing, "files: imports folder " + missing + " does not exist: create it, or set the imports folder to the directory the export files are dropped into"},
		{file, "files: imports folder " + file + " is not a directory: set the imports folder to the directory the export files are dropped into"},
	}
	for _, tc := range cases {
		_, err := files.New(files.Config{Dir: tc.dir})
		if err == nil || err.Error() != tc.want {
			t.Errorf("New(%q): err = %v\nwant %s", tc.dir, err, tc.want)
		}
	}
}
