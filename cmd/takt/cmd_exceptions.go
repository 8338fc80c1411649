package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/takt-billing/takt/internal/money"
	"github.com/takt-billing/takt/reconcile"
)

func newExceptionsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "exceptions",
		Short: "List billing exceptions: work billed twice, rates that differ from the rate card, ...",
		Long: `List the billing exceptions the last run found, each with the records
involved, the amount at stake and a sentence that explains it.

Kinds: double_billed (the same work billed twice), rate_mismatch (an
entry's rate differs from the rate card valid on its date).

With --format json the output is an array of objects with id, kind,
customer, customer_id, project, project_code, amount (string, fixed
decimals), currency, source_ids (array of the source systems' ids),
invoice_numbers, match_level and reason.`,
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
			exc, err := reconcile.Exceptions(cmd.Context(), wh.DB)
			if err != nil {
				return notBuiltYet(err)
			}
			return printExceptions(g, exc)
		},
	}
	addFormatFlag(cmd, g)
	return cmd
}

type exceptionJSON struct {
	ID             string   `json:"id"`
	Kind           string   `json:"kind"`
	Customer       string   `json:"customer"`
	CustomerID     string   `json:"customer_id"`
	Project        string   `json:"project"`
	ProjectCode    string   `json:"project_code"`
	Amount         string   `json:"amount"`
	Currency       string   `json:"currency"`
	SourceIDs      []string `json:"source_ids"`
	InvoiceNumbers []string `json:"invoice_numbers"`
	MatchLevel     string   `json:"match_level"`
	Reason         string   `json:"reason"`
}

func printExceptions(g *globals, exc []reconcile.Exception) error {
	if g.format == "json" {
		out := make([]exceptionJSON, 0, len(exc))
		for _, e := range exc {
			out = append(out, exceptionJSON{
				ID: e.ID, Kind: e.Kind, Customer: e.Customer, CustomerID: e.CustomerID, Project: e.Project,
				ProjectCode: e.ProjectCode, Amount: money.Fixed(e.Amount, 2), Currency: e.Currency,
				SourceIDs: e.SourceIDs, InvoiceNumbers: e.InvoiceNumbers, MatchLevel: e.MatchLevel, Reason: e.Reason,
			})
		}
		return writeJSON(g, out)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tCUSTOMER\tAMOUNT\tRECORDS\tREASON")
	for _, e := range exc {
		fmt.Fprintf(tw, "%s\t%s\t%s %s\t%s\t%s\n", e.Kind, e.Customer, money.Fixed(e.Amount, 2), e.Currency,
			strings.Join(e.SourceIDs, ","), e.Reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "\n%d exceptions\n", len(exc))
	return nil
}
