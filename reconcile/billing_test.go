//go:build duckdb_arrow

package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/internal/dbtest"
	"github.com/takt-billing/takt/internal/rawtest"
)

// invoiceLine renders a line as "kind description | hours x rate = amount
// @tax% [source ids]".
func invoiceLine(l Line) string {
	h, r := "-", "-"
	if l.Hours.Valid {
		h = l.Hours.Decimal.StringFixed(4)
	}
	if l.Rate.Valid {
		r = l.Rate.Decimal.StringFixed(2)
	}
	return fmt.Sprintf("%s %s | %s x %s = %s @%s%% [%s]", l.Kind, l.ProjectCode, h, r, l.Amount.StringFixed(2), l.TaxRate.StringFixed(0),
		strings.Join(l.SourceIDs(), ","))
}

func summary(inv Invoice) string {
	s := fmt.Sprintf("%s %s %s net %s tax %s gross %s due %s", inv.Customer, inv.Currency, inv.VATCase, inv.Net.StringFixed(2),
		inv.Tax.StringFixed(2), inv.Gross.StringFixed(2), inv.DueDate.Format("2006-01-02"))
	if inv.Skonto != nil {
		s += fmt.Sprintf(" skonto %s%% %s until %s", inv.Skonto.Percent.StringFixed(2), inv.Skonto.Amount.StringFixed(2), inv.Skonto.Date.Format("2006-01-02"))
	}
	if inv.FX != nil {
		s += fmt.Sprintf(" fx %s %s %s base %s", inv.FX.Rate.StringFixed(6), inv.FX.Date.Format("2006-01-02"), inv.FX.Source, inv.BaseGross.StringFixed(2))
	}
	return s
}

func createScenarioRun(t *testing.T, w *rawtest.Warehouse, by string) *Run {
	t.Helper()
	run, err := CreateRun(context.Background(), w.DB, testSettings(), CreateOptions{Period: rawtest.Date("2026-03-01"), By: by, Now: clock()})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func TestDraftRunOfTheScenario(t *testing.T) {
	t.Parallel()
	w := billingScenario(t)
	run := createScenarioRun(t, w, "anna")
	if run.ID != "BR-2026-03-01" || run.Status != StatusDraft || run.CreatedBy != "anna" || run.InvoiceDate.Format("2006-01-02") != "2026-03-31" {
		t.Fatalf("run = %s %s %s %s", run.ID, run.Status, run.CreatedBy, run.InvoiceDate)
	}
	var got []string
	for _, inv := range run.Invoices {
		got = append(got, summary(inv))
	}
	dbtest.Lines(t, "invoices", got, []string{
		"Alpha GmbH EUR domestic net 697.83 tax 132.59 gross 830.42 due 2026-04-30 skonto 2.00% 16.61 until 2026-04-10",
		"Bravo SARL EUR reverse_charge net 240.00 tax 0.00 gross 240.00 due 2026-04-30 skonto 2.00% 4.80 until 2026-04-10",
		"Charlie SAS EUR domestic net 120.00 tax 22.80 gross 142.80 due 2026-04-30 skonto 2.00% 2.86 until 2026-04-10",
		"Delta Inc USD non_eu net 375.00 tax 0.00 gross 375.00 due 2026-04-30 skonto 2.00% 7.50 until 2026-04-10 fx 1.080000 2026-02-15 xero base 347.22",
		"Echo GmbH EUR domestic net 6200.00 tax 1178.00 gross 7378.00 due 2026-04-30 skonto 2.00% 147.56 until 2026-04-10",
	})
	alpha := run.Invoices[0]
	got = nil
	for _, l := range append(alpha.Lines, alpha.WriteOffs...) {
		got = append(got, invoiceLine(l))
	}
	dbtest.Lines(t, "Alpha's lines", got, []string{
		"time 11 | 2.6666 x 110.00 = 293.33 @19% [a1,a2]",
		"time 12 | 4.0000 x 100.00 = 400.00 @19% [b2,b3]",
		"expense 11 | - x - = 1.50 @19% [x1]",
		"expense 11 | - x - = 1.50 @19% [x2]",
		"expense 11 | - x - = 1.50 @19% [x3]",
		"write_off 12 | 1.0000 x 100.00 = 100.00 @19% [b3]",
	})
	if len(alpha.TaxBreakdown) != 1 || alpha.TaxBreakdown[0].Base.StringFixed(2) != "697.83" || alpha.TaxBreakdown[0].Tax.StringFixed(2) != "132.59" {
		t.Errorf("Alpha's VAT breakdown = %+v", alpha.TaxBreakdown)
	}
	// b3 is split: 1 h billed within the budget, 1 h proposed for write-off.
	if it := alpha.Lines[1].Items[1]; it.Key != "time:b3" || it.Quantity.StringFixed(4) != "1.0000" {
		t.Errorf("b3 billed part = %+v", it)
	}
	wantNotes := []string{
		"Zahlbar bis 2026-04-30 (30 Tage netto); bei Zahlung bis 2026-04-10 2.00 % Skonto (16.61 EUR, zu zahlen 813.81 EUR). / Payable by 2026-04-30 (30 days net); 2.00 % cash discount (16.61 EUR, pay 813.81 EUR) if paid by 2026-04-10.",
		"#SKONTO#TAGE=10#PROZENT=2.00#",
	}
	dbtest.Lines(t, "Alpha's notes", alpha.Notes, wantNotes)
	if n := run.Invoices[1].Notes[0]; n != "Steuerschuldnerschaft des Leistungsempfängers / Reverse charge. USt-IdNr. des Leistungsempfängers / Customer VAT ID: FR12345678901; unsere USt-IdNr. / our VAT ID: DE111111111." {
		t.Errorf("Bravo's reverse-charge note = %q", n)
	}
	if n := run.Invoices[3].Notes[0]; !strings.HasPrefix(n, "Nicht im Inland steuerbare Leistung") {
		t.Errorf("Delta's note = %q", n)
	}
	if len(run.Invoices[2].Notes) != 2 {
		t.Errorf("Charlie (domestic VAT) should carry payment terms only: %q", run.Invoices[2].Notes)
	}
	got = nil
	for _, l := range run.Invoices[4].Lines {
		got = append(got, invoiceLine(l))
	}
	dbtest.Lines(t, "Echo's lines", got, []string{
		"milestone 55 | - x - = 5000.00 @19% [M1]",
		"change_request 55 | - x - = 1200.00 @19% [CR-1]",
	})

	// What is stored is what was computed.
	stored, err := LoadRun(context.Background(), w.DB, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if contentHash(stored) != contentHash(run) {
		t.Errorf("stored run differs from the computed one")
	}
	// The run create returns is the one show prints, item for item.
	for i, inv := range run.Invoices {
		for j, l := range append(append([]Line{}, inv.Lines...), inv.WriteOffs...) {
			sl := append(append([]Line{}, stored.Invoices[i].Lines...), stored.Invoices[i].WriteOffs...)[j]
			if a, b := itemsText(l.Items), itemsText(sl.Items); a != b {
				t.Errorf("line %s: created items %s, stored %s", l.ID, a, b)
			}
		}
	}
	for i := range run.Invoices {
		if summary(stored.Invoices[i]) != summary(run.Invoices[i]) {
			t.Errorf("stored invoice %d: %s", i, summary(stored.Invoices[i]))
		}
	}

	// Every item is held by the run; a second run of the period finds
	// nothing left and names the run that holds the work.
	_, err = CreateRun(context.Background(), w.DB, testSettings(), CreateOptions{Period: rawtest.Date("2026-03-01"), By: "anna"})
	if err == nil || !strings.Contains(err.Error(), "nothing to bill") || !strings.Contains(err.Error(), "BR-2026-03-01") {
		t.Errorf("second run: %v", err)
	}
}

// The same inputs give the same run: a discarded run created again has
// the same invoices, lines and ids (only the run number moves on).
func TestDraftRunIsDeterministic(t *testing.T) {
	t.Parallel()
	w := billingScenario(t)
	ctx := context.Background()
	first := createScenarioRun(t, w, "anna")
	if err := DiscardRun(ctx, w.DB, first.ID, "anna", "", nil); !errors.Is(err, ErrNoReason) {
		t.Errorf("discard without reason: %v", err)
	}
	if err := DiscardRun(ctx, w.DB, first.ID, "anna", "wrong period", nil); err != nil {
		t.Fatal(err)
	}
	second := createScenarioRun(t, w, "anna")
	if second.ID != "BR-2026-03-02" {
		t.Errorf("second run id = %s", second.ID)
	}
	if second.InputsHash != first.InputsHash {
		t.Errorf("inputs hash differs")
	}
	if len(first.Invoices) != len(second.Invoices) {
		t.Fatalf("invoices differ")
	}
	for i := range first.Invoices {
		a, b := first.Invoices[i], second.Invoices[i]
		if a.ID != b.ID || summary(a) != summary(b) || len(a.Lines) != len(b.Lines) {
			t.Errorf("invoice %d differs: %s %s / %s %s", i, a.ID, summary(a), b.ID, summary(b))
		}
		for j := range a.Lines {
			if a.Lines[j].ID != b.Lines[j].ID || invoiceLine(a.Lines[j]) != invoiceLine(b.Lines[j]) {
				t.Errorf("line %d.%d differs", i, j)
			}
		}
	}
	// And an independent warehouse with the same data gives the same ids.
	other := createScenarioRun(t, billingScenario(t), "anna")
	if other.ID != first.ID || other.Invoices[0].ID != first.Invoices[0].ID || other.Invoices[0].Lines[0].ID != first.Invoices[0].Lines[0].ID {
		t.Errorf("another warehouse gave %s %s", other.ID, other.Invoices[0].ID)
	}
}

func itemsText(items []LineItem) string {
	var b strings.Builder
	for _, it := range items {
		fmt.Fprintf(&b, "%s=%s/%s ", it.Key, it.Quantity.StringFixed(4), it.Amount.StringFixed(4))
	}
	return b.String()
}

// A new run's stored items are checked against the build's before the
// run is committed: the number of a derived line's items, and each item
// of any other line to the 4 decimals it is stored with.
func TestCheckStoredItems(t *testing.T) {
	d := decimal.RequireFromString
	line := Line{Items: []LineItem{{Key: "time:a", Quantity: d("1.5"), Amount: d("180.00005")}, {Key: "time:b", Quantity: d("2"), Amount: d("240")}}}
	stored := []LineItem{{Key: "time:a", Quantity: d("1.5000"), Amount: d("180.0001")}, {Key: "time:b", Quantity: d("2.0000"), Amount: d("240.0000")}}
	if err := checkStoredItems(line, stored); err != nil {
		t.Errorf("the stored items are the line's: %v", err)
	}
	for _, c := range []struct {
		name   string
		line   Line
		stored []LineItem
		want   string
	}{
		{"an amount differs", line, []LineItem{stored[0], {Key: "time:b", Quantity: d("2"), Amount: d("24")}},
			"item time:b is stored with quantity 2 and amount 24, the line bills 2 and 240"},
		{"an item is missing", line, stored[:1], "1 items are stored, the line bills 2"},
		{"another item", line, []LineItem{stored[0], {Key: "time:c", Quantity: d("2"), Amount: d("240")}}, "item time:c is stored but not billed by the line"},
		{"a derived line's count", Line{derived: 3}, stored, "the staged work gives 2 items, the line bills 3"},
	} {
		if err := checkStoredItems(c.line, c.stored); err == nil || err.Error() != c.want {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
