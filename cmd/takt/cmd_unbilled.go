package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/takt-billing/takt/internal/money"
	"github.com/takt-billing/takt/reconcile"
)

func newUnbilledCmd(g *globals) *cobra.Command {
	var asOfFlag string
	cmd := &cobra.Command{
		Use:   "unbilled",
		Short: "List approved, billable work that no issued invoice covers",
		Long: `List unbilled work from the warehouse: approved, billable time (valued at the
rate card valid on its date), approved billable expenses and reached
fixed-price milestones that no issued invoice covers as of a day.

With --format json the output is an array of objects with customer,
customer_id, project, project_code, kind (time|expense|milestone),
source_id (the source system's id), work_date, hours, rate, rate_source,
amount, currency, age_days, task and person. Money and hours are strings
with fixed decimals ("3840.00").`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkFormat(); err != nil {
				return err
			}
			_, wh, err := g.openForReading(cmd.Context())
			if err != nil {
				return err
			}
			defer wh.Close()
			var asOf time.Time
			if asOfFlag != "" {
				if asOf, err = parseDay("as-of", asOfFlag); err != nil {
					return err
				}
			}
			items, err := reconcile.Unbilled(cmd.Context(), wh.DB, asOf)
			if err != nil {
				return notBuiltYet(err)
			}
			return printUnbilled(g, items)
		},
	}
	addFormatFlag(cmd, g)
	cmd.Flags().StringVar(&asOfFlag, "as-of", "", "day to list unbilled work for (YYYY-MM-DD; default: the last run's day)")
	return cmd
}

type unbilledJSON struct {
	Customer    string  `json:"customer"`
	CustomerID  string  `json:"customer_id"`
	Project     string  `json:"project"`
	ProjectCode string  `json:"project_code"`
	Kind        string  `json:"kind"`
	SourceID    string  `json:"source_id"`
	WorkDate    string  `json:"work_date"`
	Hours       string  `json:"hours"`
	Rate        *string `json:"rate"`
	RateSource  string  `json:"rate_source"`
	Amount      string  `json:"amount"`
	Currency    string  `json:"currency"`
	AgeDays     int     `json:"age_days"`
	Task        string  `json:"task"`
	Person      string  `json:"person"`
}

func printUnbilled(g *globals, items []reconcile.UnbilledItem) error {
	if g.format == "json" {
		out := make([]unbilledJSON, 0, len(items))
		for _, it := range items {
			j := unbilledJSON{
				Customer: it.Customer, CustomerID: it.CustomerID, Project: it.Project, ProjectCode: it.ProjectCode,
				Kind: it.Kind, SourceID: it.SourceID, WorkDate: it.WorkDate.Format(time.DateOnly),
				Hours: money.Fixed(it.Hours, 2), RateSource: it.RateSource, Amount: money.Fixed(it.Amount, 2),
				Currency: it.Currency, AgeDays: it.AgeDays, Task: it.Task, Person: it.Person,
			}
			if it.Rate.Valid {
				r := money.Fixed(it.Rate.Decimal, 2)
				j.Rate = &r
			}
			out = append(out, j)
		}
		return writeJSON(g, out)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "CUSTOMER\tPROJECT\tKIND\tSOURCE ID\tDATE\tHOURS\tAMOUNT\tCUR\tAGE\t")
	sums := newCurrencySums()
	for _, it := range items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t\n", it.Customer, it.Project, it.Kind, it.SourceID,
			it.WorkDate.Format(time.DateOnly), money.Fixed(it.Hours, 2), money.Fixed(it.Amount, 2), it.Currency, it.AgeDays)
		sums.add(it.Currency, it.Amount)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "\n%d items; total %s\n", len(items), sums)
	return nil
}

func writeJSON(g *globals, v any) error {
	enc := json.NewEncoder(g.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
