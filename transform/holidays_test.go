package transform

import (
	"context"
	"testing"
	"time"

	"github.com/takt-billing/takt/internal/dbtest"
	"github.com/takt-billing/takt/internal/rawtest"
)

// The deadline of "invoiced within 5 working days" skips weekends, and the
// configured holidays too: Good Friday and Easter Monday 2026 push March's
// deadline from Tuesday 7 to Thursday 9 April.
func TestInvoiceDeadlineSkipsHolidays(t *testing.T) {
	ctx := context.Background()
	w := rawtest.Scenario(t)
	deadlines := func() []string {
		t.Helper()
		return dbtest.Strings(t, w.DB, `SELECT strftime(month, '%Y-%m') || ' ' || strftime(invoice_deadline, '%Y-%m-%d')
			FROM marts.months ORDER BY month`)
	}
	if err := Run(ctx, w.Warehouse, w.RunID, settings(), nil); err != nil {
		t.Fatal(err)
	}
	dbtest.Lines(t, "weekdays only", deadlines(), []string{
		"2026-01 2026-02-06", // Sat 31 Jan: Mon 2 .. Fri 6 Feb
		"2026-02 2026-03-06", // Sat 28 Feb: Mon 2 .. Fri 6 Mar
		"2026-03 2026-04-07", // Tue 31 Mar: Wed 1, Thu 2, Fri 3, Mon 6, Tue 7 Apr
	})
	s := settings()
	s.Holidays = []time.Time{date("2026-04-03"), date("2026-04-06"), date("2026-12-25")}
	if err := Run(ctx, w.Warehouse, w.RunID, s, nil); err != nil {
		t.Fatal(err)
	}
	dbtest.Lines(t, "with holidays", deadlines(), []string{
		"2026-01 2026-02-06",
		"2026-02 2026-03-06",
		"2026-03 2026-04-09", // Wed 1, Thu 2, Tue 7, Wed 8, Thu 9 Apr
	})
}
