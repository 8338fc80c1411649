package harvest

import "encoding/json"

// Wire types: Harvest API v2 objects as Harvest sends them, reduced to the
// fields takt maps (the whole object is kept in _raw). Ids, numbers and
// nested ids are kept raw so that their literals reach the mapping
// unchanged: Harvest sends numbers as JSON numbers (2.11, 100.0, 5) and
// nothing here goes through float64.

// wireLinks are a list response's paging links. Harvest's docs ask
// clients to follow links.next rather than build page URLs.
type wireLinks struct {
	Next *string `json:"next"`
}

// wireRef is a nested object that takt reduces to its id, e.g. a time
// entry's {"id": 1782959, "name": "Kim Allen"} user.
type wireRef struct {
	ID json.RawMessage `json:"id"`
}

// wireInvoiceRef is the {id, number} of the invoice that billed a time
// entry or expense; number is a string.
type wireInvoiceRef struct {
	ID     json.RawMessage `json:"id"`
	Number json.RawMessage `json:"number"`
}

// wireExternalRef is the item in another tool a time entry was imported
// from: {id, group_id, account_id, permalink, service, service_icon_url}.
type wireExternalRef struct {
	ID      json.RawMessage `json:"id"`
	Service *string         `json:"service"`
}

// wireCategory is an expense's expense_category.
type wireCategory struct {
	Name *string `json:"name"`
}

// wireRecord holds the fields every Harvest object has.
type wireRecord struct {
	ID        json.RawMessage `json:"id"`
	CreatedAt *string         `json:"created_at"`
	UpdatedAt *string         `json:"updated_at"`
}

type wireClient struct {
	wireRecord
	Name     *string `json:"name"`
	IsActive *bool   `json:"is_active"`
	Address  *string `json:"address"`
	Currency *string `json:"currency"`
}

type wireProject struct {
	wireRecord
	Client     *wireRef        `json:"client"`
	Name       *string         `json:"name"`
	Code       *string         `json:"code"`
	IsActive   *bool           `json:"is_active"`
	IsBillable *bool           `json:"is_billable"`
	IsFixedFee *bool           `json:"is_fixed_fee"`
	BillBy     *string         `json:"bill_by"`
	Budget     json.RawMessage `json:"budget"`
	BudgetBy   *string         `json:"budget_by"`
	Fee        json.RawMessage `json:"fee"`
	HourlyRate json.RawMessage `json:"hourly_rate"`
	StartsOn   *string         `json:"starts_on"`
	EndsOn     *string         `json:"ends_on"`
	Notes      *string         `json:"notes"`
}

type wireUser struct {
	wireRecord
	FirstName         *string         `json:"first_name"`
	LastName          *string         `json:"last_name"`
	Email             *string         `json:"email"`
	IsActive          *bool           `json:"is_active"`
	DefaultHourlyRate json.RawMessage `json:"default_hourly_rate"`
	CostRate          json.RawMessage `json:"cost_rate"`
}

type wireTask struct {
	wireRecord
	Name              *string         `json:"name"`
	BillableByDefault *bool           `json:"billable_by_default"`
	DefaultHourlyRate json.RawMessage `json:"default_hourly_rate"`
	IsActive          *bool           `json:"is_active"`
}

type wireTaskAssignment struct {
	wireRecord
	Project    *wireRef        `json:"project"`
	Task       *wireRef        `json:"task"`
	Billable   *bool           `json:"billable"`
	IsActive   *bool           `json:"is_active"`
	HourlyRate json.RawMessage `json:"hourly_rate"`
	Budget     json.RawMessage `json:"budget"`
}

type wireTimeEntry struct {
	wireRecord
	SpentDate         *string          `json:"spent_date"`
	User              *wireRef         `json:"user"`
	Client            *wireRef         `json:"client"`
	Project           *wireRef         `json:"project"`
	Task              *wireRef         `json:"task"`
	Hours             json.RawMessage  `json:"hours"`
	RoundedHours      json.RawMessage  `json:"rounded_hours"`
	Notes             *string          `json:"notes"`
	IsLocked          *bool            `json:"is_locked"`
	LockedReason      *string          `json:"locked_reason"`
	IsClosed          *bool            `json:"is_closed"`
	IsBilled          *bool            `json:"is_billed"`
	Billable          *bool            `json:"billable"`
	BillableRate      json.RawMessage  `json:"billable_rate"`
	CostRate          json.RawMessage  `json:"cost_rate"`
	Invoice           *wireInvoiceRef  `json:"invoice"`
	ExternalReference *wireExternalRef `json:"external_reference"`
}

type wireExpense struct {
	wireRecord
	SpentDate       *string         `json:"spent_date"`
	User            *wireRef        `json:"user"`
	Client          *wireRef        `json:"client"`
	Project         *wireRef        `json:"project"`
	ExpenseCategory *wireCategory   `json:"expense_category"`
	TotalCost       json.RawMessage `json:"total_cost"`
	Units           json.RawMessage `json:"units"`
	Billable        *bool           `json:"billable"`
	IsClosed        *bool           `json:"is_closed"`
	IsBilled        *bool           `json:"is_billed"`
	Invoice         *wireInvoiceRef `json:"invoice"`
	Notes           *string         `json:"notes"`
}

type wireInvoice struct {
	wireRecord
	Client      *wireRef        `json:"client"`
	Number      json.RawMessage `json:"number"`
	State       *string         `json:"state"`
	IssueDate   *string         `json:"issue_date"`
	DueDate     *string         `json:"due_date"`
	SentAt      *string         `json:"sent_at"`
	PaidAt      *string         `json:"paid_at"`
	Currency    *string         `json:"currency"`
	Amount      json.RawMessage `json:"amount"`
	DueAmount   json.RawMessage `json:"due_amount"`
	Tax         json.RawMessage `json:"tax"`
	TaxAmount   json.RawMessage `json:"tax_amount"`
	Subject     *string         `json:"subject"`
	PeriodStart *string         `json:"period_start"`
	PeriodEnd   *string         `json:"period_end"`
	// LineItems is nil for a JSON null and empty for [].
	LineItems []wireLineItem `json:"line_items"`
}

type wireLineItem struct {
	ID          json.RawMessage `json:"id"`
	Kind        *string         `json:"kind"`
	Description *string         `json:"description"`
	Project     *wireRef        `json:"project"`
	Quantity    json.RawMessage `json:"quantity"`
	UnitPrice   json.RawMessage `json:"unit_price"`
	Amount      json.RawMessage `json:"amount"`
	Taxed       *bool           `json:"taxed"`
}
