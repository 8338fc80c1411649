package reports

import (
	"bytes"
	"errors"
	"html"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestPageFormats(t *testing.T) {
	en, de := pageLabelsFor("en"), pageLabelsFor("de")
	for _, c := range []struct {
		d        string
		currency string
		en, de   string
	}{
		{"1234.56", "EUR", "€1,234.56", "1.234,56 €"},
		{"-1234.565", "EUR", "-€1,234.57", "-1.234,57 €"},
		{"0.004", "EUR", "€0.00", "0,00 €"},
		{"-0.004", "EUR", "€0.00", "0,00 €"},
		{"1234567.891", "GBP", "£1,234,567.89", "1.234.567,89 £"},
		{"999.995", "USD", "$1,000.00", "1.000,00 $"},
		{"180", "CHF", "CHF 180.00", "180,00 CHF"},
		{"-5", "CHF", "-CHF 5.00", "-5,00 CHF"},
		// The pages show the workbooks' symbols: signs against the digits,
		// letters and codes apart from them.
		{"1234.56", "JPY", "¥1,234.56", "1.234,56 ¥"},
		{"10", "SEK", "kr 10.00", "10,00 kr"},
		{"-5", "PLN", "-zł 5.00", "-5,00 zł"},
		{"7", "HUF", "HUF 7.00", "7,00 HUF"},
	} {
		d := decimal.RequireFromString(c.d)
		if got := en.money(d, c.currency); got != c.en {
			t.Errorf("en money(%s %s) = %q, want %q", c.d, c.currency, got, c.en)
		}
		if got := de.money(d, c.currency); got != c.de {
			t.Errorf("de money(%s %s) = %q, want %q", c.d, c.currency, got, c.de)
		}
	}
	if got := de.number(decimal.RequireFromString("12345.25"), 1); got != "12.345,3" {
		t.Errorf("de number = %q", got)
	}
	if got := en.number(decimal.RequireFromString("100"), 0); got != "100" {
		t.Errorf("en number = %q", got)
	}
	day := time.Date(2026, time.March, 31, 0, 0, 0, 0, time.UTC)
	if got := en.date(day); got != "31 Mar 2026" {
		t.Errorf("en date = %q", got)
	}
	if got := de.date(day); got != "31.03.2026" {
		t.Errorf("de date = %q", got)
	}
	if got := en.date(dateOf(2026, time.May, 5)); got != "5 May 2026" {
		t.Errorf("en date = %q", got)
	}
	for _, c := range []struct {
		v, unit, en, de string
	}{
		{"38.516", UnitDays, "38.52 days", "38,52 Tage"},
		{"0.7425", UnitShare, "74.25%", "74,25 %"},
		{"91.555", UnitPercent, "91.56%", "91,56 %"},
		{"42100.99", UnitMoney, "€42,100.99", "42.100,99 €"},
	} {
		v := decimal.NewNullDecimal(decimal.RequireFromString(c.v))
		if got := en.kpiText(v, c.unit, "EUR", "n/a"); got != c.en {
			t.Errorf("en kpiText(%s %s) = %q, want %q", c.v, c.unit, got, c.en)
		}
		if got := de.kpiText(v, c.unit, "EUR", "n. v."); got != c.de {
			t.Errorf("de kpiText(%s %s) = %q, want %q", c.v, c.unit, got, c.de)
		}
	}
	if got := en.kpiText(decimal.NullDecimal{}, UnitDays, "EUR", "n/a"); got != "n/a" {
		t.Errorf("undefined = %q", got)
	}
	// Every language names every family and KPI.
	for lang, l := range pageLabelsByLang {
		for _, f := range kpiFamilies {
			if l.Families[f.Key] == "" || l.FamilyIntro[f.Key] == "" {
				t.Errorf("%s: family %s has no name or intro", lang, f.Key)
			}
			for _, k := range f.KPIs {
				if l.KPINames[k] == "" {
					t.Errorf("%s: KPI %s has no name", lang, k)
				}
			}
		}
	}
}

func TestMonthRuns(t *testing.T) {
	if got, want := monthRuns([]int{1, 2, 3, 5, 7, 8}), [][2]int{{1, 3}, {5, 5}, {7, 8}}; !slices.Equal(got, want) {
		t.Errorf("runs = %v, want %v", got, want)
	}
}

// The site's pages are HTML in which no text from the data became markup:
// the hostile names appear only escaped.
func TestSitePagesEscape(t *testing.T) {
	dir := t.TempDir()
	paths, err := WriteSite(dir, sitePack("en"), SiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		html := string(b)
		for _, bad := range []string{"<img", "<b>", "<script>alert", "http://", "https://"} {
			if strings.Contains(html, bad) {
				t.Errorf("%s contains %q", filepath.Base(path), bad)
			}
		}
	}
	retro, err := os.ReadFile(filepath.Join(dir, RetroFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(retro, []byte(`<h3>#7 &lt;img src=x onerror=alert(1)&gt;</h3>`)) {
		t.Errorf("the retro does not show incident 7's title escaped")
	}
	dso, err := os.ReadFile(filepath.Join(dir, KPIPageFile("dso")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"label":"#7 \u003cimg src=x onerror=alert(1)\u003e"`,
		`"impact":"Invoices for \u003cscript\u003ealert(2)\u003c/script\u003e sent twice"`,
		`<script src="assets/echarts.min.js"></script>`,
		`<a href="kpi-dso.html" aria-current="page">`,
	} {
		if !bytes.Contains(dso, []byte(want)) {
			t.Errorf("the DSO page lacks %s", want)
		}
	}
	if n := bytes.Count(dso, []byte("<script")); n != 2 {
		t.Errorf("the DSO page has %d script elements, want the chart script and its own", n)
	}
}

func TestSiteErrors(t *testing.T) {
	p := sitePack("en")
	if err := WriteKPIPage(io.Discard, p, "nope"); err == nil || err.Error() !=
		`reports: the pack has no KPIs of family "nope"; it has [dso ar_aging cei time_to_invoice unbilled correction dunning automation]` {
		t.Errorf("unknown family: %v", err)
	}
	if err := WriteRetroPage(io.Discard, p, monthOf(2025, time.December)); err == nil || err.Error() !=
		"reports: retro from 2025-12: the pack has KPIs from 2026-01 on; choose a month from then" {
		t.Errorf("retro before the pack: %v", err)
	}
	if err := WriteRetroPage(io.Discard, p, monthOf(2026, time.July)); err == nil || err.Error() !=
		"reports: retro from 2026-07: that is after the reported month 2026-06; choose an earlier month" {
		t.Errorf("retro after the month: %v", err)
	}
	for _, from := range []time.Time{monthOf(2025, time.December), monthOf(2026, time.July)} {
		if err := WriteRetroPage(io.Discard, p, from); !errors.Is(err, ErrRetroPeriod) {
			t.Errorf("retro from %s: %v, want ErrRetroPeriod", from.Format("2006-01"), err)
		}
	}
	for _, file := range []string{"kpi-nope.html", "kpi-.html", "nope.html", "assets/echarts.min.js"} {
		err := WriteSitePage(io.Discard, p, file, SiteOptions{})
		if !errors.Is(err, ErrNoSuchPage) || err.Error() != `reports: site page "`+file+`": no such page` {
			t.Errorf("site page %s: %v", file, err)
		}
	}
	if err := WriteSitePage(io.Discard, p, RetroFile, SiteOptions{RetroFrom: monthOf(2026, time.July)}); !errors.Is(err, ErrRetroPeriod) {
		t.Errorf("site retro after the month: %v, want ErrRetroPeriod", err)
	}
	p.Lang = "fr"
	dir := t.TempDir()
	if _, err := WriteSite(dir, p, SiteOptions{}); err == nil {
		t.Error("WriteSite wrote a site in French")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a failed WriteSite left %d files", len(entries))
	}
}

// WriteSite writes under each file name the page of that name (the
// index, each KPI family's page, the retro, the reconciliation page), and
// a zero RetroFrom is DefaultRetroFrom for the retro too.
func TestWriteSitePage(t *testing.T) {
	p := sitePack("en")
	o := SiteOptions{Links: []SiteLink{{Href: "../pack.xlsx", Text: "pack.xlsx"}}}
	want := map[string]func(io.Writer) error{
		IndexFile: func(w io.Writer) error { return WriteIndexPage(w, p, o) },
		RetroFile: func(w io.Writer) error { return WriteRetroPage(w, p, DefaultRetroFrom(p)) },
		ReconFile: func(w io.Writer) error { return WriteReconciliationPage(w, p) },
	}
	for _, f := range KPIFamilies(p) {
		want[KPIPageFile(f)] = func(w io.Writer) error { return WriteKPIPage(w, p, f) }
	}
	dir := t.TempDir()
	paths, err := WriteSite(dir, p, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != len(want) {
		t.Fatalf("WriteSite wrote %d pages, want %d", len(paths), len(want))
	}
	for _, path := range paths {
		file := filepath.Base(path)
		// The service offers only what MaybeSitePage accepts.
		if !MaybeSitePage(file) {
			t.Errorf("WriteSite wrote %s, which MaybeSitePage refuses: takt serve would not offer it", file)
		}
		page, ok := want[file]
		if !ok {
			t.Errorf("WriteSite wrote %s, which is no page of the site", file)
			continue
		}
		written, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := page(&b); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if !bytes.Equal(b.Bytes(), written) {
			t.Errorf("%s is not the page of that name", file)
		}
	}
	var zero, def bytes.Buffer
	if err := WriteRetroPage(&zero, p, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteRetroPage(&def, p, DefaultRetroFrom(p)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(zero.Bytes(), def.Bytes()) {
		t.Error("the retro from a zero month is not the retro from DefaultRetroFrom")
	}
	if want := "What changed: Mar 2026 → Jun 2026"; !strings.Contains(zero.String(), want) {
		t.Errorf("the default retro lacks %q", want)
	}
}

// A pack without KPIDefinitions (built by hand) still gets the pages of
// the KPIs its months have figures of: here DSO and dunning, and of DSO
// only the two KPIs it has.
func TestSiteWithoutDefinitions(t *testing.T) {
	p := testPack("en")
	if got, want := KPIFamilies(p), []string{"dso", "dunning"}; !slices.Equal(got, want) {
		t.Fatalf("families %q, want %q", got, want)
	}
	var b bytes.Buffer
	if err := WriteKPIPage(&b, p, "dso"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"name":"DSO (month)"`, `"name":"DSO (trailing 3 months)"`, `<li>Feb 2025 · DSO (month): no sales in the month</li>`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the DSO page lacks %s", want)
		}
	}
	if strings.Contains(b.String(), `"name":"Countback DSO"`) {
		t.Error("the DSO page draws a KPI the pack does not have")
	}
}

// BenchmarkWriteKPIPages renders every KPI family page of the test pack
// (six months, 25 KPIs, incidents): the time to generate the chart pages
// of a month.
func BenchmarkWriteKPIPages(b *testing.B) {
	p := sitePack("de")
	families := KPIFamilies(p)
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range families {
			if err := WriteKPIPage(io.Discard, p, f); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkWriteSite writes the whole site of the test pack into a folder:
// index, eight KPI pages, retro, reconciliation and the chart script.
func BenchmarkWriteSite(b *testing.B) {
	p := sitePack("en")
	dir := b.TempDir()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := WriteSite(dir, p, SiteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReconciliationPageMillion writes the reconciliation page of a
// month with a million unbilled items over 2,000 customers, streamed from
// UnbilledRows as LoadPack streams them: the page sums them per customer
// and project and keeps only the oldest items of each.
func BenchmarkReconciliationPageMillion(b *testing.B) {
	p := sitePack("en")
	p.Unbilled = nil
	amount, hours, rate := mustDec("150.00"), mustDec("1.25"), mustDec("120.00")
	p.UnbilledRows = func(yield func(UnbilledItem, error) bool) {
		for i := range 1_000_000 {
			c := i % 2000
			u := UnbilledItem{
				CustomerID: "c-" + strconv.Itoa(c), Customer: "Customer " + strconv.Itoa(c), Project: "Project " + strconv.Itoa(i%7),
				Kind: "time", SourceID: strconv.Itoa(i), WorkDate: dateOf(2026, time.June, 1+i%30),
				Hours: hours, Rate: rate, Amount: amount, Currency: "EUR", AgeDays: i % 200,
			}
			if !yield(u, nil) {
				return
			}
		}
	}
	var size int
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := WriteReconciliationPage(&buf, p); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size)/(1<<20), "MiB/page")
}

// The reconciliation page lists the customers in the order of the
// reconciliation workbook: by name as written, work of no known customer
// last.
func TestReconciliationPageOrder(t *testing.T) {
	p := sitePack("en")
	p.Unbilled = append(p.Unbilled, UnbilledItem{
		CustomerID: "c-9", Customer: "acme lower", Project: "Retainer", Kind: "time", SourceID: "HV-9001",
		WorkDate: dateOf(2026, time.June, 2), Hours: mustDec("1.00"), Rate: mustDec("100.00"), Amount: mustDec("100.00"), Currency: "EUR", AgeDays: 28,
	})
	var b bytes.Buffer
	if err := WriteReconciliationPage(&b, p); err != nil {
		t.Fatal(err)
	}
	var page []string
	for _, m := range regexp.MustCompile(`<tr><td><a href="#customer-\d+">([^<]*)</a>`).FindAllStringSubmatch(b.String(), -1) {
		page = append(page, html.UnescapeString(m[1]))
	}
	if want := []string{hostileMarkup, "Acme Ltd", "acme lower", "(no customer)"}; !slices.Equal(page, want) {
		t.Errorf("the page lists customers %q, want %q", page, want)
	}
	book := openBook(t, func(w io.Writer) error { return WriteReconciliationExcel(w, p) })
	rows, err := book.f.GetRows("By customer")
	if err != nil {
		t.Fatal(err)
	}
	var sheet []string
	for _, r := range rows[5:] {
		if len(r) == 0 || r[0] == "" {
			break
		}
		if n := len(sheet); n == 0 || sheet[n-1] != r[0] {
			sheet = append(sheet, r[0])
		}
	}
	if !slices.Equal(sheet, page) {
		t.Errorf("the workbook lists customers %q, the page %q", sheet, page)
	}
}

func TestMaybeSitePage(t *testing.T) {
	for file, want := range map[string]bool{
		IndexFile: true, RetroFile: true, ReconFile: true, KPIPageFile("dso"): true, KPIPageFile("ar_aging"): true,
		"kpi-.html": false, "kpi-dso": false, "favicon.ico": false, "other.html": false, "": false,
	} {
		if got := MaybeSitePage(file); got != want {
			t.Errorf("MaybeSitePage(%q) = %v, want %v", file, got, want)
		}
	}
}
