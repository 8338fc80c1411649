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

// readCSV splits a csv file (already decoded to UTF-8) into its header and
// rows. sep 0 means detect the separator from the header line.
func readCSV(file string, data []byte, sep rune) (*table, error) {
	r := csv.NewReader(bytes.NewReader(data))
	if sep == 0 {
		sep = detectSeparator(data)
	}
	r.Comma = sep
	// Cell counts are checked below with a message naming the line.
	r.FieldsPerRecord = -1

	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("files: %s is empty; want a header line naming the columns", file)
	}
	if err != nil {
		return nil, parseError(file, 1, err)
	}
	t := &table{file: file, unit: "line", header: make([]string, len(header)), headerAt: 1}
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
		row := tableRow{at: sheetLine, row: sheetLine - 1, raw: rawJSON(t.header, rec)}
		if len(rec) != len(header) {
			row.broken = &problem{
				rule: ruleWrongCellCount,
				msg:  fmt.Sprintf("%d cells", len(rec)),
				want: fmt.Sprintf("%d, one per header column (a value containing the separator %q must be in double quotes)", len(header), r.Comma),
			}
		} else {
			row.cells = make([]cell, len(rec))
			for i, c := range rec {
				row.cells[i] = cell{text: c}
			}
		}
		t.rows = append(t.rows, row)
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

// detectSeparator picks the separator the header line uses most outside
// double quotes among ',', ';', tab and '|'; German Excel writes ';', most
// other exports ','. A tie or none at all means ','.
func detectSeparator(data []byte) rune {
	counts := map[byte]int{}
	quoted := false
loop:
	for _, c := range data {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n':
			break loop
		case c == ',' || c == ';' || c == '\t' || c == '|':
			counts[c]++
		}
	}
	best := byte(',')
	for _, c := range []byte{';', '\t', '|'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return rune(best)
}
