package files

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/internal/money"
)

// batchRows is the most rows one batch carries.
const batchRows = 10_000

// kind says how a cell is read.
type kind int

const (
	text kind = iota
	date
	amount
	currency
	level
)

// column is one column of a file's contract besides id.
type column struct {
	name string
	kind kind
	// optional cells may be empty (null).
	optional bool
	// requiredWith, if set, makes an optional cell required when the named
	// column has a value (a currency when there is an amount).
	requiredWith string
}

// fileSpec ties a stream to its file and the file's columns. columns are in
// the stream schema's order, following id, updated_at, file, file_sha256
// and row.
type fileSpec struct {
	stream  extract.Stream
	file    string
	columns []column
	// types are the Arrow types of columns, from the stream schema.
	types []arrow.DataType
}

// fixedCols is the number of schema columns in front of the mapped ones.
const fixedCols = 5

func mustSpec(stream extract.Stream, columns ...column) *fileSpec {
	fields := stream.Schema.Fields()
	want := []string{extract.ColID, extract.ColUpdatedAt, "file", "file_sha256", "row"}
	if len(fields) != fixedCols+len(columns)+1 {
		panic(fmt.Sprintf("files: %s: %d columns declared for a schema of %d", stream.Name, len(columns), len(fields)))
	}
	s := &fileSpec{stream: stream, file: stream.Name + ".csv", columns: columns}
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

// specs are the files the connector reads, by stream name.
var specs = map[string]*fileSpec{
	DunningNotices.Name: mustSpec(DunningNotices,
		column{name: "invoice_number", kind: text},
		column{name: "level", kind: level},
		column{name: "notice_date", kind: date},
		column{name: "fee", kind: amount},
		column{name: "currency", kind: currency},
	),
	Milestones.Name: mustSpec(Milestones,
		column{name: "project_code", kind: text},
		column{name: "name", kind: text},
		column{name: "amount", kind: amount},
		column{name: "currency", kind: currency},
		column{name: "due_on", kind: date, optional: true},
		column{name: "reached_on", kind: date, optional: true},
		column{name: "accepted_on", kind: date, optional: true},
		column{name: "invoice_number", kind: text, optional: true},
	),
	RateCards.Name: mustSpec(RateCards,
		column{name: "project_code", kind: text},
		column{name: "task", kind: text, optional: true},
		column{name: "hourly_rate", kind: amount},
		column{name: "currency", kind: currency},
		column{name: "valid_from", kind: date},
		column{name: "valid_to", kind: date, optional: true},
	),
	ChangeRequests.Name: mustSpec(ChangeRequests,
		column{name: "project_code", kind: text},
		column{name: "title", kind: text},
		column{name: "status", kind: text},
		column{name: "approved_on", kind: date, optional: true},
		column{name: "extra_hours", kind: amount, optional: true},
		column{name: "extra_amount", kind: amount, optional: true},
		column{name: "currency", kind: currency, optional: true, requiredWith: "extra_amount"},
	),
}

// fileVersion is what every row of one read of a file shares.
type fileVersion struct {
	name    string
	sha256  string
	modTime time.Time
}

// records maps a parsed file to record batches of at most batchRows rows.
// The whole file is checked before anything is returned, so a bad cell on
// the last line never leaves a partial version behind. The caller releases
// the records.
func (s *fileSpec) records(t *table, v fileVersion) (recs []arrow.RecordBatch, err error) {
	idx, err := s.columnIndexes(v.name, t.header)
	if err != nil {
		return nil, err
	}
	b := extract.NewRecordBuilder(nil, s.stream.Schema)
	defer b.Release()
	defer func() {
		if err != nil {
			for _, r := range recs {
				r.Release()
			}
			recs = nil
		}
	}()

	firstLine := map[string]int{}
	values := make([]any, fixedCols+len(s.columns)+1)
	for _, row := range t.rows {
		for i, cell := range row.cells {
			if !utf8.ValidString(cell) {
				return recs, cellError(v.name, row.line, t.header[i], fmt.Sprintf("%q is not UTF-8 text", cell), "the file saved as CSV UTF-8")
			}
		}
		id := strings.TrimSpace(row.cells[idx[0]])
		if id == "" {
			return recs, cellError(v.name, row.line, extract.ColID, "empty", "the row's id, unique in the file")
		}
		if first, dup := firstLine[id]; dup {
			return recs, cellError(v.name, row.line, extract.ColID, fmt.Sprintf("%q is the id of line %d too", id, first), "an id unique in the file")
		}
		firstLine[id] = row.line

		values[0], values[1], values[2], values[3], values[4] = id, v.modTime, v.name, v.sha256, int64(row.line-1)
		for i, c := range s.columns {
			cell := strings.TrimSpace(row.cells[idx[i+1]])
			val, problem, want := s.parseCell(c, s.types[i], cell)
			if problem == "" && val == nil && c.requiredWith != "" && strings.TrimSpace(row.cells[idx[s.indexOf(c.requiredWith)+1]]) != "" {
				problem, want = "empty while "+c.requiredWith+" has a value", "the currency of "+c.requiredWith+", e.g. EUR"
			}
			if problem != "" {
				return recs, cellError(v.name, row.line, c.name, problem, want)
			}
			values[fixedCols+i] = val
		}
		values[len(values)-1] = rawJSON(t.header, row.cells)
		if err := b.Append(values...); err != nil {
			// parseCell has checked every value against its column, so
			// this is a defect of the mapping, not of the file.
			return recs, fmt.Errorf("files: %s line %d: %w", v.name, row.line, err)
		}
		if b.Len() == batchRows {
			recs = append(recs, b.NewRecord())
		}
	}
	if b.Len() > 0 || len(recs) == 0 {
		recs = append(recs, b.NewRecord())
	}
	return recs, nil
}

// columnIndexes finds id and every contract column in the header and
// returns their positions, id first. Names match ignoring case and
// surrounding spaces.
func (s *fileSpec) columnIndexes(file string, header []string) ([]int, error) {
	pos := map[string]int{}
	for i, h := range header {
		if h == "" {
			return nil, fmt.Errorf("files: %s line 1: column %d of the header has no name; want a name for every column, or delete the column", file, i+1)
		}
		key := strings.ToLower(h)
		if j, dup := pos[key]; dup {
			return nil, fmt.Errorf("files: %s line 1: the header names column %s twice (columns %d and %d); want each column once", file, key, j+1, i+1)
		}
		pos[key] = i
	}
	names := s.columnNames()
	idx := make([]int, 0, len(names))
	var missing []string
	for _, name := range names {
		i, ok := pos[name]
		if !ok {
			missing = append(missing, name)
		}
		idx = append(idx, i)
	}
	if len(missing) > 0 {
		word := "column"
		if len(missing) > 1 {
			word = "columns"
		}
		return nil, fmt.Errorf("files: %s: the header has no %s %s; want the columns %s, in any order",
			file, word, strings.Join(missing, ", "), strings.Join(names, ", "))
	}
	return idx, nil
}

// columnNames lists the file's contract columns, id first.
func (s *fileSpec) columnNames() []string {
	names := []string{extract.ColID}
	for _, c := range s.columns {
		names = append(names, c.name)
	}
	return names
}

func (s *fileSpec) indexOf(name string) int {
	for i, c := range s.columns {
		if c.name == name {
			return i
		}
	}
	panic("files: " + s.stream.Name + ": no column " + name)
}

var (
	dateRe     = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	decimalRe  = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?$`)
	currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)
)

// wantWhenEmpty says what a required cell of each kind should hold.
var wantWhenEmpty = map[kind]string{
	text:     "a value",
	date:     "a date YYYY-MM-DD, e.g. 2026-03-31",
	amount:   "a decimal number, e.g. 1234.50",
	currency: "a currency code, e.g. EUR",
	level:    "1, 2 or 3",
}

// parseCell reads one trimmed cell. On failure it returns what is wrong with
// the value and what was expected instead.
func (s *fileSpec) parseCell(c column, t arrow.DataType, cell string) (val any, problem, want string) {
	if cell == "" {
		if c.optional {
			return nil, "", ""
		}
		return nil, "empty", wantWhenEmpty[c.kind]
	}
	switch c.kind {
	case text:
		return cell, "", ""
	case date:
		d, err := time.Parse(time.DateOnly, cell)
		if err != nil || !dateRe.MatchString(cell) {
			return nil, fmt.Sprintf("%q is not a date", cell), "YYYY-MM-DD, e.g. 2026-03-31"
		}
		return d, "", ""
	case amount:
		dt := t.(*arrow.Decimal128Type)
		if !decimalRe.MatchString(cell) {
			return nil, fmt.Sprintf("%q is not a decimal number", cell), "digits with '.' as the decimal point and no thousands separators, e.g. 1234.50"
		}
		d, err := money.Parse(cell)
		if err != nil {
			return nil, fmt.Sprintf("%q is not a decimal number", cell), "digits with '.' as the decimal point and no thousands separators, e.g. 1234.50"
		}
		if _, err := money.Scaled(d, dt.Precision, dt.Scale); err != nil {
			if errors.Is(err, money.ErrTooManyDecimals) {
				return nil, fmt.Sprintf("%q has more than %d decimal places", cell, dt.Scale), fmt.Sprintf("at most %d, taken exactly (takt does not round)", dt.Scale)
			}
			return nil, fmt.Sprintf("%q is too large", cell), fmt.Sprintf("at most %d digits before the decimal point", dt.Precision-dt.Scale)
		}
		return d, "", ""
	case currency:
		if !currencyRe.MatchString(cell) {
			return nil, fmt.Sprintf("%q is not a currency code", cell), "3 capital letters, e.g. EUR"
		}
		return cell, "", ""
	case level:
		switch cell {
		case "1", "2", "3":
			return int64(cell[0] - '0'), "", ""
		}
		return nil, fmt.Sprintf("%q is not a dunning level", cell), "1, 2 or 3"
	}
	panic(fmt.Sprintf("files: column %s has no reader", c.name))
}

func cellError(file string, line int, col, problem, want string) error {
	return fmt.Errorf("files: %s line %d: column %s: %s; want %s", file, line, col, problem, want)
}

// rawJSON is the row as a JSON object of all its cells, header -> cell text
// as written, in file order.
func rawJSON(header, cells []string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	buf.WriteByte('{')
	for i, h := range header {
		if i > 0 {
			buf.WriteByte(',')
		}
		// Encoding a string cannot fail; the encoder's newline is trimmed.
		_ = enc.Encode(h)
		buf.Truncate(buf.Len() - 1)
		buf.WriteByte(':')
		_ = enc.Encode(cells[i])
		buf.Truncate(buf.Len() - 1)
	}
	buf.WriteByte('}')
	return buf.String()
}
