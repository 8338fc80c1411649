package rawtest

import (
	"testing"
	"time"
)

// Scenarios for the KPI models, small enough to check by hand. They share
// one company (kpiCompany) and differ in their books; every figure they
// pin is worked out in the comment of the scenario.

// kpiCompany puts the parties the KPI scenarios share: Gamma GmbH (DE,
// EUR) with a time-and-materials project (Harvest 1000, deal 11, 100.00
// EUR/h) and a fixed-price project (3000, deal 33); Delta Inc (US, USD)
// with a time-and-materials project (2000, deal 22, 150.00 USD/h). Xero
// knows them as contacts X1 and X2.
func kpiCompany(w *Warehouse) {
	w.t.Helper()
	u := Time("2026-01-01T08:00:00Z")
	w.Put("hubspot", "companies",
		[]any{"1", u, u, false, "Gamma GmbH", "gamma.de", "DE", "DE 811 907 980"},
		[]any{"2", u, u, false, "Delta Inc", "delta.com", "US", nil},
	)
	w.Put("hubspot", "deals",
		[]any{"11", u, u, false, "Gamma support", d("20000"), "EUR", "closedwon", "default", Time("2025-11-01T00:00:00Z"), "time_and_materials", "1"},
		[]any{"22", u, u, false, "Delta rollout", d("30000"), "USD", "closedwon", "default", Time("2025-11-01T00:00:00Z"), "time_and_materials", "2"},
		[]any{"33", u, u, false, "Gamma portal", d("2500"), "EUR", "closedwon", "default", Time("2026-02-01T00:00:00Z"), "fixed_price", "1"},
	)
	w.Put("harvest", "clients",
		[]any{"100", u, u, "Gamma GmbH", true, "EUR", nil},
		[]any{"200", u, u, "Delta Inc", true, "USD", nil},
	)
	w.Put("harvest", "projects",
		[]any{"1000", u, u, "100", "Gamma support", "11", true, true, false, "Tasks", nil, nil, nil, nil, Date("2025-11-01"), nil, nil},
		[]any{"2000", u, u, "200", "Delta rollout", "22", true, true, false, "Tasks", nil, nil, nil, nil, Date("2025-11-01"), nil, nil},
		[]any{"3000", u, u, "100", "Gamma portal", "33", true, true, true, "none", nil, nil, d("2500"), nil, Date("2026-02-01"), nil, nil},
	)
	w.Put("harvest", "users", []any{"7", u, u, "Kim", "Allen", "kim@example.com", true, nil, nil})
	w.Put("harvest", "tasks", []any{"50", u, u, "Consulting", true, d("100"), true})
	w.Put("harvest", "task_assignments",
		[]any{"500", u, u, "1000", "50", true, true, d("100"), nil},
		[]any{"501", u, u, "2000", "50", true, true, d("150"), nil},
	)
	w.Put("xero", "contacts",
		[]any{"X1", u, "Gamma GmbH", nil, nil, "DE811907980", "ACTIVE", true, "EUR", "DE", nil},
		[]any{"X2", u, "Delta Inc", nil, nil, nil, "ACTIVE", true, "USD", "US", nil},
	)
}

// xeroInvoice is an ACCREC invoice row. rate "" records no currency rate;
// lines are line items as [id, description, quantity, unit amount, line
// amount] and optionally the project code the line is tracked to.
func xeroInvoice(id, number, ref, contact, status, issue, due, cur, rate, net, gross string, updated time.Time, lines ...[]any) []any {
	var r, n, refv any
	if rate != "" {
		r = d(rate)
	}
	if net != "" {
		n = d(net)
	}
	if ref != "" {
		refv = ref
	}
	var items [][]any
	for _, l := range lines {
		var tracking any
		if len(l) > 5 {
			tracking = l[5]
		}
		items = append(items, []any{l[0], l[1], d(l[2].(string)), d(l[3].(string)), d(l[4].(string)), nil, nil, nil, nil, tracking})
	}
	return []any{id, updated, "ACCREC", number, refv, contact, nil, status, Date(issue), Date(due), cur, r, "Exclusive",
		n, nil, d(gross), nil, nil, nil, nil, items}
}

// xeroCreditNote is an ACCRECCREDIT row; allocations are [allocation id,
// invoice id, invoice number, amount, date].
func xeroCreditNote(id, number, ref, contact, issue, cur, rate, gross string, updated time.Time, allocations ...[]any) []any {
	var refv any
	if ref != "" {
		refv = ref
	}
	var allocs [][]any
	for _, a := range allocations {
		allocs = append(allocs, []any{a[0], a[1], a[2], d(a[3].(string)), Date(a[4].(string))})
	}
	return []any{id, updated, "ACCRECCREDIT", number, refv, contact, nil, "AUTHORISED", Date(issue), cur, d(rate),
		nil, nil, d(gross), nil, allocs, nil}
}

// xeroPayment is a payment received on an invoice.
func xeroPayment(id, day, amount, rate, invoiceID string) []any {
	return []any{id, Time(day + "T12:00:00Z"), Date(day), d(amount), d(rate), "ACCRECPAYMENT", "AUTHORISED", nil, true, invoiceID, nil, nil, nil}
}

// timeEntry is an approved or unapproved Harvest entry of Kim Allen on
// task Consulting; invoiceID "" means not billed.
func timeEntry(id, day, client, project, hours, rate string, approved bool, invoiceID, invoiceNumber string) []any {
	u := Time(day + "T18:00:00Z")
	var inv, num any
	if invoiceID != "" {
		inv, num = invoiceID, invoiceNumber
	}
	return []any{id, u, u, Date(day), "7", client, project, "50", d(hours), nil, "work " + id,
		invoiceID != "", nil, approved, invoiceID != "", true, d(rate), nil, inv, num, nil, nil}
}

// harvestInvoice is a Harvest invoice in the given state.
func harvestInvoice(id, client, number, state, issue, due, cur, amount string) []any {
	u := Time(issue + "T09:00:00Z")
	return []any{id, u, u, client, number, state, Date(issue), Date(due), u, nil, cur, d(amount), d(amount), nil, nil, "Services", nil, nil, nil}
}

// dunningNotice is a row of dunning_notices.csv.
func dunningNotice(id string, row int64, invoiceNumber string, level int64, day, fee, cur string) []any {
	return []any{id, Time("2026-06-30T12:00:00Z"), "dunning_notices.csv", "kpi-dunning", row, invoiceNumber, level, Date(day), d(fee), cur}
}

// CountbackScenario is the worked example of countback DSO in KPIS.md:
// Gamma GmbH is invoiced 150.00 EUR in August 2025 (I1, due 30 days
// later), 100.00 in September (I2) and 120.00 in October (I3). 70.00 of
// I1 is paid on 2025-10-10, after the end of September; nothing else is
// paid. As of 2025-10-31:
//
//	Aug: AR 150, sales 150 -> DSO 150/150*31 = 31.00; countback: 150 >= 150
//	     takes all 31 days and nothing remains -> 31.00 (not too short)
//	Sep: AR 150+100 = 250 (the payment came later), sales 100
//	     -> DSO 250/100*30 = 75.00; countback 100 -> 30 days, remaining
//	     150 >= 150 -> 31 days, nothing remains -> 61.00
//	Oct: AR 80+100+120 = 300, sales 120 -> DSO 300/120*31 = 77.50;
//	     3 months 300/370*92 = 74.59; countback 300-120 = 180 -> 31 days,
//	     180-100 = 80 -> 30 days, 80/150*31 = 16.53 -> 77.53
func CountbackScenario(t *testing.T) *Warehouse {
	t.Helper()
	w := Open(t)
	kpiCompany(w)
	u := Time("2025-10-31T12:00:00Z")
	w.Put("xero", "invoices",
		xeroInvoice("I1", "INV-0001", "", "X1", "AUTHORISED", "2025-08-11", "2025-09-10", "EUR", "1", "150.00", "150.00", u),
		xeroInvoice("I2", "INV-0002", "", "X1", "AUTHORISED", "2025-09-08", "2025-10-08", "EUR", "1", "100.00", "100.00", u),
		xeroInvoice("I3", "INV-0003", "", "X1", "AUTHORISED", "2025-10-06", "2025-11-05", "EUR", "1", "120.00", "120.00", u),
	)
	w.Put("xero", "payments", xeroPayment("P1", "2025-10-10", "70.00", "1", "I1"))
	return w
}

// CountbackScenarioAsOf is the as-of day of CountbackScenario.
var CountbackScenarioAsOf = Date("2025-10-31")

// ShortHistoryScenario has receivables that the warehouse's history of
// sales cannot explain: Gamma GmbH is invoiced 100.00 EUR on 2026-01-05
// (I1, unpaid), and a credit note of 60.00 issued on 2026-01-10 (CN1) is
// refunded to it on 2026-01-12, so the credit note is settled without
// reducing I1. As of 2026-01-31: AR 100, sales 100-60 = 40, DSO
// 100/40*31 = 77.50; countback 100 >= 40 takes all 31 days and 60
// remain with no earlier month: 31.00, flagged history too short.
func ShortHistoryScenario(t *testing.T) *Warehouse {
	t.Helper()
	w := Open(t)
	kpiCompany(w)
	u := Time("2026-01-31T12:00:00Z")
	w.Put("xero", "invoices",
		xeroInvoice("I1", "INV-0001", "", "X1", "AUTHORISED", "2026-01-05", "2026-02-04", "EUR", "1", "100.00", "100.00", u))
	w.Put("xero", "credit_notes",
		xeroCreditNote("CN1", "CN-0001", "", "X1", "2026-01-10", "EUR", "1", "60.00", u))
	w.Put("xero", "payments",
		[]any{"R1", u, Date("2026-01-12"), d("60.00"), d("1"), "ARCREDITPAYMENT", "AUTHORISED", nil, true, nil, nil, "CN1", "CN-0001"})
	return w
}

// ShortHistoryScenarioAsOf is the as-of day of ShortHistoryScenario.
var ShortHistoryScenarioAsOf = Date("2026-01-31")

// EdgeScenario exercises every KPI over six months, January to June 2026,
// as of 2026-06-30, in EUR. Documents (gross; base = EUR):
//
//	I1  INV-0001 Gamma 2026-01-05 due 02-04  1000.00      paid 400 on 01-20, 600 on 03-10
//	V1  INV-0002 Gamma 2026-01-08            700.00       VOIDED on 01-09: never counts, but is a correction
//	I3  INV-0003 Gamma 2026-01-09 due 02-08   600.00      never paid
//	I2  H-0001   Delta 2026-01-12 due 02-11   625.00 USD at 1.25 = 500.00, paid 02-02 (after January)
//	D1  INV-0009 Gamma 2026-01-25           9999.00       DRAFT: never counts
//	(February: nothing issued)
//	CN1 CN-0001  Gamma 2026-03-03  -119.00 Reference INV-0003, not allocated (open)
//	I5  INV-0005 Gamma 2026-03-16 due 04-15  1190.00      paid 05-20
//	I6  INV-0006 Delta 2026-03-20 due 04-19   250.00 USD  no rate booked: the March month-end
//	                                                       rate, I2's 1.25 -> 200.00; never paid
//	I7  H-0002   Gamma 2026-04-03 due 05-03   238.00      paid 04-25; lines 150 + 50 net
//	I8  INV-0008 Gamma 2026-04-10 due 05-10  2380.00      MS-M1, its line tracked to the portal project;
//	                                                       CN2 238.00 allocated 04-30, rest paid 05-05
//	CN2 CN-0002  Gamma 2026-04-30  -238.00 allocated to I8
//	I9  INV-0010 Gamma 2026-05-04 due 06-03   119.00      Reference H-0002 (replaces I7); never paid
//	CN3 CN-0003  Gamma 2026-05-15   -50.00 Reference INV-0001, 130 days after it: no correction; open
//	I10 INV-0011 Gamma 2026-06-15 due 07-15   357.00      never paid
//
// Sales: Jan 2100, Feb 0, Mar 1271, Apr 2380, May 69, Jun 357.
// AR at month end (not due / 1-30 / 31-60 / 61-90 / over 90):
//
//	Jan 1700 = 1700 / 0 / 0 / 0 / 0          (I1 600, I3 600, I2 500)
//	Feb 1200 = 0 / 1200 / 0 / 0 / 0          (I1 24 and I3 20 days past due)
//	Mar 1871 = 1271 / 0 / 600 / 0 / 0        (CN1 -119 + I5 1190 + I6 200; I3 51 days)
//	Apr 4013 = 2023 / 1390 / 0 / 600 / 0     (CN1 + I8 2142; I5 15, I6 11 days; I3 81)
//	May  750 = -50 / 0 / 200 / 0 / 600       (CN1 + I9 119 + CN3 -50; I6 42; I3 112)
//	Jun 1107 = 188 / 119 / 0 / 200 / 600     (CN1 + CN3 + I10 357; I9 27; I6 72; I3 142)
//
// DSO: Jan 1700/2100*31 = 25.10, Feb undefined (no sales), Mar
// 1871/1271*31 = 45.63, Apr 4013/2380*30 = 50.58, May 750/69*31 = 336.96,
// Jun 1107/357*30 = 93.03. Three months: Mar 1871/3371*90 = 49.95, Apr
// 4013/3651*89 = 97.82, May 750/3720*92 = 18.55, Jun 1107/2806*91 = 35.90.
// Countback: Jan 25.10; Feb 28 + 1200/2100*31 = 45.71; Mar 31+28+600/2100*31
// = 67.86; Apr 30+31+28+362/2100*31 = 94.34; May 31+681/2380*30 = 39.58; Jun
// 30+31+681/2380*30 = 69.58. Best possible: Jan 25.10, Mar 31.00, Apr
// 2023/2380*30 = 25.50, May -50/69*31 = -22.46, Jun 188/357*30 = 15.80;
// average days delinquent Jan 0.00, Mar 14.63, Apr 25.08, May 359.42, Jun
// 77.23. CEI: Jan 400/400 = 100.00, Feb 500/1700 = 29.41, Mar 600/1200 =
// 50.00, Apr 238/2228 = 10.68, May 3332/4132 = 80.64, Jun 0/919 = 0.00.
//
// Corrections (invoices issued in the month, voided ones included): Jan
// 4 (I1, V1, I3, I2), corrected V1 (voided) and I3 (CN1 by reference,
// 53 days) -> 0.5000, by gross 1300/2800 = 0.4643; Feb none; Mar 0 of 2;
// Apr I7 (replaced by I9) and I8 (CN2 allocated) -> 1.0000, provisional;
// May 0 of 1, Jun 0 of 1, provisional.
//
// Dunning notices (fees EUR unless said): I1 L1 02-11, L2 02-25 (5); I3 L1
// 02-15, L2 03-01 (5), L3 03-15 (10); I5 L1 04-22, L2 05-06 (5); I6 L1
// 04-26, L2 05-10 (5 USD), L3 05-24 (10 USD); I9 L1 06-10, L2 06-24 (5).
// Due in Feb: I1, I3, I2 -> any 2/3 = 0.6667, L1 0.6667, L2 0.6667, L3
// 0.3333; Apr: I5, I6 -> 1, 1, 1, 0.5; May: I7, I8 -> 0; Jun: I9 -> 1,
// 1, 1, 0; Jan, Mar: none due. Fees by month: Feb 5.00, Mar 15.00, Apr
// 0.00, May 5 + 5/1.25 + 10/1.25 = 17.00 (I6 has no rate: the May rate),
// Jun 5.00.
//
// Work (Kim Allen, Consulting; Gamma 100.00 EUR/h, Delta 150.00 USD/h):
//
//	t1 Delta 2025-12-15 4 h   billed on Harvest H-0001 (2026-01-12): 28 days, 600 USD = 480.00
//	x1 Delta 2026-01-05 25.00 USD expense on H-0001: 7 days, 20.00
//	t7 Delta 2026-02-10 2 h   approved, never billed: 300 USD = 240.00 at 1.25
//	t2 Gamma 2026-03-02 2 h   billed on H-0002 (2026-04-03): 32 days, 200.00
//	t3 Gamma 2026-03-30 2 h   approved, never billed: 200.00
//	t4 Gamma 2026-03-31 1.5 h billed on Harvest H-0003 (2026-04-09, not in Xero): 9 days, 150.00
//	t5 Gamma 2026-03-18 3 h   not approved: nothing
//	t6 Gamma 2026-04-14 1 h   approved, never billed: 100.00
//	M1 Gamma portal milestone 2000.00 reached 04-06, accepted 04-08, invoiced on INV-0008 (04-10): 4 days
//	M2 Gamma portal milestone  500.00 reached 05-20, not invoiced
//
// Time to invoice: Jan (t1, x1) median 17.50, p90 25.90, mean
// (28*480+7*20)/500 = 27.16; Apr (t2, t4, M1) median 9.00, p90 27.40, mean
// (32*200+9*150+4*2000)/2350 = 6.70; other months none. Invoiced within 5
// working days (March's deadline Tuesday 2026-04-07): Mar t2 of t2, t3, t4
// = 2/5.5 h = 0.3636; Feb t7 0/2 = 0.0000; Apr t6 0/1 = 0.0000; Jan and
// May none (t1 is December's); Jun's deadline has not passed. Unbilled at month end (0-30 / 31-60 / 61-90 /
// over 90): Jan 0; Feb 240 = 240/0/0/0; Mar 790 = 550/240/0/0 (t2 and
// t4 were invoiced in April); Apr 540 = 100/200/240/0; May 1040 =
// 500/100/200/240; Jun 1040 = 0/500/100/440.
//
// Automation (lines takt exported, set by the test): April's invoices
// have 3 lines, 2 came unchanged from takt (I7's 150.00 line, I8's
// 2000.00 line) -> 0.6667, by net (150+2000)/(200+2000) = 0.9773.
func EdgeScenario(t *testing.T) *Warehouse {
	t.Helper()
	w := Open(t)
	kpiCompany(w)
	u := Time("2026-06-30T12:00:00Z")
	w.Put("xero", "invoices",
		xeroInvoice("I1", "INV-0001", "", "X1", "PAID", "2026-01-05", "2026-02-04", "EUR", "1", "840.34", "1000.00", u),
		xeroInvoice("V1", "INV-0002", "", "X1", "VOIDED", "2026-01-08", "2026-02-07", "EUR", "1", "588.24", "700.00", Time("2026-01-09T10:00:00Z")),
		xeroInvoice("I3", "INV-0003", "", "X1", "AUTHORISED", "2026-01-09", "2026-02-08", "EUR", "1", "504.20", "600.00", u),
		xeroInvoice("I2", "H-0001", "", "X2", "PAID", "2026-01-12", "2026-02-11", "USD", "1.25", "625.00", "625.00", u),
		xeroInvoice("D1", "INV-0009", "", "X1", "DRAFT", "2026-01-25", "2026-02-24", "EUR", "1", "8402.52", "9999.00", u),
		xeroInvoice("I5", "INV-0005", "", "X1", "PAID", "2026-03-16", "2026-04-15", "EUR", "1", "1000.00", "1190.00", u),
		xeroInvoice("I6", "INV-0006", "", "X2", "AUTHORISED", "2026-03-20", "2026-04-19", "USD", "", "250.00", "250.00", u),
		xeroInvoice("I7", "H-0002", "", "X1", "PAID", "2026-04-03", "2026-05-03", "EUR", "1", "200.00", "238.00", u,
			[]any{"L71", "Consulting March", "1.5", "100.00", "150.00"}, []any{"L72", "Consulting March", "0.5", "100.00", "50.00"}),
		xeroInvoice("I8", "INV-0008", "MS-M1", "X1", "PAID", "2026-04-10", "2026-05-10", "EUR", "1", "2000.00", "2380.00", u,
			[]any{"L81", "Milestone 1", "1", "2000.00", "2000.00", "33"}),
		xeroInvoice("I9", "INV-0010", "H-0002", "X1", "AUTHORISED", "2026-05-04", "2026-06-03", "EUR", "1", "100.00", "119.00", u),
		xeroInvoice("I10", "INV-0011", "", "X1", "AUTHORISED", "2026-06-15", "2026-07-15", "EUR", "1", "300.00", "357.00", u),
	)
	w.Put("xero", "credit_notes",
		xeroCreditNote("CN1", "CN-0001", "INV-0003", "X1", "2026-03-03", "EUR", "1", "119.00", u),
		xeroCreditNote("CN2", "CN-0002", "Goodwill", "X1", "2026-04-30", "EUR", "1", "238.00", u,
			[]any{"A2", "I8", "INV-0008", "238.00", "2026-04-30"}),
		xeroCreditNote("CN3", "CN-0003", "INV-0001", "X1", "2026-05-15", "EUR", "1", "50.00", u),
	)
	w.Put("xero", "payments",
		xeroPayment("P1", "2026-01-20", "400.00", "1", "I1"),
		xeroPayment("P2", "2026-03-10", "600.00", "1", "I1"),
		xeroPayment("P3", "2026-02-02", "625.00", "1.25", "I2"),
		xeroPayment("P4", "2026-05-20", "1190.00", "1", "I5"),
		xeroPayment("P5", "2026-04-25", "238.00", "1", "I7"),
		xeroPayment("P6", "2026-05-05", "2142.00", "1", "I8"),
	)
	w.Put("harvest", "invoices",
		harvestInvoice("h1", "200", "H-0001", "paid", "2026-01-12", "2026-02-11", "USD", "625.00"),
		harvestInvoice("h2", "100", "H-0002", "paid", "2026-04-03", "2026-05-03", "EUR", "238.00"),
		harvestInvoice("h3", "100", "H-0003", "open", "2026-04-09", "2026-05-09", "EUR", "178.50"),
	)
	w.Put("harvest", "time_entries",
		timeEntry("t1", "2025-12-15", "200", "2000", "4", "150", true, "h1", "H-0001"),
		timeEntry("t7", "2026-02-10", "200", "2000", "2", "150", true, "", ""),
		timeEntry("t2", "2026-03-02", "100", "1000", "2", "100", true, "h2", "H-0002"),
		timeEntry("t3", "2026-03-30", "100", "1000", "2", "100", true, "", ""),
		timeEntry("t4", "2026-03-31", "100", "1000", "1.5", "100", true, "h3", "H-0003"),
		timeEntry("t5", "2026-03-18", "100", "1000", "3", "100", false, "", ""),
		timeEntry("t6", "2026-04-14", "100", "1000", "1", "100", true, "", ""),
	)
	ux := Time("2026-01-06T18:00:00Z")
	w.Put("harvest", "expenses",
		[]any{"x1", ux, ux, Date("2026-01-05"), "7", "200", "2000", "Travel", d("25.00"), d("1"), true, true, true, "h1", "H-0001", "taxi"})
	w.Put("files", "milestones",
		[]any{"M1", u, "milestones.csv", "kpi-milestones", int64(1), "33", "Design approved", d("2000.00"), "EUR",
			Date("2026-04-03"), Date("2026-04-06"), Date("2026-04-08"), "INV-0008"},
		[]any{"M2", u, "milestones.csv", "kpi-milestones", int64(2), "33", "Go-live", d("500.00"), "EUR",
			Date("2026-05-15"), Date("2026-05-20"), nil, nil},
	)
	w.Put("files", "dunning_notices",
		dunningNotice("N1", 1, "INV-0001", 1, "2026-02-11", "0", "EUR"),
		dunningNotice("N2", 2, "INV-0003", 1, "2026-02-15", "0", "EUR"),
		dunningNotice("N3", 3, "INV-0001", 2, "2026-02-25", "5", "EUR"),
		dunningNotice("N4", 4, "INV-0003", 2, "2026-03-01", "5", "EUR"),
		dunningNotice("N5", 5, "INV-0003", 3, "2026-03-15", "10", "EUR"),
		dunningNotice("N6", 6, "INV-0005", 1, "2026-04-22", "0", "EUR"),
		dunningNotice("N7", 7, "INV-0006", 1, "2026-04-26", "0", "USD"),
		dunningNotice("N8", 8, "INV-0005", 2, "2026-05-06", "5", "EUR"),
		dunningNotice("N9", 9, "INV-0006", 2, "2026-05-10", "5", "USD"),
		dunningNotice("N10", 10, "INV-0006", 3, "2026-05-24", "10", "USD"),
		dunningNotice("N11", 11, "INV-0010", 1, "2026-06-10", "0", "EUR"),
		dunningNotice("N12", 12, "INV-0010", 2, "2026-06-24", "5", "EUR"),
	)
	return w
}

// EdgeScenarioAsOf is the as-of day of EdgeScenario.
var EdgeScenarioAsOf = Date("2026-06-30")
