//go:build duckdb_arrow

package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/extract/xero/xerotest"
	"github.com/takt-billing/takt/internal/demo"
)

// staleAfterDays is the demo configuration's age of stale work (the
// default).
const staleAfterDays = 60

// exceptionKey is how an exception is compared with the ground truth:
// kind, records, amount and currency; a budget overrun by its project.
func exceptionKey(e exceptionJSON) string {
	if e.Kind == "over_budget" {
		return e.Kind + " " + e.ProjectCode + " " + e.Currency
	}
	return e.Kind + " " + strings.Join(e.SourceIDs, ",") + " " + e.Amount + " " + e.Currency
}

// plantedExceptions are the exceptions the demo's planted defects must
// raise, and nothing else: the work billed twice, the rates that differ
// from the rate card, the entry changed after billing (valued at the rate
// it was billed at, read from the warehouse), the milestone not invoiced,
// the budget overrun without an approved change request, and the
// forgotten work older than the stale age (per project, month and
// currency).
func plantedExceptions(t *testing.T, dir string, c *demo.Company) []string {
	t.Helper()
	truth := c.Truth
	var want []string
	for _, d := range truth.DoubleBilled {
		want = append(want, "double_billed "+d.OriginalID+","+d.DuplicateID+" "+d.Amount.StringFixed(2)+" "+d.Currency)
	}
	for _, r := range truth.RateMismatches {
		want = append(want, "rate_mismatch "+r.EntryID+" "+r.Amount.StringFixed(2)+" "+r.Currency)
	}
	wh, err := openDemoWarehouse(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	for _, ch := range truth.ChangedAfterBilling {
		var rate, cur string
		if err := wh.DB.QueryRow(`SELECT entry_rate::VARCHAR, currency FROM core.time_entries WHERE entry_id = $1`, ch.EntryID).Scan(&rate, &cur); err != nil {
			t.Fatalf("changed entry %s: %v", ch.EntryID, err)
		}
		amount := ch.CurrentHours.Sub(ch.BilledHours).Mul(decimal.RequireFromString(rate)).Round(2)
		want = append(want, "changed_after_billing "+ch.EntryID+" "+amount.StringFixed(2)+" "+cur)
	}
	for _, m := range truth.MilestonesNotInvoiced {
		want = append(want, "milestone_not_invoiced "+m.ID+" "+m.Amount.StringFixed(2)+" "+m.Currency)
	}
	for _, o := range truth.BudgetOverruns {
		if o.HasApprovedChangeRequest {
			continue
		}
		var cur string
		if err := wh.DB.QueryRow(`SELECT currency FROM core.projects WHERE project_code = $1`, o.ProjectCode).Scan(&cur); err != nil {
			t.Fatal(err)
		}
		want = append(want, "over_budget "+o.ProjectCode+" "+cur)
	}
	type group struct {
		items  []demo.UnbilledItem
		amount decimal.Decimal
	}
	groups := map[string]*group{}
	for _, u := range truth.Unbilled {
		if int(truth.AsOf.Sub(u.WorkDate).Hours()/24) <= staleAfterDays {
			continue
		}
		k := u.ProjectCode + " " + u.WorkDate.Format("2006-01") + " " + u.Currency
		if groups[k] == nil {
			groups[k] = &group{}
		}
		groups[k].items = append(groups[k].items, u)
		groups[k].amount = groups[k].amount.Add(u.Amount)
	}
	for _, g := range groups {
		slices.SortFunc(g.items, func(a, b demo.UnbilledItem) int {
			return cmp.Or(a.WorkDate.Compare(b.WorkDate), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.SourceID, b.SourceID))
		})
		var ids []string
		for _, it := range g.items {
			ids = append(ids, it.SourceID)
		}
		want = append(want, "stale_unbilled "+strings.Join(ids, ",")+" "+g.amount.StringFixed(2)+" "+g.items[0].Currency)
	}
	if len(groups) == 0 {
		t.Errorf("the demo has no work older than %d days: the stale_unbilled check tests nothing", staleAfterDays)
	}
	return want
}

// The budget overrun names the hours beyond the budget.
func TestDemoOverBudgetNamesTheExcess(t *testing.T) {
	dir, company := demoWarehouse(t)
	var exc []exceptionJSON
	if err := json.Unmarshal(cli(t, "exceptions", "--config", filepath.Join(dir, "takt.yaml"), "--format", "json"), &exc); err != nil {
		t.Fatal(err)
	}
	o := company.Truth.BudgetOverruns[0]
	excess := o.ApprovedHours.Sub(o.BudgetHours).StringFixed(2) + " h"
	found := false
	for _, e := range exc {
		if e.Kind == "over_budget" {
			found = true
			if e.ProjectCode != o.ProjectCode || !strings.Contains(e.Reason, excess) || !strings.Contains(e.Reason, o.ApprovedHours.StringFixed(2)+" approved hours") {
				t.Errorf("over_budget %s: %s; want project %s with %s beyond", e.ProjectCode, e.Reason, o.ProjectCode, excess)
			}
		}
	}
	if !found {
		t.Errorf("no over_budget exception")
	}
}

// copyDemo copies the demo warehouse and configuration into a folder of
// its own, so that billing runs do not change what other tests read, and
// points it at Xero's address. The demo's configuration has the billing
// section: the firm's VAT id and 2 % Skonto within 10 days.
func copyDemo(t *testing.T, dir, xeroURL, tokenURL string) string {
	t.Helper()
	out := t.TempDir()
	for _, f := range []string{"takt.duckdb", "takt.duckdb.wal"} {
		src, err := os.Open(filepath.Join(dir, f))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		dst, err := os.Create(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(dst, src); err != nil {
			t.Fatal(err)
		}
		src.Close()
		dst.Close()
	}
	b, err := os.ReadFile(filepath.Join(dir, "takt.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := regexp.MustCompile(`(?m)^(  xero:\n    base_url: ).*\n(    token_url: ).*$`).ReplaceAllString(string(b), "${1}"+xeroURL+"\n${2}"+tokenURL)
	if err := os.WriteFile(filepath.Join(out, "takt.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(out, "takt.yaml")
}

// A billing run of the demo's last month bills exactly its unbilled work
// (or proposes it for write-off), keeps the CLI's JSON contract, goes
// through approval by a second person and lands in Xero as drafts; then
// nothing is left unbilled and the audit trail verifies.
func TestDemoBillingRunToXero(t *testing.T) {
	dir, company := demoWarehouse(t)
	srv := xerotest.NewWritableServer(xerotest.Dataset{}, xerotest.Options{ClientID: demoXeroClient, ClientSecret: demoXeroSecret,
		TenantID: demoXeroTenant}, xerotest.WriteOptions{})
	defer srv.Close()
	cfg := copyDemo(t, dir, srv.URL, srv.TokenURL())
	period := company.AsOf.Format("2006-01")

	// With --log-level debug the log names each step of the build with
	// its time (a "seconds" number; the bench reads the values).
	var out, logs bytes.Buffer
	if code, err := runCLI(&out, &logs, "billing-run", "create", "--config", cfg, "--period", period, "--by", "anna", "--format", "json",
		"--log-level", "debug", "--log-format", "json"); err != nil || code != 0 {
		t.Fatalf("billing-run create: exit %d: %v\n%s", code, err, logs.String())
	}
	var steps []string
	for line := range strings.Lines(logs.String()) {
		var rec struct {
			Msg     string   `json:"msg"`
			Step    string   `json:"step"`
			Seconds *float64 `json:"seconds"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "billing run step" && rec.Seconds != nil {
			steps = append(steps, rec.Step)
		}
	}
	if want := []string{"stage_work", "read_work", "sum_plain_lines", "fingerprint_invoices", "read_budgets_vat_fx", "build", "store",
		"read_back_items", "audit", "commit"}; !slices.Equal(steps, want) {
		t.Errorf("logged steps %v, want %v\n%s", steps, want, logs.String())
	}
	var run map[string]any
	if err := json.Unmarshal(out.Bytes(), &run); err != nil {
		t.Fatal(err)
	}
	if run["id"] != "BR-"+period+"-01" || run["period"] != period || run["status"] != "draft" || run["created_by"] != "anna" {
		t.Fatalf("run: id %v period %v status %v created_by %v", run["id"], run["period"], run["status"], run["created_by"])
	}
	billed := map[string]bool{}
	invoices := run["invoices"].([]any)
	customers := map[string]bool{}
	for _, x := range invoices {
		inv := x.(map[string]any)
		key := fmt.Sprint(inv["customer"], " ", inv["currency"])
		if customers[key] {
			t.Errorf("two invoices for %s", key)
		}
		customers[key] = true
		for _, k := range []string{"net", "tax", "gross"} {
			if s, ok := inv[k].(string); !ok || !fixedDecimals.MatchString(s) {
				t.Errorf("%s: %s = %#v, want a string with fixed decimals", key, k, inv[k])
			}
		}
		net, tax, gross := decimal.RequireFromString(inv["net"].(string)), decimal.RequireFromString(inv["tax"].(string)), decimal.RequireFromString(inv["gross"].(string))
		if !net.Add(tax).Equal(gross) {
			t.Errorf("%s: net %s + tax %s != gross %s", key, net, tax, gross)
		}
		rc, ok := inv["reverse_charge"].(bool)
		if !ok || (rc && !tax.IsZero()) {
			t.Errorf("%s: reverse_charge %v with tax %s", key, inv["reverse_charge"], tax)
		}
		if notes, ok := inv["notes"].([]any); !ok || len(notes) == 0 {
			t.Errorf("%s: no notes", key)
		} else if rc && !strings.Contains(notes[0].(string), "Steuerschuldnerschaft des Leistungsempfängers") {
			t.Errorf("%s: reverse charge without its legal note: %v", key, notes)
		}
		if _, err := time.Parse(time.DateOnly, fmt.Sprint(inv["due_date"])); err != nil {
			t.Errorf("%s: due_date %v", key, inv["due_date"])
		}
		sum := decimal.Zero
		for _, list := range []string{"lines", "write_offs"} {
			for _, y := range inv[list].([]any) {
				l := y.(map[string]any)
				for _, k := range []string{"description", "amount", "tax_rate", "source_ids"} {
					if _, ok := l[k]; !ok {
						t.Errorf("%s: line without %s", key, k)
					}
				}
				if _, ok := l["hours"]; !ok {
					t.Errorf("%s: line without hours", key)
				}
				for _, id := range l["source_ids"].([]any) {
					billed[l["kind"].(string)+" "+id.(string)] = true
				}
				if list == "lines" {
					sum = sum.Add(decimal.RequireFromString(l["amount"].(string)))
				}
			}
		}
		if !sum.Equal(net) {
			t.Errorf("%s: lines add up to %s, net is %s", key, sum, net)
		}
	}
	want := map[string]bool{}
	for _, u := range company.Truth.Unbilled {
		want[u.Kind+" "+u.SourceID] = true
	}
	for _, m := range company.Truth.MilestonesNotInvoiced {
		want["milestone "+m.ID] = true
	}
	var missing, extra []string
	for k := range want {
		if !billed[k] && !billed[strings.Replace(k, "time ", "write_off ", 1)] {
			missing = append(missing, k)
		}
	}
	for k := range billed {
		if !want[k] && !want[strings.Replace(k, "write_off ", "time ", 1)] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("the run misses %v and bills %v beyond the unbilled work", missing, extra)
	}

	id := run["id"].(string)
	if code, err := runCLIStrings("billing-run", "approve", id, "--config", cfg, "--by", "anna"); code == 0 || err == nil || !strings.Contains(err.Error(), "segregation of duties") {
		t.Errorf("the creator approved: exit %d %v", code, err)
	}
	cli(t, "billing-run", "approve", id, "--config", cfg, "--by", "bert")
	cli(t, "billing-run", "export", id, "--config", cfg, "--by", "bert", "--to", "xero")
	// Up to 50 invoices go in one request.
	if n, w := len(srv.Created()), srv.Writes(); n != len(invoices) || w != int64((len(invoices)+49)/50) {
		t.Errorf("Xero holds %d drafts for %d invoices, after %d requests", n, len(invoices), w)
	}
	var shown map[string]any
	if err := json.Unmarshal(cli(t, "billing-run", "show", id, "--config", cfg, "--format", "json"), &shown); err != nil {
		t.Fatal(err)
	}
	if shown["status"] != "exported" {
		t.Errorf("after export: %v", shown["status"])
	}
	var unbilled []unbilledJSON
	if err := json.Unmarshal(cli(t, "unbilled", "--config", cfg, "--format", "json"), &unbilled); err != nil {
		t.Fatal(err)
	}
	if len(unbilled) != 0 {
		t.Errorf("%d items unbilled after the export, e.g. %+v", len(unbilled), unbilled[0])
	}
	var verify map[string]any
	if err := json.Unmarshal(cli(t, "audit", "verify", "--config", cfg, "--format", "json"), &verify); err != nil {
		t.Fatal(err)
	}
	if verify["ok"] != true || verify["exported_runs"].(float64) != 1 {
		t.Errorf("audit verify: %v", verify)
	}
}

func runCLIStrings(args ...string) (int, error) {
	var out, errOut bytes.Buffer
	return runCLI(&out, &errOut, args...)
}
