//go:build duckdb_arrow

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// copyDemoWarehouse copies the demo's warehouse, so incident tests write
// to a warehouse with the demo's people and customers without touching
// the one the other end-to-end tests read.
func copyDemoWarehouse(t *testing.T) (cfg string, person string) {
	t.Helper()
	dir, company := demoWarehouse(t)
	dst := t.TempDir()
	for _, name := range []string{"takt.duckdb", "takt.duckdb.wal"} {
		src, err := os.Open(filepath.Join(dir, name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(filepath.Join(dst, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, src); err != nil {
			t.Fatal(err)
		}
		src.Close()
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
	}
	cfg = filepath.Join(dst, "takt.yaml")
	conf := `company: {name: Nordlicht Consulting GmbH, base_currency: EUR, home_country: DE, vat_rates: {standard: "19"}}
sources: {files: {dir: imports}}
incidents:
  follow_up_roles: [Controller, Billing Lead, Data Engineer]
`
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	var u struct {
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
	}
	if err := json.Unmarshal(company.Harvest["users"][0], &u); err != nil {
		t.Fatal(err)
	}
	return cfg, u.FirstName + " " + u.LastName
}

// incidentCLI runs takt and returns stdout and stderr; it fails the test
// unless the command succeeds.
func incidentCLI(t *testing.T, args ...string) (string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if code, err := runCLI(&out, &errOut, append(args, "--log-level", "warn")...); err != nil || code != 0 {
		t.Fatalf("takt %s: exit %d: %v\n%s", strings.Join(args, " "), code, err, errOut.String())
	}
	return out.String(), errOut.String()
}

func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, s)
	}
	return v
}

func TestIncidentCommandsRoundTrip(t *testing.T) {
	cfg, person := copyDemoWarehouse(t)
	c := "--config"

	// Whatever the demo's run opened, it opened on its own, as drafts.
	before := decode[[]incidentSummaryJSON](t, first(incidentCLI(t, "incident", "list", c, cfg, "--format", "json")))
	n := len(before)
	for _, b := range before {
		if b.Origin != "automatic" || b.Status != "draft" {
			t.Fatalf("the demo's run left %+v", b)
		}
	}

	blame := person + " did not approve the timesheets before the run"
	out, stderr := incidentCLI(t, "incident", "open", c, cfg, "--format", "json", "--by", "controller",
		"--title", "March pack showed unbilled work that was already invoiced", "--severity", "SEV2",
		"--detected-by", "monthly pack job", "--detected-by-kind", "schedule", "--detected-at", "2026-04-01 07:30",
		"--impact", "The management pack overstated unbilled work by 4,200.00 EUR",
		"--trigger", "Invoices approved after the extract were not reloaded before the pack job",
		"--cause", blame, "--cause", "The pack job does not check the age of the last successful run",
		"--safeguard-worked", "The controller's review of the unbilled total against last month",
		"--safeguard-missing", "A freshness check before the pack job",
		"--follow-up", "Block the pack job when the last run is older than 6 hours", "--owner-role", "data engineer", "--due", "2026-04-15",
		"--follow-up", "Add a freshness line to the pack's summary", "--owner-role", "Controller", "--due", "2026-04-30",
		"--month", "2026-03", "--link", "invoice:INV-0042", "--link", "billing_run:BR-2026-03-1", "--link", "pipeline_run:1")
	inc := decode[incidentJSON](t, out)
	id := inc.ID
	if inc.Title != "March pack showed unbilled work that was already invoiced" || inc.Severity != "SEV2" || inc.Status != "open" ||
		inc.Origin != "manual" || inc.DetectedAt != "2026-04-01T07:30:00Z" || inc.DetectedBy.Kind != "schedule" ||
		inc.DetectedBy.Name != "monthly pack job" || inc.ClosedAt != nil || inc.Trigger != "Invoices approved after the extract were not reloaded before the pack job" ||
		inc.CustomerImpact != "The management pack overstated unbilled work by 4,200.00 EUR" || !inc.HistoryVerified {
		t.Fatalf("opened: %+v", inc)
	}
	// The cause that names a person is kept word for word, and flagged.
	if len(inc.ContributingCauses) != 2 || inc.ContributingCauses[0].Text != blame ||
		len(inc.ContributingCauses[0].PersonMentions) != 1 || inc.ContributingCauses[0].PersonMentions[0].Person != person ||
		len(inc.ContributingCauses[1].PersonMentions) != 0 {
		t.Fatalf("causes: %+v", inc.ContributingCauses)
	}
	if len(inc.BlamelessFlags) != 1 || inc.BlamelessFlags[0].Field != "contributing_cause" ||
		!reflect.DeepEqual(inc.BlamelessFlags[0].People, []string{person}) ||
		!strings.HasPrefix(inc.BlamelessFlags[0].Prompt, "This names "+person+" ("+person+" in Harvest). Blameless reviews describe the conditions") {
		t.Fatalf("flags: %+v", inc.BlamelessFlags)
	}
	if !strings.Contains(stderr, "takt: a note on contributing cause: This names "+person) {
		t.Fatalf("stderr does not show the prompt: %q", stderr)
	}
	if len(inc.Safeguards.Worked) != 1 || len(inc.Safeguards.Missing) != 1 ||
		!reflect.DeepEqual(inc.FollowUps, []followUpJSON{
			{1, "Block the pack job when the last run is older than 6 hours", "Data Engineer", "2026-04-15", "open", true},
			{2, "Add a freshness line to the pack's summary", "Controller", "2026-04-30", "open", true},
		}) {
		t.Fatalf("safeguards and follow-ups: %+v %+v", inc.Safeguards, inc.FollowUps)
	}
	if !reflect.DeepEqual(inc.Links.KPIMonths, []string{"2026-03"}) || !reflect.DeepEqual(inc.Links.Invoices, []string{"INV-0042"}) ||
		!reflect.DeepEqual(inc.Links.BillingRuns, []string{"BR-2026-03-1"}) || !reflect.DeepEqual(inc.Links.PipelineRuns, []int64{1}) ||
		!reflect.DeepEqual(inc.KPIMonths, []string{"2026-03"}) {
		t.Fatalf("links: %+v", inc.Links)
	}

	// A note after the fact, with a new severity.
	out, _ = incidentCLI(t, "incident", "note", c, cfg, "--format", "json", "--by", "controller", fmtID(id),
		"Pack regenerated after a fresh run", "--at", "2026-04-01 09:10", "--severity", "sev3", "--follow-up-done", "2")
	noted := decode[incidentJSON](t, out)
	if noted.Severity != "SEV3" || noted.FollowUps[1].Status != "done" || noted.Events != inc.Events+3 {
		t.Fatalf("noted: %+v", noted)
	}
	out, _ = incidentCLI(t, "incident", "close", c, cfg, "--format", "json", "--by", "controller", fmtID(id), "Pack corrected and re-sent")
	closed := decode[incidentJSON](t, out)
	if closed.Status != "closed" || closed.ClosedAt == nil || closed.Events != noted.Events+2 {
		t.Fatalf("closed: %+v", closed)
	}

	// The timeline: in the order things happened, every change kept.
	out, _ = incidentCLI(t, "incident", "timeline", c, cfg, "--format", "json", fmtID(id))
	tl := decode[[]eventJSON](t, out)
	var got []string
	for _, e := range tl {
		s := e.Kind
		if e.Value != "" {
			s += "=" + e.Value
		}
		if e.Link != nil {
			s += "=" + e.Link.Kind + ":" + e.Link.Ref
		}
		got = append(got, s)
	}
	// The note's --at holds for everything that note recorded.
	want := []string{"opened=manual", "severity=SEV3", "follow_up_status=done", "note", "title", "severity=SEV2", "status=open",
		"impact", "trigger", "cause", "cause", "safeguard_worked", "safeguard_missing", "follow_up", "follow_up",
		"link=invoice:INV-0042", "link=billing_run:BR-2026-03-1", "link=pipeline_run:1", "link=kpi_month:2026-03", "status=closed", "note"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("timeline:\n%q\nwant\n%q", got, want)
	}
	if tl[0].OccurredAt != "2026-04-01T07:30:00Z" || tl[3].OccurredAt != "2026-04-01T09:10:00Z" || tl[3].Text != "Pack regenerated after a fresh run" ||
		tl[9].Seq != 7 || tl[9].Prompt == "" || tl[10].Prompt != "" || tl[9].Text != blame {
		t.Fatalf("timeline entries: %+v %+v %+v", tl[0], tl[3], tl[9])
	}

	// Closed, with follow-up 1 open past its due date: listed as overdue.
	out, _ = incidentCLI(t, "incident", "list", c, cfg, "--format", "json", "--overdue", "--as-of", "2026-04-16")
	overdue := decode[[]incidentSummaryJSON](t, out)
	if len(overdue) != 1 || overdue[0].ID != id || overdue[0].Status != "closed" || overdue[0].OverdueFollowUps != 1 ||
		overdue[0].OpenFollowUps != 1 || !reflect.DeepEqual(overdue[0].KPIMonths, []string{"2026-03"}) {
		t.Fatalf("overdue: %+v", overdue)
	}
	out, _ = incidentCLI(t, "incident", "list", c, cfg, "--format", "json", "--overdue", "--as-of", "2026-04-15")
	if got := decode[[]incidentSummaryJSON](t, out); len(got) != 0 {
		t.Fatalf("overdue on the due date: %+v", got)
	}
	out, _ = incidentCLI(t, "incident", "list", c, cfg, "--format", "json", "--month", "2026-03")
	if got := decode[[]incidentSummaryJSON](t, out); len(got) != 1+countMonth(before, "2026-03") {
		t.Fatalf("March: %+v", got)
	}
	out, _ = incidentCLI(t, "incident", "list", c, cfg, "--format", "json")
	if got := decode[[]incidentSummaryJSON](t, out); len(got) != n+1 {
		t.Fatalf("all: %d incidents, want %d", len(got), n+1)
	}

	// show says the same as the last write, and the history is intact.
	out, _ = incidentCLI(t, "incident", "show", c, cfg, "--format", "json", fmtID(id))
	if shown := decode[incidentJSON](t, out); !reflect.DeepEqual(shown, closed) {
		t.Fatalf("show differs from close:\n%+v\n%+v", shown, closed)
	}
	out, _ = incidentCLI(t, "incident", "show", c, cfg, fmtID(id))
	for _, want := range []string{"Incident " + fmtID(id) + ": March pack showed unbilled work that was already invoiced",
		"Block the pack job when the last run is older than 6 hours", "Blameless prompts", "event 7 (contributing cause): This names"} {
		if !strings.Contains(out, want) {
			t.Errorf("show does not contain %q:\n%s", want, out)
		}
	}

	// Mistakes are refused with what to do.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"incident", "note", fmtID(id), "--by", "c", "--follow-up", "Pair reviews", "--owner-role", person, "--due", "2026-05-01"},
			`incident ` + fmtID(id) + `: owner role "` + person + `" is not one of the configured roles (Controller, Billing Lead, Data Engineer); add it under incidents.follow_up_roles in takt.yaml or use one of them`},
		{[]string{"incident", "note", fmtID(id), "--by", "c", "--status", "mitigated"}, "incident " + fmtID(id) + " is closed; it can move to open, not to mitigated"},
		{[]string{"incident", "show", "999"}, "incident 999: no such incident (see `takt incident list`)"},
		{[]string{"incident", "show", "x"}, `incident "x": expected an incident number like 7 (see ` + "`takt incident list`)"},
		{[]string{"incident", "open", "--by", "c", "--title", "t", "--severity", "high"}, `--severity: severity "high": expected SEV1 (critical), SEV2 (major), SEV3 (minor) or SEV4 (low)`},
		{[]string{"incident", "open", "--by", "c", "--title", "t", "--severity", "SEV4", "--follow-up", "x"}, "each --follow-up needs one --owner-role and one --due (got 1, 0 and 0)"},
		{[]string{"incident", "note", fmtID(id), "--by", "c", "--link", "pipeline_run:99999"}, "incident " + fmtID(id) + ": there is no pipeline run 99999 (ops.runs lists the runs)"},
	} {
		var o, e bytes.Buffer
		code, err := runCLI(&o, &e, append(tc.args, c, cfg)...)
		if code != 1 || err == nil || err.Error() != tc.want {
			t.Errorf("%v: exit %d, %v\nwant %s", tc.args, code, err, tc.want)
		}
	}
}

func first(a, _ string) string { return a }

func fmtID(id int64) string { return strconv.FormatInt(id, 10) }

func countMonth(list []incidentSummaryJSON, month string) int {
	n := 0
	for _, s := range list {
		for _, m := range s.KPIMonths {
			if m == month {
				n++
			}
		}
	}
	return n
}
