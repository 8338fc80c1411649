package reports

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/components"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/types"
	"github.com/shopspring/decimal"
)

// Chart ids are fixed so that the same pack gives the same page.
const (
	dsoChartID     = "takt_dso"
	dunningChartID = "takt_dunning"
)

// WriteChartPage writes one self-contained HTML page with the DSO chart
// (period and trailing 3-month DSO per month) and the dunning-rate chart
// (percent per month) of p. A month without a value is a gap in its line,
// never a zero, and its reason shows in the tooltip and in a list under the
// chart.
//
// The page loads the chart script from the relative path
// assets/echarts.min.js (write it with WriteAssets into the same folder) and
// nothing from the network, so it opens from disk as well as over HTTP; its
// Content-Security-Policy forbids any other load.
//
// go-echarts builds the chart options; the page itself is rendered here with
// html/template rather than go-echarts' own templates, which insert the
// options into the script unescaped and strip its function markers ("__f__")
// from the whole page, so a company name such as "</script>..." or
// "__f__...__f__" would turn into markup or code. Here the options are JSON
// with <, > and & escaped, and every text from the data is escaped for its
// context.
func WriteChartPage(w io.Writer, p Pack) error {
	if err := p.validate(); err != nil {
		return err
	}
	l := labelsFor(p.Lang)
	months := make([]string, len(p.Months))
	for i, m := range p.Months {
		months[i] = l.monthLabel(m.Month)
	}
	subtitle := p.Company + " · " + l.monthLabel(p.Month)

	dso := newLineChart(dsoChartID, l.DSOChart, subtitle, months, l.Days, "{value}")
	dunning := newLineChart(dunningChartID, l.DunningChart, subtitle, months, "%", "{value} %")
	dsoSeries := []series{
		{l.DSOSeries, func(m MonthKPIs) KPIValue { return m.DSODays }, decimal.NewFromInt(1)},
		{l.DSO3mSeries, func(m MonthKPIs) KPIValue { return m.DSO3mDays }, decimal.NewFromInt(1)},
	}
	dunningSeries := []series{
		{l.DunningSeries, func(m MonthKPIs) KPIValue { return m.DunningRate }, decimal.NewFromInt(100)},
	}
	dsoGaps := addSeries(dso, p.Months, dsoSeries)
	dunningGaps := addSeries(dunning, p.Months, dunningSeries)

	page := components.NewPage()
	page.SetPageTitle(l.ChartPageTitle).SetAssetsHost("assets/")
	page.AddCharts(dso, dunning)
	page.Validate()

	config := pageConfig{
		Locale: l.Locale,
		Months: months,
		NA:     l.NA,
		Charts: []chartConfig{
			{ID: dsoChartID, Option: dso.JSON(), Gaps: dsoGaps, Unit: " " + l.Days},
			{ID: dunningChartID, Option: dunning.JSON(), Gaps: dunningGaps, Unit: " %"},
		},
	}
	script, err := pageScript(config)
	if err != nil {
		return fmt.Errorf("reports: chart page: %w", err)
	}
	hash := sha256.Sum256([]byte(script))
	data := pageData{
		Lang:       p.Lang,
		Title:      l.ChartPageTitle + " – " + p.Company + " – " + l.monthLabel(p.Month),
		Heading:    p.Company,
		Subheading: l.ChartPageTitle + " · " + l.monthLabel(p.Month),
		Scripts:    page.JSAssets.Values,
		// The policy allows the scripts beside the page and this page's own
		// script (by its hash) and nothing else: no network, no injected
		// script.
		CSP: "default-src 'none'; script-src 'self' 'sha256-" + base64.StdEncoding.EncodeToString(hash[:]) +
			"'; style-src 'unsafe-inline'; img-src data:",
		ScriptMissing: l.ScriptMissing,
		GapsHeading:   l.GapsHeading,
		Charts: []chartView{
			{ID: dsoChartID, Title: l.DSOChart, Gaps: gapList(months, dsoSeries, dsoGaps)},
			{ID: dunningChartID, Title: l.DunningChart, Gaps: gapList(months, dunningSeries, dunningGaps)},
		},
		Script: template.JS(script),
	}
	if err := pageTemplate.Execute(w, data); err != nil {
		return fmt.Errorf("reports: chart page: %w", err)
	}
	return nil
}

// series is one line of a chart: its name, how to read its KPI from a month
// and the factor from the KPI's unit to the chart's (100 for shares shown as
// percent).
type series struct {
	name  string
	value func(MonthKPIs) KPIValue
	scale decimal.Decimal
}

func newLineChart(id, title, subtitle string, months []string, unit, axisFormat string) *charts.Line {
	c := charts.NewLine()
	c.SetGlobalOptions(
		// The page's style sheet sizes the charts.
		charts.WithInitializationOpts(opts.Initialization{ChartID: id, AssetsHost: "assets/"}),
		charts.WithTitleOpts(opts.Title{Title: title, Subtitle: subtitle}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0"}),
		charts.WithGridOpts(opts.Grid{Left: "56", Right: "32", Top: "72", Bottom: "56"}),
		charts.WithYAxisOpts(opts.YAxis{
			Name: unit, Type: "value", Min: 0,
			// A string template, not a function: the page passes no code
			// through the options.
			AxisLabel: &opts.AxisLabel{Formatter: types.FuncStr(axisFormat)},
		}),
		// Drawn at once, so that a printout or a screenshot shows the
		// finished chart.
		charts.WithAnimation(false),
	)
	c.SetXAxis(months)
	return c
}

// addSeries adds one line per series and returns, per series and month, why
// the value is missing (nil where there is a value). A missing value is an
// empty data item, which ECharts draws as a gap.
func addSeries(c *charts.Line, months []MonthKPIs, list []series) [][]*string {
	gaps := make([][]*string, len(list))
	for s, sr := range list {
		data := make([]opts.LineData, len(months))
		gaps[s] = make([]*string, len(months))
		for i, m := range months {
			v := sr.value(m)
			if !v.Value.Valid {
				reason := v.Reason
				gaps[s][i] = &reason
				continue
			}
			// Points are shown to one decimal (half away from zero); the
			// float only positions the point and labels it.
			point, _ := v.Value.Decimal.Mul(sr.scale).Round(1).Float64()
			data[i].Value = point
		}
		c.AddSeries(sr.name, data, charts.WithLineChartOpts(opts.LineChart{
			ConnectNulls: opts.Bool(false), ShowSymbol: opts.Bool(true),
		}))
	}
	return gaps
}

// gapList is the text list of the missing points of a chart, e.g. "Mar 2025
// · DSO (month): no sales in the month".
func gapList(months []string, list []series, gaps [][]*string) []string {
	var out []string
	for i, month := range months {
		for s, sr := range list {
			if r := gaps[s][i]; r != nil {
				out = append(out, month+" · "+sr.name+": "+*r)
			}
		}
	}
	return out
}

// pageConfig is what the page's script reads: the options go-echarts built
// and what the tooltip needs.
type pageConfig struct {
	Locale string        `json:"locale"`
	Months []string      `json:"months"`
	NA     string        `json:"na"`
	Charts []chartConfig `json:"charts"`
}

type chartConfig struct {
	ID     string         `json:"id"`
	Option map[string]any `json:"option"`
	Gaps   [][]*string    `json:"gaps"`
	Unit   string         `json:"unit"`
}

// pageScript is the page's inline script with the configuration as JSON.
// encoding/json escapes <, >, &, U+2028 and U+2029 in strings, so no text
// from the data can end the script element or the JavaScript string it is
// in.
func pageScript(c pageConfig) (string, error) {
	js, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode chart options: %w", err)
	}
	return `
"use strict";
(function () {
  var config = ` + string(js) + `;
  if (typeof echarts === "undefined") {
    document.getElementById("takt-script-missing").hidden = false;
    return;
  }
  var number = new Intl.NumberFormat(config.locale, {minimumFractionDigits: 1, maximumFractionDigits: 1});
  var encode = echarts.format.encodeHTML;
  config.charts.forEach(function (spec) {
    var chart = echarts.init(document.getElementById(spec.id), null, {renderer: "canvas"});
    var option = spec.option;
    // The tooltip lists every line of the month, with the reason where a
    // value is missing. Its result is HTML, so every text is encoded.
    option.tooltip = Object.assign({}, option.tooltip, {
      trigger: "axis",
      formatter: function (params) {
        var list = Array.isArray(params) ? params : [params];
        if (list.length === 0) {
          return "";
        }
        var month = list[0].dataIndex;
        var lines = [encode(config.months[month])];
        option.series.forEach(function (series, s) {
          var marker = "";
          list.forEach(function (p) {
            if (p.seriesIndex === s) {
              marker = p.marker;
            }
          });
          var gap = spec.gaps[s][month];
          var text = gap === null
            ? number.format(series.data[month].value) + spec.unit
            : config.na + (gap ? " – " + gap : "");
          lines.push(marker + encode(series.name + ": " + text));
        });
        return lines.join("<br>");
      }
    });
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
`, nil
}

type pageData struct {
	Lang, Title, Heading, Subheading string
	Scripts                          []string
	CSP                              string
	ScriptMissing, GapsHeading       string
	Charts                           []chartView
	Script                           template.JS
}

type chartView struct {
	ID, Title string
	Gaps      []string
}

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{{.Title}}</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px auto; max-width: 1100px; padding: 0 16px; color: #1f2937; }
  h1 { font-size: 1.5rem; margin: 0 0 4px; overflow-wrap: anywhere; }
  .sub { color: #4b5563; margin: 0 0 24px; }
  section { margin-bottom: 32px; }
  .chart { width: 100%; height: 360px; }
  .gaps { font-size: 0.9rem; color: #4b5563; }
  .gaps h3 { font-size: 0.95rem; margin: 8px 0 4px; }
  .missing { background: #fef2f2; border: 1px solid #fecaca; padding: 12px; }
  @media print { .chart { break-inside: avoid; } }
</style>
{{- range .Scripts}}
<script src="{{.}}"></script>
{{- end}}
</head>
<body>
<h1>{{.Heading}}</h1>
<p class="sub">{{.Subheading}}</p>
<p id="takt-script-missing" class="missing" hidden>{{.ScriptMissing}}</p>
{{- range .Charts}}
<section>
<div id="{{.ID}}" class="chart" role="img" aria-label="{{.Title}}"></div>
{{- if .Gaps}}
<div class="gaps">
<h3>{{$.GapsHeading}}</h3>
<ul>
{{- range .Gaps}}
<li>{{.}}</li>
{{- end}}
</ul>
</div>
{{- end}}
</section>
{{- end}}
<script>{{.Script}}</script>
</body>
</html>
`))
