package incident

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestCheckFindsPeopleNotCustomers(t *testing.T) {
	people := NewPeople([]Person{
		{Name: "Lena Fischer", Email: "lena.fischer@nordlicht.example", Source: "harvest"},
		{Name: "Jonas Krüger", Source: "harvest"},
		{Name: "Max Weber", Source: "hubspot"},
		{Name: "Kim Allen", Email: "kim@example.com", Source: "harvest"},
	}, []string{"Fischer Lebensmittel GmbH", "Weber Elektrotechnik GmbH", "Krüger Bau GmbH"})
	for _, tc := range []struct {
		text string
		want []string // person/how/matched
	}{
		{"Lena Fischer approved the timesheets late", []string{"Lena Fischer/full_name/Lena Fischer"}},
		{"approved late by fischer, lena", []string{"Lena Fischer/full_name/fischer, lena"}},
		{"Jonas Krueger did not re-run the import", []string{"Jonas Krüger/full_name/Jonas Krueger"}},
		{"Krüger forgot the rate card", []string{"Jonas Krüger/last_name/Krüger"}},
		{"Max missed the reminder", []string{"Max Weber/first_name/Max"}},
		{"mail from kim@example.com was not read", []string{"Kim Allen/email/kim@example.com"}},
		// Customers named like people are not people.
		{"Invoices of Fischer Lebensmittel were issued twice", nil},
		{"The Weber Elektrotechnik GmbH project has no rate card", nil},
		{"Krüger Bau's milestone was reached but not invoiced", nil},
		// Lower case words are words, and conditions name no one.
		{"max retries were exhausted; the approval step sends no reminder", nil},
		{"The Xero token expired during the month-end run", nil},
		{"", nil},
		{"Lena and Kim both saw it", []string{"Kim Allen/first_name/Kim", "Lena Fischer/first_name/Lena"}},
	} {
		var got []string
		for _, m := range people.Check(tc.text) {
			got = append(got, m.Person+"/"+m.How+"/"+m.Matched)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %q, want %q", tc.text, got, tc.want)
		}
	}
	var none *People
	if got := none.Check("Lena Fischer"); got != nil {
		t.Fatalf("no people known: %v", got)
	}
}

func TestPromptIsGentleAndKeepsTheText(t *testing.T) {
	ms := []Mention{{Person: "Lena Fischer", Source: "harvest", Matched: "Lena", How: "first_name"}}
	got := Prompt(EventCause, ms)
	want := `This names Lena (Lena Fischer in Harvest). Blameless reviews describe the conditions that made the slip possible — the system, the step, the missing check or signal — rather than who did it; for example "the approval step sends no reminder" instead of "X forgot to approve". The text is kept as written.`
	if got != want {
		t.Fatalf("prompt:\n%s\nwant\n%s", got, want)
	}
	if got := Prompt(EventFollowUp, ms); !strings.HasPrefix(got, "This follow-up names Lena (Lena Fischer in Harvest). Follow-ups belong to a role") {
		t.Fatalf("follow-up prompt: %s", got)
	}
	if Prompt(EventNote, nil) != "" {
		t.Fatal("a prompt without mentions")
	}
}

func TestLinksAndScalesParse(t *testing.T) {
	for in, want := range map[string]string{
		"pipeline_run:17":       "pipeline_run:17",
		"invoice: INV-0042":     "invoice:INV-0042",
		"KPI_MONTH:2026-10":     "kpi_month:2026-10",
		"billing_run:br-2026-1": "billing_run:br-2026-1",
		"pipeline_run:x":        `link pipeline_run:x: expected a run number like 17 (see ops.runs)`,
		"kpi_month:2026-13":     `link kpi_month:2026-13: expected a month like 2026-10`,
		"ticket:7":              `link kind "ticket": expected one of pipeline_run, billing_run, invoice, kpi_month, finding, stream, kpi`,
		"invoice":               `link "invoice": expected KIND:REF, e.g. pipeline_run:17, billing_run:BR-2026-10-1, invoice:INV-0042 or kpi_month:2026-10`,
	} {
		l, err := ParseLink(in)
		got := fmt.Sprint(l)
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]Severity{"sev1": SEV1, "2": SEV2, " SEV4 ": SEV4} {
		if got, err := ParseSeverity(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	if _, err := ParseSeverity("SEV5"); err == nil || err.Error() != `severity "SEV5": expected SEV1 (critical), SEV2 (major), SEV3 (minor) or SEV4 (low)` {
		t.Errorf("SEV5: %v", err)
	}
}

func TestLoadPeopleReadsTheWarehouse(t *testing.T) {
	wh := openWarehouse(t)
	ctx := context.Background()
	// Before any run there is nobody to check against.
	p, err := LoadPeople(ctx, wh.DB)
	if err != nil || p.Len() != 0 {
		t.Fatalf("empty warehouse: %v, %d people", err, p.Len())
	}
	for _, stmt := range []string{
		`CREATE TABLE staging.harvest_users AS SELECT * FROM (VALUES ('1', 'Kim Allen', 'kim@example.com'), ('2', '', NULL)) t(user_id, name, email)`,
		`CREATE TABLE raw.hubspot_owners AS SELECT * FROM (VALUES ('9', 'Noor', 'Haddad', 'noor@example.com', '{}', 1, now())) t(id, firstName, lastName, email, _raw, _run_id, _extracted_at)`,
		`CREATE TABLE core.customers AS SELECT * FROM (VALUES ('c1', 'Allen Logistics GmbH')) t(customer_id, name)`,
	} {
		if _, err := wh.DB.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	p, err = LoadPeople(ctx, wh.DB)
	if err != nil || p.Len() != 2 {
		t.Fatalf("people: %v, %d", err, p.Len())
	}
	var got []string
	for _, m := range p.Check("Haddad approved it; Allen Logistics was not told; Kim Allen knew") {
		got = append(got, m.Person+"/"+m.Source+"/"+m.How)
	}
	if want := []string{"Kim Allen/harvest/full_name", "Noor Haddad/hubspot/last_name"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("mentions %q", got)
	}
}
