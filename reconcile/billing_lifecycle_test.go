//go:build duckdb_arrow

package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/extract/httpapi"
	"github.com/takt-billing/takt/extract/xero"
	"github.com/takt-billing/takt/extract/xero/xerotest"
	"github.com/takt-billing/takt/internal/dbtest"
	"github.com/takt-billing/takt/internal/rawtest"
	"github.com/takt-billing/takt/transform"
)

func queryStrings(t *testing.T, w *rawtest.Warehouse, q string, args ...any) []string {
	t.Helper()
	return dbtest.Strings(t, w.DB, q, args...)
}

// Creator and approver differ; an edit after approval voids it, and the
// editor cannot approve either; the export to Xero survives a lost answer
// without a second invoice, and only then is the work billed.
func TestRunLifecycleAndXeroExport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := billingScenario(t)
	s := testSettings()
	run := createScenarioRun(t, w, "anna")

	if _, err := ApproveRun(ctx, w.DB, s, run.ID, "anna", clock()); !errors.Is(err, ErrSameUser) {
		t.Fatalf("creator approves: %v", err)
	}
	// A clock finer than the database's microseconds: the run returned
	// is still the run a later read gives.
	approved, err := ApproveRun(ctx, w.DB, s, run.ID, "bert", func() time.Time { return rawtest.Time("2026-04-01T08:30:00.123456789Z") })
	if err != nil {
		t.Fatal(err)
	}
	if stored, err := LoadRun(ctx, w.DB, run.ID); err != nil {
		t.Fatal(err)
	} else if !reflect.DeepEqual(approved, stored) || stored.Status != StatusApproved || stored.ApprovedBy != "bert" ||
		!stored.ApprovedAt.Equal(rawtest.Time("2026-04-01T08:30:00.123456Z")) {
		t.Errorf("approve returned %+v\nthe stored run is %+v", approved, stored)
	}
	lineID := run.Invoices[0].Lines[0].ID
	amount := decimal.RequireFromString("280.00")
	if _, err := EditLine(ctx, w.DB, s, run.ID, lineID, LineEdit{Amount: &amount}, "carl", "", clock()); !errors.Is(err, ErrNoReason) {
		t.Fatalf("edit without reason: %v", err)
	}
	edited, err := EditLine(ctx, w.DB, s, run.ID, lineID, LineEdit{Amount: &amount}, "carl", "goodwill discount agreed with the customer", clock())
	if err != nil {
		t.Fatal(err)
	}
	a := edited.Invoices[0]
	if edited.Status != StatusDraft || edited.ApprovedBy != "" {
		t.Errorf("after an edit the run is %s approved by %q; the approval must be void", edited.Status, edited.ApprovedBy)
	}
	// 280.00 + 400.00 + 4.50 = 684.50; VAT 130.055 -> 130.06; gross 814.56.
	if summary(a) != "Alpha GmbH EUR domestic net 684.50 tax 130.06 gross 814.56 due 2026-04-30 skonto 2.00% 16.29 until 2026-04-10" {
		t.Errorf("after the edit: %s", summary(a))
	}
	if !a.Lines[0].ManuallyChanged || len(edited.Adjustments) != 1 || edited.Adjustments[0].Reason != "goodwill discount agreed with the customer" {
		t.Errorf("adjustment not kept: %+v", edited.Adjustments)
	}
	if _, err := ApproveRun(ctx, w.DB, s, run.ID, "carl", clock()); !errors.Is(err, ErrSameUser) {
		t.Fatalf("editor approves: %v", err)
	}
	if _, err := ApproveRun(ctx, w.DB, s, run.ID, "dora", clock()); err != nil {
		t.Fatal(err)
	}

	// Xero answers the request with the five invoices only after the
	// client gave up: the retry carries the same Idempotency-Key and gets
	// the same invoices.
	srv := xerotest.NewWritableServer(xerotest.Dataset{}, xerotest.Options{}, xerotest.WriteOptions{StallWrites: 1, Stall: 3 * time.Second})
	defer srv.Close()
	client := httpapi.New(nil)
	client.HTTP.Timeout = 400 * time.Millisecond
	client.BaseDelay = 10 * time.Millisecond
	sender := testXeroSender(t, srv, client)
	res, err := ExportToAccounting(ctx, w.DB, s, run.ID, sender, "dora", clock())
	if err != nil {
		t.Fatal(err)
	}
	// One request carries the five invoices; its answer is lost once.
	created := srv.Created()
	if len(created) != 5 || srv.Stalls() != 1 || srv.Writes() != 2 || res.Requests != 1 {
		t.Fatalf("Xero holds %d documents after %d writes (%d stalled, %d requests); want 5 after 2 writes, 1 stalled, 1 request",
			len(created), srv.Writes(), srv.Stalls(), res.Requests)
	}
	var got []string
	for _, c := range created {
		got = append(got, c.Number+" "+c.Status+" "+c.Currency+" "+c.Total.StringFixed(2))
	}
	dbtest.Lines(t, "Xero drafts", got, []string{
		"TK-2026-0001 DRAFT EUR 814.56",
		"TK-2026-0002 DRAFT EUR 240.00",
		"TK-2026-0003 DRAFT EUR 142.80",
		"TK-2026-0004 DRAFT USD 375.00",
		"TK-2026-0005 DRAFT EUR 7378.00",
	})
	if res.Run.Status != StatusExported || len(res.Exported) != 5 {
		t.Fatalf("after export: %s, %d exported", res.Run.Status, len(res.Exported))
	}
	// The work is billed now: nothing is left as of the period's end, and
	// b3's hour beyond the budget is closed by the write-off.
	items, err := Unbilled(ctx, w.DB, scenarioAsOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 0 {
		t.Errorf("unbilled after export: %+v", items)
	}
	if got := queryStrings(t, w, `SELECT item_key || ' ' || doc_type || ' ' || quantity::VARCHAR FROM billing.ledger WHERE item_key LIKE 'time:b%' ORDER BY item_key, doc_type`); strings.Join(got, ",") !=
		"time:b2 invoice 3.0000,time:b3 invoice 1.0000,time:b3 write_off 1.0000" {
		t.Errorf("ledger of b2, b3: %v", got)
	}
	if n := queryStrings(t, w, `SELECT count(*)::VARCHAR FROM billing.claims`); n[0] != "0" {
		t.Errorf("%s claims left after export", n[0])
	}
	// Exported runs are never changed or exported twice.
	if _, err := EditLine(ctx, w.DB, s, run.ID, lineID, LineEdit{Amount: &amount}, "carl", "again", clock()); !errors.Is(err, ErrStatus) {
		t.Errorf("edit of an exported run: %v", err)
	}
	if err := DiscardRun(ctx, w.DB, run.ID, "carl", "oops", clock()); !errors.Is(err, ErrStatus) {
		t.Errorf("discard of an exported run: %v", err)
	}
	if _, err := ExportToAccounting(ctx, w.DB, s, run.ID, sender, "dora", clock()); !errors.Is(err, ErrStatus) {
		t.Errorf("second export: %v", err)
	}
	if len(srv.Created()) != 5 {
		t.Errorf("a second export created documents")
	}
	rep, err := VerifyAudit(ctx, w.DB)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Exported != 1 {
		t.Errorf("audit: %+v", rep)
	}
	actions := queryStrings(t, w, `SELECT action || ' ' || actor FROM audit.log ORDER BY seq`)
	dbtest.Lines(t, "audit trail", actions, []string{
		"run_created anna", "run_approved bert", "approval_voided carl", "run_adjusted_edit_line carl", "run_approved dora",
		"export_started dora", "invoice_exported dora", "invoice_exported dora", "invoice_exported dora", "invoice_exported dora",
		"invoice_exported dora", "run_exported dora",
	})
}

// A request whose answer is lost and that Xero never saw (the server is
// down) leaves nothing of its batch billed; the batches answered before
// stay recorded, and the resumed export sends the rest in the same
// batches with the same keys.
func TestExportFailureMarksNothingBilled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, s, run := approvedScenarioRun(t)
	var failedKey string
	failing := batchSender{size: 2, send: func(batch []Invoice, key string) ([]Sent, error) {
		if batch[0].Position == 3 {
			failedKey = key
			return nil, errors.New("connection refused")
		}
		return sentAll(batch), nil
	}}
	if _, err := ExportToAccounting(ctx, w.DB, s, run.ID, failing, "bert", clock()); err == nil ||
		!strings.Contains(err.Error(), "invoices TK-2026-0003 to TK-2026-0004: connection refused; nothing of it is marked billed") {
		t.Fatalf("export: %v", err)
	}
	got := queryStrings(t, w, `SELECT DISTINCT invoice_number FROM billing.ledger ORDER BY 1`)
	if strings.Join(got, ",") != "TK-2026-0001,TK-2026-0002" {
		t.Errorf("billed after the failure: %v", got)
	}
	r, _ := LoadRun(ctx, w.DB, run.ID)
	if r.Status != StatusApproved || r.Invoices[2].Number != "TK-2026-0003" || r.Invoices[2].IdempotencyKey == "" {
		t.Errorf("after the failure: %s %s %q", r.Status, r.Invoices[2].Number, r.Invoices[2].IdempotencyKey)
	}
	var keys, numbers []string
	resumed := batchSender{size: 2, send: func(batch []Invoice, key string) ([]Sent, error) {
		keys = append(keys, key)
		for _, inv := range batch {
			numbers = append(numbers, inv.Number)
		}
		return sentAll(batch), nil
	}}
	res, err := ExportToAccounting(ctx, w.DB, s, run.ID, resumed, "bert", clock())
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0] != failedKey || strings.Join(numbers, ",") != "TK-2026-0003,TK-2026-0004,TK-2026-0005" ||
		len(res.Skipped) != 2 || res.Run.Status != StatusExported {
		t.Errorf("resumed export: keys %v (want %s first), sent %v, skipped %v, %s", keys, failedKey, numbers, res.Skipped, res.Run.Status)
	}
	// A batch of one goes with the invoice's own key.
	if r.Invoices[4].IdempotencyKey != keys[1] {
		t.Errorf("the last batch went with key %s, not the invoice's %s", keys[1], r.Invoices[4].IdempotencyKey)
	}
}

// A document Xero refuses (an invoice the organisation already has took
// its number) is reported with Xero's reason; the others of its request
// are created and billed, the run stays approved, and once the cause is
// gone the resumed export sends only that document.
func TestExportRefusedDocumentIsReported(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, s, run := approvedScenarioRun(t)
	taken := json.RawMessage(`{"Type":"ACCREC","InvoiceID":"x-1","InvoiceNumber":"TK-2026-0003","UpdatedDateUTC":"/Date(1552326816230+0000)/"}`)
	srv := xerotest.NewWritableServer(xerotest.Dataset{"Invoices": {taken}}, xerotest.Options{}, xerotest.WriteOptions{})
	defer srv.Close()
	res, err := ExportToAccounting(ctx, w.DB, s, run.ID, testXeroSender(t, srv, nil), "dora", clock())
	if err == nil || !strings.Contains(err.Error(), "refused 1 document(s), TK-2026-0003 (Charlie SAS): Invoice # must be unique: TK-2026-0003 already exists; the other 4 were created") {
		t.Fatalf("export: %v", err)
	}
	if len(srv.Created()) != 4 || srv.Writes() != 1 || res.Run.Status != StatusApproved || len(res.Refused) != 1 || res.Refused[0].Number != "TK-2026-0003" {
		t.Fatalf("%d created in %d writes; run %s; refused %+v", len(srv.Created()), srv.Writes(), res.Run.Status, res.Refused)
	}
	got := queryStrings(t, w, `SELECT DISTINCT invoice_number FROM billing.ledger ORDER BY 1`)
	if strings.Join(got, ",") != "TK-2026-0001,TK-2026-0002,TK-2026-0004,TK-2026-0005" {
		t.Errorf("billed after the refusal: %v", got)
	}
	// The organisation's own invoice was renumbered: the number is free.
	fixed := xerotest.NewWritableServer(xerotest.Dataset{}, xerotest.Options{}, xerotest.WriteOptions{})
	defer fixed.Close()
	res, err = ExportToAccounting(ctx, w.DB, s, run.ID, testXeroSender(t, fixed, nil), "dora", clock())
	if err != nil {
		t.Fatal(err)
	}
	if c := fixed.Created(); len(c) != 1 || c[0].Number != "TK-2026-0003" || res.Run.Status != StatusExported || len(res.Skipped) != 4 {
		t.Errorf("resumed: created %+v, run %s, skipped %d", c, res.Run.Status, len(res.Skipped))
	}
}

// A refusal is recorded with the answer that brought it: on resuming,
// the invoices are split into the batches of the first attempt, a batch
// whose answer was lost goes again with its key (Xero answers it from
// its records), and the refused document goes with a new key each time
// (Xero would answer the old one with the old refusal).
func TestExportResumedAfterARefusalKeepsTheBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, s, run := approvedScenarioRun(t)
	type request struct{ numbers, key string }
	var requests []request
	export := func(answer func(numbers string) ([]Sent, error)) error {
		sender := batchSender{size: 2, send: func(batch []Invoice, key string) ([]Sent, error) {
			var numbers []string
			for _, inv := range batch {
				numbers = append(numbers, inv.Number)
			}
			requests = append(requests, request{strings.Join(numbers, ","), key})
			return answer(strings.Join(numbers, ","))
		}}
		_, err := ExportToAccounting(ctx, w.DB, s, run.ID, sender, "dora", clock())
		return err
	}
	taken := Sent{Refused: "Invoice # must be unique"}
	// First attempt: 2 is refused, the answer for 3 and 4 is lost.
	err := export(func(numbers string) ([]Sent, error) {
		switch numbers {
		case "TK-2026-0001,TK-2026-0002":
			return []Sent{{ExternalID: "X-1"}, taken}, nil
		case "TK-2026-0003,TK-2026-0004":
			return nil, errors.New("timeout")
		}
		t.Fatalf("first attempt sent %s", numbers)
		return nil, nil
	})
	if err == nil || !strings.Contains(err.Error(), "invoices TK-2026-0003 to TK-2026-0004: timeout") {
		t.Fatalf("first attempt: %v", err)
	}
	// Second attempt: 2 is refused again, the rest is created.
	err = export(func(numbers string) ([]Sent, error) {
		if numbers == "TK-2026-0002" {
			return []Sent{taken}, nil
		}
		var out []Sent
		for n := range strings.SplitSeq(numbers, ",") {
			out = append(out, Sent{ExternalID: "X-" + n})
		}
		return out, nil
	})
	if err == nil || !strings.Contains(err.Error(), "refused 1 document(s), TK-2026-0002") {
		t.Fatalf("second attempt: %v", err)
	}
	// Third attempt: 2 alone, created.
	if err := export(func(string) ([]Sent, error) { return []Sent{{ExternalID: "X-2"}}, nil }); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range requests {
		got = append(got, r.numbers)
	}
	if want := "TK-2026-0001,TK-2026-0002 TK-2026-0003,TK-2026-0004 TK-2026-0002 TK-2026-0003,TK-2026-0004 TK-2026-0005 TK-2026-0002"; strings.Join(got, " ") != want {
		t.Fatalf("requests %v, want %s", got, want)
	}
	stored, err := LoadRun(ctx, w.DB, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	own := stored.Invoices[1].IdempotencyKey
	keys := map[string]bool{}
	for _, r := range []request{requests[0], requests[2], requests[5]} {
		keys[r.key] = true
	}
	if requests[3].key != requests[1].key || requests[4].key != stored.Invoices[4].IdempotencyKey || len(keys) != 3 || keys[own] {
		t.Errorf("keys %+v: 3 and 4 must go again with their first key, 5 with its own, 2 with a new key each time (not its own %s)", requests, own)
	}
	if stored.Status != StatusExported || stored.Invoices[1].Refusals != 2 {
		t.Errorf("run %s, invoice 2 refused %d times", stored.Status, stored.Invoices[1].Refusals)
	}
	got = queryStrings(t, w, `SELECT invoice_id || ' ' || no || ' ' || reason FROM billing.refusals WHERE run_id = $1 ORDER BY no`, run.ID)
	id := stored.Invoices[1].ID
	if strings.Join(got, ";") != id+" 1 Invoice # must be unique;"+id+" 2 Invoice # must be unique" {
		t.Errorf("refusals %v", got)
	}
	got = queryStrings(t, w, `SELECT count(*)::VARCHAR FROM audit.log WHERE action = 'invoice_refused'`)
	if strings.Join(got, "") != "2" {
		t.Errorf("%v refusals in the audit trail, want 2", got)
	}
}

// approvedScenarioRun is the scenario's run, created by anna and
// approved by bert.
func approvedScenarioRun(t *testing.T) (*rawtest.Warehouse, Settings, *Run) {
	t.Helper()
	w := billingScenario(t)
	s := testSettings()
	run := createScenarioRun(t, w, "anna")
	if _, err := ApproveRun(context.Background(), w.DB, s, run.ID, "bert", clock()); err != nil {
		t.Fatal(err)
	}
	return w, s, run
}

// testXeroSender exports to the emulator srv through client (a default
// one if nil).
func testXeroSender(t *testing.T, srv *xerotest.WritableServer, client *httpapi.Client) XeroSender {
	t.Helper()
	if client == nil {
		client = httpapi.New(nil)
	}
	sender, err := xero.NewSender(xero.Config{BaseURL: srv.URL, TokenURL: srv.TokenURL(), ClientID: xerotest.DefaultClientID,
		ClientSecret: xerotest.DefaultClientSecret, TenantID: xerotest.DefaultTenantID, HTTP: client})
	if err != nil {
		t.Fatal(err)
	}
	return XeroSender{Sender: sender, Accounts: DefaultXeroAccounts}
}

// batchSender is an InvoiceSender whose requests carry up to size
// documents each; send answers a request.
type batchSender struct {
	size int
	send func(batch []Invoice, key string) ([]Sent, error)
}

func (b batchSender) Batches(r *Run, invs []Invoice) ([][]Invoice, error) {
	var out [][]Invoice
	for len(invs) > 0 {
		n := min(b.size, len(invs))
		out, invs = append(out, invs[:n]), invs[n:]
	}
	return out, nil
}

func (b batchSender) Send(ctx context.Context, r *Run, batch []Invoice, key string) ([]Sent, error) {
	return b.send(batch, key)
}

// sentAll answers every invoice of a batch as created.
func sentAll(batch []Invoice) []Sent {
	out := make([]Sent, len(batch))
	for i, inv := range batch {
		out[i] = Sent{ExternalID: "X-" + inv.Number}
	}
	return out
}

func exportCSV(t *testing.T, w *rawtest.Warehouse, runID, approver string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := ApproveRun(ctx, w.DB, testSettings(), runID, approver, clock()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), runID+".csv")
	if _, err := ExportToFile(ctx, w.DB, testSettings(), runID, TargetCSV, path, approver, clock()); err != nil {
		t.Fatal(err)
	}
	return path
}

// A partial credit note releases exactly the work it credits, once: the
// next run bills only that, and the same item cannot be credited twice.
func TestPartialCreditReleasesItsWorkOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := billingScenario(t)
	s := testSettings()
	run := createScenarioRun(t, w, "anna")
	path := exportCSV(t, w, run.ID, "bert")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "BR-2026-03-01,TK-2026-0001,invoice,2026-03-31,2026-04-30,hubspot:1,Alpha GmbH,DE,DE123456789,EUR,domestic,1,time,11,") {
		t.Errorf("CSV lacks Alpha's first line:\n%s", b)
	}

	cr, err := CreateCorrection(ctx, w.DB, s, CorrectionOptions{InvoiceNumber: "TK-2026-0001", Items: []string{"time:a2"},
		By: "anna", Reason: "a2 was an internal training", Now: clock()})
	if err != nil {
		t.Fatal(err)
	}
	if cr.Kind != KindCorrectionRun || len(cr.Invoices) != 1 {
		t.Fatalf("correction run: %+v", cr)
	}
	cn := cr.Invoices[0]
	// 1.3333 h x 110 = 146.663 -> 146.66; VAT 27.8654 -> 27.87.
	if cn.DocType != DocCreditNote || summary(cn) != "Alpha GmbH EUR domestic net 146.66 tax 27.87 gross 174.53 due 2026-03-31" ||
		cn.Corrects.Number != "TK-2026-0001" || invoiceLine(cn.Lines[0]) != "time 11 | 1.3333 x 110.00 = 146.66 @19% [a2]" {
		t.Errorf("credit note: %s corrects %+v, %s", summary(cn), cn.Corrects, invoiceLine(cn.Lines[0]))
	}
	if cn.Notes[0] != "Rechnungskorrektur zu Rechnung TK-2026-0001 vom 2026-03-31. / Credit note for invoice TK-2026-0001 of 2026-03-31. Grund / Reason: a2 was an internal training" {
		t.Errorf("credit note text: %q", cn.Notes[0])
	}
	// Until the credit note is exported a2 stays billed; a second open
	// correction of the same item is refused.
	if _, err := CreateCorrection(ctx, w.DB, s, CorrectionOptions{InvoiceNumber: "TK-2026-0001", Items: []string{"time:a2"}, By: "anna", Reason: "again"}); err == nil ||
		!strings.Contains(err.Error(), "another open correction run already credits time:a2 (run "+cr.ID+")") {
		t.Errorf("a second open correction of a2: %v", err)
	}
	exportCSV(t, w, cr.ID, "bert")

	items, err := Unbilled(ctx, w.DB, scenarioAsOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].SourceID != "a2" || items[0].Hours.StringFixed(4) != "1.3333" || items[0].Amount.StringFixed(2) != "146.66" {
		t.Fatalf("unbilled after the credit note: %+v", items)
	}
	if _, err := CreateCorrection(ctx, w.DB, s, CorrectionOptions{InvoiceNumber: "TK-2026-0001", Items: []string{"time:a2"}, By: "anna", Reason: "again"}); err == nil ||
		!strings.Contains(err.Error(), "already credited") {
		t.Errorf("crediting a2 twice: %v", err)
	}
	next, err := CreateRun(ctx, w.DB, s, CreateOptions{Period: rawtest.Date("2026-03-01"), By: "anna", Now: clock()})
	if err != nil {
		t.Fatal(err)
	}
	if len(next.Invoices) != 1 || len(next.Invoices[0].Lines) != 1 || invoiceLine(next.Invoices[0].Lines[0]) != "time 11 | 1.3333 x 110.00 = 146.66 @19% [a2]" {
		t.Errorf("next run bills %+v", next.Invoices)
	}
}

// A correction with a replacement credits the billed hours and bills them
// as they are now, in one run.
func TestCorrectionWithReplacement(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := billingScenario(t)
	s := testSettings()
	run := createScenarioRun(t, w, "anna")
	exportCSV(t, w, run.ID, "bert")
	cr, err := CreateCorrection(ctx, w.DB, s, CorrectionOptions{InvoiceNumber: "TK-2026-0002", Rebill: true, By: "anna",
		Reason: "wrong contact", Now: clock()})
	if err != nil {
		t.Fatal(err)
	}
	if len(cr.Invoices) != 2 || summary(cr.Invoices[0]) != "Bravo SARL EUR reverse_charge net 240.00 tax 0.00 gross 240.00 due 2026-03-31" ||
		cr.Invoices[1].DocType != DocInvoice || cr.Invoices[1].Gross.StringFixed(2) != "240.00" ||
		!strings.HasPrefix(cr.Invoices[1].Notes[0], "Ersetzt Rechnung TK-2026-0002 vom 2026-03-31") {
		t.Fatalf("correction: %+v", cr.Invoices)
	}
	exportCSV(t, w, cr.ID, "bert")
	got := queryStrings(t, w, `SELECT sum(quantity)::VARCHAR FROM billing.ledger WHERE item_key = 'time:c1'`)
	if got[0] != "2.0000" {
		t.Errorf("c1 is billed %s h after credit and replacement, want 2", got[0])
	}
}

// Two runs created at the same moment never share an item: the database
// lets one claim the work, the other finds nothing left.
func TestConcurrentRunsNeverShareWork(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := billingScenario(t)
	var wg sync.WaitGroup
	start := make(chan struct{})
	runs := make([]*Run, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			runs[i], errs[i] = CreateRun(ctx, w.DB, testSettings(), CreateOptions{Period: rawtest.Date("2026-03-01"), By: "anna"})
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for i := range 2 {
		switch {
		case errs[i] == nil:
			won++
		case !strings.Contains(errs[i].Error(), "nothing to bill") && !errors.Is(errs[i], ErrConflict):
			t.Errorf("loser failed unclearly: %v", errs[i])
		}
	}
	if won != 1 {
		t.Fatalf("%d runs were created (errors %v)", won, errs)
	}
	dup := queryStrings(t, w, `SELECT item_key FROM billing.line_items li JOIN billing.runs r USING (run_id)
		WHERE r.status <> 'discarded' GROUP BY item_key, li.line_id HAVING count(DISTINCT run_id) > 1`)
	if len(dup) > 0 {
		t.Errorf("items in two runs: %v", dup)
	}
	if n := queryStrings(t, w, `SELECT count(*)::VARCHAR FROM billing.claims`); n[0] != "12" {
		t.Errorf("claims = %s, want the 12 items of the scenario", n[0])
	}
	rep, err := VerifyAudit(ctx, w.DB)
	if err != nil || !rep.OK() || rep.Records != 1 {
		t.Errorf("audit after the race: %+v %v", rep, err)
	}
}

// Editing the warehouse behind takt's back is found: an altered, removed
// or reordered audit record, a record a table still refers to, and an
// exported run changed in place.
func TestAuditVerifyFindsTampering(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := billingScenario(t)
	run := createScenarioRun(t, w, "anna")
	exportCSV(t, w, run.ID, "bert")
	exc, err := Exceptions(ctx, w.DB)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Acknowledge(ctx, w.DB, exc[0].ID, "carl", "known; agreed with sales", clock()); err != nil {
		t.Fatal(err)
	}
	verify := func() AuditReport {
		t.Helper()
		rep, err := VerifyAudit(ctx, w.DB)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	// created, approved, export_started, 5 x invoice_exported, run_exported,
	// exception_acknowledged.
	if rep := verify(); !rep.OK() || rep.Records != 10 {
		t.Fatalf("untouched: %+v", rep)
	}
	exec := func(q string) {
		t.Helper()
		if _, err := w.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name, tamper, undo, want string
	}{
		{"altered", `UPDATE audit.log SET actor = 'mallory' WHERE seq = 3`, `UPDATE audit.log SET actor = 'bert' WHERE seq = 3`,
			"audit log: record 3 altered: its contents (export_started billing_run BR-2026-03-01 by mallory) do not match its hash"},
		{"removed", `CREATE TABLE keep AS SELECT * FROM audit.log WHERE seq = 4; DELETE FROM audit.log WHERE seq = 4`,
			`INSERT INTO audit.log SELECT * FROM keep; DROP TABLE keep`, "audit log: record 4 removed: the log jumps from record 3 to record 5"},
		{"reordered", `UPDATE audit.log SET seq = 100 WHERE seq = 5; UPDATE audit.log SET seq = 5 WHERE seq = 6; UPDATE audit.log SET seq = 6 WHERE seq = 100`,
			`UPDATE audit.log SET seq = 100 WHERE seq = 5; UPDATE audit.log SET seq = 5 WHERE seq = 6; UPDATE audit.log SET seq = 6 WHERE seq = 100`,
			"audit log: record 5 reordered: the record stored as 5 was written as record 6"},
		{"cut off", `CREATE TABLE keep AS SELECT * FROM audit.log WHERE seq = 10; DELETE FROM audit.log WHERE seq = 10`,
			`INSERT INTO audit.log SELECT * FROM keep; DROP TABLE keep`, "audit log: record 10 removed: acknowledgement " + exc[0].ID + " #1 refers to it, but the log ends at record 9"},
	}
	for _, c := range cases {
		exec(c.tamper)
		rep := verify()
		if rep.Chain == nil || rep.Chain.Error() != c.want {
			t.Errorf("%s: got %v, want %s", c.name, rep.Chain, c.want)
		}
		exec(c.undo)
		if rep := verify(); !rep.OK() {
			t.Fatalf("%s: undo left %+v", c.name, rep)
		}
	}
	exec(`UPDATE billing.lines SET amount = amount + 1 WHERE run_id = 'BR-2026-03-01' AND kind = 'time'`)
	rep := verify()
	if rep.Chain != nil || len(rep.Runs) != 1 || !strings.HasPrefix(rep.Runs[0], "BR-2026-03-01: its invoices or lines were changed after the export") {
		t.Errorf("run changed in place: %+v", rep)
	}
}

// A run dated after its period (March's run issued on 5 April) bills its
// work once: once exported, a second run for March finds nothing, because
// every invoice and credit note takt knows counts, whatever its date.
func TestRunDatedAfterItsPeriodBillsItsWorkOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := billingScenario(t)
	s := testSettings()
	march := rawtest.Date("2026-03-01")
	first, err := CreateRun(ctx, w.DB, s, CreateOptions{Period: march, By: "anna", InvoiceDate: rawtest.Date("2026-04-05"), Now: clock()})
	if err != nil {
		t.Fatal(err)
	}
	exportCSV(t, w, first.ID, "bert")
	again, err := CreateRun(ctx, w.DB, s, CreateOptions{Period: march, By: "anna", InvoiceDate: rawtest.Date("2026-04-06"), Now: clock()})
	if !errors.Is(err, ErrNothingToBill) {
		var billed []string
		if again != nil {
			for _, inv := range again.Invoices {
				for _, l := range inv.Lines {
					billed = append(billed, invoiceLine(l))
				}
			}
		}
		t.Fatalf("a second March run after %s was exported (dated 2026-04-05): %v, billing %q", first.ID, err, billed)
	}
}

// A customer whose work in a run is all beyond the budget gets no
// invoice, only a write-off proposal; exporting the run accepts it, so the
// work is not proposed again. In April, b4 (1 h) lands on Alpha audit,
// whose 10 h budget March's run used up (4 h billed, 1 h written off).
func TestWriteOffWithoutInvoiceIsRecordedOnExport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := billingScenario(t)
	s := testSettings()
	march := createScenarioRun(t, w, "anna")
	exportCSV(t, w, march.ID, "bert")

	later, err := w.Loader.StartRun(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	w.RunID = later
	u := rawtest.Time("2026-04-02T18:00:00Z")
	w.Put("harvest", "time_entries", []any{"b4", u, u, rawtest.Date("2026-04-02"), "7", "100", "1200", "50", rawtest.D("1"), nil, "work b4",
		false, nil, true, false, true, rawtest.D("100"), nil, nil, nil, nil, nil})
	settings := scenarioSettings()
	settings.AsOf = rawtest.Date("2026-04-30")
	if err := transform.Run(ctx, w.Warehouse, later, settings, nil); err != nil {
		t.Fatal(err)
	}
	april := rawtest.Date("2026-04-01")
	run, err := CreateRun(ctx, w.DB, s, CreateOptions{Period: april, By: "anna", InvoiceDate: rawtest.Date("2026-04-30"), Now: clock()})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Invoices) != 1 || len(run.Invoices[0].Lines) != 0 || len(run.Invoices[0].WriteOffs) != 1 ||
		invoiceLine(run.Invoices[0].WriteOffs[0]) != "write_off 12 | 1.0000 x 100.00 = 100.00 @19% [b4]" {
		t.Fatalf("April run: %+v", run.Invoices)
	}
	exportCSV(t, w, run.ID, "bert")
	got := queryStrings(t, w, `SELECT doc_type || ' ' || quantity::VARCHAR || ' ' || invoice_number || '|' FROM billing.ledger WHERE item_key = 'time:b4'`)
	if len(got) != 1 || got[0] != "write_off 1.0000 |" {
		t.Errorf("ledger of b4 after the export: %q", got)
	}
	if _, err := CreateRun(ctx, w.DB, s, CreateOptions{Period: april, By: "anna", InvoiceDate: rawtest.Date("2026-04-30"), Now: clock()}); !errors.Is(err, ErrNothingToBill) {
		t.Errorf("a second April run after the write-off was exported: %v", err)
	}
}
