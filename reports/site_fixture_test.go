package reports

import (
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// Hostile texts of the site tests: an incident title and a customer name
// that are markup, and an impact and a reason with markup in them.
const (
	hostileImpact = `Invoices for <script>alert(2)</script> sent twice`
	hostileGap    = `<b>no collections</b> in the month`
)

// siteFigures are the six months (January to June 2026) of every KPI of
// the site tests; "" is a month without a value.
var siteFigures = []struct {
	name string
	v    [6]string
}{
	{"dso_days", [6]string{"41.3", "39.04", "", "44.25", "38.5", "36.96"}},
	{"dso_3m_days", [6]string{"40.1", "40.8", "42.7", "43.2", "41.0", "39.95"}},
	{"dso_countback_days", [6]string{"38.2", "37.9", "41.1", "40.4", "37.7", "35.6"}},
	{"best_possible_dso_days", [6]string{"22.0", "21.4", "", "23.9", "22.1", "21.8"}},
	{"average_days_delinquent", [6]string{"19.3", "17.64", "", "20.35", "16.4", "15.16"}},
	{"cei_percent", [6]string{"88.4", "", "84.1", "86.0", "90.2", "91.55"}},
	{"ar_aging_not_due", [6]string{"61200.00", "58000.50", "-1250.75", "64000.00", "59000.00", "57123.45"}},
	{"ar_aging_1_30", [6]string{"21000.00", "23000.00", "26000.00", "22000.00", "19500.00", "18234.56"}},
	{"ar_aging_31_60", [6]string{"8000.00", "9500.00", "12000.00", "8800.00", "7000.00", "6500.00"}},
	{"ar_aging_61_90", [6]string{"3000.00", "2500.00", "4100.00", "3900.00", "2000.00", "1500.00"}},
	{"ar_aging_over_90", [6]string{"1200.00", "1300.00", "2900.00", "2700.00", "1100.00", "900.00"}},
	{"time_to_invoice_median_days", [6]string{"9", "8", "12", "10", "7", "6"}},
	{"time_to_invoice_p90_days", [6]string{"24", "22", "31", "27", "19", "18"}},
	{"time_to_invoice_mean_days", [6]string{"11.2", "10.4", "14.9", "12.2", "9.1", "8.45"}},
	{"invoiced_within_5_working_days", [6]string{"0.62", "0.66", "0.48", "0.59", "0.71", "0.7425"}},
	{"unbilled_amount", [6]string{"48000.00", "51234.56", "72000.10", "60500.00", "45000.00", "42100.99"}},
	{"correction_rate", [6]string{"0.05", "0.04", "0.09", "0.06", "", ""}},
	{"correction_rate_amount", [6]string{"0.031", "0.022", "0.071", "0.045", "", ""}},
	{"dunning_rate", [6]string{"0.125", "0.2", "0.25", "0.18", "0.1", "0.0833"}},
	{"dunning_rate_level_1", [6]string{"0.125", "0.2", "0.25", "0.18", "0.1", "0.0833"}},
	{"dunning_rate_level_2", [6]string{"0.05", "0.1", "0.125", "0.09", "0.05", "0"}},
	{"dunning_rate_level_3", [6]string{"0", "0.05", "0.05", "0", "0", "0"}},
	{"dunning_fees", [6]string{"50.00", "75.00", "125.00", "80.00", "40.00", "35.00"}},
	{"automation_share", [6]string{"0.41", "0.48", "0.52", "0.6", "0.66", "0.7"}},
	{"automation_share_amount", [6]string{"0.38", "0.45", "0.5", "0.61", "0.69", "0.73"}},
}

// siteTargets are the configured targets; every KPI has a baseline (the
// median of January to March unless said otherwise).
var siteTargets = map[string]string{
	"dso_days": "35", "cei_percent": "92", "dunning_rate": "0.08", "unbilled_amount": "40000", "automation_share": "0.8",
}

// sitePack is the pack of the page tests: June 2026 with five earlier
// months, every KPI with some gaps, two incidents in the months (one with
// a hostile title and an overdue follow-up) and one before them, unbilled
// work of a hostile customer among others, and exceptions open,
// acknowledged and with a lapsed acknowledgement.
func sitePack(lang string) Pack {
	p := Pack{
		Company: "Müller & Söhne Beratung GmbH", BaseCurrency: "EUR", Lang: lang,
		Month:       monthOf(2026, time.June),
		GeneratedAt: time.Date(2026, time.July, 2, 6, 30, 0, 0, time.UTC),
	}
	for i := range 6 {
		m := MonthKPIs{Month: monthOf(2026, time.Month(i+1)), Figures: map[string]KPIValue{}}
		for _, f := range siteFigures {
			v := nullKPI("no sales in the month")
			if f.name == "cei_percent" {
				v = nullKPI(hostileGap)
			}
			if f.name == "correction_rate" || f.name == "correction_rate_amount" {
				v = nullKPI("no invoice issued yet")
			}
			if f.v[i] != "" {
				v = knownKPI(f.v[i])
			}
			v.Provisional = i == 5 && (f.name == "correction_rate" || f.name == "correction_rate_amount")
			m.Figures[f.name] = v
		}
		p.Months = append(p.Months, m)
	}
	for _, f := range siteFigures {
		b := builtinKPIs[f.name]
		d := KPIDefinition{Name: f.name, Version: 1, Unit: b[0], Better: b[1], BaselineSource: "median of 2026-01, 2026-02, 2026-03"}
		switch {
		case f.name == "dso_days":
			d.Baseline, d.BaselineSource = knownKPI("40"), "configured"
		case f.v[0] == "" || f.v[1] == "" || f.v[2] == "":
			d.Baseline = nullKPI("fewer than three complete months with a value")
		default:
			d.Baseline = knownKPI(median3(f.v[0], f.v[1], f.v[2]))
		}
		if t, ok := siteTargets[f.name]; ok {
			d.Target = &KPITarget{Value: mustDec(t), OwnerRole: "controller"}
		}
		p.KPIDefinitions = append(p.KPIDefinitions, d)
	}
	p.Incidents = []Incident{
		{
			ID: 3, Title: "Harvest outage", Severity: "minor", Status: "closed", CustomerImpact: "none",
			Months: []time.Time{monthOf(2025, time.December)},
		},
		{
			ID: 7, Title: hostileMarkup, Severity: "major", Status: "resolved", CustomerImpact: hostileImpact,
			Months: []time.Time{monthOf(2026, time.February), monthOf(2026, time.March)},
			FollowUps: []FollowUp{
				{Number: 1, Action: "Check invoices for duplicates before sending", OwnerRole: "controller", Due: dateOf(2026, time.April, 15), Status: "open", Overdue: true},
				{Number: 2, Action: "Tell the customers affected", OwnerRole: "account manager", Due: dateOf(2026, time.March, 1), Status: "done"},
			},
		},
		{
			ID: 9, Title: "Xero sync stopped for two days", Severity: "minor", Status: "resolved", CustomerImpact: "reminders went out late",
			Months:    []time.Time{monthOf(2026, time.May)},
			FollowUps: []FollowUp{{Number: 1, Action: "Alert on a stale Xero load", OwnerRole: "ops", Due: dateOf(2026, time.August, 1), Status: "open"}},
		},
	}
	// Thirty items of the hostile customer (more than a section lists),
	// two of another customer in two currencies, one without a customer.
	for i := range 30 {
		p.Unbilled = append(p.Unbilled, UnbilledItem{
			CustomerID: "c-1", Customer: hostileMarkup, ProjectCode: "WEB", Project: "Website relaunch", Kind: "time",
			SourceID: "HV-" + strconv.Itoa(2000+i), WorkDate: dateOf(2026, time.June, 1).AddDate(0, 0, -i*3),
			Hours: mustDec("1.50"), Rate: mustDec("120.00"), Amount: mustDec("180.00"), Currency: "EUR", AgeDays: 29 + i*3,
		})
	}
	p.Unbilled = append(p.Unbilled,
		UnbilledItem{
			CustomerID: "c-2", Customer: "Acme Ltd", ProjectCode: "PLAT", Project: "Platform", Kind: "milestone", SourceID: "MS-42",
			WorkDate: dateOf(2026, time.June, 30), Amount: mustDec("5000.00"), Currency: "GBP", AgeDays: 0,
		},
		UnbilledItem{
			CustomerID: "c-2", Customer: "Acme Ltd", ProjectCode: "PLAT", Project: "Platform", Kind: "time", SourceID: "HV-3001",
			WorkDate: dateOf(2026, time.May, 20), Hours: mustDec("10.00"), Rate: mustDec("123.45"), Amount: mustDec("1234.50"), Currency: "EUR", AgeDays: 41,
		},
		UnbilledItem{
			Customer: "", Project: "Internal", Kind: "expense", SourceID: "EXP-7",
			WorkDate: dateOf(2026, time.June, 10), Amount: mustDec("99.99"), Currency: "EUR", AgeDays: 20,
		},
	)
	p.TopUnbilled = []UnbilledItem{
		{Customer: "Acme Ltd", Project: "Platform", Kind: "milestone", SourceID: "MS-42", WorkDate: dateOf(2026, time.June, 30),
			Amount: mustDec("5000.00"), Currency: "GBP", AmountBase: decimal.NewNullDecimal(mustDec("5850.00"))},
		{Customer: "Acme Ltd", Project: "Platform", Kind: "time", SourceID: "HV-3001", WorkDate: dateOf(2026, time.May, 20),
			Hours: mustDec("10.00"), Rate: mustDec("123.45"), Amount: mustDec("1234.50"), Currency: "EUR", AgeDays: 41,
			AmountBase: decimal.NewNullDecimal(mustDec("1234.50"))},
		{Customer: hostileMarkup, Project: "Website relaunch", Kind: "time", SourceID: "HV-2029", WorkDate: dateOf(2026, time.March, 5),
			Hours: mustDec("1.50"), Rate: mustDec("120.00"), Amount: mustDec("180.00"), Currency: "CHF", AgeDays: 116},
		{Customer: "Fourth GmbH", Project: "Never shown", Kind: "time", SourceID: "HV-1", WorkDate: dateOf(2026, time.June, 1),
			Amount: mustDec("100.00"), Currency: "EUR", AmountBase: decimal.NewNullDecimal(mustDec("100.00"))},
	}
	ackAt := time.Date(2026, time.June, 20, 9, 15, 0, 0, time.UTC)
	p.Exceptions = []Exception{
		{
			ID: "double_billed:HV-900,HV-901", Kind: "double_billed", CustomerID: "c-1", Customer: hostileMarkup, Project: "Website relaunch",
			SourceIDs: []string{"HV-900", "HV-901"}, InvoiceNumbers: []string{"2026-0012", "2026-0015"}, MatchLevel: "direct_link",
			Amount: mustDec("480.00"), Currency: "EUR", Reason: "the entry was billed on invoices 2026-0012 and 2026-0015 <b>twice</b>",
		},
		{
			ID: "rate_mismatch:HV-950", Kind: "rate_mismatch", CustomerID: "c-2", Customer: "Acme Ltd", Project: "Platform",
			SourceIDs: []string{"HV-950"}, MatchLevel: "rate_card", Amount: mustDec("1037.55"), Currency: "EUR",
			Reason:          "rate 102.50 differs from the rate card's 95.00",
			Acknowledgement: &Acknowledgement{By: "anna", At: ackAt, Reason: "agreed discount"}, Acknowledged: true,
		},
		{
			ID: "over_budget:PLAT", Kind: "over_budget", CustomerID: "c-2", Customer: "Acme Ltd", Project: "Platform",
			SourceIDs: []string{"HV-3001"}, MatchLevel: "budget", Amount: mustDec("250.00"), Currency: "GBP",
			Reason:          "work beyond the budget without an approved change request",
			Acknowledgement: &Acknowledgement{By: "ben", At: ackAt, Reason: "change request on its way"}, Acknowledged: false,
		},
	}
	return p
}

// median3 is the middle of three decimal strings.
func median3(a, b, c string) string {
	x, y, z := mustDec(a), mustDec(b), mustDec(c)
	switch {
	case x.Cmp(y) <= 0 && y.Cmp(z) <= 0 || z.Cmp(y) <= 0 && y.Cmp(x) <= 0:
		return b
	case y.Cmp(x) <= 0 && x.Cmp(z) <= 0 || z.Cmp(x) <= 0 && x.Cmp(y) <= 0:
		return a
	}
	return c
}
