//go:build duckdb_arrow

package reconcile

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/takt-billing/takt/internal/rawtest"
	"github.com/takt-billing/takt/transform"
)

func TestUnbilledAndExceptionsOfTheScenario(t *testing.T) {
	ctx := context.Background()
	w := rawtest.Scenario(t)
	s := transform.Settings{BaseCurrency: "EUR", HomeCountry: "DE", StandardVAT: "19", PaymentTerms: 30, StaleAfterDays: 60, AsOf: rawtest.ScenarioAsOf}
	if err := transform.Run(ctx, w.Warehouse, w.RunID, s, nil); err != nil {
		t.Fatal(err)
	}

	// A zero as-of day means the last run's as-of day.
	items, err := Unbilled(ctx, w.DB, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, strings.Join([]string{it.Kind, it.SourceID, it.Customer, it.Project, it.WorkDate.Format("2006-01-02"),
			it.Hours.StringFixed(2), it.Amount.StringFixed(2), it.Currency}, " "))
	}
	want := []string{
		"time e2 Alpha GmbH Alpha platform 2026-02-10 4.50 450.00 EUR",
		"time e3 Alpha GmbH Alpha platform 2026-03-05 2.25 247.50 EUR",
		"time e5 Alpha GmbH Alpha platform 2026-03-10 1.33 146.66 EUR",
		"expense x1 Alpha GmbH Alpha platform 2026-03-12 0.00 45.90 EUR",
		"time e9 Alpha GmbH Alpha platform 2026-03-20 1.00 110.00 EUR",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("unbilled:\n got %s\nwant %s", strings.Join(got, "\n    "), strings.Join(want, "\n    "))
	}
	if !items[2].Hours.Equal(rawtest.D("1.3333")) {
		t.Errorf("hours of e5 = %s, want 1.3333 exactly", items[2].Hours)
	}

	// As of the end of February, only e2 was unbilled (e1, e7, e8 were billed
	// on 2026-02-02), and the draft-linked e9 did not exist yet.
	feb, err := Unbilled(ctx, w.DB, rawtest.Date("2026-02-28"))
	if err != nil {
		t.Fatal(err)
	}
	if len(feb) != 1 || feb[0].SourceID != "e2" || feb[0].AgeDays != 18 {
		t.Fatalf("unbilled as of 2026-02-28 = %+v, want e2 aged 18 days", feb)
	}
	// As of mid-January the entries billed in February were still unbilled.
	jan, err := Unbilled(ctx, w.DB, rawtest.Date("2026-01-31"))
	if err != nil {
		t.Fatal(err)
	}
	var janIDs []string
	for _, it := range jan {
		janIDs = append(janIDs, it.SourceID)
	}
	if strings.Join(janIDs, ",") != "e1,e7,e8" {
		t.Fatalf("unbilled as of 2026-01-31 = %v, want e1,e7,e8", janIDs)
	}

	exc, err := Exceptions(ctx, w.DB)
	if err != nil {
		t.Fatal(err)
	}
	if len(exc) != 2 {
		t.Fatalf("%d exceptions, want 2: %+v", len(exc), exc)
	}
	db := exc[0]
	if db.Kind != "double_billed" || strings.Join(db.SourceIDs, ",") != "e7,e8" || db.Amount.StringFixed(2) != "200.00" ||
		strings.Join(db.InvoiceNumbers, ",") != "H-0001,H-0001" || db.Customer != "Alpha GmbH" || db.Currency != "EUR" {
		t.Errorf("double billed = %+v", db)
	}
	rm := exc[1]
	if rm.Kind != "rate_mismatch" || strings.Join(rm.SourceIDs, ",") != "e3" || rm.Amount.StringFixed(2) != "11.25" || len(rm.InvoiceNumbers) != 0 {
		t.Errorf("rate mismatch = %+v", rm)
	}
}
