package reports

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/internal/incident"
	"github.com/takt-billing/takt/internal/rawtest"
	"github.com/takt-billing/takt/reconcile"
)

// packScenario is the hand-checkable scenario (rawtest.Scenario) with a
// draft billing run for March 2026, an acknowledged exception, incidents,
// a quarantined record and a field the connectors do not know.
func packScenario(t *testing.T) *rawtest.Warehouse {
	t.Helper()
	ctx := context.Background()
	w := rawtest.Scenario(t)
	buildKPIs(t, w, rawtest.ScenarioAsOf)
	clock := func() func() time.Time {
		at := rawtest.Time("2026-04-01T08:00:00Z")
		return func() time.Time { at = at.Add(time.Second); return at }
	}
	settings := reconcile.Settings{BaseCurrency: "EUR", HomeCountry: "DE", SellerVATID: "DE111111111", PaymentDays: 30}
	if _, err := reconcile.CreateRun(ctx, w.DB, settings, reconcile.CreateOptions{Period: rawtest.Date("2026-03-01"), By: "anna", Now: clock()}); err != nil {
		t.Fatal(err)
	}
	exc, err := reconcile.Exceptions(ctx, w.DB)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reconcile.Acknowledge(ctx, w.DB, exc[0].ID, "carl", "=known; agreed with sales", clock()); err != nil {
		t.Fatal(err)
	}
	store := incident.NewStore(w.DB, incident.Options{Now: clock()})
	open := func(title string, status incident.Status, months []string, follow []incident.NewFollowUp) int64 {
		c := incident.Changes{Impact: "invoices went out late", FollowUps: follow}
		for _, m := range months {
			c.Links = append(c.Links, incident.MonthLink(rawtest.Date(m+"-01")))
		}
		in, err := store.Open(ctx, incident.NewIncident{Title: title, Severity: incident.SEV2, DetectedByKind: incident.ByPerson,
			DetectedBy: "controller", Author: "controller", Status: status, Changes: c})
		if err != nil {
			t.Fatal(err)
		}
		return in.ID
	}
	open("Harvest export stalled", incident.Open, []string{"2026-02", "2026-03"}, []incident.NewFollowUp{
		{Action: "alert on a stalled export", OwnerRole: "engineering", Due: rawtest.Date("2026-03-15")},
		{Action: "re-run the March close", OwnerRole: "finance", Due: rawtest.Date("2026-04-30")},
	})
	open("Old outage", incident.Open, []string{"2025-11"}, nil)
	dismissed := open("False alarm", incident.Draft, []string{"2026-03"}, nil)
	if _, err := store.Close(ctx, dismissed, "controller", "not an incident", true); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO ops.rejects (run_id, source, stream, record_id, rule, field, message, rejected_at, stage)
		 VALUES (1, 'harvest', 'time_entries', '=e99', 'hours_not_negative', 'hours', '-1.5 hours is negative', TIMESTAMPTZ '2026-03-31 12:00:00+00', 'extract')`,
		`INSERT INTO ops.rejects (run_id, source, stream, record_id, rule, field, message, rejected_at, stage, resolved_at)
		 VALUES (1, 'harvest', 'time_entries', 'e98', 'hours_not_negative', 'hours', 'resolved', TIMESTAMPTZ '2026-03-31 12:00:00+00', 'extract', TIMESTAMPTZ '2026-03-31 13:00:00+00')`,
		`INSERT INTO ops.runs (run_id, trigger, started_at, ended_at, status) VALUES
		 (2, 'schedule', TIMESTAMPTZ '2026-04-01 04:00:00+00', TIMESTAMPTZ '2026-04-01 06:00:00+00', 'partial'),
		 (3, 'schedule', TIMESTAMPTZ '2026-04-02 04:00:00+00', TIMESTAMPTZ '2026-04-02 05:00:00+00', 'succeeded')`,
		`INSERT INTO ops.run_streams (run_id, source, stream, started_at, ended_at, status, rows, error) VALUES
		 (2, 'xero', 'invoices', TIMESTAMPTZ '2026-04-01 04:00:00+00', TIMESTAMPTZ '2026-04-01 05:00:00+00', 'succeeded', 6, NULL),
		 (2, 'xero', 'payments', TIMESTAMPTZ '2026-04-01 04:00:00+00', TIMESTAMPTZ '2026-04-01 06:00:00+00', 'failed', 0, 'xero: payments page 1: 503 Service Unavailable'),
		 (3, 'xero', 'invoices', TIMESTAMPTZ '2026-04-02 04:00:00+00', TIMESTAMPTZ '2026-04-02 05:00:00+00', 'succeeded', 2, NULL)`,
		`INSERT INTO ops.schema_drift (run_id, source, stream, field, first_seen_at) VALUES (1, 'xero', 'invoices', 'SalesTaxPeriod', TIMESTAMPTZ '2026-03-31 12:00:00+00')`,
	} {
		if _, err := w.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// lines renders values one per line, for exact comparisons of whole
// sections.
func lines[T any](list []T, f func(T) string) string {
	var b strings.Builder
	for _, v := range list {
		b.WriteString(f(v))
		b.WriteString("\n")
	}
	return b.String()
}

func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.DateOnly)
}

func unbilledLine(u UnbilledItem) string {
	return fmt.Sprintf("%s %s %s|%s|%s|%s %s h=%s r=%s a=%s %s age=%d base=%s", u.Kind, u.SourceID, u.CustomerID, u.Customer,
		u.ProjectCode, u.Project, day(u.WorkDate), u.Hours, u.Rate, u.Amount, u.Currency, u.AgeDays, nullString(u.AmountBase))
}

func nullString(d decimal.NullDecimal) string {
	if !d.Valid {
		return "null"
	}
	return d.Decimal.String()
}

func diff(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\n got:\n%s\nwant:\n%s", what, got, want)
	}
}

// TestLoadPackScenario loads the pack of March 2026 from the scenario and
// checks every section against the figures worked out by hand in
// rawtest.Scenario's comment.
func TestLoadPackScenario(t *testing.T) {
	w := packScenario(t)
	ctx := context.Background()
	p, err := LoadPack(ctx, w.DB, PackOptions{Company: "Scenario GmbH", BaseCurrency: "EUR", Lang: "en",
		Month: rawtest.Date("2026-03-15"), AsOf: rawtest.ScenarioAsOf, GeneratedAt: rawtest.Time("2026-04-02T06:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(day(p.Month), " ", day(p.AsOf), " ", len(p.Months), " ", len(p.KPIDefinitions)); got != "2026-03-01 2026-03-31 3 25" {
		t.Errorf("month, as-of, months, definitions: %s", got)
	}
	if p.Unbilled != nil || p.UnbilledRows == nil {
		t.Errorf("the unbilled work is not streamed: %d items in memory", len(p.Unbilled))
	}
	// Approved, billable, unbilled at 2026-03-31: e2, e3, e5 (time), x1
	// (expense), e9 (on the Harvest draft H-0002, not issued); e4 is not
	// approved, e6 not billable, e1, e7, e8 invoiced.
	const alpha = "hubspot:1|Alpha GmbH|11|Alpha platform"
	want := "time e2 " + alpha + " 2026-02-10 h=4.5 r=100 a=450 EUR age=49 base=null\n" +
		"time e3 " + alpha + " 2026-03-05 h=2.25 r=110 a=247.5 EUR age=26 base=null\n" +
		"time e5 " + alpha + " 2026-03-10 h=1.3333 r=110 a=146.66 EUR age=21 base=null\n" +
		"expense x1 " + alpha + " 2026-03-12 h=0 r=0 a=45.9 EUR age=19 base=null\n" +
		"time e9 " + alpha + " 2026-03-20 h=1 r=110 a=110 EUR age=11 base=null\n"
	for walk := range 2 { // read anew on every walk
		var items []UnbilledItem
		for u, err := range p.UnbilledRows {
			if err != nil {
				t.Fatal(err)
			}
			items = append(items, u)
		}
		diff(t, fmt.Sprintf("unbilled work, walk %d", walk), lines(items, unbilledLine), want)
	}
	diff(t, "largest unbilled items", lines(p.TopUnbilled, unbilledLine),
		"time e2 "+alpha+" 2026-02-10 h=4.5 r=100 a=450 EUR age=49 base=450\n"+
			"time e3 "+alpha+" 2026-03-05 h=2.25 r=110 a=247.5 EUR age=26 base=247.5\n"+
			"time e5 "+alpha+" 2026-03-10 h=1.3333 r=110 a=146.66 EUR age=21 base=146.66\n")

	diff(t, "exceptions", lines(p.Exceptions, func(e Exception) string {
		ack := "-"
		if a := e.Acknowledgement; a != nil {
			ack = fmt.Sprintf("%s %s %q %v", a.By, a.At.Format(time.RFC3339), a.Reason, e.Acknowledged)
		}
		return fmt.Sprintf("%s %s %s|%s|%s|%s %v %v %s %s %s ack=%s", e.ID, e.Kind, e.CustomerID, e.Customer, e.ProjectCode, e.Project,
			e.SourceIDs, e.InvoiceNumbers, e.MatchLevel, e.Amount, e.Currency, ack)
	}), "double_billed:e7,e8 double_billed "+alpha+" [e7 e8] [H-0001 H-0001] direct_link 200 EUR ack=carl 2026-04-01T08:00:01Z \"=known; agreed with sales\" true\n"+
		"rate_mismatch:e3 rate_mismatch "+alpha+" [e3] [] rate_card 11.25 EUR ack=-\n")

	r := p.BillingRun
	if r == nil {
		t.Fatal("no billing run")
	}
	diff(t, "billing run", fmt.Sprintf("%s %s %s %s %s %s %q %d\n", r.ID, r.Status, r.Period, day(r.InvoiceDate), r.CreatedBy,
		r.CreatedAt.Format(time.RFC3339), r.ApprovedBy, r.Adjustments)+lines(r.Invoices, func(i BillingInvoice) string {
		return fmt.Sprintf("%d %s %s %s net=%s tax=%s gross=%s due=%s lines=%d write-offs=%d", i.Position, i.Customer, i.Currency, i.VATCase,
			i.Net, i.Tax, i.Gross, day(i.DueDate), len(i.Lines), len(i.WriteOffs))
	})+lines(r.Invoices[0].Lines, func(l BillingLine) string {
		return fmt.Sprintf("%s %s|%s|%s h=%s r=%s a=%s vat=%s %v", l.Kind, l.Project, l.Task, l.Description, nullString(l.Hours),
			nullString(l.Rate), l.Amount, l.TaxRate, l.ManuallyChanged)
	}), "BR-2026-03-01 draft 2026-03 2026-03-31 anna 2026-04-01T08:00:01Z \"\" 0\n"+
		"1 Alpha GmbH EUR domestic net=1000.06 tax=190.01 gross=1190.07 due=2026-04-30 lines=3 write-offs=0\n"+
		"time Alpha platform|Consulting|Alpha platform: Consulting, 2026-02-10 h=4.5 r=100 a=450 vat=19 false\n"+
		"time Alpha platform|Consulting|Alpha platform: Consulting, 2026-03-05 – 2026-03-20 h=4.5833 r=110 a=504.16 vat=19 false\n"+
		"expense Alpha platform|Travel|Alpha platform: Travel, 2026-03-12 h=null r=null a=45.9 vat=19 false\n")

	// Receivables at the end of March: H-0001 1428 - 428 paid - 119
	// credited = 881 open, 27 days past due; INV-0003 850 GBP at 0.85 =
	// 1000 EUR, not due. Together the month's AR_end of 1881.
	diff(t, "receivables", lines(p.Receivables, func(d Receivable) string {
		return fmt.Sprintf("%s %s %s %s %s %d %s %s gross=%s open=%s base=%s", d.Customer, d.Number, d.Kind, day(d.IssueDate),
			day(d.DueDate), d.DaysPastDue, d.Bucket, d.Currency, d.Gross, d.Open, d.OpenBase)
	}), "Alpha GmbH H-0001 invoice 2026-02-02 2026-03-04 27 1_30 EUR gross=1428 open=881 base=881\n"+
		"Beta Ltd INV-0003 invoice 2026-03-05 2026-04-04 0 not_due GBP gross=850 open=850 base=1000\n")
	if !p.current().AREnd.Equal(mustDec("1881")) {
		t.Errorf("AR end %s, want 1881", p.current().AREnd)
	}

	// Due in March: H-0001 (dunned on 2026-03-11) and INV-0004 (not).
	diff(t, "dunning", lines(p.Dunning, func(d DunnedInvoice) string {
		return fmt.Sprintf("%s %s %s %s %s %s n=%d max=%d %v %v %v first=%s %q", d.Customer, d.Number, day(d.IssueDate), day(d.DueDate),
			d.Currency, d.Gross, d.Notices, d.MaxLevel, d.Level1, d.Level2, d.Level3, day(d.FirstNotice), d.NoticeList)
	}), "Alpha GmbH H-0001 2026-02-02 2026-03-04 EUR 1428 n=1 max=1 true false false first=2026-03-11 \"N2 (level 1, 2026-03-11)\"\n"+
		"Alpha GmbH INV-0004 2026-02-20 2026-03-22 EUR 238 n=0 max=0 false false false first=- \"\"\n")

	// Only the incident of February and March: the one of November 2025
	// lies before the pack's months, the dismissed draft is left out.
	diff(t, "incidents", lines(p.Incidents, func(in Incident) string {
		var months []string
		for _, m := range in.Months {
			months = append(months, m.Format("2006-01"))
		}
		return fmt.Sprintf("%d %s %s %s %q %v %s", in.ID, in.Title, in.Severity, in.Status, in.CustomerImpact, months, in.FollowUpState()) +
			lines(in.FollowUps, func(f FollowUp) string {
				return fmt.Sprintf("\n  %d %s %s %s %s overdue=%v", f.Number, f.Action, f.OwnerRole, day(f.Due), f.Status, f.Overdue)
			})
	}), "1 Harvest export stalled SEV2 open \"invoices went out late\" [2026-02 2026-03] overdue\n"+
		"  1 alert on a stalled export engineering 2026-03-15 open overdue=true\n\n"+
		"  2 re-run the March close finance 2026-04-30 open overdue=false\n\n")

	q := p.Quality
	diff(t, "rejects", lines(q.Rejects, func(r Reject) string {
		return fmt.Sprintf("%d %s %s %s %s %s %q %s %s", r.RunID, r.Source, r.Stream, r.RecordID, r.Rule, r.Field, r.Message, r.Stage,
			r.RejectedAt.Format(time.RFC3339))
	}), "1 harvest time_entries =e99 hours_not_negative hours \"-1.5 hours is negative\" extract 2026-03-31T12:00:00Z\n")
	if len(q.Identities) != 0 {
		t.Errorf("identities %+v, want none: every customer and project of the scenario matches", q.Identities)
	}
	fresh := map[string]string{}
	for _, f := range q.Freshness {
		fresh[f.Source+"."+f.Stream] = fmt.Sprintf("%s %d %s %q", f.LastSuccess.Format(time.RFC3339), f.Rows, f.LastFailure.Format(time.RFC3339), f.Error)
	}
	if len(q.Freshness) != 16 || fresh["xero.invoices"] != `2026-04-02T05:00:00Z 2 0001-01-01T00:00:00Z ""` ||
		fresh["xero.payments"] != `0001-01-01T00:00:00Z 0 2026-04-01T06:00:00Z "xero: payments page 1: 503 Service Unavailable"` ||
		fresh["harvest.time_entries"] != `0001-01-01T00:00:00Z 0 0001-01-01T00:00:00Z ""` {
		t.Errorf("freshness of %d streams: %v", len(q.Freshness), fresh)
	}
	diff(t, "drift", lines(q.Drift, func(d DriftField) string {
		return fmt.Sprintf("%s %s %s %d %s", d.Source, d.Stream, d.Field, d.RunID, d.FirstSeen.Format(time.RFC3339))
	}), "xero invoices SalesTaxPeriod 1 2026-03-31T12:00:00Z\n")
	if q.StaleAfter != 48*time.Hour {
		t.Errorf("stale after %v", q.StaleAfter)
	}

	// The pack as a workbook: the unbilled work read from the warehouse
	// adds up to what the draft run bills, the receivables to AR_end.
	for _, lang := range []string{"en", "de"} {
		p.Lang = lang
		b := openBook(t, func(w io.Writer) error { return WriteExcel(w, p) })
		b.audit()
		names, fm := sheetNames[lang], formatsOf[lang]
		b.total(names[1], "D14", b.sumColumn(names[1], uAmount, 2, 6, uCurrency, "EUR"), "1000.06")
		b.formula(names[2], "F17", fmt.Sprintf(`SUMIFS($L$11:$L$13,$A$11:$A$13,$A$17,$E$11:$E$13,"%s")`, labelsFor(lang).InvoiceLine),
			"1000.06", 2, fm.eur)
		b.total(names[4], "B12", b.sumColumn(names[4], arOpenBase, 2, 3, 0, ""), "1881")
		b.formula(names[5], "B6", `COUNTIF($G$2:$G$3,">0")`, "1", 0, "#1")
		b.text(names[6], "B2", "Harvest export stalled")
		b.text(names[7], "C3", "=e99")
		r := openBook(t, func(w io.Writer) error { return WriteReconciliationExcel(w, p) })
		r.audit()
		r.row(labelsFor(lang).SheetReconciliation, 6, "Alpha GmbH", "EUR")
		r.value(labelsFor(lang).SheetReconciliation, "D6", "1000.06")
		r.value(labelsFor(lang).SheetReconciliation, "G6", "211.25")
		r.value(labelsFor(lang).SheetReconciliation, "I6", "11.25")
	}
}

// TestLoadPackNoKPIs names the month the warehouse has no figures for.
func TestLoadPackNoKPIs(t *testing.T) {
	w := packScenario(t)
	_, err := LoadPack(context.Background(), w.DB, PackOptions{BaseCurrency: "EUR", Lang: "en", Month: rawtest.Date("2025-06-01")})
	if err == nil || err.Error() != "reports: the warehouse has no KPIs for 2025-06: its data covers no issued invoice up to that month, or the last run was before it" {
		t.Errorf("error %v", err)
	}
}
