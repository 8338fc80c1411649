package files

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/takt-billing/takt/extract"
)

// maxListedRows is the most bad rows of a refused file that go to the
// quarantine. A refused file is read again on every run until it is
// fixed, and a wrong setting (say, the decimal separator) makes every row
// bad: the first rows show what is wrong without flooding the quarantine.
const maxListedRows = 100

// fileVersion is what every row of one read of a file shares.
type fileVersion struct {
	name    string
	sha256  string
	modTime time.Time
}

// outcome is a file version read against its import.
type outcome struct {
	// rec holds the rows to load; nil when the file is refused.
	rec arrow.RecordBatch
	// rejects go to the quarantine: bad rows, and for a refused file the
	// file itself (rule file_refused).
	rejects []extract.Reject
	// rows is the number of data rows, bad the number with a problem.
	rows, bad int
	// refused says why the file was refused as a whole; nil when loaded.
	refused error
}

// binding is where each column of a stream is found in a table.
type binding struct {
	// id is the position of the id column, or -1 when the key is derived.
	id int
	// cols holds the position of each spec column, or -1 when the column
	// is absent (null on every row) or comes from the DATEV header.
	cols []int
}

// bind finds the stream's columns in the table. strict (the default
// contract of a stream) requires every column in the header; otherwise
// optional columns the import does not map explicitly may be absent.
func bind(spec *streamSpec, imp *Import, t *table, strict bool) (binding, error) {
	b := binding{id: -1, cols: make([]int, len(spec.columns))}
	if imp.Format == FormatDATEV {
		for i, c := range spec.columns {
			b.cols[i] = -1
			if p, ok := datevPositions[c.name]; ok {
				b.cols[i] = p
			}
		}
		return b, nil
	}
	pos := map[string]int{}
	for i, h := range t.header {
		if h == "" && imp.Format != FormatJSON {
			return b, fmt.Errorf("files: %s: column %d of the header has no name; want a name for every column, or delete the column", t.where(t.headerAt), i+1)
		}
		key := strings.ToLower(h)
		if j, dup := pos[key]; dup && imp.Format != FormatJSON {
			return b, fmt.Errorf("files: %s: the header names column %s twice (columns %d and %d); want each column once", t.where(t.headerAt), key, j+1, i+1)
		}
		pos[key] = i
	}
	type want struct {
		stream string
		at     *int
		needed bool
	}
	var wants []want
	if spec.key == nil {
		wants = append(wants, want{extract.ColID, &b.id, true})
	}
	for i, c := range spec.columns {
		b.cols[i] = -1
		if c.kind == fromHeader {
			continue
		}
		_, mapped := imp.Columns[c.name]
		wants = append(wants, want{c.name, &b.cols[i], strict || !c.optional || mapped})
	}
	var missing, names []string
	for _, w := range wants {
		name := fileColumn(imp, w.stream)
		names = append(names, name)
		i, ok := pos[strings.ToLower(name)]
		if ok && t.keyless[strings.ToLower(name)] {
			ok = false
		}
		if !ok {
			if w.needed {
				missing = append(missing, columnName(name, w.stream))
			}
			continue
		}
		*w.at = i
	}
	if len(missing) == 0 {
		return b, nil
	}
	noun := "column"
	if len(missing) > 1 {
		noun = "columns"
	}
	if imp.Format == FormatJSON {
		return b, fmt.Errorf("files: %s: no record has the %s %s; want every record to have the keys %s",
			t.file, strings.Replace(noun, "column", "key", 1), strings.Join(missing, ", "), strings.Join(names, ", "))
	}
	where := t.file
	if t.sheet != "" {
		where += " sheet " + t.sheet
	}
	return b, fmt.Errorf("files: %s: the header has no %s %s; want the columns %s, in any order",
		where, noun, strings.Join(missing, ", "), strings.Join(names, ", "))
}

// columnName names a file column in messages, with the stream column it
// fills when the two differ: "Stunden (hours)".
func columnName(file, stream string) string {
	if strings.EqualFold(file, stream) {
		return file
	}
	return file + " (" + stream + ")"
}

// rowResult is one row read against its stream.
type rowResult struct {
	values []any
	key    string
	// bad is set when the row has a problem; column names the file column
	// it is in for messages ("Stunden (hours)"), field as the file writes
	// it ("Stunden"); both are "" for the row as a whole.
	bad           *problem
	column, field string
}

// build reads every row of a table and decides the file's fate: its good
// rows as one record batch, or the whole file refused. mem may be nil.
func build(spec *streamSpec, imp *Import, t *table, v fileVersion, strict bool, mem memory.Allocator) (out outcome) {
	out.rows = len(t.rows)
	b, err := bind(spec, imp, t, strict)
	if err != nil {
		return refuse(spec, v, out, err)
	}
	r := newCellReader(imp, t)
	results := make([]rowResult, len(t.rows))
	for i := range t.rows {
		results[i] = readRow(spec, imp, t, b, r, &t.rows[i], v.name)
	}
	markDuplicates(spec, t, b, results, imp.BadRows == BadRowsQuarantine)

	advice := "; fix the row in the file: the next run loads the file once no row is bad"
	if imp.BadRows == BadRowsQuarantine {
		advice = "; fix the row in the file: the next run loads the file's new version with it"
	}
	var rejects []extract.Reject
	var first string
	for i, res := range results {
		if res.bad == nil {
			continue
		}
		out.bad++
		msg := rowMessage(t, t.rows[i].at, res.column, res.bad)
		if first == "" {
			first = msg
		}
		rejects = append(rejects, extract.Reject{
			RecordID: res.key, Rule: res.bad.rule, Field: res.field, Message: msg + advice, Payload: t.rows[i].raw,
		})
	}
	good := out.rows - out.bad
	if out.bad > 0 && (imp.BadRows != BadRowsQuarantine || good == 0) {
		msg := first
		switch {
		case imp.BadRows == BadRowsQuarantine:
			msg += fmt.Sprintf("; none of the file's %d rows is good (is the import's column mapping, decimal or date format right?), so nothing of it was loaded", out.rows)
		case out.bad > 1:
			msg += fmt.Sprintf("; and %d more bad rows (takt rejects lists them)", out.bad-1)
		}
		if len(rejects) > maxListedRows {
			rejects = rejects[:maxListedRows]
		}
		out = refuse(spec, v, out, errors.New(msg))
		out.rejects = append(rejects, out.rejects...)
		return out
	}

	rb := extract.NewRecordBuilder(mem, spec.stream.Schema)
	defer rb.Release()
	for i, res := range results {
		if res.bad != nil {
			continue
		}
		row := append([]any{res.key, v.modTime, v.name, v.sha256, int64(t.rows[i].row)}, res.values...)
		row = append(row, t.rows[i].raw)
		if err := rb.Append(row...); err != nil {
			// readRow has checked every value against its column, so this
			// is a defect of the stream's declaration, not of the file.
			panic(fmt.Sprintf("files: %s: %s: %v", spec.stream.Name, t.where(t.rows[i].at), err))
		}
	}
	out.rec = rb.NewRecord()
	out.rejects = rejects
	return out
}

// refuse records why a file is refused, as the file's own quarantine
// entry.
func refuse(spec *streamSpec, v fileVersion, out outcome, err error) outcome {
	payload, _ := json.Marshal(map[string]any{
		"file": v.name, "file_sha256": v.sha256, "stream": spec.stream.Name, "rows": out.rows, "bad_rows": out.bad,
	})
	out.refused = err
	out.rejects = []extract.Reject{{
		RecordID: v.name, Rule: ruleFileRefused,
		Message: err.Error() + "; the file's previous version, if any, stays current until it is fixed",
		Payload: string(payload),
	}}
	return out
}

func readRow(spec *streamSpec, imp *Import, t *table, b binding, r *cellReader, row *tableRow, file string) (res rowResult) {
	if row.broken != nil {
		res.bad = row.broken
		return res
	}
	for i, c := range row.cells {
		if !utf8.ValidString(c.text) {
			res.column, res.field = t.header[i], t.header[i]
			res.bad = &problem{rule: ruleBadEncoding, msg: fmt.Sprintf("%q is not UTF-8 text", c.text), want: "the file saved as CSV UTF-8"}
			return res
		}
	}
	if b.id >= 0 {
		res.key = strings.TrimSpace(row.cells[b.id].text)
		if res.key == "" {
			res.column, res.field = columnName(t.header[b.id], extract.ColID), t.header[b.id]
			res.bad = &problem{rule: extract.RuleMissingID, msg: "empty", want: "the row's id, unique in the file"}
			return res
		}
	}
	res.values = make([]any, len(spec.columns))
	for i, c := range spec.columns {
		if c.kind == fromHeader {
			res.values[i] = t.constants[c.name]
			continue
		}
		p := b.cols[i]
		if p < 0 {
			continue
		}
		val, bad := r.parse(c, spec.types[i], row.cells[p])
		if bad == nil && val == nil && c.requiredWith != "" {
			if w := b.cols[spec.indexOf(c.requiredWith)]; w >= 0 && strings.TrimSpace(row.cells[w].text) != "" {
				bad = &problem{rule: ruleMissingValue, msg: "empty while " + c.requiredWith + " has a value", want: "the currency of " + c.requiredWith + ", e.g. EUR"}
			}
		}
		if bad != nil {
			res.column, res.field = columnName(t.header[p], c.name), t.header[p]
			if imp.Format == FormatDATEV {
				res.column = t.header[p]
			}
			res.bad = bad
			return res
		}
		res.values[i] = val
	}
	if spec.key != nil {
		res.key = spec.key(file, row.row, res.values)
	}
	return res
}

// markDuplicates flags rows whose key another row has too. all flags
// every such row (quarantine: which one is right is not known); otherwise
// only the later ones (the file is refused anyway, and the message points
// at the first).
func markDuplicates(spec *streamSpec, t *table, b binding, results []rowResult, all bool) {
	lines := map[string][]int{}
	for i, res := range results {
		if res.bad == nil {
			lines[res.key] = append(lines[res.key], i)
		}
	}
	for _, rows := range lines {
		if len(rows) < 2 {
			continue
		}
		for n, i := range rows {
			other := rows[0]
			if n == 0 {
				if !all {
					continue
				}
				other = rows[1]
			}
			res := &results[i]
			if spec.key != nil {
				res.bad = &problem{rule: ruleDuplicateID, msg: fmt.Sprintf("%s is on %s %d too", res.key, t.unit, t.rows[other].at), want: spec.keyWant}
				continue
			}
			res.column, res.field = columnName(t.header[b.id], extract.ColID), t.header[b.id]
			res.bad = &problem{rule: ruleDuplicateID, msg: fmt.Sprintf("%q is the id of %s %d too", res.key, t.unit, t.rows[other].at), want: "an id unique in the file"}
		}
	}
}

// rowMessage is the message of a bad row: where, which column, what is
// wrong and what is expected.
func rowMessage(t *table, at int, column string, p *problem) string {
	if column == "" {
		return fmt.Sprintf("files: %s: %s; want %s", t.where(at), p.msg, p.want)
	}
	return fmt.Sprintf("files: %s: column %s: %s; want %s", t.where(at), column, p.msg, p.want)
}
