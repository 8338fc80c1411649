package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The chart page test's hostile texts: markup, a script end tag and
// go-echarts' function marker, in the company name, and markup in a reason.
const (
	hostileCompany = hostileMarkup + ` </script><script>alert("c")</script> __f__alert("f")__f__`
	hostileReason  = `<b>no sales</b> in the month`
)

func chartPack(lang string) Pack {
	p := testPack(lang)
	p.Company = hostileCompany
	p.Months[1].DSODays.Reason = hostileReason
	return p
}

func TestWriteChartPageEscapes(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteChartPage(&buf, chartPack("en")); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, bad := range []string{"<img", "<b>", `<script>alert`, "http://", "https://"} {
		if strings.Contains(html, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	for _, want := range []string{
		`<h1>&lt;img src=x onerror=alert(1)&gt; &lt;/script&gt;&lt;script&gt;alert(&#34;c&#34;)&lt;/script&gt; __f__alert(&#34;f&#34;)__f__</h1>`,
		`"subtext":"\u003cimg src=x onerror=alert(1)\u003e \u003c/script\u003e\u003cscript\u003ealert(\"c\")\u003c/script\u003e __f__alert(\"f\")__f__ · Mar 2025"`,
		`<li>Feb 2025 · DSO (month): &lt;b&gt;no sales&lt;/b&gt; in the month</li>`,
		`<script src="assets/echarts.min.js"></script>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if n := strings.Count(html, "<script"); n != 2 {
		t.Errorf("page has %d script elements, want the chart script and the page's own", n)
	}
}

func TestWriteChartPageGerman(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteChartPage(&buf, testPack("de")); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{
		`<html lang="de">`,
		`<title>DSO und Mahnquote – Müller &amp; Söhne Beratung GmbH – Mär 2025</title>`,
		`"text":"Forderungslaufzeit (DSO)"`, `"text":"Mahnquote"`, `"name":"DSO (gleitend 3 Monate)"`,
		`"data":["Jan 2025","Feb 2025","Mär 2025"]`, `"name":"Tage"`, `"locale":"de-DE"`, `"na":"n. v."`,
		`<h3>Monate ohne Wert</h3>`, `<li>Feb 2025 · DSO (Monat): no sales in the month</li>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

func TestChartScriptMissing(t *testing.T) {
	fsys := fstest.MapFS{"assets/README.md": {Data: []byte("how to build")}}
	if _, err := chartScript(fsys); !errors.Is(err, ErrChartScriptMissing) ||
		err.Error() != "the chart script is not built in; build with make (it runs npm ci)" {
		t.Errorf("chartScript without the script: %v", err)
	}
	dir := t.TempDir()
	if err := writeAssets(fsys, dir); !errors.Is(err, ErrChartScriptMissing) {
		t.Errorf("writeAssets without the script: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "assets")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("writeAssets without the script left %v", err)
	}
}

func TestWriteAssets(t *testing.T) {
	dir := t.TempDir()
	if err := WriteAssets(dir); err != nil {
		t.Fatalf("WriteAssets: %v (run make assets first)", err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "assets", "echarts.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("assets", "echarts.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("wrote %d bytes, want the %d bytes of assets/echarts.min.js", len(got), len(want))
	}
	if !bytes.Contains(got, []byte(`version="5.6.0"`)) {
		t.Errorf("the written script is not ECharts 5.6.0, the version package.json pins")
	}
}

// chromium finds the browser, or fails the test with how to install it:
// the chart page is only proven in a real browser.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	t.Fatal("Chromium is not installed; the chart page test runs the page in headless Chromium. " +
		"Install it with `apt-get install -y chromium` (Debian; CI does the same) and run the test again.")
	return ""
}

// pageProblems collects what must not happen on the page: console errors and
// warnings, uncaught exceptions, dialogs (an alert means injected script
// ran), and the URLs the page requested.
type pageProblems struct {
	mu       sync.Mutex
	problems []string
	requests []string
}

func (pp *pageProblems) add(list *[]string, s string) {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	*list = append(*list, s)
}

func (pp *pageProblems) listen(t *testing.T, ctx context.Context) {
	t.Helper()
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning ||
				ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				pp.add(&pp.problems, "console "+string(ev.Type)+": "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			text := d.Text
			if d.Exception != nil {
				text += " " + d.Exception.Description
			}
			pp.add(&pp.problems, "uncaught exception: "+text)
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
				pp.add(&pp.problems, "browser log "+string(ev.Entry.Level)+": "+ev.Entry.Text+" "+ev.Entry.URL)
			}
		case *page.EventJavascriptDialogOpening:
			pp.add(&pp.problems, "dialog: "+ev.Message)
			// A dialog blocks the page; close it from outside the listener.
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{})
		case *network.EventRequestWillBeSent:
			pp.add(&pp.requests, ev.Request.URL)
		}
	})
	if err != nil {
		t.Fatalf("listen to the page: %v", err)
	}
}

// chartState is what the page reports about one chart.
type chartState struct {
	Title, Subtitle string
	Months          []string
	Names           []string
	Values          [][]*float64
	Missing         [][]bool
	Canvases        int
	Painted         int
}

type pageState struct {
	Version string
	Title   string
	Text    string
	Images  int
	Bold    int
	Scripts []string
	Charts  map[string]chartState
}

const pageStateJS = `(() => {
  const out = {
    version: echarts.version, title: document.title, text: document.body.innerText,
    images: document.querySelectorAll("img").length, bold: document.querySelectorAll("b").length,
    scripts: Array.from(document.scripts, s => s.getAttribute("src") || "inline"), charts: {},
  };
  for (const id of ["takt_dso", "takt_dunning"]) {
    const el = document.getElementById(id);
    const chart = echarts.getInstanceByDom(el);
    const o = chart.getOption();
    const canvas = el.querySelector("canvas");
    let painted = 0;
    if (canvas) {
      const px = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 3; i < px.length; i += 4) { if (px[i] !== 0) painted++; }
    }
    out.charts[id] = {
      title: o.title[0].text, subtitle: o.title[0].subtext, months: o.xAxis[0].data,
      names: o.series.map(s => s.name),
      values: o.series.map(s => s.data.map(d => (d && typeof d.value === "number") ? d.value : null)),
      missing: o.series.map((s, i) => {
        const data = chart.getModel().getSeriesByIndex(i).getData();
        const dim = data.mapDimension("y");
        return Array.from({length: data.count()}, (_, k) => isNaN(data.get(dim, k)));
      }),
      canvases: el.querySelectorAll("canvas").length, painted: painted,
    };
  }
  return out;
})()`

func f64(v float64) *float64 { return &v }

// TestChartPageInChromium opens the chart page in headless Chromium, over
// HTTP from a server on 127.0.0.1 and from disk, and checks that both charts
// are drawn with the expected points, that nothing failed or loaded from
// elsewhere, and that the hostile company name shows as text.
func TestChartPageInChromium(t *testing.T) {
	dir := t.TempDir()
	p := chartPack("en")
	var buf bytes.Buffer
	if err := WriteChartPage(&buf, p); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kpis.html"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteAssets(dir); err != nil {
		t.Fatalf("WriteAssets: %v", err)
	}
	// The same page without its assets folder, to check it says so.
	bare := t.TempDir()
	if err := os.WriteFile(filepath.Join(bare, "kpis.html"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()

	browserCtx := sharedBrowser(t)

	shots := screenshotDir(t)
	fileURL := func(d string) string { return "file://" + filepath.ToSlash(d) + "/kpis.html" }

	for _, c := range []struct{ name, url, origin string }{
		{"http", srv.URL + "/kpis.html", srv.URL + "/"},
		{"file", fileURL(dir), "file://" + filepath.ToSlash(dir) + "/"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tab, cancel := chromedp.NewContext(browserCtx)
			defer cancel()
			var pp pageProblems
			pp.listen(t, tab)
			ctx, cancelRun := context.WithTimeout(tab, 10*time.Second)
			defer cancelRun()
			if err := chromedp.Do(ctx, chromedp.Navigate(c.url)); err != nil {
				t.Fatalf("open %s: %v", c.url, err)
			}
			drawn := `typeof echarts !== "undefined" && ["takt_dso", "takt_dunning"].every(id => {
				const el = document.getElementById(id);
				return echarts.getInstanceByDom(el) && el.querySelector("canvas");
			})`
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](drawn, chromedp.WithPollingTimeout(5*time.Second))); err != nil {
				t.Fatalf("the charts were not drawn: %v (problems: %q)", err, pp.problems)
			}
			state, err := chromedp.Run(ctx, chromedp.Evaluate[pageState](pageStateJS))
			if err != nil {
				t.Fatalf("read the page: %v", err)
			}

			if state.Version != "5.6.0" {
				t.Errorf("ECharts %s drew the page, want 5.6.0", state.Version)
			}
			if want := "DSO and dunning rate – " + hostileCompany + " – Mar 2025"; state.Title != want {
				t.Errorf("title %q, want %q", state.Title, want)
			}
			for _, want := range []string{hostileCompany, "Feb 2025 · DSO (month): " + hostileReason} {
				if !strings.Contains(state.Text, want) {
					t.Errorf("the page's text lacks %q:\n%s", want, state.Text)
				}
			}
			if state.Images != 0 || state.Bold != 0 {
				t.Errorf("the page has %d img and %d b elements, want none: source text became markup", state.Images, state.Bold)
			}
			if want := []string{"assets/echarts.min.js", "inline"}; !slices.Equal(state.Scripts, want) {
				t.Errorf("scripts %q, want %q", state.Scripts, want)
			}
			months := []string{"Jan 2025", "Feb 2025", "Mar 2025"}
			subtitle := hostileCompany + " · Mar 2025"
			want := map[string]chartState{
				"takt_dso": {
					Title: "Days sales outstanding (DSO)", Subtitle: subtitle, Months: months,
					Names:   []string{"DSO (month)", "DSO (trailing 3 months)"},
					Values:  [][]*float64{{f64(41.3), nil, f64(38.5)}, {f64(39.8), f64(52.4), f64(44.1)}},
					Missing: [][]bool{{false, true, false}, {false, false, false}}, Canvases: 1,
				},
				"takt_dunning": {
					Title: "Dunning rate", Subtitle: subtitle, Months: months, Names: []string{"Dunning rate"},
					Values:  [][]*float64{{f64(12.5), f64(20), f64(10)}},
					Missing: [][]bool{{false, false, false}}, Canvases: 1,
				},
			}
			for id, w := range want {
				got := state.Charts[id]
				if got.Painted < 5000 {
					t.Errorf("%s: the canvas has %d painted pixels, want a drawn chart", id, got.Painted)
				}
				got.Painted = 0
				if !reflect.DeepEqual(got, w) {
					t.Errorf("%s: chart\n got %s\nwant %s", id, show(got), show(w))
				}
			}

			// The tooltip of February names the missing value's reason, as
			// text.
			tip, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
				const el = document.getElementById("takt_dso");
				echarts.getInstanceByDom(el).dispatchAction({type: "showTip", seriesIndex: 1, dataIndex: 1});
				return "";
			})()`))
			if err != nil {
				t.Fatal(err)
			}
			tip, err = chromedp.Run(ctx, chromedp.Poll[string](
				`(() => { const t = document.querySelector("#takt_dso > div:not(:first-child)"); return t && t.innerText.includes("Feb 2025") ? t.innerText : ""; })()`,
				chromedp.WithPollingTimeout(3*time.Second)))
			if err != nil {
				t.Fatalf("no tooltip for February: %v", err)
			}
			for _, want := range []string{"Feb 2025", "DSO (month): n/a – " + hostileReason, "DSO (trailing 3 months): 52.4 days"} {
				if !strings.Contains(tip, want) {
					t.Errorf("tooltip %q lacks %q", tip, want)
				}
			}
			if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#takt_dso b").length`)); err != nil || n != 0 {
				t.Errorf("the tooltip holds %d b elements (%v), want its reason as text", n, err)
			}

			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot: %v", err)
			}
			shot := filepath.Join(shots, "chart-page-"+c.name+".png")
			if err := os.WriteFile(shot, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot: %s", shot)

			pp.mu.Lock()
			defer pp.mu.Unlock()
			if len(pp.problems) > 0 {
				t.Errorf("the page reported:\n%s", strings.Join(pp.problems, "\n"))
			}
			wantRequests := []string{c.origin + "kpis.html", c.origin + "assets/echarts.min.js"}
			if !slices.Equal(pp.requests, wantRequests) {
				t.Errorf("the page requested %q, want only %q", pp.requests, wantRequests)
			}
		})
	}

	t.Run("without assets", func(t *testing.T) {
		tab, cancel := chromedp.NewContext(browserCtx)
		defer cancel()
		var pp pageProblems
		pp.listen(t, tab)
		ctx, cancelRun := context.WithTimeout(tab, 10*time.Second)
		defer cancelRun()
		if err := chromedp.Do(ctx, chromedp.Navigate(fileURL(bare))); err != nil {
			t.Fatal(err)
		}
		text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, labelsFor("en").ScriptMissing) {
			t.Errorf("the page without its assets does not say so:\n%s", text)
		}
		pp.mu.Lock()
		defer pp.mu.Unlock()
		for _, pr := range pp.problems {
			if strings.HasPrefix(pr, "uncaught exception") || strings.HasPrefix(pr, "dialog") {
				t.Errorf("the page without its assets reported %s", pr)
			}
		}
	})
}

// show prints a chart's state with the values of the pointers.
func show(c chartState) string {
	values := make([][]string, len(c.Values))
	for i, s := range c.Values {
		for _, v := range s {
			if v == nil {
				values[i] = append(values[i], "null")
			} else {
				values[i] = append(values[i], strconv.FormatFloat(*v, 'f', -1, 64))
			}
		}
	}
	return fmt.Sprintf("title %q subtitle %q months %q names %q values %v missing %v canvases %d",
		c.Title, c.Subtitle, c.Months, c.Names, values, c.Missing, c.Canvases)
}
