package reports

import (
	"fmt"
	"regexp"
	"time"

	"github.com/shopspring/decimal"
)

// Pack is everything one monthly report shows. The rest of takt fills it from
// the warehouse; reports only render it.
type Pack struct {
	// Company is the firm's name as the controller knows it. BaseCurrency is
	// its ISO 4217 code (e.g. "EUR"), the currency of AREnd and GrossSales.
	Company, BaseCurrency string
	// Month is the first day of the reported month, UTC.
	Month time.Time
	// Lang selects the labels: "en" or "de".
	Lang string
	// GeneratedAt is when the pack was assembled; it is shown in UTC.
	GeneratedAt time.Time
	// Months holds the KPIs in ascending month order; the reported month is
	// the last, earlier ones feed trends and the comparison with the
	// previous month.
	Months []MonthKPIs
	// Unbilled is the approved, billable work not invoiced at the end of the
	// reported month.
	Unbilled []UnbilledItem
	// Exceptions are the billing exceptions reconciliation found.
	Exceptions []Exception
	// KPIDefinitions are the KPIs of Months[i].Figures in display order,
	// each with its unit, baseline, target and the definition version that
	// produced the figures (kpi.go).
	KPIDefinitions []KPIDefinition
}

// KPIValue is a figure that can be undefined, such as DSO in a month without
// sales. Reason says, in words a controller understands, why Value is null;
// it is empty when Value is valid.
type KPIValue struct {
	Value  decimal.NullDecimal
	Reason string
	// Provisional is true while the figure can still change: the running
	// month, or a correction rate younger than 90 days.
	Provisional bool
}

// MonthKPIs are the KPIs of one calendar month as defined in KPIS.md.
type MonthKPIs struct {
	// Month is the first day of the month, UTC.
	Month time.Time
	// DSODays is the period DSO and DSO3mDays the trailing 3-month DSO, in
	// days. DunningRate is a share from 0 to 1 of the invoices that fell due
	// in the month.
	DSODays, DSO3mDays, DunningRate KPIValue
	// AREnd is the receivables open at the end of the month and GrossSales
	// the gross invoiced in the month less credit notes, both in the base
	// currency.
	AREnd, GrossSales decimal.Decimal
	// InvoicesDue counts the invoices that fell due in the month and
	// InvoicesDunned those of them that received a dunning notice.
	InvoicesDue, InvoicesDunned int
	// Figures holds every KPI of the month by its name in
	// `takt kpi --format json` (dso_days, cei_percent, ar_aging_1_30, ...;
	// see KPIDefinition for units), the three above included.
	Figures map[string]KPIValue
}

// UnbilledItem is one piece of approved, billable work that no invoice
// covers yet.
type UnbilledItem struct {
	Customer, Project string
	// Kind is "time", "expense" or "milestone".
	Kind string
	// SourceID is the record's id in its source system.
	SourceID string
	// WorkDate is the day the work became billable (UTC date).
	WorkDate time.Time
	// Hours is zero for expenses and milestones; Rate is the hourly rate of
	// time entries; Amount is the value at that rate, in Currency.
	Hours, Rate, Amount decimal.Decimal
	// Currency is an ISO 4217 code.
	Currency string
	// AgeDays is the number of days from WorkDate to the end of the month.
	AgeDays int
}

// Exception is one billing exception: something in the order-to-cash chain
// that loses or delays money, with the records involved.
type Exception struct {
	// Kind is reconciliation's code for the exception, lower case with
	// underscores (e.g. "double_billed"); it is used as a criterion in the
	// pack's formulas, so it must be a plain code.
	Kind              string
	Customer, Project string
	// SourceIDs are the ids of the records involved, in their systems.
	SourceIDs []string
	// Amount is the amount at stake, in Currency (an ISO 4217 code).
	Amount   decimal.Decimal
	Currency string
	// Reason explains the exception in plain words.
	Reason string
}

var (
	currencyCode  = regexp.MustCompile(`^[A-Z]{3}$`)
	exceptionKind = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// validate checks what the renderers rely on, so that a mistake in the
// layers above shows up as an error naming the record rather than as a
// wrong spreadsheet formula or an empty chart.
func (p Pack) validate() error {
	if p.Lang != "en" && p.Lang != "de" {
		return fmt.Errorf("reports: language %q is not supported; use \"en\" or \"de\"", p.Lang)
	}
	if !isMonthStart(p.Month) {
		return fmt.Errorf("reports: month %s is not the first day of a month in UTC", p.Month.Format(time.RFC3339))
	}
	if !currencyCode.MatchString(p.BaseCurrency) {
		return fmt.Errorf("reports: base currency %q is not an ISO 4217 code (three capital letters)", p.BaseCurrency)
	}
	if len(p.Months) == 0 {
		return fmt.Errorf("reports: the pack for %s has no KPIs; it needs at least the reported month", p.Month.Format("2006-01"))
	}
	for i, m := range p.Months {
		if !isMonthStart(m.Month) {
			return fmt.Errorf("reports: KPIs %d: month %s is not the first day of a month in UTC", i, m.Month.Format(time.RFC3339))
		}
		if i > 0 && !m.Month.After(p.Months[i-1].Month) {
			return fmt.Errorf("reports: KPIs %d: month %s does not follow %s; months must be ascending", i, m.Month.Format("2006-01"), p.Months[i-1].Month.Format("2006-01"))
		}
	}
	if last := p.Months[len(p.Months)-1].Month; !last.Equal(p.Month) {
		return fmt.Errorf("reports: the last KPI month is %s, not the reported month %s", last.Format("2006-01"), p.Month.Format("2006-01"))
	}
	for i, u := range p.Unbilled {
		if !currencyCode.MatchString(u.Currency) {
			return fmt.Errorf("reports: unbilled item %d (source id %q): currency %q is not an ISO 4217 code", i, u.SourceID, u.Currency)
		}
	}
	for i, e := range p.Exceptions {
		if !currencyCode.MatchString(e.Currency) {
			return fmt.Errorf("reports: exception %d (kind %q): currency %q is not an ISO 4217 code", i, e.Kind, e.Currency)
		}
		if !exceptionKind.MatchString(e.Kind) {
			return fmt.Errorf("reports: exception %d: kind %q is not a code of lower-case letters, digits and underscores", i, e.Kind)
		}
	}
	return nil
}

// isMonthStart reports whether t is midnight on the first of a month at UTC
// offset zero (the warehouse's dates are UTC; see DESIGN.md).
func isMonthStart(t time.Time) bool {
	if _, offset := t.Zone(); offset != 0 {
		return false
	}
	return t.Day() == 1 && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// previous returns the KPIs of the month before the reported one, if the
// pack has them.
func (p Pack) previous() (MonthKPIs, bool) {
	if len(p.Months) < 2 {
		return MonthKPIs{}, false
	}
	prev := p.Months[len(p.Months)-2]
	return prev, prev.Month.Equal(p.Month.AddDate(0, -1, 0))
}

// current returns the KPIs of the reported month; validate guarantees them.
func (p Pack) current() MonthKPIs {
	return p.Months[len(p.Months)-1]
}
