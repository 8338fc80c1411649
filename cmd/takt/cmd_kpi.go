package main

import (
	"github.com/shopspring/decimal"

	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/takt-billing/takt/internal/money"
	"github.com/takt-billing/takt/reports"
)

func newKPICmd(g *globals) *cobra.Command {
	var monthFlag string
	cmd := &cobra.Command{
		Use:   "kpi",
		Short: "Show a month's KPIs: DSO, trailing 3-month DSO, dunning rate",
		Long: `Show the KPIs of a month as KPIS.md defines them, computed as of the month's
end from dated invoices, payments, credit notes and dunning notices (a
payment received after the month end never changes the month's figures).

With --format json the output is one object: month, dso_days, dso_3m_days,
dunning_rate (numbers; days rounded to 2 decimals, rates between 0 and 1),
ar_end and gross_sales (base-currency amounts as strings), base_currency,
invoices_due, invoices_dunned, and null_reasons naming why a figure is null.
Undefined figures are null, never 0.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkFormat(); err != nil {
				return err
			}
			if monthFlag == "" {
				return fmt.Errorf("--month is required, e.g. --month 2026-03")
			}
			month, err := parseMonth("month", monthFlag)
			if err != nil {
				return err
			}
			cfg, wh, err := g.openForReading(cmd.Context())
			if err != nil {
				return err
			}
			defer wh.Close()
			rows, err := reports.LoadKPIs(cmd.Context(), wh.DB, month)
			if err != nil {
				return notBuiltYet(err)
			}
			if len(rows) == 0 || !rows[len(rows)-1].Month.Equal(month) {
				return fmt.Errorf("no KPIs for %s: the warehouse's data starts later or ends earlier (run `takt run` to refresh)", monthFlag)
			}
			return printKPI(g, cfg.Company.BaseCurrency, rows[len(rows)-1])
		},
	}
	addFormatFlag(cmd, g)
	cmd.Flags().StringVar(&monthFlag, "month", "", "month to show (YYYY-MM)")
	return cmd
}

type kpiJSON struct {
	Month          string            `json:"month"`
	DSODays        *json.Number      `json:"dso_days"`
	DSO3mDays      *json.Number      `json:"dso_3m_days"`
	DunningRate    *json.Number      `json:"dunning_rate"`
	AREnd          string            `json:"ar_end"`
	GrossSales     string            `json:"gross_sales"`
	BaseCurrency   string            `json:"base_currency"`
	InvoicesDue    int               `json:"invoices_due"`
	InvoicesDunned int               `json:"invoices_dunned"`
	NullReasons    map[string]string `json:"null_reasons"`
}

func number(v reports.KPIValue, places int32) *json.Number {
	if !v.Value.Valid {
		return nil
	}
	n := json.Number(v.Value.Decimal.Round(places).String())
	return &n
}

func kpiToJSON(base string, r reports.KPIRow) kpiJSON {
	reasons := map[string]string{}
	for name, v := range map[string]reports.KPIValue{"dso_days": r.DSODays, "dso_3m_days": r.DSO3mDays, "dunning_rate": r.DunningRate} {
		if !v.Value.Valid {
			reasons[name] = v.Reason
		}
	}
	return kpiJSON{
		Month: r.Month.Format("2006-01"), DSODays: number(r.DSODays, 2), DSO3mDays: number(r.DSO3mDays, 2),
		DunningRate: number(r.DunningRate, 4), AREnd: money.Fixed(r.AREnd, 2), GrossSales: money.Fixed(r.GrossSales, 2),
		BaseCurrency: base, InvoicesDue: r.InvoicesDue, InvoicesDunned: r.InvoicesDunned, NullReasons: reasons,
	}
}

func printKPI(g *globals, base string, r reports.KPIRow) error {
	if g.format == "json" {
		return writeJSON(g, kpiToJSON(base, r))
	}
	show := func(v reports.KPIValue, places int32, unit string) string {
		if !v.Value.Valid {
			return "n/a (" + v.Reason + ")"
		}
		return v.Value.Decimal.StringFixed(places) + unit
	}
	rate := r.DunningRate
	if rate.Value.Valid {
		rate.Value.Decimal = rate.Value.Decimal.Mul(hundred)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "KPIs %s (%s)\n", r.Month.Format("2006-01"), base)
	fmt.Fprintf(tw, "DSO\t%s\n", show(r.DSODays, 2, " days"))
	fmt.Fprintf(tw, "DSO, trailing 3 months\t%s\n", show(r.DSO3mDays, 2, " days"))
	fmt.Fprintf(tw, "Dunning rate\t%s\t%d of %d invoices due\n", show(rate, 1, " %"), r.InvoicesDunned, r.InvoicesDue)
	fmt.Fprintf(tw, "Receivables at month end\t%s %s\n", money.Fixed(r.AREnd, 2), base)
	fmt.Fprintf(tw, "Gross sales in the month\t%s %s\n", money.Fixed(r.GrossSales, 2), base)
	return tw.Flush()
}

var hundred = decimal.NewFromInt(100)
