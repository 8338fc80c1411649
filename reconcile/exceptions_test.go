//go:build duckdb_arrow

package reconcile

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/takt-billing/takt/internal/dbtest"
	"github.com/takt-billing/takt/internal/rawtest"
	"github.com/takt-billing/takt/transform"
)

// exceptionScenario adds one case of every exception kind to the billing
// scenario (as of 2026-03-31):
//
//	Bravo, project 22 at 120.00, Harvest invoice H-2 of 2026-03-01 bills
//	  5 h at 120: n1 1 h (not approved), g1 2 h (changed to 3 h on
//	  2026-03-20), k1 and k2 1 h each (the same JIRA-9 work log, imported
//	  twice)
//	  -> billed_not_approved n1 120.00; changed_after_billing g1 +1 h =
//	     120.00 not billed; double_billed k1,k2 120.00
//	  r1 2026-03-10 1 h at 130.00, card 120.00 -> rate_mismatch 10.00
//	Delta, project 44: Harvest invoice H-3 of 2026-03-02 bills 2 h at
//	  150 USD, the linked v1 holds 1.5 h -> invoice_without_work 75.00 USD
//	Charlie, project 33: Xero invoice INV-W1 of 2026-03-20 (no Harvest
//	  link, no VAT) bills 3 h at 120 tracked to the project; only d1 (1 h)
//	  is unlinked work -> d1 is billed (project_month) and
//	  invoice_without_work 2 h = 240.00; reverse_charge_without_vat_id:
//	  19 % of the 360.00 invoiced without VAT = 68.40
//	Foxtrot KG: a Harvest client no other system knows, f1 2 h at 90.00
//	  -> customer_unmatched 180.00
//	Alpha, project 11: s1 2026-01-05 1 h at 110.00, not billed, 85 days
//	  old -> stale_unbilled 110.00
//	and from the billing scenario: over_budget of project 12 (11 h against
//	10 h: 1 h of b3 = 100.00), milestone_not_invoiced M1 5000.00.
func exceptionScenario(t *testing.T) *rawtest.Warehouse {
	t.Helper()
	w := billingScenario(t)
	d, date, ts := rawtest.D, rawtest.Date, rawtest.Time
	entry := func(id, client, project, day, hours, rate string, approved bool, updated string, invID, invNo, ext any) []any {
		billed := invID != nil
		return []any{id, ts(updated), ts(day + "T18:00:00Z"), date(day), "7", client, project, "50", d(hours), nil, "work " + id,
			billed, nil, approved, billed, true, d(rate), nil, invID, invNo, ext, nil}
	}
	before := "2026-02-25T10:00:00Z"
	w.Put("harvest", "clients", []any{"600", ts(before), ts(before), "Foxtrot KG", true, "EUR", nil})
	w.Put("harvest", "projects", []any{"6600", ts(before), ts(before), "600", "Foxtrot site", nil, true, true, false, "Tasks", nil, nil, nil, nil,
		date("2026-01-01"), nil, nil})
	w.Put("harvest", "time_entries",
		entry("n1", "200", "2200", "2026-02-16", "1", "120", false, before, "h2", "H-2", nil),
		entry("g1", "200", "2200", "2026-02-18", "3", "120", true, "2026-03-20T11:00:00Z", "h2", "H-2", nil),
		entry("k1", "200", "2200", "2026-02-19", "1", "120", true, before, "h2", "H-2", "JIRA-9"),
		entry("k2", "200", "2200", "2026-02-19", "1", "120", true, before, "h2", "H-2", "JIRA-9"),
		entry("r1", "200", "2200", "2026-03-10", "1", "130", true, "2026-03-16T09:00:00Z", nil, nil, nil),
		entry("v1", "400", "4400", "2026-02-20", "1.5", "150", true, before, "h3", "H-3", nil),
		entry("f1", "600", "6600", "2026-03-10", "2", "90", true, "2026-03-16T09:00:00Z", nil, nil, nil),
		entry("s1", "100", "1100", "2026-01-05", "1", "110", true, "2026-01-12T09:00:00Z", nil, nil, nil),
	)
	w.Put("harvest", "invoices",
		[]any{"h2", ts("2026-03-01T09:00:00Z"), ts("2026-03-01T09:00:00Z"), "200", "H-2", "open", date("2026-03-01"), date("2026-03-31"),
			ts("2026-03-01T09:00:00Z"), nil, "EUR", d("600"), d("600"), nil, d("0"), "February", date("2026-02-01"), date("2026-02-28"),
			[][]any{{"l2", "Service", "Bravo shop: Consulting", "2200", d("5"), d("120"), d("600"), false}}},
		[]any{"h3", ts("2026-03-02T09:00:00Z"), ts("2026-03-02T09:00:00Z"), "400", "H-3", "open", date("2026-03-02"), date("2026-04-01"),
			ts("2026-03-02T09:00:00Z"), nil, "USD", d("300"), d("300"), nil, d("0"), "February", date("2026-02-01"), date("2026-02-28"),
			[][]any{{"l3", "Service", "Delta data: Consulting", "4400", d("2"), d("150"), d("300"), false}}},
	)
	w.Put("xero", "invoices",
		[]any{"XW1", ts("2026-03-20T10:00:00Z"), "ACCREC", "INV-W1", nil, "X3", nil, "AUTHORISED", date("2026-03-20"), date("2026-04-19"), "EUR", d("1"),
			"Exclusive", d("360"), d("0"), d("360"), d("360"), d("0"), d("0"), nil,
			[][]any{{"XL1", "Charlie app: Consulting", d("3"), d("120"), d("360"), d("0"), "ECZROUTPUTSERVICES", "8336", nil, "33"}}},
	)
	if err := transform.Run(context.Background(), w.Warehouse, w.RunID, scenarioSettings(), nil); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestEveryExceptionKindOfTheScenario(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := exceptionScenario(t)
	exc, err := Exceptions(ctx, w.DB)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range exc {
		got = append(got, fmt.Sprintf("%s %s %s %s [%s] [%s]", e.ID, e.Amount.StringFixed(2), e.Currency, e.MatchLevel,
			strings.Join(e.SourceIDs, ","), strings.Join(e.InvoiceNumbers, ",")))
		if e.Reason == "" || e.Customer == "" && e.Kind != "customer_unmatched" {
			t.Errorf("%s lacks a reason or customer: %+v", e.ID, e)
		}
	}
	sort.Strings(got)
	dbtest.Lines(t, "exceptions", got, []string{
		"billed_not_approved:n1 120.00 EUR direct_link [n1] [H-2]",
		"changed_after_billing:H-2:g1 120.00 EUR direct_link [g1] [H-2]",
		"customer_unmatched:harvest:600 180.00 EUR customer [harvest:600] []",
		"double_billed:k1,k2 120.00 EUR direct_link [k1,k2] [H-2,H-2]",
		"invoice_without_work:H-3:44 75.00 USD direct_link [l3] [H-3]",
		"invoice_without_work:INV-W1:33 240.00 EUR project_month [XL1] [INV-W1]",
		"milestone_not_invoiced:M1 5000.00 EUR milestone [M1] []",
		"over_budget:12 100.00 EUR budget [b3] []",
		"rate_mismatch:r1 10.00 EUR rate_card [r1] []",
		"reverse_charge_without_vat_id:hubspot:3 68.40 EUR vat [] [INV-W1]",
		"stale_unbilled:11:2026-01:EUR 110.00 EUR project_month [s1] []",
	})
	reasons := map[string]string{}
	for _, e := range exc {
		reasons[e.ID] = e.Reason
	}
	for id, want := range map[string]string{
		"changed_after_billing:H-2:g1":            "Time entry g1 on Bravo shop changed after invoice H-2 of 2026-03-01 billed it: the linked entries now come to 1.00 h more than the invoice billed, worth 120.00 EUR not billed.",
		"over_budget:12":                          "Project Alpha audit has 11.00 approved hours against a budget of 10.00 h: 1.00 h (100.00 EUR) are beyond the budget without an approved change request.",
		"invoice_without_work:H-3:44":             "Invoice H-3 of 2026-03-02 bills 0.50 h more on Delta data than the time entries linked to it hold: the customer is charged for work that is not recorded (75.00 USD).",
		"reverse_charge_without_vat_id:hubspot:3": "Charlie SAS (FR) is an EU customer outside DE without a VAT id: reverse charge needs it, so 19.00 % VAT is due on invoices INV-W1 issued without VAT (68.40 EUR VAT).",
		"stale_unbilled:11:2026-01:EUR":           "1 approved item(s) of 2026-01 on Alpha platform from 2026-01-05 (1.00 h, 110.00 EUR) are older than 60 days and not invoiced; the oldest is 85 days old.",
	} {
		if reasons[id] != want {
			t.Errorf("reason of %s\n got %s\nwant %s", id, reasons[id], want)
		}
	}

	// d1 is billed by INV-W1 at project level: no longer unbilled.
	items, err := Unbilled(ctx, w.DB, scenarioAsOf)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.SourceID == "d1" {
			t.Errorf("d1 is still unbilled although INV-W1 bills the project's hours")
		}
	}
	got = queryStrings(t, w, `SELECT item_key || ' ' || invoice_number || ' ' || match_level FROM reconcile.residual_matches(DATE '2026-03-31')`)
	dbtest.Lines(t, "residual matches", got, []string{"time:d1 INV-W1 project_month"})

	// An acknowledgement is kept and shown, and stops counting once the
	// finding changes.
	if _, err := Acknowledge(ctx, w.DB, "over_budget:12", "carl", "", nil); err == nil {
		t.Errorf("acknowledgement without a reason accepted")
	}
	if _, err := Acknowledge(ctx, w.DB, "no_such:1", "carl", "x", nil); err == nil {
		t.Errorf("acknowledgement of an unknown exception accepted")
	}
	if _, err := Acknowledge(ctx, w.DB, "over_budget:12", "carl", "change request in signature", clock()); err != nil {
		t.Fatal(err)
	}
	exc, _ = Exceptions(ctx, w.DB)
	for _, e := range exc {
		if e.ID == "over_budget:12" {
			if !e.Acknowledged || e.Acknowledgement.By != "carl" || e.Acknowledgement.Reason != "change request in signature" {
				t.Errorf("acknowledgement: %+v %+v", e.Acknowledged, e.Acknowledgement)
			}
		} else if e.Acknowledgement != nil {
			t.Errorf("%s is acknowledged", e.ID)
		}
	}
	if _, err := w.DB.Exec(`UPDATE reconcile.exceptions SET amount = 200 WHERE exception_id = 'over_budget:12'`); err != nil {
		t.Fatal(err)
	}
	exc, _ = Exceptions(ctx, w.DB)
	for _, e := range exc {
		if e.ID == "over_budget:12" && (e.Acknowledged || e.Acknowledgement == nil) {
			t.Errorf("a changed finding still counts as acknowledged")
		}
	}
}

// TestFreeFormTimeToolInvoiceMatchedByProject: a time-tool invoice is
// compared line by line only with the entries linked to it, rate by
// rate; one with no entry or expense linked to it (a free-form invoice)
// bills work by project, like an invoice made in the books. H-5 bills 4 h
// of Delta data at 150 USD and nothing is linked to it: it bills w1 and
// u1, the project's unlinked approved work (0.5 h + 2.5 h, oldest first),
// and the other 1 h (150.00 USD) is invoice_without_work at project
// level; the draft H-6 bills nothing. And g1, changed once more to 3 h at
// 130.00, leaves H-2 with 3 h at 120 against the 5 h it billed at 120 and
// 3 h at 130 it never billed: 1 h more in total, worth -240.00 + 390.00 =
// 150.00 not billed (and g1 at 130 is a rate_mismatch of 3 h x 10.00
// against the rate card).
func TestFreeFormTimeToolInvoiceMatchedByProject(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := exceptionScenario(t)
	d, date, ts := rawtest.D, rawtest.Date, rawtest.Time
	w.Put("harvest", "invoices",
		[]any{"h5", ts("2026-03-05T09:00:00Z"), ts("2026-03-05T09:00:00Z"), "400", "H-5", "open", date("2026-03-05"), date("2026-04-04"),
			ts("2026-03-05T09:00:00Z"), nil, "USD", d("600"), d("600"), nil, d("0"), "March", date("2026-03-01"), date("2026-03-31"),
			[][]any{{"l5", "Service", "Delta data: Consulting", "4400", d("4"), d("150"), d("600"), false}}},
		// A draft bills nothing.
		[]any{"h6", ts("2026-03-07T09:00:00Z"), ts("2026-03-07T09:00:00Z"), "400", "H-6", "draft", date("2026-03-07"), date("2026-04-06"),
			nil, nil, "USD", d("1500"), d("1500"), nil, d("0"), "March", date("2026-03-01"), date("2026-03-31"),
			[][]any{{"l6", "Service", "Delta data: Consulting", "4400", d("10"), d("150"), d("1500"), false}}})
	entry := func(id, day, hours, rate, updated string, invID, invNo any) []any {
		return []any{id, ts(updated), ts(day + "T18:00:00Z"), date(day), "7", "400", "4400", "50", d(hours), nil, "work " + id,
			invID != nil, nil, true, invID != nil, true, d(rate), nil, invID, invNo, nil, nil}
	}
	w.Put("harvest", "time_entries",
		entry("w1", "2026-03-03", "0.5", "150", "2026-03-03T18:00:00Z", nil, nil))
	g1 := []any{"g1", ts("2026-03-21T11:00:00Z"), ts("2026-02-18T18:00:00Z"), date("2026-02-18"), "7", "200", "2200",
		"50", d("3"), nil, "work g1", true, nil, true, true, true, d("130"), nil, "h2", "H-2", nil, nil}
	w.Put("harvest", "time_entries", g1)
	if err := transform.Run(ctx, w.Warehouse, w.RunID, scenarioSettings(), nil); err != nil {
		t.Fatal(err)
	}
	got := queryStrings(t, w, `SELECT exception_id || ' ' || amount || ' ' || match_level || ' ' || array_to_string(source_ids, ',')
		FROM reconcile.exceptions
		WHERE list_contains(invoice_numbers, 'H-5') OR list_contains(invoice_numbers, 'H-6')
		   OR list_contains(invoice_numbers, 'H-2') AND kind <> 'double_billed' ORDER BY ALL`)
	dbtest.Lines(t, "exceptions of H-2 and H-5", got, []string{
		"billed_not_approved:n1 120.00 direct_link n1",
		"changed_after_billing:H-2:g1 150.00 direct_link g1",
		"invoice_without_work:H-5:44 150.00 project_month l5",
		"rate_mismatch:g1 30.00 direct_link g1",
	})
	got = queryStrings(t, w, `SELECT item_key || ' ' || invoice_number || ' ' || match_level FROM reconcile.residual_matches(DATE '2026-03-31') ORDER BY ALL`)
	dbtest.Lines(t, "residual matches", got, []string{"time:d1 INV-W1 project_month", "time:u1 H-5 project_month", "time:w1 H-5 project_month"})
	items, err := Unbilled(ctx, w.DB, scenarioAsOf)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.SourceID == "w1" || it.SourceID == "u1" {
			t.Errorf("%s is still unbilled although H-5 bills the project's hours", it.SourceID)
		}
	}
}

// TestServiceLinesOfAnInvoiceWithOnlyExpensesLinked: H-7 bills a linked
// expense (x9, a Product line) and 2.5 h of Delta data at 150 USD on a
// service line, with no time entry linked to it. Its hours are not
// compared with linked entries (there are none); they bill the project's
// unlinked work like a free-form invoice: u1 (2.5 h on 2026-03-06), so
// u1 is no longer unbilled and no finding names H-7.
func TestServiceLinesOfAnInvoiceWithOnlyExpensesLinked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := exceptionScenario(t)
	d, date, ts := rawtest.D, rawtest.Date, rawtest.Time
	at := ts("2026-03-10T09:00:00Z")
	w.Put("harvest", "expenses",
		[]any{"x9", at, at, date("2026-03-04"), "7", "400", "4400", "Travel", d("80"), d("1"), true, true, true, "h7", "H-7", "train"})
	w.Put("harvest", "invoices",
		[]any{"h7", at, at, "400", "H-7", "open", date("2026-03-10"), date("2026-04-09"), at, nil, "USD", d("455"), d("455"), nil, d("0"),
			"March", date("2026-03-01"), date("2026-03-31"),
			[][]any{{"l7a", "Product", "Travel", "4400", d("1"), d("80"), d("80"), false},
				{"l7b", "Service", "Delta data: Consulting", "4400", d("2.5"), d("150"), d("375"), false}}})
	if err := transform.Run(ctx, w.Warehouse, w.RunID, scenarioSettings(), nil); err != nil {
		t.Fatal(err)
	}
	dbtest.Lines(t, "lines of the time tool no linked record accounts for",
		queryStrings(t, w, `SELECT invoice_id || ' ' || line_id FROM core.free_form_invoice_lines ORDER BY ALL`), []string{"h7 l7b"})
	dbtest.Lines(t, "residual matches",
		queryStrings(t, w, `SELECT item_key || ' ' || invoice_number || ' ' || match_level FROM reconcile.residual_matches(DATE '2026-03-31') ORDER BY ALL`),
		[]string{"time:d1 INV-W1 project_month", "time:u1 H-7 project_month"})
	dbtest.Lines(t, "exceptions naming H-7",
		queryStrings(t, w, `SELECT exception_id FROM reconcile.exceptions WHERE list_contains(invoice_numbers, 'H-7') ORDER BY ALL`), nil)
	items, err := Unbilled(ctx, w.DB, scenarioAsOf)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.SourceID == "u1" || it.SourceID == "x9" {
			t.Errorf("%s is still unbilled although H-7 bills it", it.SourceID)
		}
	}
}
