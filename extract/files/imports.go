package files

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"time"
)

// Formats an import can read.
const (
	FormatCSV   = "csv"
	FormatXLSX  = "xlsx"
	FormatJSON  = "json"
	FormatDATEV = "datev"
)

// Encodings of text files (csv, json, datev).
const (
	// EncodingAuto reads a file with a UTF-8 byte order mark, or one that
	// is valid UTF-8, as UTF-8 and any other as Windows-1252 (what German
	// Excel and DATEV write).
	EncodingAuto        = "auto"
	EncodingUTF8        = "utf-8"
	EncodingWindows1252 = "windows-1252"
)

// What to do with a file that has bad rows.
const (
	// BadRowsRefuse refuses a file with any bad row as a whole: nothing of
	// it is loaded, the version loaded before stays current, and every
	// bad row is listed in the quarantine.
	BadRowsRefuse = "refuse"
	// BadRowsQuarantine loads the good rows and puts the bad ones into the
	// quarantine. A file none of whose rows is good is refused.
	BadRowsQuarantine = "quarantine"
)

// DefaultDateFormat is how dates are written unless an import says
// otherwise.
const DefaultDateFormat = "YYYY-MM-DD"

// Import maps export files of the imports folder to a stream. The zero
// values of the optional fields are their defaults.
type Import struct {
	// File is the file's name in the imports folder, or a pattern such as
	// "zeiten_*.xlsx" (* any characters, ? one character, [a-z] one of a
	// set) matching several files; matched ignoring case. Required.
	File string
	// Stream is the stream the rows go to, e.g. time_entries. Required.
	Stream string
	// Format is csv, xlsx, json or datev; default from File's extension
	// (.csv, .xlsx, .json). DATEV files are .csv files and need datev.
	Format string
	// Sheet is the worksheet of an xlsx file; default the first.
	Sheet string
	// Columns maps a stream column to the file's column (its header in csv
	// and xlsx, its key in json, where "a.b" reaches into nested objects).
	// Stream columns not listed are looked up under their own name.
	// Headers and keys match ignoring case and surrounding spaces.
	Columns map[string]string
	// Decimal is the decimal separator of numbers written as text, "." or
	// ","; default ".". With "," a '.' may separate thousands
	// ("1.234,56"). Numbers stored as numbers (xlsx, json) need none.
	Decimal string
	// DateFormat is how dates written as text look: YYYY, MM and DD (or M
	// and D for months and days without a leading zero) with any of
	// ". - /" between them, e.g. DD.MM.YYYY; default YYYY-MM-DD. Dates
	// stored as dates in xlsx need none.
	DateFormat string
	// Encoding is auto, utf-8 or windows-1252; default auto. xlsx files
	// have none.
	Encoding string
	// Separator is a csv file's cell separator: ",", ";", "|" or tab
	// ("\t" or "tab"); default: whichever of , ; tab | the header line
	// uses most.
	Separator string
	// BadRows is refuse or quarantine; default refuse.
	BadRows string
}

// Problem is something wrong with an Import, for the configuration to
// report at the key it names.
type Problem struct {
	// Key is the Import field's key in takt.yaml, e.g. "format" or
	// "columns.hours".
	Key string
	// Msg says what is wrong and what is expected.
	Msg string
}

// StreamNames lists the streams files can be imported into.
func StreamNames() []string {
	var names []string
	for _, s := range Streams() {
		names = append(names, s.Name)
	}
	return names
}

// CheckImport checks an import as written in the configuration, before any
// default is applied. It returns nothing for a valid import.
func CheckImport(imp Import) []Problem {
	var ps []Problem
	fail := func(key, format string, args ...any) {
		ps = append(ps, Problem{Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	spec, ok := specs[imp.Stream]
	switch {
	case imp.Stream == "":
		fail("stream", "missing; expected one of %s", strings.Join(StreamNames(), ", "))
	case !ok:
		fail("stream", "%q is not a stream files can be imported into; expected one of %s", imp.Stream, strings.Join(StreamNames(), ", "))
	}
	switch {
	case strings.TrimSpace(imp.File) == "":
		fail("file", "missing; expected the file's name in the imports folder, or a pattern like zeiten_*.xlsx")
	case strings.ContainsAny(imp.File, `/\`):
		fail("file", "%q names a path; expected a file name or pattern within the imports folder", imp.File)
	default:
		if _, err := path.Match(strings.ToLower(imp.File), ""); err != nil {
			fail("file", "%q is not a valid pattern (%v); expected a name, with * ? or [a-z] as wildcards", imp.File, err)
		}
	}
	format := imp.Format
	if format == "" {
		format = formatOf(imp.File)
		if format == "" && imp.File != "" {
			fail("format", "missing, and the extension of %q does not tell; expected csv, xlsx, json or datev", imp.File)
		}
	}
	switch format {
	case "", FormatCSV, FormatXLSX, FormatJSON, FormatDATEV:
	default:
		fail("format", "%q is not a format takt reads; expected csv, xlsx, json or datev", imp.Format)
	}
	if ok && (format == FormatDATEV) != (imp.Stream == DATEVPostings.Name) {
		if format == FormatDATEV {
			fail("stream", "%q cannot come from a DATEV file; expected %s", imp.Stream, DATEVPostings.Name)
		} else {
			fail("format", "%s come from DATEV EXTF files only; expected format: datev", DATEVPostings.Name)
		}
	}
	notFor := func(key, value, formats string) {
		if value != "" {
			fail(key, "applies to %s files, not to %s ones; remove it", formats, format)
		}
	}
	switch format {
	case FormatDATEV:
		if len(imp.Columns) > 0 {
			fail("columns", "DATEV files are read by column position and format version; remove columns")
		}
		notFor("sheet", imp.Sheet, "xlsx")
		notFor("decimal", imp.Decimal, "csv, xlsx and json")
		notFor("date_format", imp.DateFormat, "csv, xlsx and json")
		notFor("separator", imp.Separator, "csv")
	case FormatXLSX:
		notFor("encoding", imp.Encoding, "csv, json and datev")
		notFor("separator", imp.Separator, "csv")
	case FormatJSON:
		notFor("sheet", imp.Sheet, "xlsx")
		notFor("separator", imp.Separator, "csv")
	case FormatCSV:
		notFor("sheet", imp.Sheet, "xlsx")
	}
	switch imp.Decimal {
	case "", ".", ",":
	default:
		fail("decimal", "%q is not a decimal separator; expected \".\" or \",\"", imp.Decimal)
	}
	if imp.DateFormat != "" {
		if _, err := dateLayout(imp.DateFormat); err != nil {
			fail("date_format", "%q %v; expected YYYY, MM and DD with . - / or a space between them, e.g. DD.MM.YYYY", imp.DateFormat, err)
		}
	}
	switch imp.Encoding {
	case "", EncodingAuto, EncodingUTF8, EncodingWindows1252:
	default:
		fail("encoding", "%q is not an encoding takt reads; expected auto, utf-8 or windows-1252", imp.Encoding)
	}
	if _, err := separatorRune(imp.Separator); err != nil {
		fail("separator", "%q %v", imp.Separator, err)
	}
	switch imp.BadRows {
	case "", BadRowsRefuse, BadRowsQuarantine:
	default:
		fail("bad_rows", "%q is not a choice; expected refuse (the whole file waits until it is fixed) or quarantine (good rows load, bad ones go to the quarantine)", imp.BadRows)
	}
	if ok {
		names := spec.mappable()
		keys := make([]string, 0, len(imp.Columns))
		for k := range imp.Columns {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !contains(names, k) {
				fail("columns."+k, "%s has no column %s to map; expected one of %s", imp.Stream, k, strings.Join(names, ", "))
				continue
			}
			if strings.TrimSpace(imp.Columns[k]) == "" {
				fail("columns."+k, "empty; expected the file's column that holds %s", k)
			}
		}
	}
	return ps
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// formatOf is the format a file name's extension implies, or "".
func formatOf(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".csv":
		return FormatCSV
	case ".xlsx":
		return FormatXLSX
	case ".json":
		return FormatJSON
	}
	return ""
}

// withDefaults returns imp with every default applied; imp has passed
// CheckImport.
func withDefaults(imp Import) Import {
	if imp.Format == "" {
		imp.Format = formatOf(imp.File)
	}
	switch {
	case imp.Format == FormatDATEV:
		// DATEV writes amounts and rates with a decimal comma.
		imp.Decimal = ","
	case imp.Decimal == "":
		imp.Decimal = "."
	}
	if imp.DateFormat == "" {
		imp.DateFormat = DefaultDateFormat
	}
	if imp.Encoding == "" {
		imp.Encoding = EncodingAuto
	}
	if imp.BadRows == "" {
		imp.BadRows = BadRowsRefuse
	}
	return imp
}

// defaultImport is the file a stream reads when no import names the
// stream: <stream>.csv with the stream's own column names, or DATEV
// Buchungsstapel files named the way DATEV names them.
func defaultImport(stream string) Import {
	if stream == DATEVPostings.Name {
		return withDefaults(Import{File: "EXTF_Buchungsstapel*.csv", Stream: stream, Format: FormatDATEV})
	}
	return withDefaults(Import{File: stream + ".csv", Stream: stream})
}

// separatorRune reads the separator setting; 0 means detect.
func separatorRune(s string) (rune, error) {
	switch s {
	case "":
		return 0, nil
	case ",", ";", "|", "\t":
		return rune(s[0]), nil
	case "tab":
		return '\t', nil
	}
	return 0, fmt.Errorf(`is not a separator takt reads; expected ",", ";", "|" or tab`)
}

// dateLayout turns a date format like DD.MM.YYYY into a Go time layout.
func dateLayout(format string) (string, error) {
	var b strings.Builder
	seen := map[byte]bool{}
	for i := 0; i < len(format); {
		rest := format[i:]
		var tok, layout string
		switch {
		case strings.HasPrefix(rest, "YYYY"):
			tok, layout = "YYYY", "2006"
		case strings.HasPrefix(rest, "MM"):
			tok, layout = "MM", "01"
		case strings.HasPrefix(rest, "DD"):
			tok, layout = "DD", "02"
		case strings.HasPrefix(rest, "M"):
			tok, layout = "M", "1"
		case strings.HasPrefix(rest, "D"):
			tok, layout = "D", "2"
		case strings.ContainsRune(".-/ ", rune(rest[0])):
			b.WriteByte(rest[0])
			i++
			continue
		default:
			return "", fmt.Errorf("has %q, which is not part of a date format", rest[:1])
		}
		if seen[tok[0]] {
			return "", fmt.Errorf("names the %s twice", partName[tok[0]])
		}
		seen[tok[0]] = true
		b.WriteString(layout)
		i += len(tok)
	}
	for _, p := range []byte{'Y', 'M', 'D'} {
		if !seen[p] {
			return "", fmt.Errorf("has no %s", partName[p])
		}
	}
	return b.String(), nil
}

var partName = map[byte]string{'Y': "year (YYYY)", 'M': "month (MM)", 'D': "day (DD)"}

// exampleDate shows a date format with a real date, for messages.
func exampleDate(layout string) string {
	return time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC).Format(layout)
}
