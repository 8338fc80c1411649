package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/takt-billing/takt/internal/atomicfile"
)

// SiteLink is a file beside the site that the index links to, such as the
// month's Excel pack; Href is relative to the site's folder.
type SiteLink struct {
	Href, Text string
}

// SiteOptions shape a report site.
type SiteOptions struct {
	// RetroFrom is the first month of the retro; zero means
	// DefaultRetroFrom.
	RetroFrom time.Time
	// Links are further files the index lists (Excel pack, reconciliation
	// workbook).
	Links []SiteLink
}

type indexFamily struct {
	Href, Title, Intro string
	Figures            []string
}

type indexBody struct {
	L                    *pageLabels
	Families             []indexFamily
	RetroHref, RetroText string
	ReconHref, ReconText string
	Links                []SiteLink
}

// WriteIndexPage writes the site's index: each KPI page with the reported
// month's figures of its family, the retro with its period, the
// reconciliation with its totals, and the further files of o.Links.
func WriteIndexPage(w io.Writer, p Pack, o SiteOptions) error {
	if err := p.validate(); err != nil {
		return err
	}
	l := pageLabelsFor(p.Lang)
	base := labelsFor(p.Lang)
	from := o.RetroFrom
	if from.IsZero() {
		from = DefaultRetroFrom(p)
	}
	cur := p.current()
	body := indexBody{
		L: l, RetroHref: RetroFile, RetroText: l.RetroTitle + " " + base.monthLabel(from) + " – " + base.monthLabel(p.Month),
		ReconHref: ReconFile, Links: o.Links,
	}
	for _, f := range packFamilies(p) {
		fam := indexFamily{Href: KPIPageFile(f.Key), Title: l.Families[f.Key], Intro: l.FamilyIntro[f.Key]}
		for _, d := range f.Defs {
			v := cur.figure(d.Name)
			fam.Figures = append(fam.Figures, labelOr(l.KPINames, d.Name)+": "+l.kpiText(v.Value, d.Unit, p.BaseCurrency, base.NA))
		}
		body.Families = append(body.Families, fam)
	}
	stake := moneyByCurrency{}
	open := 0
	for _, e := range p.Exceptions {
		stake.add(e.Currency, e.Amount)
		if !e.Acknowledged {
			open++
		}
	}
	body.ReconText = fmt.Sprintf("%s: %d (%d %s)", l.Exceptions, len(p.Exceptions), open, l.NotAcknowledged)
	if len(stake) > 0 {
		body.ReconText += " · " + l.AtStake + " " + stake.text(l)
	}
	d := newLayout(p, l, IndexFile, l.Overview)
	d.Body = body
	return renderPage(w, indexTemplate, d, "index page")
}

var indexTemplate = pageTemplates(`{{define "content"}}
<h2>{{.L.KPIPages}}</h2>
<table>
{{- range .Families}}
<tr><td><a href="{{.Href}}">{{.Title}}</a><br><span class="note">{{.Intro}}</span></td><td>{{range $i, $f := .Figures}}{{if $i}}<br>{{end}}{{$f}}{{end}}</td></tr>
{{- end}}
</table>
<h2>{{.L.OtherPages}}</h2>
<ul>
<li><a href="{{.RetroHref}}">{{.RetroText}}</a></li>
<li><a href="{{.ReconHref}}">{{.L.ReconTitle}}</a> – {{.ReconText}}</li>
{{- range .Links}}
<li><a href="{{.Href}}">{{.Text}}</a></li>
{{- end}}
</ul>
{{end}}`)

// ErrNoSuchPage is wrapped by the error of WriteSitePage for a file name
// that is not a page of the pack's site, such as the chart page of a KPI
// family the pack has no KPIs of.
var ErrNoSuchPage = errors.New("no such page")

// WriteSitePage writes the page of the report site named file (IndexFile,
// KPIPageFile of one of KPIFamilies(p), RetroFile or ReconFile), the same
// page WriteSite writes under that name. Any other name is an error that
// wraps ErrNoSuchPage.
func WriteSitePage(w io.Writer, p Pack, file string, o SiteOptions) error {
	switch file {
	case IndexFile:
		return WriteIndexPage(w, p, o)
	case RetroFile:
		return WriteRetroPage(w, p, o.RetroFrom)
	case ReconFile:
		return WriteReconciliationPage(w, p)
	}
	for _, f := range KPIFamilies(p) {
		if file == KPIPageFile(f) {
			return WriteKPIPage(w, p, f)
		}
	}
	return fmt.Errorf("reports: site page %q: %w", file, ErrNoSuchPage)
}

// WriteSite writes every page of p into dir with the chart script beside
// them (dir/assets/echarts.min.js): the index, one chart page per KPI
// family, the retro and the reconciliation report. The pages link to each
// other relatively and load nothing from the network, so the folder opens
// from disk or as an attachment. Each file is replaced whole, never left
// half written. It returns the paths written, the index first.
func WriteSite(dir string, p Pack, o SiteOptions) ([]string, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	files := []string{IndexFile}
	for _, f := range KPIFamilies(p) {
		files = append(files, KPIPageFile(f))
	}
	files = append(files, RetroFile, ReconFile)
	// Every page is rendered before anything is written, so a page that
	// fails leaves the folder as it was.
	bufs := make([]bytes.Buffer, len(files))
	for i, file := range files {
		if err := WriteSitePage(&bufs[i], p, file, o); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("reports: site: %w", err)
	}
	if err := WriteAssets(dir); err != nil {
		return nil, err
	}
	paths := make([]string, len(files))
	for i, file := range files {
		paths[i] = filepath.Join(dir, file)
		if err := atomicfile.WriteFile(paths[i], bufs[i].Bytes()); err != nil {
			return nil, fmt.Errorf("reports: site: %w", err)
		}
	}
	return paths, nil
}
