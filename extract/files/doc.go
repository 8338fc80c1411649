// Package files is the connector for export files a controller drops into
// takt's imports folder: facts that none of the three APIs has a place for
// (dunning notices, fixed-price milestones, the rate card, change requests).
//
// Each stream reads one file named after it in the imports folder. A missing
// file means the stream has no data; it is not an error.
//
// # The file contract
//
// Files are CSV, UTF-8 with or without a byte order mark (Excel's "CSV
// UTF-8"), separated by ',' or ';' (whichever the header line uses), quoted
// the usual CSV way. The first line is the header. Columns are found by
// their header name, ignoring case and surrounding spaces, in any order;
// every column below must be present. Further columns are allowed: they are
// kept in the row's _raw JSON object but not mapped.
//
//	dunning_notices.csv  id,invoice_number,level,notice_date,fee,currency
//	milestones.csv       id,project_code,name,amount,currency,due_on,reached_on,accepted_on,invoice_number
//	rate_cards.csv       id,project_code,task,hourly_rate,currency,valid_from,valid_to
//	change_requests.csv  id,project_code,title,status,approved_on,extra_hours,extra_amount,currency
//
// Cells:
//   - id: the row's key, unique within the file, never empty.
//   - Dates (notice_date, due_on, reached_on, accepted_on, valid_from,
//     valid_to, approved_on): YYYY-MM-DD, e.g. 2026-03-31.
//   - Amounts and hours (fee, amount, hourly_rate, extra_hours,
//     extra_amount): digits with '.' as the decimal point and at most four
//     decimals, e.g. 1234.50 or -0.5; no thousands separators, no decimal
//     comma. Values are taken exactly, never rounded.
//   - currency: an ISO 4217 code in capitals, e.g. EUR.
//   - level: the dunning level, 1, 2 or 3.
//
// These cells may be empty (stored as null): due_on, reached_on,
// accepted_on and invoice_number of a milestone; task (the rate applies to
// every task of the project) and valid_to (open-ended) of a rate card;
// approved_on, extra_hours and extra_amount of a change request, whose
// currency may be empty only when extra_amount is. Every other cell must
// have a value. Spaces around a value are ignored. Empty lines, and lines
// whose cells are all empty, are skipped.
//
// A file with any bad cell is refused as a whole, with an error naming the
// file, the line as a spreadsheet shows it (the header is line 1), the
// column, the value and what was expected; fix the file and run again.
//
// # Versions and cursors
//
// Every row carries the file's name, the SHA-256 of its bytes and its data
// row number (line - 1); updated_at is the file's modification time. A
// stream's cursor is the SHA-256 of the file last loaded: an unchanged file
// is not loaded again, and a changed file is loaded in full as a new version
// (a file with a header and no rows is a version too: the list is now
// empty). A file that disappears leaves the last loaded version in place.
package files
