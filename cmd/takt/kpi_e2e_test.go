//go:build duckdb_arrow

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/internal/demo"
)

// The demo's KPIs, recomputed here in plain Go from the generator's own
// books and work (demo.BuildLedger), must equal what `takt kpi --format
// json` reports, month by month: the SQL layer and this file are two
// independent implementations of KPIS.md.
func TestDemoKPIsMatchTheGeneratorsBooks(t *testing.T) {
	dir, _ := demoWarehouse(t)
	cfg := filepath.Join(dir, "takt.yaml")
	ledger, err := demo.BuildLedger(demo.Options{Seed: demoSeed, AsOf: demoAsOf})
	if err != nil {
		t.Fatal(err)
	}
	truth := recomputeKPIs(ledger)
	checked := 0
	for _, month := range []string{"2024-10", "2024-12", "2025-02", "2025-05", "2025-08", "2025-10", "2026-01", "2026-02", "2026-03"} {
		want, ok := truth.months[month]
		if !ok {
			t.Fatalf("the ledger has no month %s", month)
		}
		got := flattenKPIJSON(t, cli(t, "kpi", "--config", cfg, "--month", month, "--format", "json"))
		for _, key := range kpiSortedKeys(want) {
			if got[key] != want[key] {
				t.Errorf("%s %s = %s, the generator's books say %s", month, key, got[key], want[key])
			}
			checked++
		}
	}
	got := flattenKPIJSON(t, cli(t, "kpi", "--config", cfg, "--month", "2026-03", "--format", "json"))
	for _, key := range kpiSortedKeys(truth.baselines) {
		if got["baselines."+key] != truth.baselines[key] {
			t.Errorf("baseline of %s = %s, the generator's books say %s", key, got["baselines."+key], truth.baselines[key])
		}
		checked++
	}
	t.Logf("%d figures equal the generator's books", checked)
}

// flattenKPIJSON reads the JSON of `takt kpi` into key -> value text,
// nested objects as a.b, null as "null".
func flattenKPIJSON(t *testing.T, raw []byte) map[string]string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(prefix+k+".", e)
			}
		case nil:
			out[strings.TrimSuffix(prefix, ".")] = "null"
		default:
			out[strings.TrimSuffix(prefix, ".")] = fmt.Sprint(x)
		}
	}
	walk("", m)
	return out
}

func kpiSortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ledgerKPIs are the KPIs recomputed from the ledger: per month (YYYY-MM)
// the JSON keys of `takt kpi` and their expected text, and the baselines.
type ledgerKPIs struct {
	months    map[string]map[string]string
	baselines map[string]string
}

var decZero = decimal.Zero

// ledgerBase converts an amount at a rate (units per EUR) to cents, half away
// from decZero.
func ledgerBase(amount, rate decimal.Decimal) decimal.Decimal { return amount.Div(rate).Round(2) }

func daysBetween(a, b time.Time) int { return int(b.Sub(a).Hours() / 24) }

// fifthWorkingDay is the fifth Monday-to-Friday day after d.
func fifthWorkingDay(d time.Time) time.Time {
	n := 0
	for n < 5 {
		d = d.AddDate(0, 0, 1)
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			n++
		}
	}
	return d
}

// percentileInc is Excel's PERCENTILE.INC of sorted values.
func percentileInc(sorted []int, q decimal.Decimal) decimal.Decimal {
	pos := decimal.NewFromInt(int64(len(sorted) - 1)).Mul(q)
	lo := pos.Floor()
	i := int(lo.IntPart())
	v := decimal.NewFromInt(int64(sorted[i]))
	if i+1 < len(sorted) {
		v = v.Add(pos.Sub(lo).Mul(decimal.NewFromInt(int64(sorted[i+1] - sorted[i]))))
	}
	return v
}

func bucketOf(daysPastDue int) string {
	switch {
	case daysPastDue <= 0:
		return "not_due"
	case daysPastDue <= 30:
		return "1_30"
	case daysPastDue <= 60:
		return "31_60"
	case daysPastDue <= 90:
		return "61_90"
	}
	return "over_90"
}

func wipBucket(age int) string {
	switch {
	case age <= 30:
		return "0_30"
	case age <= 60:
		return "31_60"
	case age <= 90:
		return "61_90"
	}
	return "over_90"
}

// recomputeKPIs applies KPIS.md to the generator's books, month by month
// from the month of the first issued document to the as-of month.
func recomputeKPIs(l *demo.Ledger) ledgerKPIs {
	asOf := l.AsOf
	invoiceByNumber := map[string]demo.LedgerInvoice{}
	var first time.Time
	for _, inv := range l.Invoices {
		if inv.Issued() {
			invoiceByNumber[inv.Number] = inv
			if first.IsZero() || inv.Issue.Before(first) {
				first = inv.Issue
			}
		}
	}
	for _, cn := range l.CreditNotes {
		if cn.Date.Before(first) {
			first = cn.Date
		}
	}
	creditsOf := map[string][]demo.LedgerCreditNote{}
	for _, cn := range l.CreditNotes {
		creditsOf[cn.InvoiceNumber] = append(creditsOf[cn.InvoiceNumber], cn)
	}
	// The month-end rate of a currency: the rate of the last issued
	// document in it up to the day (the highest number among documents of
	// the same day).
	type booked struct {
		day    time.Time
		number string
		rate   decimal.Decimal
	}
	var docs []booked
	currencyOf := map[string]string{}
	for _, inv := range l.Invoices {
		if inv.Issued() {
			docs = append(docs, booked{inv.Issue, inv.Number, inv.Rate})
			currencyOf[inv.Number] = inv.Currency
		}
	}
	for _, cn := range l.CreditNotes {
		docs = append(docs, booked{cn.Date, cn.Number, cn.Rate})
		currencyOf[cn.Number] = cn.Currency
	}
	monthEndRate := func(cur string, day time.Time) (decimal.Decimal, bool) {
		if cur == l.BaseCurrency {
			return decimal.NewFromInt(1), true
		}
		var best *booked
		for i, d := range docs {
			if currencyOf[d.number] != cur || d.day.After(day) {
				continue
			}
			if best == nil || d.day.After(best.day) || d.day.Equal(best.day) && d.number > best.number {
				best = &docs[i]
			}
		}
		if best == nil {
			return decZero, false
		}
		return best.rate, true
	}

	type monthly struct {
		month                       time.Time
		days                        int
		ar, current, sales          decimal.Decimal
		aging                       map[string]decimal.Decimal
		values                      map[string]*decimal.Decimal // nil: undefined
		provisional                 map[string]bool
		correctionRateIsProvisional bool
	}
	var months []*monthly
	for m := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(asOf); m = m.AddDate(0, 1, 0) {
		me := m.AddDate(0, 1, -1)
		mo := &monthly{month: m, days: me.Day(), aging: map[string]decimal.Decimal{}, values: map[string]*decimal.Decimal{}, provisional: map[string]bool{}}
		for _, b := range []string{"not_due", "1_30", "31_60", "61_90", "over_90"} {
			mo.aging[b] = decZero
		}
		// Receivables at the month end and gross sales of the month.
		for _, inv := range l.Invoices {
			if !inv.Issued() || inv.Issue.After(me) {
				continue
			}
			open := inv.Gross
			for _, p := range inv.Payments {
				if !p.Date.After(me) {
					open = open.Sub(p.Amount)
				}
			}
			for _, cn := range creditsOf[inv.Number] {
				if !cn.Date.After(me) {
					open = open.Sub(cn.Gross)
				}
			}
			if !open.IsZero() {
				b := ledgerBase(open, inv.Rate)
				mo.ar = mo.ar.Add(b)
				bucket := bucketOf(daysBetween(inv.Due, me))
				mo.aging[bucket] = mo.aging[bucket].Add(b)
			}
			if inv.Issue.Year() == m.Year() && inv.Issue.Month() == m.Month() {
				mo.sales = mo.sales.Add(ledgerBase(inv.Gross, inv.Rate))
			}
		}
		for _, cn := range l.CreditNotes {
			// Credit notes are allocated in full on their own date: never
			// open at a month end, they only reduce sales.
			if cn.Date.Year() == m.Year() && cn.Date.Month() == m.Month() {
				mo.sales = mo.sales.Sub(ledgerBase(cn.Gross, cn.Rate))
			}
		}
		mo.current = mo.aging["not_due"]
		months = append(months, mo)
	}
	set := func(mo *monthly, name string, d decimal.Decimal, places int32) {
		v := d.Round(places)
		mo.values[name] = &v
	}
	for i, mo := range months {
		me := mo.month.AddDate(0, 1, -1)
		dd := decimal.NewFromInt(int64(mo.days))
		if mo.sales.IsPositive() {
			set(mo, "dso_days", mo.ar.Mul(dd).Div(mo.sales), 2)
			set(mo, "best_possible_dso_days", mo.current.Mul(dd).Div(mo.sales), 2)
			set(mo, "average_days_delinquent", mo.values["dso_days"].Sub(*mo.values["best_possible_dso_days"]), 2)
		}
		if i >= 2 {
			s3, d3 := decZero, 0
			for _, p := range months[i-2 : i+1] {
				s3, d3 = s3.Add(p.sales), d3+p.days
			}
			if s3.IsPositive() {
				set(mo, "dso_3m_days", mo.ar.Mul(decimal.NewFromInt(int64(d3))).Div(s3), 2)
			}
		}
		// Countback: walk back while the remaining AR covers a month's
		// sales; stop when nothing remains.
		if !mo.ar.IsNegative() {
			remaining, total := mo.ar, decZero
			for j := i; j >= 0 && !remaining.IsZero(); j-- {
				p := months[j]
				if remaining.GreaterThanOrEqual(p.sales) {
					remaining = remaining.Sub(p.sales)
					total = total.Add(decimal.NewFromInt(int64(p.days)))
					continue
				}
				total = total.Add(remaining.Mul(decimal.NewFromInt(int64(p.days))).Div(p.sales))
				break
			}
			set(mo, "dso_countback_days", total, 2)
		}
		begin := decZero
		if i > 0 {
			begin = months[i-1].ar
		}
		if den := begin.Add(mo.sales).Sub(mo.current); den.IsPositive() {
			set(mo, "cei_percent", begin.Add(mo.sales).Sub(mo.ar).Mul(hundred).Div(den), 2)
		}
		for b, v := range mo.aging {
			set(mo, "ar_aging_"+b, v, 2)
		}

		// Time to invoice: work invoiced in the month.
		var itemDays []int
		weighted, weights := decZero, decZero
		addItem := func(work, invoiced time.Time, amount decimal.Decimal, number string) {
			d := daysBetween(work, invoiced)
			itemDays = append(itemDays, d)
			b := ledgerBase(amount, invoiceByNumber[number].Rate)
			weighted = weighted.Add(decimal.NewFromInt(int64(d)).Mul(b))
			weights = weights.Add(b)
		}
		inMonth := func(t time.Time) bool { return t.Year() == mo.month.Year() && t.Month() == mo.month.Month() }
		for _, w := range l.Work {
			if w.InvoiceNumber == "" || !inMonth(w.InvoiceIssue) {
				continue
			}
			amount := w.Cost.Round(2)
			if w.Kind == "time" {
				amount = w.Hours.Mul(w.Rate).Round(2)
			}
			addItem(w.Date, w.InvoiceIssue, amount, w.InvoiceNumber)
		}
		for _, ms := range l.Milestones {
			if ms.InvoiceNumber != "" && inMonth(ms.InvoiceIssue) {
				addItem(ms.Reached, ms.InvoiceIssue, ms.Amount, ms.InvoiceNumber)
			}
		}
		if len(itemDays) > 0 {
			sort.Ints(itemDays)
			set(mo, "time_to_invoice_median_days", percentileInc(itemDays, decimal.RequireFromString("0.5")), 2)
			set(mo, "time_to_invoice_p90_days", percentileInc(itemDays, decimal.RequireFromString("0.9")), 2)
			set(mo, "time_to_invoice_mean_days", weighted.Div(weights), 2)
		}

		// Time-and-materials time of the month invoiced within five
		// working days after its end.
		deadline := fifthWorkingDay(me)
		hours, within := decZero, decZero
		for _, w := range l.Work {
			if w.Kind != "time" || !w.TimeAndMaterials || !w.Approved || !inMonth(w.Date) {
				continue
			}
			hours = hours.Add(w.Hours)
			if w.InvoiceNumber != "" && !w.InvoiceIssue.After(deadline) {
				within = within.Add(w.Hours)
			}
		}
		if !deadline.After(asOf) && hours.IsPositive() {
			set(mo, "invoiced_within_5_working_days", within.Div(hours), 4)
		}

		// Unbilled work at the month end, at the rate card.
		wip, wipDefined := decZero, true
		wipAge := map[string]decimal.Decimal{"0_30": decZero, "31_60": decZero, "61_90": decZero, "over_90": decZero}
		addWIP := func(work time.Time, amount decimal.Decimal, cur string) {
			rate, ok := monthEndRate(cur, me)
			if !ok {
				wipDefined = false
				return
			}
			b := ledgerBase(amount, rate)
			wip = wip.Add(b)
			bucket := wipBucket(daysBetween(work, me))
			wipAge[bucket] = wipAge[bucket].Add(b)
		}
		for _, w := range l.Work {
			if !w.TimeAndMaterials || !w.Approved || w.Date.After(me) || w.InvoiceNumber != "" && !w.InvoiceIssue.After(me) {
				continue
			}
			amount := w.Cost.Round(2)
			if w.Kind == "time" {
				amount = w.Hours.Mul(w.CardRate).Round(2)
			}
			addWIP(w.Date, amount, w.Currency)
		}
		for _, ms := range l.Milestones {
			billable := ms.Accepted
			if billable.IsZero() {
				billable = ms.Reached
			}
			if billable.IsZero() || billable.After(me) || ms.InvoiceNumber != "" && !ms.InvoiceIssue.After(me) {
				continue
			}
			addWIP(billable, ms.Amount.Round(2), ms.Currency)
		}
		if wipDefined {
			set(mo, "unbilled_amount", wip, 2)
			for b, v := range wipAge {
				set(mo, "unbilled_by_age."+b, v, 2)
			}
		}

		// Corrections within 90 days of issue: voided, credited, replaced.
		checked, corrected := 0, 0
		gross, grossCorrected := decZero, decZero
		for _, inv := range l.Invoices {
			if inv.Status == "DRAFT" || !inMonth(inv.Issue) {
				continue
			}
			limit := inv.Issue.AddDate(0, 0, 90)
			inWindow := func(t time.Time) bool { return !t.Before(inv.Issue) && !t.After(limit) && !t.After(asOf) }
			isCorrected := inv.Status == "VOIDED" && inWindow(inv.UpdatedOn)
			for _, cn := range l.CreditNotes {
				if (cn.InvoiceNumber == inv.Number || strings.EqualFold(cn.Reference, inv.Number) && cn.CustomerKey == inv.CustomerKey) && inWindow(cn.Date) {
					isCorrected = true
				}
			}
			for _, r := range l.Invoices {
				if r.Issued() && r.Number != inv.Number && r.CustomerKey == inv.CustomerKey && strings.EqualFold(r.Reference, inv.Number) && inWindow(r.Issue) {
					isCorrected = true
				}
			}
			checked++
			b := ledgerBase(inv.Gross, inv.Rate)
			gross = gross.Add(b)
			if isCorrected {
				corrected++
				grossCorrected = grossCorrected.Add(b)
			}
		}
		if checked > 0 {
			set(mo, "correction_rate", decimal.NewFromInt(int64(corrected)).Div(decimal.NewFromInt(int64(checked))), 4)
			set(mo, "first_time_right_rate", decimal.NewFromInt(1).Sub(*mo.values["correction_rate"]), 4)
			if !gross.IsZero() {
				set(mo, "correction_rate_amount", grossCorrected.Div(gross), 4)
			}
		}
		mo.correctionRateIsProvisional = me.AddDate(0, 0, 90).After(asOf)

		// Dunning of the invoices due in the month, fees of the notices
		// sent in it.
		due, dunned := 0, [4]int{}
		for _, inv := range l.Invoices {
			if !inv.Issued() || !inMonth(inv.Due) {
				continue
			}
			due++
			levels := map[int]bool{}
			for _, n := range l.Notices {
				if n.InvoiceNumber == inv.Number && !n.Date.After(asOf) {
					levels[n.Level] = true
				}
			}
			if len(levels) > 0 {
				dunned[0]++
			}
			for lv := 1; lv <= 3; lv++ {
				if levels[lv] {
					dunned[lv]++
				}
			}
		}
		if due > 0 {
			set(mo, "dunning_rate", decimal.NewFromInt(int64(dunned[0])).Div(decimal.NewFromInt(int64(due))), 4)
			for lv := 1; lv <= 3; lv++ {
				set(mo, fmt.Sprintf("dunning_rate_by_level.%d", lv), decimal.NewFromInt(int64(dunned[lv])).Div(decimal.NewFromInt(int64(due))), 4)
			}
		}
		fees := decZero
		for _, n := range l.Notices {
			if inMonth(n.Date) && !n.Date.After(asOf) {
				fees = fees.Add(ledgerBase(n.Fee, invoiceByNumber[n.InvoiceNumber].Rate))
			}
		}
		set(mo, "dunning_fees", fees, 2)

		// Automation: the demo's invoices never came from a takt billing
		// run, so no line did.
		lines, net := 0, decZero
		for _, inv := range l.Invoices {
			if inv.Issued() && inMonth(inv.Issue) {
				lines += inv.Lines
				net = net.Add(ledgerBase(inv.Net, inv.Rate))
			}
		}
		if lines > 0 {
			set(mo, "automation_share", decZero, 4)
		}
		if !net.IsZero() {
			set(mo, "automation_share_amount", decZero, 4)
		}
		mo.provisional["correction_rate"] = mo.correctionRateIsProvisional
		mo.provisional["correction_rate_amount"] = mo.correctionRateIsProvisional
	}

	out := ledgerKPIs{months: map[string]map[string]string{}, baselines: map[string]string{}}
	money := map[string]bool{"unbilled_amount": true, "dunning_fees": true}
	for _, mo := range months {
		want := map[string]string{
			"ar_end":      mo.ar.StringFixed(2),
			"gross_sales": mo.sales.StringFixed(2),
		}
		for _, name := range []string{"dso_days", "dso_3m_days", "dso_countback_days", "best_possible_dso_days", "average_days_delinquent",
			"cei_percent", "time_to_invoice_median_days", "time_to_invoice_p90_days", "time_to_invoice_mean_days",
			"invoiced_within_5_working_days", "unbilled_amount", "correction_rate", "correction_rate_amount", "first_time_right_rate",
			"dunning_rate", "dunning_rate_by_level.1", "dunning_rate_by_level.2", "dunning_rate_by_level.3", "dunning_fees",
			"automation_share", "automation_share_amount",
			"unbilled_by_age.0_30", "unbilled_by_age.31_60", "unbilled_by_age.61_90", "unbilled_by_age.over_90"} {
			v := mo.values[name]
			switch {
			case v == nil:
				want[name] = "null"
			case money[name] || strings.HasPrefix(name, "unbilled_by_age."):
				want[name] = v.StringFixed(2)
			default:
				want[name] = v.String()
			}
		}
		for _, b := range []string{"not_due", "1_30", "31_60", "61_90", "over_90"} {
			want["ar_aging."+b] = mo.values["ar_aging_"+b].StringFixed(2)
		}
		out.months[mo.month.Format("2006-01")] = want
	}
	// Baselines: the median of the first three complete months with a
	// final value (here every month has ended by the as-of day).
	for _, name := range []string{"dso_days", "dso_3m_days", "dso_countback_days", "cei_percent", "time_to_invoice_median_days",
		"invoiced_within_5_working_days", "unbilled_amount", "correction_rate", "dunning_rate", "dunning_fees"} {
		var vals []decimal.Decimal
		for _, mo := range months {
			if v := mo.values[name]; v != nil && !mo.provisional[name] && len(vals) < 3 {
				vals = append(vals, *v)
			}
		}
		if len(vals) < 3 {
			out.baselines[name] = "null"
			continue
		}
		sort.Slice(vals, func(i, j int) bool { return vals[i].LessThan(vals[j]) })
		if money[name] {
			out.baselines[name] = vals[1].StringFixed(2)
		} else {
			out.baselines[name] = vals[1].String()
		}
	}
	return out
}

// The JSON contract of `takt kpi`, `takt kpi explain` and `takt kpi
// customers` on the demo: every field of issue 5 with its type, records
// that add up to the figure, customers that add up to the month.
func TestDemoKPIContractExplainAndCustomers(t *testing.T) {
	dir, _ := demoWarehouse(t)
	cfg := filepath.Join(dir, "takt.yaml")
	var k map[string]any
	dec := json.NewDecoder(bytes.NewReader(cli(t, "kpi", "--config", cfg, "--month", "2026-02", "--format", "json")))
	dec.UseNumber()
	if err := dec.Decode(&k); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"dso_days", "dso_3m_days", "dso_countback_days", "best_possible_dso_days", "average_days_delinquent",
		"cei_percent", "time_to_invoice_median_days", "time_to_invoice_p90_days", "correction_rate", "dunning_rate", "automation_share"} {
		n, ok := k[key].(json.Number)
		if !ok {
			t.Errorf("%s = %#v, want a number", key, k[key])
			continue
		}
		places := 2
		if strings.HasSuffix(key, "rate") || key == "automation_share" {
			places = 4
			if f, _ := n.Float64(); f < 0 || f > 1 {
				t.Errorf("%s = %s, want a share between 0 and 1", key, n)
			}
		}
		if i := strings.IndexByte(n.String(), '.'); i >= 0 && len(n.String())-i-1 > places {
			t.Errorf("%s = %s has more than %d decimals", key, n, places)
		}
	}
	for _, key := range []string{"unbilled_amount", "ar_end", "gross_sales", "dunning_fees"} {
		if s, ok := k[key].(string); !ok || !fixedDecimals.MatchString(s) {
			t.Errorf("%s = %#v, want money as a string", key, k[key])
		}
	}
	aging, _ := k["ar_aging"].(map[string]any)
	sum := decimal.Zero
	for _, b := range []string{"not_due", "1_30", "31_60", "61_90", "over_90"} {
		s, ok := aging[b].(string)
		if !ok || !fixedDecimals.MatchString(s) {
			t.Errorf("ar_aging.%s = %#v, want money as a string", b, aging[b])
			continue
		}
		sum = sum.Add(decimal.RequireFromString(s))
	}
	if sum.StringFixed(2) != k["ar_end"] {
		t.Errorf("aging adds up to %s, ar_end is %s", sum.StringFixed(2), k["ar_end"])
	}
	for _, key := range []string{"baselines", "targets", "definitions", "null_reasons", "dunning_rate_by_level", "unbilled_by_age"} {
		if _, ok := k[key].(map[string]any); !ok {
			t.Errorf("%s = %#v, want an object", key, k[key])
		}
	}
	if _, ok := k["baselines"].(map[string]any)["dso_days"].(json.Number); !ok {
		t.Errorf("baselines.dso_days = %#v, want a number", k["baselines"].(map[string]any)["dso_days"])
	}
	def, _ := k["definitions"].(map[string]any)["dso_days"].(map[string]any)
	if def["version"] != json.Number("1") || len(fmt.Sprint(def["settings_hash"])) != 64 || def["valid_from"] == nil {
		t.Errorf("definitions.dso_days = %v", def)
	}

	var e struct {
		Value   json.Number `json:"value"`
		Records []struct {
			Section    string `json:"section"`
			AmountBase string `json:"amount_base"`
		}
		Arithmetic []string `json:"arithmetic"`
	}
	if err := json.Unmarshal(cli(t, "kpi", "explain", "--config", cfg, "--month", "2026-02", "--kpi", "dso_days", "--format", "json"), &e); err != nil {
		t.Fatal(err)
	}
	open, issued := decimal.Zero, decimal.Zero
	for _, r := range e.Records {
		switch {
		case strings.HasPrefix(r.Section, "open at 2026-02-28"):
			open = open.Add(decimal.RequireFromString(r.AmountBase))
		case r.Section == "issued in 2026-02":
			issued = issued.Add(decimal.RequireFromString(r.AmountBase))
		default:
			t.Errorf("unexpected section %q", r.Section)
		}
	}
	if open.StringFixed(2) != k["ar_end"] || issued.StringFixed(2) != k["gross_sales"] {
		t.Errorf("records add up to AR %s and sales %s; the figures are %s and %s", open.StringFixed(2), issued.StringFixed(2), k["ar_end"], k["gross_sales"])
	}
	last := e.Arithmetic[len(e.Arithmetic)-1]
	if want := fmt.Sprintf("dso_days = AR_end / gross_sales x days = %s / %s x 28 = %s", k["ar_end"], k["gross_sales"], decimal.RequireFromString(e.Value.String()).StringFixed(2)); last != want || e.Value != k["dso_days"] {
		t.Errorf("arithmetic ends with %q, want %q (value %s)", last, want, e.Value)
	}

	var customers []struct {
		AREnd      string `json:"ar_end"`
		GrossSales string `json:"gross_sales"`
	}
	if err := json.Unmarshal(cli(t, "kpi", "customers", "--config", cfg, "--month", "2026-02", "--format", "json"), &customers); err != nil {
		t.Fatal(err)
	}
	ar, sales := decimal.Zero, decimal.Zero
	for _, c := range customers {
		ar, sales = ar.Add(decimal.RequireFromString(c.AREnd)), sales.Add(decimal.RequireFromString(c.GrossSales))
	}
	if len(customers) < 30 || ar.StringFixed(2) != k["ar_end"] || sales.StringFixed(2) != k["gross_sales"] {
		t.Errorf("%d customers add up to AR %s and sales %s; the month has %s and %s", len(customers), ar.StringFixed(2), sales.StringFixed(2), k["ar_end"], k["gross_sales"])
	}
}
