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
				Month: monthOf(2025, time.January), DSODays: knownKPI("41.3"), DSO3mDays: knownKPI("39.8"), DunningRate: knownKPI("0.125"),
				AREnd: mustDec("123456.78"), GrossSales: mustDec("90000.00"), InvoicesDue: 8, InvoicesDunned: 1,
			},
			{
				Month: monthOf(2025, time.February), DSODays: nullKPI("no sales in the month"), DSO3mDays: knownKPI("52.4"),
				DunningRate: knownKPI("0.2"), AREnd: mustDec("98765.43"), GrossSales: mustDec("0.00"), InvoicesDue: 10, InvoicesDunned: 2,
			},
			{
				Month: monthOf(2025, time.March), DSODays: knownKPI("38.5"), DSO3mDays: knownKPI("44.1"), DunningRate: knownKPI("0.1"),
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
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := testPack("en")
			c.change(&p)
			var sb strings.Builder
			for name, write := range map[string]func() error{
				"excel": func() error { return WriteExcel(&sb, p) },
				"chart": func() error { return WriteChartPage(&sb, p) },
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
