package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/takt-billing/takt/reconcile"
)

func newAuditCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "The audit trail of billing runs, acknowledgements and pinned identities",
	}
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Recompute the audit trail's hash chain and check exported runs against it",
		Long: `Recompute the SHA-256 chain of the audit trail and name the first record
that was altered, removed or reordered; check that every record the
billing tables refer to is still there, and that every exported run still
has exactly the invoices and lines its export logged.

Exit 0: intact. Exit 3: something was changed behind takt's back (the
output names it). With --format json: {records, last_seq, last_hash, ok,
chain: {seq, kind, detail} | null, runs: [...], exported_runs}.`,
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
			rep, err := reconcile.VerifyAudit(cmd.Context(), wh.DB)
			if err != nil {
				return err
			}
			if g.format == "json" {
				type chainJSON struct {
					Seq    int64  `json:"seq"`
					Kind   string `json:"kind"`
					Detail string `json:"detail"`
				}
				out := struct {
					Records  int64      `json:"records"`
					LastSeq  int64      `json:"last_seq"`
					LastHash string     `json:"last_hash"`
					OK       bool       `json:"ok"`
					Chain    *chainJSON `json:"chain"`
					Runs     []string   `json:"runs"`
					Exported int        `json:"exported_runs"`
				}{Records: rep.Records, LastSeq: rep.Last, LastHash: rep.LastHash, OK: rep.OK(), Runs: rep.Runs, Exported: rep.Exported}
				if out.Runs == nil {
					out.Runs = []string{}
				}
				if rep.Chain != nil {
					out.Chain = &chainJSON{Seq: rep.Chain.Seq, Kind: rep.Chain.Kind, Detail: rep.Chain.Detail}
				}
				if err := writeJSON(g, out); err != nil {
					return err
				}
			} else {
				if rep.Chain != nil {
					fmt.Fprintln(g.stdout, rep.Chain.Error())
				}
				for _, r := range rep.Runs {
					fmt.Fprintln(g.stdout, "exported run "+r)
				}
				if rep.OK() {
					fmt.Fprintf(g.stdout, "audit trail intact: %d records, last %d (%s); %d exported run(s) unchanged\n",
						rep.Records, rep.Last, rep.LastHash[:16], rep.Exported)
				}
			}
			if !rep.OK() {
				fmt.Fprintln(g.stderr, "audit verify: the warehouse was changed outside takt")
				return exitError{code: 3}
			}
			return nil
		},
	}
	addFormatFlag(verify, g)
	cmd.AddCommand(verify)
	return cmd
}
