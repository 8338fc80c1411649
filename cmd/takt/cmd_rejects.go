package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	sqlfiles "github.com/takt-billing/takt/sql"
)

// rejectJSON is one entry of `takt rejects --format json`.
type rejectJSON struct {
	RunID    int64   `json:"run_id"`
	Source   string  `json:"source"`
	Stream   string  `json:"stream"`
	RecordID *string `json:"record_id"`
	Rule     string  `json:"rule"`
	Field    *string `json:"field"`
	Message  string  `json:"message"`
	// Payload is the record as the source sent it (JSON text).
	Payload    *string `json:"payload"`
	RejectedAt string  `json:"rejected_at"`
	// Stage is extract (the record's values) or transform (what it
	// points to).
	Stage string `json:"stage"`
	// Status is open until a valid version of the record loaded (or, for
	// the transform stage, the record passes), then resolved.
	Status        string  `json:"status"`
	ResolvedAt    *string `json:"resolved_at"`
	ResolvedRunID *int64  `json:"resolved_run_id"`
}

func newRejectsCmd(g *globals) *cobra.Command {
	var runID int64
	cmd := &cobra.Command{
		Use:   "rejects",
		Short: "List the records in the quarantine: what failed, where, and what to do",
		Long: `List the records takt refused instead of loading: a missing id, a date or
amount that is not one, an unknown currency, negative hours, a field whose
type changed in the source, a time entry booked onto a project the source
does not list. Each comes with its source, stream, record id, rule, field and
a message that says what to do; --format json adds the record as the source
sent it.

Without --run: the rejects of the latest run, and every earlier one still
open. A reject is open until the record is fixed in its source: the next run
loads the corrected version and closes it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkFormat(); err != nil {
				return err
			}
			ctx := cmd.Context()
			_, wh, err := g.openForReading(ctx)
			if err != nil {
				return err
			}
			defer wh.Close()
			var arg any
			if cmd.Flags().Changed("run") {
				var latest int64
				if err := wh.DB.QueryRowContext(ctx, sqlfiles.Query("ingest_latest_run")).Scan(&latest); err != nil {
					return err
				}
				if runID < 1 || runID > latest {
					return fmt.Errorf("--run %d: no such run; the runs are 1 to %d (see ops.runs)", runID, latest)
				}
				arg = runID
			}
			rows, err := wh.DB.QueryContext(ctx, sqlfiles.Query("ingest_list_rejects"), arg)
			if err != nil {
				return err
			}
			defer rows.Close()
			out := []rejectJSON{}
			for rows.Next() {
				var r rejectJSON
				var record, field, payload string
				var rejected time.Time
				var resolved sql.NullTime
				var resolvedRun sql.NullInt64
				if err := rows.Scan(&r.RunID, &r.Source, &r.Stream, &record, &r.Rule, &field, &r.Message, &payload,
					&rejected, &r.Stage, &resolved, &resolvedRun); err != nil {
					return err
				}
				r.RecordID, r.Field, r.Payload = nonEmpty(record), nonEmpty(field), nonEmpty(payload)
				r.RejectedAt = rejected.UTC().Format(time.RFC3339)
				r.Status = "open"
				if resolved.Valid {
					r.Status = "resolved"
					s := resolved.Time.UTC().Format(time.RFC3339)
					r.ResolvedAt = &s
					r.ResolvedRunID = &resolvedRun.Int64
				}
				out = append(out, r)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			return printRejects(g, out)
		},
	}
	addFormatFlag(cmd, g)
	cmd.Flags().Int64Var(&runID, "run", 0, "list the rejects of this run (see `takt run`'s run number) instead of the latest run's and the open ones")
	return cmd
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func printRejects(g *globals, out []rejectJSON) error {
	if g.format == "json" {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(out) == 0 {
		_, err := fmt.Fprintln(g.stdout, "No rejects: every record of the latest run loaded, and none is still open.")
		return err
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tSOURCE\tSTREAM\tRECORD\tRULE\tFIELD\tSTATUS\tMESSAGE")
	for _, r := range out {
		record, field := "-", "-"
		if r.RecordID != nil {
			record = *r.RecordID
		}
		if r.Field != nil {
			field = *r.Field
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.RunID, r.Source, r.Stream, record, r.Rule, field, r.Status, r.Message)
	}
	return tw.Flush()
}
