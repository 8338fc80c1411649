//go:build duckdb_arrow

package service

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/takt-billing/takt/internal/rawtest"
	"github.com/takt-billing/takt/reports"
	"github.com/takt-billing/takt/transform"
)

// The service serves the report site of any month: the same pages
// `takt report site` writes, under /reports/YYYY-MM/, and the
// reconciliation workbook.
func TestPagesServeTheSite(t *testing.T) {
	ctx := context.Background()
	w := rawtest.Scenario(t)
	if err := transform.Run(ctx, w.Warehouse, w.RunID, scenarioSettings(), nil); err != nil {
		t.Fatal(err)
	}
	srv := pagesServer(t, w)
	pack, err := reports.LoadPack(ctx, w.DB, reports.PackOptions{Company: "Scenario GmbH", BaseCurrency: "EUR", Lang: "en",
		Month: rawtest.Date("2026-03-01"), AsOf: rawtest.Date("2026-03-31"), GeneratedAt: generated})
	if err != nil {
		t.Fatal(err)
	}
	families := reports.KPIFamilies(pack)
	if len(families) < 8 || families[0] != "dso" {
		t.Fatalf("the scenario's pack has KPI pages %q, want dso first and all eight families", families)
	}
	from := pack.Months[0].Month
	want := map[string]func(*bytes.Buffer) error{
		"index.html": func(b *bytes.Buffer) error {
			return reports.WriteIndexPage(b, pack, reports.SiteOptions{Links: []reports.SiteLink{
				{Href: "pack.xlsx", Text: "takt-pack-2026-03.xlsx"}, {Href: "recon.xlsx", Text: "takt-recon-2026-03.xlsx"},
			}})
		},
		"retro.html": func(b *bytes.Buffer) error { return reports.WriteRetroPage(b, pack, reports.DefaultRetroFrom(pack)) },
		"retro.html?from=" + from.Format("2006-01"): func(b *bytes.Buffer) error { return reports.WriteRetroPage(b, pack, from) },
		"recon.html": func(b *bytes.Buffer) error { return reports.WriteReconciliationPage(b, pack) },
	}
	for _, f := range families {
		want[reports.KPIPageFile(f)] = func(b *bytes.Buffer) error { return reports.WriteKPIPage(b, pack, f) }
	}
	for page, write := range want {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatalf("%s: %v", page, err)
		}
		code, h, got := get(t, srv.URL+"/reports/2026-03/"+page)
		if code != 200 || h.Get("Content-Type") != "text/html; charset=utf-8" || !bytes.Equal(got, b.Bytes()) {
			t.Errorf("%s = %d %s: not the page the site writes:\n%.400s", page, code, h.Get("Content-Type"), got)
		}
	}

	for page, status := range map[string]int{
		"kpi-nope.html":           404,
		"kpi-.html":               404,
		"retro.html?from=2026-3":  400,
		"retro.html?from=2026-04": 400,
		"index.html?lang=fr":      400,
	} {
		if code, _, body := get(t, srv.URL+"/reports/2026-03/"+page); code != status {
			t.Errorf("%s = %d %s, want %d", page, code, body, status)
		}
	}
	if _, _, body := get(t, srv.URL+"/reports/2026-03/retro.html?from=2026-04"); !strings.Contains(string(body),
		"reports: retro from 2026-04: that is after the reported month 2026-03; choose an earlier month") {
		t.Errorf("retro after the month says %s", body)
	}

	code, h, xlsx := get(t, srv.URL+"/reports/2026-03/recon.xlsx")
	if code != 200 || h.Get("Content-Disposition") != `attachment; filename="takt-recon-2026-03.xlsx"` {
		t.Fatalf("recon.xlsx = %d %v", code, h)
	}
	f, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatalf("recon.xlsx does not open: %v", err)
	}
	defer f.Close()
	if got, want := f.GetSheetList(), []string{"By customer", "Unbilled", "Exceptions"}; !slices.Equal(got, want) {
		t.Errorf("recon.xlsx has sheets %q, want %q", got, want)
	}

	_, _, index := get(t, srv.URL+"/")
	for _, s := range []string{`<a href="reports/2026-03/index.html">overview</a>`, `<a href="reports/2026-03/recon.xlsx">takt-recon-2026-03.xlsx</a>`} {
		if !bytes.Contains(index, []byte(s)) {
			t.Errorf("index page lacks %q", s)
		}
	}
}
