package files

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// table is a file split into named columns and data rows, whatever its
// format.
type table struct {
	// file is the file's name, sheet the xlsx worksheet read.
	file, sheet string
	// unit is what a row's place is counted in for messages: "line" (csv
	// and DATEV, as a spreadsheet shows them), "row" (xlsx) or "record"
	// (json).
	unit string
	// header holds the column names as the file writes them, headerAt
	// where the header is (in unit).
	header   []string
	headerAt int
	rows     []tableRow
	// constants are the values of fromHeader columns (DATEV's header).
	constants map[string]any
	// period is a DATEV batch's date range, which gives Belegdatum its
	// year.
	period *period
	// date1904 is set for xlsx workbooks that count dates from 1904.
	date1904 bool
	// keyless lists the columns (json keys) that no record has.
	keyless map[string]bool
}

// period is a date range, both ends included.
type period struct{ from, to time.Time }

// tableRow is one data row.
type tableRow struct {
	// at is the row's place in the file in table.unit: the line a
	// spreadsheet shows (the header is line 1), the sheet's row number or
	// the record's position in the json array.
	at int
	// row is the 1-based data row number stored in the row column.
	row   int
	cells []cell
	// raw is the row as a JSON object (the _raw column).
	raw string
	// broken, if set, says why the row could not be split into its
	// columns (cells is then nil).
	broken *problem
}

// cellType says how a value was stored.
type cellType int

const (
	// cellText is text, to be read with the import's decimal and date
	// formats.
	cellText cellType = iota
	// cellNumber is a number stored as a number (xlsx, json): text is its
	// value with '.' as the decimal point.
	cellNumber
	// cellBool is a true/false value stored as such; text is "true" or
	// "false".
	cellBool
	// cellDate is a date stored as a date (an xlsx cell of type date);
	// text is YYYY-MM-DD.
	cellDate
	// cellNested is a json object or array where a single value belongs;
	// text is the JSON.
	cellNested
)

type cell struct {
	text string
	typ  cellType
}

// where names a row's place for messages: "zeiten.csv line 5",
// "zeiten.xlsx sheet Zeiten row 5", "zeiten.json record 3".
func (t *table) where(at int) string {
	if t.sheet != "" {
		return fmt.Sprintf("%s sheet %s %s %d", t.file, t.sheet, t.unit, at)
	}
	return fmt.Sprintf("%s %s %d", t.file, t.unit, at)
}

// rawJSON is a row as a JSON object of its cells, header -> cell text, in
// file order. Cells without a header are keyed by their position
// ("column 8").
func rawJSON(header, cells []string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	put := func(s string) {
		// Encoding a string cannot fail; the encoder's newline is trimmed.
		_ = enc.Encode(s)
		buf.Truncate(buf.Len() - 1)
	}
	buf.WriteByte('{')
	for i, c := range cells {
		if i > 0 {
			buf.WriteByte(',')
		}
		if i < len(header) {
			put(header[i])
		} else {
			put(fmt.Sprintf("column %d", i+1))
		}
		buf.WriteByte(':')
		put(c)
	}
	buf.WriteByte('}')
	return buf.String()
}
