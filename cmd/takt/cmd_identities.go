package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	sqlfiles "github.com/takt-billing/takt/sql"
)

func newIdentitiesCmd(g *globals) *cobra.Command {
	var all bool
	var kind string
	cmd := &cobra.Command{
		Use:   "identities",
		Short: "List customers and projects takt could not match across HubSpot, Harvest and Xero",
		Long: `List the customers and projects that no method matched across the systems, or
that several candidates fit, with what takt tried and how to settle it.

takt matches by explicit ids first (Harvest project code = HubSpot deal id;
Harvest invoice number = Xero invoice number), then VAT id, then the
normalised name, and only when exactly one candidate fits: a wrong automatic
match is worse than none. Settle the rest with pins in takt.yaml:

  identities:
    customers:
      - same: {hubspot: "7086461639", xero: "a3675fc4-..."}
        reason: the Xero contact still carries the old company name
      - different: {harvest: "5735776", hubspot: "7086464459"}
        reason: two subsidiaries with the same name

--all lists every record with its match, method and confidence.
With --format json: an array of {kind, system, source_id, name, matched_to,
method, confidence, candidates, hint, pin_reason}.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkFormat(); err != nil {
				return err
			}
			if kind != "" && kind != "customer" && kind != "project" {
				return fmt.Errorf("--kind %q: expected customer or project", kind)
			}
			_, wh, err := g.openForReading(cmd.Context())
			if err != nil {
				return err
			}
			defer wh.Close()
			q := "identities_review"
			if all {
				q = "identities_all"
			}
			rows, err := wh.DB.QueryContext(cmd.Context(), sqlfiles.Query(q), kind)
			if err != nil {
				return notBuiltYet(err)
			}
			defer rows.Close()
			out := []identityJSON{}
			for rows.Next() {
				var r identityJSON
				var matched *string
				var candidates string
				if err := rows.Scan(&r.Kind, &r.System, &r.SourceID, &r.Name, &matched, &r.Method, &r.Confidence, &candidates, &r.Hint, &r.PinReason); err != nil {
					return err
				}
				r.MatchedTo = matched
				if err := json.Unmarshal([]byte(candidates), &r.Candidates); err != nil {
					return err
				}
				out = append(out, r)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			if g.format == "json" {
				return writeJSON(g, out)
			}
			return printIdentities(g, out, all)
		},
	}
	addFormatFlag(cmd, g)
	cmd.Flags().BoolVar(&all, "all", false, "list every record with its match, not only those to settle")
	cmd.Flags().StringVar(&kind, "kind", "", "only customer or project")
	return cmd
}

type identityJSON struct {
	Kind       string   `json:"kind"`
	System     string   `json:"system"`
	SourceID   string   `json:"source_id"`
	Name       string   `json:"name"`
	MatchedTo  *string  `json:"matched_to"`
	Method     string   `json:"method"`
	Confidence float64  `json:"confidence"`
	Candidates []string `json:"candidates"`
	Hint       string   `json:"hint"`
	PinReason  string   `json:"pin_reason"`
}

func printIdentities(g *globals, rows []identityJSON, all bool) error {
	if len(rows) == 0 {
		fmt.Fprintln(g.stdout, "every customer and project is matched across the systems")
		return nil
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	if all {
		fmt.Fprintln(tw, "KIND\tSYSTEM\tID\tNAME\tMATCHED TO\tMETHOD\tCONFIDENCE")
		for _, r := range rows {
			to := "-"
			if r.MatchedTo != nil {
				to = *r.MatchedTo
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%.1f\n", r.Kind, r.System, r.SourceID, r.Name, to, r.Method, r.Confidence)
		}
		return tw.Flush()
	}
	fmt.Fprintln(tw, "KIND\tSYSTEM\tID\tNAME\tSTATUS\tCANDIDATES")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Kind, r.System, r.SourceID, r.Name, r.Method, strings.Join(r.Candidates, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(g.stdout)
	for _, r := range rows {
		fmt.Fprintf(g.stdout, "- %s\n", r.Hint)
	}
	return nil
}
