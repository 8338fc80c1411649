package demo

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/extract/harvest/harvesttest"
)

// Harvest API v2 objects, field for field and in the order the API sends
// them (see the fixtures in shared/fixtures/harvest).

type hvRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type hvProjectRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Code string `json:"code"`
}

type hvClientRef struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Currency string `json:"currency"`
}

type hvClient struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	IsActive     bool   `json:"is_active"`
	Address      string `json:"address"`
	StatementKey string `json:"statement_key"`
	CreatedAt    string `json:"created_at"`
	UpdatedAt    string `json:"updated_at"`
	Currency     string `json:"currency"`
}

type hvProject struct {
	ID                               int64        `json:"id"`
	Name                             string       `json:"name"`
	Code                             string       `json:"code"`
	IsActive                         bool         `json:"is_active"`
	BillBy                           string       `json:"bill_by"`
	Budget                           *json.Number `json:"budget"`
	BudgetBy                         string       `json:"budget_by"`
	BudgetIsMonthly                  bool         `json:"budget_is_monthly"`
	NotifyWhenOverBudget             bool         `json:"notify_when_over_budget"`
	OverBudgetNotificationPercentage json.Number  `json:"over_budget_notification_percentage"`
	OverBudgetNotificationDate       *string      `json:"over_budget_notification_date"`
	ShowBudgetToAll                  bool         `json:"show_budget_to_all"`
	CreatedAt                        string       `json:"created_at"`
	UpdatedAt                        string       `json:"updated_at"`
	StartsOn                         string       `json:"starts_on"`
	EndsOn                           *string      `json:"ends_on"`
	IsBillable                       bool         `json:"is_billable"`
	IsFixedFee                       bool         `json:"is_fixed_fee"`
	Notes                            string       `json:"notes"`
	Client                           hvClientRef  `json:"client"`
	CostBudget                       *json.Number `json:"cost_budget"`
	CostBudgetIncludeExpenses        bool         `json:"cost_budget_include_expenses"`
	HourlyRate                       *json.Number `json:"hourly_rate"`
	Fee                              *json.Number `json:"fee"`
}

type hvUser struct {
	ID                           int64       `json:"id"`
	FirstName                    string      `json:"first_name"`
	LastName                     string      `json:"last_name"`
	Email                        string      `json:"email"`
	Telephone                    string      `json:"telephone"`
	Timezone                     string      `json:"timezone"`
	HasAccessToAllFutureProjects bool        `json:"has_access_to_all_future_projects"`
	IsContractor                 bool        `json:"is_contractor"`
	IsActive                     bool        `json:"is_active"`
	CreatedAt                    string      `json:"created_at"`
	UpdatedAt                    string      `json:"updated_at"`
	WeeklyCapacity               int         `json:"weekly_capacity"`
	DefaultHourlyRate            json.Number `json:"default_hourly_rate"`
	CostRate                     json.Number `json:"cost_rate"`
	Roles                        []string    `json:"roles"`
	AccessRoles                  []string    `json:"access_roles"`
	AvatarURL                    string      `json:"avatar_url"`
}

type hvTask struct {
	ID                int64       `json:"id"`
	Name              string      `json:"name"`
	BillableByDefault bool        `json:"billable_by_default"`
	DefaultHourlyRate json.Number `json:"default_hourly_rate"`
	IsDefault         bool        `json:"is_default"`
	IsActive          bool        `json:"is_active"`
	CreatedAt         string      `json:"created_at"`
	UpdatedAt         string      `json:"updated_at"`
}

type hvTaskAssignment struct {
	ID         int64        `json:"id"`
	Billable   bool         `json:"billable"`
	IsActive   bool         `json:"is_active"`
	CreatedAt  string       `json:"created_at"`
	UpdatedAt  string       `json:"updated_at"`
	HourlyRate *json.Number `json:"hourly_rate"`
	Budget     *json.Number `json:"budget"`
	Project    hvProjectRef `json:"project"`
	Task       hvRef        `json:"task"`
}

// hvAssignment is the task_assignment nested in a time entry.
type hvAssignment struct {
	ID         int64        `json:"id"`
	Billable   bool         `json:"billable"`
	IsActive   bool         `json:"is_active"`
	CreatedAt  string       `json:"created_at"`
	UpdatedAt  string       `json:"updated_at"`
	HourlyRate *json.Number `json:"hourly_rate"`
	Budget     *json.Number `json:"budget"`
}

type hvUserAssignment struct {
	ID               int64        `json:"id"`
	IsProjectManager bool         `json:"is_project_manager"`
	IsActive         bool         `json:"is_active"`
	Budget           *json.Number `json:"budget"`
	CreatedAt        string       `json:"created_at"`
	UpdatedAt        string       `json:"updated_at"`
	HourlyRate       json.Number  `json:"hourly_rate"`
}

type hvInvoiceRef struct {
	ID     int64  `json:"id"`
	Number string `json:"number"`
}

type hvExternalReference struct {
	ID             string  `json:"id"`
	GroupID        string  `json:"group_id"`
	AccountID      *string `json:"account_id"`
	Permalink      string  `json:"permalink"`
	Service        string  `json:"service"`
	ServiceIconURL string  `json:"service_icon_url"`
}

type hvTimeEntry struct {
	ID                int64                `json:"id"`
	SpentDate         string               `json:"spent_date"`
	User              hvRef                `json:"user"`
	Client            hvRef                `json:"client"`
	Project           hvRef                `json:"project"`
	Task              hvRef                `json:"task"`
	UserAssignment    hvUserAssignment     `json:"user_assignment"`
	TaskAssignment    hvAssignment         `json:"task_assignment"`
	Hours             json.Number          `json:"hours"`
	HoursWithoutTimer json.Number          `json:"hours_without_timer"`
	RoundedHours      json.Number          `json:"rounded_hours"`
	Notes             string               `json:"notes"`
	CreatedAt         string               `json:"created_at"`
	UpdatedAt         string               `json:"updated_at"`
	IsLocked          bool                 `json:"is_locked"`
	LockedReason      *string              `json:"locked_reason"`
	IsClosed          bool                 `json:"is_closed"`
	IsBilled          bool                 `json:"is_billed"`
	TimerStartedAt    *string              `json:"timer_started_at"`
	StartedTime       *string              `json:"started_time"`
	EndedTime         *string              `json:"ended_time"`
	IsRunning         bool                 `json:"is_running"`
	Invoice           *hvInvoiceRef        `json:"invoice"`
	ExternalReference *hvExternalReference `json:"external_reference"`
	Billable          bool                 `json:"billable"`
	Budgeted          bool                 `json:"budgeted"`
	BillableRate      *json.Number         `json:"billable_rate"`
	CostRate          json.Number          `json:"cost_rate"`
}

type hvReceipt struct {
	URL         string `json:"url"`
	FileName    string `json:"file_name"`
	FileSize    int    `json:"file_size"`
	ContentType string `json:"content_type"`
}

type hvExpenseCategory struct {
	ID        int64        `json:"id"`
	Name      string       `json:"name"`
	UnitPrice *json.Number `json:"unit_price"`
	UnitName  *string      `json:"unit_name"`
}

type hvExpense struct {
	ID              int64             `json:"id"`
	Notes           string            `json:"notes"`
	TotalCost       json.Number       `json:"total_cost"`
	Units           json.Number       `json:"units"`
	IsClosed        bool              `json:"is_closed"`
	IsLocked        bool              `json:"is_locked"`
	IsBilled        bool              `json:"is_billed"`
	LockedReason    *string           `json:"locked_reason"`
	SpentDate       string            `json:"spent_date"`
	CreatedAt       string            `json:"created_at"`
	UpdatedAt       string            `json:"updated_at"`
	Billable        bool              `json:"billable"`
	Receipt         *hvReceipt        `json:"receipt"`
	User            hvRef             `json:"user"`
	UserAssignment  hvUserAssignment  `json:"user_assignment"`
	Project         hvProjectRef      `json:"project"`
	ExpenseCategory hvExpenseCategory `json:"expense_category"`
	Client          hvClientRef       `json:"client"`
	Invoice         *hvInvoiceRef     `json:"invoice"`
}

type hvInvoiceLine struct {
	ID          int64        `json:"id"`
	Kind        string       `json:"kind"`
	Description string       `json:"description"`
	Quantity    json.Number  `json:"quantity"`
	UnitPrice   json.Number  `json:"unit_price"`
	Amount      json.Number  `json:"amount"`
	Taxed       bool         `json:"taxed"`
	Taxed2      bool         `json:"taxed2"`
	Project     hvProjectRef `json:"project"`
}

type hvInvoice struct {
	ID                 int64           `json:"id"`
	ClientKey          string          `json:"client_key"`
	Number             string          `json:"number"`
	PurchaseOrder      string          `json:"purchase_order"`
	Amount             json.Number     `json:"amount"`
	DueAmount          json.Number     `json:"due_amount"`
	Tax                *json.Number    `json:"tax"`
	TaxAmount          json.Number     `json:"tax_amount"`
	Tax2               *json.Number    `json:"tax2"`
	Tax2Amount         json.Number     `json:"tax2_amount"`
	Discount           *json.Number    `json:"discount"`
	DiscountAmount     json.Number     `json:"discount_amount"`
	Subject            string          `json:"subject"`
	Notes              string          `json:"notes"`
	State              string          `json:"state"`
	PeriodStart        string          `json:"period_start"`
	PeriodEnd          string          `json:"period_end"`
	IssueDate          string          `json:"issue_date"`
	DueDate            string          `json:"due_date"`
	PaymentTerm        string          `json:"payment_term"`
	SentAt             string          `json:"sent_at"`
	PaidAt             *string         `json:"paid_at"`
	PaidDate           *string         `json:"paid_date"`
	ClosedAt           *string         `json:"closed_at"`
	RecurringInvoiceID *int64          `json:"recurring_invoice_id"`
	CreatedAt          string          `json:"created_at"`
	UpdatedAt          string          `json:"updated_at"`
	Currency           string          `json:"currency"`
	PaymentOptions     []string        `json:"payment_options"`
	Client             hvRef           `json:"client"`
	Estimate           *hvRef          `json:"estimate"`
	Retainer           *hvRef          `json:"retainer"`
	Creator            hvRef           `json:"creator"`
	LineItems          []hvInvoiceLine `json:"line_items"`
}

const (
	lockedApproved = "Item Approved and Locked for this Time Period"
	lockedInvoiced = "Item Invoiced and Approved and Locked for this Time Period"
)

func (w *world) renderHarvest() (harvesttest.Dataset, error) {
	ds := harvesttest.Dataset{}
	var err error
	put := func(key string, a *arena) {
		if err == nil {
			ds[key], err = a.objects()
			if err != nil {
				err = fmt.Errorf("%s: %w", key, err)
			}
		}
	}

	a := newArena(len(w.customers), 400)
	for _, c := range w.customers {
		info := countries[c.country]
		a.add(hvClient{
			ID: c.harvestID, Name: c.harvestName, IsActive: true,
			Address:      c.street + "\r\n" + c.postcode + " " + c.city + "\r\n" + info.name,
			StatementKey: c.statementKey,
			CreatedAt:    fmtStamp(c.harvestCreated), UpdatedAt: fmtStamp(c.harvestCreated.Add(17 * time.Minute)),
			Currency: c.currency,
		})
	}
	put("clients", a)

	a = newArena(len(w.projects), 900)
	for _, p := range w.projects {
		a.add(w.hvProject(p))
	}
	put("projects", a)

	a = newArena(len(w.people), 600)
	for _, p := range w.people {
		a.add(hvUser{
			ID: p.id, FirstName: p.first, LastName: p.last, Email: p.email, Timezone: "Berlin",
			IsActive: true, CreatedAt: fmtStamp(p.created), UpdatedAt: fmtStamp(p.created.Add(9 * time.Minute)),
			WeeklyCapacity: 144000, DefaultHourlyRate: hvNum(p.rate), CostRate: hvNum(p.cost),
			Roles: []string{p.role}, AccessRoles: []string{"member"},
			AvatarURL: fmt.Sprintf("https://cache.harvestapp.com/assets/profile_images/%d.png", p.id),
		})
	}
	put("users", a)

	a = newArena(len(w.tasks), 300)
	for _, t := range w.tasks {
		a.add(hvTask{
			ID: t.id, Name: t.seed.name, BillableByDefault: true, DefaultHourlyRate: hvNum(decimal.New(t.seed.rate, 0)),
			IsActive: true, CreatedAt: fmtStamp(t.created), UpdatedAt: fmtStamp(t.created.Add(3 * time.Minute)),
		})
	}
	put("tasks", a)

	a = newArena(3*len(w.projects), 400)
	for _, p := range w.projects {
		for _, pt := range p.tasks {
			ta := w.hvAssignment(p, pt)
			a.add(hvTaskAssignment{
				ID: ta.ID, Billable: ta.Billable, IsActive: ta.IsActive, CreatedAt: ta.CreatedAt, UpdatedAt: ta.UpdatedAt,
				HourlyRate: ta.HourlyRate, Project: hvProjectRef{p.harvestID, p.name(), p.code},
				Task: hvRef{pt.task.id, pt.task.seed.name},
			})
		}
	}
	put("task_assignments", a)

	a = newArena(len(w.entries), 1400)
	tas := map[*projectTask]hvAssignment{}
	uas := map[userAssignmentKey]hvUserAssignment{}
	for _, p := range w.projects {
		for _, pt := range p.tasks {
			tas[pt] = w.hvAssignment(p, pt)
		}
		for _, m := range p.team {
			uas[userAssignmentKey{p, m}] = w.hvUserAssignment(p, m)
		}
	}
	for _, e := range w.entries {
		a.add(w.hvTimeEntry(e, tas[e.pt], uas[userAssignmentKey{e.project, e.person}]))
	}
	put("time_entries", a)

	a = newArena(len(w.expenses), 1500)
	for _, x := range w.expenses {
		a.add(w.hvExpense(x))
	}
	put("expenses", a)

	a = newArena(len(w.harvestInvoices), 4000)
	for _, inv := range w.harvestInvoices {
		a.add(w.hvInvoice(inv))
	}
	put("invoices", a)
	return ds, err
}

func (w *world) hvProject(p *project) hvProject {
	c := p.customer
	out := hvProject{
		ID: p.harvestID, Name: p.name(), Code: p.code, IsActive: !p.end.Before(w.asOf),
		BillBy: "none", BudgetBy: "none", NotifyWhenOverBudget: true,
		OverBudgetNotificationPercentage: hvNum(decimal.New(80, 0)),
		CreatedAt:                        fmtStamp(p.harvestCreated), UpdatedAt: fmtStamp(p.harvestUpdated),
		StartsOn:   fmtDate(p.start),
		IsBillable: p.model != retainer, IsFixedFee: p.model == fixedPrice,
		Client: hvClientRef{c.harvestID, c.harvestName, c.currency},
	}
	if !p.open {
		out.EndsOn = strPtr(fmtDate(p.end))
	}
	if !out.IsActive { // archived a few days after the project ended
		out.UpdatedAt = fmtStamp(minTime(addDays(p.end, 3).Add(10*time.Hour), w.asOf.Add(10*time.Hour)))
	}
	if p.model == timeAndMaterials {
		out.BillBy = "Tasks"
	}
	if p.hasBudget() {
		out.Budget = hvNumPtr(p.budget)
		out.BudgetBy = "project"
	}
	if p.model == fixedPrice {
		out.Fee = hvNumPtr(p.fee)
	}
	return out
}

// hvAssignment is a project's task assignment: billable with the rate
// valid at the as-of date for T&M projects, not billable otherwise.
func (w *world) hvAssignment(p *project, pt *projectTask) hvAssignment {
	created := p.harvestCreated.Add(time.Duration(pt.task.id%300) * time.Second)
	ta := hvAssignment{ID: pt.assignmentID, IsActive: true, CreatedAt: fmtStamp(created), UpdatedAt: fmtStamp(created)}
	if p.model == timeAndMaterials {
		ta.Billable = true
		ta.HourlyRate = hvNumPtr(pt.cardRate(w.asOf))
		if len(pt.cards) > 1 { // updated when the price increase was entered
			ta.UpdatedAt = fmtStamp(addDays(pt.cards[1].from, -7).Add(11 * time.Hour))
		}
	}
	return ta
}

func (w *world) hvUserAssignment(p *project, person *person) hvUserAssignment {
	ua := hvUserAssignment{IsActive: true, CreatedAt: fmtStamp(p.harvestCreated), UpdatedAt: fmtStamp(p.harvestCreated), HourlyRate: hvNum(person.rate)}
	for i, m := range p.team {
		if m == person {
			ua.ID = p.uaIDs[i]
			ua.IsProjectManager = i == 0
		}
	}
	return ua
}

type userAssignmentKey struct {
	p *project
	m *person
}

func (w *world) hvTimeEntry(e *entry, ta hvAssignment, ua hvUserAssignment) hvTimeEntry {
	p := e.project
	hours := hvNum(e.hours)
	out := hvTimeEntry{
		ID: e.id, SpentDate: fmtDate(e.date),
		User:           hvRef{e.person.id, e.person.name()},
		Client:         hvRef{p.customer.harvestID, p.customer.harvestName},
		Project:        hvRef{p.harvestID, p.name()},
		Task:           hvRef{e.pt.task.id, e.pt.task.seed.name},
		UserAssignment: ua,
		TaskAssignment: ta,
		Hours:          hours, HoursWithoutTimer: hours, RoundedHours: hours,
		Notes:     e.notes,
		CreatedAt: fmtStamp(e.created), UpdatedAt: fmtStamp(e.updated),
		IsLocked: e.approved, IsClosed: e.approved, IsBilled: e.invoice != nil,
		Billable: e.billable(), Budgeted: p.hasBudget(),
		CostRate: hvNum(e.person.cost),
	}
	switch {
	case e.invoice != nil:
		out.LockedReason = strPtr(lockedInvoiced)
		out.Invoice = &hvInvoiceRef{e.invoice.harvestID, e.invoice.number}
	case e.approved:
		out.LockedReason = strPtr(lockedApproved)
	}
	if e.ext != nil {
		out.ExternalReference = &hvExternalReference{
			ID: e.ext.id, GroupID: e.ext.groupID, Permalink: e.ext.permalink, Service: "nordlicht.atlassian.net",
			ServiceIconURL: "https://proxy.harvestfiles.com/production_harvestapp_public/uploads/platform_icons/nordlicht.atlassian.net.png",
		}
	}
	if e.billable() {
		out.BillableRate = hvNumPtr(e.rate)
	}
	return out
}

func (w *world) hvExpense(x *expense) hvExpense {
	p := x.project
	c := p.customer
	out := hvExpense{
		ID: x.id, Notes: x.notes, TotalCost: hvNum(x.total), Units: hvNum(x.units),
		IsClosed: x.approved, IsLocked: x.approved, IsBilled: x.invoice != nil,
		SpentDate: fmtDate(x.date), CreatedAt: fmtStamp(x.created), UpdatedAt: fmtStamp(x.updated),
		Billable:        x.billable(),
		User:            hvRef{x.person.id, x.person.name()},
		UserAssignment:  w.hvUserAssignment(p, x.person),
		Project:         hvProjectRef{p.harvestID, p.name(), p.code},
		ExpenseCategory: hvExpenseCategory{ID: x.category.id, Name: x.category.name},
		Client:          hvClientRef{c.harvestID, c.harvestName, c.currency},
	}
	if x.category.unitName != "" {
		out.ExpenseCategory.UnitName = strPtr(x.category.unitName)
		out.ExpenseCategory.UnitPrice = hvNumPtr(x.category.unitPrice)
	}
	switch {
	case x.invoice != nil:
		out.LockedReason = strPtr("Expense is invoiced.")
		out.Invoice = &hvInvoiceRef{x.invoice.harvestID, x.invoice.number}
	case x.approved:
		out.LockedReason = strPtr(lockedApproved)
	}
	if x.receipt != "" {
		ct := "application/pdf"
		if x.receipt == "receipt.jpg" {
			ct = "image/jpeg"
		}
		out.Receipt = &hvReceipt{
			URL:      fmt.Sprintf("https://nordlicht.harvestapp.com/expenses/%d/receipt", x.id),
			FileName: x.receipt, FileSize: 20000 + int(x.id%90000), ContentType: ct,
		}
	}
	return out
}

// invoiceNotes is the legal note an invoice carries for the customer's VAT
// situation.
func invoiceNotes(c *customer) string {
	const terms = "Payable within 30 days of the invoice date without deduction."
	switch {
	case c.country == "DE":
		return terms
	case countries[c.country].eu:
		return "Reverse charge: the recipient of the service is liable for VAT (Art. 196 Directive 2006/112/EC). Customer VAT ID " + c.vatID + ". " + terms
	}
	return "Not taxable in Germany: place of supply is the recipient's country (§ 3a (2) UStG). " + terms
}

func (w *world) hvInvoice(inv *invoice) hvInvoice {
	c := inv.customer
	creator := w.people[0]
	out := hvInvoice{
		ID: inv.harvestID, ClientKey: inv.clientKey, Number: inv.number,
		Amount: hvNum(inv.total), DueAmount: hvNum(inv.amountDue()),
		TaxAmount: hvNum(inv.tax), Tax2Amount: hvNum(decimal.Zero), DiscountAmount: hvNum(decimal.Zero),
		Subject: inv.reference, Notes: invoiceNotes(c), State: "open",
		PeriodStart: fmtDate(inv.period), PeriodEnd: fmtDate(monthEnd(inv.period)),
		IssueDate: fmtDate(inv.issue), DueDate: fmtDate(inv.due), PaymentTerm: "net 30",
		SentAt:    fmtStamp(inv.created.Add(25 * time.Minute)),
		CreatedAt: fmtStamp(inv.created), UpdatedAt: fmtStamp(maxTime(inv.created.Add(25*time.Minute), inv.updated())),
		Currency:       inv.currency,
		PaymentOptions: []string{"bank_transfer"},
		Client:         hvRef{c.harvestID, c.harvestName},
		Creator:        hvRef{creator.id, creator.name()},
	}
	if inv.vat.percent.IsPositive() {
		out.Tax = hvNumPtr(inv.vat.percent)
	}
	if inv.status == statusPaid {
		out.State = "paid"
		out.PaidAt = strPtr(fmtStamp(inv.paidOn))
		out.PaidDate = strPtr(fmtDate(inv.paidOn))
	}
	for _, l := range inv.lines {
		out.LineItems = append(out.LineItems, hvInvoiceLine{
			ID: l.harvestID, Kind: l.kind, Description: l.description,
			Quantity: hvNum(l.quantity), UnitPrice: hvNum(l.unitPrice), Amount: hvNum(l.amount),
			Taxed:   inv.vat.percent.IsPositive(),
			Project: hvProjectRef{l.project.harvestID, l.project.name(), l.project.code},
		})
	}
	return out
}
