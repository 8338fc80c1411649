package files

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// excelDigits is the number of significant digits Excel keeps and shows
// of a number. Numbers are stored as binary doubles, so a cell showing 0.3
// may hold 0.30000000000000004; takt reads the number Excel shows.
const excelDigits = 15

// headerSearchRows is how far down a sheet the header row is looked for:
// workbooks often have a title and a blank row above the table.
const headerSearchRows = 20

// readXLSX reads a worksheet of a workbook: sheet, or the first one. The
// header is the first row that names every column in want (within the
// first 20 rows; else the first row with any value, and the missing
// columns are reported). Empty rows are skipped.
func readXLSX(file string, data []byte, sheet string, want []string) (*table, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("files: %s is not an Excel workbook (%v); want a file saved as Excel Workbook (.xlsx)", file, err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if sheet == "" {
		if len(sheets) == 0 {
			return nil, fmt.Errorf("files: %s has no worksheet; want the data on its first sheet", file)
		}
		sheet = sheets[0]
	} else if !contains(sheets, sheet) {
		return nil, fmt.Errorf("files: %s has no sheet %q; its sheets are %s; set sheet to one of them", file, sheet, strings.Join(sheets, ", "))
	}
	props, err := f.GetWorkbookProps()
	if err != nil {
		return nil, fmt.Errorf("files: %s: workbook properties: %w", file, err)
	}
	t := &table{file: file, sheet: sheet, unit: "row", date1904: props.Date1904 != nil && *props.Date1904}

	type sheetRow struct {
		n      int
		values []string
	}
	var all []sheetRow
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, fmt.Errorf("files: %s sheet %s: %w", file, sheet, err)
	}
	defer rows.Close()
	for n := 1; rows.Next(); n++ {
		values, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("files: %s sheet %s row %d: %w", file, sheet, n, err)
		}
		if !blank(values) {
			all = append(all, sheetRow{n, values})
		}
	}
	if err := rows.Error(); err != nil {
		return nil, fmt.Errorf("files: %s sheet %s: %w", file, sheet, err)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("files: %s sheet %s is empty; want a header row naming the columns", file, sheet)
	}
	header := 0
	for i, r := range all {
		if r.n > headerSearchRows {
			break
		}
		if namesAll(r.values, want) {
			header = i
			break
		}
	}
	values := all[header].values
	for len(values) > 0 && strings.TrimSpace(values[len(values)-1]) == "" {
		values = values[:len(values)-1]
	}
	for _, h := range values {
		t.header = append(t.header, strings.TrimSpace(h))
	}
	t.headerAt = all[header].n
	for _, r := range all[header+1:] {
		row := tableRow{at: r.n, row: r.n - t.headerAt, raw: rawJSON(t.header, r.values), cells: make([]cell, len(t.header))}
		for i := range row.cells {
			if i >= len(r.values) || r.values[i] == "" {
				continue
			}
			c, err := xlsxCell(f, sheet, i+1, r.n, r.values[i])
			if err != nil {
				return nil, fmt.Errorf("files: %s sheet %s row %d: %w", file, sheet, r.n, err)
			}
			row.cells[i] = c
		}
		t.rows = append(t.rows, row)
	}
	return t, nil
}

// namesAll reports whether a row names every column in want, ignoring
// case and surrounding spaces.
func namesAll(row, want []string) bool {
	have := map[string]bool{}
	for _, v := range row {
		have[strings.ToLower(strings.TrimSpace(v))] = true
	}
	for _, w := range want {
		if !have[strings.ToLower(w)] {
			return false
		}
	}
	return true
}

// xlsxCell types a raw cell value by the cell's type in the sheet.
func xlsxCell(f *excelize.File, sheet string, col, row int, raw string) (cell, error) {
	name, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		return cell{}, err
	}
	typ, err := f.GetCellType(sheet, name)
	if err != nil {
		return cell{}, err
	}
	switch typ {
	case excelize.CellTypeBool:
		if raw == "1" {
			return cell{text: "true", typ: cellBool}, nil
		}
		return cell{text: "false", typ: cellBool}, nil
	case excelize.CellTypeUnset, excelize.CellTypeNumber:
		d, err := decimal.NewFromString(raw)
		if err != nil {
			// Not a number after all (an error value such as #N/A):
			// the cell checks refuse it as text.
			return cell{text: raw}, nil
		}
		return cell{text: excelNumber(d).String(), typ: cellNumber}, nil
	case excelize.CellTypeDate:
		// An ISO 8601 date (and time) as the cell stores it.
		if len(raw) >= 10 {
			return cell{text: raw[:10], typ: cellDate}, nil
		}
	}
	return cell{text: raw}, nil
}

// excelNumber rounds a stored double to the 15 significant digits Excel
// shows, so that 0.30000000000000004 reads as the 0.3 the controller sees.
func excelNumber(d decimal.Decimal) decimal.Decimal {
	if d.IsZero() {
		return d
	}
	digits := int32(len(d.Coefficient().String()))
	if d.Coefficient().Sign() < 0 {
		digits--
	}
	if digits <= excelDigits {
		return d
	}
	// The value has digits + exponent digits before the decimal point.
	return d.Round(excelDigits - (digits + d.Exponent()))
}
