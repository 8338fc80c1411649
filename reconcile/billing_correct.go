package reconcile

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/internal/audit"
	sqlfiles "github.com/takt-billing/takt/sql"
)

// CorrectionOptions say what to correct: work billed on an exported takt
// invoice.
type CorrectionOptions struct {
	// InvoiceNumber is the number of the exported invoice to correct.
	InvoiceNumber string
	// Items are the item keys (time:123, expense:9, ...) to credit; empty
	// means every item of the invoice not credited yet, or, with
	// OnlyChanged, those whose hours or rate changed since.
	Items       []string
	OnlyChanged bool
	// Rebill adds a replacement invoice that bills the credited work as it
	// is now.
	Rebill bool
	By     string
	Reason string
	// InvoiceDate of the credit note; zero means the warehouse's as-of day.
	InvoiceDate time.Time
	Now         func() time.Time
}

type ledgerRow struct {
	key      string
	quantity decimal.Decimal
	amount   decimal.Decimal
	rate     decimal.NullDecimal
}

// CreateCorrection proposes a correction run for an exported invoice: a
// credit note that references it (number and date) and credits exactly the
// chosen work (releasing it for billing again once the credit note is
// exported), and with Rebill a replacement invoice for that work as it is
// now. An item of an invoice can be credited once.
func CreateCorrection(ctx context.Context, db *sql.DB, s Settings, opt CorrectionOptions) (*Run, error) {
	s = s.withDefaults()
	if strings.TrimSpace(opt.By) == "" {
		return nil, audit.ErrNoActor
	}
	if strings.TrimSpace(opt.Reason) == "" {
		return nil, fmt.Errorf("billing: correct %s: %w", opt.InvoiceNumber, ErrNoReason)
	}
	var origRunID, origInvID string
	if err := db.QueryRowContext(ctx, sqlfiles.Query("billing_invoice_by_number"), opt.InvoiceNumber).Scan(&origRunID, &origInvID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("billing: correct %s: no exported takt invoice has this number: %w", opt.InvoiceNumber, ErrNotFound)
		}
		return nil, err
	}
	orig, err := LoadRun(ctx, db, origRunID)
	if err != nil {
		return nil, err
	}
	var oi Invoice
	for _, inv := range orig.Invoices {
		if inv.ID == origInvID {
			oi = inv
		}
	}
	if oi.DocType != DocInvoice {
		return nil, fmt.Errorf("billing: correct %s: it is a %s; only invoices are corrected", opt.InvoiceNumber, oi.DocType)
	}
	ledger, err := invoiceLedger(ctx, db, origRunID, origInvID)
	if err != nil {
		return nil, err
	}
	released := map[string]bool{}
	rows, err := db.QueryContext(ctx, sqlfiles.Query("billing_released"), origRunID, origInvID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var key, run string
		if err := rows.Scan(&key, &run); err != nil {
			rows.Close()
			return nil, err
		}
		released[key] = true
	}
	rows.Close()
	billedKeys := map[string]bool{}
	for _, l := range oi.Lines {
		for _, it := range l.Items {
			billedKeys[it.Key] = true
		}
	}
	var keys []string
	for k := range ledger {
		if billedKeys[k] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	current, err := currentItems(ctx, db, keys)
	if err != nil {
		return nil, err
	}
	var chosen []string
	if len(opt.Items) > 0 {
		for _, k := range opt.Items {
			switch {
			case !billedKeys[k]:
				return nil, fmt.Errorf("billing: correct %s: item %s: %w on this invoice", opt.InvoiceNumber, k, ErrNotFound)
			case released[k]:
				return nil, fmt.Errorf("billing: correct %s: item %s was already credited on this invoice; a credit note releases an item once", opt.InvoiceNumber, k)
			}
			chosen = append(chosen, k)
		}
	} else {
		for _, k := range keys {
			if released[k] {
				continue
			}
			if opt.OnlyChanged {
				c, ok := current[k]
				l := ledger[k]
				if ok && c.Hours.Equal(l.quantity) && (!l.rate.Valid || c.Rate.Decimal.Equal(l.rate.Decimal)) {
					continue
				}
			}
			chosen = append(chosen, k)
		}
	}
	if len(chosen) == 0 {
		return nil, fmt.Errorf("billing: correct %s: %w: no item of the invoice is left to credit", opt.InvoiceNumber, ErrNothingToBill)
	}
	slices.Sort(chosen)
	invoiceDate := opt.InvoiceDate
	if invoiceDate.IsZero() {
		if err := db.QueryRowContext(ctx, sqlfiles.Query("billing_as_of")).Scan(&invoiceDate); err != nil {
			return nil, err
		}
	}
	invoiceDate = dateOnly(invoiceDate)
	ref := &DocRef{RunID: origRunID, InvoiceID: origInvID, Number: oi.Number, Date: orig.InvoiceDate, Reason: opt.Reason}
	cn := creditNote(oi, chosen, ref)
	if err := finishCredit(&cn, s, invoiceDate, oi); err != nil {
		return nil, err
	}
	cn.Position = 1
	invs := []Invoice{cn}
	if opt.Rebill {
		var cands []Candidate
		for _, k := range chosen {
			if c, ok := current[k]; ok && c.billable {
				cands = append(cands, c.Candidate)
			}
		}
		if len(cands) > 0 {
			rep := Invoice{DocType: DocInvoice, CustomerID: oi.CustomerID, Customer: oi.Customer, Country: oi.Country, VATID: oi.VATID,
				XeroContactID: oi.XeroContactID, Currency: oi.Currency, VATCase: oi.VATCase, BaseCurrency: s.BaseCurrency}
			rep.ID = "INV-" + shortHash("replacement", oi.ID, strings.Join(chosen, ","))
			ptrs := make([]*Candidate, len(cands))
			for i := range cands {
				ptrs[i] = &cands[i]
			}
			rep.Lines, rep.WriteOffs = linesFor(rep.ID, ptrs, nil, nil, oi.taxRate())
			sameRate := func(string, string) (*FX, error) { return oi.FX, nil }
			if err := finish(&rep, s, invoiceDate, sameRate); err != nil {
				return nil, err
			}
			rep.Notes = append([]string{fmt.Sprintf("Ersetzt Rechnung %s vom %s. / Replaces invoice %s of %s.", oi.Number,
				orig.InvoiceDate.Format(time.DateOnly), oi.Number, orig.InvoiceDate.Format(time.DateOnly))}, rep.Notes...)
			rep.Position = 2
			invs = append(invs, rep)
		}
	}
	t := now(opt.Now)
	run := &Run{Kind: KindCorrectionRun, Period: orig.Period, PeriodEnd: orig.PeriodEnd, InvoiceDate: invoiceDate, Status: StatusDraft,
		CreatedBy: opt.By, CreatedAt: t, Invoices: invs, Reason: opt.Reason,
		InputsHash: shortHash(append([]string{oi.ID, opt.Reason, invoiceDate.Format(time.DateOnly)}, chosen...)...)}
	for attempt := 1; ; attempt++ {
		err := storeCorrection(ctx, db, run, oi)
		if err == nil {
			return run, nil
		}
		if !isConflict(err) || attempt == maxCreateAttempts {
			return nil, err
		}
	}
}

func storeCorrection(ctx context.Context, db *sql.DB, run *Run, oi Invoice) error {
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
	var n int
	if err := tx.QueryRowContext(ctx, sqlfiles.Query("billing_run_count"), run.Period).Scan(&n); err != nil {
		return err
	}
	run.ID = fmt.Sprintf("BR-%s-%02d", run.Period, n+1)
	credits := creditClaims(run)
	if err := creditsHeld(ctx, tx, oi, credits); err != nil {
		return err
	}
	if err := insertRun(ctx, conn, tx, run); err != nil {
		if isConflict(err) {
			// A correction committed since the check above may hold them.
			if held := creditsHeld(ctx, db, oi, credits); held != nil {
				return held
			}
		}
		return err
	}
	if _, err := audit.Append(ctx, tx, run.CreatedAt, audit.Entry{Actor: run.CreatedBy, Action: "correction_created", Entity: "billing_run",
		EntityID: run.ID, After: runSummary(run), Reason: run.Reason}); err != nil {
		return err
	}
	return tx.Commit()
}

// creditClaims are the claims the credit notes of a correction run hold on
// the items they credit.
func creditClaims(run *Run) []string {
	var keys []string
	for _, inv := range run.Invoices {
		if inv.DocType != DocCreditNote {
			continue
		}
		for _, l := range inv.Lines {
			for _, it := range l.Items {
				keys = append(keys, creditClaim(inv.Corrects, it.Key))
			}
		}
	}
	return keys
}

// creditsHeld refuses a correction when another open correction run
// already credits one of its items.
func creditsHeld(ctx context.Context, q querier, oi Invoice, credits []string) error {
	if len(credits) == 0 {
		return nil
	}
	b, err := json.Marshal(credits)
	if err != nil {
		return err
	}
	rows, err := q.QueryContext(ctx, sqlfiles.Query("billing_claims_held"), string(b))
	if err != nil {
		return fmt.Errorf("billing: correct %s: read claims: %w", oi.Number, err)
	}
	defer rows.Close()
	var held []string
	for rows.Next() {
		var key, runID string
		if err := rows.Scan(&key, &runID); err != nil {
			return err
		}
		// credit:<run>/<invoice>:<item key>
		if parts := strings.SplitN(key, ":", 3); len(parts) == 3 {
			key = parts[2]
		}
		held = append(held, fmt.Sprintf("%s (run %s)", key, runID))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(held) > 0 {
		return fmt.Errorf("billing: correct %s: another open correction run already credits %s; approve and export or discard it first",
			oi.Number, strings.Join(held, ", "))
	}
	return nil
}

func (inv Invoice) taxRate() decimal.Decimal {
	for _, l := range inv.Lines {
		return l.TaxRate
	}
	return decimal.Zero
}

// creditNote mirrors the original invoice's lines for the chosen items: a
// line credited in full credits its original amount; part of a time line
// credits its hours at the line's rate.
func creditNote(oi Invoice, chosen []string, ref *DocRef) Invoice {
	in := map[string]bool{}
	for _, k := range chosen {
		in[k] = true
	}
	cn := Invoice{DocType: DocCreditNote, CustomerID: oi.CustomerID, Customer: oi.Customer, Country: oi.Country, VATID: oi.VATID,
		XeroContactID: oi.XeroContactID, Currency: oi.Currency, VATCase: oi.VATCase, BaseCurrency: oi.BaseCurrency, Corrects: ref}
	cn.ID = "CN-" + shortHash(oi.ID, strings.Join(chosen, ","), ref.Reason)
	for _, l := range oi.Lines {
		var items []LineItem
		hours := decimal.Zero
		for _, it := range l.Items {
			if in[it.Key] {
				items = append(items, it)
				hours = hours.Add(it.Quantity)
			}
		}
		if len(items) == 0 {
			continue
		}
		c := Line{Kind: l.Kind, ProjectCode: l.ProjectCode, Project: l.Project, Task: l.Task, TaxRate: l.TaxRate, Items: items,
			Description: "Gutschrift / credit: " + l.Description, Amount: l.Amount}
		if l.Hours.Valid && l.Rate.Valid {
			c.Hours, c.Rate = decimal.NewNullDecimal(hours), l.Rate
			if len(items) < len(l.Items) {
				c.Amount = round2(hours.Mul(l.Rate.Decimal))
			}
		}
		var keys []string
		for _, it := range items {
			keys = append(keys, it.Key)
		}
		c.ID = "L-" + shortHash(cn.ID, l.ID, strings.Join(keys, ","))
		c.Position = len(cn.Lines) + 1
		cn.Lines = append(cn.Lines, c)
	}
	return cn
}

// finishCredit computes a credit note's totals as for an invoice; it is
// converted at the rate of the invoice it corrects and is due at once.
func finishCredit(cn *Invoice, s Settings, invoiceDate time.Time, oi Invoice) error {
	sameRate := func(string, string) (*FX, error) { return oi.FX, nil }
	if err := finish(cn, s, invoiceDate, sameRate); err != nil {
		return err
	}
	cn.PaymentDays = 0
	cn.DueDate = invoiceDate
	return nil
}

func invoiceLedger(ctx context.Context, db *sql.DB, runID, invoiceID string) (map[string]ledgerRow, error) {
	rows, err := db.QueryContext(ctx, sqlfiles.Query("billing_ledger_of_invoice"), runID, invoiceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]ledgerRow{}
	for rows.Next() {
		var r ledgerRow
		var q, a string
		var rate sql.NullString
		if err := rows.Scan(&r.key, &q, &a, &rate); err != nil {
			return nil, err
		}
		r.quantity, r.amount = decimal.RequireFromString(q), decimal.RequireFromString(a)
		if rate.Valid {
			r.rate = decimal.NewNullDecimal(decimal.RequireFromString(rate.String))
		}
		out[r.key] = r
	}
	return out, rows.Err()
}

type currentItem struct {
	Candidate
	billable bool
}

// currentItems reads billed work as the sources hold it now.
func currentItems(ctx context.Context, db *sql.DB, keys []string) (map[string]currentItem, error) {
	out := map[string]currentItem{}
	if len(keys) == 0 {
		return out, nil
	}
	js, _ := json.Marshal(keys)
	rows, err := db.QueryContext(ctx, sqlfiles.Query("billing_current_items"), string(js))
	if err != nil {
		return nil, fmt.Errorf("billing: read billed work: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c currentItem
		var hours, amount string
		var rate sql.NullString
		var customerID sql.NullString
		if err := rows.Scan(&c.Key, &customerID, &c.Customer, &c.ProjectCode, &c.Project, &c.BillingModel, &c.Task, &c.Person, &c.WorkDate,
			&hours, &rate, &amount, &c.Currency, &c.billable); err != nil {
			return nil, err
		}
		c.CustomerID = customerID.String
		c.Kind, c.SourceID, _ = strings.Cut(c.Key, ":")
		c.Hours, c.Amount = decimal.RequireFromString(hours), decimal.RequireFromString(amount)
		if rate.Valid {
			c.Rate = decimal.NewNullDecimal(decimal.RequireFromString(rate.String))
		}
		out[c.Key] = c
	}
	return out, rows.Err()
}
