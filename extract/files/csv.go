package files

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// utf8BOM is the byte order mark Excel writes in front of "CSV UTF-8" files.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// table is a CSV file split into its header and data rows.
type table struct {
	// header holds the column names as written, without surrounding spaces.
	header []string
	rows   []tableRow
}

// tableRow is one data row with the line a spreadsheet shows it on (the
// header is line 1), so that errors point where the controller looks.
type tableRow struct {
	line  int
	cells []string
}

// readTable parses a file's bytes. file is the base name used in errors.
func readTable(file string, data []byte) (*table, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = detectSeparator(data)
	// Cell counts are checked below with a message naming the line.
	r.FieldsPerRecord = -1

	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("files: %s is empty; want a header line naming the columns", file)
	}
	if err != nil {
		return nil, parseError(file, 1, err)
	}
	t := &table{header: make([]string, len(header))}
	for i, h := range header {
		if !utf8.ValidString(h) {
			return nil, fmt.Errorf("files: %s line 1: header %q is not UTF-8 text; want the file saved as CSV UTF-8", file, h)
		}
		t.header[i] = strings.TrimSpace(h)
	}

	// encoding/csv skips empty lines and a quoted cell may span lines, so
	// the spreadsheet line is worked out from where each record starts and
	// where the one before it ended.
	sheetLine, endLine := 1, recordEndLine(r, header)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, parseError(file, sheetLine+pe.StartLine-endLine, err)
			}
			return nil, fmt.Errorf("files: %s: %w", file, err)
		}
		start, _ := r.FieldPos(0)
		sheetLine += start - endLine
		endLine = recordEndLine(r, rec)
		if blank(rec) {
			continue
		}
		if len(rec) != len(header) {
			return nil, fmt.Errorf("files: %s line %d: %d cells; want %d, one per header column (a value containing the separator %q must be in double quotes)",
				file, sheetLine, len(rec), len(header), r.Comma)
		}
		t.rows = append(t.rows, tableRow{line: sheetLine, cells: rec})
	}
}

// recordEndLine is the file line on which the record just read ends.
func recordEndLine(r *csv.Reader, rec []string) int {
	last := len(rec) - 1
	line, _ := r.FieldPos(last)
	return line + strings.Count(rec[last], "\n")
}

// blank reports whether every cell of a record is empty or spaces, as in
// the trailing ";;;;" lines spreadsheets write for formatted empty rows.
func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func parseError(file string, line int, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("files: %s line %d: %v; want a quoted value to be quoted as a whole, with any double quote inside it doubled (\"\")", file, line, err)
}

// detectSeparator picks ';' or ',' by which of them the header line uses
// more often outside double quotes; German Excel writes ';', most other
// exports ','.
func detectSeparator(data []byte) rune {
	commas, semicolons := 0, 0
	quoted := false
	for _, c := range data {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n':
			if semicolons > commas {
				return ';'
			}
			return ','
		case c == ',':
			commas++
		case c == ';':
			semicolons++
		}
	}
	if semicolons > commas {
		return ';'
	}
	return ','
}
