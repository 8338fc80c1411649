package reconcile

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	sqlfiles "github.com/takt-billing/takt/sql"
)

// UnbilledItem is approved, billable work no issued invoice covers.
type UnbilledItem struct {
	Kind        string // time, expense or milestone
	SourceID    string // the source system's id of the record
	CustomerID  string
	Customer    string
	ProjectCode string
	Project     string
	Task        string // task, expense category or milestone name
	Person      string
	WorkDate    time.Time
	Hours       decimal.Decimal // zero for expenses and milestones
	Rate        decimal.NullDecimal
	RateSource  string // rate_card, task_assignment, project, entry, expense, milestone
	Amount      decimal.Decimal
	Currency    string
	AgeDays     int
}

// Unbilled returns the unbilled work as of a day, ordered by customer,
// project, date and id. A zero asOf means the as-of day of the last run.
func Unbilled(ctx context.Context, db *sql.DB, asOf time.Time) ([]UnbilledItem, error) {
	var arg any
	if !asOf.IsZero() {
		arg = asOf.Format(time.DateOnly)
	}
	rows, err := db.QueryContext(ctx, sqlfiles.Query("unbilled"), arg)
	if err != nil {
		return nil, fmt.Errorf("reconcile: unbilled: %w", err)
	}
	defer rows.Close()
	var out []UnbilledItem
	for rows.Next() {
		var it UnbilledItem
		var customerID, customer, code, project, task, person, rateSource sql.NullString
		var hours, rate, amount sql.NullString
		if err := rows.Scan(&it.Kind, &it.SourceID, &customerID, &customer, &code, &project, &task, &person,
			&it.WorkDate, &hours, &rate, &rateSource, &amount, &it.Currency, &it.AgeDays); err != nil {
			return nil, fmt.Errorf("reconcile: unbilled: %w", err)
		}
		it.CustomerID, it.Customer, it.ProjectCode, it.Project = customerID.String, customer.String, code.String, project.String
		it.Task, it.Person, it.RateSource = task.String, person.String, rateSource.String
		if it.Hours, err = decimalOf(hours); err != nil {
			return nil, err
		}
		if rate.Valid {
			d, err := decimal.NewFromString(rate.String)
			if err != nil {
				return nil, err
			}
			it.Rate = decimal.NewNullDecimal(d)
		}
		if it.Amount, err = decimalOf(amount); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// Exception is a billing finding a controller should look at.
type Exception struct {
	ID             string
	Kind           string // double_billed, rate_mismatch, ...
	CustomerID     string
	Customer       string
	ProjectCode    string
	Project        string
	SourceIDs      []string
	InvoiceNumbers []string
	Amount         decimal.Decimal // at stake, in Currency; signed where the kind says so
	Currency       string
	MatchLevel     string // direct_link, project_month, customer_month, rate_card, budget, milestone, customer, vat
	Reason         string
	// Acknowledgement is the latest acknowledgement of the exception, if
	// any; Acknowledged is true only while the exception still has the
	// amount and records it was acknowledged with (a changed finding needs
	// a new look).
	Acknowledgement *Acknowledgement
	Acknowledged    bool
}

// Exceptions returns the current exceptions ordered by kind, customer and
// records.
func Exceptions(ctx context.Context, db *sql.DB) ([]Exception, error) {
	rows, err := db.QueryContext(ctx, sqlfiles.Query("exceptions"))
	if err != nil {
		return nil, fmt.Errorf("reconcile: exceptions: %w", err)
	}
	defer rows.Close()
	var out []Exception
	for rows.Next() {
		var e Exception
		var customerID, customer, code, project sql.NullString
		var ids, invoices, amount string
		if err := rows.Scan(&e.ID, &e.Kind, &customerID, &customer, &code, &project, &ids, &invoices,
			&amount, &e.Currency, &e.MatchLevel, &e.Reason); err != nil {
			return nil, fmt.Errorf("reconcile: exceptions: %w", err)
		}
		e.CustomerID, e.Customer, e.ProjectCode, e.Project = customerID.String, customer.String, code.String, project.String
		if err := json.Unmarshal([]byte(ids), &e.SourceIDs); err != nil {
			return nil, fmt.Errorf("reconcile: exception %s: source ids: %w", e.ID, err)
		}
		if err := json.Unmarshal([]byte(invoices), &e.InvoiceNumbers); err != nil {
			return nil, fmt.Errorf("reconcile: exception %s: invoice numbers: %w", e.ID, err)
		}
		if e.Amount, err = decimal.NewFromString(amount); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	acks, err := latestAcks(ctx, db)
	if err != nil {
		return nil, err
	}
	for i := range out {
		e := &out[i]
		if a, ok := acks[e.ID]; ok {
			e.Acknowledgement = a
			e.Acknowledged = a.Amount.Equal(e.Amount) && a.Currency == e.Currency && slices.Equal(a.SourceIDs, e.SourceIDs)
		}
	}
	return out, nil
}

// latestAcks reads the latest acknowledgement of each exception.
func latestAcks(ctx context.Context, db *sql.DB) (map[string]*Acknowledgement, error) {
	rows, err := db.QueryContext(ctx, sqlfiles.Query("billing_latest_acks"))
	if err != nil {
		return nil, fmt.Errorf("reconcile: acknowledgements: %w", err)
	}
	defer rows.Close()
	out := map[string]*Acknowledgement{}
	for rows.Next() {
		var id, amount, ids string
		a := &Acknowledgement{}
		if err := rows.Scan(&id, &a.No, &a.By, &a.At, &a.Reason, &amount, &a.Currency, &ids, &a.AuditSeq); err != nil {
			return nil, fmt.Errorf("reconcile: acknowledgements: %w", err)
		}
		a.Amount = decimal.RequireFromString(amount)
		if err := json.Unmarshal([]byte(ids), &a.SourceIDs); err != nil {
			return nil, fmt.Errorf("reconcile: acknowledgement of %s: %w", id, err)
		}
		out[id] = a
	}
	return out, rows.Err()
}

func decimalOf(s sql.NullString) (decimal.Decimal, error) {
	if !s.Valid {
		return decimal.Zero, nil
	}
	return decimal.NewFromString(s.String)
}
