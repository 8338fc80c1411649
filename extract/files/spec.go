package files

import (
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/takt-billing/takt/extract"
)

// kind says how a cell is read.
type kind int

const (
	text kind = iota
	// date is a calendar date written in the import's date format, or
	// stored as a date in xlsx.
	date
	// number is a decimal (amount, hours, rate); its scale comes from the
	// column's Arrow type.
	number
	currency
	level
	boolean
	// debitCredit is DATEV's Soll/Haben-Kennzeichen, S or H.
	debitCredit
	// account is a DATEV account number: digits.
	account
	// ddmm is DATEV's Belegdatum, day and month without the year.
	ddmm
	// fromHeader values come from a DATEV file's header line, the same on
	// every row.
	fromHeader
)

// sign restricts a number column.
type sign int

const (
	anySign sign = iota
	notNegative
	positive
)

// column is one column of a stream besides the fixed ones (id,
// updated_at, file, file_sha256, row).
type column struct {
	name string
	kind kind
	// optional cells may be empty (null).
	optional bool
	// requiredWith, if set, makes an optional cell required when the named
	// column has a value (a currency when there is an amount).
	requiredWith string
	sign         sign
	// signRule is the quarantine rule of a value with the wrong sign.
	signRule string
	// what describes the value in messages about its sign ("hours").
	what string
}

// streamSpec is what the connector knows about a stream's files.
type streamSpec struct {
	stream  extract.Stream
	columns []column
	// types are the Arrow types of columns, from the stream schema.
	types []arrow.DataType
	// key derives a row's id from the row's parsed values (in columns
	// order) for streams whose files have no id column; nil means the
	// file's id column is the key.
	key func(file string, row int, values []any) string
	// keyWant says what must be unique when key is set, for messages.
	keyWant string
}

// fixedCols is the number of schema columns in front of the mapped ones.
const fixedCols = 5

func mustSpec(stream extract.Stream, columns ...column) *streamSpec {
	fields := stream.Schema.Fields()
	want := []string{extract.ColID, extract.ColUpdatedAt, "file", "file_sha256", "row"}
	if len(fields) != fixedCols+len(columns)+1 {
		panic(fmt.Sprintf("files: %s: %d columns declared for a schema of %d", stream.Name, len(columns), len(fields)))
	}
	s := &streamSpec{stream: stream, columns: columns}
	for i, c := range columns {
		want = append(want, c.name)
		s.types = append(s.types, fields[fixedCols+i].Type)
	}
	for i, name := range want {
		if fields[i].Name != name {
			panic(fmt.Sprintf("files: %s: column %d is %s in the schema but %s here", stream.Name, i, fields[i].Name, name))
		}
	}
	return s
}

// specs are the streams files can be imported into, by name.
var specs = map[string]*streamSpec{
	DunningNotices.Name: mustSpec(DunningNotices,
		column{name: "invoice_number", kind: text},
		column{name: "level", kind: level},
		column{name: "notice_date", kind: date},
		column{name: "fee", kind: number},
		column{name: "currency", kind: currency},
	),
	Milestones.Name: mustSpec(Milestones,
		column{name: "project_code", kind: text},
		column{name: "name", kind: text},
		column{name: "amount", kind: number},
		column{name: "currency", kind: currency},
		column{name: "due_on", kind: date, optional: true},
		column{name: "reached_on", kind: date, optional: true},
		column{name: "accepted_on", kind: date, optional: true},
		column{name: "invoice_number", kind: text, optional: true},
	),
	RateCards.Name: mustSpec(RateCards,
		column{name: "project_code", kind: text},
		column{name: "task", kind: text, optional: true},
		column{name: "hourly_rate", kind: number},
		column{name: "currency", kind: currency},
		column{name: "valid_from", kind: date},
		column{name: "valid_to", kind: date, optional: true},
	),
	ChangeRequests.Name: mustSpec(ChangeRequests,
		column{name: "project_code", kind: text},
		column{name: "title", kind: text},
		column{name: "status", kind: text},
		column{name: "approved_on", kind: date, optional: true},
		column{name: "extra_hours", kind: number, optional: true},
		column{name: "extra_amount", kind: number, optional: true},
		column{name: "currency", kind: currency, optional: true, requiredWith: "extra_amount"},
	),
	TimeEntries.Name: mustSpec(TimeEntries,
		column{name: "date", kind: date},
		column{name: "person", kind: text},
		column{name: "project_code", kind: text},
		column{name: "task", kind: text, optional: true},
		column{name: "hours", kind: number, sign: notNegative, signRule: extract.RuleNegativeHours, what: "hours"},
		column{name: "billable", kind: boolean, optional: true},
		column{name: "notes", kind: text, optional: true},
		column{name: "rate", kind: number, optional: true, sign: notNegative, signRule: ruleNegativeAmount, what: "a rate"},
		column{name: "currency", kind: currency, optional: true, requiredWith: "rate"},
	),
	FXRates.Name: withKey(mustSpec(FXRates,
		column{name: "date", kind: date},
		column{name: "base_currency", kind: currency, optional: true},
		column{name: "currency", kind: currency},
		column{name: "rate", kind: number, sign: positive, signRule: extract.RuleUnparsableValue, what: "an exchange rate"},
	), fxKey, "each date and currency once"),
	DATEVPostings.Name: withKey(mustSpec(DATEVPostings,
		column{name: "amount", kind: number, sign: notNegative, signRule: ruleNegativeAmount, what: "Umsatz (the sign is in Soll/Haben-Kennzeichen)"},
		column{name: "debit_credit", kind: debitCredit},
		column{name: "currency", kind: currency, optional: true},
		column{name: "fx_rate", kind: number, optional: true, sign: positive, signRule: extract.RuleUnparsableValue, what: "Kurs"},
		column{name: "base_amount", kind: number, optional: true},
		column{name: "base_currency", kind: currency, optional: true},
		column{name: "account", kind: account},
		column{name: "contra_account", kind: account},
		column{name: "tax_key", kind: text, optional: true},
		column{name: "document_date", kind: ddmm},
		column{name: "document_number", kind: text, optional: true},
		column{name: "posting_text", kind: text, optional: true},
		column{name: "format_version", kind: fromHeader},
		column{name: "consultant_number", kind: fromHeader},
		column{name: "client_number", kind: fromHeader},
		column{name: "fiscal_year_start", kind: fromHeader},
		column{name: "account_length", kind: fromHeader},
		column{name: "period_from", kind: fromHeader},
		column{name: "period_to", kind: fromHeader},
		column{name: "batch_name", kind: fromHeader},
		column{name: "batch_created", kind: fromHeader},
	), datevKey, ""),
}

func withKey(s *streamSpec, key func(string, int, []any) string, want string) *streamSpec {
	s.key, s.keyWant = key, want
	return s
}

// fxKey is "<date>/<currency>", or "<date>/<base>/<currency>" when the
// file names the base currency.
func fxKey(_ string, _ int, v []any) string {
	day := v[0].(time.Time).Format(time.DateOnly)
	if base, ok := v[1].(string); ok {
		return day + "/" + base + "/" + v[2].(string)
	}
	return day + "/" + v[2].(string)
}

// datevKey is "<file>:<row>": a posting has no id of its own, and the
// postings of a file are its current version as a whole.
func datevKey(file string, row int, _ []any) string {
	return fmt.Sprintf("%s:%d", file, row)
}

// mappable lists the stream columns an import may map to file columns.
func (s *streamSpec) mappable() []string {
	var names []string
	if s.key == nil {
		names = append(names, extract.ColID)
	}
	for _, c := range s.columns {
		if c.kind != fromHeader {
			names = append(names, c.name)
		}
	}
	return names
}

func (s *streamSpec) indexOf(name string) int {
	for i, c := range s.columns {
		if c.name == name {
			return i
		}
	}
	panic("files: " + s.stream.Name + ": no column " + name)
}

// fileColumn is the file column an import reads a stream column from.
func fileColumn(imp *Import, col string) string {
	if f, ok := imp.Columns[col]; ok {
		return strings.TrimSpace(f)
	}
	return col
}
