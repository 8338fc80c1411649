package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

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
entry's rate differs from the rate card valid on its date), over_budget
(work beyond the budget without an approved change request),
billed_not_approved, changed_after_billing (hours or rate changed after
the invoice), milestone_not_invoiced, invoice_without_work (invoiced hours
beyond approved hours), customer_unmatched, reverse_charge_without_vat_id
and stale_unbilled (approved work older than reconcile.stale_after_days).
match_level says how work and invoice were tied: direct_link,
project_month, customer_month, or rate_card, budget, milestone, customer,
vat for findings against master data.

Acknowledge one with "takt exceptions ack ID --by USER --reason TEXT"; the
acknowledgement is kept and shown, and stops counting when the finding's
amount or records change.

With --format json the output is an array of objects with id, kind,
customer, customer_id, project, project_code, amount (string, fixed
decimals), currency, source_ids (array of the source systems' ids),
invoice_numbers, match_level, reason, acknowledged (bool) and
acknowledgement ({by, at, reason, amount, source_ids} or null).`,
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
	cmd.AddCommand(newAckCmd(g))
	return cmd
}

func newAckCmd(g *globals) *cobra.Command {
	var by, reason string
	cmd := &cobra.Command{
		Use:   "ack ID --by USER --reason TEXT",
		Short: "Acknowledge an exception with a reason (kept in the audit trail)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkFormat(); err != nil {
				return err
			}
			if err := requireBy(by); err != nil {
				return err
			}
			_, wh, err := g.openForReading(cmd.Context())
			if err != nil {
				return err
			}
			defer wh.Close()
			a, err := reconcile.Acknowledge(cmd.Context(), wh.DB, args[0], by, reason, nil)
			if err != nil {
				return err
			}
			if g.format == "json" {
				return writeJSON(g, toAckJSON(a))
			}
			fmt.Fprintf(g.stdout, "%s acknowledged by %s (%s %s): %s\n", args[0], a.By, money.Fixed(a.Amount, 2), a.Currency, a.Reason)
			return nil
		},
	}
	addFormatFlag(cmd, g)
	cmd.Flags().StringVar(&by, "by", "", "who acknowledges")
	cmd.Flags().StringVar(&reason, "reason", "", "why the exception needs no action")
	return cmd
}

type ackJSON struct {
	By        string   `json:"by"`
	At        string   `json:"at"`
	Reason    string   `json:"reason"`
	Amount    string   `json:"amount"`
	Currency  string   `json:"currency"`
	SourceIDs []string `json:"source_ids"`
}

func toAckJSON(a *reconcile.Acknowledgement) *ackJSON {
	if a == nil {
		return nil
	}
	return &ackJSON{By: a.By, At: a.At.UTC().Format(time.RFC3339), Reason: a.Reason, Amount: money.Fixed(a.Amount, 2), Currency: a.Currency,
		SourceIDs: a.SourceIDs}
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
	Acknowledged   bool     `json:"acknowledged"`
	// Acknowledgement is the latest one, also when the finding changed
	// since (then acknowledged is false).
	Acknowledgement *ackJSON `json:"acknowledgement"`
}

func printExceptions(g *globals, exc []reconcile.Exception) error {
	if g.format == "json" {
		out := make([]exceptionJSON, 0, len(exc))
		for _, e := range exc {
			out = append(out, exceptionJSON{
				ID: e.ID, Kind: e.Kind, Customer: e.Customer, CustomerID: e.CustomerID, Project: e.Project,
				ProjectCode: e.ProjectCode, Amount: money.Fixed(e.Amount, 2), Currency: e.Currency,
				SourceIDs: e.SourceIDs, InvoiceNumbers: e.InvoiceNumbers, MatchLevel: e.MatchLevel, Reason: e.Reason,
				Acknowledged: e.Acknowledged, Acknowledgement: toAckJSON(e.Acknowledgement),
			})
		}
		return writeJSON(g, out)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCUSTOMER\tAMOUNT\tRECORDS\tACK\tREASON")
	for _, e := range exc {
		ack := ""
		switch {
		case e.Acknowledged:
			ack = "ok: " + e.Acknowledgement.By
		case e.Acknowledgement != nil:
			ack = "changed since " + e.Acknowledgement.By
		}
		fmt.Fprintf(tw, "%s\t%s\t%s %s\t%s\t%s\t%s\n", e.ID, e.Customer, money.Fixed(e.Amount, 2), e.Currency,
			shortList(e.SourceIDs, 3), ack, e.Reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "\n%s\n", countOf(len(exc), "exception", "exceptions"))
	return nil
}

// shortList joins the first n ids and says how many more there are, so that
// a finding over forty time entries keeps the table readable; --format json
// lists them all.
func shortList(ids []string, n int) string {
	if len(ids) <= n {
		return strings.Join(ids, ",")
	}
	return fmt.Sprintf("%s +%d more", strings.Join(ids[:n], ","), len(ids)-n)
}
