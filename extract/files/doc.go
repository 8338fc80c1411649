// Package files is the connector for export files a controller drops into
// takt's imports folder: facts that none of the three APIs has a place for
// (dunning notices, fixed-price milestones, the rate card, change
// requests, time booked in another tool, exchange rates, and the postings
// of a DATEV Buchungsstapel).
//
// # Which files
//
// Imports (sources.files.imports in takt.yaml) name files, or patterns
// such as zeiten_*.xlsx, and the stream their rows go to; every file a
// pattern matches is imported on its own, so monthly exports can simply
// pile up in the folder. A stream that no import names reads its default
// file: <stream>.csv with the stream's own column names (below), and for
// datev_postings every EXTF_Buchungsstapel*.csv. File names match ignoring
// case; hidden files and Office's lock files (~$...) are never read. A
// file that two imports of one stream match is an error (each file has
// one mapping), but one workbook may feed several streams, a sheet each.
// No matching file means the stream has no new data; it is not an error.
//
// # Formats
//
// csv: a header line, then one row per line, quoted the usual CSV way;
// cells separated by ',', ';', tab or '|' (whichever the header line uses
// most, or the import's separator). Encoding: UTF-8 with or without a byte
// order mark, or Windows-1252 (German Excel's "CSV (Trennzeichen-
// getrennt)"): with encoding auto, a file with a BOM or that is valid
// UTF-8 is read as UTF-8, any other as Windows-1252. UTF-16 ("Unicode
// text") is refused. Empty lines, and lines whose cells are all empty,
// are skipped.
//
// xlsx: a worksheet (the import's sheet, default the first). The header
// is the first row, among the first 20, that names every column the
// import needs (title rows above the table are skipped), else the first
// row with a value. Dates stored as dates (Excel serial numbers, 1900 or
// 1904 system) are read as the calendar day the sheet shows; numbers
// stored as numbers are read as Excel shows them, to 15 significant
// digits (a sum holding 0.30000000000000004 is 0.3). Text cells follow
// the import's decimal and date formats.
//
// json: an array of objects, or an object holding that array under the
// stream's name ({"time_entries": [...]}). Keys match ignoring case; a
// mapped key "a.b" reaches into nested objects. Numbers are taken exactly
// as written; null is empty.
//
// datev: a DATEV EXTF file of category 21, Buchungsstapel (Windows-1252,
// CRLF, ';', '"'). Line 1 is the batch header: its format version (up to
// 13), consultant and client number, fiscal year start, account length,
// period (Datum vom/bis), description and currency are stored on every
// posting. Line 2 holds the column headings, worded differently between
// format versions, so columns are read by position: Umsatz, Soll/Haben-
// Kennzeichen, WKZ Umsatz, Kurs, Basis-Umsatz, WKZ Basis-Umsatz, Konto,
// Gegenkonto, BU-Schlüssel, Belegdatum, Belegfeld 1 and Buchungstext.
// Amounts have a decimal comma and no sign (the sign is S or H); Belegdatum
// is DDMM and takes the year that puts it inside the batch's period, as
// DATEV requires. A posting without WKZ Umsatz is in the batch's currency.
// Files of other categories (Debitoren/Kreditoren, Kontenbeschriftungen)
// are refused.
//
// # Columns
//
// An import's columns map stream columns to the file's columns (headers
// or keys), matched ignoring case and surrounding spaces; an unmapped
// stream column is looked up under its own name. A default file must have
// every column of its stream; a configured import may leave out optional
// columns it does not map. Further columns are kept in the row's _raw
// JSON object but not mapped.
//
//	dunning_notices  id, invoice_number, level, notice_date, fee, currency
//	milestones       id, project_code, name, amount, currency, due_on, reached_on, accepted_on, invoice_number
//	rate_cards       id, project_code, task, hourly_rate, currency, valid_from, valid_to
//	change_requests  id, project_code, title, status, approved_on, extra_hours, extra_amount, currency
//	time_entries     id, date, person, project_code, task, hours, billable, notes, rate, currency
//	fx_rates         date, base_currency, currency, rate
//
// Cells:
//   - id: the row's key, unique within the file, never empty. fx_rates
//     rows are keyed by date and currency pair, DATEV postings by file and
//     row.
//   - Dates: YYYY-MM-DD, or the import's date_format (e.g. DD.MM.YYYY).
//   - Numbers (amounts, hours, rates): digits with '.' as the decimal
//     point and no thousands separators, or with decimal "," a decimal
//     comma and '.' between thousands ("1.234,56"). At most four decimals
//     (six for rates); values are taken exactly, never rounded. Hours are
//     never negative; an exchange rate is above 0 and says how many units
//     of currency one unit of base_currency buys.
//   - currency: an ISO 4217 code in capitals, e.g. EUR.
//   - level: the dunning level, 1, 2 or 3.
//   - billable: true/false, yes/no, ja/nein, wahr/falsch, 1/0, or x for
//     yes.
//
// Optional cells (stored as null when empty): due_on, reached_on,
// accepted_on and invoice_number of a milestone; task and valid_to of a
// rate card; approved_on, extra_hours, extra_amount and currency of a
// change request (currency is required when extra_amount has a value);
// task, billable, notes, rate and currency of a time entry (currency is
// required with a rate); base_currency of an exchange rate (the company's
// base currency). Every other cell must have a value.
//
// # Bad rows
//
// A bad cell is reported with the file, the row as the controller finds it
// (the spreadsheet line of a csv or DATEV file with the header as line 1,
// the sheet and row of an xlsx file, the record of a json file), the
// column as the file names it, the value and what is expected.
//
// By default a file with any bad row is refused as a whole: none of its
// rows is loaded, the version loaded before stays current, the stream
// fails with the first problem (so the run ends as partial and says why),
// and every bad row (up to 100) is put into the quarantine (ops.rejects,
// `takt rejects`) so that all of them can be fixed in one go; the file
// itself is there too, under the rule file_refused. The file is read again
// on every run until it is fixed. Finance data is usually a whole: half a
// rate card values work at the wrong rate, half a Buchungsstapel does not
// balance, and a loaded half would look complete.
//
// An import with bad_rows: quarantine loads the good rows and puts the bad
// ones into the quarantine instead, and the stream succeeds; a fixed row
// arrives with the file's next version. Use it for files whose rows stand
// alone, such as time entries. Rows sharing an id are all quarantined
// (which one is right is not known). A file none of whose rows is good is
// refused even so: it would replace the previous version with nothing, and
// usually means a wrong mapping, decimal or date format.
//
// A file that cannot be read at all (missing columns, a quote out of
// place, a DATEV file of another category) is always refused.
//
// # Versions and cursors
//
// Every row carries its file's name, the SHA-256 of the file's bytes (the
// version) and its data row number; updated_at is the file's modification
// time. A file version is emitted as one batch, so it is committed whole
// or not at all. A stream's cursor lists the current version of each of
// its files; it moves with the stream's last batch. An unchanged file is
// skipped; a changed file is loaded in full as its new version (a file
// with a header and no rows is a version too: its list is now empty). A
// file that leaves the folder keeps its last version: moving an imported
// file away does not delete its facts; a full refresh (no cursor) reads
// every file again and the list becomes what the folder holds (an empty
// folder changes nothing). The staging models take the
// current version of each file; where an id is in several current files
// (overlapping exports), the newest file's row wins. staging.files_imports
// records every version loaded or refused.
package files
