package reports

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// incidentView is an incident as the pages list it.
type incidentView struct {
	ID                                     int64
	Title, Severity, Status, Impact, State string
	// StateClass marks an overdue follow-up for the eye.
	StateClass string
	Months     string
	FollowUps  []followUpView
}

type followUpView struct {
	Number                     int
	Action, Owner, Due, Status string
	Overdue                    bool
}

// incidentsData is what the incidents template lists.
type incidentsData struct {
	L    *pageLabels
	List []incidentView
}

func newIncidentView(inc Incident, l *pageLabels, base *labels) incidentView {
	v := incidentView{
		ID: inc.ID, Title: inc.Title, Severity: inc.Severity, Status: inc.Status, Impact: inc.CustomerImpact,
		State: l.FollowUpStates[inc.FollowUpState()],
	}
	if inc.FollowUpState() == "overdue" {
		v.StateClass = "overdue"
	}
	months := make([]string, len(inc.Months))
	for i, m := range inc.Months {
		months[i] = base.monthLabel(m)
	}
	v.Months = strings.Join(months, ", ")
	for _, f := range inc.FollowUps {
		v.FollowUps = append(v.FollowUps, followUpView{
			Number: f.Number, Action: f.Action, Owner: f.OwnerRole, Due: l.date(f.Due),
			Status: labelOr(base.FollowUpStates, f.Status), Overdue: f.Overdue,
		})
	}
	return v
}

const incidentsTemplate = `{{define "incidents"}}
{{- if .List}}
{{- range .List}}
<section class="incident">
<h3>#{{.ID}} {{.Title}}</h3>
<p class="note">{{$.L.Severity}}: {{.Severity}} · {{$.L.Status}}: {{.Status}} · {{$.L.Months}}: {{.Months}}</p>
<p>{{$.L.Impact}}: {{.Impact}}</p>
<p class="{{.StateClass}}">{{.State}}</p>
{{- if .FollowUps}}
<table>
<tr><th>#</th><th>{{$.L.Action}}</th><th>{{$.L.Owner}}</th><th>{{$.L.Due}}</th><th>{{$.L.Status}}</th></tr>
{{- range .FollowUps}}
<tr{{if .Overdue}} class="overdue"{{end}}><td>{{.Number}}</td><td>{{.Action}}</td><td>{{.Owner}}</td><td>{{.Due}}</td><td>{{.Status}}{{if .Overdue}} – {{$.L.Overdue}}{{end}}</td></tr>
{{- end}}
</table>
{{- end}}
</section>
{{- end}}
{{- else}}
<p>{{.L.NoIncidents}}</p>
{{- end}}
{{- end}}`

// DefaultRetroFrom is the month a retro of p starts at when none is chosen:
// three months before the reported month (a quarter's retro), or the pack's
// first month if it is later.
func DefaultRetroFrom(p Pack) time.Time {
	from := p.Month.AddDate(0, -3, 0)
	if len(p.Months) > 0 && p.Months[0].Month.After(from) {
		from = p.Months[0].Month
	}
	return from
}

// retroRow is one KPI of the retro's comparison.
type retroRow struct {
	Name, From, To, Change, Direction, DirClass string
	Provisional                                 bool
}

type topItem struct {
	Customer, Project, Kind, WorkDate, Amount, AmountBase string
	AgeDays                                               int
}

type retroBody struct {
	L            *pageLabels
	FromLabel    string
	ToLabel      string
	Rows         []retroRow
	Incidents    incidentsData
	Top          []topItem
	UnbilledAsOf string
}

// ErrRetroPeriod is wrapped by the error of a retro whose first month the
// pack cannot show: one after the reported month, or one before the pack's
// first month. It is the chosen month that is wrong, not the data, so the
// service answers it with 400 Bad Request. Its text is the start of every
// such error ("reports: retro from 2026-04: ..."), which goes on with the
// month and which month to choose instead.
var ErrRetroPeriod = errors.New("reports: retro from")

// WriteRetroPage writes the retro page for the period from the month of
// from to the pack's month: every KPI at both ends with the change and
// whether it went the better or the worse way, the incidents that touched
// the period with their follow-ups (overdue ones flagged), and the three
// biggest unbilled amounts at the pack's as-of day. The last retro's month
// is the natural from, so the page shows what changed since then; a zero
// from means DefaultRetroFrom(p). A from the pack cannot show is an error
// that wraps ErrRetroPeriod.
func WriteRetroPage(w io.Writer, p Pack, from time.Time) error {
	if err := p.validate(); err != nil {
		return err
	}
	if from.IsZero() {
		from = DefaultRetroFrom(p)
	}
	from = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	if from.After(p.Month) {
		return fmt.Errorf("%w %s: that is after the reported month %s; choose an earlier month", ErrRetroPeriod, from.Format("2006-01"), p.Month.Format("2006-01"))
	}
	start, ok := p.monthKPIs(from)
	if !ok {
		return fmt.Errorf("%w %s: the pack has KPIs from %s on; choose a month from then", ErrRetroPeriod, from.Format("2006-01"), p.Months[0].Month.Format("2006-01"))
	}
	l := pageLabelsFor(p.Lang)
	base := labelsFor(p.Lang)
	end := p.current()
	body := retroBody{
		L: l, FromLabel: base.monthLabel(from), ToLabel: base.monthLabel(p.Month),
		Incidents: incidentsData{L: l}, UnbilledAsOf: l.date(p.asOf()),
	}
	for _, fam := range packFamilies(p) {
		for _, d := range fam.Defs {
			a, b := start.figure(d.Name), end.figure(d.Name)
			row := retroRow{
				Name: labelOr(l.KPINames, d.Name), From: l.kpiText(a.Value, d.Unit, p.BaseCurrency, base.NA),
				To: l.kpiText(b.Value, d.Unit, p.BaseCurrency, base.NA), Provisional: b.Provisional,
				Direction: l.DirUnknown, Change: base.NA,
			}
			if a.Value.Valid && b.Value.Valid {
				diff := b.Value.Decimal.Sub(a.Value.Decimal)
				row.Change = withSign(l.kpiText(decimal.NewNullDecimal(diff), d.Unit, p.BaseCurrency, base.NA), diff)
				scale, _ := unitScale(d.Unit)
				shown := diff.Mul(scale).Round(2)
				switch {
				case shown.IsZero():
					row.Direction = l.DirSame
				case shown.IsPositive() == (d.Better == "higher"):
					row.Direction, row.DirClass = l.DirBetter, "better"
				default:
					row.Direction, row.DirClass = l.DirWorse, "worse"
				}
			}
			body.Rows = append(body.Rows, row)
		}
	}
	for _, inc := range p.Incidents {
		touched := false
		for _, m := range inc.Months {
			if !m.Before(from) && !m.After(p.Month) {
				touched = true
			}
		}
		if touched {
			body.Incidents.List = append(body.Incidents.List, newIncidentView(inc, l, base))
		}
	}
	for i, u := range p.TopUnbilled {
		if i == 3 {
			break
		}
		if err := u.check(i); err != nil {
			return err
		}
		item := topItem{
			Customer: u.Customer, Project: u.Project, Kind: base.unbilledKind(u.Kind), WorkDate: l.date(u.WorkDate),
			Amount: l.money(u.Amount, u.Currency), AgeDays: u.AgeDays, AmountBase: l.NoRate,
		}
		if u.AmountBase.Valid {
			item.AmountBase = l.money(u.AmountBase.Decimal, p.BaseCurrency)
		}
		body.Top = append(body.Top, item)
	}
	title := l.RetroTitle + " " + body.FromLabel + " – " + body.ToLabel
	d := newLayout(p, l, RetroFile, title)
	d.Sub = title
	d.Body = body
	return renderPage(w, retroTemplate, d, "retro page")
}

// withSign puts a plus before a positive change, so that a rise reads as one.
func withSign(text string, d decimal.Decimal) string {
	if d.IsPositive() && !strings.HasPrefix(text, "+") {
		return "+" + text
	}
	return text
}

var retroTemplate = pageTemplates(`{{define "content"}}
<h2>{{.L.RetroChanges}}: {{.FromLabel}} → {{.ToLabel}}</h2>
<table>
<tr><th>KPI</th><th class="num">{{.FromLabel}}</th><th class="num">{{.ToLabel}}</th><th class="num">{{.L.Change}}</th><th>{{.L.Direction}}</th></tr>
{{- range .Rows}}
<tr><td>{{.Name}}</td><td class="num">{{.From}}</td><td class="num">{{.To}}{{if .Provisional}} ({{$.L.Provisional}}){{end}}</td><td class="num">{{.Change}}</td><td class="{{.DirClass}}">{{.Direction}}</td></tr>
{{- end}}
</table>
<h2>{{.L.RetroIncidents}}</h2>
{{template "incidents" .Incidents}}
<h2>{{.L.TopUnbilled}} · {{.L.UnbilledAsOf}} {{.UnbilledAsOf}}</h2>
{{- if .Top}}
<table>
<tr><th>{{.L.Customer}}</th><th>{{.L.Project}}</th><th>{{.L.Kind}}</th><th>{{.L.WorkDate}}</th><th class="num">{{.L.AgeDays}}</th><th class="num">{{.L.Amount}}</th><th class="num">{{.L.AmountBase}}</th></tr>
{{- range .Top}}
<tr><td>{{.Customer}}</td><td>{{.Project}}</td><td>{{.Kind}}</td><td>{{.WorkDate}}</td><td class="num">{{.AgeDays}}</td><td class="num">{{.Amount}}</td><td class="num">{{.AmountBase}}</td></tr>
{{- end}}
</table>
{{- else}}
<p>{{.L.NoUnbilled}}</p>
{{- end}}
{{end}}` + incidentsTemplate)
