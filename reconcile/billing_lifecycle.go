package reconcile

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/internal/audit"
	sqlfiles "github.com/takt-billing/takt/sql"
)

// ApproveRun approves a draft. The approver must differ from the creator
// and from everyone who adjusted the run (segregation of duties); a
// foreign-currency invoice needs its exchange rate, a reverse-charge
// invoice the firm's own VAT id.
func ApproveRun(ctx context.Context, db *sql.DB, s Settings, runID, by string, clock func() time.Time) (*Run, error) {
	if strings.TrimSpace(by) == "" {
		return nil, audit.ErrNoActor
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r, err := LoadRun(ctx, tx, runID)
	if err != nil {
		return nil, err
	}
	if r.Status != StatusDraft {
		return nil, fmt.Errorf("billing: approve %s: %w: the run is %s; only a draft can be approved", runID, ErrStatus, r.Status)
	}
	if by == r.CreatedBy {
		return nil, fmt.Errorf("billing: approve %s: %w: %s created it", runID, ErrSameUser, by)
	}
	for _, a := range r.Adjustments {
		if a.Actor == by {
			return nil, fmt.Errorf("billing: approve %s: %w: %s adjusted it (adjustment %d)", runID, ErrSameUser, by, a.No)
		}
	}
	for _, inv := range r.Invoices {
		if inv.Currency != inv.BaseCurrency && inv.FX == nil {
			return nil, fmt.Errorf("billing: approve %s: invoice %s (%s, %s) has no exchange rate to %s: import fx_rates or book an invoice in %s in Xero, then create the run again",
				runID, inv.ID, inv.Customer, inv.Currency, inv.BaseCurrency, inv.Currency)
		}
		if inv.VATCase == VATReverseCharge && strings.TrimSpace(s.SellerVATID) == "" {
			return nil, fmt.Errorf("billing: approve %s: invoice %s (%s) is reverse charge and must show the firm's own VAT id: set billing.seller_vat_id in takt.yaml",
				runID, inv.ID, inv.Customer)
		}
	}
	// To the microsecond, as the database keeps it: the run returned is
	// the run a later read gives.
	t := now(clock).Truncate(time.Microsecond)
	if _, err := audit.Append(ctx, tx, t, audit.Entry{Actor: by, Action: "run_approved", Entity: "billing_run", EntityID: runID,
		Before: map[string]string{"status": r.Status}, After: map[string]string{"status": StatusApproved, "approved_by": by, "content_hash": contentHash(r)}}); err != nil {
		return nil, err
	}
	res, err := tx.ExecContext(ctx, sqlfiles.Query("billing_set_status_approved"), runID, by, t)
	if err != nil {
		return nil, fmt.Errorf("billing: approve %s: %w", runID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, fmt.Errorf("billing: approve %s: %w", runID, err)
	} else if n != 1 {
		return nil, fmt.Errorf("billing: approve %s: %w: the run is no longer a draft; show it", runID, ErrStatus)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("billing: approve %s: commit: %w", runID, err)
	}
	// The run was read in the transaction; only its status changed (a
	// large run's items are not read a second time).
	r.Status, r.ApprovedBy, r.ApprovedAt = StatusApproved, by, t
	return r, nil
}

// DiscardRun discards a draft or approved run that nothing was exported
// from: its work is released for other runs. Invoice numbers it had been
// given are logged as gaps.
func DiscardRun(ctx context.Context, db *sql.DB, runID, by, reason string, clock func() time.Time) error {
	if strings.TrimSpace(by) == "" {
		return audit.ErrNoActor
	}
	if strings.TrimSpace(reason) == "" {
		return fmt.Errorf("billing: discard %s: %w", runID, ErrNoReason)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// The status and the invoices decide; the items stay as they are.
	r, err := loadRun(ctx, tx, runID, false)
	if err != nil {
		return err
	}
	if r.Status != StatusDraft && r.Status != StatusApproved {
		return fmt.Errorf("billing: discard %s: %w: the run is %s", runID, ErrStatus, r.Status)
	}
	var gaps []string
	for _, inv := range r.Invoices {
		if !inv.ExportedAt.IsZero() {
			return fmt.Errorf("billing: discard %s: %w: invoice %s was already exported as %s; finish the export, then correct it with a credit note",
				runID, ErrStatus, inv.ID, inv.Number)
		}
		if inv.Number != "" {
			gaps = append(gaps, inv.Number)
		}
	}
	t := now(clock)
	if _, err := audit.Append(ctx, tx, t, audit.Entry{Actor: by, Action: "run_discarded", Entity: "billing_run", EntityID: runID,
		Before: map[string]string{"status": r.Status}, After: map[string]any{"status": StatusDiscarded, "unused_numbers": gaps}, Reason: reason}); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, sqlfiles.Query("billing_set_status_discarded"), runID, by, t, reason); err != nil {
		return fmt.Errorf("billing: discard %s: %w", runID, err)
	}
	if _, err := tx.ExecContext(ctx, sqlfiles.Query("billing_delete_claims"), runID); err != nil {
		return fmt.Errorf("billing: discard %s: release work: %w", runID, err)
	}
	return tx.Commit()
}

// LineEdit changes a line of a draft; nil fields stay. A new hours or rate
// recomputes the amount (hours x rate, rounded to cents) unless Amount is
// given too.
type LineEdit struct {
	Hours       *decimal.Decimal
	Rate        *decimal.Decimal
	Amount      *decimal.Decimal
	Description *string
}

// editable opens the transaction of a manual change: the run must be a
// draft, or approved (the change voids the approval).
func editable(ctx context.Context, db *sql.DB, runID, by, reason string) (*sql.Tx, *Run, error) {
	if strings.TrimSpace(by) == "" {
		return nil, nil, audit.ErrNoActor
	}
	if strings.TrimSpace(reason) == "" {
		return nil, nil, fmt.Errorf("billing: adjust %s: %w", runID, ErrNoReason)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	r, err := LoadRun(ctx, tx, runID)
	if err != nil {
		tx.Rollback()
		return nil, nil, err
	}
	if r.Status != StatusDraft && r.Status != StatusApproved {
		tx.Rollback()
		return nil, nil, fmt.Errorf("billing: adjust %s: %w: the run is %s; an exported run is never changed, correct it with a credit note (`takt billing-run correct`)",
			runID, ErrStatus, r.Status)
	}
	for _, inv := range r.Invoices {
		if inv.Number != "" {
			tx.Rollback()
			return nil, nil, fmt.Errorf("billing: adjust %s: %w: its export has started (invoice %s); finish the export", runID, ErrStatus, inv.Number)
		}
	}
	return tx, r, nil
}

// voidApproval puts an approved run back to draft, logged with the reason
// of the edit that caused it.
func voidApproval(ctx context.Context, tx *sql.Tx, r *Run, by, reason string, t time.Time) error {
	if r.Status != StatusApproved {
		return nil
	}
	if _, err := audit.Append(ctx, tx, t, audit.Entry{Actor: by, Action: "approval_voided", Entity: "billing_run", EntityID: r.ID,
		Before: map[string]string{"status": StatusApproved, "approved_by": r.ApprovedBy}, After: map[string]string{"status": StatusDraft},
		Reason: "edited after approval: " + reason}); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, sqlfiles.Query("billing_void_approval"), r.ID); err != nil {
		return err
	}
	r.Status = StatusDraft
	return nil
}

func findLine(r *Run, lineID string) (inv *Invoice, line *Line, writeOff bool) {
	for i := range r.Invoices {
		for j := range r.Invoices[i].Lines {
			if r.Invoices[i].Lines[j].ID == lineID {
				return &r.Invoices[i], &r.Invoices[i].Lines[j], false
			}
		}
		for j := range r.Invoices[i].WriteOffs {
			if r.Invoices[i].WriteOffs[j].ID == lineID {
				return &r.Invoices[i], &r.Invoices[i].WriteOffs[j], true
			}
		}
	}
	return nil, nil, false
}

func lineState(l Line) map[string]any {
	m := map[string]any{"line_id": l.ID, "kind": l.Kind, "description": l.Description, "amount": l.Amount.StringFixed(2)}
	if l.Hours.Valid {
		m["hours"] = l.Hours.Decimal.String()
	}
	if l.Rate.Valid {
		m["rate"] = l.Rate.Decimal.String()
	}
	return m
}

// recordAdjustment logs a manual change in the audit trail and in
// billing.adjustments.
func recordAdjustment(ctx context.Context, tx *sql.Tx, r *Run, kind, lineID, itemKey string, before, after any, by, reason string, t time.Time) error {
	rec, err := audit.Append(ctx, tx, t, audit.Entry{Actor: by, Action: "run_adjusted_" + kind, Entity: "billing_line",
		EntityID: r.ID + "/" + firstNonEmpty(lineID, itemKey), Before: before, After: after, Reason: reason})
	if err != nil {
		return err
	}
	b, _ := json.Marshal(before)
	a, _ := json.Marshal(after)
	if _, err := tx.ExecContext(ctx, sqlfiles.Query("billing_insert_adjustment"), r.ID, kind, nullString(lineID), nullString(itemKey),
		string(b), string(a), reason, by, t, rec.Seq); err != nil {
		return fmt.Errorf("billing: adjust %s: %w", r.ID, err)
	}
	return nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// refreshTotals recomputes an invoice's totals, cash discount, notes and
// base amounts after its lines changed.
func refreshTotals(ctx context.Context, tx *sql.Tx, s Settings, r *Run, inv *Invoice) error {
	s = s.withDefaults()
	inv.Net, inv.Tax, inv.TaxBreakdown = totals(inv.Lines)
	inv.Gross = inv.Net.Add(inv.Tax)
	var skAmt any
	if inv.Skonto != nil {
		inv.Skonto.Amount = round2(inv.Gross.Mul(inv.Skonto.Percent).Div(hundred))
		skAmt = inv.Skonto.Amount.String()
	}
	if inv.Currency == inv.BaseCurrency {
		inv.BaseNet, inv.BaseTax, inv.BaseGross = inv.Net, inv.Tax, inv.Gross
	} else if inv.FX != nil {
		inv.BaseNet = round2(inv.Net.Div(inv.FX.Rate))
		inv.BaseTax = round2(inv.Tax.Div(inv.FX.Rate))
		inv.BaseGross = inv.BaseNet.Add(inv.BaseTax)
	}
	if inv.Corrects == nil {
		// A credit note's texts hold no amounts and keep the reason they
		// were made with.
		inv.Notes = notes(*inv, s, r.InvoiceDate)
	}
	breakdown, notes := invoiceTexts(*inv)
	bn, bt, bg := baseAmounts(*inv)
	_, err := tx.ExecContext(ctx, sqlfiles.Query("billing_update_totals"), r.ID, inv.ID, inv.Net.String(), inv.Tax.String(),
		inv.Gross.String(), breakdown, skAmt, notes, bn, bt, bg)
	return err
}

// EditLine changes a line of a draft (or of an approved run, which loses
// its approval), with a reason.
func EditLine(ctx context.Context, db *sql.DB, s Settings, runID, lineID string, e LineEdit, by, reason string, clock func() time.Time) (*Run, error) {
	tx, r, err := editable(ctx, db, runID, by, reason)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	inv, l, _ := findLine(r, lineID)
	if l == nil {
		return nil, fmt.Errorf("billing: adjust %s: line %s: %w", runID, lineID, ErrNotFound)
	}
	before := lineState(*l)
	if e.Hours != nil {
		l.Hours = decimal.NewNullDecimal(*e.Hours)
	}
	if e.Rate != nil {
		l.Rate = decimal.NewNullDecimal(*e.Rate)
	}
	switch {
	case e.Amount != nil:
		l.Amount = round2(*e.Amount)
	case (e.Hours != nil || e.Rate != nil) && l.Hours.Valid && l.Rate.Valid:
		l.Amount = round2(l.Hours.Decimal.Mul(l.Rate.Decimal))
	}
	if e.Description != nil {
		l.Description = *e.Description
	}
	l.ManuallyChanged = true
	t := now(clock)
	if err := voidApproval(ctx, tx, r, by, reason, t); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, sqlfiles.Query("billing_update_line"), runID, l.ID, l.Description, nullDec(l.Hours), nullDec(l.Rate),
		l.Amount.String(), l.Kind); err != nil {
		return nil, fmt.Errorf("billing: adjust %s: line %s: %w", runID, lineID, err)
	}
	if err := refreshTotals(ctx, tx, s, r, inv); err != nil {
		return nil, err
	}
	if err := recordAdjustment(ctx, tx, r, "edit_line", lineID, "", before, lineState(*l), by, reason, t); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return LoadRun(ctx, db, runID)
}

// WriteOffLine turns a line of a draft into a write-off: its work is not
// billed, and is closed (never proposed again) when the run is exported.
func WriteOffLine(ctx context.Context, db *sql.DB, s Settings, runID, lineID, by, reason string, clock func() time.Time) (*Run, error) {
	tx, r, err := editable(ctx, db, runID, by, reason)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	inv, l, isWO := findLine(r, lineID)
	if l == nil || isWO {
		return nil, fmt.Errorf("billing: write off %s: line %s: %w (or already a write-off)", runID, lineID, ErrNotFound)
	}
	before := lineState(*l)
	l.Kind = LineWriteOff
	l.ManuallyChanged = true
	t := now(clock)
	if err := voidApproval(ctx, tx, r, by, reason, t); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, sqlfiles.Query("billing_update_line"), runID, l.ID, l.Description, nullDec(l.Hours), nullDec(l.Rate),
		l.Amount.String(), l.Kind); err != nil {
		return nil, err
	}
	inv.Lines = slices.DeleteFunc(inv.Lines, func(x Line) bool { return x.ID == lineID })
	if err := refreshTotals(ctx, tx, s, r, inv); err != nil {
		return nil, err
	}
	if err := recordAdjustment(ctx, tx, r, "write_off", lineID, "", before, lineState(*l), by, reason, t); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return LoadRun(ctx, db, runID)
}

// MoveItem takes a work item out of a draft and defers it to a later
// period: the item's line loses its hours (or the line goes), the item is
// released from this run and no run of an earlier period bills it.
func MoveItem(ctx context.Context, db *sql.DB, s Settings, runID, itemKey string, toPeriod time.Time, by, reason string, clock func() time.Time) (*Run, error) {
	tx, r, err := editable(ctx, db, runID, by, reason)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	to := toPeriod.Format("2006-01")
	if to <= r.Period {
		return nil, fmt.Errorf("billing: move %s from %s: --to %s must be a later period than the run's %s", itemKey, runID, to, r.Period)
	}
	var inv *Invoice
	var line *Line
	var item LineItem
	for i := range r.Invoices {
		for _, list := range []*[]Line{&r.Invoices[i].Lines, &r.Invoices[i].WriteOffs} {
			for j := range *list {
				for _, it := range (*list)[j].Items {
					if it.Key == itemKey {
						inv, line, item = &r.Invoices[i], &(*list)[j], it
					}
				}
			}
		}
	}
	if line == nil {
		return nil, fmt.Errorf("billing: move %s: item %s: %w in this run", runID, itemKey, ErrNotFound)
	}
	before := lineState(*line)
	t := now(clock)
	if err := voidApproval(ctx, tx, r, by, reason, t); err != nil {
		return nil, err
	}
	line.Items = slices.DeleteFunc(line.Items, func(x LineItem) bool { return x.Key == itemKey })
	if _, err := tx.ExecContext(ctx, sqlfiles.Query("billing_delete_line_item"), runID, line.ID, itemKey); err != nil {
		return nil, err
	}
	var after any
	if len(line.Items) == 0 {
		if _, err := tx.ExecContext(ctx, sqlfiles.Query("billing_delete_line"), runID, line.ID); err != nil {
			return nil, err
		}
		id := line.ID
		inv.Lines = slices.DeleteFunc(inv.Lines, func(x Line) bool { return x.ID == id })
		inv.WriteOffs = slices.DeleteFunc(inv.WriteOffs, func(x Line) bool { return x.ID == id })
	} else {
		if line.Hours.Valid {
			line.Hours.Decimal = line.Hours.Decimal.Sub(item.Quantity)
			line.Amount = round2(line.Hours.Decimal.Mul(line.Rate.Decimal))
		} else {
			line.Amount = round2(line.Amount.Sub(item.Amount))
		}
		line.ManuallyChanged = true
		if _, err := tx.ExecContext(ctx, sqlfiles.Query("billing_update_line"), runID, line.ID, line.Description, nullDec(line.Hours),
			nullDec(line.Rate), line.Amount.String(), line.Kind); err != nil {
			return nil, err
		}
		after = lineState(*line)
	}
	if _, err := tx.ExecContext(ctx, sqlfiles.Query("billing_delete_claim"), runID, itemKey); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, sqlfiles.Query("billing_insert_deferral"), itemKey, runID, to); err != nil {
		return nil, err
	}
	if err := refreshTotals(ctx, tx, s, r, inv); err != nil {
		return nil, err
	}
	if err := recordAdjustment(ctx, tx, r, "move_item", line.ID, itemKey, before,
		map[string]any{"line": after, "moved_to": to, "item": itemKey}, by, reason, t); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return LoadRun(ctx, db, runID)
}

// Acknowledgement is a controller's acknowledgement of an exception, with
// what the exception said at that time.
type Acknowledgement struct {
	No        int
	By        string
	At        time.Time
	Reason    string
	Amount    decimal.Decimal
	Currency  string
	SourceIDs []string
	AuditSeq  int64
}

// Acknowledge records that a controller looked at an exception and why it
// needs no action. The exception must be one reconciliation currently
// reports.
func Acknowledge(ctx context.Context, db *sql.DB, exceptionID, by, reason string, clock func() time.Time) (*Acknowledgement, error) {
	if strings.TrimSpace(by) == "" {
		return nil, audit.ErrNoActor
	}
	if strings.TrimSpace(reason) == "" {
		return nil, fmt.Errorf("acknowledge %s: %w", exceptionID, ErrNoReason)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var id, kind, amount, currency, ids string
	if err := tx.QueryRowContext(ctx, sqlfiles.Query("billing_exception"), exceptionID).Scan(&id, &kind, &amount, &currency, &ids); err != nil {
		if err == sql.ErrNoRows {
			return nil, fmt.Errorf("acknowledge %s: exception %w: list them with `takt exceptions`", exceptionID, ErrNotFound)
		}
		return nil, err
	}
	a := &Acknowledgement{By: by, At: now(clock), Reason: reason, Amount: decimal.RequireFromString(amount), Currency: currency}
	_ = json.Unmarshal([]byte(ids), &a.SourceIDs)
	rec, err := audit.Append(ctx, tx, a.At, audit.Entry{Actor: by, Action: "exception_acknowledged", Entity: "acknowledgement", EntityID: exceptionID,
		After: map[string]any{"kind": kind, "amount": a.Amount.StringFixed(2), "currency": currency, "source_ids": a.SourceIDs}, Reason: reason})
	if err != nil {
		return nil, err
	}
	a.AuditSeq = rec.Seq
	if _, err := tx.ExecContext(ctx, sqlfiles.Query("billing_insert_ack"), exceptionID, kind, a.Amount.String(), currency, ids, reason, by, a.At, rec.Seq); err != nil {
		return nil, fmt.Errorf("acknowledge %s: %w", exceptionID, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return a, nil
}
