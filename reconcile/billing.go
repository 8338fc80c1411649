package reconcile

import (
	"errors"
	"time"

	"github.com/shopspring/decimal"
)

// Run statuses. A run moves draft -> approved -> exported, or from draft
// or approved to discarded.
const (
	StatusDraft     = "draft"
	StatusApproved  = "approved"
	StatusExported  = "exported"
	StatusDiscarded = "discarded"
)

// Run kinds: a regular run bills unbilled work of a period; a correction
// run credits work of an exported invoice and, where needed, bills it
// again as it is now.
const (
	KindInvoiceRun    = "invoice"
	KindCorrectionRun = "correction"
)

// Document types of a run's invoices.
const (
	DocInvoice    = "invoice"
	DocCreditNote = "credit_note"
)

// VAT cases of a customer (core.customer_vat).
const (
	VATDomestic      = "domestic"
	VATReverseCharge = "reverse_charge"
	VATNonEU         = "non_eu"
)

// Line kinds. A write_off line is a proposal shown beside the invoice: it
// is not part of its totals.
const (
	LineTime          = "time"
	LineExpense       = "expense"
	LineMilestone     = "milestone"
	LineChangeRequest = "change_request"
	LineWriteOff      = "write_off"
)

// Errors callers branch on.
var (
	// ErrNothingToBill: the period has no approved, billable, unbilled work
	// that no other open run holds.
	ErrNothingToBill = errors.New("nothing to bill")
	// ErrSameUser: the approver created or edited the run.
	ErrSameUser = errors.New("segregation of duties: the approver must be someone who neither created nor edited the run")
	// ErrNoReason: a manual change without a reason.
	ErrNoReason = errors.New("a reason is required for every manual change (--reason)")
	// ErrStatus: the run's status does not allow the action.
	ErrStatus = errors.New("not allowed in the run's status")
	// ErrNotFound: no such run, line, item or invoice.
	ErrNotFound = errors.New("not found")
	// ErrConflict: another run claimed the same work at the same time and
	// won; retrying sees its claims.
	ErrConflict = errors.New("another billing run claimed the same work at the same time")
)

// Run is a billing run with its invoices.
type Run struct {
	ID           string
	Kind         string
	Period       string // YYYY-MM
	PeriodEnd    time.Time
	InvoiceDate  time.Time
	Status       string
	CreatedBy    string
	CreatedAt    time.Time
	ApprovedBy   string
	ApprovedAt   time.Time
	ExportedAt   time.Time
	ExportTarget string
	DiscardedBy  string
	InputsHash   string
	ContentHash  string
	Reason       string
	Invoices     []Invoice
	Adjustments  []Adjustment
}

// Invoice is one draft invoice (or credit note) of a run: one per customer
// and currency in a regular run.
type Invoice struct {
	ID            string
	Position      int
	DocType       string
	CustomerID    string
	Customer      string
	Country       string
	VATID         string
	XeroContactID string
	Currency      string
	VATCase       string
	// Net is the sum of the lines; Tax the sum of TaxBreakdown; Gross =
	// Net + Tax. All rounded to cents as EN 16931 does it.
	Net, Tax, Gross decimal.Decimal
	TaxBreakdown    []TaxLine
	PaymentDays     int
	DueDate         time.Time
	Skonto          *Skonto
	Notes           []string
	FX              *FX
	BaseCurrency    string
	// BaseNet, BaseTax and BaseGross are the amounts in the base currency
	// (equal to Net, Tax, Gross when the invoice is in it); zero without a
	// rate.
	BaseNet, BaseTax, BaseGross decimal.Decimal
	Corrects                    *DocRef
	Number                      string
	IdempotencyKey              string
	XeroInvoiceID               string
	ExportedAt                  time.Time
	// Refusals is how often the accounting system refused the invoice
	// (billing.refusals): its next attempt goes with a new key.
	Refusals int
	Lines    []Line
	// WriteOffs are proposals: work beyond a budget cap, shown, not billed.
	WriteOffs []Line
}

// TaxLine is the VAT of one rate: Tax = Base x Rate / 100 rounded to cents
// (EN 16931 BR-CO-17), computed once on the sum of the lines of that rate.
type TaxLine struct {
	Rate decimal.Decimal // percent
	Base decimal.Decimal
	Tax  decimal.Decimal
}

// Skonto is a cash discount agreed in advance: Percent off the gross if
// paid by Date.
type Skonto struct {
	Percent decimal.Decimal
	Days    int
	Date    time.Time
	Amount  decimal.Decimal // Gross x Percent / 100, rounded to cents
}

// FX is the exchange rate an invoice in a foreign currency was converted
// at: Rate units of the invoice currency per unit of the base currency, as
// Xero records it, valid on Date.
type FX struct {
	Rate   decimal.Decimal
	Date   time.Time
	Source string // fx_rates (the imported rates) or xero (booked on a recent invoice)
}

// DocRef names the document a credit note corrects.
type DocRef struct {
	RunID     string
	InvoiceID string
	Number    string
	Date      time.Time
	// Reason is why the correction was made.
	Reason string
}

// Line is a line of a draft invoice, or a write-off proposal.
type Line struct {
	ID              string
	Position        int
	Kind            string
	ProjectCode     string
	Project         string
	Task            string
	Description     string
	Hours           decimal.NullDecimal // time lines
	Rate            decimal.NullDecimal // time lines
	Amount          decimal.Decimal     // rounded to cents
	TaxRate         decimal.Decimal     // percent
	ManuallyChanged bool
	Items           []LineItem
	// derived is how many items the database derives from the staged
	// work when the run is stored (a plain time line of a regular run);
	// Items are read back then.
	derived int
}

// SourceIDs are the source systems' ids of the work the line bills.
func (l Line) SourceIDs() []string {
	out := make([]string, 0, len(l.Items))
	for _, it := range l.Items {
		out = append(out, it.SourceID())
	}
	return out
}

// LineItem is one work item (or the part of it) a line bills.
type LineItem struct {
	Key      string          // time:123, expense:9, milestone:1004, change_request:CR-007
	Quantity decimal.Decimal // hours for time, 1 otherwise
	Amount   decimal.Decimal // unrounded share of the line
}

// SourceID is the item's id in its source system.
func (it LineItem) SourceID() string {
	for i := 0; i < len(it.Key); i++ {
		if it.Key[i] == ':' {
			return it.Key[i+1:]
		}
	}
	return it.Key
}

// Adjustment is a manual change of a draft, with its reason.
type Adjustment struct {
	No       int
	Kind     string // edit_line, move_item, write_off
	LineID   string
	ItemKey  string
	Before   string
	After    string
	Reason   string
	Actor    string
	At       time.Time
	AuditSeq int64
}
