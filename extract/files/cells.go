package files

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/internal/money"
)

// Quarantine rules of file rows besides extract's Rule constants.
const (
	// ruleMissingValue: a required cell is empty.
	ruleMissingValue = "missing_value"
	// ruleDuplicateID: two rows of a file have the same id (or key).
	ruleDuplicateID = "duplicate_id"
	// ruleWrongCellCount: a line has more or fewer cells than the header.
	ruleWrongCellCount = "wrong_cell_count"
	// ruleBadEncoding: a cell is not text in the file's encoding.
	ruleBadEncoding = "bad_encoding"
	// ruleNegativeAmount: an amount or rate below zero where it cannot be.
	ruleNegativeAmount = "negative_amount"
	// ruleFileRefused: the file as a whole was not loaded; the message
	// says why.
	ruleFileRefused = "file_refused"
)

// problem is what is wrong with a cell or a row.
type problem struct {
	// rule names the check that failed, as the quarantine records it.
	rule string
	// msg says what is wrong, starting with the value; want what was
	// expected instead.
	msg, want string
}

// cellReader reads cells with one import's settings.
type cellReader struct {
	decimalComma bool
	// layout is the Go layout of the import's date format, format its
	// name as configured (DD.MM.YYYY).
	layout, format string
	// padded is set when the format writes days and months with two
	// digits, so that a date must read back exactly as written.
	padded bool
	table  *table
}

var (
	dotDecimalRe   = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?$`)
	commaDecimalRe = regexp.MustCompile(`^[+-]?([0-9]{1,3}(\.[0-9]{3})+|[0-9]+)(,[0-9]+)?$`)
	currencyRe     = regexp.MustCompile(`^[A-Z]{3}$`)
	accountRe      = regexp.MustCompile(`^[0-9]{1,9}$`)
	ddmmRe         = regexp.MustCompile(`^[0-9]{4}$`)
	dateCharsRe    = regexp.MustCompile(`^[0-9][0-9./ -]*$`)
)

func newCellReader(imp *Import, t *table) *cellReader {
	// imp passed CheckImport, so its date format has a layout.
	layout, _ := dateLayout(imp.DateFormat)
	return &cellReader{
		decimalComma: imp.Decimal == ",",
		layout:       layout,
		format:       imp.DateFormat,
		padded:       strings.Count(imp.DateFormat, "D") == 2 && strings.Count(imp.DateFormat, "M") == 2,
		table:        t,
	}
}

// wantDate says what a date cell should hold.
func (r *cellReader) wantDate() string {
	return fmt.Sprintf("%s, e.g. %s", r.format, exampleDate(r.layout))
}

// wantNumber says what a number cell should hold.
func (r *cellReader) wantNumber() string {
	if r.decimalComma {
		return "digits with ',' as the decimal point and '.' only between thousands, e.g. 1.234,50"
	}
	return "digits with '.' as the decimal point and no thousands separators, e.g. 1234.50"
}

// wantWhenEmpty says what a required cell of each kind should hold.
func (r *cellReader) wantWhenEmpty(k kind) string {
	switch k {
	case date:
		return "a date " + r.wantDate()
	case number:
		if r.decimalComma {
			return "a decimal number, e.g. 1234,50"
		}
		return "a decimal number, e.g. 1234.50"
	case currency:
		return "a currency code, e.g. EUR"
	case level:
		return "1, 2 or 3"
	case boolean:
		return "true or false"
	case debitCredit:
		return "S (Soll, debit) or H (Haben, credit)"
	case account:
		return "an account number, e.g. 1200"
	case ddmm:
		return "a Belegdatum DDMM, e.g. 2102"
	}
	return "a value"
}

// parse reads one cell of column c (Arrow type t). On failure it returns
// the problem.
func (r *cellReader) parse(c column, t arrow.DataType, cl cell) (any, *problem) {
	s := strings.TrimSpace(cl.text)
	if s == "" {
		if c.optional {
			return nil, nil
		}
		return nil, &problem{rule: ruleMissingValue, msg: "empty", want: r.wantWhenEmpty(c.kind)}
	}
	if cl.typ == cellNested {
		return nil, &problem{rule: extract.RuleUnparsableValue, msg: fmt.Sprintf("%s is not a single value", abbreviate(s)), want: r.wantWhenEmpty(c.kind)}
	}
	switch c.kind {
	case text:
		return s, nil
	case date:
		return r.date(s, cl.typ)
	case number:
		return r.number(c, t, s, cl.typ)
	case currency:
		if !currencyRe.MatchString(s) {
			return nil, &problem{rule: extract.RuleUnknownCurrency, msg: fmt.Sprintf("%q is not a currency code", s), want: "3 capital letters, e.g. EUR"}
		}
		if !extract.IsCurrency(s) {
			return nil, &problem{rule: extract.RuleUnknownCurrency, msg: fmt.Sprintf("%q is not an ISO 4217 currency code", s), want: "a currency such as EUR, USD, GBP or CHF"}
		}
		return s, nil
	case level:
		switch s {
		case "1", "2", "3":
			return int64(s[0] - '0'), nil
		}
		return nil, &problem{rule: extract.RuleUnparsableValue, msg: fmt.Sprintf("%q is not a dunning level", s), want: "1, 2 or 3"}
	case boolean:
		switch strings.ToLower(s) {
		case "true", "yes", "ja", "wahr", "1", "x":
			return true, nil
		case "false", "no", "nein", "falsch", "0":
			return false, nil
		}
		return nil, &problem{rule: extract.RuleUnparsableValue, msg: fmt.Sprintf("%q is not a yes/no value", s), want: "true or false (also yes/no, ja/nein, 1/0)"}
	case debitCredit:
		switch strings.ToUpper(s) {
		case "S", "H":
			return strings.ToUpper(s), nil
		}
		return nil, &problem{rule: extract.RuleUnparsableValue, msg: fmt.Sprintf("%q is not a Soll/Haben-Kennzeichen", s), want: "S (Soll, debit) or H (Haben, credit)"}
	case account:
		if !accountRe.MatchString(s) {
			return nil, &problem{rule: extract.RuleUnparsableValue, msg: fmt.Sprintf("%q is not an account number", s), want: "up to 9 digits, e.g. 1200"}
		}
		return s, nil
	case ddmm:
		return r.belegdatum(s)
	}
	panic(fmt.Sprintf("files: column %s has no reader", c.name))
}

func (r *cellReader) date(s string, typ cellType) (any, *problem) {
	if typ == cellDate {
		if d, err := time.Parse(time.DateOnly, s); err == nil {
			return d, nil
		}
	}
	d, err := time.Parse(r.layout, s)
	// time.Parse reads a signed year; a padded format must also read
	// back exactly as written.
	if err == nil && dateCharsRe.MatchString(s) && (!r.padded || d.Format(r.layout) == s) {
		return d, nil
	}
	if typ == cellNumber && r.table.sheet != "" {
		// Not the date format written as a number (20260331 for
		// YYYYMMDD): a date cell.
		return r.excelDate(s)
	}
	return nil, &problem{rule: extract.RuleUnparsableDate, msg: fmt.Sprintf("%q is not a date", s), want: r.wantDate()}
}

// excelDate reads a date stored as an Excel serial number: days since
// 1899-12-30 (which absorbs Excel's 1900 leap-year bug for every date from
// March 1900), or since 1904-01-01 in workbooks using the 1904 system. A
// time of day (the fraction) is dropped: the cell's calendar date is what
// the sheet shows.
func (r *cellReader) excelDate(s string) (any, *problem) {
	d, err := decimal.NewFromString(s)
	days := d.Floor()
	if err != nil || days.LessThan(decimal.NewFromInt(61)) || days.GreaterThan(decimal.NewFromInt(2958465)) {
		return nil, &problem{rule: extract.RuleUnparsableDate, msg: fmt.Sprintf("%s is a number, not a date Excel can show", s),
			want: "a date cell, or text " + r.wantDate()}
	}
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if r.table.date1904 {
		epoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return epoch.AddDate(0, 0, int(days.IntPart())), nil
}

func (r *cellReader) number(c column, t arrow.DataType, s string, typ cellType) (any, *problem) {
	dt := t.(*arrow.Decimal128Type)
	plain := s
	switch {
	case typ == cellBool:
		return nil, &problem{rule: extract.RuleUnparsableAmount, msg: fmt.Sprintf("%s is not a decimal number", s), want: r.wantNumber()}
	case typ == cellText:
		if r.decimalComma {
			if !commaDecimalRe.MatchString(s) {
				return nil, &problem{rule: extract.RuleUnparsableAmount, msg: fmt.Sprintf("%q is not a decimal number", s), want: r.wantNumber()}
			}
			plain = strings.ReplaceAll(strings.ReplaceAll(s, ".", ""), ",", ".")
		} else if !dotDecimalRe.MatchString(s) {
			return nil, &problem{rule: extract.RuleUnparsableAmount, msg: fmt.Sprintf("%q is not a decimal number", s), want: r.wantNumber()}
		}
	}
	d, err := money.Parse(plain)
	if err != nil {
		return nil, &problem{rule: extract.RuleUnparsableAmount, msg: fmt.Sprintf("%q is not a decimal number", s), want: r.wantNumber()}
	}
	if _, err := money.Scaled(d, dt.Precision, dt.Scale); err != nil {
		if errors.Is(err, money.ErrTooManyDecimals) {
			return nil, &problem{rule: extract.RuleTooManyDecimals, msg: fmt.Sprintf("%q has more than %d decimal places", s, dt.Scale), want: fmt.Sprintf("at most %d, taken exactly (takt does not round)", dt.Scale)}
		}
		return nil, &problem{rule: extract.RuleUnparsableAmount, msg: fmt.Sprintf("%q is too large", s), want: fmt.Sprintf("at most %d digits before the decimal point", dt.Precision-dt.Scale)}
	}
	switch {
	case c.sign == notNegative && d.IsNegative():
		return nil, &problem{rule: c.signRule, msg: fmt.Sprintf("%q is negative", s), want: c.what + " of 0 or more"}
	case c.sign == positive && !d.IsPositive():
		return nil, &problem{rule: c.signRule, msg: fmt.Sprintf("%q is not above 0", s), want: c.what + " above 0"}
	}
	return d, nil
}

// belegdatum reads DATEV's DDMM date. Its year is the one that puts it
// within the batch's period (a period may span the turn of a year in a
// fiscal year that does not follow the calendar); DATEV itself refuses a
// Belegdatum outside the period.
func (r *cellReader) belegdatum(s string) (any, *problem) {
	p := r.table.period
	want := fmt.Sprintf("DDMM with leading zeros within the batch's period %s to %s, e.g. %s", p.from.Format(time.DateOnly), p.to.Format(time.DateOnly), p.from.Format("0201"))
	if !ddmmRe.MatchString(s) {
		return nil, &problem{rule: extract.RuleUnparsableDate, msg: fmt.Sprintf("%q is not a Belegdatum", s), want: want}
	}
	for _, year := range []int{p.from.Year(), p.to.Year()} {
		d, err := time.Parse("02012006", s+fmt.Sprint(year))
		if err == nil && !d.Before(p.from) && !d.After(p.to) {
			return d, nil
		}
	}
	return nil, &problem{rule: extract.RuleUnparsableDate, msg: fmt.Sprintf("%q is not a day within the batch's period", s), want: want}
}
