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

// InvoiceSender creates a run's documents in an accounting system, in
// batches: one request creates several documents.
type InvoiceSender interface {
	// Batches splits invs, in their order, into the requests that carry
	// them. The split must depend on the invoices alone: a resumed export
	// splits the same invoices the same way and sends what is left of each
	// batch (batchKey).
	Batches(run *Run, invs []Invoice) ([][]Invoice, error)
	// Send creates a batch with the idempotency key, which the same
	// batch always gets (batchKey), and answers for each invoice in order.
	// An error means the request as a whole failed and nothing of it can
	// be taken as created.
	Send(ctx context.Context, run *Run, batch []Invoice, key string) ([]Sent, error)
}

// Sent is the answer for one document of a batch: the id the accounting
// system gave it, or why it refused it.
type Sent struct {
	ExternalID string
	Refused    string
}

// Refusal is a document the accounting system refused, and why; No
// counts the invoice's refusals.
type Refusal struct {
	InvoiceID, Number, Customer, Reason string
	No                                  int
}

// ExportResult says what an export did.
type ExportResult struct {
	Run *Run
	// Exported are the invoice ids created by this call; Skipped those
	// exported before (a resumed export) or without lines; Refused those
	// the accounting system refused (the run stays approved).
	Exported []string
	Skipped  []string
	Refused  []Refusal
	// Requests is how many requests the export sent.
	Requests int
	// MarkedBilled is false for a file written from a run exported before.
	MarkedBilled bool
}

// ExportToAccounting exports an approved run through sender, in batches.
// Numbers and idempotency keys are assigned and committed before the
// first attempt; the invoices a batch created are recorded, and their
// work marked billed, in one transaction after its answer, and the run
// becomes exported with the last one. A batch whose request failed is
// not recorded and stops the export; a document the accounting system
// refused is recorded as refused and reported, and the other batches
// still go. Calling again resumes: the invoices are split into the same
// batches, and what is left of each goes with the same key as before
// unless a refusal was recorded since (a batch that was answered but not
// recorded is answered again, and nothing is created twice; a refused
// document is sent anew).
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
	// Every invoice with lines, exported before or not: split the same
	// way on every attempt, a batch's members left to send and their
	// refusals give its key.
	var withLines []Invoice
	for _, inv := range r.Invoices {
		if len(inv.Lines) == 0 {
			res.Skipped = append(res.Skipped, inv.ID)
			continue
		}
		withLines = append(withLines, inv)
	}
	batches, err := sender.Batches(r, withLines)
	if err != nil {
		return nil, fmt.Errorf("billing: export %s: %w", runID, err)
	}
	for _, all := range batches {
		var batch []Invoice
		for _, inv := range all {
			if !inv.ExportedAt.IsZero() {
				res.Skipped = append(res.Skipped, inv.ID)
				continue
			}
			batch = append(batch, inv)
		}
		if len(batch) == 0 {
			continue
		}
		what := "invoice " + batch[0].Number + " (" + batch[0].Customer + ")"
		if len(batch) > 1 {
			what = fmt.Sprintf("invoices %s to %s", batch[0].Number, batch[len(batch)-1].Number)
		}
		sent, err := sender.Send(ctx, r, batch, batchKey(batch))
		res.Requests++
		if err == nil && len(sent) != len(batch) {
			err = fmt.Errorf("%d answers for %d documents", len(sent), len(batch))
		}
		if err != nil {
			return res, fmt.Errorf("billing: export %s: %s: %w; nothing of it is marked billed: run the export again to resume with the same idempotency key",
				runID, what, err)
		}
		var created []Invoice
		var ids []string
		var refused []Refusal
		for i, sd := range sent {
			if sd.Refused != "" {
				refused = append(refused, Refusal{InvoiceID: batch[i].ID, Number: batch[i].Number, Customer: batch[i].Customer,
					Reason: sd.Refused, No: batch[i].Refusals + 1})
				continue
			}
			created, ids = append(created, batch[i]), append(ids, sd.ExternalID)
		}
		res.Refused = append(res.Refused, refused...)
		if err := markExported(ctx, db, r, created, ids, refused, by, clock); err != nil {
			return res, fmt.Errorf("billing: export %s: %s were created in the accounting system but recording them failed: %w; run the export again (the same idempotency key returns the same documents)",
				runID, what, err)
		}
		for _, inv := range created {
			res.Exported = append(res.Exported, inv.ID)
		}
	}
	if len(res.Refused) > 0 {
		var why []string
		for _, f := range res.Refused {
			why = append(why, fmt.Sprintf("%s (%s): %s", f.Number, f.Customer, f.Reason))
		}
		res.Run, err = LoadRun(ctx, db, runID)
		if err != nil {
			return res, err
		}
		return res, fmt.Errorf("billing: export %s: the accounting system refused %d document(s), %s; the other %d were created and their work marked billed. Remove the cause and run the export again: the run stays approved until every invoice is created",
			runID, len(res.Refused), strings.Join(why, "; "), len(res.Exported))
	}
	if err := finishExport(ctx, db, r, TargetXero, "", "", by, clock); err != nil {
		return res, err
	}
	res.Run, err = LoadRun(ctx, db, runID)
	return res, err
}

// batchKey is the idempotency key of a batch: a single invoice's own key,
// or a hash of its invoices' keys (and refusals, if any) in order. The
// keys are committed before the first attempt, and what is left of a
// batch changes only when an answer to it is recorded: a request whose
// answer was lost goes again with the same key, a refused document with
// a new one.
func batchKey(batch []Invoice) string {
	if len(batch) == 1 && batch[0].Refusals == 0 {
		return batch[0].IdempotencyKey
	}
	h := sha256.New()
	for _, inv := range batch {
		h.Write([]byte(inv.IdempotencyKey + "|"))
		if inv.Refusals > 0 {
			h.Write([]byte("refused " + strconv.Itoa(inv.Refusals) + "|"))
		}
	}
	return "takt-b-" + hex.EncodeToString(h.Sum(nil))[:40]
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
	if err := markExported(ctx, db, r, withLines, nil, nil, by, clock); err != nil {
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
	year := r.InvoiceDate.Year()
	var seq int
	if err := tx.QueryRowContext(ctx, sqlfiles.Query("billing_next_number"), year).Scan(&seq); err != nil {
		return nil, err
	}
	var assigned []map[string]string
	var ids, numbers, keys, payloads []string
	var seqs []int64
	for i := range r.Invoices {
		inv := &r.Invoices[i]
		if inv.Number != "" || len(inv.Lines) == 0 {
			continue
		}
		prefix := strings.ReplaceAll(s.NumberPrefix, "{year}", strconv.Itoa(year))
		if inv.DocType == DocCreditNote {
			prefix = strings.ReplaceAll(prefix, "TK-", "TK-CN-")
		}
		inv.Number = fmt.Sprintf("%s%04d", prefix, seq)
		key := sha256.Sum256([]byte(r.ID + "|" + inv.ID + "|" + inv.Number))
		inv.IdempotencyKey = "takt-" + hex.EncodeToString(key[:])[:40]
		payload := sha256.Sum256([]byte(contentHash(&Run{ID: r.ID, Invoices: []Invoice{*inv}})))
		ids, numbers, keys = append(ids, inv.ID), append(numbers, inv.Number), append(keys, inv.IdempotencyKey)
		payloads, seqs = append(payloads, hex.EncodeToString(payload[:])), append(seqs, int64(seq))
		assigned = append(assigned, map[string]string{"invoice_id": inv.ID, "number": inv.Number, "idempotency_key": inv.IdempotencyKey})
		seq++
	}
	if len(ids) > 0 {
		if _, err := tx.ExecContext(ctx, sqlfiles.Query("billing_insert_numbers"), year, r.ID, t, numbers, seqs, ids); err != nil {
			return nil, fmt.Errorf("billing: export %s: numbers %s to %s: %w", runID, numbers[0], numbers[len(numbers)-1], err)
		}
		res, err := tx.ExecContext(ctx, sqlfiles.Query("billing_set_numbers"), r.ID, ids, numbers, keys, payloads)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n != int64(len(ids)) {
			return nil, fmt.Errorf("billing: export %s: %d of %d invoices took their numbers: another export of the run is running; run the export again", runID, n, len(ids))
		}
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

// markExported records that invoices were created (externalIDs: each
// one's id in the accounting system, nil for a file) and, in the same
// transaction, marks the work they bill as billed in the ledger: invoices
// add what they bill, write-off proposals close what they write off,
// credit notes subtract what they credit and release it once. The
// documents of the same answer the accounting system refused are recorded
// as refused in that transaction too.
func markExported(ctx context.Context, db *sql.DB, r *Run, invs []Invoice, externalIDs []string, refused []Refusal, by string,
	clock func() time.Time) error {
	if len(invs) == 0 && len(refused) == 0 {
		return nil
	}
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
	ids := make([]string, len(invs))
	ext := make([]string, len(invs))
	entries := make([]audit.Entry, 0, len(invs)+len(refused))
	var lr ledgerRows
	for i, inv := range invs {
		ids[i] = inv.ID
		if externalIDs != nil {
			ext[i] = externalIDs[i]
		}
		lr.add(r, inv, append(append([]Line{}, inv.Lines...), inv.WriteOffs...), t)
		entries = append(entries, audit.Entry{Actor: by, Action: "invoice_exported", Entity: "billing_invoice", EntityID: r.ID + "/" + inv.ID,
			After: map[string]string{"number": inv.Number, "external_id": ext[i], "gross": inv.Gross.StringFixed(2), "currency": inv.Currency,
				"doc_type": inv.DocType}})
	}
	if len(invs) > 0 {
		res, err := tx.ExecContext(ctx, sqlfiles.Query("billing_set_exported"), r.ID, t, ids, ext)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != int64(len(invs)) {
			return fmt.Errorf("%d of the %d invoices are already recorded as exported", int64(len(invs))-n, len(invs))
		}
	}
	if len(refused) > 0 {
		rIDs, nos, reasons := make([]string, len(refused)), make([]int32, len(refused)), make([]string, len(refused))
		for i, f := range refused {
			rIDs[i], nos[i], reasons[i] = f.InvoiceID, int32(f.No), f.Reason
			entries = append(entries, audit.Entry{Actor: by, Action: "invoice_refused", Entity: "billing_invoice", EntityID: r.ID + "/" + f.InvoiceID,
				After: map[string]string{"number": f.Number, "refusal": strconv.Itoa(f.No)}, Reason: f.Reason})
		}
		if _, err := tx.ExecContext(ctx, sqlfiles.Query("billing_insert_refusals"), r.ID, by, t, rIDs, nos, reasons); err != nil {
			return err
		}
	}
	if _, err := audit.AppendAll(ctx, tx, t, entries); err != nil {
		return err
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
