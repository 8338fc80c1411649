package reconcile

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/internal/money"
)

// Settings are what a billing run needs beyond the warehouse: the
// company's base currency and VAT id, payment terms, cash discount and the
// texts printed on invoices (internal/config's billing section).
type Settings struct {
	BaseCurrency string
	HomeCountry  string
	// SellerVATID is the firm's own VAT id, printed with reverse-charge
	// notes (EN 16931 BR-AE-02 wants both parties' ids).
	SellerVATID string
	// PaymentDays is the net payment term in days (default 30).
	PaymentDays int
	// SkontoPercent off the gross if paid within SkontoDays; zero for none.
	SkontoPercent decimal.Decimal
	SkontoDays    int
	// CustomerTerms override the terms per customer id.
	CustomerTerms map[string]Terms
	// NumberPrefix starts takt's invoice numbers; "{year}" is replaced by
	// the invoice year (default "TK-{year}-").
	NumberPrefix string
	Texts        Texts
	// IgnoreBudgets bills all time even beyond a project's budget (no
	// write-off proposals).
	IgnoreBudgets bool
}

// Terms are payment terms of one customer.
type Terms struct {
	PaymentDays   int
	SkontoPercent decimal.Decimal
	SkontoDays    int
}

// Texts are the notes printed on invoices. Placeholders in braces are
// replaced: {due_date}, {payment_days}, {skonto_percent}, {skonto_days},
// {skonto_date}, {skonto_amount}, {skonto_gross}, {currency},
// {customer_vat_id}, {seller_vat_id}, {number}, {date}, {reason}.
type Texts struct {
	PaymentTerms       string
	PaymentTermsSkonto string
	ReverseCharge      string
	NonEU              string
	CreditNote         string
}

// DefaultTexts are the notes used where the configuration sets none, in
// German and English.
var DefaultTexts = Texts{
	PaymentTerms:       "Zahlbar ohne Abzug bis {due_date} ({payment_days} Tage). / Payable without deduction by {due_date} ({payment_days} days net).",
	PaymentTermsSkonto: "Zahlbar bis {due_date} ({payment_days} Tage netto); bei Zahlung bis {skonto_date} {skonto_percent} % Skonto ({skonto_amount} {currency}, zu zahlen {skonto_gross} {currency}). / Payable by {due_date} ({payment_days} days net); {skonto_percent} % cash discount ({skonto_amount} {currency}, pay {skonto_gross} {currency}) if paid by {skonto_date}.",
	ReverseCharge:      "Steuerschuldnerschaft des Leistungsempfängers / Reverse charge. USt-IdNr. des Leistungsempfängers / Customer VAT ID: {customer_vat_id}; unsere USt-IdNr. / our VAT ID: {seller_vat_id}.",
	NonEU:              "Nicht im Inland steuerbare Leistung (Leistungsort beim Leistungsempfänger, § 3a Abs. 2 UStG). / Not taxable in Germany: the place of supply is the customer's country.",
	CreditNote:         "Rechnungskorrektur zu Rechnung {number} vom {date}. / Credit note for invoice {number} of {date}. Grund / Reason: {reason}",
}

func (s Settings) withDefaults() Settings {
	if s.PaymentDays == 0 {
		s.PaymentDays = 30
	}
	if s.NumberPrefix == "" {
		s.NumberPrefix = "TK-{year}-"
	}
	t := &s.Texts
	d := DefaultTexts
	for _, f := range []struct {
		v   *string
		def string
	}{
		{&t.PaymentTerms, d.PaymentTerms}, {&t.PaymentTermsSkonto, d.PaymentTermsSkonto}, {&t.ReverseCharge, d.ReverseCharge},
		{&t.NonEU, d.NonEU}, {&t.CreditNote, d.CreditNote},
	} {
		if *f.v == "" {
			*f.v = f.def
		}
	}
	return s
}

func (s Settings) terms(customerID string) Terms {
	if t, ok := s.CustomerTerms[customerID]; ok {
		if t.PaymentDays == 0 {
			t.PaymentDays = s.PaymentDays
		}
		return t
	}
	return Terms{PaymentDays: s.PaymentDays, SkontoPercent: s.SkontoPercent, SkontoDays: s.SkontoDays}
}

// Candidate is a work item a run may bill: approved, billable, unbilled
// time (its open hours), an expense, a reached milestone or an approved
// change request of a fixed-price project.
type Candidate struct {
	Key          string
	Kind         string // time, expense, milestone, change_request
	SourceID     string
	CustomerID   string
	Customer     string
	ProjectCode  string
	Project      string
	BillingModel string
	Task         string
	Person       string
	WorkDate     time.Time
	Hours        decimal.Decimal // open hours for time, 0 otherwise
	Rate         decimal.NullDecimal
	Amount       decimal.Decimal // rounded to cents per item (what `takt unbilled` shows)
	Currency     string
}

// Budget is a project's cap: the budget in hours and/or money plus the
// change requests approved by the period's end, against what was billed
// (or is held by other open runs) before.
type Budget struct {
	ProjectCode  string
	Hours        decimal.NullDecimal
	Amount       decimal.NullDecimal
	CRHours      decimal.Decimal
	CRAmount     decimal.Decimal
	UsedHours    decimal.Decimal
	UsedAmount   decimal.Decimal
	ChangeReqIDs []string
}

// CustomerVAT is how a customer is taxed (core.customer_vat).
type CustomerVAT struct {
	CustomerID    string
	Name          string
	Country       string
	VATID         string
	XeroContactID string
	Case          string
	Rate          decimal.Decimal // percent
}

// timeSum is what a time line (or its write-off) shows of the work it
// bills: one project, task and rate, the hours summed, the first and
// last day.
type timeSum struct {
	ProjectCode, Task string
	Project           string // on the first item, by day then key
	Rate, Hours       decimal.Decimal
	First, Last       time.Time
}

// plainLine is a time line of work billed in full, summed by the
// database (billing_plain_lines) instead of item by item: time of a
// project without a budget to cap it.
type plainLine struct {
	CustomerID, Currency string
	timeSum
	Items int
}

// custCur is an invoice of a regular run: one per customer and currency.
type custCur struct{ customer, currency string }

// invoiceHead is what the database tells of an invoice's billable work
// (billing_invoice_heads): the customer's name on its first item by key,
// and the fingerprints of its item keys and of its items' content.
type invoiceHead struct {
	Customer, Keys, Work string
}

// buildInput is everything a regular run is computed from.
type buildInput struct {
	Period      time.Time // first day of the month
	InvoiceDate time.Time
	// Candidates are the work billed item by item, in key order; Plain
	// the time lines summed by the database; Heads the invoices all of it
	// falls into.
	Candidates []Candidate
	Plain      []plainLine
	Heads      map[custCur]invoiceHead
	Budgets    map[string]Budget
	VAT        map[string]CustomerVAT
	FX         func(currency, customerID string) (*FX, error)
}

var (
	hundred = decimal.NewFromInt(100)
	one     = decimal.NewFromInt(1)
)

// round2 is takt's rounding of every money amount: to cents, half away
// from zero.
func round2(d decimal.Decimal) decimal.Decimal { return money.RoundCents(d, 2) }

func shortHash(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x1f")))
	return hex.EncodeToString(h[:])[:12]
}

// billedPart is a candidate, or the part of it a budget leaves billable
// (or not).
type billedPart struct {
	c      *Candidate
	hours  decimal.Decimal
	amount decimal.Decimal // unrounded: hours x rate for time
}

// capByBudget splits a project's time into what fits its remaining budget
// (billed) and what does not (proposed for write-off), oldest work first;
// an entry that crosses the line is split in hours.
func capByBudget(cs []*Candidate, b Budget, hasBudget bool) (bill, writeOff []billedPart) {
	remainingH := decimal.NullDecimal{}
	remainingA := decimal.NullDecimal{}
	if hasBudget {
		if b.Hours.Valid {
			remainingH = decimal.NewNullDecimal(b.Hours.Decimal.Add(b.CRHours).Sub(b.UsedHours))
		}
		if b.Amount.Valid {
			remainingA = decimal.NewNullDecimal(b.Amount.Decimal.Add(b.CRAmount).Sub(b.UsedAmount))
		}
	}
	for _, c := range cs {
		rate := c.Rate.Decimal
		full := billedPart{c: c, hours: c.Hours, amount: c.Hours.Mul(rate)}
		billH := c.Hours
		if remainingH.Valid {
			billH = decimal.Max(decimal.Zero, decimal.Min(billH, remainingH.Decimal))
		}
		if remainingA.Valid && rate.IsPositive() {
			// Hours the remaining money pays for, to the hundredth of an hour.
			fit := decimal.Max(decimal.Zero, remainingA.Decimal).Div(rate).Truncate(2)
			billH = decimal.Min(billH, fit)
		}
		if billH.Equal(c.Hours) {
			bill = append(bill, full)
		} else {
			if billH.IsPositive() {
				bill = append(bill, billedPart{c: c, hours: billH, amount: billH.Mul(rate)})
			}
			rest := c.Hours.Sub(billH)
			writeOff = append(writeOff, billedPart{c: c, hours: rest, amount: rest.Mul(rate)})
		}
		if remainingH.Valid {
			remainingH.Decimal = remainingH.Decimal.Sub(billH)
		}
		if remainingA.Valid {
			remainingA.Decimal = remainingA.Decimal.Sub(billH.Mul(rate))
		}
	}
	return bill, writeOff
}

// build computes the invoices of a regular run: one per customer and
// currency, ordered by customer name, customer id and currency.
func build(in buildInput, s Settings) ([]Invoice, error) {
	// Candidates travel by pointer: a large firm's run has hundreds of
	// thousands.
	groups := map[custCur][]*Candidate{}
	plain := map[custCur][]*plainLine{}
	for i := range in.Candidates {
		c := &in.Candidates[i]
		k := custCur{c.CustomerID, c.Currency}
		groups[k] = append(groups[k], c)
	}
	for i := range in.Plain {
		p := &in.Plain[i]
		k := custCur{p.CustomerID, p.Currency}
		plain[k] = append(plain[k], p)
	}
	keys := make([]custCur, 0, len(in.Heads))
	for k := range in.Heads {
		keys = append(keys, k)
	}
	for _, ks := range []iter.Seq[custCur]{maps.Keys(groups), maps.Keys(plain)} {
		for k := range ks {
			if _, ok := in.Heads[k]; !ok {
				return nil, fmt.Errorf("billing: the work of customer %s in %s is not among the staged invoices: create the run again", k.customer, k.currency)
			}
		}
	}
	slices.SortFunc(keys, func(a, b custCur) int {
		return cmp.Or(cmp.Compare(in.Heads[a].Customer, in.Heads[b].Customer), cmp.Compare(a.customer, b.customer), cmp.Compare(a.currency, b.currency))
	})
	period := in.Period.Format("2006-01")
	var out []Invoice
	for _, k := range keys {
		head := in.Heads[k]
		vat, ok := in.VAT[k.customer]
		if !ok {
			return nil, fmt.Errorf("billing: customer %s (%s) has no VAT situation in core.customer_vat: run `takt run` again", k.customer, head.Customer)
		}
		inv := Invoice{DocType: DocInvoice, CustomerID: k.customer, Customer: vat.Name, Country: vat.Country, VATID: vat.VATID,
			XeroContactID: vat.XeroContactID, Currency: k.currency, VATCase: vat.Case, BaseCurrency: s.BaseCurrency}
		if inv.Customer == "" {
			inv.Customer = head.Customer
		}
		inv.ID = "INV-" + shortHash(period, k.customer, k.currency, head.Keys)
		inv.Lines, inv.WriteOffs = linesFor(inv.ID, groups[k], plain[k], in.Budgets, vat.Rate)
		if len(inv.Lines) == 0 && len(inv.WriteOffs) == 0 {
			continue
		}
		if err := finish(&inv, s, in.InvoiceDate, in.FX); err != nil {
			return nil, err
		}
		inv.Position = len(out) + 1
		out = append(out, inv)
	}
	return out, nil
}

// linesFor groups a customer's work into lines: time by project, task and
// rate (capped by the project's budget, the excess as write-off
// proposals; plain lines as the database summed them), then each expense,
// milestone and change request.
func linesFor(invoiceID string, cs []*Candidate, plain []*plainLine, budgets map[string]Budget, taxRate decimal.Decimal) (lines, writeOffs []Line) {
	byProject := map[string][]*Candidate{}
	var others []*Candidate
	for _, c := range cs {
		if c.Kind == LineTime {
			byProject[c.ProjectCode] = append(byProject[c.ProjectCode], c)
		} else {
			others = append(others, c)
		}
	}
	var bill, off []billedPart
	for code, pcs := range byProject {
		slices.SortFunc(pcs, func(a, b *Candidate) int { return cmp.Or(a.WorkDate.Compare(b.WorkDate), cmp.Compare(a.Key, b.Key)) })
		b, ok := budgets[code]
		pb, po := capByBudget(pcs, b, ok && budgets != nil)
		bill = append(bill, pb...)
		off = append(off, po...)
	}
	lines = timeLines(invoiceID, bill, LineTime, taxRate)
	for _, p := range plain {
		// Its items are the database's (billing_insert_time_items), read
		// back with the run (loadItems).
		l := timeLine(invoiceID, LineTime, p.timeSum, taxRate)
		l.derived = p.Items
		lines = append(lines, l)
	}
	sortTimeLines(lines)
	writeOffs = timeLines(invoiceID, off, LineWriteOff, taxRate)
	sortTimeLines(writeOffs)
	slices.SortFunc(others, func(a, b *Candidate) int {
		return cmp.Or(cmp.Compare(kindOrder(a.Kind), kindOrder(b.Kind)), cmp.Compare(a.ProjectCode, b.ProjectCode),
			a.WorkDate.Compare(b.WorkDate), cmp.Compare(a.Key, b.Key))
	})
	for _, c := range others {
		l := Line{Kind: c.Kind, ProjectCode: c.ProjectCode, Project: c.Project, Task: c.Task, Amount: round2(c.Amount), TaxRate: taxRate,
			Items: []LineItem{{Key: c.Key, Quantity: one, Amount: c.Amount}}}
		switch c.Kind {
		case LineExpense:
			l.Description = fmt.Sprintf("%s: %s, %s", nameOr(c.Project, c.ProjectCode), c.Task, c.WorkDate.Format(time.DateOnly))
		case LineMilestone:
			l.Description = fmt.Sprintf("%s: Meilenstein / milestone %s", nameOr(c.Project, c.ProjectCode), c.Task)
		case LineChangeRequest:
			l.Description = fmt.Sprintf("%s: Änderungsauftrag / change request %s %s", nameOr(c.Project, c.ProjectCode), c.SourceID, c.Task)
		}
		l.ID = "L-" + shortHash(invoiceID, l.Kind, c.Key)
		lines = append(lines, l)
	}
	for i := range lines {
		lines[i].Position = i + 1
	}
	for i := range writeOffs {
		writeOffs[i].Position = len(lines) + i + 1
	}
	return lines, writeOffs
}

func kindOrder(k string) int {
	return map[string]int{LineTime: 0, LineExpense: 1, LineMilestone: 2, LineChangeRequest: 3}[k]
}

func nameOr(name, code string) string {
	if name != "" {
		return name
	}
	return code
}

// timeLines groups time by project, task and rate: hours are summed
// exactly and the line amount is hours x rate rounded once to cents
// (EN 16931 BT-131), not the sum of rounded items.
func timeLines(invoiceID string, parts []billedPart, kind string, taxRate decimal.Decimal) []Line {
	type gk struct{ project, task, rate string }
	groups := map[gk][]billedPart{}
	var keys []gk
	for _, p := range parts {
		k := gk{p.c.ProjectCode, p.c.Task, p.c.Rate.Decimal.String()}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], p)
	}
	out := make([]Line, 0, len(keys))
	for _, k := range keys {
		ps := groups[k]
		slices.SortFunc(ps, func(a, b billedPart) int {
			return cmp.Or(a.c.WorkDate.Compare(b.c.WorkDate), cmp.Compare(a.c.Key, b.c.Key))
		})
		c := ps[0].c
		sum := timeSum{ProjectCode: c.ProjectCode, Task: c.Task, Project: c.Project, Rate: c.Rate.Decimal, Hours: decimal.Zero,
			First: c.WorkDate, Last: c.WorkDate}
		items := make([]LineItem, 0, len(ps))
		for _, p := range ps {
			sum.Hours = sum.Hours.Add(p.hours)
			items = append(items, LineItem{Key: p.c.Key, Quantity: p.hours, Amount: p.amount})
			sum.First, sum.Last = minDate(sum.First, p.c.WorkDate), maxDate(sum.Last, p.c.WorkDate)
		}
		l := timeLine(invoiceID, kind, sum, taxRate)
		l.Items = items
		out = append(out, l)
	}
	return out
}

// timeLine is a line of time (or its write-off), without its items. Its
// id is the invoice's, its kind, project, task and rate: one line of each
// on an invoice, whose id already depends on every item it bills.
func timeLine(invoiceID, kind string, s timeSum, taxRate decimal.Decimal) Line {
	desc := fmt.Sprintf("%s: %s, %s", nameOr(s.Project, s.ProjectCode), nameOr(s.Task, "time"), dateSpan(s.First, s.Last))
	if kind == LineWriteOff {
		desc += " – über dem Budget, Abschreibung vorgeschlagen / beyond the budget, write-off proposed"
	}
	return Line{
		ID: "L-" + shortHash(invoiceID, kind, s.ProjectCode, s.Task, s.Rate.String()), Kind: kind, ProjectCode: s.ProjectCode,
		Project: s.Project, Task: s.Task, Description: desc, Hours: decimal.NewNullDecimal(s.Hours), Rate: decimal.NewNullDecimal(s.Rate),
		Amount: round2(s.Hours.Mul(s.Rate)), TaxRate: taxRate,
	}
}

// sortTimeLines orders time lines by project, task and rate.
func sortTimeLines(ls []Line) {
	slices.SortFunc(ls, func(a, b Line) int {
		return cmp.Or(cmp.Compare(a.ProjectCode, b.ProjectCode), cmp.Compare(a.Task, b.Task), a.Rate.Decimal.Cmp(b.Rate.Decimal))
	})
}

func dateSpan(a, b time.Time) string {
	if a.Equal(b) {
		return a.Format(time.DateOnly)
	}
	return a.Format(time.DateOnly) + " – " + b.Format(time.DateOnly)
}

func minDate(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxDate(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// totals computes an invoice's VAT and totals from its lines as EN 16931
// does: each line amount is already rounded to cents; VAT per rate is the
// rate applied once to the sum of the lines of that rate, rounded to cents
// (BR-CO-17, BR-S-08); net is the sum of the lines (BR-CO-10), tax the sum
// of the per-rate VAT (BR-CO-14), gross net plus tax (BR-CO-15).
// Write-off proposals are not lines of the invoice.
func totals(lines []Line) (net, tax decimal.Decimal, breakdown []TaxLine) {
	byRate := map[string]*TaxLine{}
	var rates []string
	net = decimal.Zero
	for _, l := range lines {
		net = net.Add(l.Amount)
		k := l.TaxRate.String()
		t, ok := byRate[k]
		if !ok {
			t = &TaxLine{Rate: l.TaxRate, Base: decimal.Zero}
			byRate[k] = t
			rates = append(rates, k)
		}
		t.Base = t.Base.Add(l.Amount)
	}
	slices.SortFunc(rates, func(a, b string) int { return byRate[a].Rate.Cmp(byRate[b].Rate) })
	tax = decimal.Zero
	for _, k := range rates {
		t := byRate[k]
		t.Tax = round2(t.Base.Mul(t.Rate).Div(hundred))
		tax = tax.Add(t.Tax)
		breakdown = append(breakdown, *t)
	}
	return net, tax, breakdown
}

// finish computes totals, terms, notes and base-currency amounts.
func finish(inv *Invoice, s Settings, invoiceDate time.Time, fx func(currency, customerID string) (*FX, error)) error {
	inv.Net, inv.Tax, inv.TaxBreakdown = totals(inv.Lines)
	inv.Gross = inv.Net.Add(inv.Tax)
	t := s.terms(inv.CustomerID)
	inv.PaymentDays = t.PaymentDays
	inv.DueDate = invoiceDate.AddDate(0, 0, t.PaymentDays)
	if t.SkontoPercent.IsPositive() && t.SkontoDays > 0 && inv.DocType == DocInvoice {
		inv.Skonto = &Skonto{Percent: t.SkontoPercent, Days: t.SkontoDays, Date: invoiceDate.AddDate(0, 0, t.SkontoDays),
			Amount: round2(inv.Gross.Mul(t.SkontoPercent).Div(hundred))}
	}
	inv.BaseCurrency = s.BaseCurrency
	if inv.Currency == s.BaseCurrency {
		inv.BaseNet, inv.BaseTax, inv.BaseGross = inv.Net, inv.Tax, inv.Gross
	} else if fx != nil {
		r, err := fx(inv.Currency, inv.CustomerID)
		if err != nil {
			return err
		}
		if r != nil && r.Rate.IsPositive() {
			inv.FX = r
			inv.BaseNet = round2(inv.Net.Div(r.Rate))
			inv.BaseTax = round2(inv.Tax.Div(r.Rate))
			inv.BaseGross = inv.BaseNet.Add(inv.BaseTax)
		}
	}
	inv.Notes = notes(*inv, s, invoiceDate)
	return nil
}

// notes are the legal and payment-term texts of an invoice: the VAT note
// of its case, the correction note of a credit note, the payment terms and,
// with a cash discount, its structured form for XRechnung (BT-20,
// BR-DE-18: "#SKONTO#TAGE=n#PROZENT=n.nn#").
func notes(inv Invoice, s Settings, invoiceDate time.Time) []string {
	vals := map[string]string{
		"due_date": inv.DueDate.Format(time.DateOnly), "payment_days": fmt.Sprint(inv.PaymentDays),
		"currency": inv.Currency, "customer_vat_id": inv.VATID, "seller_vat_id": s.SellerVATID,
	}
	if inv.Skonto != nil {
		vals["skonto_percent"] = inv.Skonto.Percent.StringFixed(2)
		vals["skonto_days"] = fmt.Sprint(inv.Skonto.Days)
		vals["skonto_date"] = inv.Skonto.Date.Format(time.DateOnly)
		vals["skonto_amount"] = inv.Skonto.Amount.StringFixed(2)
		vals["skonto_gross"] = inv.Gross.Sub(inv.Skonto.Amount).StringFixed(2)
	}
	if inv.Corrects != nil {
		vals["number"] = inv.Corrects.Number
		vals["date"] = inv.Corrects.Date.Format(time.DateOnly)
	}
	var out []string
	if inv.Corrects != nil {
		vals["reason"] = inv.Corrects.Reason
		out = append(out, fill(s.Texts.CreditNote, vals))
	}
	switch inv.VATCase {
	case VATReverseCharge:
		out = append(out, fill(s.Texts.ReverseCharge, vals))
	case VATNonEU:
		out = append(out, fill(s.Texts.NonEU, vals))
	}
	if inv.DocType == DocInvoice {
		if inv.Skonto != nil {
			out = append(out, fill(s.Texts.PaymentTermsSkonto, vals))
			out = append(out, fmt.Sprintf("#SKONTO#TAGE=%d#PROZENT=%s#", inv.Skonto.Days, inv.Skonto.Percent.StringFixed(2)))
		} else {
			out = append(out, fill(s.Texts.PaymentTerms, vals))
		}
	}
	return out
}

func fill(tmpl string, vals map[string]string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		name := tmpl[i+1 : i+j]
		if v, ok := vals[name]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(tmpl[i : i+j+1])
		}
		tmpl = tmpl[i+j+1:]
	}
}

// contentHash is the SHA-256 of a run's invoices and lines as exported: a
// run changed in place after its export no longer matches it.
func contentHash(r *Run) string {
	type line struct {
		ID, Kind, Description, Hours, Rate, Amount, TaxRate string
		Items                                               []string
	}
	type inv struct {
		ID, DocType, Customer, Currency, Net, Tax, Gross, Number, Due string
		Notes                                                         []string
		Lines                                                         []line
	}
	var invs []inv
	for _, i := range r.Invoices {
		x := inv{ID: i.ID, DocType: i.DocType, Customer: i.CustomerID, Currency: i.Currency, Net: i.Net.StringFixed(2),
			Tax: i.Tax.StringFixed(2), Gross: i.Gross.StringFixed(2), Number: i.Number, Due: i.DueDate.Format(time.DateOnly), Notes: i.Notes}
		for _, l := range append(append([]Line{}, i.Lines...), i.WriteOffs...) {
			y := line{ID: l.ID, Kind: l.Kind, Description: l.Description, Amount: l.Amount.StringFixed(2), TaxRate: l.TaxRate.StringFixed(2)}
			if l.Hours.Valid {
				y.Hours = l.Hours.Decimal.StringFixed(4)
			}
			if l.Rate.Valid {
				y.Rate = l.Rate.Decimal.StringFixed(4)
			}
			for _, it := range l.Items {
				y.Items = append(y.Items, it.Key+"="+it.Quantity.StringFixed(4))
			}
			x.Lines = append(x.Lines, y)
		}
		invs = append(invs, x)
	}
	b, _ := json.Marshal(struct {
		Run      string
		Invoices []inv
	}{r.ID, invs})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
