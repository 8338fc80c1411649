package reports

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/reconcile"
	sqlfiles "github.com/takt-billing/takt/sql"
)

// KPIRow is one month of marts.kpi_monthly with every figure the CLI
// shows: MonthKPIs plus the counts behind them.
type KPIRow struct {
	MonthKPIs
	Days           int
	InvoicesIssued int
	GrossSales3m   decimal.Decimal
}

// LoadKPIs reads the monthly KPIs up to and including the month of
// through, in ascending order. SQL computed them (sql/models/marts); this
// only reads.
func LoadKPIs(ctx context.Context, db *sql.DB, through time.Time) ([]KPIRow, error) {
	rows, err := db.QueryContext(ctx, sqlfiles.Query("kpi_monthly"), through.Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("reports: kpis: %w", err)
	}
	defer rows.Close()
	var out []KPIRow
	for rows.Next() {
		var r KPIRow
		var ar, sales, sales3m string
		var dso, dso3m, dun sql.NullString
		var dsoWhy, dso3mWhy, dunWhy sql.NullString
		if err := rows.Scan(&r.Month, &r.Days, &ar, &sales, &r.InvoicesIssued, &dso, &dsoWhy, &sales3m, &dso3m, &dso3mWhy,
			&r.InvoicesDue, &r.InvoicesDunned, &dun, &dunWhy); err != nil {
			return nil, fmt.Errorf("reports: kpis: %w", err)
		}
		r.Month = r.Month.UTC()
		if r.AREnd, err = decimal.NewFromString(ar); err != nil {
			return nil, err
		}
		if r.GrossSales, err = decimal.NewFromString(sales); err != nil {
			return nil, err
		}
		if r.GrossSales3m, err = decimal.NewFromString(sales3m); err != nil {
			return nil, err
		}
		if r.DSODays, err = kpiValue(dso, dsoWhy); err != nil {
			return nil, err
		}
		if r.DSO3mDays, err = kpiValue(dso3m, dso3mWhy); err != nil {
			return nil, err
		}
		if r.DunningRate, err = kpiValue(dun, dunWhy); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func kpiValue(v, why sql.NullString) (KPIValue, error) {
	if !v.Valid {
		return KPIValue{Reason: why.String}, nil
	}
	d, err := decimal.NewFromString(v.String)
	if err != nil {
		return KPIValue{}, err
	}
	return KPIValue{Value: decimal.NewNullDecimal(d)}, nil
}

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
}

// LoadPack assembles a monthly pack from the warehouse: the KPIs up to the
// month, the unbilled work at its end and the current exceptions.
func LoadPack(ctx context.Context, db *sql.DB, o PackOptions) (Pack, error) {
	month := time.Date(o.Month.Year(), o.Month.Month(), 1, 0, 0, 0, 0, time.UTC)
	end := month.AddDate(0, 1, -1)
	if !o.AsOf.IsZero() && o.AsOf.Before(end) {
		end = o.AsOf
	}
	p := Pack{Company: o.Company, BaseCurrency: o.BaseCurrency, Month: month, Lang: o.Lang, GeneratedAt: o.GeneratedAt}
	kpis, err := LoadKPIs(ctx, db, month)
	if err != nil {
		return Pack{}, err
	}
	for _, k := range kpis {
		p.Months = append(p.Months, k.MonthKPIs)
	}
	if len(p.Months) == 0 || !p.Months[len(p.Months)-1].Month.Equal(month) {
		return Pack{}, fmt.Errorf("reports: the warehouse has no KPIs for %s: its data covers no issued invoice up to that month, or the last run was before it", month.Format("2006-01"))
	}
	items, err := reconcile.Unbilled(ctx, db, end)
	if err != nil {
		return Pack{}, err
	}
	for _, it := range items {
		p.Unbilled = append(p.Unbilled, UnbilledItem{
			Customer: it.Customer, Project: it.Project, Kind: it.Kind, SourceID: it.SourceID, WorkDate: it.WorkDate.UTC(),
			Hours: it.Hours, Rate: it.Rate.Decimal, Amount: it.Amount, Currency: it.Currency, AgeDays: it.AgeDays,
		})
	}
	exc, err := reconcile.Exceptions(ctx, db)
	if err != nil {
		return Pack{}, err
	}
	for _, e := range exc {
		p.Exceptions = append(p.Exceptions, Exception{
			Kind: e.Kind, Customer: e.Customer, Project: e.Project, SourceIDs: e.SourceIDs,
			Amount: e.Amount, Currency: e.Currency, Reason: e.Reason,
		})
	}
	return p, nil
}
