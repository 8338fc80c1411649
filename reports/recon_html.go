package reports

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// reconItemsShown is how many unbilled items a customer's section lists,
// the oldest first; the rest are counted and the command that lists them
// all is shown, so that a month with a million items still gives a page a
// browser opens.
const reconItemsShown = 25

// moneyByCurrency sums amounts per currency.
type moneyByCurrency map[string]decimal.Decimal

func (m moneyByCurrency) add(currency string, d decimal.Decimal) {
	m[currency] = m[currency].Add(d)
}

// list formats the sums in currency order: ["1.234,56 €", "50,00 £"]. The
// pages show them joined by " · ", each kept on one line.
func (m moneyByCurrency) list(l *pageLabels) []string {
	codes := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = l.money(m[c], c)
	}
	return parts
}

// text is list joined: "1.234,56 € · 50,00 £".
func (m moneyByCurrency) text(l *pageLabels) string {
	return strings.Join(m.list(l), " · ")
}

// reconProject is one project's unbilled work of a customer.
type reconProject struct {
	Name       string
	Count      int
	Hours      decimal.Decimal
	Amounts    moneyByCurrency
	OldestDays int
}

// reconCustomer gathers a customer's unbilled work and exceptions.
type reconCustomer struct {
	id, name   string
	count      int
	hours      decimal.Decimal
	unbilled   moneyByCurrency
	atStake    moneyByCurrency
	oldest     int
	projects   map[string]*reconProject
	items      []UnbilledItem // the oldest reconItemsShown
	exceptions []Exception
	open       int
}

func customerKey(id, name string) string {
	if id != "" {
		return "id:" + id
	}
	return "name:" + name
}

type reconItemView struct {
	Project, Kind, Source, WorkDate, Hours, Amount string
	AgeDays                                        int
}

type reconProjectView struct {
	Name, Hours       string
	Amount            []string
	Count, OldestDays int
}

type reconExceptionView struct {
	Anchor, ID, Kind, Project, Amount, Reason, Records, Invoices, Match string
	AckState, AckClass, AckCommand                                      string
}

type reconCustomerView struct {
	Anchor, Name                 string
	Count                        int
	Unbilled, AtStake            []string
	Hours                        string
	Exceptions, Open, OldestDays int
	Projects                     []reconProjectView
	Items                        []reconItemView
	ItemsNote                    string
	ExceptionList                []reconExceptionView
}

type reconBody struct {
	L                           *pageLabels
	AsOf                        string
	Customers                   []reconCustomerView
	TotalUnbilled, TotalAtStake []string
	TotalCount, TotalExceptions int
	Commands                    []string
}

// WriteReconciliationPage writes the reconciliation report of p as HTML:
// per customer the unbilled work (by project, with the oldest items) and
// the billing exceptions with the amount at stake, the reason, the records
// and the acknowledgement; an overview table links to each customer's
// section, and the commands a controller runs for the full lists and to
// acknowledge an exception are printed beside them. Unbilled items are read
// once from the pack (UnbilledRows when set), so a month with a million
// of them is summed without holding them.
func WriteReconciliationPage(w io.Writer, p Pack) error {
	return writeReconciliation(w, p, true)
}

// WriteReconciliationReport writes the same report as
// WriteReconciliationPage as a page of its own, without the site's
// navigation, for `takt report recon`.
func WriteReconciliationReport(w io.Writer, p Pack) error {
	return writeReconciliation(w, p, false)
}

func writeReconciliation(w io.Writer, p Pack, inSite bool) error {
	if err := p.validate(); err != nil {
		return err
	}
	l := pageLabelsFor(p.Lang)
	base := labelsFor(p.Lang)
	customers := map[string]*reconCustomer{}
	get := func(id, name string) *reconCustomer {
		k := customerKey(id, name)
		c, ok := customers[k]
		if !ok {
			c = &reconCustomer{id: id, name: name, unbilled: moneyByCurrency{}, atStake: moneyByCurrency{}, projects: map[string]*reconProject{}}
			customers[k] = c
		}
		return c
	}
	totalUnbilled, totalAtStake := moneyByCurrency{}, moneyByCurrency{}
	totalCount := 0
	for u, err := range p.unbilled() {
		if err != nil {
			return fmt.Errorf("reports: reconciliation page: %w", err)
		}
		c := get(u.CustomerID, u.Customer)
		c.count++
		totalCount++
		c.hours = c.hours.Add(u.Hours)
		c.unbilled.add(u.Currency, u.Amount)
		totalUnbilled.add(u.Currency, u.Amount)
		c.oldest = max(c.oldest, u.AgeDays)
		pr, ok := c.projects[u.Project]
		if !ok {
			pr = &reconProject{Name: u.Project, Amounts: moneyByCurrency{}}
			c.projects[u.Project] = pr
		}
		pr.Count++
		pr.Hours = pr.Hours.Add(u.Hours)
		pr.Amounts.add(u.Currency, u.Amount)
		pr.OldestDays = max(pr.OldestDays, u.AgeDays)
		// Keep the oldest items, oldest first; equal ages keep the order
		// they came in.
		i := sort.Search(len(c.items), func(i int) bool { return c.items[i].AgeDays < u.AgeDays })
		if i < reconItemsShown {
			c.items = slices.Insert(c.items, i, u)
			if len(c.items) > reconItemsShown {
				c.items = c.items[:reconItemsShown]
			}
		}
	}
	for _, e := range p.Exceptions {
		c := get(e.CustomerID, e.Customer)
		c.exceptions = append(c.exceptions, e)
		c.atStake.add(e.Currency, e.Amount)
		totalAtStake.add(e.Currency, e.Amount)
		if !e.Acknowledged {
			c.open++
		}
	}
	list := make([]*reconCustomer, 0, len(customers))
	for _, c := range customers {
		list = append(list, c)
	}
	// In the reconciliation workbook's order; the id separates namesakes.
	slices.SortFunc(list, func(a, b *reconCustomer) int {
		return cmp.Or(compareCustomer(a.name, b.name), cmp.Compare(a.id, b.id))
	})
	month := p.Month.Format("2006-01")
	asOf := p.asOf().Format("2006-01-02")
	body := reconBody{
		L: l, AsOf: l.date(p.asOf()), TotalCount: totalCount, TotalExceptions: len(p.Exceptions),
		TotalUnbilled: totalUnbilled.list(l), TotalAtStake: totalAtStake.list(l),
		Commands: []string{
			"takt unbilled --as-of " + asOf,
			"takt exceptions",
			"takt kpi explain --month " + month + " --kpi unbilled_amount",
		},
	}
	for n, c := range list {
		anchor := "customer-" + strconv.Itoa(n+1)
		name := c.name
		if name == "" {
			name = l.NoCustomer
		}
		v := reconCustomerView{
			Anchor: anchor, Name: name, Count: c.count, Unbilled: c.unbilled.list(l), AtStake: c.atStake.list(l),
			Hours: l.number(c.hours, 2), Exceptions: len(c.exceptions), Open: c.open, OldestDays: c.oldest,
		}
		for _, k := range slices.Sorted(maps.Keys(c.projects)) {
			pr := c.projects[k]
			v.Projects = append(v.Projects, reconProjectView{
				Name: pr.Name, Hours: l.number(pr.Hours, 2), Amount: pr.Amounts.list(l), Count: pr.Count, OldestDays: pr.OldestDays,
			})
		}
		for _, u := range c.items {
			hours := ""
			if u.Kind == "time" {
				hours = l.number(u.Hours, 2)
			}
			v.Items = append(v.Items, reconItemView{
				Project: u.Project, Kind: base.unbilledKind(u.Kind), Source: u.SourceID, WorkDate: l.date(u.WorkDate),
				Hours: hours, Amount: l.money(u.Amount, u.Currency), AgeDays: u.AgeDays,
			})
		}
		if c.count > len(c.items) {
			v.ItemsNote = fmt.Sprintf(l.ItemsShown, len(c.items), c.count)
		}
		for k, e := range c.exceptions {
			ev := reconExceptionView{
				Anchor: anchor + "-exception-" + strconv.Itoa(k+1), ID: e.ID, Kind: e.Kind, Project: e.Project,
				Amount: l.money(e.Amount, e.Currency), Reason: e.Reason, Records: strings.Join(e.SourceIDs, ", "),
				Invoices: strings.Join(e.InvoiceNumbers, ", "), Match: e.MatchLevel, AckState: l.NotAcknowledged,
				AckClass: "worse",
			}
			switch a := e.Acknowledgement; {
			case a != nil && e.Acknowledged:
				ev.AckState = l.Acknowledged + " " + l.AckBy + " " + a.By + ", " + l.date(a.At) + ": " + a.Reason
				ev.AckClass = ""
			case a != nil:
				ev.AckState = l.AckLapsed + " (" + a.By + ", " + l.date(a.At) + ": " + a.Reason + ")"
				ev.AckClass = "lapsed"
			}
			if !e.Acknowledged && e.ID != "" {
				ev.AckCommand = "takt exceptions ack " + shellQuote(e.ID) + " --by USER --reason TEXT"
			}
			v.ExceptionList = append(v.ExceptionList, ev)
		}
		body.Customers = append(body.Customers, v)
	}
	d := newLayout(p, l, ReconFile, l.ReconTitle)
	if !inSite {
		d.Nav = nil
	}
	d.Body = body
	return renderPage(w, reconTemplate, d, "reconciliation page")
}

// shellQuote quotes an id for a POSIX shell when it is not a plain word, so
// that a printed command can be pasted as it is.
func shellQuote(s string) string {
	plain := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:/,", r)) {
			plain = false
		}
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

var reconTemplate = pageTemplates(`{{define "content"}}
<p>{{.L.ReconIntro}}</p>
<h2 id="overview">{{.L.ByCustomer}} · {{.L.UnbilledAsOf}} {{.AsOf}}</h2>
{{- if .Customers}}
<table>
<tr><th>{{.L.Customer}}</th><th class="num">{{.L.Items}}</th><th class="num">{{.L.UnbilledWork}}</th><th class="num">{{.L.Oldest}}</th><th class="num">{{.L.Exceptions}}</th><th class="num">{{.L.AtStake}}</th></tr>
{{- range .Customers}}
<tr><td><a href="#{{.Anchor}}">{{.Name}}</a></td><td class="num">{{.Count}}</td><td class="num amounts">{{template "amounts" .Unbilled}}</td><td class="num">{{if .Count}}{{.OldestDays}}{{end}}</td><td class="num">{{.Exceptions}}{{if .Open}} ({{.Open}} {{$.L.NotAcknowledged}}){{end}}</td><td class="num amounts">{{template "amounts" .AtStake}}</td></tr>
{{- end}}
<tr><th>{{.L.Total}}</th><th class="num">{{.TotalCount}}</th><th class="num amounts">{{template "amounts" .TotalUnbilled}}</th><th></th><th class="num">{{.TotalExceptions}}</th><th class="num amounts">{{template "amounts" .TotalAtStake}}</th></tr>
</table>
{{- else}}
<p>{{.L.NoUnbilledText}} {{.L.NoExceptionsText}}</p>
{{- end}}
<p class="note">{{.L.MoreCommands}}:</p>
<ul class="note">
{{- range .Commands}}
<li><code>{{.}}</code></li>
{{- end}}
</ul>
{{- range .Customers}}
<section id="{{.Anchor}}">
<h2>{{.Name}}</h2>
<h3>{{$.L.UnbilledWork}}</h3>
{{- if .Projects}}
<table>
<tr><th>{{$.L.Project}}</th><th class="num">{{$.L.Items}}</th><th class="num">{{$.L.Hours}}</th><th class="num">{{$.L.Amount}}</th><th class="num">{{$.L.Oldest}}</th></tr>
{{- range .Projects}}
<tr><td>{{.Name}}</td><td class="num">{{.Count}}</td><td class="num">{{.Hours}}</td><td class="num amounts">{{template "amounts" .Amount}}</td><td class="num">{{.OldestDays}}</td></tr>
{{- end}}
<tr><th>{{$.L.Total}}</th><th class="num">{{.Count}}</th><th class="num">{{.Hours}}</th><th class="num amounts">{{template "amounts" .Unbilled}}</th><th class="num">{{.OldestDays}}</th></tr>
</table>
<table>
<tr><th>{{$.L.Project}}</th><th>{{$.L.Kind}}</th><th>{{$.L.Source}}</th><th>{{$.L.WorkDate}}</th><th class="num">{{$.L.AgeDays}}</th><th class="num">{{$.L.Hours}}</th><th class="num">{{$.L.Amount}}</th></tr>
{{- range .Items}}
<tr><td>{{.Project}}</td><td>{{.Kind}}</td><td><code>{{.Source}}</code></td><td>{{.WorkDate}}</td><td class="num">{{.AgeDays}}</td><td class="num">{{.Hours}}</td><td class="num">{{.Amount}}</td></tr>
{{- end}}
</table>
{{- if .ItemsNote}}
<p class="note">{{.ItemsNote}} <code>takt unbilled</code></p>
{{- end}}
{{- else}}
<p>{{$.L.NoUnbilledText}}</p>
{{- end}}
<h3>{{$.L.Exceptions}}</h3>
{{- if .ExceptionList}}
<table>
<tr><th>{{$.L.ID}}</th><th>{{$.L.Kind}}</th><th>{{$.L.Project}}</th><th class="num">{{$.L.AtStake}}</th><th>{{$.L.Reason}}</th><th>{{$.L.Records}}</th><th>{{$.L.Acknowledged}}</th></tr>
{{- range .ExceptionList}}
<tr id="{{.Anchor}}"><td><a href="#{{.Anchor}}">{{.ID}}</a></td><td><code class="kind">{{.Kind}}</code></td><td>{{.Project}}</td><td class="num">{{.Amount}}</td><td>{{.Reason}}</td><td>{{.Records}}{{if .Invoices}}<br>{{$.L.Invoices}}: {{.Invoices}}{{end}}{{if .Match}}<br>{{$.L.MatchLevel}}: {{.Match}}{{end}}</td><td class="{{.AckClass}}">{{.AckState}}{{if .AckCommand}}<br><code>{{.AckCommand}}</code>{{end}}</td></tr>
{{- end}}
</table>
{{- else}}
<p>{{$.L.NoExceptionsText}}</p>
{{- end}}
<p class="note"><a href="#overview">{{$.L.BackToTop}}</a></p>
</section>
{{- end}}
{{end}}
{{define "amounts"}}{{range $i, $a := .}}{{if $i}} · {{end}}<span class="nw">{{$a}}</span>{{end}}{{end}}`)
