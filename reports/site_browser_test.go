package reports

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// siteChart is what a family page reports about one of its charts.
type siteChart struct {
	ID       string
	Names    []string
	Values   [][]*float64
	Missing  [][]bool
	Months   []string
	Areas    int
	AreaIdx  [][2]float64
	Lines    [][]float64
	Painted  int
	Canvases int
}

type sitePageState struct {
	Title   string
	Text    string
	Images  int
	Hostile int
	Scripts []string
	Links   []string
	Charts  []siteChart
}

const sitePageStateJS = `(() => {
  const out = {
    title: document.title, text: document.body.innerText,
    images: document.querySelectorAll("img").length,
    hostile: Array.from(document.querySelectorAll("b")).filter(e => /twice|no collections/.test(e.textContent)).length,
    scripts: Array.from(document.scripts, s => s.getAttribute("src") || "inline"),
    links: Array.from(document.querySelectorAll("a[href]"), a => a.getAttribute("href")),
    charts: [],
  };
  for (const el of document.querySelectorAll(".chart")) {
    const chart = echarts.getInstanceByDom(el);
    if (!chart) { out.charts.push({id: el.id}); continue; }
    const o = chart.getOption();
    const canvas = el.querySelector("canvas");
    let painted = 0;
    if (canvas) {
      const px = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 3; i < px.length; i += 4) { if (px[i] !== 0) painted++; }
    }
    const areas = [];
    o.series.forEach(s => { ((s.markArea && s.markArea.data) || []).forEach(a => areas.push([a[0].xAxis, a[1].xAxis])); });
    out.charts.push({
      id: el.id, names: o.series.map(s => s.name), months: o.xAxis[0].data,
      values: o.series.map(s => s.data.map(d => (d && typeof d.value === "number") ? d.value : null)),
      missing: o.series.map((s, i) => {
        const data = chart.getModel().getSeriesByIndex(i).getData();
        const dim = data.mapDimension("y");
        return Array.from({length: data.count()}, (_, k) => isNaN(data.get(dim, k)));
      }),
      areas: areas.length, areaIdx: areas,
      lines: o.series.map(s => ((s.markLine && s.markLine.data) || []).map(d => d.yAxis)),
      painted: painted, canvases: el.querySelectorAll("canvas").length,
    });
  }
  return out;
})()`

// openPage loads a page in a new tab of the shared browser, waits until
// every chart on it is drawn and returns the tab with what went wrong on it.
func openPage(t *testing.T, url string) (context.Context, *pageProblems, func()) {
	t.Helper()
	tab, cancelTab := chromedp.NewContext(sharedBrowser(t))
	pp := &pageProblems{}
	pp.listen(t, tab)
	ctx, cancelRun := context.WithTimeout(tab, 15*time.Second)
	cancel := func() { cancelRun(); cancelTab() }
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		cancel()
		t.Fatalf("open %s: %v", url, err)
	}
	drawn := `Array.from(document.querySelectorAll(".chart")).every(el =>
		typeof echarts !== "undefined" && echarts.getInstanceByDom(el) && el.querySelector("canvas"))`
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](drawn, chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		cancel()
		t.Fatalf("%s: the charts were not drawn: %v (problems: %q)", url, err, pp.problems)
	}
	return ctx, pp, cancel
}

// tooltipOf shows the tooltip of a month of a chart (at the point of a
// series that has a value that month) and returns its text
// and the number of img and script elements in it.
func tooltipOf(t *testing.T, ctx context.Context, chartID string, series, month int, want string) (string, int) {
	t.Helper()
	show := fmt.Sprintf(`(() => { echarts.getInstanceByDom(document.getElementById(%q)).dispatchAction({type: "showTip", seriesIndex: %d, dataIndex: %d}); return ""; })()`, chartID, series, month)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[string](show)); err != nil {
		t.Fatal(err)
	}
	read := fmt.Sprintf(`(() => { const t = document.querySelector("#%s > div:not(:first-child)"); return t && t.innerText.includes(%q) ? t.innerText : ""; })()`, chartID, want)
	tip, err := chromedp.Run(ctx, chromedp.Poll[string](read, chromedp.WithPollingTimeout(3*time.Second)))
	if err != nil {
		t.Fatalf("%s: no tooltip with %q for month %d: %v", chartID, want, month, err)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll("#%s img, #%s script").length`, chartID, chartID)))
	if err != nil {
		t.Fatal(err)
	}
	// Intl puts a no-break space between number and unit in German.
	return strings.ReplaceAll(tip, "\u00a0", " "), n
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(screenshotDir(t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// checkClean fails the test for what the page must not do: console errors,
// exceptions, dialogs, requests beyond the page and its chart script, and
// links to files the site does not have.
func checkClean(t *testing.T, pp *pageProblems, dir, file string, state sitePageState, charts bool) {
	t.Helper()
	pp.mu.Lock()
	defer pp.mu.Unlock()
	if len(pp.problems) > 0 {
		t.Errorf("%s reported:\n%s", file, strings.Join(pp.problems, "\n"))
	}
	origin := "file://" + filepath.ToSlash(dir) + "/"
	want := []string{origin + file}
	if charts {
		want = append(want, origin+"assets/echarts.min.js")
	}
	if !slices.Equal(pp.requests, want) {
		t.Errorf("%s requested %q, want only %q", file, pp.requests, want)
	}
	if state.Images != 0 || state.Hostile != 0 {
		t.Errorf("%s has %d img elements and %d elements made from source text, want none", file, state.Images, state.Hostile)
	}
	for _, href := range state.Links {
		if strings.HasPrefix(href, "#") {
			continue
		}
		if strings.Contains(href, ":") || strings.HasPrefix(href, "/") {
			t.Errorf("%s links to %q, want a relative link", file, href)
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, href)); err != nil {
			t.Errorf("%s links to %q: %v", file, href, err)
		}
	}
}

// TestSiteInChromium writes the site of the test pack in English and
// German, opens every page from disk in headless Chromium and checks that
// it works offline, draws every chart with its points, reference lines and
// incident marks, shows hostile texts as text (tooltips included) and
// writes a screenshot of each page for review.
func TestSiteInChromium(t *testing.T) {
	for _, lang := range []string{"en", "de"} {
		t.Run(lang, func(t *testing.T) {
			dir := t.TempDir()
			p := sitePack(lang)
			paths, err := WriteSite(dir, p, SiteOptions{Links: []SiteLink{{Href: "assets/echarts.min.js", Text: "script"}}})
			if err != nil {
				t.Fatal(err)
			}
			var files []string
			for _, path := range paths {
				files = append(files, filepath.Base(path))
			}
			wantFiles := []string{"index.html", "kpi-dso.html", "kpi-ar_aging.html", "kpi-cei.html", "kpi-time_to_invoice.html",
				"kpi-unbilled.html", "kpi-correction.html", "kpi-dunning.html", "kpi-automation.html", "retro.html", "recon.html"}
			if !slices.Equal(files, wantFiles) {
				t.Fatalf("WriteSite wrote %q, want %q", files, wantFiles)
			}
			for _, file := range files {
				t.Run(file, func(t *testing.T) {
					ctx, pp, cancel := openPage(t, "file://"+filepath.ToSlash(dir)+"/"+file)
					defer cancel()
					state, err := chromedp.Run(ctx, chromedp.Evaluate[sitePageState](sitePageStateJS))
					if err != nil {
						t.Fatalf("read the page: %v", err)
					}
					isChart := strings.HasPrefix(file, "kpi-")
					checkPage(t, ctx, lang, file, state)
					screenshot(t, ctx, "site-"+lang+"-"+strings.TrimSuffix(file, ".html")+".png")
					checkClean(t, pp, dir, file, state, isChart)
				})
			}
		})
	}
}

func fp(vs ...any) []*float64 {
	out := make([]*float64, len(vs))
	for i, v := range vs {
		switch v := v.(type) {
		case float64:
			out[i] = &v
		case int:
			f := float64(v)
			out[i] = &f
		}
	}
	return out
}

// checkPage checks what each page shows.
func checkPage(t *testing.T, ctx context.Context, lang, file string, s sitePageState) {
	t.Helper()
	contains := func(want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(s.Text, w) {
				t.Errorf("%s lacks %q:\n%s", file, w, s.Text)
			}
		}
	}
	incidentAreas := [][2]float64{{0.5, 2.5}, {3.5, 4.5}}
	months := []string{"Jan 2026", "Feb 2026", "Mär 2026", "Apr 2026", "Mai 2026", "Jun 2026"}
	if lang == "en" {
		months = []string{"Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026", "May 2026", "Jun 2026"}
	}
	switch {
	case strings.HasPrefix(file, "kpi-"):
		for _, c := range s.Charts {
			if c.Painted < 5000 || c.Canvases != 1 {
				t.Errorf("%s: chart %s has %d canvases with %d painted pixels, want a drawn chart", file, c.ID, c.Canvases, c.Painted)
			}
			if !slices.Equal(c.Months, months) {
				t.Errorf("%s: chart %s has months %q, want %q", file, c.ID, c.Months, months)
			}
			// Every chart shades the months of incidents 7 (February and
			// March) and 9 (May); incident 3 is before the pack's months.
			if c.Areas != 2 || !reflect.DeepEqual(c.AreaIdx, incidentAreas) {
				t.Errorf("%s: chart %s marks incidents at %v, want %v", file, c.ID, c.AreaIdx, incidentAreas)
			}
		}
	}
	en := lang == "en"
	switch file {
	case "index.html":
		if en {
			contains("Overview · Jun 2026", "DSO (month): 36.96 days", "CEI: 91.55%", "Unbilled work: €42,100.99",
				"Retro Mar 2026 – Jun 2026", "Exceptions: 3 (2 open) · At stake €1,517.55 · £250.00", "Not due: €57,123.45")
		} else {
			contains("Übersicht · Jun 2026", "DSO (Monat): 36,96 Tage", "CEI: 91,55 %", "Nicht abgerechnete Leistungen: 42.100,99 €",
				"Retrospektive Mär 2026 – Jun 2026", "Ausnahmen: 3 (2 offen) · Betroffener Betrag 1.517,55 € · 250,00 £")
		}
	case "kpi-dso.html":
		if len(s.Charts) != 1 {
			t.Fatalf("%s has %d charts, want 1", file, len(s.Charts))
		}
		c := s.Charts[0]
		names := []string{"DSO (month)", "DSO (trailing 3 months)", "Countback DSO", "Best possible DSO", "Average days delinquent", "Incidents"}
		if !en {
			names = []string{"DSO (Monat)", "DSO (gleitend 3 Monate)", "DSO (Countback)", "Bestmögliche DSO", "Durchschnittlicher Zahlungsverzug", "Vorfälle"}
		}
		if !slices.Equal(c.Names, names) {
			t.Errorf("DSO chart series %q, want %q", c.Names, names)
		}
		if got, want := c.Values[0], fp(41.3, 39, nil, 44.3, 38.5, 37); !reflect.DeepEqual(got, want) {
			t.Errorf("DSO (month) points %v, want %v", deref(got), deref(want))
		}
		if want := []bool{false, false, true, false, false, false}; !slices.Equal(c.Missing[0], want) {
			t.Errorf("DSO (month) gaps %v, want %v", c.Missing[0], want)
		}
		// Baseline 40 (configured) and target 35 on the period DSO; the
		// 3-month DSO has its median baseline 40.8 and no target; the
		// best possible DSO no baseline (March is missing).
		if want := [][]float64{{40, 35}, {40.8}, {38.2}, {}, {}, {}}; !reflect.DeepEqual(c.Lines, want) {
			t.Errorf("DSO reference lines %v, want %v", c.Lines, want)
		}
		march := "Mar 2026"
		if !en {
			march = "Mär 2026"
		}
		tip, tags := tooltipOf(t, ctx, c.ID, 1, 2, march)
		want := []string{"Mar 2026", "DSO (month): n/a – no sales in the month", "DSO (trailing 3 months): 42.7 days",
			"Incident #7 " + hostileMarkup, "Customer impact: " + hostileImpact, "Follow-ups: follow-up overdue"}
		if !en {
			want = []string{"Mär 2026", "DSO (Monat): n. v. – no sales in the month", "DSO (gleitend 3 Monate): 42,7 Tage",
				"Vorfall #7 " + hostileMarkup, "Auswirkung auf Kunden: " + hostileImpact, "Folgemaßnahmen: Folgemaßnahme überfällig"}
		}
		for _, w := range want {
			if !strings.Contains(tip, w) {
				t.Errorf("tooltip of March %q lacks %q", tip, w)
			}
		}
		if tags != 0 {
			t.Errorf("the tooltip of March holds %d img or script elements, want its texts as text", tags)
		}
		if en {
			contains("Mar 2026 · DSO (month): no sales in the month", "DSO (month)\t36.96 days\t40.00 days\t35.00 days\tlower is better",
				"takt kpi explain --month 2026-06 --kpi dso_days", "#7 "+hostileMarkup, "Customer impact: "+hostileImpact,
				"Check invoices for duplicates before sending", "15 Apr 2026", "open – overdue", "#9 Xero sync stopped for two days")
		} else {
			contains("Mär 2026 · DSO (Monat): no sales in the month", "DSO (Monat)\t36,96 Tage\t40,00 Tage\t35,00 Tage\tniedriger ist besser",
				"15.04.2026", "offen – überfällig")
		}
	case "kpi-ar_aging.html":
		c := s.Charts[0]
		if got, want := c.Values[0], fp(61200, 58000.5, -1250.75, 64000, 59000, 57123.45); !reflect.DeepEqual(got, want) {
			t.Errorf("not due points %v, want %v", deref(got), deref(want))
		}
		tip, _ := tooltipOf(t, ctx, c.ID, 0, 2, "2026")
		if en && !strings.Contains(tip, "Not due: -€1,250.75") || !en && !strings.Contains(tip, "Nicht fällig: -1.250,75 €") {
			t.Errorf("tooltip of March %q lacks the negative amount", tip)
		}
	case "kpi-cei.html":
		if en {
			contains("Feb 2026 · CEI: "+hostileGap, "CEI\t91.55%\tn/a\t92.00%\thigher is better")
		} else {
			contains("Feb 2026 · CEI: "+hostileGap, "CEI\t91,55 %\tn. v.\t92,00 %\thöher ist besser")
		}
	case "kpi-time_to_invoice.html":
		// Days and a share: two charts.
		if len(s.Charts) != 2 || len(s.Charts[0].Names) != 4 || len(s.Charts[1].Names) != 2 {
			t.Errorf("time to invoice charts %v, want 3 KPIs in days and 1 share, each with the incidents", s.Charts)
		}
		if len(s.Charts) == 2 {
			if got, want := s.Charts[1].Values[0], fp(62, 66, 48, 59, 71, 74.3); !reflect.DeepEqual(got, want) {
				t.Errorf("within 5 working days points %v, want %v", deref(got), deref(want))
			}
		}
	case "kpi-correction.html":
		if en {
			contains("Correction rate (invoices)\tn/a – no invoice issued yet (provisional)")
		}
	case "kpi-dunning.html":
		if len(s.Charts) != 2 {
			t.Errorf("dunning has %d charts, want rates and fees", len(s.Charts))
		}
	case "retro.html":
		if en {
			contains("What changed: Mar 2026 → Jun 2026",
				"DSO (month)\tn/a\t36.96 days\tn/a\tnot comparable",
				"DSO (trailing 3 months)\t42.70 days\t39.95 days\t-2.75 days\tbetter",
				"CEI\t84.10%\t91.55%\t+7.45%\tbetter",
				"Unbilled work\t€72,000.10\t€42,100.99\t-€29,899.11\tbetter",
				"Automation share (lines)\t52.00%\t70.00%\t+18.00%\tbetter",
				"Final reminder\t5.00%\t0.00%\t-5.00%\tbetter",
				"Not due\t-€1,250.75\t€57,123.45\t+€58,374.20\tbetter",
				"#7 "+hostileMarkup, "open – overdue", "#9 Xero sync stopped",
				"Biggest unbilled amounts · Unbilled work as of 30 Jun 2026",
				"Acme Ltd\tPlatform\tmilestone\t30 Jun 2026\t0\t£5,000.00\t€5,850.00",
				hostileMarkup+"\tWebsite relaunch\ttime\t5 Mar 2026\t116\tCHF 180.00\tno exchange rate")
			if strings.Contains(s.Text, "Harvest outage") || strings.Contains(s.Text, "Fourth GmbH") {
				t.Errorf("the retro shows an incident before the period or a fourth unbilled item:\n%s", s.Text)
			}
		} else {
			contains("Was sich verändert hat: Mär 2026 → Jun 2026",
				"DSO (gleitend 3 Monate)\t42,70 Tage\t39,95 Tage\t-2,75 Tage\tbesser",
				"Nicht abgerechnete Leistungen\t72.000,10 €\t42.100,99 €\t-29.899,11 €\tbesser",
				"Acme Ltd\tPlatform\tMeilenstein\t30.06.2026\t0\t5.000,00 £\t5.850,00 €",
				"180,00 CHF\tkein Wechselkurs", "offen – überfällig")
		}
	case "recon.html":
		if en {
			contains("By customer · Unbilled work as of 30 Jun 2026",
				"(no customer)\t1\t€99.99\t20\t0\t",
				"Acme Ltd\t2\t€1,234.50 · £5,000.00\t41\t2 (1 open)\t€1,037.55 · £250.00",
				hostileMarkup+"\t30\t€5,400.00\t116\t1 (1 open)\t€480.00",
				"Total\t33\t€6,734.49 · £5,000.00\t\t3\t€1,517.55 · £250.00",
				"Website relaunch\t30\t45.00\t€5,400.00\t116",
				"Showing the 25 oldest of 30 items; the full list: takt unbilled",
				"the entry was billed on invoices 2026-0012 and 2026-0015 <b>twice</b>",
				"Acknowledged by anna, 20 Jun 2026: agreed discount",
				"acknowledgement lapsed: the amount or records changed since (ben, 20 Jun 2026: change request on its way)",
				"takt exceptions ack double_billed:HV-900,HV-901 --by USER --reason TEXT",
				"takt exceptions ack over_budget:PLAT --by USER --reason TEXT",
				"takt unbilled --as-of 2026-06-30", "takt kpi explain --month 2026-06 --kpi unbilled_amount")
		} else {
			contains("Nach Kunde · Nicht abgerechnete Leistungen zum 30.06.2026", "(kein Kunde)",
				"Acme Ltd\t2\t1.234,50 € · 5.000,00 £\t41\t2 (1 offen)\t1.037,55 € · 250,00 £",
				"Die 25 ältesten von 30 Posten", "Bestätigt von anna, 20.06.2026: agreed discount")
		}
		// The overview links to each customer's section.
		for _, a := range []string{"#customer-1", "#customer-2", "#customer-3"} {
			if !slices.Contains(s.Links, a) {
				t.Errorf("recon links %q, want %s among them", s.Links, a)
			}
		}
	}
}

func deref(v []*float64) []any {
	out := make([]any, len(v))
	for i, p := range v {
		if p != nil {
			out[i] = *p
		}
	}
	return out
}
