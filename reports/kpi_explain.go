package reports

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/internal/money"
	sqlfiles "github.com/takt-billing/takt/sql"
)

// ExplainRecord is one record behind a KPI figure: a document, a work
// item, a dunning notice or a step of the countback walk, with what it
// contributes. Which fields are set depends on Section (see
// sql/queries/kpi_explain.sql).
type ExplainRecord struct {
	// Section groups the records, e.g. "open at 2026-03-31" or "issued in
	// 2026-03".
	Section string
	// Kind is invoice, credit_note, time, expense, milestone, dunning
	// notice or month.
	Kind, ID, Number, Customer string
	// Date is the record's own date (issue, work or notice date); DueDate
	// and InvoiceDate are set where they matter.
	Date, DueDate, InvoiceDate time.Time
	// Amount is in Currency; AmountBase in the base currency at Rate.
	Currency     string
	Amount, Rate decimal.NullDecimal
	AmountBase   decimal.NullDecimal
	Days         sql.NullInt64
	Value, Note  string
}

// Explanation is a KPI figure with the records behind it and the
// arithmetic that turns them into the figure, so that a controller can
// recompute it by hand.
type Explanation struct {
	KPI          string
	Month        time.Time
	BaseCurrency string
	Definition   KPIDefinition
	Value        KPIValue
	Records      []ExplainRecord
	// Arithmetic is the computation in words and numbers, line by line;
	// its last line gives the figure.
	Arithmetic []string
}

// ErrUnknownKPI is returned for a KPI name takt does not compute.
var ErrUnknownKPI = errors.New("unknown KPI")

// ExplainKPI explains one KPI of the month of month: the figure, the
// records behind it and the arithmetic. s are the configured baselines and
// targets, shown with the definition.
func ExplainKPI(ctx context.Context, db *sql.DB, month time.Time, kpi string, s KPISettings) (Explanation, error) {
	month = time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	rows, err := LoadKPIsWith(ctx, db, month, s)
	if err != nil {
		return Explanation{}, err
	}
	if len(rows) == 0 || !rows[len(rows)-1].Month.Equal(month) {
		return Explanation{}, fmt.Errorf("%w for %s", ErrNoKPIs, month.Format("2006-01"))
	}
	r := rows[len(rows)-1]
	e := Explanation{KPI: kpi, Month: month}
	found := false
	var names []string
	for _, d := range r.Definitions {
		names = append(names, d.Name)
		if d.Name == kpi {
			e.Definition, found = d, true
		}
	}
	if !found {
		sort.Strings(names)
		return Explanation{}, fmt.Errorf("%w %q; expected one of %s", ErrUnknownKPI, kpi, strings.Join(names, ", "))
	}
	if err := db.QueryRowContext(ctx, `SELECT staging.setting('base_currency')`).Scan(&e.BaseCurrency); err != nil {
		return Explanation{}, fmt.Errorf("reports: base currency: %w", err)
	}
	e.Value = r.Figures[kpi]
	m := month.Format(time.DateOnly)
	add := func(query string, args ...any) error {
		recs, err := explainRecords(ctx, db, query, args...)
		if err != nil {
			return err
		}
		e.Records = append(e.Records, recs...)
		return nil
	}
	cur := e.BaseCurrency
	amt := func(d decimal.Decimal) string { return money.Fixed(d, 2) + " " + cur }
	fig := func(name string) string { return fmtKPI(r.Figures[name], unitOf(r.Definitions, name)) }
	var lines []string
	switch {
	case kpi == "dso_days" || kpi == "best_possible_dso_days" || kpi == "average_days_delinquent":
		err = errors.Join(add("kpi_explain_open", m), add("kpi_explain_sales", m, m))
		lines = append(lines,
			fmt.Sprintf("AR_end = sum of amount_base open at the month end = %s", amt(r.AREnd)),
			fmt.Sprintf("current AR_end = the part not yet due (bucket not_due) = %s", amt(r.CurrentAREnd)),
			fmt.Sprintf("gross_sales = sum of amount_base issued in %s = %s", month.Format("2006-01"), amt(r.GrossSales)))
		switch kpi {
		case "dso_days":
			lines = append(lines, fmt.Sprintf("dso_days = AR_end / gross_sales x days = %s / %s x %d = %s",
				money.Fixed(r.AREnd, 2), money.Fixed(r.GrossSales, 2), r.Days, fig(kpi)))
		case "best_possible_dso_days":
			lines = append(lines, fmt.Sprintf("best_possible_dso_days = current AR_end / gross_sales x days = %s / %s x %d = %s",
				money.Fixed(r.CurrentAREnd, 2), money.Fixed(r.GrossSales, 2), r.Days, fig(kpi)))
		default:
			lines = append(lines, fmt.Sprintf("average_days_delinquent = dso_days - best_possible_dso_days = %s - %s = %s",
				fig("dso_days"), fig("best_possible_dso_days"), fig(kpi)))
		}
	case kpi == "dso_3m_days":
		from := month.AddDate(0, -2, 0)
		err = errors.Join(add("kpi_explain_open", m), add("kpi_explain_sales", from.Format(time.DateOnly), m))
		lines = append(lines,
			fmt.Sprintf("AR_end = sum of amount_base open at the month end = %s", amt(r.AREnd)),
			fmt.Sprintf("gross_sales of %s to %s = %s over %d days", from.Format("2006-01"), month.Format("2006-01"), amt(r.GrossSales3m), r.Days3m),
			fmt.Sprintf("dso_3m_days = %s / %s x %d = %s", money.Fixed(r.AREnd, 2), money.Fixed(r.GrossSales3m, 2), r.Days3m, fig(kpi)))
	case kpi == "dso_countback_days":
		err = errors.Join(add("kpi_explain_open", m), add("kpi_explain_countback", m))
		lines = append(lines, fmt.Sprintf("AR_end = %s; walk back month by month:", amt(r.AREnd)))
		var parts []string
		for _, rec := range e.Records {
			if rec.Section != "countback walk" {
				continue
			}
			sales, rem := rec.Amount.Decimal, rec.AmountBase.Decimal
			switch rec.Note {
			case "partial":
				lines = append(lines, fmt.Sprintf("%s: remaining %s < sales %s: %s / %s x %d = %s days", rec.ID, money.Fixed(rem, 2),
					money.Fixed(sales, 2), money.Fixed(rem, 2), money.Fixed(sales, 2), rec.Days.Int64, rec.Value))
			case "nothing left":
				lines = append(lines, fmt.Sprintf("%s: nothing remains, stop", rec.ID))
			default:
				lines = append(lines, fmt.Sprintf("%s: remaining %s >= sales %s: all %d days, %s remain", rec.ID, money.Fixed(rem, 2),
					money.Fixed(sales, 2), rec.Days.Int64, money.Fixed(rem.Sub(sales), 2)))
			}
			parts = append(parts, rec.Value)
		}
		if r.CountbackHistoryTooShort {
			lines = append(lines, "the history ran out before the AR did: the figure is a lower bound (history too short)")
		}
		lines = append(lines, fmt.Sprintf("dso_countback_days = %s = %s", strings.Join(parts, " + "), fig(kpi)))
	case kpi == "cei_percent":
		prev := month.AddDate(0, -1, 0)
		err = errors.Join(add("kpi_explain_open", prev.Format(time.DateOnly)), add("kpi_explain_open", m), add("kpi_explain_sales", m, m))
		lines = append(lines,
			fmt.Sprintf("AR_begin = AR open at the end of %s = %s", prev.Format("2006-01"), amt(r.ARBegin)),
			fmt.Sprintf("gross_sales = %s; AR_end = %s; current AR_end = %s", amt(r.GrossSales), amt(r.AREnd), amt(r.CurrentAREnd)),
			fmt.Sprintf("cei_percent = (%s + %s - %s) / (%s + %s - %s) x 100 = %s / %s x 100 = %s",
				money.Fixed(r.ARBegin, 2), money.Fixed(r.GrossSales, 2), money.Fixed(r.AREnd, 2),
				money.Fixed(r.ARBegin, 2), money.Fixed(r.GrossSales, 2), money.Fixed(r.CurrentAREnd, 2),
				money.Fixed(r.ARBegin.Add(r.GrossSales).Sub(r.AREnd), 2), money.Fixed(r.ARBegin.Add(r.GrossSales).Sub(r.CurrentAREnd), 2), fig(kpi)))
	case strings.HasPrefix(kpi, "ar_aging_"):
		err = add("kpi_explain_open", m)
		lines = append(lines, fmt.Sprintf("%s = sum of amount_base of the documents in bucket %s = %s", kpi, strings.TrimPrefix(kpi, "ar_aging_"), fig(kpi)))
	case strings.HasPrefix(kpi, "time_to_invoice_"):
		err = add("kpi_explain_invoiced_work", m)
		n := r.ItemsInvoiced
		switch kpi {
		case "time_to_invoice_median_days":
			lines = append(lines, fmt.Sprintf("median of the days of the %d work items above (sorted) = %s", n, fig(kpi)))
		case "time_to_invoice_p90_days":
			lines = append(lines, fmt.Sprintf("90th percentile of the days of the %d work items: rank (n-1) x 0.9 = %s, interpolated between its neighbours = %s",
				n, decimal.NewFromInt(int64(max(n-1, 0))).Mul(decimal.RequireFromString("0.9")).String(), fig(kpi)))
		default:
			lines = append(lines, fmt.Sprintf("sum of days x amount_base = %s; sum of amount_base = %s", money.Fixed(r.TTIDayAmount, 2), amt(r.TTIAmount)),
				fmt.Sprintf("time_to_invoice_mean_days = %s / %s = %s", money.Fixed(r.TTIDayAmount, 2), money.Fixed(r.TTIAmount, 2), fig(kpi)))
		}
	case kpi == "invoiced_within_5_working_days":
		err = add("kpi_explain_tm_work", m)
		lines = append(lines, fmt.Sprintf("hours invoiced by %s (the 5th working day, Monday to Friday, after the month end) = %s of %s",
			r.InvoiceDeadline.Format(time.DateOnly), r.TMHoursWithin.String(), r.TMHours.String()),
			fmt.Sprintf("invoiced_within_5_working_days = %s / %s = %s", r.TMHoursWithin.String(), r.TMHours.String(), fig(kpi)))
	case kpi == "unbilled_amount":
		err = add("kpi_explain_wip", m)
		if len(r.UnbilledByAge) > 0 {
			var buckets []string
			for _, b := range []string{"0_30", "31_60", "61_90", "over_90"} {
				buckets = append(buckets, b+" "+money.Fixed(r.UnbilledByAge[b], 2))
			}
			lines = append(lines, fmt.Sprintf("by age: %s", strings.Join(buckets, ", ")))
		}
		lines = append(lines, fmt.Sprintf("unbilled_amount = sum of amount_base of the %d items = %s", r.UnbilledItems, fig(kpi)))
	case strings.HasPrefix(kpi, "correction_rate"):
		err = add("kpi_explain_corrections", m)
		if kpi == "correction_rate" {
			lines = append(lines, fmt.Sprintf("correction_rate = corrected / issued = %d / %d = %s", r.InvoicesCorrected, r.InvoicesChecked, fig(kpi)))
		} else {
			lines = append(lines, fmt.Sprintf("correction_rate_amount = corrected gross / issued gross = %s / %s = %s",
				money.Fixed(r.GrossCorrected, 2), money.Fixed(r.GrossChecked, 2), fig(kpi)))
		}
		if e.Value.Provisional {
			lines = append(lines, "provisional: invoices of the month can still be corrected (90 days after the month end have not passed)")
		}
	case strings.HasPrefix(kpi, "dunning_rate"):
		err = add("kpi_explain_dunning", m)
		dunned, what := r.InvoicesDunned, "with a notice of any level"
		if level := strings.TrimPrefix(kpi, "dunning_rate_level_"); level != kpi {
			i := int(level[0] - '1')
			dunned, what = r.InvoicesDunnedByLevel[i], "with a notice of level "+level
		}
		lines = append(lines, fmt.Sprintf("%s = invoices due in the month %s / invoices due = %d / %d = %s", kpi, what, dunned, r.InvoicesDue, fig(kpi)))
	case kpi == "dunning_fees":
		err = add("kpi_explain_fees", m)
		lines = append(lines, fmt.Sprintf("dunning_fees = sum of amount_base of the %d notices sent in the month = %s", r.NoticesSent, fig(kpi)))
	case strings.HasPrefix(kpi, "automation_share"):
		err = add("kpi_explain_automation", m)
		if kpi == "automation_share" {
			lines = append(lines, fmt.Sprintf("automation_share = lines from takt unchanged / lines = %d / %d = %s", r.TaktLines, r.LinesIssued, fig(kpi)))
		} else {
			lines = append(lines, fmt.Sprintf("automation_share_amount = net from takt unchanged / net = %s / %s = %s",
				money.Fixed(r.TaktNet, 2), money.Fixed(r.NetIssued, 2), fig(kpi)))
		}
	}
	if err != nil {
		return Explanation{}, err
	}
	if !e.Value.Value.Valid {
		lines = append(lines, fmt.Sprintf("%s is undefined: %s", kpi, e.Value.Reason))
	}
	e.Arithmetic = lines
	return e, nil
}

// fmtKPI renders a figure with the decimals of its unit, or "undefined".
func fmtKPI(v KPIValue, unit string) string {
	if !v.Value.Valid {
		return "undefined"
	}
	if unit == UnitShare {
		return v.Value.Decimal.StringFixed(4)
	}
	return v.Value.Decimal.StringFixed(2)
}

func unitOf(defs []KPIDefinition, name string) string {
	for _, d := range defs {
		if d.Name == name {
			return d.Unit
		}
	}
	return ""
}

func explainRecords(ctx context.Context, db *sql.DB, name string, args ...any) ([]ExplainRecord, error) {
	rows, err := db.QueryContext(ctx, sqlfiles.Query(name), args...)
	if err != nil {
		return nil, fmt.Errorf("reports: %s: %w", name, err)
	}
	defer rows.Close()
	var out []ExplainRecord
	for rows.Next() {
		var rec ExplainRecord
		var kind, id, number, customer, currency, amount, rate, base, value, note sql.NullString
		var date, due, invoiced sql.NullTime
		if err := rows.Scan(&rec.Section, &kind, &id, &number, &customer, &date, &due, &invoiced, &currency,
			&amount, &rate, &base, &rec.Days, &value, &note); err != nil {
			return nil, fmt.Errorf("reports: %s: %w", name, err)
		}
		rec.Kind, rec.ID, rec.Number, rec.Customer = kind.String, id.String, number.String, customer.String
		rec.Currency, rec.Value, rec.Note = currency.String, value.String, note.String
		rec.Date, rec.DueDate, rec.InvoiceDate = utcDate(date), utcDate(due), utcDate(invoiced)
		for _, f := range []struct {
			dst *decimal.NullDecimal
			src sql.NullString
		}{{&rec.Amount, amount}, {&rec.Rate, rate}, {&rec.AmountBase, base}} {
			if !f.src.Valid {
				continue
			}
			d, err := decimal.NewFromString(f.src.String)
			if err != nil {
				return nil, fmt.Errorf("reports: %s: record %s: %w", name, rec.ID, err)
			}
			*f.dst = decimal.NewNullDecimal(d)
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

// utcDate is a date read from the warehouse, or the zero time for NULL.
func utcDate(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}
