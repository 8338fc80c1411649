package reports

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/internal/money"
	"github.com/takt-billing/takt/reconcile"
	sqlfiles "github.com/takt-billing/takt/sql"
)

// ErrNoKPIs is the error of a month the warehouse's data does not reach:
// nothing to report for it (LoadPack, ExplainKPI).
var ErrNoKPIs = errors.New("reports: the warehouse has no KPIs")

// PackOptions say which pack to assemble.
type PackOptions struct {
	Company, BaseCurrency, Lang string
	// Month is any day of the reported month.
	Month time.Time
	// AsOf is the last day data is known for (the run's as-of day);
	// unbilled work is listed as of the month's end or AsOf, whichever
	// comes first.
	AsOf        time.Time
	GeneratedAt time.Time
	// KPIs are the configured baselines and targets; without them the
	// pack shows computed baselines and no targets.
	KPIs KPISettings
	// StaleAfter is how old a stream's last successful load may be before
	// the pack calls it stale; zero means two days.
	StaleAfter time.Duration
}

// topUnbilled is how many of the largest unbilled items the pack carries.
const topUnbilled = 3

// LoadPack assembles a monthly pack from the warehouse: the KPIs up to the
// month, the unbilled work at its end (read anew from the warehouse each
// time the pack's UnbilledRows is walked, so db must stay open while the
// pack is written), the current exceptions with their acknowledgements,
// the month's draft billing run, the receivables open at its end, the
// dunning of the invoices due in it, the incidents of its KPI months and
// what the data-quality checks found.
func LoadPack(ctx context.Context, db *sql.DB, o PackOptions) (Pack, error) {
	month := time.Date(o.Month.Year(), o.Month.Month(), 1, 0, 0, 0, 0, time.UTC)
	end := month.AddDate(0, 1, -1)
	if !o.AsOf.IsZero() && o.AsOf.Before(end) {
		end = excelDate(o.AsOf)
	}
	staleAfter := o.StaleAfter
	if staleAfter == 0 {
		staleAfter = 48 * time.Hour
	}
	p := Pack{
		Company: o.Company, BaseCurrency: o.BaseCurrency, Month: month, AsOf: end, Lang: o.Lang, GeneratedAt: o.GeneratedAt,
		Quality: DataQuality{StaleAfter: staleAfter},
	}
	kpis, err := LoadKPIsWith(ctx, db, month, o.KPIs)
	if err != nil {
		return Pack{}, err
	}
	for _, k := range kpis {
		p.Months = append(p.Months, k.MonthKPIs)
	}
	if len(p.Months) == 0 || !p.Months[len(p.Months)-1].Month.Equal(month) {
		return Pack{}, fmt.Errorf("%w for %s: its data covers no issued invoice up to that month, or the last run was before it", ErrNoKPIs, month.Format("2006-01"))
	}
	p.KPIDefinitions = kpis[len(kpis)-1].Definitions

	day := end.Format(time.DateOnly)
	p.UnbilledRows = unbilledRows(ctx, db, sqlfiles.Query("reports_unbilled"), day)
	if p.TopUnbilled, err = loadTopUnbilled(ctx, db, day, month); err != nil {
		return Pack{}, err
	}
	if p.Exceptions, err = loadExceptions(ctx, db); err != nil {
		return Pack{}, err
	}
	if p.BillingRun, err = loadBillingRun(ctx, db, month); err != nil {
		return Pack{}, err
	}
	if p.Receivables, err = loadReceivables(ctx, db, month); err != nil {
		return Pack{}, err
	}
	if p.Dunning, err = loadDunning(ctx, db, month); err != nil {
		return Pack{}, err
	}
	// Follow-ups are overdue by the day the pack is made; a pack without
	// that day judges them at the as-of day.
	today := end
	if !o.GeneratedAt.IsZero() {
		today = excelDate(o.GeneratedAt)
	}
	if p.Incidents, err = loadIncidents(ctx, db, p.Months[0].Month, month, today); err != nil {
		return Pack{}, err
	}
	if err := loadQuality(ctx, db, &p.Quality); err != nil {
		return Pack{}, err
	}
	return p, nil
}

// dbDecimal scans a DECIMAL column exactly, as the driver hands it over
// (an unscaled integer and its scale), or a number's text; valid is false
// for NULL. Reading decimals as such rather than cast to VARCHAR keeps the
// rows DuckDB sorts for the pack narrow, which matters for a month with a
// million unbilled items.
type dbDecimal struct {
	d     decimal.Decimal
	valid bool
}

func (x *dbDecimal) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		x.d, x.valid = decimal.Decimal{}, false
		return nil
	case duckdb.Decimal:
		x.d, x.valid = money.FromScaled(v.Value, int32(v.Scale)), true
		return nil
	case string:
		d, err := decimal.NewFromString(v)
		x.d, x.valid = d, err == nil
		return err
	case int64:
		x.d, x.valid = decimal.NewFromInt(v), true
		return nil
	}
	return fmt.Errorf("a decimal cannot be read from %T", src)
}

// unbilledScanner reads rows of the reports_unbilled columns; extra
// destinations (a base-currency amount) follow the twelve of the item.
type unbilledScanner struct {
	hours, rate      dbDecimal
	amount           dbDecimal
	customerID, cust string
	code, project    string
	kind, id, cur    string
	workDate         time.Time
	age              int
	extra            []any
	dests            []any
}

func (s *unbilledScanner) dest() []any {
	if s.dests == nil {
		s.dests = append([]any{&s.kind, &s.id, &s.customerID, &s.cust, &s.code, &s.project,
			&s.workDate, &s.hours, &s.rate, &s.amount, &s.cur, &s.age}, s.extra...)
	}
	return s.dests
}

// item turns the scanned row into an item.
func (s *unbilledScanner) item() (UnbilledItem, error) {
	u := UnbilledItem{
		CustomerID: s.customerID, Customer: s.cust, ProjectCode: s.code, Project: s.project, Kind: s.kind,
		SourceID: s.id, WorkDate: excelDate(s.workDate.UTC()), Currency: s.cur, AgeDays: s.age,
		Hours: s.hours.d, Rate: s.rate.d, Amount: s.amount.d,
	}
	for field, d := range map[string]dbDecimal{"hours": s.hours, "amount": s.amount} {
		if !d.valid {
			return u, fmt.Errorf("reports: unbilled %s %s: field %s is empty", s.kind, s.id, field)
		}
	}
	return u, nil
}

// unbilledRows yields the unbilled items query returns (the columns of
// reports_unbilled), running it anew on every walk and holding one row at
// a time.
func unbilledRows(ctx context.Context, db *sql.DB, query string, args ...any) iter.Seq2[UnbilledItem, error] {
	return func(yield func(UnbilledItem, error) bool) {
		rows, err := db.QueryContext(ctx, query, args...)
		if err != nil {
			yield(UnbilledItem{}, fmt.Errorf("reports: unbilled work: %w", err))
			return
		}
		defer rows.Close()
		var s unbilledScanner
		dest := s.dest()
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				yield(UnbilledItem{}, fmt.Errorf("reports: unbilled work: %w", err))
				return
			}
			u, err := s.item()
			if !yield(u, err) || err != nil {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(UnbilledItem{}, fmt.Errorf("reports: unbilled work: %w", err))
		}
	}
}

func loadTopUnbilled(ctx context.Context, db *sql.DB, day string, month time.Time) ([]UnbilledItem, error) {
	rows, err := db.QueryContext(ctx, sqlfiles.Query("reports_top_unbilled"), day, month.Format(time.DateOnly), topUnbilled)
	if err != nil {
		return nil, fmt.Errorf("reports: largest unbilled items: %w", err)
	}
	defer rows.Close()
	var base string
	s := unbilledScanner{extra: []any{&base}}
	dest := s.dest()
	var out []UnbilledItem
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("reports: largest unbilled items: %w", err)
		}
		u, err := s.item()
		if err != nil {
			return nil, err
		}
		d, err := decimal.NewFromString(base)
		if err != nil {
			return nil, fmt.Errorf("reports: unbilled %s %s: amount in base currency: %w", u.Kind, u.SourceID, err)
		}
		u.AmountBase = decimal.NewNullDecimal(d)
		out = append(out, u)
	}
	return out, rows.Err()
}

func loadExceptions(ctx context.Context, db *sql.DB) ([]Exception, error) {
	exc, err := reconcile.Exceptions(ctx, db)
	if err != nil {
		return nil, err
	}
	out := make([]Exception, 0, len(exc))
	for _, e := range exc {
		x := Exception{
			ID: e.ID, Kind: e.Kind, CustomerID: e.CustomerID, Customer: e.Customer, ProjectCode: e.ProjectCode,
			Project: e.Project, SourceIDs: e.SourceIDs, InvoiceNumbers: e.InvoiceNumbers, MatchLevel: e.MatchLevel,
			Amount: e.Amount, Currency: e.Currency, Reason: e.Reason, Acknowledged: e.Acknowledged,
		}
		if a := e.Acknowledgement; a != nil {
			x.Acknowledgement = &Acknowledgement{By: a.By, At: a.At.UTC(), Reason: a.Reason}
		}
		out = append(out, x)
	}
	return out, nil
}

// loadBillingRun reads the month's latest billing run that is not
// discarded, or nil.
func loadBillingRun(ctx context.Context, db *sql.DB, month time.Time) (*BillingRun, error) {
	var id string
	err := db.QueryRowContext(ctx, sqlfiles.Query("reports_billing_run"), month.Format("2006-01")).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reports: billing run of %s: %w", month.Format("2006-01"), err)
	}
	r, err := reconcile.LoadRun(ctx, db, id)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	out := &BillingRun{
		ID: r.ID, Status: r.Status, Period: r.Period, InvoiceDate: excelDate(r.InvoiceDate.UTC()),
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), ApprovedBy: r.ApprovedBy, Adjustments: len(r.Adjustments),
	}
	lines := func(ls []reconcile.Line) []BillingLine {
		var out []BillingLine
		for _, l := range ls {
			out = append(out, BillingLine{
				Kind: l.Kind, Project: l.Project, Task: l.Task, Description: l.Description, Hours: l.Hours, Rate: l.Rate,
				Amount: l.Amount, TaxRate: l.TaxRate, ManuallyChanged: l.ManuallyChanged,
			})
		}
		return out
	}
	for _, inv := range r.Invoices {
		out.Invoices = append(out.Invoices, BillingInvoice{
			Position: inv.Position, Customer: inv.Customer, Currency: inv.Currency, VATCase: inv.VATCase,
			Net: inv.Net, Tax: inv.Tax, Gross: inv.Gross, DueDate: excelDate(inv.DueDate.UTC()),
			Lines: lines(inv.Lines), WriteOffs: lines(inv.WriteOffs),
		})
	}
	return out, nil
}

func loadReceivables(ctx context.Context, db *sql.DB, month time.Time) ([]Receivable, error) {
	rows, err := db.QueryContext(ctx, sqlfiles.Query("reports_receivables"), month.Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("reports: receivables: %w", err)
	}
	defer rows.Close()
	var out []Receivable
	for rows.Next() {
		var r Receivable
		var due sql.NullTime
		var gross, open string
		var base sql.NullString
		if err := rows.Scan(&r.Customer, &r.Number, &r.Kind, &r.IssueDate, &due, &r.DaysPastDue, &r.Bucket, &r.Currency,
			&gross, &open, &base); err != nil {
			return nil, fmt.Errorf("reports: receivables: %w", err)
		}
		r.IssueDate = excelDate(r.IssueDate.UTC())
		if due.Valid {
			r.DueDate = excelDate(due.Time.UTC())
		}
		if r.Gross, err = decimal.NewFromString(gross); err != nil {
			return nil, fmt.Errorf("reports: receivable %s: field gross: %w", r.Number, err)
		}
		if r.Open, err = decimal.NewFromString(open); err != nil {
			return nil, fmt.Errorf("reports: receivable %s: field open: %w", r.Number, err)
		}
		if r.NoRate = !base.Valid; !r.NoRate {
			if r.OpenBase, err = decimal.NewFromString(base.String); err != nil {
				return nil, fmt.Errorf("reports: receivable %s: field open_base: %w", r.Number, err)
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func loadDunning(ctx context.Context, db *sql.DB, month time.Time) ([]DunnedInvoice, error) {
	rows, err := db.QueryContext(ctx, sqlfiles.Query("reports_dunning"), month.Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("reports: dunning: %w", err)
	}
	defer rows.Close()
	var out []DunnedInvoice
	for rows.Next() {
		var d DunnedInvoice
		var gross string
		var first sql.NullTime
		if err := rows.Scan(&d.Customer, &d.Number, &d.IssueDate, &d.DueDate, &d.Currency, &gross, &d.Notices, &d.MaxLevel,
			&d.Level1, &d.Level2, &d.Level3, &first, &d.NoticeList); err != nil {
			return nil, fmt.Errorf("reports: dunning: %w", err)
		}
		d.IssueDate, d.DueDate = excelDate(d.IssueDate.UTC()), excelDate(d.DueDate.UTC())
		if first.Valid {
			d.FirstNotice = excelDate(first.Time.UTC())
		}
		if d.Gross, err = decimal.NewFromString(gross); err != nil {
			return nil, fmt.Errorf("reports: dunned invoice %s: field gross: %w", d.Number, err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// loadIncidents reads the incidents linked to a KPI month from first to
// last with their follow-ups; today decides which are overdue.
func loadIncidents(ctx context.Context, db *sql.DB, first, last, today time.Time) ([]Incident, error) {
	rows, err := db.QueryContext(ctx, sqlfiles.Query("reports_incidents"), first.Format("2006-01"), last.Format("2006-01"))
	if err != nil {
		return nil, fmt.Errorf("reports: incidents: %w", err)
	}
	defer rows.Close()
	var out []Incident
	index := map[int64]int{}
	for rows.Next() {
		var in Incident
		var months string
		if err := rows.Scan(&in.ID, &in.Title, &in.Severity, &in.Status, &in.CustomerImpact, &months); err != nil {
			return nil, fmt.Errorf("reports: incidents: %w", err)
		}
		var list []string
		if err := json.Unmarshal([]byte(months), &list); err != nil {
			return nil, fmt.Errorf("reports: incident %d: kpi months: %w", in.ID, err)
		}
		for _, m := range list {
			t, err := time.Parse("2006-01", m)
			if err != nil {
				return nil, fmt.Errorf("reports: incident %d: kpi month %q: %w", in.ID, m, err)
			}
			in.Months = append(in.Months, t)
		}
		index[in.ID] = len(out)
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reports: incidents: %w", err)
	}
	rows.Close()
	if len(out) == 0 {
		return nil, nil
	}
	fu, err := db.QueryContext(ctx, sqlfiles.Query("reports_follow_ups"), today.Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("reports: incident follow-ups: %w", err)
	}
	defer fu.Close()
	for fu.Next() {
		var id int64
		var f FollowUp
		if err := fu.Scan(&id, &f.Number, &f.Action, &f.OwnerRole, &f.Due, &f.Status, &f.Overdue); err != nil {
			return nil, fmt.Errorf("reports: incident follow-ups: %w", err)
		}
		if i, ok := index[id]; ok {
			f.Due = excelDate(f.Due.UTC())
			out[i].FollowUps = append(out[i].FollowUps, f)
		}
	}
	return out, fu.Err()
}

func loadQuality(ctx context.Context, db *sql.DB, q *DataQuality) error {
	rows, err := db.QueryContext(ctx, sqlfiles.Query("reports_open_rejects"))
	if err != nil {
		return fmt.Errorf("reports: open rejects: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r Reject
		if err := rows.Scan(&r.RunID, &r.Source, &r.Stream, &r.RecordID, &r.Rule, &r.Field, &r.Message, &r.Stage, &r.RejectedAt); err != nil {
			return fmt.Errorf("reports: open rejects: %w", err)
		}
		r.RejectedAt = r.RejectedAt.UTC()
		q.Rejects = append(q.Rejects, r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reports: open rejects: %w", err)
	}
	rows.Close()

	ids, err := db.QueryContext(ctx, sqlfiles.Query("reports_identity_issues"))
	if err != nil {
		return fmt.Errorf("reports: identities: %w", err)
	}
	defer ids.Close()
	for ids.Next() {
		var i IdentityIssue
		if err := ids.Scan(&i.Kind, &i.System, &i.SourceID, &i.Name, &i.Status, &i.Hint); err != nil {
			return fmt.Errorf("reports: identities: %w", err)
		}
		q.Identities = append(q.Identities, i)
	}
	if err := ids.Err(); err != nil {
		return fmt.Errorf("reports: identities: %w", err)
	}
	ids.Close()

	fr, err := db.QueryContext(ctx, sqlfiles.Query("reports_freshness"))
	if err != nil {
		return fmt.Errorf("reports: source freshness: %w", err)
	}
	defer fr.Close()
	for fr.Next() {
		var s StreamFreshness
		var ok, failed sql.NullTime
		if err := fr.Scan(&s.Source, &s.Stream, &ok, &s.Rows, &failed, &s.Error); err != nil {
			return fmt.Errorf("reports: source freshness: %w", err)
		}
		if ok.Valid {
			s.LastSuccess = ok.Time.UTC()
		}
		if failed.Valid {
			s.LastFailure = failed.Time.UTC()
		}
		q.Freshness = append(q.Freshness, s)
	}
	if err := fr.Err(); err != nil {
		return fmt.Errorf("reports: source freshness: %w", err)
	}
	fr.Close()

	dr, err := db.QueryContext(ctx, sqlfiles.Query("reports_drift"))
	if err != nil {
		return fmt.Errorf("reports: schema drift: %w", err)
	}
	defer dr.Close()
	for dr.Next() {
		var d DriftField
		if err := dr.Scan(&d.Source, &d.Stream, &d.Field, &d.RunID, &d.FirstSeen); err != nil {
			return fmt.Errorf("reports: schema drift: %w", err)
		}
		d.FirstSeen = d.FirstSeen.UTC()
		q.Drift = append(q.Drift, d)
	}
	return dr.Err()
}
