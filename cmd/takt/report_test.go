package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// The demo writes the report site beside the pack, and each report
// subcommand writes its own files and prints their paths.
func TestReportCommands(t *testing.T) {
	dir, _ := demoWarehouse(t)
	cfg := filepath.Join(dir, "takt.yaml")
	pages := []string{"index.html", "kpi-dso.html", "kpi-ar_aging.html", "kpi-cei.html", "kpi-time_to_invoice.html",
		"kpi-unbilled.html", "kpi-correction.html", "kpi-dunning.html", "kpi-automation.html", "retro.html", "recon.html"}
	for _, f := range append([]string{"takt-recon-2026-03.html", "takt-recon-2026-03.xlsx", "2026-03/assets/echarts.min.js"},
		prefixed("2026-03/", pages)...) {
		if st, err := os.Stat(filepath.Join(dir, "reports", f)); err != nil || st.Size() == 0 {
			t.Errorf("the demo did not write reports/%s: %v", f, err)
		}
	}
	index, err := os.ReadFile(filepath.Join(dir, "reports", "2026-03", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<a href="../takt-pack-2026-03.xlsx">`, `<a href="../takt-recon-2026-03.xlsx">`, `<a href="kpi-dso.html">`} {
		if !bytes.Contains(index, []byte(want)) {
			t.Errorf("the demo site's index lacks %s", want)
		}
	}

	out := t.TempDir()
	got := strings.Fields(string(cli(t, "report", "site", "--config", cfg, "--month", "2026-03", "--from", "2026-01", "--lang", "de", "--out", out)))
	if want := prefixed(out+"/", pages); !slices.Equal(got, want) {
		t.Errorf("report site printed %q, want %q", got, want)
	}
	retro, err := os.ReadFile(filepath.Join(out, "retro.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(retro, []byte("<h2>Was sich verändert hat: Jan 2026 → Mär 2026</h2>")) {
		t.Errorf("the German retro from January lacks its heading:\n%.2000s", retro)
	}
	// --to is the same as --month.
	to := t.TempDir()
	if got := strings.Fields(string(cli(t, "report", "site", "--config", cfg, "--to", "2026-03", "--out", to))); len(got) != len(pages) {
		t.Errorf("report site --to printed %q", got)
	}

	xdir := t.TempDir()
	if got, want := strings.TrimSpace(string(cli(t, "report", "excel", "--config", cfg, "--month", "2026-03", "--out", xdir))),
		filepath.Join(xdir, "takt-pack-2026-03.xlsx"); got != want {
		t.Errorf("report excel printed %q, want %q", got, want)
	}
	got = strings.Fields(string(cli(t, "report", "recon", "--config", cfg, "--month", "2026-03", "--out", xdir)))
	if want := []string{filepath.Join(xdir, "takt-recon-2026-03.html"), filepath.Join(xdir, "takt-recon-2026-03.xlsx")}; !slices.Equal(got, want) {
		t.Errorf("report recon printed %q, want %q", got, want)
	}
	for _, f := range []string{"takt-pack-2026-03.xlsx", "takt-recon-2026-03.xlsx"} {
		x, err := excelize.OpenFile(filepath.Join(xdir, f))
		if err != nil {
			t.Fatalf("%s does not open: %v", f, err)
		}
		x.Close()
	}
	page, err := os.ReadFile(filepath.Join(xdir, "takt-recon-2026-03.html"))
	if err != nil {
		t.Fatal(err)
	}
	// The report on its own has no links to pages that are not beside it.
	if bytes.Contains(page, []byte(`href="index.html"`)) || !bytes.Contains(page, []byte(`<a href="#customer-1">`)) {
		t.Errorf("the reconciliation report links wrongly:\n%.3000s", page)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "excel"}, "--month is required, e.g. --month 2026-03"},
		{[]string{"report", "site", "--month", "2026-03", "--to", "2026-02"}, "--month 2026-03 and --to 2026-02 differ: the retro ends at the reported month; give one of them"},
		{[]string{"report", "site", "--month", "2026-03", "--from", "2026-04"}, "--from 2026-04 is after the reported month 2026-03"},
		{[]string{"report", "site"}, "--month (or --to) is required, e.g. --month 2026-03"},
		{[]string{"report", "site", "--month", "2026-13"}, `--month "2026-13": expected a month like 2026-03`},
		{[]string{"report", "recon", "--month", "2026-03", "--lang", "fr"}, `--lang "fr": expected de or en`},
	} {
		var stdout, stderr bytes.Buffer
		_, err := runCLI(&stdout, &stderr, append(c.args, "--config", cfg)...)
		if err == nil || err.Error() != c.want {
			t.Errorf("takt %s: %v, want %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}

func prefixed(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}
