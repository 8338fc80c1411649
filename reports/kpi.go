package reports

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	sqlfiles "github.com/takt-billing/takt/sql"
)

// KPI units, as marts.kpi_definitions names them.
const (
	UnitDays    = "days"    // days, 2 decimals
	UnitPercent = "percent" // 0 to 100, 2 decimals
	UnitShare   = "share"   // 0 to 1, 4 decimals
	UnitMoney   = "money"   // base currency, 2 decimals
)

// KPITarget is a KPI's configured target and the role that owns it.
type KPITarget struct {
	Value     decimal.Decimal
	OwnerRole string
}

// KPISettings are the KPI settings of takt.yaml (kpis:), by KPI name:
// baselines that replace the computed ones, and targets. Both shape what
// a figure is compared against, so they are part of a KPI's definition.
type KPISettings struct {
	Baselines map[string]decimal.Decimal
	Targets   map[string]KPITarget
}

// KPIDefinition is one KPI as takt computes and shows it.
type KPIDefinition struct {
	// Name is the KPI's key in `takt kpi --format json` and in
	// MonthKPIs.Figures.
	Name string
	// Version is the version of the formula (marts.kpi_definitions); it is
	// raised whenever the formula changes.
	Version int
	// Unit is UnitDays, UnitPercent, UnitShare or UnitMoney; Better is
	// "lower" or "higher".
	Unit, Better string
	// Formula says in words how the figure is computed.
	Formula string
	// Baseline is the configured baseline, else the median of the first
	// three complete months with a final value; BaselineSource says which
	// ("configured" or "median of 2025-01, 2025-02, 2025-03").
	Baseline       KPIValue
	BaselineSource string
	// Target is nil when none is configured.
	Target *KPITarget
	// Settings is the JSON of everything besides the formula that shapes
	// the figure and its comparison (base currency, configured baseline,
	// target); SettingsHash is its SHA-256 in hex.
	Settings, SettingsHash string
	// ValidFrom is when takt first recorded this version with these
	// settings (ops.kpi_definitions); zero while it is not recorded.
	ValidFrom time.Time
}

// KPIRow is one month of KPIs with every figure the CLI shows: MonthKPIs
// plus the counts and amounts behind them.
type KPIRow struct {
	MonthKPIs
	Days           int
	InvoicesIssued int
	GrossSales3m   decimal.Decimal
	// Days3m is the number of days of the trailing three months.
	Days3m int
	// CreditNotesIssued counts the credit notes of the month.
	CreditNotesIssued int
	// ARBegin is the previous month's AREnd; CurrentAREnd the part of
	// AREnd not yet due. Base currency.
	ARBegin, CurrentAREnd decimal.Decimal
	// CountbackHistoryTooShort is true when the countback DSO ran out of
	// months before it explained AREnd: the figure is a lower bound.
	CountbackHistoryTooShort bool
	// InvoiceDeadline is the fifth working day after the month end; TMHours
	// are the hours of the month's approved time-and-materials time and
	// TMHoursWithin those invoiced by the deadline.
	InvoiceDeadline        time.Time
	TMHours, TMHoursWithin decimal.Decimal
	// ItemsInvoiced counts the work items invoiced in the month (time to
	// invoice), TTIAmount is their amount and TTIDayAmount the sum of days
	// x amount over them, in the base currency: the amount-weighted mean is
	// TTIDayAmount / TTIAmount.
	ItemsInvoiced           int
	TTIAmount, TTIDayAmount decimal.Decimal
	// UnbilledItems counts the unbilled work items at the month end;
	// UnbilledByAge holds their value by age bucket (0_30, 31_60, 61_90,
	// over_90), in the base currency; it is empty when the unbilled amount
	// is undefined (work in a currency without a rate).
	UnbilledItems int
	UnbilledByAge map[string]decimal.Decimal
	// InvoicesChecked are the invoices issued in the month (voided ones
	// included) for the correction rate, InvoicesCorrected those corrected
	// within 90 days, with their gross amounts in the base currency.
	InvoicesChecked, InvoicesCorrected int
	GrossChecked, GrossCorrected       decimal.Decimal
	// FirstTimeRightRate is 1 - correction_rate (null when that is).
	FirstTimeRightRate decimal.NullDecimal
	// InvoicesDunnedByLevel counts the invoices due in the month with a
	// notice of level 1, 2 and 3.
	InvoicesDunnedByLevel [3]int
	// NoticesSent counts the dunning notices sent in the month.
	NoticesSent int
	// LinesIssued counts the lines of the invoices issued in the month and
	// TaktLines those that came unchanged from a takt billing run; NetIssued
	// and TaktNet are their net amounts in the base currency.
	LinesIssued, TaktLines int
	NetIssued, TaktNet     decimal.Decimal
	// Definitions are the KPIs in display order with baseline, target and
	// definition version; every row of one load shares them.
	Definitions []KPIDefinition
}

// LoadKPIs reads the monthly KPIs up to and including the month of
// through, in ascending order, with computed baselines and no targets.
// SQL computed them (sql/models/marts); this only reads.
func LoadKPIs(ctx context.Context, db *sql.DB, through time.Time) ([]KPIRow, error) {
	return LoadKPIsWith(ctx, db, through, KPISettings{})
}

// LoadKPIsWith is LoadKPIs with the configured baselines and targets
// applied, each KPI labelled with the definition that produced it.
func LoadKPIsWith(ctx context.Context, db *sql.DB, through time.Time, s KPISettings) ([]KPIRow, error) {
	defs, err := LoadKPIDefinitions(ctx, db, s)
	if err != nil {
		return nil, err
	}
	day := through.Format(time.DateOnly)
	rows, err := db.QueryContext(ctx, sqlfiles.Query("kpi_months"), day)
	if err != nil {
		return nil, fmt.Errorf("reports: kpis: %w", err)
	}
	defer rows.Close()
	var out []KPIRow
	index := map[time.Time]int{}
	for rows.Next() {
		var r KPIRow
		var ar, arBegin, current, sales, sales3m, tm, tmWithin, ttiAmount, ttiDayAmount string
		var u030, u3160, u6190, u90 sql.NullString
		var grossChecked, grossCorrected, netIssued, taktNet string
		var ftr sql.NullString
		if err := rows.Scan(&r.Month, &r.Days, &ar, &arBegin, &current, &sales, &sales3m, &r.Days3m, &r.InvoicesIssued, &r.CreditNotesIssued,
			&r.CountbackHistoryTooShort, &r.InvoiceDeadline, &tm, &tmWithin, &r.ItemsInvoiced, &ttiAmount, &ttiDayAmount, &r.UnbilledItems,
			&u030, &u3160, &u6190, &u90, &r.InvoicesChecked, &r.InvoicesCorrected, &grossChecked, &grossCorrected, &ftr,
			&r.InvoicesDue, &r.InvoicesDunned, &r.InvoicesDunnedByLevel[0], &r.InvoicesDunnedByLevel[1], &r.InvoicesDunnedByLevel[2],
			&r.NoticesSent, &r.LinesIssued, &r.TaktLines, &netIssued, &taktNet); err != nil {
			return nil, fmt.Errorf("reports: kpis: %w", err)
		}
		r.Month, r.InvoiceDeadline = r.Month.UTC(), r.InvoiceDeadline.UTC()
		if ftr.Valid {
			d, err := decimal.NewFromString(ftr.String)
			if err != nil {
				return nil, fmt.Errorf("reports: kpis %s: first-time-right rate: %w", r.Month.Format("2006-01"), err)
			}
			r.FirstTimeRightRate = decimal.NewNullDecimal(d)
		}
		r.UnbilledByAge = map[string]decimal.Decimal{}
		for _, f := range []struct {
			dst *decimal.Decimal
			src string
		}{
			{&r.AREnd, ar}, {&r.ARBegin, arBegin}, {&r.CurrentAREnd, current}, {&r.GrossSales, sales}, {&r.GrossSales3m, sales3m},
			{&r.TMHours, tm}, {&r.TMHoursWithin, tmWithin}, {&r.GrossChecked, grossChecked}, {&r.GrossCorrected, grossCorrected},
			{&r.TTIAmount, ttiAmount}, {&r.TTIDayAmount, ttiDayAmount}, {&r.NetIssued, netIssued}, {&r.TaktNet, taktNet},
		} {
			if *f.dst, err = decimal.NewFromString(f.src); err != nil {
				return nil, fmt.Errorf("reports: kpis %s: %w", r.Month.Format("2006-01"), err)
			}
		}
		for bucket, src := range map[string]sql.NullString{"0_30": u030, "31_60": u3160, "61_90": u6190, "over_90": u90} {
			if !src.Valid {
				continue
			}
			d, err := decimal.NewFromString(src.String)
			if err != nil {
				return nil, fmt.Errorf("reports: kpis %s: unbilled %s: %w", r.Month.Format("2006-01"), bucket, err)
			}
			r.UnbilledByAge[bucket] = d
		}
		r.Figures = map[string]KPIValue{}
		r.Definitions = defs
		index[r.Month] = len(out)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reports: kpis: %w", err)
	}
	rows.Close()

	vals, err := db.QueryContext(ctx, sqlfiles.Query("kpi_values"), day)
	if err != nil {
		return nil, fmt.Errorf("reports: kpi values: %w", err)
	}
	defer vals.Close()
	for vals.Next() {
		var month time.Time
		var name string
		var value, reason sql.NullString
		var provisional bool
		if err := vals.Scan(&month, &name, &value, &reason, &provisional); err != nil {
			return nil, fmt.Errorf("reports: kpi values: %w", err)
		}
		i, ok := index[month.UTC()]
		if !ok {
			continue
		}
		v, err := kpiValue(value, reason)
		if err != nil {
			return nil, fmt.Errorf("reports: kpi %s %s: %w", name, month.Format("2006-01"), err)
		}
		v.Provisional = provisional
		out[i].Figures[name] = v
	}
	if err := vals.Err(); err != nil {
		return nil, fmt.Errorf("reports: kpi values: %w", err)
	}
	return out, nil
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

// kpiSettingsJSON is the canonical form of a KPI's settings: fixed field
// order, decimals in their shortest form, so equal settings always hash
// the same.
type kpiSettingsJSON struct {
	KPI               string         `json:"kpi"`
	DefinitionVersion int            `json:"definition_version"`
	BaseCurrency      string         `json:"base_currency"`
	Baseline          *string        `json:"baseline"`
	Target            *kpiTargetJSON `json:"target"`
	// Holidays are the non-working days of the KPIs that count working
	// days; left out for the others, so that their hashes do not change
	// with the holiday list.
	Holidays []string `json:"holidays,omitempty"`
}

// workingDayKPIs are the KPIs whose figures depend on the holiday list.
var workingDayKPIs = map[string]bool{"invoiced_within_5_working_days": true}

type kpiTargetJSON struct {
	Value     string `json:"value"`
	OwnerRole string `json:"owner_role"`
}

// LoadKPIDefinitions returns every KPI in display order with its formula
// version, its baseline (configured, else computed), its target and the
// settings hash of s; ValidFrom is set when that definition is recorded
// as the KPI's current one.
func LoadKPIDefinitions(ctx context.Context, db *sql.DB, s KPISettings) ([]KPIDefinition, error) {
	rows, err := db.QueryContext(ctx, sqlfiles.Query("kpi_definitions"))
	if err != nil {
		return nil, fmt.Errorf("reports: kpi definitions: %w", err)
	}
	defer rows.Close()
	var defs []KPIDefinition
	for rows.Next() {
		var d KPIDefinition
		var position int
		var baseline, reason sql.NullString
		var months []any
		var base sql.NullString
		var holidays string
		if err := rows.Scan(&d.Name, &position, &d.Version, &d.Unit, &d.Better, &d.Formula, &baseline, &reason, &months, &base, &holidays); err != nil {
			return nil, fmt.Errorf("reports: kpi definitions: %w", err)
		}
		if d.Baseline, err = kpiValue(baseline, reason); err != nil {
			return nil, fmt.Errorf("reports: kpi %s baseline: %w", d.Name, err)
		}
		names := make([]string, len(months))
		for i, m := range months {
			names[i] = fmt.Sprint(m)
		}
		if d.Baseline.Value.Valid {
			d.BaselineSource = "median of " + strings.Join(names, ", ")
		}
		canon := kpiSettingsJSON{KPI: d.Name, DefinitionVersion: d.Version, BaseCurrency: base.String}
		if workingDayKPIs[d.Name] && holidays != "" {
			canon.Holidays = strings.Split(holidays, ",")
		}
		if b, ok := s.Baselines[d.Name]; ok {
			d.Baseline = KPIValue{Value: decimal.NewNullDecimal(b)}
			d.BaselineSource = "configured"
			v := b.String()
			canon.Baseline = &v
		}
		if t, ok := s.Targets[d.Name]; ok {
			t := t
			d.Target = &t
			canon.Target = &kpiTargetJSON{Value: t.Value.String(), OwnerRole: t.OwnerRole}
		}
		js, err := json.Marshal(canon)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(js)
		d.Settings, d.SettingsHash = string(js), hex.EncodeToString(sum[:])
		defs = append(defs, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reports: kpi definitions: %w", err)
	}
	rows.Close()
	latest, err := latestDefinitions(ctx, db)
	if err != nil {
		return nil, err
	}
	for i, d := range defs {
		if l, ok := latest[d.Name]; ok && l.version == d.Version && l.hash == d.SettingsHash {
			defs[i].ValidFrom = l.validFrom
		}
	}
	return defs, nil
}

type recordedDefinition struct {
	version   int
	hash      string
	validFrom time.Time
}

func latestDefinitions(ctx context.Context, db *sql.DB) (map[string]recordedDefinition, error) {
	rows, err := db.QueryContext(ctx, sqlfiles.Query("kpi_definitions_latest"))
	if err != nil {
		return nil, fmt.Errorf("reports: recorded kpi definitions: %w", err)
	}
	defer rows.Close()
	out := map[string]recordedDefinition{}
	for rows.Next() {
		var name string
		var r recordedDefinition
		if err := rows.Scan(&name, &r.version, &r.hash, &r.validFrom); err != nil {
			return nil, fmt.Errorf("reports: recorded kpi definitions: %w", err)
		}
		r.validFrom = r.validFrom.UTC()
		out[name] = r
	}
	return out, rows.Err()
}

// RecordKPIDefinitions records, for every KPI whose formula version or
// settings differ from its latest recorded definition, the current one as
// valid from at, in one transaction, and returns the definitions labelled
// with the time each took effect. Recording the same definitions again
// changes nothing.
func RecordKPIDefinitions(ctx context.Context, db *sql.DB, s KPISettings, at time.Time) ([]KPIDefinition, error) {
	defs, err := LoadKPIDefinitions(ctx, db, s)
	if err != nil {
		return nil, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	at = at.UTC()
	changed := false
	for i, d := range defs {
		if !d.ValidFrom.IsZero() {
			continue
		}
		if _, err := tx.ExecContext(ctx, sqlfiles.Query("kpi_record_definition"), d.Name, d.Version, d.SettingsHash, d.Settings, at); err != nil {
			return nil, fmt.Errorf("reports: record kpi definition %s: %w", d.Name, err)
		}
		defs[i].ValidFrom = at
		changed = true
	}
	if !changed {
		return defs, nil
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("reports: record kpi definitions: %w", err)
	}
	return defs, nil
}

// KPIDefinitionVersion is one recorded definition of a KPI.
type KPIDefinitionVersion struct {
	Version      int
	SettingsHash string
	Settings     string
	ValidFrom    time.Time
}

// KPIDefinitionHistory lists every recorded definition of a KPI, oldest
// first.
func KPIDefinitionHistory(ctx context.Context, db *sql.DB, kpi string) ([]KPIDefinitionVersion, error) {
	rows, err := db.QueryContext(ctx, sqlfiles.Query("kpi_definition_history"), kpi)
	if err != nil {
		return nil, fmt.Errorf("reports: kpi %s history: %w", kpi, err)
	}
	defer rows.Close()
	var out []KPIDefinitionVersion
	for rows.Next() {
		var v KPIDefinitionVersion
		if err := rows.Scan(&v.Version, &v.SettingsHash, &v.Settings, &v.ValidFrom); err != nil {
			return nil, fmt.Errorf("reports: kpi %s history: %w", kpi, err)
		}
		v.ValidFrom = v.ValidFrom.UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// CustomerKPIs are the KPIs of one customer in one month: those that make
// sense per customer (marts.kpi_customer_monthly), in the base currency.
type CustomerKPIs struct {
	// CustomerID is empty for documents and work of no known customer.
	CustomerID, Customer string
	AREnd, GrossSales    decimal.Decimal
	// ARAging holds AREnd by bucket: not_due, 1_30, 31_60, 61_90, over_90.
	ARAging                            map[string]decimal.Decimal
	DSODays, BestPossibleDSODays       KPIValue
	InvoicesDue, InvoicesDunned        int
	DunningRate                        KPIValue
	InvoicesChecked, InvoicesCorrected int
	CorrectionRate                     KPIValue
	ItemsInvoiced                      int
	TimeToInvoiceMedianDays            KPIValue
	UnbilledItems                      int
	UnbilledAmount                     KPIValue
}

// LoadCustomerKPIs reads the per-customer KPIs of the month of month,
// ordered by customer name.
func LoadCustomerKPIs(ctx context.Context, db *sql.DB, month time.Time) ([]CustomerKPIs, error) {
	rows, err := db.QueryContext(ctx, sqlfiles.Query("kpi_customers"), month.Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("reports: customer kpis: %w", err)
	}
	defer rows.Close()
	var out []CustomerKPIs
	for rows.Next() {
		var c CustomerKPIs
		var id, name sql.NullString
		var ar, notDue, a130, a3160, a6190, a90, sales string
		var dso, best, dsoWhy, dun, dunWhy, corr, corrWhy, tti, ttiWhy, unbilled, unbilledWhy sql.NullString
		var provisional bool
		if err := rows.Scan(&id, &name, &ar, &notDue, &a130, &a3160, &a6190, &a90, &sales, &dso, &best, &dsoWhy,
			&c.InvoicesDue, &c.InvoicesDunned, &dun, &dunWhy, &c.InvoicesChecked, &c.InvoicesCorrected, &corr, &corrWhy, &provisional,
			&c.ItemsInvoiced, &tti, &ttiWhy, &c.UnbilledItems, &unbilled, &unbilledWhy); err != nil {
			return nil, fmt.Errorf("reports: customer kpis: %w", err)
		}
		c.CustomerID, c.Customer = id.String, name.String
		c.ARAging = map[string]decimal.Decimal{}
		for _, f := range []struct {
			bucket, src string
		}{{"", ar}, {"not_due", notDue}, {"1_30", a130}, {"31_60", a3160}, {"61_90", a6190}, {"over_90", a90}, {"sales", sales}} {
			d, err := decimal.NewFromString(f.src)
			if err != nil {
				return nil, fmt.Errorf("reports: customer kpis %s: %w", c.CustomerID, err)
			}
			switch f.bucket {
			case "":
				c.AREnd = d
			case "sales":
				c.GrossSales = d
			default:
				c.ARAging[f.bucket] = d
			}
		}
		for _, f := range []struct {
			dst       *KPIValue
			v, reason sql.NullString
		}{
			{&c.DSODays, dso, dsoWhy}, {&c.BestPossibleDSODays, best, dsoWhy}, {&c.DunningRate, dun, dunWhy},
			{&c.CorrectionRate, corr, corrWhy}, {&c.TimeToInvoiceMedianDays, tti, ttiWhy}, {&c.UnbilledAmount, unbilled, unbilledWhy},
		} {
			if *f.dst, err = kpiValue(f.v, f.reason); err != nil {
				return nil, fmt.Errorf("reports: customer kpis %s: %w", c.CustomerID, err)
			}
		}
		c.CorrectionRate.Provisional = provisional
		out = append(out, c)
	}
	return out, rows.Err()
}
