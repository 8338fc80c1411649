package reports

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

// The pages of a report site, as files in one folder. The names are the
// same on disk (takt report site) and under the service
// (/reports/YYYY-MM/...), so the pages link to each other relatively.
const (
	IndexFile = "index.html"
	RetroFile = "retro.html"
	ReconFile = "recon.html"
)

// KPIPageFile is the file name of a KPI family's chart page, e.g.
// kpi-dso.html or kpi-ar_aging.html.
func KPIPageFile(family string) string {
	return "kpi-" + family + ".html"
}

// MaybeSitePage reports whether file can name a page of a month's site:
// the index, the retro, the reconciliation page or a KPI page. Which KPI
// pages a month has, only its pack tells (WriteSitePage); this check
// needs none.
func MaybeSitePage(file string) bool {
	switch file {
	case IndexFile, RetroFile, ReconFile:
		return true
	}
	family, ok := strings.CutPrefix(file, "kpi-")
	return ok && strings.HasSuffix(family, ".html") && len(family) > len(".html")
}

// The files of a month's reports beside the site (takt report writes them
// into the reports folder, takt serve offers them for download).

// PackWorkbookFile is the monthly pack's file, takt-pack-YYYY-MM.xlsx.
func PackWorkbookFile(month time.Time) string {
	return "takt-pack-" + month.Format("2006-01") + ".xlsx"
}

// ReconWorkbookFile is the reconciliation workbook's file,
// takt-recon-YYYY-MM.xlsx.
func ReconWorkbookFile(month time.Time) string {
	return "takt-recon-" + month.Format("2006-01") + ".xlsx"
}

// ReconReportFile is the reconciliation report's file beside the
// workbooks, takt-recon-YYYY-MM.html.
func ReconReportFile(month time.Time) string {
	return "takt-recon-" + month.Format("2006-01") + ".html"
}

// pageCSP is the Content-Security-Policy of a page without script: nothing
// loads from anywhere, so the page behaves the same from disk, over HTTP and
// attached to an email.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

// scriptCSP allows the chart script beside the page and the page's own
// script, by its hash, and nothing else.
func scriptCSP(script string) string {
	hash := sha256.Sum256([]byte(script))
	return "default-src 'none'; script-src 'self' 'sha256-" + base64.StdEncoding.EncodeToString(hash[:]) +
		"'; style-src 'unsafe-inline'; img-src data:"
}

// navLink is one entry of a page's navigation bar.
type navLink struct {
	Href, Text string
	Current    bool
}

// layoutData is what every page of the site shows around its content.
type layoutData struct {
	Lang, Title, Heading, Sub string
	CSP                       string
	Nav                       []navLink
	Scripts                   []string
	ScriptMissing             string
	Script                    template.JS
	Footer                    string
	// Body is the page's own data, read by its "content" template.
	Body any
}

// siteNav is the navigation of a pack's site: the overview, the KPI family
// pages that have KPIs, the retro and the reconciliation; current is the
// file of the page being written.
func siteNav(p Pack, l *pageLabels, current string) []navLink {
	links := []navLink{{Href: IndexFile, Text: l.Overview}}
	for _, f := range packFamilies(p) {
		links = append(links, navLink{Href: KPIPageFile(f.Key), Text: l.Families[f.Key]})
	}
	links = append(links, navLink{Href: RetroFile, Text: l.RetroTitle}, navLink{Href: ReconFile, Text: l.ReconTitle})
	for i := range links {
		links[i].Current = links[i].Href == current
	}
	return links
}

// newLayout fills what every page of p shows: title, heading, navigation,
// and when it was generated.
func newLayout(p Pack, l *pageLabels, file, pageTitle string) layoutData {
	base := labelsFor(p.Lang)
	return layoutData{
		Lang:    p.Lang,
		Title:   pageTitle + " – " + p.Company + " – " + base.monthLabel(p.Month),
		Heading: p.Company,
		Sub:     pageTitle + " · " + base.monthLabel(p.Month),
		CSP:     pageCSP,
		Nav:     siteNav(p, l, file),
		Footer: l.Generated + " " + l.date(p.GeneratedAt) + " " + p.GeneratedAt.UTC().Format("15:04") + " UTC · " +
			l.DataAsOf + " " + l.date(p.asOf()),
		ScriptMissing: base.ScriptMissing,
	}
}

// renderPage executes one page's template into w.
func renderPage(w io.Writer, t *template.Template, d layoutData, what string) error {
	if err := t.ExecuteTemplate(w, "layout", d); err != nil {
		return fmt.Errorf("reports: %s: %w", what, err)
	}
	return nil
}

// pageTemplates parses the shared layout with one page's content.
func pageTemplates(content string) *template.Template {
	t := template.Must(template.New("layout").Funcs(template.FuncMap{"add": func(a, b int) int { return a + b }}).Parse(layoutTemplate))
	return template.Must(t.Parse(content))
}

const layoutTemplate = `<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{{.Title}}</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1f2937; }
  header { background: #f3f4f6; border-bottom: 1px solid #e5e7eb; padding: 16px 24px 8px; }
  main, footer { max-width: 1100px; margin: 0 auto; padding: 16px 24px; }
  h1 { font-size: 1.4rem; margin: 0 0 2px; overflow-wrap: anywhere; }
  h2 { font-size: 1.15rem; margin: 28px 0 8px; }
  h3 { font-size: 1rem; margin: 20px 0 6px; overflow-wrap: anywhere; }
  .sub { color: #4b5563; margin: 0 0 10px; }
  nav a { display: inline-block; margin: 0 14px 6px 0; color: #1d4ed8; text-decoration: none; font-size: 0.92rem; }
  nav a[aria-current=page] { color: #111827; font-weight: 600; border-bottom: 2px solid #111827; }
  .chart { width: 100%; height: 380px; }
  table { border-collapse: collapse; width: 100%; font-size: 0.9rem; margin: 6px 0 12px; }
  th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #e5e7eb; vertical-align: top; overflow-wrap: break-word; }
  td:first-child { min-width: 10em; }
  th { background: #f9fafb; font-weight: 600; }
  td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
  td.amounts, th.amounts { white-space: normal; }
  .nw { white-space: nowrap; }
  .note, .gaps { color: #4b5563; font-size: 0.9rem; }
  .better { color: #047857; } .worse { color: #b91c1c; }
  .overdue { color: #b91c1c; font-weight: 600; }
  .lapsed { color: #b45309; }
  code { background: #f3f4f6; padding: 1px 4px; border-radius: 3px; font-size: 0.85rem; overflow-wrap: anywhere; }
  code.kind { white-space: nowrap; overflow-wrap: normal; }
  .missing { background: #fef2f2; border: 1px solid #fecaca; padding: 12px; }
  footer { color: #6b7280; font-size: 0.8rem; }
  @media print { nav { display: none; } .chart, section { break-inside: avoid; } }
</style>
{{- range .Scripts}}
<script src="{{.}}"></script>
{{- end}}
</head>
<body>
<header>
<h1>{{.Heading}}</h1>
<p class="sub">{{.Sub}}</p>
<nav>{{range .Nav}}<a href="{{.Href}}"{{if .Current}} aria-current="page"{{end}}>{{.Text}}</a>{{end}}</nav>
</header>
<main>
{{- if .Script}}
<p id="takt-script-missing" class="missing" hidden>{{.ScriptMissing}}</p>
{{- end}}
{{template "content" .Body}}
</main>
<footer>{{.Footer}}</footer>
{{- if .Script}}
<script>{{.Script}}</script>
{{- end}}
</body>
</html>
`
