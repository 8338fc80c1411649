package files

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DATEV's EXTF format ("DATEV-Format"), category 21 Buchungsstapel:
// Windows-1252, CRLF, cells separated by ';', text quoted with '"'. Line 1
// is the batch header (metadata), line 2 the column headings, then one
// posting per line. Headings are worded differently between format
// versions ("Basisumsatz" in 9, "Basis-Umsatz" later), so columns are
// mapped by position, which every format version up to 13 keeps for the
// columns takt reads.
const (
	datevCategoryPostings = 21
	// datevMaxVersion is the newest format version whose layout takt
	// knows.
	datevMaxVersion = 13
	// datevMinColumns is the number of columns a posting line needs: up
	// to Buchungstext.
	datevMinColumns = 14
)

// datevPositions are the 0-based positions of the stream's columns in a
// posting line.
var datevPositions = map[string]int{
	"amount":          0,  // Umsatz (ohne Soll/Haben-Kz)
	"debit_credit":    1,  // Soll/Haben-Kennzeichen
	"currency":        2,  // WKZ Umsatz
	"fx_rate":         3,  // Kurs
	"base_amount":     4,  // Basis-Umsatz
	"base_currency":   5,  // WKZ Basis-Umsatz
	"account":         6,  // Konto
	"contra_account":  7,  // Gegenkonto (ohne BU-Schlüssel)
	"tax_key":         8,  // BU-Schlüssel
	"document_date":   9,  // Belegdatum
	"document_number": 10, // Belegfeld 1
	"posting_text":    13, // Buchungstext
}

// Header fields, 1-based as DATEV's format description counts them.
const (
	hMarker        = 1
	hCategory      = 3
	hFormatName    = 4
	hFormatVersion = 5
	hCreated       = 6
	hConsultant    = 11
	hClient        = 12
	hFiscalStart   = 13
	hAccountLength = 14
	hPeriodFrom    = 15
	hPeriodTo      = 16
	hName          = 17
	hCurrency      = 22
)

var datevCategories = map[int]string{
	16: "Debitoren/Kreditoren", 20: "Kontenbeschriftungen", 21: "Buchungsstapel", 46: "Zahlungsbedingungen",
	47: "Diverse Adressen", 48: "Wiederkehrende Buchungen", 65: "Buchungstextkonstanten",
}

var createdRe = regexp.MustCompile(`^[0-9]{17}$`)

// readDATEV reads a Buchungsstapel (already decoded to UTF-8).
func readDATEV(file string, data []byte) (*table, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = ';'
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("files: %s is empty; want a DATEV EXTF file starting with its header line \"EXTF\";700;21;\"Buchungsstapel\";...", file)
	}
	if err != nil {
		return nil, parseError(file, 1, err)
	}
	field := func(n int) string {
		if n > len(head) {
			return ""
		}
		return strings.TrimSpace(head[n-1])
	}
	headerErr := func(n int, what, want string) error {
		return fmt.Errorf("files: %s line 1: header field %d (%s) is %q; want %s", file, n, what, field(n), want)
	}
	if m := field(hMarker); m != "EXTF" && m != "DTVF" {
		return nil, fmt.Errorf("files: %s line 1: starts with %q, not EXTF; want a file exported in DATEV format (EXTF), whose first line is its header", file, abbreviate(m))
	}
	category, err := strconv.Atoi(field(hCategory))
	if err != nil {
		return nil, headerErr(hCategory, "category", "21 (Buchungsstapel)")
	}
	if category != datevCategoryPostings {
		name := datevCategories[category]
		if name == "" {
			name = field(hFormatName)
		}
		return nil, fmt.Errorf("files: %s line 1: a DATEV file of category %d (%s); want a Buchungsstapel (category 21): takt imports postings only, so remove the file from the imports folder or narrow the import's file pattern", file, category, name)
	}
	version, err := strconv.Atoi(field(hFormatVersion))
	if err != nil || version < 1 {
		return nil, headerErr(hFormatVersion, "format version", "a number such as 9 or 13")
	}
	if version > datevMaxVersion {
		return nil, fmt.Errorf("files: %s line 1: Buchungsstapel format version %d is newer than the versions takt reads (up to %d); export it as version %d, or update takt", file, version, datevMaxVersion, datevMaxVersion)
	}
	from, errFrom := time.Parse("20060102", field(hPeriodFrom))
	to, errTo := time.Parse("20060102", field(hPeriodTo))
	switch {
	case errFrom != nil:
		return nil, headerErr(hPeriodFrom, "Datum vom, the start of the batch's period", "a date YYYYMMDD, e.g. 20180201")
	case errTo != nil:
		return nil, headerErr(hPeriodTo, "Datum bis, the end of the batch's period", "a date YYYYMMDD, e.g. 20180228")
	case to.Before(from):
		return nil, fmt.Errorf("files: %s line 1: the batch's period ends (%s) before it starts (%s); want Datum vom before Datum bis", file, to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	consts := map[string]any{"format_version": int64(version), "period_from": from, "period_to": to}
	for _, h := range []struct {
		n          int
		name, what string
	}{
		{hConsultant, "consultant_number", "Beraternummer"},
		{hClient, "client_number", "Mandantennummer"},
		{hAccountLength, "account_length", "Sachkontenlänge"},
	} {
		if field(h.n) == "" {
			continue
		}
		v, err := strconv.ParseInt(field(h.n), 10, 64)
		if err != nil || v < 0 {
			return nil, headerErr(h.n, h.what, "a whole number")
		}
		consts[h.name] = v
	}
	if s := field(hFiscalStart); s != "" {
		d, err := time.Parse("20060102", s)
		if err != nil {
			return nil, headerErr(hFiscalStart, "WJ-Beginn, the start of the fiscal year", "a date YYYYMMDD, e.g. 20180101")
		}
		consts["fiscal_year_start"] = d
	}
	if s := field(hCreated); s != "" {
		created, err := time.Parse("20060102150405", s[:min(len(s), 14)])
		if err != nil || !createdRe.MatchString(s) {
			return nil, headerErr(hCreated, "erzeugt am", "a time YYYYMMDDHHMMSSmmm, e.g. 20180306102500000")
		}
		consts["batch_created"] = created.Format("2006-01-02T15:04:05") + "." + s[14:]
	}
	if s := field(hName); s != "" {
		consts["batch_name"] = s
	}
	currency := field(hCurrency)
	if currency == "" {
		// DATEV's default for a batch that names no currency.
		currency = "EUR"
	}

	headings, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("files: %s has no line 2; want the column headings after the header line", file)
	}
	if err != nil {
		return nil, parseError(file, 2, err)
	}
	if len(headings) < datevMinColumns {
		return nil, fmt.Errorf("files: %s line 2: %d column headings; want at least %d (Umsatz to Buchungstext)", file, len(headings), datevMinColumns)
	}
	t := &table{file: file, unit: "line", headerAt: 2, constants: consts, period: &period{from: from, to: to}}
	for _, h := range headings {
		t.header = append(t.header, strings.TrimSpace(h))
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			return nil, parseError(file, line, err)
		}
		if blank(rec) {
			continue
		}
		// The raw row keeps the cells that have a value: a posting line
		// has over a hundred columns, most of them empty.
		var names, values []string
		for i, c := range rec {
			if c == "" {
				continue
			}
			if i < len(t.header) {
				names = append(names, t.header[i])
			} else {
				names = append(names, fmt.Sprintf("column %d", i+1))
			}
			values = append(values, c)
		}
		row := tableRow{at: line, row: line - 2, raw: rawJSON(names, values)}
		if len(rec) < datevMinColumns {
			row.broken = &problem{
				rule: ruleWrongCellCount,
				msg:  fmt.Sprintf("%d cells", len(rec)),
				want: fmt.Sprintf("at least %d, up to Buchungstext", datevMinColumns),
			}
			t.rows = append(t.rows, row)
			continue
		}
		row.cells = make([]cell, len(rec))
		for i, c := range rec {
			row.cells[i] = cell{text: c}
		}
		if strings.TrimSpace(row.cells[datevPositions["currency"]].text) == "" {
			row.cells[datevPositions["currency"]].text = currency
		}
		t.rows = append(t.rows, row)
	}
}
