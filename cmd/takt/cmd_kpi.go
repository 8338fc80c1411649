package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/takt-billing/takt/internal/config"
	"github.com/takt-billing/takt/internal/money"
	"github.com/takt-billing/takt/reports"
)

func newKPICmd(g *globals) *cobra.Command {
	var monthFlag string
	cmd := &cobra.Command{
		Use:   "kpi",
		Short: "Show a month's KPIs: DSO, CEI, time to invoice, unbilled work, corrections, dunning, automation",
		Long: `Show the KPIs of a month as KPIS.md defines them, computed as of the month's
end from dated invoices, payments, credit notes, dunning notices and work
(a payment received after the month end never changes the month's
figures), each with its baseline and its target.

With --format json the output is one object: month; the KPIs dso_days,
dso_3m_days, dso_countback_days (with dso_countback_history_too_short),
best_possible_dso_days, average_days_delinquent, cei_percent,
time_to_invoice_median_days, time_to_invoice_p90_days,
time_to_invoice_mean_days, invoiced_within_5_working_days, correction_rate,
correction_rate_amount, first_time_right_rate, dunning_rate,
dunning_rate_by_level ("1", "2", "3"), automation_share and
automation_share_amount as numbers (days and percent rounded to 2
decimals, rates between 0 and 1 to 4); ar_aging (not_due, 1_30, 31_60,
61_90, over_90), unbilled_amount, unbilled_by_age (0_30, 31_60, 61_90,
over_90), dunning_fees, ar_end, ar_begin, current_ar_end and gross_sales
as base-currency amounts in strings; base_currency; the counts behind them; null_reasons naming why a
figure is null (undefined figures are null, never 0); provisional (figures
that can still change); baselines and targets (with owner_role) by KPI;
and definitions: each KPI's formula version and settings hash, and since
when they hold.

Showing the figures records the definition in force (formula version and
the baselines and targets of the configuration) the first time it is used.
"takt kpi explain" lists the records behind one figure.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkFormat(); err != nil {
				return err
			}
			month, err := monthArg(monthFlag)
			if err != nil {
				return err
			}
			cfg, wh, err := g.openForReading(cmd.Context())
			if err != nil {
				return err
			}
			defer wh.Close()
			row, err := loadKPIMonth(cmd.Context(), wh.DB, cfg, month, monthFlag)
			if err != nil {
				return err
			}
			return printKPI(g, cfg.Company.BaseCurrency, row)
		},
	}
	addFormatFlag(cmd, g)
	cmd.Flags().StringVar(&monthFlag, "month", "", "month to show (YYYY-MM)")
	cmd.AddCommand(newKPIExplainCmd(g), newKPICustomersCmd(g))
	return cmd
}

func newKPICustomersCmd(g *globals) *cobra.Command {
	var monthFlag string
	cmd := &cobra.Command{
		Use:   "customers",
		Short: "Show a month's KPIs per customer",
		Long: `Show, for every customer with receivables, sales, invoices due or issued,
invoiced work or unbilled work in the month, the KPIs that make sense per
customer: receivables at the month end and their aging, gross sales, DSO
and best possible DSO, dunning rate, correction rate, median time to
invoice and unbilled work, with the same definitions as "takt kpi".

With --format json the output is an array of objects: customer,
customer_id, ar_end, ar_aging (not_due, 1_30, 31_60, 61_90, over_90),
gross_sales and unbilled_amount (base-currency amounts as strings),
dso_days, best_possible_dso_days, dunning_rate, correction_rate,
time_to_invoice_median_days (numbers, null when undefined), the counts
behind them and null_reasons.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkFormat(); err != nil {
				return err
			}
			month, err := monthArg(monthFlag)
			if err != nil {
				return err
			}
			cfg, wh, err := g.openForReading(cmd.Context())
			if err != nil {
				return err
			}
			defer wh.Close()
			if _, err := loadKPIMonth(cmd.Context(), wh.DB, cfg, month, monthFlag); err != nil {
				return err
			}
			list, err := reports.LoadCustomerKPIs(cmd.Context(), wh.DB, month)
			if err != nil {
				return notBuiltYet(err)
			}
			return printCustomerKPIs(g, cfg.Company.BaseCurrency, list)
		},
	}
	addFormatFlag(cmd, g)
	cmd.Flags().StringVar(&monthFlag, "month", "", "month to show (YYYY-MM)")
	return cmd
}

type customerKPIJSON struct {
	Customer                string            `json:"customer"`
	CustomerID              *string           `json:"customer_id"`
	AREnd                   string            `json:"ar_end"`
	ARAging                 map[string]string `json:"ar_aging"`
	GrossSales              string            `json:"gross_sales"`
	DSODays                 *json.Number      `json:"dso_days"`
	BestPossibleDSODays     *json.Number      `json:"best_possible_dso_days"`
	InvoicesDue             int               `json:"invoices_due"`
	InvoicesDunned          int               `json:"invoices_dunned"`
	DunningRate             *json.Number      `json:"dunning_rate"`
	InvoicesIssued          int               `json:"invoices_issued"`
	InvoicesCorrected       int               `json:"invoices_corrected"`
	CorrectionRate          *json.Number      `json:"correction_rate"`
	CorrectionProvisional   bool              `json:"correction_rate_provisional"`
	ItemsInvoiced           int               `json:"items_invoiced"`
	TimeToInvoiceMedianDays *json.Number      `json:"time_to_invoice_median_days"`
	UnbilledItems           int               `json:"unbilled_items"`
	UnbilledAmount          *string           `json:"unbilled_amount"`
	NullReasons             map[string]string `json:"null_reasons"`
}

func printCustomerKPIs(g *globals, base string, list []reports.CustomerKPIs) error {
	if g.format == "json" {
		out := make([]customerKPIJSON, 0, len(list))
		for _, c := range list {
			j := customerKPIJSON{
				Customer: c.Customer, CustomerID: optString(c.CustomerID), AREnd: money.Fixed(c.AREnd, 2), ARAging: map[string]string{},
				GrossSales: money.Fixed(c.GrossSales, 2), DSODays: number(c.DSODays, 2), BestPossibleDSODays: number(c.BestPossibleDSODays, 2),
				InvoicesDue: c.InvoicesDue, InvoicesDunned: c.InvoicesDunned, DunningRate: number(c.DunningRate, 4),
				InvoicesIssued: c.InvoicesChecked, InvoicesCorrected: c.InvoicesCorrected, CorrectionRate: number(c.CorrectionRate, 4),
				CorrectionProvisional: c.CorrectionRate.Provisional, ItemsInvoiced: c.ItemsInvoiced,
				TimeToInvoiceMedianDays: number(c.TimeToInvoiceMedianDays, 2), UnbilledItems: c.UnbilledItems,
				UnbilledAmount: moneyString(c.UnbilledAmount), NullReasons: map[string]string{},
			}
			for b, v := range c.ARAging {
				j.ARAging[b] = money.Fixed(v, 2)
			}
			for name, v := range map[string]reports.KPIValue{"dso_days": c.DSODays, "best_possible_dso_days": c.BestPossibleDSODays,
				"dunning_rate": c.DunningRate, "correction_rate": c.CorrectionRate, "time_to_invoice_median_days": c.TimeToInvoiceMedianDays,
				"unbilled_amount": c.UnbilledAmount} {
				if !v.Value.Valid {
					j.NullReasons[name] = v.Reason
				}
			}
			out = append(out, j)
		}
		return writeJSON(g, out)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "CUSTOMER\tAR END\tOVERDUE\tSALES\tDSO\tBEST DSO\tDUNNING\tCORRECTIONS\tTTI MEDIAN\tUNBILLED\t\n")
	for _, c := range list {
		name := c.Customer
		if c.CustomerID == "" {
			name = "(no known customer)"
		}
		overdue := c.AREnd.Sub(c.ARAging["not_due"])
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", name, money.Fixed(c.AREnd, 2), money.Fixed(overdue, 2),
			money.Fixed(c.GrossSales, 2), shortValue(c.DSODays, reports.UnitDays), shortValue(c.BestPossibleDSODays, reports.UnitDays),
			shortValue(c.DunningRate, reports.UnitShare), shortValue(c.CorrectionRate, reports.UnitShare),
			shortValue(c.TimeToInvoiceMedianDays, reports.UnitDays), shortValue(c.UnbilledAmount, reports.UnitMoney))
	}
	fmt.Fprintf(tw, "\nAmounts in %s; n/a: undefined (see --format json for the reasons)\t\n", base)
	return tw.Flush()
}

// shortValue renders a figure for a table cell, n/a when undefined.
func shortValue(v reports.KPIValue, unit string) string {
	if !v.Value.Valid {
		return "n/a"
	}
	switch unit {
	case reports.UnitShare:
		return v.Value.Decimal.Mul(hundred).StringFixed(1) + " %"
	case reports.UnitMoney:
		return money.Fixed(v.Value.Decimal, 2)
	}
	return v.Value.Decimal.StringFixed(2)
}

func newKPIExplainCmd(g *globals) *cobra.Command {
	var monthFlag, kpiFlag string
	cmd := &cobra.Command{
		Use:   "explain",
		Short: "List the records behind one KPI figure, with the arithmetic",
		Long: `List the records behind one KPI of a month so that it can be recomputed by
hand: for DSO the documents open at the month end with their open amounts
in the base currency and the documents issued in the month with their
gross; for time to invoice the work items invoiced in the month with their
days; for unbilled work the items at the month end; and so on. The output
ends with the arithmetic that gives the figure.

--kpi takes a name of "takt kpi --format json" (dso_days, cei_percent,
ar_aging_1_30, time_to_invoice_median_days, unbilled_amount, ...). With
--format json the output is one object: month, kpi, unit, base_currency,
value (null when undefined), null_reason, provisional, definition,
records (section, kind, id, number, customer, date, due_date,
invoice_date, currency, amount, rate, amount_base, days, value, note) and
arithmetic (lines).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkFormat(); err != nil {
				return err
			}
			month, err := monthArg(monthFlag)
			if err != nil {
				return err
			}
			if kpiFlag == "" {
				return fmt.Errorf("--kpi is required, e.g. --kpi dso_days")
			}
			cfg, wh, err := g.openForReading(cmd.Context())
			if err != nil {
				return err
			}
			defer wh.Close()
			if _, err := loadKPIMonth(cmd.Context(), wh.DB, cfg, month, monthFlag); err != nil {
				return err
			}
			e, err := reports.ExplainKPI(cmd.Context(), wh.DB, month, kpiFlag, kpiSettings(cfg))
			if errors.Is(err, reports.ErrUnknownKPI) {
				return fmt.Errorf("--kpi: %w", err)
			}
			if err != nil {
				return notBuiltYet(err)
			}
			return printExplanation(g, e)
		},
	}
	addFormatFlag(cmd, g)
	cmd.Flags().StringVar(&monthFlag, "month", "", "month of the figure (YYYY-MM)")
	cmd.Flags().StringVar(&kpiFlag, "kpi", "", "KPI to explain, e.g. dso_days")
	return cmd
}

func monthArg(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, fmt.Errorf("--month is required, e.g. --month 2026-03")
	}
	return parseMonth("month", v)
}

// kpiSettings are the baselines and targets of the configuration's kpis
// section.
func kpiSettings(cfg *config.Config) reports.KPISettings {
	s := reports.KPISettings{Baselines: cfg.KPIs.BaselineValues(), Targets: map[string]reports.KPITarget{}}
	for name, t := range cfg.KPIs.Targets {
		s.Targets[name] = reports.KPITarget{Value: t.TargetValue(), OwnerRole: t.OwnerRole}
	}
	return s
}

// loadKPIMonth records the KPI definitions in force and loads the month's
// KPIs with the configured baselines and targets.
func loadKPIMonth(ctx context.Context, db *sql.DB, cfg *config.Config, month time.Time, flag string) (reports.KPIRow, error) {
	s := kpiSettings(cfg)
	if _, err := reports.RecordKPIDefinitions(ctx, db, s, time.Now()); err != nil {
		return reports.KPIRow{}, notBuiltYet(err)
	}
	rows, err := reports.LoadKPIsWith(ctx, db, month, s)
	if err != nil {
		return reports.KPIRow{}, notBuiltYet(err)
	}
	if len(rows) == 0 || !rows[len(rows)-1].Month.Equal(month) {
		return reports.KPIRow{}, fmt.Errorf("no KPIs for %s: the warehouse's data starts later or ends earlier (run `takt run` to refresh)", flag)
	}
	return rows[len(rows)-1], nil
}

type kpiJSON struct {
	Month                       string                  `json:"month"`
	DSODays                     *json.Number            `json:"dso_days"`
	DSO3mDays                   *json.Number            `json:"dso_3m_days"`
	DSOCountbackDays            *json.Number            `json:"dso_countback_days"`
	DSOCountbackHistoryTooShort bool                    `json:"dso_countback_history_too_short"`
	BestPossibleDSODays         *json.Number            `json:"best_possible_dso_days"`
	AverageDaysDelinquent       *json.Number            `json:"average_days_delinquent"`
	CEIPercent                  *json.Number            `json:"cei_percent"`
	ARAging                     map[string]*string      `json:"ar_aging"`
	TimeToInvoiceMedianDays     *json.Number            `json:"time_to_invoice_median_days"`
	TimeToInvoiceP90Days        *json.Number            `json:"time_to_invoice_p90_days"`
	TimeToInvoiceMeanDays       *json.Number            `json:"time_to_invoice_mean_days"`
	InvoicedWithin5WorkingDays  *json.Number            `json:"invoiced_within_5_working_days"`
	UnbilledAmount              *string                 `json:"unbilled_amount"`
	UnbilledByAge               map[string]*string      `json:"unbilled_by_age"`
	CorrectionRate              *json.Number            `json:"correction_rate"`
	CorrectionRateAmount        *json.Number            `json:"correction_rate_amount"`
	FirstTimeRightRate          *json.Number            `json:"first_time_right_rate"`
	DunningRate                 *json.Number            `json:"dunning_rate"`
	DunningRateByLevel          map[string]*json.Number `json:"dunning_rate_by_level"`
	DunningFees                 *string                 `json:"dunning_fees"`
	AutomationShare             *json.Number            `json:"automation_share"`
	AutomationShareAmount       *json.Number            `json:"automation_share_amount"`
	AREnd                       string                  `json:"ar_end"`
	ARBegin                     string                  `json:"ar_begin"`
	CurrentAREnd                string                  `json:"current_ar_end"`
	GrossSales                  string                  `json:"gross_sales"`
	BaseCurrency                string                  `json:"base_currency"`
	InvoicesIssued              int                     `json:"invoices_issued"`
	InvoicesCorrected           int                     `json:"invoices_corrected"`
	InvoicesDue                 int                     `json:"invoices_due"`
	InvoicesDunned              int                     `json:"invoices_dunned"`
	UnbilledItems               int                     `json:"unbilled_items"`
	NullReasons                 map[string]string       `json:"null_reasons"`
	Provisional                 []string                `json:"provisional"`
	Baselines                   map[string]any          `json:"baselines"`
	Targets                     map[string]kpiTargetOut `json:"targets"`
	Definitions                 map[string]kpiDefOut    `json:"definitions"`
}

type kpiTargetOut struct {
	Value     any    `json:"value"`
	OwnerRole string `json:"owner_role"`
}

type kpiDefOut struct {
	Version        int     `json:"version"`
	Unit           string  `json:"unit"`
	Better         string  `json:"better"`
	BaselineSource string  `json:"baseline_source"`
	SettingsHash   string  `json:"settings_hash"`
	ValidFrom      *string `json:"valid_from"`
}

// number renders a figure as a JSON number rounded to places, or nil.
func number(v reports.KPIValue, places int32) *json.Number {
	if !v.Value.Valid {
		return nil
	}
	n := json.Number(v.Value.Decimal.Round(places).String())
	return &n
}

// moneyString renders an amount with 2 decimals, or nil.
func moneyString(v reports.KPIValue) *string {
	if !v.Value.Valid {
		return nil
	}
	s := money.Fixed(v.Value.Decimal, 2)
	return &s
}

// places is the number of decimals a unit is shown with.
func places(unit string) int32 {
	if unit == reports.UnitShare {
		return 4
	}
	return 2
}

// jsonValue renders a value of a unit: money as a string, the rest as a
// number.
func jsonValue(v reports.KPIValue, unit string) any {
	if unit == reports.UnitMoney {
		if s := moneyString(v); s != nil {
			return *s
		}
		return nil
	}
	if n := number(v, places(unit)); n != nil {
		return *n
	}
	return nil
}

var agingBuckets = []string{"not_due", "1_30", "31_60", "61_90", "over_90"}

func kpiToJSON(base string, r reports.KPIRow) kpiJSON {
	f := func(name string) reports.KPIValue { return r.Figures[name] }
	out := kpiJSON{
		Month:                       r.Month.Format("2006-01"),
		DSODays:                     number(f("dso_days"), 2),
		DSO3mDays:                   number(f("dso_3m_days"), 2),
		DSOCountbackDays:            number(f("dso_countback_days"), 2),
		DSOCountbackHistoryTooShort: r.CountbackHistoryTooShort,
		BestPossibleDSODays:         number(f("best_possible_dso_days"), 2),
		AverageDaysDelinquent:       number(f("average_days_delinquent"), 2),
		CEIPercent:                  number(f("cei_percent"), 2),
		ARAging:                     map[string]*string{},
		TimeToInvoiceMedianDays:     number(f("time_to_invoice_median_days"), 2),
		TimeToInvoiceP90Days:        number(f("time_to_invoice_p90_days"), 2),
		TimeToInvoiceMeanDays:       number(f("time_to_invoice_mean_days"), 2),
		InvoicedWithin5WorkingDays:  number(f("invoiced_within_5_working_days"), 4),
		UnbilledAmount:              moneyString(f("unbilled_amount")),
		UnbilledByAge:               map[string]*string{},
		CorrectionRate:              number(f("correction_rate"), 4),
		CorrectionRateAmount:        number(f("correction_rate_amount"), 4),
		FirstTimeRightRate:          number(reports.KPIValue{Value: r.FirstTimeRightRate}, 4),
		DunningRate:                 number(f("dunning_rate"), 4),
		DunningRateByLevel:          map[string]*json.Number{},
		DunningFees:                 moneyString(f("dunning_fees")),
		AutomationShare:             number(f("automation_share"), 4),
		AutomationShareAmount:       number(f("automation_share_amount"), 4),
		AREnd:                       money.Fixed(r.AREnd, 2),
		ARBegin:                     money.Fixed(r.ARBegin, 2),
		CurrentAREnd:                money.Fixed(r.CurrentAREnd, 2),
		GrossSales:                  money.Fixed(r.GrossSales, 2),
		BaseCurrency:                base,
		InvoicesIssued:              r.InvoicesIssued,
		InvoicesCorrected:           r.InvoicesCorrected,
		InvoicesDue:                 r.InvoicesDue,
		InvoicesDunned:              r.InvoicesDunned,
		UnbilledItems:               r.UnbilledItems,
		NullReasons:                 map[string]string{},
		Provisional:                 []string{},
		Baselines:                   map[string]any{},
		Targets:                     map[string]kpiTargetOut{},
		Definitions:                 map[string]kpiDefOut{},
	}
	for _, b := range agingBuckets {
		out.ARAging[b] = moneyString(f("ar_aging_" + b))
	}
	for _, b := range []string{"0_30", "31_60", "61_90", "over_90"} {
		if v, ok := r.UnbilledByAge[b]; ok {
			s := money.Fixed(v, 2)
			out.UnbilledByAge[b] = &s
		} else {
			out.UnbilledByAge[b] = nil
		}
	}
	for _, l := range []string{"1", "2", "3"} {
		out.DunningRateByLevel[l] = number(f("dunning_rate_level_"+l), 4)
	}
	names := make([]string, 0, len(r.Figures))
	for name := range r.Figures {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v := r.Figures[name]
		if !v.Value.Valid {
			out.NullReasons[name] = v.Reason
		}
		if v.Provisional {
			out.Provisional = append(out.Provisional, name)
		}
	}
	if !r.FirstTimeRightRate.Valid {
		if why, ok := out.NullReasons["correction_rate"]; ok {
			out.NullReasons["first_time_right_rate"] = why
		}
	}
	for _, d := range r.Definitions {
		out.Baselines[d.Name] = jsonValue(d.Baseline, d.Unit)
		if d.Target != nil {
			out.Targets[d.Name] = kpiTargetOut{Value: jsonValue(reports.KPIValue{Value: decimal.NewNullDecimal(d.Target.Value)}, d.Unit), OwnerRole: d.Target.OwnerRole}
		}
		def := kpiDefOut{Version: d.Version, Unit: d.Unit, Better: d.Better, BaselineSource: d.BaselineSource, SettingsHash: d.SettingsHash}
		if def.BaselineSource == "" {
			def.BaselineSource = d.Baseline.Reason
		}
		if !d.ValidFrom.IsZero() {
			s := d.ValidFrom.UTC().Format(time.RFC3339)
			def.ValidFrom = &s
		}
		out.Definitions[d.Name] = def
	}
	return out
}

// kpiLabels name the KPIs for people, in the table.
var kpiLabels = map[string]string{
	"dso_days":                       "DSO",
	"dso_3m_days":                    "DSO, trailing 3 months",
	"dso_countback_days":             "DSO, countback",
	"best_possible_dso_days":         "Best possible DSO",
	"average_days_delinquent":        "Average days delinquent",
	"cei_percent":                    "Collection effectiveness (CEI)",
	"ar_aging_not_due":               "Receivables not yet due",
	"ar_aging_1_30":                  "Receivables 1-30 days past due",
	"ar_aging_31_60":                 "Receivables 31-60 days past due",
	"ar_aging_61_90":                 "Receivables 61-90 days past due",
	"ar_aging_over_90":               "Receivables over 90 days past due",
	"time_to_invoice_median_days":    "Time to invoice, median",
	"time_to_invoice_p90_days":       "Time to invoice, 90th percentile",
	"time_to_invoice_mean_days":      "Time to invoice, amount-weighted mean",
	"invoiced_within_5_working_days": "T&M time invoiced within 5 working days",
	"unbilled_amount":                "Unbilled work at month end",
	"correction_rate":                "Correction rate",
	"correction_rate_amount":         "Correction rate by amount",
	"dunning_rate":                   "Dunning rate",
	"dunning_rate_level_1":           "Dunning rate, 1st reminder",
	"dunning_rate_level_2":           "Dunning rate, 2nd reminder",
	"dunning_rate_level_3":           "Dunning rate, final reminder",
	"dunning_fees":                   "Dunning fees charged",
	"automation_share":               "Automation share (lines)",
	"automation_share_amount":        "Automation share (amount)",
}

// showValue renders a figure for people: days, percent, shares as
// percent, money with the currency.
func showValue(v reports.KPIValue, unit, base string) string {
	if !v.Value.Valid {
		return "n/a"
	}
	d := v.Value.Decimal
	switch unit {
	case reports.UnitDays:
		return d.StringFixed(2) + " days"
	case reports.UnitPercent:
		return d.StringFixed(2) + " %"
	case reports.UnitShare:
		return d.Mul(hundred).StringFixed(2) + " %"
	}
	return money.Fixed(d, 2) + " " + base
}

func printKPI(g *globals, base string, r reports.KPIRow) error {
	if g.format == "json" {
		return writeJSON(g, kpiToJSON(base, r))
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "KPIs %s (%s)\n\n", r.Month.Format("2006-01"), base)
	fmt.Fprintln(tw, "KPI\tVALUE\tBASELINE\tTARGET\tNOTE")
	for _, d := range r.Definitions {
		v := r.Figures[d.Name]
		target := "-"
		if d.Target != nil {
			target = showValue(reports.KPIValue{Value: decimal.NewNullDecimal(d.Target.Value)}, d.Unit, base) + " (" + d.Target.OwnerRole + ")"
		}
		baseline := "-"
		if d.Baseline.Value.Valid {
			baseline = showValue(d.Baseline, d.Unit, base)
			if d.BaselineSource == "configured" {
				baseline += " (configured)"
			}
		}
		var notes []string
		if !v.Value.Valid {
			notes = append(notes, v.Reason)
		}
		if v.Provisional {
			notes = append(notes, "provisional")
		}
		if d.Name == "dso_countback_days" && r.CountbackHistoryTooShort {
			notes = append(notes, "history too short: a lower bound")
		}
		switch d.Name {
		case "dunning_rate":
			notes = append(notes, fmt.Sprintf("%d of %d invoices due", r.InvoicesDunned, r.InvoicesDue))
		case "correction_rate":
			notes = append(notes, fmt.Sprintf("%d of %d invoices", r.InvoicesCorrected, r.InvoicesChecked))
		case "unbilled_amount":
			notes = append(notes, fmt.Sprintf("%d items", r.UnbilledItems))
		}
		label := kpiLabels[d.Name]
		if label == "" {
			label = d.Name
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", label, showValue(v, d.Unit, base), baseline, target, strings.Join(notes, "; "))
	}
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "Receivables at month end\t%s %s\n", money.Fixed(r.AREnd, 2), base)
	fmt.Fprintf(tw, "Gross sales in the month\t%s %s\n", money.Fixed(r.GrossSales, 2), base)
	return tw.Flush()
}

type explainJSON struct {
	Month        string          `json:"month"`
	KPI          string          `json:"kpi"`
	Unit         string          `json:"unit"`
	BaseCurrency string          `json:"base_currency"`
	Value        any             `json:"value"`
	NullReason   *string         `json:"null_reason"`
	Provisional  bool            `json:"provisional"`
	Definition   kpiDefOut       `json:"definition"`
	Records      []explainRecord `json:"records"`
	Arithmetic   []string        `json:"arithmetic"`
}

type explainRecord struct {
	Section     string  `json:"section"`
	Kind        string  `json:"kind"`
	ID          string  `json:"id"`
	Number      *string `json:"number"`
	Customer    *string `json:"customer"`
	Date        *string `json:"date"`
	DueDate     *string `json:"due_date"`
	InvoiceDate *string `json:"invoice_date"`
	Currency    *string `json:"currency"`
	Amount      *string `json:"amount"`
	Rate        *string `json:"rate"`
	AmountBase  *string `json:"amount_base"`
	Days        *int64  `json:"days"`
	Value       *string `json:"value"`
	Note        *string `json:"note"`
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optDate(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.Format(time.DateOnly)
	return &s
}

func optDecimal(d decimal.NullDecimal, places int32) *string {
	if !d.Valid {
		return nil
	}
	s := d.Decimal.StringFixed(places)
	return &s
}

func printExplanation(g *globals, e reports.Explanation) error {
	def := kpiToJSON(e.BaseCurrency, reports.KPIRow{Definitions: []reports.KPIDefinition{e.Definition}}).Definitions[e.KPI]
	if g.format == "json" {
		out := explainJSON{Month: e.Month.Format("2006-01"), KPI: e.KPI, Unit: e.Definition.Unit, BaseCurrency: e.BaseCurrency,
			Value: jsonValue(e.Value, e.Definition.Unit), Provisional: e.Value.Provisional, Definition: def,
			Records: []explainRecord{}, Arithmetic: e.Arithmetic}
		if !e.Value.Value.Valid {
			out.NullReason = &e.Value.Reason
		}
		for _, r := range e.Records {
			rec := explainRecord{Section: r.Section, Kind: r.Kind, ID: r.ID, Number: optString(r.Number), Customer: optString(r.Customer),
				Date: optDate(r.Date), DueDate: optDate(r.DueDate), InvoiceDate: optDate(r.InvoiceDate), Currency: optString(r.Currency),
				Amount: optDecimal(r.Amount, 2), Rate: optDecimal(r.Rate, 6), AmountBase: optDecimal(r.AmountBase, 2),
				Value: optString(r.Value), Note: optString(r.Note)}
			if r.Days.Valid {
				rec.Days = &r.Days.Int64
			}
			out.Records = append(out.Records, rec)
		}
		return writeJSON(g, out)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	label := kpiLabels[e.KPI]
	fmt.Fprintf(tw, "%s (%s), %s: %s\n", label, e.KPI, e.Month.Format("2006-01"), showValue(e.Value, e.Definition.Unit, e.BaseCurrency))
	fmt.Fprintf(tw, "Definition version %d: %s\n", e.Definition.Version, e.Definition.Formula)
	section := ""
	for _, r := range e.Records {
		if r.Section != section {
			section = r.Section
			fmt.Fprintf(tw, "\n%s\n", strings.ToUpper(section[:1])+section[1:])
			fmt.Fprintln(tw, "KIND\tID\tNUMBER\tCUSTOMER\tDATE\tDUE\tINVOICED\tAMOUNT\tRATE\tBASE\tDAYS\tVALUE\tNOTE")
		}
		amount := "-"
		if r.Amount.Valid {
			amount = r.Amount.Decimal.StringFixed(2) + " " + r.Currency
		}
		days := "-"
		if r.Days.Valid {
			days = fmt.Sprint(r.Days.Int64)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Kind, r.ID, dash(r.Number), dash(r.Customer),
			dash(ptrOr(optDate(r.Date))), dash(ptrOr(optDate(r.DueDate))), dash(ptrOr(optDate(r.InvoiceDate))), amount,
			dash(ptrOr(optDecimal(r.Rate, 6))), dash(ptrOr(optDecimal(r.AmountBase, 2))), days, dash(r.Value), r.Note)
	}
	fmt.Fprintln(tw)
	for _, l := range e.Arithmetic {
		fmt.Fprintln(tw, l)
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func ptrOr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

var hundred = decimal.NewFromInt(100)
