package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// Hostile texts as they can arrive from a source system: spreadsheet
// formulas, numbers that a spreadsheet would evaluate, and markup.
const (
	hostileFormula = `=HYPERLINK("http://x","y")`
	hostilePhone   = "+49 30 1234"
	hostileMarkup  = `<img src=x onerror=alert(1)>`
)

func monthOf(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }
func dateOf(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
func mustDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func knownKPI(s string) KPIValue {
	return KPIValue{Value: decimal.NullDecimal{Decimal: mustDec(s), Valid: true}}
}

func nullKPI(reason string) KPIValue { return KPIValue{Reason: reason} }

// threeKPIs are the figures of a hand-built month: period DSO, trailing
// 3-month DSO and dunning rate.
func threeKPIs(dso, dso3m, dunning KPIValue) map[string]KPIValue {
	return map[string]KPIValue{"dso_days": dso, "dso_3m_days": dso3m, "dunning_rate": dunning}
}

// testPack is small enough to check by hand: three months (February has no
// sales, so its period DSO is null), three unbilled items in EUR and one in
// GBP, and two exceptions in EUR.
//
// Expected figures:
//   - unbilled EUR: 900.00 + 249.99 + 1169.88 = 2319.87 over 3 items and
//     7.50 + 0 + 12.25 = 19.75 hours; GBP: 5000.00, 1 item, 0 hours;
//   - exceptions EUR: 480.00 + 37.55 = 517.55 over 2 exceptions;
//   - changes March against February: DSO n/a, DSO 3m 44.1 - 52.4 = -8.3,
//     dunning rate 0.1 - 0.2 = -0.1, receivables 110000.10 - 98765.43 =
//     11234.67, gross sales 85432.10 - 0 = 85432.10.
func testPack(lang string) Pack {
	return Pack{
		Company:      "Müller & Söhne Beratung GmbH",
		BaseCurrency: "EUR",
		Month:        monthOf(2025, time.March),
		Lang:         lang,
		GeneratedAt:  time.Date(2025, time.April, 2, 6, 30, 0, 0, time.UTC),
		Months: []MonthKPIs{
			{
				Month: monthOf(2025, time.January), Figures: threeKPIs(knownKPI("41.3"), knownKPI("39.8"), knownKPI("0.125")),
				AREnd: mustDec("123456.78"), GrossSales: mustDec("90000.00"), InvoicesDue: 8, InvoicesDunned: 1,
			},
			{
				Month: monthOf(2025, time.February), Figures: threeKPIs(nullKPI("no sales in the month"), knownKPI("52.4"), knownKPI("0.2")),
				AREnd: mustDec("98765.43"), GrossSales: mustDec("0.00"), InvoicesDue: 10, InvoicesDunned: 2,
			},
			{
				Month: monthOf(2025, time.March), Figures: threeKPIs(knownKPI("38.5"), knownKPI("44.1"), knownKPI("0.1")),
				AREnd: mustDec("110000.10"), GrossSales: mustDec("85432.10"), InvoicesDue: 10, InvoicesDunned: 1,
			},
		},
		Unbilled: []UnbilledItem{
			{
				Customer: hostileFormula, Project: "Website relaunch", Kind: "time", SourceID: "HV-1001",
				WorkDate: dateOf(2025, time.March, 14), Hours: mustDec("7.50"), Rate: mustDec("120.00"), Amount: mustDec("900.00"),
				Currency: "EUR", AgeDays: 17,
			},
			{
				Customer: hostilePhone, Project: "-Support", Kind: "expense", SourceID: "@EXP-7",
				WorkDate: dateOf(2025, time.February, 20), Hours: mustDec("0"), Rate: mustDec("0"), Amount: mustDec("249.99"),
				Currency: "EUR", AgeDays: 39,
			},
			{
				Customer: "Müller Maschinenbau", Project: "\tTab project", Kind: "time", SourceID: "\rHV-1002",
				WorkDate: dateOf(2025, time.January, 31), Hours: mustDec("12.25"), Rate: mustDec("95.50"), Amount: mustDec("1169.88"),
				Currency: "EUR", AgeDays: 59,
			},
			{
				Customer: "Acme Ltd", Project: "Platform", Kind: "milestone", SourceID: "MS-42",
				WorkDate: dateOf(2025, time.March, 31), Hours: mustDec("0"), Rate: mustDec("0"), Amount: mustDec("5000.00"),
				Currency: "GBP", AgeDays: 0,
			},
		},
		Exceptions: []Exception{
			{
				Kind: "double_billed", Customer: hostileFormula, Project: "Website relaunch",
				SourceIDs: []string{"HV-900", "HV-901"}, Amount: mustDec("480.00"), Currency: "EUR",
				Reason: "-the entry was billed on invoices 2025-0012 and 2025-0015",
			},
			{
				Kind: "rate_differs", Customer: hostilePhone, Project: "Support",
				SourceIDs: []string{"HV-950"}, Amount: mustDec("37.55"), Currency: "EUR",
				Reason: "@rate 102.50 differs from the rate card's 95.00",
			},
		},
	}
}

func TestValidateRejects(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Pack)
		want   string
	}{
		{"language", func(p *Pack) { p.Lang = "fr" }, `reports: language "fr" is not supported; use "en" or "de"`},
		{"month not first day", func(p *Pack) { p.Month = dateOf(2025, time.March, 2) },
			"reports: month 2025-03-02T00:00:00Z is not the first day of a month in UTC"},
		{"base currency", func(p *Pack) { p.BaseCurrency = "euro" },
			`reports: base currency "euro" is not an ISO 4217 code (three capital letters)`},
		{"no months", func(p *Pack) { p.Months = nil },
			"reports: the pack for 2025-03 has no KPIs; it needs at least the reported month"},
		{"months not ascending", func(p *Pack) { p.Months[0], p.Months[1] = p.Months[1], p.Months[0] },
			"reports: KPIs 1: month 2025-01 does not follow 2025-02; months must be ascending"},
		{"last month is not the reported one", func(p *Pack) { p.Months = p.Months[:2] },
			"reports: the last KPI month is 2025-02, not the reported month 2025-03"},
		{"unbilled currency", func(p *Pack) { p.Unbilled[3].Currency = `GBP"` },
			`reports: unbilled item 3 (source id "MS-42"): currency "GBP\"" is not an ISO 4217 code`},
		{"exception kind", func(p *Pack) { p.Exceptions[1].Kind = "rate*" },
			`reports: exception 1: kind "rate*" is not a code of lower-case letters, digits and underscores`},
		{"top unbilled currency", func(p *Pack) { p.TopUnbilled = []UnbilledItem{{SourceID: "T1", Currency: "eur"}} },
			`reports: unbilled item 0 (source id "T1"): currency "eur" is not an ISO 4217 code`},
		{"billing run currency", func(p *Pack) {
			p.BillingRun = &BillingRun{ID: "BR-2025-03-01", Invoices: []BillingInvoice{{Position: 2, Currency: "€"}}}
		}, `reports: billing run BR-2025-03-01 invoice 2: currency "€" is not an ISO 4217 code`},
		{"aging bucket", func(p *Pack) {
			p.Receivables = []Receivable{{Number: "INV-1", Currency: "EUR", Bucket: ">90"}}
		}, `reports: receivable 0 (INV-1): aging bucket ">90" is not one of not_due, 1_30, 31_60, 61_90, over_90`},
		{"dunning currency", func(p *Pack) { p.Dunning = []DunnedInvoice{{Number: "INV-3", Currency: "E"}} },
			`reports: dunned invoice 0 (INV-3): currency "E" is not an ISO 4217 code`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := testPack("en")
			c.change(&p)
			var sb strings.Builder
			for name, write := range map[string]func() error{
				"excel": func() error { return WriteExcel(&sb, p) },
				"chart": func() error { return WriteKPIPage(&sb, p, "dso") },
				"site":  func() error { _, err := WriteSite(t.TempDir(), p, SiteOptions{}); return err },
				"recon": func() error { return WriteReconciliationExcel(&sb, p) },
			} {
				err := write()
				if err == nil || err.Error() != c.want {
					t.Errorf("%s: got error %v, want %q", name, err, c.want)
				}
			}
			if sb.Len() != 0 {
				t.Errorf("wrote %d bytes for an invalid pack", sb.Len())
			}
		})
	}
}

// fullTestPack is testPack with every section of the monthly pack filled
// by hand, hostile texts in the fields that come from sources.
//
// Expected figures:
//   - KPIs: DSO 38.5 misses its target 35 but beats the baseline 40 (◐);
//     DSO 3m 44.1 meets its target 45 (●); the dunning rate 0.1 misses
//     its target 0.05 without a baseline (○); collection effectiveness
//     95.5 % (previous 91.25 %) has no target; the unbilled amount is not
//     computed for the month;
//   - billing run: invoice 1 (EUR) net 900.00 + 249.99 = 1149.99, VAT
//     218.50, gross 1368.49, a write-off of 120.00 beside it; invoice 2
//     (GBP) net 5000.00, no VAT;
//   - receivables: 1190.00 (31-60 days) + 1000.00 - 119.00 (not due) =
//     2071.00 in EUR, 881.00 of it not due;
//   - dunning: 2 invoices due, 1 dunned, rate 0.5;
//   - incidents: 2, one open follow-up, overdue;
//   - exceptions: the first acknowledged as it stands, the second
//     acknowledged before it changed, so 37.55 EUR is not acknowledged.
func fullTestPack(lang string) Pack {
	p := testPack(lang)
	p.AsOf = dateOf(2025, time.March, 31)
	p.Months[1].Figures["cei_percent"] = knownKPI("91.25")
	p.Months[2].Figures["cei_percent"] = knownKPI("95.5")
	p.KPIDefinitions = []KPIDefinition{
		{Name: "dso_days", Unit: UnitDays, Better: "lower", Baseline: knownKPI("40"),
			Target: &KPITarget{Value: mustDec("35"), OwnerRole: hostileFormula}},
		{Name: "dso_3m_days", Unit: UnitDays, Better: "lower", Baseline: knownKPI("42"),
			Target: &KPITarget{Value: mustDec("45"), OwnerRole: "finance"}},
		{Name: "dunning_rate", Unit: UnitShare, Better: "lower", Baseline: nullKPI("history too short"),
			Target: &KPITarget{Value: mustDec("0.05"), OwnerRole: "receivables"}},
		{Name: "cei_percent", Unit: UnitPercent, Better: "higher", Baseline: knownKPI("90")},
		{Name: "unbilled_amount", Unit: UnitMoney, Better: "lower", Baseline: nullKPI("no complete month")},
	}
	p.TopUnbilled = []UnbilledItem{
		{Customer: "Acme Ltd", Project: "Platform", Kind: "milestone", SourceID: "MS-42", WorkDate: dateOf(2025, time.March, 31),
			Amount: mustDec("5000.00"), Currency: "GBP", AmountBase: decimal.NewNullDecimal(mustDec("5882.35"))},
		{Customer: "Müller Maschinenbau", Project: "\tTab project", Kind: "time", SourceID: "\rHV-1002", WorkDate: dateOf(2025, time.January, 31),
			Hours: mustDec("12.25"), Rate: mustDec("95.50"), Amount: mustDec("1169.88"), Currency: "EUR",
			AmountBase: decimal.NewNullDecimal(mustDec("1169.88"))},
	}
	p.Exceptions[0].ID = "double_billed:HV-900,HV-901"
	p.Exceptions[0].MatchLevel = "direct_link"
	p.Exceptions[0].InvoiceNumbers = []string{"2025-0012", "2025-0015"}
	p.Exceptions[0].Acknowledgement = &Acknowledgement{By: "controller", At: time.Date(2025, time.April, 1, 10, 15, 0, 0, time.UTC),
		Reason: "=agreed with the customer"}
	p.Exceptions[0].Acknowledged = true
	p.Exceptions[1].ID = "rate_differs:HV-950"
	p.Exceptions[1].Acknowledgement = &Acknowledgement{By: "controller", At: time.Date(2025, time.March, 3, 9, 0, 0, 0, time.UTC),
		Reason: "rate card update pending"}
	hours := func(s string) decimal.NullDecimal { return decimal.NewNullDecimal(mustDec(s)) }
	p.BillingRun = &BillingRun{
		ID: "BR-2025-03-01", Status: "draft", Period: "2025-03", InvoiceDate: dateOf(2025, time.March, 31), CreatedBy: "controller",
		CreatedAt: time.Date(2025, time.April, 1, 8, 0, 0, 0, time.UTC), Adjustments: 1,
		Invoices: []BillingInvoice{
			{
				Position: 1, Customer: hostileFormula, Currency: "EUR", VATCase: "domestic",
				Net: mustDec("1149.99"), Tax: mustDec("218.50"), Gross: mustDec("1368.49"), DueDate: dateOf(2025, time.April, 30),
				Lines: []BillingLine{
					{Kind: "time", Project: "Website relaunch", Task: "Design", Description: "-7.5 h design", Hours: hours("7.5"),
						Rate: hours("120"), Amount: mustDec("900.00"), TaxRate: mustDec("19")},
					{Kind: "expense", Project: "Website relaunch", Description: "@travel", Amount: mustDec("249.99"), TaxRate: mustDec("19"),
						ManuallyChanged: true},
				},
				WriteOffs: []BillingLine{
					{Kind: "write_off", Project: "Website relaunch", Description: "beyond budget", Hours: hours("1"), Rate: hours("120"),
						Amount: mustDec("120.00"), TaxRate: mustDec("19")},
				},
			},
			{
				Position: 2, Customer: "Acme Ltd", Currency: "GBP", VATCase: "non_eu",
				Net: mustDec("5000.00"), Tax: mustDec("0.00"), Gross: mustDec("5000.00"), DueDate: dateOf(2025, time.April, 30),
				Lines: []BillingLine{{Kind: "milestone", Project: "Platform", Description: "Go-live", Amount: mustDec("5000.00"), TaxRate: mustDec("0")}},
			},
		},
	}
	p.Receivables = []Receivable{
		{Customer: hostilePhone, Number: "INV-1", Kind: "invoice", IssueDate: dateOf(2025, time.January, 10), DueDate: dateOf(2025, time.February, 9),
			DaysPastDue: 50, Bucket: "31_60", Currency: "EUR", Gross: mustDec("1190.00"), Open: mustDec("1190.00"), OpenBase: mustDec("1190.00")},
		{Customer: "Acme Ltd", Number: "INV-2", Kind: "invoice", IssueDate: dateOf(2025, time.March, 1), DueDate: dateOf(2025, time.March, 31),
			Bucket: "not_due", Currency: "GBP", Gross: mustDec("850.00"), Open: mustDec("850.00"), OpenBase: mustDec("1000.00")},
		{Customer: hostileFormula, Number: "=CN-1", Kind: "credit_note", IssueDate: dateOf(2025, time.March, 20),
			Bucket: "not_due", Currency: "EUR", Gross: mustDec("119.00"), Open: mustDec("119.00"), OpenBase: mustDec("-119.00")},
	}
	p.Dunning = []DunnedInvoice{
		{Customer: "Acme Ltd", Number: "INV-3", IssueDate: dateOf(2025, time.February, 1), DueDate: dateOf(2025, time.March, 3),
			Currency: "EUR", Gross: mustDec("500.00"), Notices: 2, MaxLevel: 2, Level1: true, Level2: true,
			FirstNotice: dateOf(2025, time.March, 10), NoticeList: "DN-1 (level 1, 2025-03-10), DN-2 (level 2, 2025-03-24)"},
		{Customer: hostilePhone, Number: "INV-4", IssueDate: dateOf(2025, time.February, 15), DueDate: dateOf(2025, time.March, 17),
			Currency: "EUR", Gross: mustDec("750.00")},
	}
	p.Incidents = []Incident{
		{ID: 7, Title: hostileFormula, Severity: "SEV2", Status: "open", CustomerImpact: "@customers saw late invoices",
			Months: []time.Time{monthOf(2025, time.February), monthOf(2025, time.March)},
			FollowUps: []FollowUp{
				{Number: 1, Action: "-re-run the export", OwnerRole: "finance", Due: dateOf(2025, time.March, 15), Status: "open", Overdue: true},
				{Number: 2, Action: "add a check", OwnerRole: "engineering", Due: dateOf(2025, time.April, 30), Status: "done"},
			}},
		{ID: 9, Title: "Xero outage", Severity: "SEV3", Status: "closed", Months: []time.Time{monthOf(2025, time.March)}},
	}
	p.Quality = DataQuality{
		Rejects: []Reject{{RunID: 3, Source: "harvest", Stream: "time_entries", RecordID: "=1+1", Rule: "hours_not_negative", Field: "hours",
			Message: "-2.5 is negative", Stage: "extract", RejectedAt: time.Date(2025, time.April, 1, 5, 0, 0, 0, time.UTC)}},
		Identities: []IdentityIssue{{Kind: "customer", System: "xero", SourceID: "X9", Name: "+Bad Name", Status: "unmatched",
			Hint: "If it is a known customer, pin it under identities.customers."}},
		Freshness: []StreamFreshness{
			{Source: "files", Stream: "fx_rates"},
			{Source: "harvest", Stream: "time_entries", LastSuccess: time.Date(2025, time.April, 2, 5, 30, 0, 0, time.UTC), Rows: 120},
			{Source: "xero", Stream: "invoices", LastSuccess: time.Date(2025, time.March, 28, 5, 30, 0, 0, time.UTC), Rows: 3,
				LastFailure: time.Date(2025, time.April, 2, 4, 30, 0, 0, time.UTC), Error: "xero: invoices page 1: 429 Too Many Requests"},
		},
		Drift:      []DriftField{{Source: "xero", Stream: "invoices", Field: "=CMD()", RunID: 3, FirstSeen: time.Date(2025, time.April, 2, 5, 0, 0, 0, time.UTC)}},
		StaleAfter: 48 * time.Hour,
	}
	return p
}

func TestKPIStatus(t *testing.T) {
	target := func(v string) *KPITarget { return &KPITarget{Value: mustDec(v)} }
	cases := []struct {
		def  KPIDefinition
		v    KPIValue
		want string
	}{
		{KPIDefinition{Better: "lower", Target: target("35"), Baseline: knownKPI("40")}, knownKPI("35"), statusOn},
		{KPIDefinition{Better: "lower", Target: target("35"), Baseline: knownKPI("40")}, knownKPI("40"), statusNear},
		{KPIDefinition{Better: "lower", Target: target("35"), Baseline: knownKPI("40")}, knownKPI("40.01"), statusOff},
		{KPIDefinition{Better: "higher", Target: target("0.9"), Baseline: knownKPI("0.8")}, knownKPI("0.95"), statusOn},
		{KPIDefinition{Better: "higher", Target: target("0.9"), Baseline: knownKPI("0.8")}, knownKPI("0.85"), statusNear},
		{KPIDefinition{Better: "higher", Target: target("0.9"), Baseline: knownKPI("0.8")}, knownKPI("0.79"), statusOff},
		{KPIDefinition{Better: "higher", Target: target("0.9"), Baseline: nullKPI("none")}, knownKPI("0.85"), statusOff},
		{KPIDefinition{Better: "lower", Baseline: knownKPI("40")}, knownKPI("10"), statusNone},
		{KPIDefinition{Better: "lower", Target: target("35")}, nullKPI("no sales"), statusNA},
	}
	for i, c := range cases {
		if got := kpiStatus(c.def, c.v); got != c.want {
			t.Errorf("case %d: status %q, want %q", i, got, c.want)
		}
	}
}
