package transform

import (
	"context"
	"testing"

	"github.com/takt-billing/takt/internal/audit"
	"github.com/takt-billing/takt/internal/dbtest"
)

// Pinning, changing and removing an identity pin in the configuration each
// leave one audit record; a run with unchanged pins leaves none.
func TestIdentityPinChangesAreAudited(t *testing.T) {
	w := identityScenario(t)
	ctx := context.Background()
	s := settings()
	s.IdentityRules = []IdentityRule{
		{Kind: "customer", RuleNo: 0, Relation: "same", System: "hubspot", SourceID: "H3", Reason: "Acme USA is the US Acme"},
		{Kind: "customer", RuleNo: 0, Relation: "same", System: "xero", SourceID: "X5", Reason: "Acme USA is the US Acme"},
		{Kind: "project", RuleNo: 0, Relation: "same", System: "harvest", SourceID: "P1", Reason: "old code in Xero"},
		{Kind: "project", RuleNo: 0, Relation: "same", System: "xero", SourceID: "ZZZ", Reason: "old code in Xero"},
	}
	trail := func() []string {
		t.Helper()
		return dbtest.Strings(t, w.DB, `SELECT action || ' ' || entity_id || ' ' || coalesce(after, '-') || ' | ' || coalesce(reason, '-')
			FROM audit.log WHERE entity = 'identity' ORDER BY seq`)
	}
	if err := Run(ctx, w.Warehouse, w.RunID, s, nil); err != nil {
		t.Fatal(err)
	}
	first := []string{
		`identity_pinned customer/hubspot/H3 {"relation":"same","with":["xero/X5"],"reason":"Acme USA is the US Acme"} | Acme USA is the US Acme`,
		`identity_pinned customer/xero/X5 {"relation":"same","with":["hubspot/H3"],"reason":"Acme USA is the US Acme"} | Acme USA is the US Acme`,
		`identity_pinned project/harvest/P1 {"relation":"same","with":["xero/ZZZ"],"reason":"old code in Xero"} | old code in Xero`,
		`identity_pinned project/xero/ZZZ {"relation":"same","with":["harvest/P1"],"reason":"old code in Xero"} | old code in Xero`,
	}
	dbtest.Lines(t, "audit after pinning", trail(), first)

	// The same pins in another order change nothing.
	s.IdentityRules = []IdentityRule{s.IdentityRules[2], s.IdentityRules[3], s.IdentityRules[0], s.IdentityRules[1]}
	s.IdentityRules[0].RuleNo, s.IdentityRules[1].RuleNo = 1, 1
	if err := Run(ctx, w.Warehouse, w.RunID, s, nil); err != nil {
		t.Fatal(err)
	}
	dbtest.Lines(t, "audit after reordering", trail(), first)

	// A new reason changes both records of the rule; dropping the project
	// rule unpins both of its records.
	s.IdentityRules = []IdentityRule{
		{Kind: "customer", RuleNo: 0, Relation: "same", System: "hubspot", SourceID: "H3", Reason: "confirmed by sales"},
		{Kind: "customer", RuleNo: 0, Relation: "same", System: "xero", SourceID: "X5", Reason: "confirmed by sales"},
	}
	if err := Run(ctx, w.Warehouse, w.RunID, s, nil); err != nil {
		t.Fatal(err)
	}
	dbtest.Lines(t, "audit after changing", trail(), append(first,
		`identity_pin_changed customer/hubspot/H3 {"relation":"same","with":["xero/X5"],"reason":"confirmed by sales"} | confirmed by sales`,
		`identity_pin_changed customer/xero/X5 {"relation":"same","with":["hubspot/H3"],"reason":"confirmed by sales"} | confirmed by sales`,
		`identity_unpinned project/harvest/P1 - | pin removed from the configuration`,
		`identity_unpinned project/xero/ZZZ - | pin removed from the configuration`,
	))
	res, err := audit.Verify(ctx, w.DB)
	if err != nil {
		t.Fatal(err)
	}
	if res.Problem != nil {
		t.Fatalf("audit chain broken: %v", res.Problem)
	}
}
