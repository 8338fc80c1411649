package reports

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/types"
	"github.com/shopspring/decimal"
)

// kpiFamily is a group of KPIs shown on one chart page. KPIs of different
// units go into separate charts of the page.
type kpiFamily struct {
	Key  string
	KPIs []string
}

// kpiFamilies are the chart pages in display order (KPIS.md); "other" takes
// the KPIs of the pack that no family names.
var kpiFamilies = []kpiFamily{
	{"dso", []string{"dso_days", "dso_3m_days", "dso_countback_days", "best_possible_dso_days", "average_days_delinquent"}},
	{"ar_aging", []string{"ar_aging_not_due", "ar_aging_1_30", "ar_aging_31_60", "ar_aging_61_90", "ar_aging_over_90"}},
	{"cei", []string{"cei_percent"}},
	{"time_to_invoice", []string{"time_to_invoice_median_days", "time_to_invoice_p90_days", "time_to_invoice_mean_days", "invoiced_within_5_working_days"}},
	{"unbilled", []string{"unbilled_amount"}},
	{"correction", []string{"correction_rate", "correction_rate_amount"}},
	{"dunning", []string{"dunning_rate", "dunning_rate_level_1", "dunning_rate_level_2", "dunning_rate_level_3", "dunning_fees"}},
	{"automation", []string{"automation_share", "automation_share_amount"}},
}

// builtinKPIs are the unit and direction of the KPIs takt computes, for
// packs that come without KPIDefinitions (built by hand or by an older
// loader).
var builtinKPIs = map[string][2]string{
	"dso_days": {UnitDays, "lower"}, "dso_3m_days": {UnitDays, "lower"}, "dso_countback_days": {UnitDays, "lower"},
	"best_possible_dso_days": {UnitDays, "lower"}, "average_days_delinquent": {UnitDays, "lower"},
	"cei_percent":      {UnitPercent, "higher"},
	"ar_aging_not_due": {UnitMoney, "higher"}, "ar_aging_1_30": {UnitMoney, "lower"}, "ar_aging_31_60": {UnitMoney, "lower"},
	"ar_aging_61_90": {UnitMoney, "lower"}, "ar_aging_over_90": {UnitMoney, "lower"},
	"time_to_invoice_median_days": {UnitDays, "lower"}, "time_to_invoice_p90_days": {UnitDays, "lower"},
	"time_to_invoice_mean_days": {UnitDays, "lower"}, "invoiced_within_5_working_days": {UnitShare, "higher"},
	"unbilled_amount": {UnitMoney, "lower"}, "correction_rate": {UnitShare, "lower"}, "correction_rate_amount": {UnitShare, "lower"},
	"dunning_rate": {UnitShare, "lower"}, "dunning_rate_level_1": {UnitShare, "lower"}, "dunning_rate_level_2": {UnitShare, "lower"},
	"dunning_rate_level_3": {UnitShare, "lower"}, "dunning_fees": {UnitMoney, "lower"},
	"automation_share": {UnitShare, "higher"}, "automation_share_amount": {UnitShare, "higher"},
}

// packDefinitions are the KPIs a pack shows: its KPIDefinitions, or for a
// pack without them, the known KPIs that some month of it has.
func packDefinitions(p Pack) []KPIDefinition {
	if len(p.KPIDefinitions) > 0 {
		return p.KPIDefinitions
	}
	var defs []KPIDefinition
	for _, f := range kpiFamilies {
		for _, name := range f.KPIs {
			has := slices.ContainsFunc(p.Months, func(m MonthKPIs) bool {
				_, ok := m.Figures[name]
				return ok
			})
			if has {
				b := builtinKPIs[name]
				defs = append(defs, KPIDefinition{Name: name, Unit: b[0], Better: b[1], Baseline: KPIValue{Reason: "not in the pack"}})
			}
		}
	}
	return defs
}

// familyKPIs is one family with the definitions of its KPIs in the pack.
type familyKPIs struct {
	Key  string
	Defs []KPIDefinition
}

// packFamilies are the families that have KPIs in p, in display order, with
// "other" last when the pack has KPIs no family names.
func packFamilies(p Pack) []familyKPIs {
	defs := packDefinitions(p)
	byName := make(map[string]KPIDefinition, len(defs))
	for _, d := range defs {
		byName[d.Name] = d
	}
	named := map[string]bool{}
	var out []familyKPIs
	for _, f := range kpiFamilies {
		fk := familyKPIs{Key: f.Key}
		for _, name := range f.KPIs {
			named[name] = true
			if d, ok := byName[name]; ok {
				fk.Defs = append(fk.Defs, d)
			}
		}
		if len(fk.Defs) > 0 {
			out = append(out, fk)
		}
	}
	other := familyKPIs{Key: "other"}
	for _, d := range defs {
		if !named[d.Name] {
			other.Defs = append(other.Defs, d)
		}
	}
	if len(other.Defs) > 0 {
		out = append(out, other)
	}
	return out
}

// KPIFamilies returns the keys of the KPI chart pages p has, in display
// order (dso, ar_aging, cei, time_to_invoice, unbilled, correction, dunning,
// automation, other); KPIPageFile names their files.
func KPIFamilies(p Pack) []string {
	var keys []string
	for _, f := range packFamilies(p) {
		keys = append(keys, f.Key)
	}
	return keys
}

// unitScale is the factor from a KPI's unit to how the charts show it
// (shares as percent) and the decimals shown.
func unitScale(unit string) (decimal.Decimal, int32) {
	switch unit {
	case UnitShare:
		return decimal.NewFromInt(100), 1
	case UnitMoney:
		return decimal.NewFromInt(1), 2
	}
	return decimal.NewFromInt(1), 1
}

// unitLabel is the axis name of a unit.
func (l *pageLabels) unitLabel(unit, currency string) string {
	switch unit {
	case UnitDays:
		return l.Days
	case UnitShare, UnitPercent:
		return l.Percent
	case UnitMoney:
		return currency
	}
	return unit
}

// kpiText formats a figure in its unit for a table cell to the precision
// takt computes it with (two decimals; shares as percent): 38,52 Tage,
// 12,50 %, 1.234,56 €; an undefined figure shows n/a.
func (l *pageLabels) kpiText(v decimal.NullDecimal, unit, currency, na string) string {
	if !v.Valid {
		return na
	}
	scale, _ := unitScale(unit)
	const places = 2
	d := v.Decimal.Mul(scale)
	switch unit {
	case UnitMoney:
		return l.money(d, currency)
	case UnitDays:
		return l.number(d, places) + " " + l.Days
	case UnitShare, UnitPercent:
		if l.CurrencyAfter {
			return l.number(d, places) + " %"
		}
		return l.number(d, places) + "%"
	}
	return l.number(d, places)
}

// incidentMarks are, per incident touching the pack's months, the indices of
// those months.
type incidentMarks struct {
	Incident Incident
	Months   []int
}

func packIncidents(p Pack) []incidentMarks {
	var out []incidentMarks
	for _, inc := range p.Incidents {
		var idx []int
		for i, m := range p.Months {
			if inc.touches(m.Month) {
				idx = append(idx, i)
			}
		}
		if len(idx) > 0 {
			out = append(out, incidentMarks{inc, idx})
		}
	}
	return out
}

// monthRuns splits ascending indices into runs of consecutive ones: [1 2 3 5]
// gives [[1 3] [5 5]].
func monthRuns(idx []int) [][2]int {
	var out [][2]int
	for _, i := range idx {
		if n := len(out); n > 0 && out[n-1][1] == i-1 {
			out[n-1][1] = i
			continue
		}
		out = append(out, [2]int{i, i})
	}
	return out
}

// familyChart is one chart of a family page: the KPIs of one unit.
type familyChart struct {
	ID, Title, Unit string
	Defs            []KPIDefinition
}

// splitByUnit puts a family's KPIs into one chart per unit, in the order
// the units first appear.
func splitByUnit(f familyKPIs, l *pageLabels) []familyChart {
	var out []familyChart
	for _, d := range f.Defs {
		i := slices.IndexFunc(out, func(c familyChart) bool { return c.Unit == d.Unit })
		if i < 0 {
			out = append(out, familyChart{Unit: d.Unit})
			i = len(out) - 1
		}
		out[i].Defs = append(out[i].Defs, d)
	}
	for i := range out {
		out[i].ID = "takt_" + f.Key + "_" + strconv.Itoa(i+1)
		switch {
		case len(out) == 1:
			out[i].Title = l.Families[f.Key]
		case len(out[i].Defs) == 1:
			out[i].Title = labelOr(l.KPINames, out[i].Defs[0].Name)
		default:
			out[i].Title = l.Families[f.Key] + " (" + l.unitLabel(out[i].Unit, "") + ")"
		}
	}
	return out
}

// familyChartConfig is what the page's script reads for one chart.
type familyChartConfig struct {
	ID     string         `json:"id"`
	Option map[string]any `json:"option"`
	// Gaps holds, per KPI series and month, why the value is missing (null
	// where there is one).
	Gaps [][]*string `json:"gaps"`
	// Format is how the tooltip formats values: Intl.NumberFormat options
	// and a unit appended after the number.
	Format map[string]any `json:"format"`
	Suffix string         `json:"suffix"`
	// Series counts the KPI series; the incidents series, when there is
	// one, comes after them.
	Series int `json:"series"`
	// RefMax and RefMin are the extremes of the baseline and target lines,
	// which the value axis must show.
	RefMax *float64 `json:"refMax"`
	RefMin *float64 `json:"refMin"`
}

// incidentConfig is an incident as the tooltip shows it.
type incidentConfig struct {
	Label  string `json:"label"`
	Impact string `json:"impact"`
	State  string `json:"state"`
	Months []int  `json:"months"`
}

type familyPageConfig struct {
	Locale    string              `json:"locale"`
	Months    []string            `json:"months"`
	NA        string              `json:"na"`
	Labels    map[string]string   `json:"labels"`
	Charts    []familyChartConfig `json:"charts"`
	Incidents []incidentConfig    `json:"incidents"`
}

// kpiRow is a line of a family page's table of figures.
type kpiRow struct {
	Name, Latest, Baseline, BaselineSource, Target, Better, Explain string
	Provisional                                                     bool
}

type familyBody struct {
	L              *pageLabels
	Intro          string
	Charts         []familyChart
	Gaps           []string
	GapsHeading    string
	Rows           []kpiRow
	Incidents      incidentsData
	Month          string
	ReferenceLines string
}

// WriteKPIPage writes the chart page of one KPI family of p (see
// KPIFamilies): per unit a chart of the monthly trend of each KPI with its
// baseline (dashed) and target (dotted) lines, the months incidents touched
// shaded on the time axis, and a table of the latest figures. Hovering a
// month shows every figure, the reason of each missing one and the
// incidents of the month with their customer impact and follow-up state. A
// month without a value is a gap, never a zero.
//
// The page loads assets/echarts.min.js relative to itself (WriteAssets puts
// it there) and nothing else; its Content-Security-Policy forbids any other
// load, so it opens from disk as well as over HTTP. go-echarts builds the
// chart options, but the page is rendered with html/template rather than
// go-echarts' own templates, which insert the options into the script
// unescaped: here they are JSON with <, > and & escaped, and every text from
// the data is escaped for its context, inside the tooltips too.
func WriteKPIPage(w io.Writer, p Pack, family string) error {
	if err := p.validate(); err != nil {
		return err
	}
	l := pageLabelsFor(p.Lang)
	base := labelsFor(p.Lang)
	fams := packFamilies(p)
	i := slices.IndexFunc(fams, func(f familyKPIs) bool { return f.Key == family })
	if i < 0 {
		return fmt.Errorf("reports: the pack has no KPIs of family %q; it has %v", family, KPIFamilies(p))
	}
	fam := fams[i]
	months := make([]string, len(p.Months))
	for i, m := range p.Months {
		months[i] = base.monthLabel(m.Month)
	}
	incidents := packIncidents(p)
	cfg := familyPageConfig{
		Locale: base.Locale, Months: months, NA: base.NA,
		Labels: map[string]string{"incident": l.IncidentMark, "impact": l.Impact, "followUps": l.FollowUps},
	}
	for _, im := range incidents {
		cfg.Incidents = append(cfg.Incidents, incidentConfig{
			Label: "#" + strconv.FormatInt(im.Incident.ID, 10) + " " + im.Incident.Title, Impact: im.Incident.CustomerImpact,
			State: l.FollowUpStates[im.Incident.FollowUpState()], Months: im.Months,
		})
	}
	body := familyBody{
		L: l, Intro: l.FamilyIntro[fam.Key], GapsHeading: base.GapsHeading, Month: base.monthLabel(p.Month),
		ReferenceLines: l.ReferenceLines,
	}
	subtitle := p.Company + " · " + base.monthLabel(p.Month)
	for _, fc := range splitByUnit(fam, l) {
		conf := familyLineChart(p, l, fc, months, subtitle, incidents)
		cfg.Charts = append(cfg.Charts, conf)
		for m, month := range months {
			for s, d := range fc.Defs {
				if r := conf.Gaps[s][m]; r != nil {
					body.Gaps = append(body.Gaps, month+" · "+labelOr(l.KPINames, d.Name)+": "+*r)
				}
			}
		}
		body.Charts = append(body.Charts, fc)
	}
	cur := p.current()
	for _, d := range fam.Defs {
		v := cur.figure(d.Name)
		row := kpiRow{
			Name: labelOr(l.KPINames, d.Name), Latest: l.kpiText(v.Value, d.Unit, p.BaseCurrency, base.NA), Provisional: v.Provisional,
			Baseline: l.kpiText(d.Baseline.Value, d.Unit, p.BaseCurrency, base.NA), BaselineSource: d.BaselineSource,
			Better:  l.BetterLower,
			Explain: "takt kpi explain --month " + p.Month.Format("2006-01") + " --kpi " + d.Name,
		}
		if d.Better == "higher" {
			row.Better = l.BetterHigher
		}
		if !v.Value.Valid && v.Reason != "" {
			row.Latest += " – " + v.Reason
		}
		if d.Target != nil {
			row.Target = l.kpiText(decimal.NewNullDecimal(d.Target.Value), d.Unit, p.BaseCurrency, base.NA)
		}
		body.Rows = append(body.Rows, row)
	}
	body.Incidents = incidentsData{L: l}
	for _, im := range incidents {
		body.Incidents.List = append(body.Incidents.List, newIncidentView(im.Incident, l, base))
	}

	script, err := familyScript(cfg)
	if err != nil {
		return fmt.Errorf("reports: KPI page %s: %w", family, err)
	}
	file := KPIPageFile(fam.Key)
	d := newLayout(p, l, file, l.Families[fam.Key])
	d.CSP = scriptCSP(script)
	d.Scripts = []string{chartScriptPath}
	d.Script = template.JS(script)
	d.Body = body
	return renderPage(w, familyTemplate, d, "KPI page "+family)
}

// familyLineChart builds one chart's options with go-echarts: a line per
// KPI with its baseline and target as mark lines, and a series of the
// incidents whose mark areas shade the months they touched.
func familyLineChart(p Pack, l *pageLabels, fc familyChart, months []string, subtitle string, incidents []incidentMarks) familyChartConfig {
	c := charts.NewLine()
	axis := l.unitLabel(fc.Unit, p.BaseCurrency)
	c.SetGlobalOptions(
		charts.WithInitializationOpts(opts.Initialization{ChartID: fc.ID, AssetsHost: "assets/"}),
		charts.WithTitleOpts(opts.Title{Title: fc.Title, Subtitle: subtitle}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0"}),
		charts.WithGridOpts(opts.Grid{Left: "72", Right: "48", Top: "72", Bottom: "64"}),
		charts.WithYAxisOpts(opts.YAxis{Name: axis, Type: "value", AxisLabel: &opts.AxisLabel{Formatter: types.FuncStr("{value}")}}),
		charts.WithAnimation(false),
	)
	c.SetXAxis(months)
	scale, places := unitScale(fc.Unit)
	conf := familyChartConfig{ID: fc.ID, Series: len(fc.Defs)}
	switch fc.Unit {
	case UnitMoney:
		conf.Format = map[string]any{"style": "currency", "currency": p.BaseCurrency, "minimumFractionDigits": 2, "maximumFractionDigits": 2}
	case UnitDays:
		conf.Format = map[string]any{"minimumFractionDigits": 1, "maximumFractionDigits": 1}
		conf.Suffix = " " + l.Days
	default:
		conf.Format = map[string]any{"minimumFractionDigits": 1, "maximumFractionDigits": 1}
		conf.Suffix = " %"
	}
	ref := func(v float64) {
		if conf.RefMax == nil || v > *conf.RefMax {
			conf.RefMax = &v
		}
		if conf.RefMin == nil || v < *conf.RefMin {
			conf.RefMin = &v
		}
	}
	gaps := make([][]*string, len(fc.Defs))
	for s, d := range fc.Defs {
		data := make([]opts.LineData, len(p.Months))
		gaps[s] = make([]*string, len(p.Months))
		for i, m := range p.Months {
			v := m.figure(d.Name)
			if !v.Value.Valid {
				reason := v.Reason
				gaps[s][i] = &reason
				continue
			}
			// The float only positions and labels the point; tables and
			// tooltips show the figure rounded half away from zero.
			point, _ := v.Value.Decimal.Mul(scale).Round(places).Float64()
			data[i].Value = point
		}
		c.AddSeries(labelOr(l.KPINames, d.Name), data, charts.WithLineChartOpts(opts.LineChart{ConnectNulls: opts.Bool(false), ShowSymbol: opts.Bool(true)}))
		var marks []any
		if d.Baseline.Value.Valid {
			v, _ := d.Baseline.Value.Decimal.Mul(scale).Round(places).Float64()
			ref(v)
			marks = append(marks, map[string]any{
				"name": l.Baseline, "yAxis": v, "lineStyle": map[string]any{"type": "dashed"},
				"label": map[string]any{"formatter": labelOr(l.KPINames, d.Name) + " – " + l.Baseline + " " + l.number(d.Baseline.Value.Decimal.Mul(scale), places)},
			})
		}
		if d.Target != nil {
			v, _ := d.Target.Value.Mul(scale).Round(places).Float64()
			ref(v)
			marks = append(marks, map[string]any{
				"name": l.Target, "yAxis": v, "lineStyle": map[string]any{"type": "dotted", "width": 2},
				"label": map[string]any{"formatter": labelOr(l.KPINames, d.Name) + " – " + l.Target + " " + l.number(d.Target.Value.Mul(scale), places)},
			})
		}
		if len(marks) > 0 {
			// The lines take their series' colour; their labels show on
			// hover only, as several series' lines may lie close together
			// (the table under the charts lists them all).
			c.MultiSeries[s].MarkLines = &opts.MarkLines{Data: marks, MarkLineStyle: opts.MarkLineStyle{
				Symbol: []string{"none", "none"}, Label: &opts.Label{Show: opts.Bool(false), Position: "insideEndTop"},
				Emphasis: &opts.Emphasis{Label: &opts.Label{Show: opts.Bool(true)}},
			}}
		}
	}
	if len(incidents) > 0 {
		// A series of its own, without points, carries the incidents, so
		// that the legend can hide them. It sits on a hidden value axis
		// aligned with the months' bands (month i spans i-0.5 to i+0.5), so
		// that a shaded area covers whole months, a single one too.
		c.ExtendXAxis(opts.XAxis{Show: opts.Bool(false), Type: "value", Min: -0.5, Max: float64(len(p.Months)) - 0.5})
		c.AddSeries(l.Incidents, []opts.LineData{}, charts.WithLineChartOpts(opts.LineChart{XAxisIndex: 1}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: "#dc2626"}))
		var areas []any
		for _, im := range incidents {
			for _, r := range monthRuns(im.Months) {
				name := "#" + strconv.FormatInt(im.Incident.ID, 10)
				areas = append(areas, []any{
					map[string]any{"name": name, "xAxis": float64(r[0]) - 0.5},
					map[string]any{"xAxis": float64(r[1]) + 0.5},
				})
			}
		}
		c.MultiSeries[len(fc.Defs)].MarkAreas = &opts.MarkAreas{Data: areas, MarkAreaStyle: opts.MarkAreaStyle{
			ItemStyle: &opts.ItemStyle{Color: "rgba(220, 38, 38, 0.12)"},
			Label:     &opts.Label{Show: opts.Bool(true), Position: "insideTop", Color: "#991b1b"},
		}}
	}
	// Validate puts the months on the axis.
	c.Validate()
	conf.Option = c.JSON()
	conf.Gaps = gaps
	return conf
}

// familyScript is the family page's inline script with its configuration
// as JSON; encoding/json escapes <, >, &, U+2028 and U+2029, so no text from
// the data can end the script element or a JavaScript string.
func familyScript(c familyPageConfig) (string, error) {
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
  var encode = echarts.format.encodeHTML;
  var axisNumber = new Intl.NumberFormat(config.locale, {maximumFractionDigits: 2});
  // nice rounds an axis end away from zero to 1, 2 or 5 times a power of
  // ten.
  function nice(v) {
    if (v === 0) { return 0; }
    var a = Math.abs(v), p = Math.pow(10, Math.floor(Math.log10(a))), steps = [1, 2, 5, 10], r = a;
    for (var i = 0; i < steps.length; i++) {
      if (steps[i] * p >= a) { r = steps[i] * p; break; }
    }
    return v < 0 ? -r : r;
  }
  config.charts.forEach(function (spec) {
    var chart = echarts.init(document.getElementById(spec.id), null, {renderer: "canvas"});
    var option = spec.option;
    var number = new Intl.NumberFormat(config.locale, spec.format);
    var y = option.yAxis[0];
    // Baselines and targets are mark lines, which do not widen the axis:
    // a line above every point raises the axis to it; otherwise the axis
    // fits the points, zero included.
    y.max = function (e) { return spec.refMax !== null && spec.refMax > e.max ? nice(spec.refMax) : null; };
    y.min = function (e) { return spec.refMin !== null && spec.refMin < Math.min(e.min, 0) ? nice(spec.refMin) : null; };
    // The axes stay at the chart's edges when values go below zero (the
    // hidden axis of the incidents would otherwise carry the value axis).
    y.axisLine = Object.assign({}, y.axisLine, {onZero: false});
    // Axis numbers in the page's language (1.000 or 1,000).
    y.axisLabel = Object.assign({}, y.axisLabel, {formatter: function (v) { return axisNumber.format(v); }});
    option.xAxis[0].axisLine = Object.assign({}, option.xAxis[0].axisLine, {onZero: false});
    // The tooltip lists every KPI of the month, the reason where a value is
    // missing, and the incidents that touched the month. Its result is
    // HTML, so every text is encoded.
    option.tooltip = Object.assign({}, option.tooltip, {
      trigger: "axis",
      formatter: function (params) {
        var list = Array.isArray(params) ? params : [params];
        if (list.length === 0) { return ""; }
        var month = list[0].dataIndex;
        var lines = ["<strong>" + encode(config.months[month]) + "</strong>"];
        for (var s = 0; s < spec.series; s++) {
          var marker = "";
          list.forEach(function (p) { if (p.seriesIndex === s) { marker = p.marker; } });
          var gap = spec.gaps[s][month];
          var text = gap === null
            ? number.format(option.series[s].data[month].value) + spec.suffix
            : config.na + (gap ? " – " + gap : "");
          lines.push(marker + encode(option.series[s].name + ": " + text));
        }
        config.incidents.forEach(function (inc) {
          if (inc.months.indexOf(month) < 0) { return; }
          lines.push("<hr style=\"margin:4px 0\">" + encode(config.labels.incident + " " + inc.label));
          if (inc.impact) { lines.push(encode(config.labels.impact + ": " + inc.impact)); }
          lines.push(encode(config.labels.followUps + ": " + inc.state));
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

var familyTemplate = pageTemplates(`{{define "content"}}
<p>{{.Intro}}</p>
{{- range .Charts}}
<section>
<div id="{{.ID}}" class="chart" role="img" aria-label="{{.Title}}"></div>
</section>
{{- end}}
<p class="note">{{.ReferenceLines}}</p>
{{- if .Gaps}}
<div class="gaps">
<h3>{{.GapsHeading}}</h3>
<ul>
{{- range .Gaps}}
<li>{{.}}</li>
{{- end}}
</ul>
</div>
{{- end}}
<h2>{{.L.KPITable}} · {{.Month}}</h2>
<table>
<tr><th>KPI</th><th class="num">{{.L.Latest}}</th><th class="num">{{.L.Baseline}}</th><th class="num">{{.L.Target}}</th><th>{{.L.Better}}</th></tr>
{{- range .Rows}}
<tr><td>{{.Name}}</td><td class="num">{{.Latest}}{{if .Provisional}} ({{$.L.Provisional}}){{end}}</td><td class="num" title="{{.BaselineSource}}">{{.Baseline}}</td><td class="num">{{.Target}}</td><td>{{.Better}}</td></tr>
{{- end}}
</table>
<p class="note">{{.L.ExplainHint}}</p>
<ul class="note">
{{- range .Rows}}
<li><code>{{.Explain}}</code></li>
{{- end}}
</ul>
<h2>{{.L.IncidentList}}</h2>
{{template "incidents" .Incidents}}
{{end}}` + incidentsTemplate)
