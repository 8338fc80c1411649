//go:build duckdb_arrow

package reconcile

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/internal/rawtest"
	"github.com/takt-billing/takt/transform"
)

// billingScenario is a company small enough to check every billing
// figure by hand (as of 2026-03-31, base EUR, home DE, VAT 19 %):
//
//	Alpha GmbH (DE, DE123456789, EUR)
//	  project 11 "Alpha platform", Consulting at 110.00 (rate card):
//	    a1 2026-03-02 1.3333 h, a2 2026-03-03 1.3333 h
//	    -> one line 2.6666 h x 110 = 293.326 -> 293.33
//	       (the items rounded one by one would give 146.66 + 146.66 = 293.32)
//	    x1, x2, x3 parking 1.50 each -> three lines of 1.50
//	  project 12 "Alpha audit", Consulting at 100.00, budget 10 h:
//	    b1 2026-02-10 6 h billed on Harvest invoice H-1 (issued 2026-03-01)
//	    b2 2026-03-05 3 h, b3 2026-03-12 2 h: 4 h left in the budget
//	    -> line 4 h x 100 = 400.00; write-off proposal 1 h = 100.00
//	  net 293.33 + 400.00 + 4.50 = 697.83; VAT 19 % on the sum = 132.5877
//	  -> 132.59 (per line it would be 55.73 + 76.00 + 3 x 0.29 = 132.60);
//	  gross 830.42; Skonto 2 % = 16.6084 -> 16.61 until 2026-04-10,
//	  due 2026-04-30
//	Bravo SARL (FR, FR12345678901): project 22 at 120.00, c1 2 h = 240.00,
//	  reverse charge: VAT 0, gross 240.00, Skonto 4.80
//	Charlie SAS (FR, no VAT id): project 33 at 120.00, d1 1 h = 120.00,
//	  domestic VAT 22.80, gross 142.80 (and reverse_charge_without_vat_id)
//	Delta Inc (US, USD): project 44 at 150.00 USD, u1 2.5 h = 375.00 USD,
//	  not taxable here; Xero booked 1.08 USD/EUR on INV-D1 (2026-02-15):
//	  base 375.00 / 1.08 = 347.2222 -> 347.22 EUR
//	Echo GmbH (DE): fixed-price project 55, milestone M1 5000.00 reached
//	  2026-03-10 not invoiced, change request CR-1 1200.00 approved
//	  2026-03-15: net 6200.00, VAT 1178.00, gross 7378.00
func billingScenario(t *testing.T) *rawtest.Warehouse {
	t.Helper()
	w := rawtest.Open(t)
	u := rawtest.Time("2026-03-31T12:00:00Z")
	d := rawtest.D
	date := rawtest.Date
	w.Put("hubspot", "companies",
		[]any{"1", u, u, false, "Alpha GmbH", "alpha.de", "DE", "DE123456789"},
		[]any{"2", u, u, false, "Bravo SARL", "bravo.fr", "France", "FR 12 345678901"},
		[]any{"3", u, u, false, "Charlie SAS", "charlie.fr", "FR", nil},
		[]any{"4", u, u, false, "Delta Inc", "delta.com", "US", nil},
		[]any{"5", u, u, false, "Echo GmbH", "echo.de", "DE", "DE987654321"},
	)
	deal := func(id, name, cur, model, company string) []any {
		return []any{id, u, u, false, name, d("10000"), cur, "closedwon", "default", rawtest.Time("2025-12-01T00:00:00Z"), model, company}
	}
	w.Put("hubspot", "deals",
		deal("11", "Alpha platform", "EUR", "time_and_materials", "1"),
		deal("12", "Alpha audit", "EUR", "time_and_materials", "1"),
		deal("22", "Bravo shop", "EUR", "time_and_materials", "2"),
		deal("33", "Charlie app", "EUR", "time_and_materials", "3"),
		deal("44", "Delta data", "USD", "time_and_materials", "4"),
		deal("55", "Echo portal", "EUR", "fixed_price", "5"),
	)
	w.Put("harvest", "clients",
		[]any{"100", u, u, "Alpha GmbH", true, "EUR", nil},
		[]any{"200", u, u, "Bravo SARL", true, "EUR", nil},
		[]any{"300", u, u, "Charlie SAS", true, "EUR", nil},
		[]any{"400", u, u, "Delta Inc", true, "USD", nil},
		[]any{"500", u, u, "Echo GmbH", true, "EUR", nil},
	)
	proj := func(id, client, name, code string, fixed bool, budget any) []any {
		var budgetBy any
		if budget != nil {
			budgetBy = "project"
		}
		return []any{id, u, u, client, name, code, true, true, fixed, "Tasks", budget, budgetBy, nil, nil, date("2026-01-01"), nil, nil}
	}
	w.Put("harvest", "projects",
		proj("1100", "100", "Alpha platform", "11", false, nil),
		proj("1200", "100", "Alpha audit", "12", false, d("10")),
		proj("2200", "200", "Bravo shop", "22", false, nil),
		proj("3300", "300", "Charlie app", "33", false, nil),
		proj("4400", "400", "Delta data", "44", false, nil),
		proj("5500", "500", "Echo portal", "55", true, nil),
	)
	w.Put("harvest", "users", []any{"7", u, u, "Kim", "Allen", "kim@example.com", true, nil, nil})
	w.Put("harvest", "tasks", []any{"50", u, u, "Consulting", true, nil, true})
	entry := func(id, client, project, day, hours, rate string, invID, invNo any) []any {
		billed := invID != nil
		return []any{id, u, rawtest.Time(day + "T18:00:00Z"), date(day), "7", client, project, "50", d(hours), nil, "work " + id,
			billed, nil, true, billed, true, d(rate), nil, invID, invNo, nil, nil}
	}
	w.Put("harvest", "time_entries",
		entry("a1", "100", "1100", "2026-03-02", "1.3333", "110", nil, nil),
		entry("a2", "100", "1100", "2026-03-03", "1.3333", "110", nil, nil),
		entry("b1", "100", "1200", "2026-02-10", "6", "100", "h1", "H-1"),
		entry("b2", "100", "1200", "2026-03-05", "3", "100", nil, nil),
		entry("b3", "100", "1200", "2026-03-12", "2", "100", nil, nil),
		entry("c1", "200", "2200", "2026-03-04", "2", "120", nil, nil),
		entry("d1", "300", "3300", "2026-03-05", "1", "120", nil, nil),
		entry("u1", "400", "4400", "2026-03-06", "2.5", "150", nil, nil),
	)
	expense := func(id, day string) []any {
		return []any{id, u, u, date(day), "7", "100", "1100", "Parking", d("1.50"), d("1"), true, true, false, nil, nil, "parking"}
	}
	w.Put("harvest", "expenses", expense("x1", "2026-03-02"), expense("x2", "2026-03-03"), expense("x3", "2026-03-04"))
	w.Put("harvest", "invoices",
		[]any{"h1", u, u, "100", "H-1", "open", date("2026-03-01"), date("2026-03-31"), rawtest.Time("2026-03-01T09:00:00Z"), nil, "EUR",
			d("714"), d("714"), d("19"), d("114"), "February", date("2026-02-01"), date("2026-02-28"),
			[][]any{{"l1", "Service", "Alpha audit: Consulting", "1200", d("6"), d("100"), d("600"), true}}},
	)
	w.Put("xero", "contacts",
		[]any{"X1", u, "Alpha GmbH", nil, nil, "DE123456789", "ACTIVE", true, "EUR", "DE", nil},
		[]any{"X2", u, "Bravo SARL", nil, nil, "FR12345678901", "ACTIVE", true, "EUR", "FR", nil},
		[]any{"X3", u, "Charlie SAS", nil, nil, nil, "ACTIVE", true, "EUR", "FR", nil},
		[]any{"X4", u, "Delta Inc", nil, nil, nil, "ACTIVE", true, "USD", "US", nil},
		[]any{"X5", u, "Echo GmbH", nil, nil, "DE987654321", "ACTIVE", true, "EUR", "DE", nil},
	)
	inv := func(id, number, contact, status, day, cur, rate, total string) []any {
		return []any{id, u, "ACCREC", number, nil, contact, nil, status, date(day), date(day).AddDate(0, 0, 30), cur, d(rate), "Exclusive",
			nil, nil, d(total), nil, nil, nil, nil, nil}
	}
	w.Put("xero", "invoices",
		inv("XI1", "H-1", "X1", "AUTHORISED", "2026-03-01", "EUR", "1", "714.00"),
		inv("XD1", "INV-D1", "X4", "PAID", "2026-02-15", "USD", "1.08", "540.00"),
	)
	w.Put("files", "milestones",
		[]any{"M1", u, "milestones.csv", "ms1", int64(1), "55", "Design approved", d("5000"), "EUR", date("2026-03-01"), date("2026-03-10"), nil, nil},
	)
	w.Put("files", "rate_cards",
		[]any{"R11", u, "rate_cards.csv", "rc1", int64(1), "11", "Consulting", d("110"), "EUR", date("2026-01-01"), nil},
		[]any{"R12", u, "rate_cards.csv", "rc1", int64(2), "12", "Consulting", d("100"), "EUR", date("2026-01-01"), nil},
		[]any{"R22", u, "rate_cards.csv", "rc1", int64(3), "22", "Consulting", d("120"), "EUR", date("2026-01-01"), nil},
		[]any{"R33", u, "rate_cards.csv", "rc1", int64(4), "33", "Consulting", d("120"), "EUR", date("2026-01-01"), nil},
		[]any{"R44", u, "rate_cards.csv", "rc1", int64(5), "44", "Consulting", d("150"), "USD", date("2026-01-01"), nil},
	)
	w.Put("files", "change_requests",
		[]any{"CR-1", u, "change_requests.csv", "cr1", int64(1), "55", "Extra export", "approved", date("2026-03-15"), d("10"), d("1200"), "EUR"},
	)
	if err := transform.Run(context.Background(), w.Warehouse, w.RunID, scenarioSettings(), nil); err != nil {
		t.Fatal(err)
	}
	return w
}

var scenarioAsOf = rawtest.Date("2026-03-31")

func scenarioSettings() transform.Settings {
	return transform.Settings{BaseCurrency: "EUR", HomeCountry: "DE", StandardVAT: "19", PaymentTerms: 30, StaleAfterDays: 60, AsOf: scenarioAsOf}
}

// testSettings are the billing settings of the scenario: net 30, 2 %
// Skonto within 10 days.
func testSettings() Settings {
	return Settings{BaseCurrency: "EUR", HomeCountry: "DE", SellerVATID: "DE111111111", PaymentDays: 30,
		SkontoPercent: decimal.RequireFromString("2"), SkontoDays: 10}
}

// clock returns a fixed clock that advances one second per call.
func clock() func() time.Time {
	t := rawtest.Time("2026-04-01T08:00:00Z")
	return func() time.Time {
		t = t.Add(time.Second)
		return t
	}
}
