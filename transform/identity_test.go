//go:build duckdb_arrow

package transform

import (
	"context"
	"testing"

	"github.com/takt-billing/takt/internal/dbtest"
	"github.com/takt-billing/takt/internal/rawtest"
)

// identityScenario has the cases automatic matching must get right — and
// the ones it must refuse to guess.
//
//	HubSpot H1 Müller Maschinenbau GmbH (DE, DE111), H2 Acme Ltd (GB, GB222),
//	        H3 Acme Ltd (US), H4 Delta AG (CH)
//	Harvest C1 Mueller Maschinenbau  project P1 code D1 (deal of H1)
//	        C2 Acme Ltd              no project code -> two companies by name
//	        C3 Zeta GmbH             nothing fits
//	        C4 Delta AG              project P4 "Gamma Rollout" code X-1 -> H4 by name
//	Xero    X1 Müller Maschinenbau GmbH & Co. KG  invoice H-1 is C1's
//	        X2 ACME LIMITED (GB 222)  -> H2 by VAT id
//	        X3 Acme Ltd (FR, FR999)   VAT and country differ from both Acme
//	        X4 Delta AG (CH)          -> H4 (directly and through C4)
//	        X5 Acme USA Inc           nothing fits
func identityScenario(t *testing.T) *rawtest.Warehouse {
	w := rawtest.Open(t)
	u := ts("2026-03-31T12:00:00Z")
	w.Put("hubspot", "companies",
		[]any{"H1", u, u, false, "Müller Maschinenbau GmbH", nil, "DE", "DE111"},
		[]any{"H2", u, u, false, "Acme Ltd", nil, "GB", "GB222"},
		[]any{"H3", u, u, false, "Acme Ltd", nil, "US", nil},
		[]any{"H4", u, u, false, "Delta AG", nil, "CH", nil},
	)
	deal := func(id, name, stage, company string) []any {
		return []any{id, u, u, false, name, d("1000"), "EUR", stage, "default", nil, "time_and_materials", company}
	}
	w.Put("hubspot", "deals",
		deal("D1", "Machine data platform", "closedwon", "H1"),
		deal("D5", "Gamma rollout", "closedwon", "H4"),
		deal("D6", "Maybe next year", "appointmentscheduled", "H1"),
		deal("D7", "Orphan deal", "closedwon", "H1"),
	)
	w.Put("harvest", "clients",
		[]any{"C1", u, u, "Mueller Maschinenbau", true, "EUR", nil},
		[]any{"C2", u, u, "Acme Ltd", true, "GBP", nil},
		[]any{"C3", u, u, "Zeta GmbH", true, "EUR", nil},
		[]any{"C4", u, u, "Delta AG", true, "CHF", nil},
	)
	project := func(id, client, name, code string) []any {
		return []any{id, u, u, client, name, code, true, true, false, "Project", nil, nil, nil, nil, nil, nil, nil}
	}
	w.Put("harvest", "projects",
		project("P1", "C1", "Platform", "D1"),
		project("P2", "C2", "Acme audit", "A-7"),
		project("P4", "C4", "Gamma Rollout", "X-1"),
	)
	w.Put("harvest", "invoices",
		[]any{"h1", u, u, "C1", "H-1", "open", date("2026-02-02"), date("2026-03-04"), nil, nil, "EUR",
			d("119"), d("119"), nil, nil, nil, nil, nil, nil},
	)
	w.Put("xero", "contacts",
		[]any{"X1", u, "Müller Maschinenbau GmbH & Co. KG", nil, nil, nil, "ACTIVE", true, "EUR", "DE", nil},
		[]any{"X2", u, "ACME LIMITED", nil, nil, "GB 222", "ACTIVE", true, "GBP", "GB", nil},
		[]any{"X3", u, "Acme Ltd", nil, nil, "FR999", "ACTIVE", true, "EUR", "FR", nil},
		[]any{"X4", u, "Delta AG", nil, nil, nil, "ACTIVE", true, "CHF", "CH", nil},
		[]any{"X5", u, "Acme USA Inc", nil, nil, nil, "ACTIVE", true, "USD", "US", nil},
	)
	line := func(id, code string) []any {
		return []any{id, "work", d("1"), d("100"), d("100"), d("0"), "NONE", "200", nil, code}
	}
	w.Put("xero", "invoices",
		[]any{"XI1", u, "ACCREC", "H-1", nil, "X1", nil, "AUTHORISED", date("2026-02-02"), date("2026-03-04"), "EUR", d("1"),
			"Exclusive", nil, nil, d("119"), nil, nil, nil, nil, [][]any{line("l1", "D1"), line("l2", "ZZZ")}},
	)
	return w
}

func TestIdentityMatchesOnlyWhatIsCertain(t *testing.T) {
	w := identityScenario(t)
	if err := Run(context.Background(), w.Warehouse, w.RunID, settings(), nil); err != nil {
		t.Fatal(err)
	}
	got := dbtest.Strings(t, w.DB, `SELECT system || ' ' || source_id || ' -> ' || coalesce(customer_id, '-') || ' ' || method
		|| coalesce(' ' || array_to_string(candidates, ','), '') FROM core.customer_identity ORDER BY system, source_id`)
	dbtest.Lines(t, "customers", got, []string{
		"harvest C1 -> hubspot:H1 project_code",
		"harvest C2 -> harvest:C2 ambiguous hubspot:H2,hubspot:H3",
		"harvest C3 -> harvest:C3 unmatched",
		"harvest C4 -> hubspot:H4 name",
		"hubspot H1 -> hubspot:H1 anchor",
		"hubspot H2 -> hubspot:H2 anchor",
		"hubspot H3 -> hubspot:H3 anchor",
		"hubspot H4 -> hubspot:H4 anchor",
		"xero X1 -> hubspot:H1 invoice_number",
		"xero X2 -> hubspot:H2 vat_id",
		"xero X3 -> xero:X3 unmatched",
		"xero X4 -> hubspot:H4 name",
		"xero X5 -> xero:X5 unmatched",
	})
	got = dbtest.Strings(t, w.DB, `SELECT system || ' ' || source_id || ' -> ' || coalesce(project_id, '-') || ' ' || method
		FROM core.project_identity ORDER BY system, source_id`)
	dbtest.Lines(t, "projects", got, []string{
		"harvest P1 -> P1 anchor",
		"harvest P2 -> P2 anchor",
		"harvest P4 -> P4 anchor",
		"hubspot D1 -> P1 project_code",
		"hubspot D5 -> P4 name",
		"hubspot D7 -> - unmatched",
		"xero D1 -> P1 project_code",
		"xero ZZZ -> - unmatched",
	})
	got = dbtest.Strings(t, w.DB, `SELECT kind || ' ' || system || ' ' || source_id || ' ' || status FROM core.identity_review`)
	dbtest.Lines(t, "review", got, []string{
		"customer harvest C2 ambiguous",
		"customer harvest C3 unmatched",
		"customer xero X3 unmatched",
		"customer xero X5 unmatched",
		"project hubspot D7 unmatched",
		"project xero ZZZ unmatched",
	})
	var hint string
	if err := w.DB.QueryRow(`SELECT hint FROM core.identity_review WHERE source_id = 'C2'`).Scan(&hint); err != nil {
		t.Fatal(err)
	}
	const want = "harvest C2 (Acme Ltd) fits 2 customers by name: hubspot:H2, hubspot:H3. Pin the right one under identities.customers (same), or mark the wrong ones (different)."
	if hint != want {
		t.Errorf("hint\n got %s\nwant %s", hint, want)
	}
}

func TestIdentityPinsWin(t *testing.T) {
	w := identityScenario(t)
	s := settings()
	s.IdentityRules = []IdentityRule{
		{Kind: "customer", RuleNo: 0, Relation: "same", System: "hubspot", SourceID: "H3", Reason: "Acme USA is the US Acme"},
		{Kind: "customer", RuleNo: 0, Relation: "same", System: "xero", SourceID: "X5", Reason: "Acme USA is the US Acme"},
		{Kind: "customer", RuleNo: 1, Relation: "different", System: "harvest", SourceID: "C4", Reason: "Delta Schweiz is another Delta"},
		{Kind: "customer", RuleNo: 1, Relation: "different", System: "hubspot", SourceID: "H4", Reason: "Delta Schweiz is another Delta"},
		{Kind: "customer", RuleNo: 2, Relation: "same", System: "harvest", SourceID: "C2", Reason: "the UK Acme books our audit"},
		{Kind: "customer", RuleNo: 2, Relation: "same", System: "hubspot", SourceID: "H2", Reason: "the UK Acme books our audit"},
		{Kind: "project", RuleNo: 0, Relation: "same", System: "harvest", SourceID: "P1", Reason: "old code in Xero"},
		{Kind: "project", RuleNo: 0, Relation: "same", System: "xero", SourceID: "ZZZ", Reason: "old code in Xero"},
	}
	if err := Run(context.Background(), w.Warehouse, w.RunID, s, nil); err != nil {
		t.Fatal(err)
	}
	got := dbtest.Strings(t, w.DB, `SELECT system || ' ' || source_id || ' -> ' || customer_id || ' ' || method
		|| coalesce(' ' || array_to_string(candidates, ','), '') FROM core.customer_identity
		WHERE system <> 'hubspot' ORDER BY system, source_id`)
	dbtest.Lines(t, "customers with pins", got, []string{
		"harvest C1 -> hubspot:H1 project_code",
		"harvest C2 -> hubspot:H2 pinned",
		"harvest C3 -> harvest:C3 unmatched",
		"harvest C4 -> harvest:C4 unmatched",
		"xero X1 -> hubspot:H1 invoice_number",
		"xero X2 -> hubspot:H2 vat_id",
		"xero X3 -> xero:X3 unmatched",
		// X4 now fits H4 (by name) and the separated Harvest client C4.
		"xero X4 -> xero:X4 ambiguous harvest:C4,hubspot:H4",
		"xero X5 -> hubspot:H3 pinned",
	})
	got = dbtest.Strings(t, w.DB, `SELECT source_id || ' -> ' || coalesce(project_id, '-') || ' ' || method || ' ' || coalesce(pin_reason, '')
		FROM core.project_identity WHERE system = 'xero' ORDER BY source_id`)
	dbtest.Lines(t, "xero projects with pins", got, []string{
		"D1 -> P1 project_code ",
		"ZZZ -> P1 pinned old code in Xero",
	})
}
