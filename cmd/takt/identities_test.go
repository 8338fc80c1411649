//go:build duckdb_arrow

package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// The demo company is fully matched: nothing to settle, and --all lists
// every customer record of the three systems with its method.
func TestDemoIdentities(t *testing.T) {
	dir, company := demoWarehouse(t)
	cfg := filepath.Join(dir, "takt.yaml")
	var review []identityJSON
	if err := json.Unmarshal(cli(t, "identities", "--config", cfg, "--format", "json"), &review); err != nil {
		t.Fatal(err)
	}
	if len(review) != 0 {
		t.Fatalf("the demo has records to settle: %+v", review)
	}
	var all []identityJSON
	if err := json.Unmarshal(cli(t, "identities", "--config", cfg, "--format", "json", "--all", "--kind", "customer"), &all); err != nil {
		t.Fatal(err)
	}
	if len(all) != 3*len(company.Truth.Customers) {
		t.Fatalf("%d customer records, want %d", len(all), 3*len(company.Truth.Customers))
	}
	methods := map[string]int{}
	for _, r := range all {
		methods[r.System+" "+r.Method]++
		if r.MatchedTo == nil || r.Confidence < 0.8 {
			t.Errorf("%s %s: matched to %v with confidence %.1f", r.System, r.SourceID, r.MatchedTo, r.Confidence)
		}
	}
	if methods["hubspot anchor"] != len(company.Truth.Customers) || methods["harvest project_code"] != len(company.Truth.Customers) {
		t.Errorf("methods: %v", methods)
	}
}
