package reconcile

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/takt-billing/takt/internal/audit"
	sqlfiles "github.com/takt-billing/takt/sql"
)

// AuditReport is what VerifyAudit found.
type AuditReport struct {
	Records  int64
	Last     int64
	LastHash string
	// Chain is the first record of the log that was altered, removed or
	// reordered (nil if the chain holds), or the first record a billing
	// table refers to that the log lost.
	Chain *audit.Problem
	// Runs lists exported runs whose stored content no longer matches the
	// content hash logged at their export: they were changed in place.
	Runs []string
	// Exported is the number of exported runs checked.
	Exported int
}

// OK reports whether nothing was found.
func (r AuditReport) OK() bool { return r.Chain == nil && len(r.Runs) == 0 }

// VerifyAudit recomputes the audit chain, checks that every audit record
// the billing tables refer to is still in it, and that every exported
// run's invoices and lines still hash to what its export logged.
func VerifyAudit(ctx context.Context, db *sql.DB) (AuditReport, error) {
	recs, err := audit.Load(ctx, db)
	if err != nil {
		return AuditReport{}, err
	}
	res := audit.Check(recs)
	rep := AuditReport{Records: res.Records, Last: res.Last, LastHash: res.LastHash, Chain: res.Problem}
	if rep.Chain == nil {
		rows, err := db.QueryContext(ctx, sqlfiles.Query("billing_audit_refs"))
		if err != nil {
			return rep, err
		}
		var refs []audit.Ref
		for rows.Next() {
			var ref audit.Ref
			if err := rows.Scan(&ref.What, &ref.Seq); err != nil {
				rows.Close()
				return rep, err
			}
			refs = append(refs, ref)
		}
		rows.Close()
		rep.Chain = audit.VerifyRefs(recs, refs)
	}
	logged := map[string]string{}
	for _, r := range recs {
		if r.Action == "run_exported" && r.Entity == "billing_run" && r.After.Valid {
			var after map[string]string
			if json.Unmarshal([]byte(r.After.String), &after) == nil {
				logged[r.EntityID] = after["content_hash"]
			}
		}
	}
	rows, err := db.QueryContext(ctx, sqlfiles.Query("billing_exported_runs"))
	if err != nil {
		return rep, err
	}
	type stored struct{ id, hash string }
	var runs []stored
	for rows.Next() {
		var s stored
		var h sql.NullString
		if err := rows.Scan(&s.id, &h); err != nil {
			rows.Close()
			return rep, err
		}
		s.hash = h.String
		runs = append(runs, s)
	}
	rows.Close()
	seen := map[string]bool{}
	for _, s := range runs {
		seen[s.id] = true
		rep.Exported++
		run, err := LoadRun(ctx, db, s.id)
		if err != nil {
			return rep, err
		}
		h := contentHash(run)
		want, ok := logged[s.id]
		switch {
		case !ok:
			rep.Runs = append(rep.Runs, fmt.Sprintf("%s: marked exported, but the audit log has no record of its export", s.id))
		case h != want:
			rep.Runs = append(rep.Runs, fmt.Sprintf("%s: its invoices or lines were changed after the export (content hash %s, logged %s)", s.id, h[:12], want[:min(12, len(want))]))
		case s.hash != want:
			rep.Runs = append(rep.Runs, fmt.Sprintf("%s: its stored content hash was changed after the export", s.id))
		}
	}
	for id := range logged {
		if !seen[id] {
			rep.Runs = append(rep.Runs, fmt.Sprintf("%s: the audit log records its export, but the run is no longer marked exported", id))
		}
	}
	slices.Sort(rep.Runs)
	return rep, nil
}
