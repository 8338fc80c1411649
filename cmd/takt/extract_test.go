//go:build duckdb_arrow

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/takt-billing/takt/extract/harvest/harvesttest"
	"github.com/takt-billing/takt/internal/testfixtures"
)

// takt extract loads without building the SQL layers; a record that fails
// validation lands in the quarantine, which takt rejects lists with what to
// do; fixed in the source, the next extract loads it and closes the reject.
func TestExtractAndRejects(t *testing.T) {
	data, err := harvesttest.LoadFixtures(testfixtures.Dir(t, "harvest"))
	if err != nil {
		t.Fatal(err)
	}
	entry := func(hours, updated string) harvesttest.Dataset {
		out := harvesttest.Dataset{}
		for k, v := range data {
			out[k] = slices.Clone(v)
		}
		for i, raw := range out["time_entries"] {
			var head struct{ ID json.Number }
			if err := json.Unmarshal(raw, &head); err != nil {
				t.Fatal(err)
			}
			if head.ID == "636708723" {
				r, err := harvesttest.SetField(raw, "hours", json.RawMessage(hours))
				if err == nil {
					r, err = harvesttest.SetField(r, "updated_at", json.RawMessage(updated))
				}
				if err != nil {
					t.Fatal(err)
				}
				out["time_entries"][i] = r
			}
		}
		return out
	}
	srv := harvesttest.NewServer(entry(`-2`, `"2017-06-27T16:47:14Z"`), harvesttest.Options{})
	defer srv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "takt.yaml")
	yaml := fmt.Sprintf(`company: {name: Test GmbH, base_currency: EUR, home_country: DE, vat_rates: {standard: "19"}}
sources:
  harvest:
    base_url: %s
    token_env: TAKT_TEST_HARVEST_TOKEN
    account_id_env: TAKT_TEST_HARVEST_ACCOUNT
    rate_limit: {enabled: false}
`, srv.URL)
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TAKT_TEST_HARVEST_TOKEN", harvesttest.DefaultToken)
	t.Setenv("TAKT_TEST_HARVEST_ACCOUNT", harvesttest.DefaultAccountID)

	takt := func(args ...string) (string, int) {
		t.Helper()
		var out, errOut bytes.Buffer
		code, err := runCLI(&out, &errOut, append(args, "--config", cfg, "--log-level", "error")...)
		if code != 0 {
			return fmt.Sprint(err), code
		}
		return out.String(), code
	}

	out, code := takt("extract", "--format", "json")
	var run runJSON
	if err := json.Unmarshal([]byte(out), &run); err != nil || code != 0 {
		t.Fatalf("extract: exit %d: %s", code, out)
	}
	rows := map[string]int64{}
	for _, s := range run.Streams {
		rows[s.Source+"."+s.Stream] = s.Rows
	}
	if run.Status != "succeeded" || len(rows) != 8 || rows["harvest.time_entries"] != 3 || rows["harvest.task_assignments"] != 12 {
		t.Errorf("extract: %s %v", run.Status, rows)
	}

	out, _ = takt("rejects", "--format", "json")
	var rejects []rejectJSON
	if err := json.Unmarshal([]byte(out), &rejects); err != nil {
		t.Fatalf("rejects: %v: %s", err, out)
	}
	if len(rejects) != 1 {
		t.Fatalf("rejects: %s", out)
	}
	r := rejects[0]
	want := "harvest: time_entries page 1: record 636708723: field hours: -2 is below zero; correct the hours in Harvest (hours cannot be negative): the next run loads the corrected record"
	if r.RunID != 1 || r.Source != "harvest" || r.Stream != "time_entries" || *r.RecordID != "636708723" || r.Rule != "negative_hours" ||
		*r.Field != "hours" || r.Message != want || r.Stage != "extract" || r.Status != "open" || r.ResolvedAt != nil || r.Payload == nil {
		t.Errorf("reject: %s", out)
	}
	if out, _ := takt("rejects"); !bytes.Contains([]byte(out), []byte("1    harvest  time_entries  636708723  negative_hours  hours  open    "+want)) {
		t.Errorf("rejects table:\n%s", out)
	}

	// Fixed in Harvest: the next incremental extract of the stream loads
	// it (with the three entries of the cursor's second, read again) and
	// closes the reject.
	srv.Replace(entry(`2.5`, `"2017-07-01T09:00:00Z"`))
	out, code = takt("extract", "--source", "harvest", "--stream", "time_entries", "--format", "json")
	if err := json.Unmarshal([]byte(out), &run); err != nil || code != 0 || len(run.Streams) != 1 || run.Streams[0].Rows != 4 {
		t.Fatalf("second extract: exit %d: %s", code, out)
	}
	if out, _ := takt("rejects", "--format", "json"); out != "[]\n" {
		t.Errorf("rejects after the fix: %s", out)
	}
	out, _ = takt("rejects", "--run", "1", "--format", "json")
	if err := json.Unmarshal([]byte(out), &rejects); err != nil || len(rejects) != 1 || rejects[0].Status != "resolved" || *rejects[0].ResolvedRunID != 2 {
		t.Errorf("rejects of run 1: %s", out)
	}

	// A full refresh of one stream.
	out, code = takt("extract", "--source", "harvest", "--stream", "harvest.time_entries", "--full-refresh", "--format", "json")
	if err := json.Unmarshal([]byte(out), &run); err != nil || code != 0 || run.Streams[0].Rows != 4 {
		t.Errorf("full refresh: exit %d: %s", code, out)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"extract", "--source", "jira"}, `--source "jira": no such source; expected one of hubspot, harvest, xero, files`},
		{[]string{"extract", "--source", "xero"}, "--source xero: " + cfg + " does not configure it (or has enabled: false); add it under sources"},
		{[]string{"rejects", "--run", "7"}, "--run 7: no such run; the runs are 1 to 3 (see ops.runs)"},
	} {
		if msg, code := takt(tc.args...); code != 1 || msg != tc.want {
			t.Errorf("%v: exit %d, %q; want %q", tc.args, code, msg, tc.want)
		}
	}
}
