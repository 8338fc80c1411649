package files_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/extract/extracttest"
	"github.com/takt-billing/takt/extract/files"
	"github.com/takt-billing/takt/internal/testfixtures"
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
	timeEntriesCSV = `id,date,person,project_code,task,hours,billable,notes,rate,currency
T-1,2026-03-02,Anna Schmidt,TM-001,Development,7.5,true,Schnittstelle,120.00,EUR
T-2,2026-03-03,Ben Ode,TM-002,,0.25,no,,,
`
	fxRatesCSV = `date,base_currency,currency,rate
2026-03-31,EUR,USD,1.0823
2026-03-31,EUR,CHF,0.952345
2026-03-31,,GBP,0.8345
`
)

// datevFixture is the DATEV Buchungsstapel of the shared fixtures, read in
// place.
func datevFixture(t *testing.T) string {
	return filepath.Join(testfixtures.Dir(t, "datev"), "EXTF_Buchungsstapel.csv")
}

// linkFixture makes a fixture file appear in the imports folder under name
// without copying it.
func linkFixture(t *testing.T, fixture, dir, name string) {
	t.Helper()
	if err := os.Symlink(fixture, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// modTime is the modification time every test file gets, so that
// updated_at is known.
var modTime = time.Date(2026, 4, 1, 8, 30, 15, 0, time.UTC)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	return writeFileAt(t, dir, name, content, modTime)
}

func writeFileAt(t *testing.T, dir, name, content string, at time.Time) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, at, at); err != nil {
		t.Fatal(err)
	}
	return path
}

func sha(content string) string {
	s := sha256.Sum256([]byte(content))
	return hex.EncodeToString(s[:])
}

// cursor is the cursor naming the given files (name, content pairs in
// name order), as the connector writes it.
func cursor(t *testing.T, nameContent ...string) string {
	t.Helper()
	type entry struct {
		File   string `json:"file"`
		SHA256 string `json:"sha256"`
	}
	var entries []entry
	for i := 0; i < len(nameContent); i += 2 {
		entries = append(entries, entry{nameContent[i], sha(nameContent[i+1])})
	}
	b, err := json.Marshal(entries)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func importsDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "dunning_notices.csv", dunningCSV)
	writeFile(t, dir, "milestones.csv", milestonesCSV)
	writeFile(t, dir, "rate_cards.csv", rateCardsCSV)
	writeFile(t, dir, "change_requests.csv", changeRequestsCSV)
	writeFile(t, dir, "time_entries.csv", timeEntriesCSV)
	writeFile(t, dir, "fx_rates.csv", fxRatesCSV)
	linkFixture(t, datevFixture(t), dir, "EXTF_Buchungsstapel.csv")
	return dir
}

func newConnector(t *testing.T, dir string, imports ...files.Import) *files.Connector {
	t.Helper()
	c, err := files.New(files.Config{Dir: dir, Imports: imports})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConformance(t *testing.T) {
	extracttest.Run(t, func(t *testing.T) extract.Connector {
		return newConnector(t, importsDir(t))
	}, extracttest.Options{
		WantRows: map[string]int{
			"dunning_notices": 3, "milestones": 2, "rate_cards": 3, "change_requests": 2,
			"time_entries": 2, "fx_rates": 3, "datev_postings": 2,
		},
		WithAllocator: func(t *testing.T, mem memory.Allocator) extract.Connector {
			c, err := files.New(files.Config{Dir: importsDir(t), Allocator: mem})
			if err != nil {
				t.Fatal(err)
			}
			return c
		},
		Values: []extracttest.Value{
			// The real DATEV payload, read in place.
			{Stream: "datev_postings", ID: "EXTF_Buchungsstapel.csv:2", Columns: map[string]string{
				"amount": "5950.0000", "debit_credit": "S", "account": "10000", "contra_account": "8400",
				"document_date": "2018-02-22", "document_number": "RE201802-135", "posting_text": "Honorar FiBu-Seminar"}},
			{Stream: "dunning_notices", ID: "D-3", Columns: map[string]string{
				"invoice_number": "INV-2026-0007", "level": "3", "notice_date": "2026-03-10", "fee": "12.3456", "currency": "CHF"}},
			{Stream: "rate_cards", ID: "R-3", Columns: map[string]string{"task": "NULL", "hourly_rate": "-0.0001", "valid_to": "NULL"}},
		},
	})
}

// Every batch's Arrow memory is released, whatever happens to the files:
// loaded, refused, or stopped by the receiver.
func TestArrowMemoryIsReleased(t *testing.T) {
	dir := importsDir(t)
	writeFile(t, dir, "rates_bad.csv", "date,currency,rate\n2026-03-31,USD,x\n")
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	c, err := files.New(files.Config{Dir: dir, Allocator: mem, Imports: []files.Import{
		{File: "fx_rates.csv", Stream: "fx_rates"}, {File: "rates_bad.csv", Stream: "fx_rates"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range c.Streams() {
		// The receiver keeps nothing: records are the connector's to free.
		_ = c.Extract(context.Background(), s.Name, "", func(context.Context, extract.Batch) error { return nil })
	}
	stop := errors.New("stop")
	if err := c.Extract(context.Background(), "fx_rates", "", func(context.Context, extract.Batch) error { return stop }); err != stop {
		t.Fatalf("emit error came back as %v", err)
	}
	mem.AssertSize(t, 0)
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

// rejects lists every quarantine entry of the batches as
// "record|rule|field|message".
func (e emitted) rejects() []string {
	var out []string
	for _, b := range e.batches {
		for _, r := range b.Rejects {
			out = append(out, r.RecordID+"|"+r.Rule+"|"+r.Field+"|"+r.Message)
		}
	}
	return out
}

// lastCursor is the cursor of the last batch ("" if none).
func (e emitted) lastCursor() string {
	if len(e.batches) == 0 {
		return ""
	}
	return e.batches[len(e.batches)-1].Cursor
}

// column returns the named column of every batch as text, one value per row
// ("NULL" for nulls), for exact comparison.
func column(t *testing.T, e emitted, name string) []string {
	t.Helper()
	var out []string
	for _, b := range e.batches {
		if b.Record == nil {
			continue
		}
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

// columns checks several columns of what was emitted.
func columns(t *testing.T, what string, e emitted, want map[string][]string) {
	t.Helper()
	for name, w := range want {
		equal(t, what+"."+name, column(t, e, name), w)
	}
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
	if len(got.batches) != 1 || got.batches[0].Pages != 1 || got.batches[0].Cursor != cursor(t, "dunning_notices.csv", content) {
		t.Fatalf("batches = %+v, want one with Pages 1 and the file's hash in the cursor", got.batches)
	}
	columns(t, "dunning_notices", got, map[string][]string{
		"id":             {"D-1", "D-2"},
		"row":            {"1", "4"},
		"fee":            {"5.0000", "0.5000"},
		"currency":       {"EUR", "CHF"},
		"invoice_number": {"INV;1", "INV-2"},
		"level":          {"1", "2"},
		"notice_date":    {"2026-03-01", "2026-03-02"},
		"file":           {"dunning_notices.csv", "dunning_notices.csv"},
		"file_sha256":    {sha(content), sha(content)},
		"updated_at":     {"2026-04-01T08:30:15Z", "2026-04-01T08:30:15Z"},
		"_raw": {
			`{"Currency":"EUR","FEE":" 5.00 ","ID":"D-1","Level":"1","notice_date":"2026-03-01","Invoice_Number":"INV;1","Bemerkung":"Kunde sagt \"bezahlt\""}`,
			`{"Currency":"CHF","FEE":"0.5","ID":"D-2","Level":"2","notice_date":"2026-03-02","Invoice_Number":"INV-2","Bemerkung":""}`,
		},
	})
}

// The default contracts of the new streams: time entries and FX rates
// with the stream's own column names.
func TestTimeEntriesAndFXRatesByDefault(t *testing.T) {
	c := newConnector(t, importsDir(t))
	te, err := extractAll(t, c, "time_entries", "")
	if err != nil {
		t.Fatal(err)
	}
	columns(t, "time_entries", te, map[string][]string{
		"id":           {"T-1", "T-2"},
		"date":         {"2026-03-02", "2026-03-03"},
		"person":       {"Anna Schmidt", "Ben Ode"},
		"project_code": {"TM-001", "TM-002"},
		"task":         {"Development", "NULL"},
		"hours":        {"7.5000", "0.2500"},
		"billable":     {"true", "false"},
		"notes":        {"Schnittstelle", "NULL"},
		"rate":         {"120.0000", "NULL"},
		"currency":     {"EUR", "NULL"},
	})
	fx, err := extractAll(t, c, "fx_rates", "")
	if err != nil {
		t.Fatal(err)
	}
	columns(t, "fx_rates", fx, map[string][]string{
		"id":            {"2026-03-31/EUR/USD", "2026-03-31/EUR/CHF", "2026-03-31/GBP"},
		"date":          {"2026-03-31", "2026-03-31", "2026-03-31"},
		"base_currency": {"EUR", "EUR", "NULL"},
		"currency":      {"USD", "CHF", "GBP"},
		"rate":          {"1.082300", "0.952345", "0.834500"},
	})
}

func TestBadFilesAreRefusedWithTheLineColumnAndValue(t *testing.T) {
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
		{
			// UTF-8 (it has a UTF-8 "ü") with one byte that is not: the
			// bad cell is refused rather than every umlaut garbled.
			"broken UTF-8", "change_requests.csv",
			"id,project_code,title,status,approved_on,extra_hours,extra_amount,currency\nCR-1,TM-1,Prüfung,approved,,,,\nCR-2,TM-1,Zus\xe4tzlich,approved,,,,\n",
			`files: change_requests.csv line 3: column title: "Zus\xe4tzlich" is not UTF-8 text; want the file saved as CSV UTF-8`},
		{"UTF-16", "dunning_notices.csv", "\xff\xfei\x00d\x00\n\x00",
			`files: dunning_notices.csv is UTF-16 text (Excel's "Unicode text"); want it saved as CSV UTF-8`},
		{"unknown currency", "dunning_notices.csv",
			dunningHeader + "D-1,INV-1,1,2026-03-01,5,EUR\nD-2,INV-1,1,2026-03-01,5,EUX\n",
			`files: dunning_notices.csv line 3: column currency: "EUX" is not an ISO 4217 currency code; want a currency such as EUR, USD, GBP or CHF`},
		{"two bad rows", "dunning_notices.csv",
			dunningHeader + "D-1,INV-1,1,2026-03-01,5;00,EUR\nD-2,INV-1,1,2026-03-01,5,EUR\nD-3,INV-1,1,2026-31-01,5,EUR\n",
			`files: dunning_notices.csv line 2: column fee: "5;00" is not a decimal number; want digits with '.' as the decimal point and no thousands separators, e.g. 1234.50; and 1 more bad rows (takt rejects lists them)`},
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
			// One batch: no rows and no cursor, only the quarantine
			// entries, the file's own last.
			if len(got.batches) != 1 || got.batches[0].Record != nil || got.batches[0].Cursor != "" || got.batches[0].Pages != 1 {
				t.Fatalf("a refused file emitted %+v", got.batches)
			}
			rejects := got.batches[0].Rejects
			last := rejects[len(rejects)-1]
			if last.Rule != "file_refused" || last.RecordID != tc.file ||
				last.Message != tc.want+"; the file's previous version, if any, stays current until it is fixed" {
				t.Fatalf("the file's quarantine entry is %+v", last)
			}
		})
	}
}

// Every bad row of a refused file is in the quarantine, with its id,
// rule, column, message and the row as the file has it.
func TestRefusedFileListsEveryBadRow(t *testing.T) {
	dir := t.TempDir()
	content := "id;date;person;project_code;task;hours;billable;notes;rate;currency\n" +
		"T-1;2026-03-02;Anna;TM-1;;-1.5;;;;\n" +
		"T-2;2026-03-02;Anna;TM-1;;2;vielleicht;;;\n" +
		"T-3;2026-03-02;Anna;TM-1;;2;;;;\n" +
		"T-4;2026-03-02;Anna;TM-1;;2;;;120;\n" +
		"T-5;2026-03-02;Anna;TM-1;;2\n"
	writeFile(t, dir, "time_entries.csv", content)
	got, err := extractAll(t, newConnector(t, dir), "time_entries", "")
	want := `files: time_entries.csv line 2: column hours: "-1.5" is negative; want hours of 0 or more; and 3 more bad rows (takt rejects lists them)`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	const fix = "; fix the row in the file: the next run loads the file once no row is bad"
	equal(t, "rejects", got.rejects(), []string{
		`T-1|negative_hours|hours|files: time_entries.csv line 2: column hours: "-1.5" is negative; want hours of 0 or more` + fix,
		`T-2|unparsable_value|billable|files: time_entries.csv line 3: column billable: "vielleicht" is not a yes/no value; want true or false (also yes/no, ja/nein, 1/0)` + fix,
		`T-4|missing_value|currency|files: time_entries.csv line 5: column currency: empty while rate has a value; want the currency of rate, e.g. EUR` + fix,
		`|wrong_cell_count||files: time_entries.csv line 6: 6 cells; want 10, one per header column (a value containing the separator ';' must be in double quotes)` + fix,
		`time_entries.csv|file_refused||` + want + "; the file's previous version, if any, stays current until it is fixed",
	})
	var payloads []string
	for _, r := range got.batches[0].Rejects {
		payloads = append(payloads, r.Payload)
	}
	equal(t, "payloads", payloads, []string{
		`{"id":"T-1","date":"2026-03-02","person":"Anna","project_code":"TM-1","task":"","hours":"-1.5","billable":"","notes":"","rate":"","currency":""}`,
		`{"id":"T-2","date":"2026-03-02","person":"Anna","project_code":"TM-1","task":"","hours":"2","billable":"vielleicht","notes":"","rate":"","currency":""}`,
		`{"id":"T-4","date":"2026-03-02","person":"Anna","project_code":"TM-1","task":"","hours":"2","billable":"","notes":"","rate":"120","currency":""}`,
		`{"id":"T-5","date":"2026-03-02","person":"Anna","project_code":"TM-1","task":"","hours":"2"}`,
		`{"bad_rows":4,"file":"time_entries.csv","file_sha256":"` + sha(content) + `","rows":5,"stream":"time_entries"}`,
	})
}

func TestUnchangedFileEmitsNothingAndChangedFileIsANewVersion(t *testing.T) {
	dir := importsDir(t)
	c := newConnector(t, dir)
	first, err := extractAll(t, c, "rate_cards", "")
	if err != nil {
		t.Fatal(err)
	}
	if first.rows != 3 || first.lastCursor() != cursor(t, "rate_cards.csv", rateCardsCSV) {
		t.Fatalf("first read: %d rows, cursor %q", first.rows, first.lastCursor())
	}
	again, err := extractAll(t, c, "rate_cards", first.lastCursor())
	if err != nil || len(again.batches) != 0 {
		t.Fatalf("unchanged file with its cursor: %d batches, err %v; want none", len(again.batches), err)
	}

	changed := rateCardsCSV + "R-4,TM-003,Beratung,150.00,EUR,2026-05-01,\n"
	writeFile(t, dir, "rate_cards.csv", changed)
	next, err := extractAll(t, c, "rate_cards", first.lastCursor())
	if err != nil {
		t.Fatal(err)
	}
	if len(next.batches) != 1 || next.lastCursor() != cursor(t, "rate_cards.csv", changed) {
		t.Fatalf("changed file: %d batches, cursor %q; want one batch with the new version's cursor", len(next.batches), next.lastCursor())
	}
	equal(t, "ids", column(t, next, "id"), []string{"R-1", "R-2", "R-3", "R-4"})
	equal(t, "file_sha256", column(t, next, "file_sha256"), []string{sha(changed), sha(changed), sha(changed), sha(changed)})
}

// A warehouse loaded before streams read several files has the SHA-256
// alone as cursor: an unchanged file stays unread, and the cursor moves to
// the list form without loading anything.
func TestCursorOfOneFileIsStillUnderstood(t *testing.T) {
	dir := importsDir(t)
	got, err := extractAll(t, newConnector(t, dir), "rate_cards", sha(rateCardsCSV))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.batches) != 1 || got.batches[0].Record != nil || got.batches[0].Pages != 0 ||
		got.lastCursor() != cursor(t, "rate_cards.csv", rateCardsCSV) {
		t.Fatalf("got %+v; want one batch with only the cursor in list form", got.batches)
	}
	_, err = extractAll(t, newConnector(t, dir), "rate_cards", "not a cursor")
	want := `files: rate_cards: the stored cursor is not a list of loaded files (invalid character 'o' in literal null (expecting 'u')); run a full refresh of the stream`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

func TestHeaderOnlyFileIsAnEmptyVersion(t *testing.T) {
	dir := t.TempDir()
	content := "id,invoice_number,level,notice_date,fee,currency\r\n"
	writeFile(t, dir, "dunning_notices.csv", content)
	got, err := extractAll(t, newConnector(t, dir), "dunning_notices", cursor(t, "dunning_notices.csv", "an older version"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.batches) != 1 || got.rows != 0 || got.batches[0].Record == nil || got.lastCursor() != cursor(t, "dunning_notices.csv", content) || got.batches[0].Pages != 1 {
		t.Fatalf("got %d batches, %d rows; want one empty batch carrying the cursor", len(got.batches), got.rows)
	}
}

func TestMissingFileEmitsNothing(t *testing.T) {
	got, err := extractAll(t, newConnector(t, t.TempDir()), "milestones", "")
	if err != nil || len(got.batches) != 0 {
		t.Fatalf("missing file: %d batches, err %v; want none and no error", len(got.batches), err)
	}
}

// A file is one batch, however large, so that a version is committed
// whole or not at all.
func TestLargeFileIsOneBatch(t *testing.T) {
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
	if len(got.batches) != 1 || got.rows != 25_000 || got.batches[0].Pages != 1 || got.lastCursor() != cursor(t, "rate_cards.csv", b.String()) {
		t.Fatalf("got %d batches, %d rows", len(got.batches), got.rows)
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

// A file that leaves the folder keeps its version in the cursor; a full
// refresh (no cursor) lists what the folder holds now.
func TestMovedAwayFilesStayUntilAFullRefresh(t *testing.T) {
	dir := t.TempDir()
	a := "date,currency,rate\n2026-03-31,USD,1.08\n"
	b := "date,currency,rate\n2026-04-30,USD,1.09\n"
	writeFile(t, dir, "rates_a.csv", a)
	writeFile(t, dir, "rates_b.csv", b)
	c := newConnector(t, dir, files.Import{File: "rates_*.csv", Stream: "fx_rates"})
	first, err := extractAll(t, c, "fx_rates", "")
	if err != nil || first.lastCursor() != cursor(t, "rates_a.csv", a, "rates_b.csv", b) || len(first.batches) != 2 {
		t.Fatalf("first: %d batches, cursor %s, err %v", len(first.batches), first.lastCursor(), err)
	}
	if err := os.Remove(filepath.Join(dir, "rates_a.csv")); err != nil {
		t.Fatal(err)
	}
	again, err := extractAll(t, c, "fx_rates", first.lastCursor())
	if err != nil || len(again.batches) != 0 {
		t.Fatalf("after moving a file away: %d batches, err %v; want none", len(again.batches), err)
	}
	full, err := extractAll(t, c, "fx_rates", "")
	if err != nil || full.lastCursor() != cursor(t, "rates_b.csv", b) {
		t.Fatalf("full refresh: cursor %s, err %v", full.lastCursor(), err)
	}
	if err := os.Remove(filepath.Join(dir, "rates_b.csv")); err != nil {
		t.Fatal(err)
	}
	empty, err := extractAll(t, c, "fx_rates", "")
	if err != nil || len(empty.batches) != 0 {
		t.Fatalf("full refresh of an empty folder: %d batches, err %v; want none", len(empty.batches), err)
	}
}
