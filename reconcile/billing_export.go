package reconcile

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/takt-billing/takt/internal/atomicfile"
	"github.com/takt-billing/takt/internal/audit"
	sqlfiles "github.com/takt-billing/takt/sql"
)

// Export targets.
const (
	TargetXero = "xero"
	TargetCSV  = "csv"
	TargetXLSX = "xlsx"
)

// InvoiceSender creates one document of a run in the accounting system and
// returns its id there. It is given the invoice with its number and
// idempotency key already assigned and persisted; a sender must use that
// key for every attempt so that a retry never creates a second document.
type InvoiceSender interface {
	Send(ctx context.Context, run *Run, inv Invoice) (externalID string, err error)
}

// ExportResult says what an export did.
type ExportResult struct {
	Run *Run
	// Exported are the invoice ids created by this call; Skipped those
	// exported before (a resumed export) or without lines.
	Exported []string
	Skipped  []string
	// MarkedBilled is false for a file written from a run exported before.
	MarkedBilled bool
}

// ExportToAccounting exports an approved run through sender, invoice by
// invoice. Numbers and idempotency keys are assigned and committed before
// the first attempt; each invoice's work is marked billed in the same
// transaction that records that the invoice was created, and the run
// becomes exported with the last one. An export that failed half-way is
// resumed by calling again: invoices already created are skipped, the
// others retried with their keys.
func ExportToAccounting(ctx context.Context, db *sql.DB, s Settings, runID string, sender InvoiceSender, by string, clock func() time.Time) (*ExportResult, error) {
	if strings.TrimSpace(by) == "" {
		return nil, audit.ErrNoActor
	}
	r, err := reserve(ctx, db, s, runID, TargetXero, by, clock)
	if err != nil {
		return nil, err
	}
	res := &ExportResult{Run: r, MarkedBilled: true}
	if r.Status == StatusExported {
		return nil, fmt.Errorf("billing: export %s: %w: the run was exported to %s on %s", runID, ErrStatus, r.ExportTarget, r.ExportedAt.Format(time.DateOnly))
	}
	for _, inv := range r.Invoices {
		if !inv.ExportedAt.IsZero() || len(inv.Lines) == 0 {
			res.Skipped = append(res.Skipped, inv.ID)
			continue
		}
		ext, err := sender.Send(ctx, r, inv)
		if err != nil {
			return res, fmt.Errorf("billing: export %s: invoice %s (%s, %s): %w; nothing of it is marked billed: run the export again to resume with the same idempotency key",
				runID, inv.Number, inv.Customer, inv.ID, err)
		}
		if err := markExported(ctx, db, r, []Invoice{inv}, ext, by, clock); err != nil {
			return res, fmt.Errorf("billing: export %s: invoice %s was created in the accounting system as %s but recording it failed: %w; run the export again (the same idempotency key returns the same document)",
				runID, inv.Number, ext, err)
		}
		res.Exported = append(res.Exported, inv.ID)
	}
	if err := finishExport(ctx, db, r, TargetXero, "", "", by, clock); err != nil {
		return res, err
	}
	res.Run, err = LoadRun(ctx, db, runID)
	return res, err
}

// ExportToFile writes an approved run as CSV or XLSX to path. The first
// export of a run marks its work billed, in the same transaction that
// records the file (written completely and renamed into place before);
// exporting an exported run again writes a copy and marks nothing.
func ExportToFile(ctx context.Context, db *sql.DB, s Settings, runID, target, path, by string, clock func() time.Time) (*ExportResult, error) {
	if strings.TrimSpace(by) == "" {
		return nil, audit.ErrNoActor
	}
	if target != TargetCSV && target != TargetXLSX {
		return nil, fmt.Errorf("billing: export %s: target %q: expected xero, csv or xlsx", runID, target)
	}
	cur, err := LoadRun(ctx, db, runID)
	if err != nil {
		return nil, err
	}
	if cur.Status == StatusExported {
		sum, err := writeRunFile(cur, target, path)
		if err != nil {
			return nil, err
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return nil, err
		}
		defer tx.Rollback()
		t := now(clock)
		if _, err := audit.Append(ctx, tx, t, audit.Entry{Actor: by, Action: "run_copy_written", Entity: "billing_run", EntityID: runID,
			After: map[string]string{"target": target, "file": path, "sha256": sum}}); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, sqlfiles.Query("billing_insert_export"), runID, target, path, sum, false, by, t); err != nil {
			return nil, err
		}
		return &ExportResult{Run: cur, MarkedBilled: false}, tx.Commit()
	}
	for _, inv := range cur.Invoices {
		if !inv.ExportedAt.IsZero() {
			return nil, fmt.Errorf("billing: export %s: %w: its export to Xero has started (invoice %s); finish it with --to xero", runID, ErrStatus, inv.Number)
		}
	}
	r, err := reserve(ctx, db, s, runID, target, by, clock)
	if err != nil {
		return nil, err
	}
	sum, err := writeRunFile(r, target, path)
	if err != nil {
		return nil, err
	}
	var withLines []Invoice
	res := &ExportResult{MarkedBilled: true}
	for _, inv := range r.Invoices {
		if len(inv.Lines) == 0 {
			res.Skipped = append(res.Skipped, inv.ID)
			continue
		}
		withLines = append(withLines, inv)
		res.Exported = append(res.Exported, inv.ID)
	}
	if err := markExported(ctx, db, r, withLines, "", by, clock); err != nil {
		return nil, fmt.Errorf("billing: export %s: the file %s was written but recording the export failed: %w; nothing is marked billed, export again", runID, path, err)
	}
	if err := finishExport(ctx, db, r, target, path, sum, by, clock); err != nil {
		return nil, err
	}
	res.Run, err = LoadRun(ctx, db, runID)
	return res, err
}

// reserve checks that the run may be exported and gives every invoice
// with lines its number and idempotency key, committed before anything
// leaves takt.
func reserve(ctx context.Context, db *sql.DB, s Settings, runID, target, by string, clock func() time.Time) (*Run, error) {
	s = s.withDefaults()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r, err := LoadRun(ctx, tx, runID)
	if err != nil {
		return nil, err
	}
	switch r.Status {
	case StatusApproved:
	case StatusExported:
		return r, nil
	default:
		return nil, fmt.Errorf("billing: export %s: %w: the run is %s; only an approved run is exported (`takt billing-run approve`)", runID, ErrStatus, r.Status)
	}
	t := now(clock)
	var assigned []map[string]string
	for i := range r.Invoices {
		inv := &r.Invoices[i]
		if inv.Number != "" || len(inv.Lines) == 0 {
			continue
		}
		year := r.InvoiceDate.Year()
		var seq int
		if err := tx.QueryRowContext(ctx, sqlfiles.Query("billing_next_number"), year).Scan(&seq); err != nil {
			return nil, err
		}
		prefix := strings.ReplaceAll(s.NumberPrefix, "{year}", strconv.Itoa(year))
		if inv.DocType == DocCreditNote {
			prefix = strings.ReplaceAll(strings.ReplaceAll(s.NumberPrefix, "{year}", strconv.Itoa(year)), "TK-", "TK-CN-")
		}
		inv.Number = fmt.Sprintf("%s%04d", prefix, seq)
		key := sha256.Sum256([]byte(r.ID + "|" + inv.ID + "|" + inv.Number))
		inv.IdempotencyKey = "takt-" + hex.EncodeToString(key[:])[:40]
		payload := sha256.Sum256([]byte(contentHash(&Run{ID: r.ID, Invoices: []Invoice{*inv}})))
		if _, err := tx.ExecContext(ctx, sqlfiles.Query("billing_insert_number"), inv.Number, year, seq, r.ID, inv.ID, t); err != nil {
			return nil, fmt.Errorf("billing: export %s: number %s: %w", runID, inv.Number, err)
		}
		if _, err := tx.ExecContext(ctx, sqlfiles.Query("billing_set_number"), r.ID, inv.ID, inv.Number, inv.IdempotencyKey,
			hex.EncodeToString(payload[:])); err != nil {
			return nil, err
		}
		assigned = append(assigned, map[string]string{"invoice_id": inv.ID, "number": inv.Number, "idempotency_key": inv.IdempotencyKey})
	}
	if len(assigned) > 0 {
		if _, err := audit.Append(ctx, tx, t, audit.Entry{Actor: by, Action: "export_started", Entity: "billing_run", EntityID: r.ID,
			After: map[string]any{"target": target, "numbers": assigned}}); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("billing: export %s: reserve numbers: %w", runID, err)
	}
	return LoadRun(ctx, db, runID)
}

// markExported records that invoices were created (externalID for a
// single invoice sent to an API) and, in the same transaction, marks the
// work they bill as billed in the ledger: invoices add what they bill,
// write-off proposals close what they write off, credit notes subtract
// what they credit and release it once.
func markExported(ctx context.Context, db *sql.DB, r *Run, invs []Invoice, externalID, by string, clock func() time.Time) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	t := now(clock)
	var lr ledgerRows
	for _, inv := range invs {
		res, err := tx.ExecContext(ctx, sqlfiles.Query("billing_set_exported"), r.ID, inv.ID, nullString(externalID), t)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("invoice %s is already recorded as exported", inv.ID)
		}
		lr.add(r, inv, append(append([]Line{}, inv.Lines...), inv.WriteOffs...), t)
		if _, err := audit.Append(ctx, tx, t, audit.Entry{Actor: by, Action: "invoice_exported", Entity: "billing_invoice", EntityID: r.ID + "/" + inv.ID,
			After: map[string]string{"number": inv.Number, "external_id": externalID, "gross": inv.Gross.StringFixed(2), "currency": inv.Currency,
				"doc_type": inv.DocType}}); err != nil {
			return err
		}
	}
	if err := lr.write(ctx, conn); err != nil {
		return err
	}
	return tx.Commit()
}

// ledgerRows are what the lines of exported invoices bill (or write off,
// or credit), and the items credit notes release, written to the ledger
// inside the transaction that records their export: a run of a large firm
// bills hundreds of thousands of items.
type ledgerRows struct{ ledger, releases [][]driver.Value }

func (lr *ledgerRows) add(r *Run, inv Invoice, lines []Line, t time.Time) {
	for _, l := range lines {
		docType := inv.DocType
		if l.Kind == LineWriteOff {
			docType = "write_off"
		}
		for _, it := range l.Items {
			qty, amt := it.Quantity, it.Amount
			var cRun, cInv driver.Value
			if inv.DocType == DocCreditNote {
				qty, amt = qty.Neg(), amt.Neg()
				cRun, cInv = inv.Corrects.RunID, inv.Corrects.InvoiceID
				lr.releases = append(lr.releases, []driver.Value{it.Key, cRun, cInv, r.ID, inv.ID})
			}
			lr.ledger = append(lr.ledger, []driver.Value{it.Key, r.ID, inv.ID, docType, inv.Number, qty.String(), amt.String(),
				nullDec(l.Rate), inv.Currency, r.InvoiceDate.Format(time.DateOnly), t, cRun, cInv})
		}
	}
}

// write appends the rows on conn, in its open transaction. A credit note
// releases an item once: the releases' primary key refuses a second.
func (lr *ledgerRows) write(ctx context.Context, conn *sql.Conn) error {
	if err := appendRows(ctx, conn, sqlfiles.Query("billing_insert_releases"), releaseColumns, lr.releases); err != nil {
		return fmt.Errorf("release the credited items: %w (a credit note releases an item once)", err)
	}
	if err := appendRows(ctx, conn, sqlfiles.Query("billing_insert_ledger"), ledgerColumns, lr.ledger); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	return nil
}

// finishExport marks the run exported once every invoice with lines is,
// releases its claims and logs its content hash. A customer whose work in
// the run is all beyond its budget has no document, only write-off
// proposals: exporting the run accepts them, so they are written to the
// ledger here, and that work is not proposed again.
func finishExport(ctx context.Context, db *sql.DB, r *Run, target, location, fileSum, by string, clock func() time.Time) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	cur, err := LoadRun(ctx, tx, r.ID)
	if err != nil {
		return err
	}
	for _, inv := range cur.Invoices {
		if inv.ExportedAt.IsZero() && len(inv.Lines) > 0 {
			return nil
		}
	}
	t := now(clock)
	var lr ledgerRows
	for _, inv := range cur.Invoices {
		if len(inv.Lines) == 0 {
			lr.add(cur, inv, inv.WriteOffs, t)
		}
	}
	if err := lr.write(ctx, conn); err != nil {
		return err
	}
	cur.Status = StatusExported
	h := contentHash(cur)
	if _, err := audit.Append(ctx, tx, t, audit.Entry{Actor: by, Action: "run_exported", Entity: "billing_run", EntityID: r.ID,
		Before: map[string]string{"status": StatusApproved}, After: map[string]string{"status": StatusExported, "target": target, "content_hash": h}}); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, sqlfiles.Query("billing_set_status_exported"), r.ID, t, target, h); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, sqlfiles.Query("billing_delete_claims"), r.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, sqlfiles.Query("billing_insert_export"), r.ID, target, nullString(location), nullString(fileSum), true, by, t); err != nil {
		return err
	}
	return tx.Commit()
}

// writeRunFile writes the file completely beside its destination and
// renames it into place, so a failed export leaves no half file.
func writeRunFile(r *Run, target, path string) (string, error) {
	var b []byte
	var err error
	switch target {
	case TargetCSV:
		b, err = RunCSV(r)
	case TargetXLSX:
		b, err = RunXLSX(r)
	}
	if err != nil {
		return "", err
	}
	if err := atomicfile.WriteFile(path, b); err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
