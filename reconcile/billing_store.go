package reconcile

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/internal/audit"
	"github.com/takt-billing/takt/internal/money"
	sqlfiles "github.com/takt-billing/takt/sql"
)

// CreateOptions say which run to create.
type CreateOptions struct {
	// Period is any day of the month to bill; work dated up to its last
	// day is billed.
	Period time.Time
	// By is the user creating the run.
	By string
	// InvoiceDate is the invoices' date; zero means the warehouse's as-of
	// day (the day of the last `takt run`).
	InvoiceDate time.Time
	// Now is the clock for timestamps; nil means time.Now.
	Now func() time.Time
	// Log receives each step of the build at debug level, with its
	// duration in seconds ("billing run step": where a large run spends
	// its time); nil logs nothing.
	Log *slog.Logger
}

// steps logs the steps of a run's build with their durations.
type steps struct {
	ctx  context.Context
	log  *slog.Logger
	last time.Time
}

// done logs the step that ends now.
func (s *steps) done(step string, attrs ...any) {
	if s.log == nil {
		return
	}
	t := time.Now()
	s.log.DebugContext(s.ctx, "billing run step", append([]any{"step", step, "seconds", t.Sub(s.last).Seconds()}, attrs...)...)
	s.last = t
}

// maxCreateAttempts bounds the retries after a conflict with a run
// created at the same time.
const maxCreateAttempts = 4

// CreateRun builds a draft run of the period from approved, billable,
// unbilled work that no other open run holds, and stores it with its
// claims and an audit record in one transaction. Two runs created at the
// same time never share an item: the claims' primary key lets only one
// of them commit; the other is rebuilt from what is left (and fails with
// ErrNothingToBill if nothing is).
func CreateRun(ctx context.Context, db *sql.DB, s Settings, opt CreateOptions) (*Run, error) {
	if strings.TrimSpace(opt.By) == "" {
		return nil, audit.ErrNoActor
	}
	var lastErr error
	for attempt := 1; attempt <= maxCreateAttempts; attempt++ {
		run, err := createOnce(ctx, db, s, opt)
		if err == nil || !isConflict(err) {
			return run, err
		}
		lastErr = err
		time.Sleep(time.Duration(attempt*attempt) * 10 * time.Millisecond)
	}
	return nil, fmt.Errorf("billing: create run: %w (%d attempts): %v", ErrConflict, maxCreateAttempts, lastErr)
}

// isConflict reports whether err is DuckDB refusing a write because
// another transaction wrote the same key.
func isConflict(err error) bool {
	if err == nil {
		return false
	}
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"conflict", "duplicate key", "constraint violat"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return errors.Is(err, ErrConflict)
}

func now(opt func() time.Time) time.Time {
	if opt != nil {
		return opt().UTC()
	}
	return time.Now().UTC()
}

func createOnce(ctx context.Context, db *sql.DB, s Settings, opt CreateOptions) (*Run, error) {
	s = s.withDefaults()
	st := &steps{ctx: ctx, log: opt.Log, last: time.Now()}
	period := time.Date(opt.Period.Year(), opt.Period.Month(), 1, 0, 0, 0, 0, time.UTC)
	periodEnd := period.AddDate(0, 1, -1)
	invoiceDate := opt.InvoiceDate
	if invoiceDate.IsZero() {
		if err := db.QueryRowContext(ctx, sqlfiles.Query("billing_as_of")).Scan(&invoiceDate); err != nil {
			return nil, fmt.Errorf("billing: the warehouse has no as-of day (run `takt run` first): %w", err)
		}
	}
	invoiceDate = dateOnly(invoiceDate)
	// The candidates are staged in a temporary table of one connection,
	// which also writes the run: the items of most lines are inserted from
	// it with one INSERT ... SELECT instead of travelling back as values.
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	month := period.Format("2006-01")
	if _, err := conn.ExecContext(ctx, sqlfiles.Query("billing_stage_candidates"), periodEnd, month, s.IgnoreBudgets); err != nil {
		return nil, fmt.Errorf("billing: read unbilled work: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), sqlfiles.Query("billing_drop_candidates"))
	st.done("stage_work")
	cands, held, err := loadCandidates(ctx, conn)
	if err != nil {
		return nil, err
	}
	st.done("read_work", "items", len(cands))
	plain, err := loadPlainLines(ctx, conn)
	if err != nil {
		return nil, err
	}
	st.done("sum_plain_lines", "lines", len(plain))
	heads, err := loadHeads(ctx, conn)
	if err != nil {
		return nil, err
	}
	st.done("fingerprint_invoices", "invoices", len(heads))
	if len(heads) == 0 {
		var heldNote string
		if len(held) > 0 {
			heldNote = fmt.Sprintf(" that is not already held by open run(s) %s (discard or export them first)", strings.Join(held, ", "))
		}
		return nil, fmt.Errorf("billing: %s: %w: no approved, billable, unbilled work up to %s%s",
			month, ErrNothingToBill, periodEnd.Format(time.DateOnly), heldNote)
	}
	budgets := map[string]Budget{}
	if !s.IgnoreBudgets {
		if budgets, err = loadBudgets(ctx, conn, periodEnd, cands); err != nil {
			return nil, err
		}
	}
	vat, err := loadVAT(ctx, db)
	if err != nil {
		return nil, err
	}
	fx, err := fxLookup(ctx, db, invoiceDate)
	if err != nil {
		return nil, err
	}
	st.done("read_budgets_vat_fx")
	invs, err := build(buildInput{Period: period, InvoiceDate: invoiceDate, Candidates: cands, Plain: plain, Heads: heads,
		Budgets: budgets, VAT: vat, FX: fx}, s)
	if err != nil {
		return nil, err
	}
	st.done("build")
	t := now(opt.Now)
	run := &Run{Kind: KindInvoiceRun, Period: month, PeriodEnd: periodEnd, InvoiceDate: invoiceDate,
		Status: StatusDraft, CreatedBy: opt.By, CreatedAt: t, Invoices: invs, InputsHash: inputsHash(heads, budgets, s, invoiceDate)}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, sqlfiles.Query("billing_run_count"), run.Period).Scan(&n); err != nil {
		return nil, err
	}
	run.ID = fmt.Sprintf("BR-%s-%02d", run.Period, n+1)
	if err := insertRun(ctx, conn, tx, run); err != nil {
		return nil, err
	}
	st.done("store", "run", run.ID)
	if err := readBackItems(ctx, conn, run); err != nil {
		return nil, fmt.Errorf("billing: run %s: %w", run.ID, err)
	}
	st.done("read_back_items")
	if _, err := audit.Append(ctx, tx, t, audit.Entry{Actor: opt.By, Action: "run_created", Entity: "billing_run", EntityID: run.ID,
		After: runSummary(run)}); err != nil {
		return nil, err
	}
	st.done("audit")
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("billing: create run %s: commit: %w", run.ID, err)
	}
	st.done("commit")
	return run, nil
}

func dateOnly(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// insertRun writes a run, its invoices, lines, items and claims. Lines
// and items go through the Appender on conn (a run of a large firm holds
// hundreds of thousands of items), inside tx. The items of plain time
// lines are inserted from the work staged on conn (Line.derived); a
// regular run claims its items from the stored ones.
func insertRun(ctx context.Context, conn *sql.Conn, tx *sql.Tx, run *Run) error {
	if _, err := tx.ExecContext(ctx, sqlfiles.Query("billing_insert_run"), run.ID, run.Kind, run.Period, run.PeriodEnd,
		run.InvoiceDate, run.CreatedBy, run.CreatedAt, run.InputsHash, nullString(run.Reason)); err != nil {
		return fmt.Errorf("billing: run %s: %w", run.ID, err)
	}
	var invoices, lines, items, plain [][]driver.Value
	var claims []string
	claimed := map[string]bool{}
	regular := run.Kind == KindInvoiceRun
	for _, inv := range run.Invoices {
		invoices = append(invoices, invoiceValues(run.ID, inv))
		for _, l := range append(append([]Line{}, inv.Lines...), inv.WriteOffs...) {
			lines = append(lines, []driver.Value{run.ID, inv.ID, l.ID, int32(l.Position), l.Kind, nullString(l.ProjectCode), nullString(l.Project),
				nullString(l.Task), l.Description, nullDec(l.Hours), nullDec(l.Rate), l.Amount.String(), l.TaxRate.String(), l.ManuallyChanged})
			if l.derived > 0 {
				plain = append(plain, []driver.Value{run.ID, l.ID, inv.CustomerID, inv.Currency, l.ProjectCode, l.Task, l.Rate.Decimal.String()})
				continue
			}
			for _, it := range l.Items {
				// An item's share of its line is kept to 4 decimals.
				items = append(items, []driver.Value{run.ID, l.ID, it.Key, it.Quantity.String(), money.RoundCents(it.Amount, 4).String()})
				if regular {
					continue // claimed from the stored items below
				}
				key := it.Key
				if inv.DocType == DocCreditNote {
					key = creditClaim(inv.Corrects, it.Key)
				}
				if !claimed[key] {
					claimed[key] = true
					claims = append(claims, key)
				}
			}
		}
	}
	for _, r := range []struct {
		what, query string
		cols        []column
		rows        [][]driver.Value
	}{
		{"invoices", "billing_insert_invoices", invoiceColumns, invoices},
		{"lines", "billing_insert_lines", lineColumns, lines},
		{"items", "billing_insert_line_items", itemColumns, items},
		{"items", "billing_insert_time_items", plainColumns, plain},
	} {
		if err := appendRows(ctx, conn, sqlfiles.Query(r.query), r.cols, r.rows); err != nil {
			return fmt.Errorf("billing: run %s: %s: %w", run.ID, r.what, err)
		}
	}
	if regular {
		if _, err := tx.ExecContext(ctx, sqlfiles.Query("billing_insert_run_claims"), run.ID); err != nil {
			return fmt.Errorf("billing: run %s: claim its work: %w", run.ID, err)
		}
		return nil
	}
	rows := make([][]driver.Value, len(claims))
	for i, k := range claims {
		rows[i] = []driver.Value{k, run.ID}
	}
	if err := appendRows(ctx, conn, sqlfiles.Query("billing_insert_claims"), claimColumns, rows); err != nil {
		return fmt.Errorf("billing: run %s: claim its work: %w", run.ID, err)
	}
	return nil
}

// creditClaim is the claim a credit note holds on an item of the invoice
// it corrects: a second open correction of the same item is refused.
func creditClaim(ref *DocRef, itemKey string) string {
	return "credit:" + ref.RunID + "/" + ref.InvoiceID + ":" + itemKey
}

// invoiceValues is an invoice as billing_insert_invoices reads it
// (invoiceColumns): decimals and dates as text.
func invoiceValues(runID string, inv Invoice) []driver.Value {
	breakdown, notes := invoiceTexts(inv)
	baseNet, baseTax, baseGross := baseAmounts(inv)
	var skPct, skDays, skDate, skAmt, fxRate, fxDate, fxSource, cRun, cInv, cNum, cDate driver.Value
	if sk := inv.Skonto; sk != nil {
		skPct, skDays, skDate, skAmt = sk.Percent.String(), int32(sk.Days), sk.Date.Format(time.DateOnly), sk.Amount.String()
	}
	if fx := inv.FX; fx != nil {
		fxRate, fxDate, fxSource = fx.Rate.String(), fx.Date.Format(time.DateOnly), nullString(fx.Source)
	}
	if c := inv.Corrects; c != nil {
		cRun, cInv, cNum, cDate = nullString(c.RunID), nullString(c.InvoiceID), nullString(c.Number), c.Date.Format(time.DateOnly)
	}
	return []driver.Value{runID, inv.ID, int32(inv.Position), inv.DocType, inv.CustomerID, inv.Customer, nullString(inv.Country),
		nullString(inv.VATID), nullString(inv.XeroContactID), inv.Currency, inv.VATCase, inv.Net.String(), inv.Tax.String(),
		inv.Gross.String(), breakdown, int32(inv.PaymentDays), inv.DueDate.Format(time.DateOnly), skPct, skDays, skDate, skAmt,
		notes, fxRate, fxDate, fxSource, inv.BaseCurrency, baseNet, baseTax, baseGross, cRun, cInv, cNum, cDate}
}

// invoiceTexts are the JSON texts stored with an invoice: its VAT per
// rate ([{rate, base, tax}]) and the notes printed on it.
func invoiceTexts(inv Invoice) (breakdown, notes string) {
	rates := make([]map[string]string, 0, len(inv.TaxBreakdown))
	for _, t := range inv.TaxBreakdown {
		rates = append(rates, map[string]string{"rate": t.Rate.StringFixed(2), "base": t.Base.StringFixed(2), "tax": t.Tax.StringFixed(2)})
	}
	b, _ := json.Marshal(rates)
	n, _ := json.Marshal(inv.Notes)
	return string(b), string(n)
}

// baseAmounts are an invoice's net, tax and gross in the base currency,
// NULL when a foreign-currency invoice has no rate.
func baseAmounts(inv Invoice) (net, tax, gross any) {
	if inv.Currency != inv.BaseCurrency && inv.FX == nil {
		return nil, nil, nil
	}
	return inv.BaseNet.String(), inv.BaseTax.String(), inv.BaseGross.String()
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullDec(d decimal.NullDecimal) any {
	if !d.Valid {
		return nil
	}
	return d.Decimal.String()
}

// runSummary is what the audit record of a run's creation or status
// change holds: enough to recognise the run, not its whole content.
func runSummary(r *Run) map[string]any {
	invs := make([]map[string]string, 0, len(r.Invoices))
	for _, i := range r.Invoices {
		invs = append(invs, map[string]string{"invoice_id": i.ID, "customer_id": i.CustomerID, "currency": i.Currency,
			"net": i.Net.StringFixed(2), "tax": i.Tax.StringFixed(2), "gross": i.Gross.StringFixed(2), "doc_type": i.DocType})
	}
	return map[string]any{"run_id": r.ID, "kind": r.Kind, "period": r.Period, "status": r.Status, "invoice_date": r.InvoiceDate.Format(time.DateOnly),
		"inputs_hash": r.InputsHash, "invoices": invs}
}

// inputsHash is what a run was computed from: the billable work of each
// invoice (its fingerprint, billing_invoice_heads), the budgets, the
// settings and the invoice date.
func inputsHash(heads map[custCur]invoiceHead, budgets map[string]Budget, s Settings, invoiceDate time.Time) string {
	h := sha256.New()
	for _, k := range slices.SortedFunc(maps.Keys(heads), func(a, b custCur) int {
		return cmp.Or(cmp.Compare(a.customer, b.customer), cmp.Compare(a.currency, b.currency))
	}) {
		fmt.Fprintf(h, "work|%s|%s|%s\n", k.customer, k.currency, heads[k].Work)
	}
	codes := make([]string, 0, len(budgets))
	for k := range budgets {
		codes = append(codes, k)
	}
	slices.Sort(codes)
	for _, k := range codes {
		b := budgets[k]
		fmt.Fprintf(h, "budget|%s|%s|%s|%s|%s|%s|%s\n", k, b.Hours.Decimal, b.Amount.Decimal, b.CRHours, b.CRAmount, b.UsedHours, b.UsedAmount)
	}
	st, _ := json.Marshal(s)
	h.Write(st)
	fmt.Fprintf(h, "date|%s", invoiceDate.Format(time.DateOnly))
	return hex.EncodeToString(h.Sum(nil))
}

// candidateRow is a staged candidate as billing_candidates returns it.
type candidateRow struct {
	key, customerID, customer, projectCode, project, task string
	workDate                                              time.Time
	hours, rate, amount                                   sql.NullString
	currency                                              string
	claimedBy                                             sql.NullString
	billable                                              bool
}

// loadCandidates reads the work a run may bill item by item from the
// connection's staged candidates (billing_stage_candidates, all but the
// plain time). Items that are not billable (held by an open run,
// deferred to a later period, without a customer, time without a rate)
// are left out; held lists the runs holding items.
func loadCandidates(ctx context.Context, conn *sql.Conn) (cands []Candidate, held []string, err error) {
	// Sized once: a large firm's run reads hundreds of thousands.
	var n int
	if err := conn.QueryRowContext(ctx, sqlfiles.Query("billing_count_candidates")).Scan(&n); err != nil {
		return nil, nil, fmt.Errorf("billing: read unbilled work: %w", err)
	}
	cands = make([]Candidate, 0, n)
	heldBy := map[string]bool{}
	err = scanCandidateRows(ctx, conn, func(r *candidateRow) error {
		c := Candidate{Key: r.key, CustomerID: r.customerID, Customer: r.customer, ProjectCode: r.projectCode, Project: r.project,
			Task: r.task, WorkDate: r.workDate, Currency: r.currency}
		c.Kind, c.SourceID, _ = strings.Cut(c.Key, ":")
		if r.claimedBy.Valid {
			heldBy[r.claimedBy.String] = true
		}
		if !r.billable {
			return nil
		}
		var err error
		if c.Hours, err = decimalOf(r.hours); err != nil {
			return fmt.Errorf("billing: item %s: hours: %w", c.Key, err)
		}
		if r.rate.Valid {
			d, err := decimal.NewFromString(r.rate.String)
			if err != nil {
				return fmt.Errorf("billing: item %s: rate: %w", c.Key, err)
			}
			c.Rate = decimal.NewNullDecimal(d)
		}
		if c.Amount, err = decimalOf(r.amount); err != nil {
			return fmt.Errorf("billing: item %s: amount: %w", c.Key, err)
		}
		cands = append(cands, c)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for r := range heldBy {
		held = append(held, r)
	}
	slices.Sort(held)
	return cands, held, nil
}

// loadPlainLines reads the time lines the database summed from the
// connection's staged plain work (billing_plain_lines).
func loadPlainLines(ctx context.Context, conn *sql.Conn) ([]plainLine, error) {
	rows, err := conn.QueryContext(ctx, sqlfiles.Query("billing_plain_lines"))
	if err != nil {
		return nil, fmt.Errorf("billing: read unbilled work: %w", err)
	}
	defer rows.Close()
	var out []plainLine
	for rows.Next() {
		var p plainLine
		var rate, hours string
		if err := rows.Scan(&p.CustomerID, &p.Currency, &p.ProjectCode, &p.Task, &rate, &hours, &p.First, &p.Last,
			&p.Project, &p.Items); err != nil {
			return nil, fmt.Errorf("billing: read unbilled work: %w", err)
		}
		if p.Rate, err = decimal.NewFromString(rate); err != nil {
			return nil, fmt.Errorf("billing: time of %s at rate %q: %w", p.ProjectCode, rate, err)
		}
		if p.Hours, err = decimal.NewFromString(hours); err != nil {
			return nil, fmt.Errorf("billing: time of %s: hours %q: %w", p.ProjectCode, hours, err)
		}
		p.First, p.Last = dateOnly(p.First), dateOnly(p.Last)
		out = append(out, p)
	}
	return out, rows.Err()
}

// loadHeads reads the invoices of the connection's staged billable work
// (billing_invoice_heads).
func loadHeads(ctx context.Context, conn *sql.Conn) (map[custCur]invoiceHead, error) {
	rows, err := conn.QueryContext(ctx, sqlfiles.Query("billing_invoice_heads"))
	if err != nil {
		return nil, fmt.Errorf("billing: read unbilled work: %w", err)
	}
	defer rows.Close()
	out := map[custCur]invoiceHead{}
	for rows.Next() {
		var k custCur
		var h invoiceHead
		if err := rows.Scan(&k.customer, &k.currency, &h.Customer, &h.Keys, &h.Work); err != nil {
			return nil, fmt.Errorf("billing: read unbilled work: %w", err)
		}
		out[k] = h
	}
	return out, rows.Err()
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// loadBudgets reads the budgets of the capped projects with billable
// time on conn, which holds the staged work (billing_project_budgets);
// cands are the candidates, among them all such time. What a project used
// is all its approved billable time up to the period's end minus the part
// still to bill now: billed before, or held by another open run.
func loadBudgets(ctx context.Context, conn *sql.Conn, periodEnd time.Time, cands []Candidate) (map[string]Budget, error) {
	openH := map[string]decimal.Decimal{}
	openA := map[string]decimal.Decimal{}
	for _, c := range cands {
		if c.Kind == LineTime {
			openH[c.ProjectCode] = openH[c.ProjectCode].Add(c.Hours)
			openA[c.ProjectCode] = openA[c.ProjectCode].Add(c.Amount)
		}
	}
	rows, err := conn.QueryContext(ctx, sqlfiles.Query("billing_project_budgets"), periodEnd)
	if err != nil {
		return nil, fmt.Errorf("billing: read budgets: %w", err)
	}
	defer rows.Close()
	out := map[string]Budget{}
	for rows.Next() {
		var code string
		var bh, ba, crh, cra, th, ta sql.NullString
		if err := rows.Scan(&code, &bh, &ba, &crh, &cra, &th, &ta); err != nil {
			return nil, fmt.Errorf("billing: read budgets: %w", err)
		}
		b := Budget{ProjectCode: code}
		for _, f := range []struct {
			dst *decimal.NullDecimal
			src sql.NullString
		}{{&b.Hours, bh}, {&b.Amount, ba}} {
			if f.src.Valid {
				d, err := decimal.NewFromString(f.src.String)
				if err != nil {
					return nil, err
				}
				*f.dst = decimal.NewNullDecimal(d)
			}
		}
		vals := make([]decimal.Decimal, 4)
		for i, src := range []sql.NullString{crh, cra, th, ta} {
			if vals[i], err = decimalOf(src); err != nil {
				return nil, err
			}
		}
		b.CRHours, b.CRAmount = vals[0], vals[1]
		b.UsedHours = decimal.Max(decimal.Zero, vals[2].Sub(openH[code]))
		b.UsedAmount = decimal.Max(decimal.Zero, vals[3].Sub(openA[code]))
		out[code] = b
	}
	return out, rows.Err()
}

func loadVAT(ctx context.Context, q querier) (map[string]CustomerVAT, error) {
	rows, err := q.QueryContext(ctx, sqlfiles.Query("billing_customer_vat"))
	if err != nil {
		return nil, fmt.Errorf("billing: read customers' VAT: %w", err)
	}
	defer rows.Close()
	out := map[string]CustomerVAT{}
	for rows.Next() {
		var v CustomerVAT
		var rate string
		if err := rows.Scan(&v.CustomerID, &v.Name, &v.Country, &v.VATID, &v.XeroContactID, &v.Case, &rate); err != nil {
			return nil, fmt.Errorf("billing: read customers' VAT: %w", err)
		}
		if v.Rate, err = decimal.NewFromString(rate); err != nil {
			return nil, err
		}
		out[v.CustomerID] = v
	}
	return out, rows.Err()
}

// fxLookup returns the exchange rate source of a run: the imported rates
// (staging.files_fx_rates, when takt imports them) valid on the invoice
// date, else the rate Xero booked on the latest issued invoice in that
// currency (the customer's own first). The rates Xero booked are read
// once for all customers: a run of a large firm has thousands of invoices.
func fxLookup(ctx context.Context, q querier, invoiceDate time.Time) (func(currency, customerID string) (*FX, error), error) {
	var n int
	if err := q.QueryRowContext(ctx, sqlfiles.Query("billing_has_fx_rates")).Scan(&n); err != nil {
		return nil, err
	}
	type key struct{ level, currency, customer string }
	booked := map[key]*FX{}
	rows, err := q.QueryContext(ctx, sqlfiles.Query("billing_fx_from_xero_all"), invoiceDate)
	if err != nil {
		return nil, fmt.Errorf("billing: fx rates booked in Xero: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k key
		var rate string
		var day time.Time
		if err := rows.Scan(&k.level, &k.currency, &k.customer, &rate, &day); err != nil {
			return nil, fmt.Errorf("billing: fx rates booked in Xero: %w", err)
		}
		d, err := decimal.NewFromString(rate)
		if err != nil {
			return nil, fmt.Errorf("billing: fx rate %q of %s: %w", rate, k.currency, err)
		}
		booked[k] = &FX{Rate: d, Date: day, Source: "xero"}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The rate files' rate of each currency, read once per currency; nil
	// when the files have none.
	fromFiles := map[string]*FX{}
	return func(currency, customerID string) (*FX, error) {
		if n > 0 {
			r, ok := fromFiles[currency]
			if !ok {
				var rate string
				var day time.Time
				err := q.QueryRowContext(ctx, sqlfiles.Query("billing_fx_from_files"), currency, invoiceDate).Scan(&rate, &day)
				switch {
				case err == nil:
					d, err := decimal.NewFromString(rate)
					if err != nil {
						return nil, err
					}
					r = &FX{Rate: d, Date: day, Source: "fx_rates"}
				case !errors.Is(err, sql.ErrNoRows):
					return nil, fmt.Errorf("billing: fx rate of %s: %w", currency, err)
				}
				fromFiles[currency] = r
			}
			if r != nil {
				return r, nil
			}
		}
		for _, k := range []key{{"own", currency, customerID}, {"known", currency, ""}, {"unknown", currency, ""}} {
			if r, ok := booked[k]; ok {
				fx := *r
				return &fx, nil
			}
		}
		return nil, nil
	}, nil
}

// LoadRun reads a run with its invoices, lines and adjustments.
func LoadRun(ctx context.Context, q querier, runID string) (*Run, error) {
	return loadRun(ctx, q, runID, true)
}

// loadRun reads a run with its invoices and adjustments, and with their
// lines and items if lines is set (a large run has hundreds of thousands
// of items, which a change of its status does not need).
func loadRun(ctx context.Context, q querier, runID string, lines bool) (*Run, error) {
	r := &Run{}
	var approvedAt, exportedAt sql.NullTime
	err := q.QueryRowContext(ctx, sqlfiles.Query("billing_run"), runID).Scan(&r.ID, &r.Kind, &r.Period, &r.PeriodEnd, &r.InvoiceDate,
		&r.Status, &r.CreatedBy, &r.CreatedAt, &r.ApprovedBy, &approvedAt, &exportedAt, &r.ExportTarget, &r.DiscardedBy,
		&r.InputsHash, &r.ContentHash, &r.Reason)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("billing: run %s: %w (list runs with `takt billing-run list`)", runID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("billing: run %s: %w", runID, err)
	}
	r.ApprovedAt, r.ExportedAt = approvedAt.Time, exportedAt.Time
	rows, err := q.QueryContext(ctx, sqlfiles.Query("billing_run_invoices"), runID)
	if err != nil {
		return nil, err
	}
	byID := map[string]int{}
	for rows.Next() {
		var i Invoice
		var net, tax, gross, breakdown, notes string
		var skPct, skAmt, fxRate, bNet, bTax, bGross sql.NullString
		var skDays sql.NullInt64
		var skDate, fxDate, cDate, exported sql.NullTime
		var cRun, cInv, cNum, fxSource string
		if err := rows.Scan(&i.ID, &i.Position, &i.DocType, &i.CustomerID, &i.Customer, &i.Country, &i.VATID, &i.XeroContactID,
			&i.Currency, &i.VATCase, &net, &tax, &gross, &breakdown, &i.PaymentDays, &i.DueDate, &skPct, &skDays, &skDate, &skAmt,
			&notes, &fxRate, &fxDate, &fxSource, &i.BaseCurrency, &bNet, &bTax, &bGross, &cRun, &cInv, &cNum, &cDate,
			&i.Number, &i.IdempotencyKey, &i.XeroInvoiceID, &exported, &i.Refusals); err != nil {
			rows.Close()
			return nil, fmt.Errorf("billing: run %s: invoices: %w", runID, err)
		}
		i.Net, i.Tax, i.Gross = decimal.RequireFromString(net), decimal.RequireFromString(tax), decimal.RequireFromString(gross)
		var tb []map[string]string
		_ = json.Unmarshal([]byte(breakdown), &tb)
		for _, t := range tb {
			i.TaxBreakdown = append(i.TaxBreakdown, TaxLine{Rate: decimal.RequireFromString(t["rate"]), Base: decimal.RequireFromString(t["base"]),
				Tax: decimal.RequireFromString(t["tax"])})
		}
		_ = json.Unmarshal([]byte(notes), &i.Notes)
		if skPct.Valid {
			i.Skonto = &Skonto{Percent: decimal.RequireFromString(skPct.String), Days: int(skDays.Int64), Date: skDate.Time,
				Amount: decimal.RequireFromString(skAmt.String)}
		}
		if fxRate.Valid {
			i.FX = &FX{Rate: decimal.RequireFromString(fxRate.String), Date: fxDate.Time, Source: fxSource}
		}
		for _, f := range []struct {
			dst *decimal.Decimal
			src sql.NullString
		}{{&i.BaseNet, bNet}, {&i.BaseTax, bTax}, {&i.BaseGross, bGross}} {
			if f.src.Valid {
				*f.dst = decimal.RequireFromString(f.src.String)
			}
		}
		if cInv != "" {
			i.Corrects = &DocRef{RunID: cRun, InvoiceID: cInv, Number: cNum, Date: cDate.Time}
		}
		i.ExportedAt = exported.Time
		byID[i.ID] = len(r.Invoices)
		r.Invoices = append(r.Invoices, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if lines {
		if err := loadLines(ctx, q, r, byID); err != nil {
			return nil, err
		}
	}
	arows, err := q.QueryContext(ctx, sqlfiles.Query("billing_run_adjustments"), runID)
	if err != nil {
		return nil, err
	}
	defer arows.Close()
	for arows.Next() {
		var a Adjustment
		if err := arows.Scan(&a.No, &a.Kind, &a.LineID, &a.ItemKey, &a.Before, &a.After, &a.Reason, &a.Actor, &a.At, &a.AuditSeq); err != nil {
			return nil, err
		}
		r.Adjustments = append(r.Adjustments, a)
	}
	return r, arows.Err()
}

// runItems reads a stored run's items by line id, in key order.
func runItems(ctx context.Context, q querier, runID string) (map[string][]LineItem, error) {
	items := map[string][]LineItem{}
	// The items come line by line. The scanner's texts are reused, so a
	// line id is copied once per line; it is the map's key only then
	// (assigning a map entry also replaces its key).
	var lineID string
	var line []LineItem
	err := scanRunItems(ctx, q, runID, func(l, key, qty, amt string) error {
		if l != lineID {
			if line != nil {
				items[lineID] = line
			}
			lineID, line = strings.Clone(l), items[l]
		}
		quantity, err := decimal.NewFromString(qty)
		if err != nil {
			return fmt.Errorf("line %s, item %s: quantity %q: %w", l, key, qty, err)
		}
		amount, err := decimal.NewFromString(amt)
		if err != nil {
			return fmt.Errorf("line %s, item %s: amount %q: %w", l, key, amt, err)
		}
		line = append(line, LineItem{Key: strings.Clone(key), Quantity: quantity, Amount: amount})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if line != nil {
		items[lineID] = line
	}
	return items, nil
}

// queryRunItems reads a stored run's items (billing_run_line_items) row
// by row: line id, item key, quantity and amount.
func queryRunItems(ctx context.Context, q querier, runID string, fn func(lineID, key, qty, amt string) error) error {
	rows, err := q.QueryContext(ctx, sqlfiles.Query("billing_run_line_items"), runID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var lineID, key, qty, amt string
		if err := rows.Scan(&lineID, &key, &qty, &amt); err != nil {
			return err
		}
		if err := fn(lineID, key, qty, amt); err != nil {
			return err
		}
	}
	return rows.Err()
}

// readBackItems sets the items of a new run's lines to the stored ones,
// in the order a stored run is read in (the run returned is the run
// `takt billing-run show` prints), after checking each line: a line the
// database derived holds as many items as the build counted, any other
// line exactly the items the build gave it.
func readBackItems(ctx context.Context, q querier, r *Run) error {
	items, err := runItems(ctx, q, r.ID)
	if err != nil {
		return fmt.Errorf("read its items: %w", err)
	}
	for i := range r.Invoices {
		for _, ls := range [][]Line{r.Invoices[i].Lines, r.Invoices[i].WriteOffs} {
			for j := range ls {
				if err := checkStoredItems(ls[j], items[ls[j].ID]); err != nil {
					return fmt.Errorf("line %s: %w: create the run again", ls[j].ID, err)
				}
				ls[j].Items = items[ls[j].ID]
			}
		}
	}
	return nil
}

// checkStoredItems compares the items stored for line l with the build's:
// their number for a line the database derived, else each item's
// quantity and amount (kept to 4 decimals, as insertRun stores it).
func checkStoredItems(l Line, stored []LineItem) error {
	if l.derived > 0 {
		if len(stored) != l.derived {
			return fmt.Errorf("the staged work gives %d items, the line bills %d", len(stored), l.derived)
		}
		return nil
	}
	if len(stored) != len(l.Items) {
		return fmt.Errorf("%d items are stored, the line bills %d", len(stored), len(l.Items))
	}
	built := make(map[string]LineItem, len(l.Items))
	for _, it := range l.Items {
		built[it.Key] = it
	}
	for _, st := range stored {
		b, ok := built[st.Key]
		if !ok {
			return fmt.Errorf("item %s is stored but not billed by the line", st.Key)
		}
		if !st.Quantity.Equal(b.Quantity) || !st.Amount.Equal(money.RoundCents(b.Amount, 4)) {
			return fmt.Errorf("item %s is stored with quantity %s and amount %s, the line bills %s and %s", st.Key, st.Quantity, st.Amount,
				b.Quantity, money.RoundCents(b.Amount, 4))
		}
	}
	return nil
}

func loadLines(ctx context.Context, q querier, r *Run, byID map[string]int) error {
	items, err := runItems(ctx, q, r.ID)
	if err != nil {
		return err
	}
	rows, err := q.QueryContext(ctx, sqlfiles.Query("billing_run_lines"), r.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var invID string
		var l Line
		var hours, rate sql.NullString
		var amount, taxRate string
		if err := rows.Scan(&invID, &l.ID, &l.Position, &l.Kind, &l.ProjectCode, &l.Project, &l.Task, &l.Description, &hours, &rate,
			&amount, &taxRate, &l.ManuallyChanged); err != nil {
			return err
		}
		if hours.Valid {
			l.Hours = decimal.NewNullDecimal(decimal.RequireFromString(hours.String))
		}
		if rate.Valid {
			l.Rate = decimal.NewNullDecimal(decimal.RequireFromString(rate.String))
		}
		l.Amount, l.TaxRate = decimal.RequireFromString(amount), decimal.RequireFromString(taxRate)
		l.Items = items[l.ID]
		i, ok := byID[invID]
		if !ok {
			continue
		}
		if l.Kind == LineWriteOff {
			r.Invoices[i].WriteOffs = append(r.Invoices[i].WriteOffs, l)
		} else {
			r.Invoices[i].Lines = append(r.Invoices[i].Lines, l)
		}
	}
	return rows.Err()
}

// ListRuns returns the ids of all runs in creation order.
func ListRuns(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, sqlfiles.Query("billing_runs"))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
