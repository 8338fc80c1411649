package demo

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/extract/xero/xerotest"
)

// Xero Accounting API objects without their envelopes, keys in the order
// Xero sends them: dates as /Date(ms+0000)/ with DateString twins, money
// with two decimals, quantities with four, currency rates with six.

type none = []struct{}

type xAddress struct {
	AddressType  string `json:"AddressType"`
	AddressLine1 string `json:"AddressLine1,omitempty"`
	City         string `json:"City"`
	Region       string `json:"Region"`
	PostalCode   string `json:"PostalCode"`
	Country      string `json:"Country"`
	AttentionTo  string `json:"AttentionTo"`
}

type xPhone struct {
	PhoneType        string `json:"PhoneType"`
	PhoneNumber      string `json:"PhoneNumber"`
	PhoneAreaCode    string `json:"PhoneAreaCode"`
	PhoneCountryCode string `json:"PhoneCountryCode"`
}

type xContact struct {
	ContactID           string     `json:"ContactID"`
	AccountNumber       string     `json:"AccountNumber"`
	ContactStatus       string     `json:"ContactStatus"`
	Name                string     `json:"Name"`
	EmailAddress        string     `json:"EmailAddress"`
	BankAccountDetails  string     `json:"BankAccountDetails"`
	TaxNumber           string     `json:"TaxNumber"`
	Addresses           []xAddress `json:"Addresses"`
	Phones              []xPhone   `json:"Phones"`
	UpdatedDateUTC      string     `json:"UpdatedDateUTC"`
	ContactGroups       none       `json:"ContactGroups"`
	IsSupplier          bool       `json:"IsSupplier"`
	IsCustomer          bool       `json:"IsCustomer"`
	DefaultCurrency     string     `json:"DefaultCurrency"`
	ContactPersons      none       `json:"ContactPersons"`
	HasAttachments      bool       `json:"HasAttachments"`
	HasValidationErrors bool       `json:"HasValidationErrors"`
}

// xContactRef is the contact as embedded in invoices and credit notes.
type xContactRef struct {
	ContactID           string `json:"ContactID"`
	Name                string `json:"Name"`
	Addresses           none   `json:"Addresses"`
	Phones              none   `json:"Phones"`
	ContactGroups       none   `json:"ContactGroups"`
	ContactPersons      none   `json:"ContactPersons"`
	HasValidationErrors bool   `json:"HasValidationErrors"`
}

type xTracking struct {
	Name               string `json:"Name"`
	Option             string `json:"Option"`
	TrackingCategoryID string `json:"TrackingCategoryID"`
	Options            none   `json:"Options"`
}

type xLine struct {
	Description string      `json:"Description"`
	Quantity    json.Number `json:"Quantity"`
	UnitAmount  json.Number `json:"UnitAmount"`
	TaxType     string      `json:"TaxType"`
	TaxAmount   json.Number `json:"TaxAmount"`
	LineAmount  json.Number `json:"LineAmount"`
	AccountCode string      `json:"AccountCode"`
	Tracking    []xTracking `json:"Tracking"`
	LineItemID  string      `json:"LineItemID"`
}

type xInvoicePayment struct {
	PaymentID           string      `json:"PaymentID"`
	Date                string      `json:"Date"`
	Amount              json.Number `json:"Amount"`
	Reference           string      `json:"Reference"`
	CurrencyRate        json.Number `json:"CurrencyRate"`
	HasAccount          bool        `json:"HasAccount"`
	HasValidationErrors bool        `json:"HasValidationErrors"`
}

type xInvoiceCredit struct {
	CreditNoteID     string      `json:"CreditNoteID"`
	CreditNoteNumber string      `json:"CreditNoteNumber"`
	ID               string      `json:"ID"`
	HasErrors        bool        `json:"HasErrors"`
	AppliedAmount    json.Number `json:"AppliedAmount"`
	DateString       string      `json:"DateString"`
	Date             string      `json:"Date"`
	LineItems        none        `json:"LineItems"`
	Total            json.Number `json:"Total"`
}

type xInvoice struct {
	Type            string            `json:"Type"`
	InvoiceID       string            `json:"InvoiceID"`
	InvoiceNumber   string            `json:"InvoiceNumber"`
	Reference       string            `json:"Reference"`
	Payments        []xInvoicePayment `json:"Payments"`
	CreditNotes     []xInvoiceCredit  `json:"CreditNotes"`
	Prepayments     none              `json:"Prepayments"`
	Overpayments    none              `json:"Overpayments"`
	AmountDue       json.Number       `json:"AmountDue"`
	AmountPaid      json.Number       `json:"AmountPaid"`
	AmountCredited  json.Number       `json:"AmountCredited"`
	SentToContact   bool              `json:"SentToContact"`
	CurrencyRate    json.Number       `json:"CurrencyRate"`
	IsDiscounted    bool              `json:"IsDiscounted"`
	HasAttachments  bool              `json:"HasAttachments"`
	HasErrors       bool              `json:"HasErrors"`
	Contact         xContactRef       `json:"Contact"`
	DateString      string            `json:"DateString"`
	Date            string            `json:"Date"`
	DueDateString   string            `json:"DueDateString"`
	DueDate         string            `json:"DueDate"`
	Status          string            `json:"Status"`
	LineAmountTypes string            `json:"LineAmountTypes"`
	LineItems       []xLine           `json:"LineItems"`
	SubTotal        json.Number       `json:"SubTotal"`
	TotalTax        json.Number       `json:"TotalTax"`
	Total           json.Number       `json:"Total"`
	UpdatedDateUTC  string            `json:"UpdatedDateUTC"`
	CurrencyCode    string            `json:"CurrencyCode"`
	FullyPaidOnDate string            `json:"FullyPaidOnDate,omitempty"`
}

// xInvoiceRef is the invoice as embedded in payments and allocations.
type xInvoiceRef struct {
	Type          string       `json:"Type,omitempty"`
	InvoiceID     string       `json:"InvoiceID"`
	InvoiceNumber string       `json:"InvoiceNumber"`
	Payments      none         `json:"Payments"`
	CreditNotes   none         `json:"CreditNotes"`
	Prepayments   none         `json:"Prepayments"`
	Overpayments  none         `json:"Overpayments"`
	IsDiscounted  bool         `json:"IsDiscounted"`
	HasErrors     bool         `json:"HasErrors"`
	Contact       *xContactRef `json:"Contact,omitempty"`
	LineItems     none         `json:"LineItems"`
	CurrencyCode  string       `json:"CurrencyCode,omitempty"`
}

type xAccount struct {
	AccountID string `json:"AccountID"`
	Code      string `json:"Code"`
}

type xPayment struct {
	PaymentID           string      `json:"PaymentID"`
	Date                string      `json:"Date"`
	BankAmount          json.Number `json:"BankAmount"`
	Amount              json.Number `json:"Amount"`
	Reference           string      `json:"Reference"`
	CurrencyRate        json.Number `json:"CurrencyRate"`
	PaymentType         string      `json:"PaymentType"`
	Status              string      `json:"Status"`
	UpdatedDateUTC      string      `json:"UpdatedDateUTC"`
	HasAccount          bool        `json:"HasAccount"`
	IsReconciled        bool        `json:"IsReconciled"`
	Account             xAccount    `json:"Account"`
	Invoice             xInvoiceRef `json:"Invoice"`
	HasValidationErrors bool        `json:"HasValidationErrors"`
}

type xAllocation struct {
	AllocationID string      `json:"AllocationID"`
	Amount       json.Number `json:"Amount"`
	Date         string      `json:"Date"`
	Invoice      xInvoiceRef `json:"Invoice"`
}

type xCreditNote struct {
	CreditNoteID     string        `json:"CreditNoteID"`
	CreditNoteNumber string        `json:"CreditNoteNumber"`
	Payments         none          `json:"Payments"`
	ID               string        `json:"ID"`
	HasErrors        bool          `json:"HasErrors"`
	Type             string        `json:"Type"`
	Reference        string        `json:"Reference"`
	RemainingCredit  json.Number   `json:"RemainingCredit"`
	Allocations      []xAllocation `json:"Allocations"`
	HasAttachments   bool          `json:"HasAttachments"`
	Contact          xContactRef   `json:"Contact"`
	DateString       string        `json:"DateString"`
	Date             string        `json:"Date"`
	Status           string        `json:"Status"`
	LineAmountTypes  string        `json:"LineAmountTypes"`
	LineItems        []xLine       `json:"LineItems"`
	SubTotal         json.Number   `json:"SubTotal"`
	TotalTax         json.Number   `json:"TotalTax"`
	Total            json.Number   `json:"Total"`
	UpdatedDateUTC   string        `json:"UpdatedDateUTC"`
	CurrencyCode     string        `json:"CurrencyCode"`
	CurrencyRate     json.Number   `json:"CurrencyRate"`
	FullyPaidOnDate  string        `json:"FullyPaidOnDate"`
}

func money2(d decimal.Decimal) json.Number { return xNum(d, 2) }

func (w *world) renderXero() (xerotest.Dataset, error) {
	ds := xerotest.Dataset{}

	a := newArena(len(w.customers), 900)
	for _, c := range w.customers {
		a.add(xContact{
			ContactID: c.xeroID, ContactStatus: "ACTIVE", Name: c.xeroName, EmailAddress: c.email, TaxNumber: c.vatID,
			Addresses: []xAddress{
				{AddressType: "POBOX", AddressLine1: c.street, City: c.city, PostalCode: c.postcode, Country: c.country},
				{AddressType: "STREET"},
			},
			Phones:         []xPhone{{PhoneType: "DEFAULT"}, {PhoneType: "DDI"}, {PhoneType: "FAX"}, {PhoneType: "MOBILE"}},
			UpdatedDateUTC: fmtXero(c.xeroCreated), ContactGroups: none{}, IsCustomer: true,
			DefaultCurrency: c.currency, ContactPersons: none{},
		})
	}
	contacts, err := a.objects()
	if err != nil {
		return nil, fmt.Errorf("Contacts: %w", err)
	}
	ds["Contacts"] = contacts

	a = newArena(len(w.harvestInvoices)+len(w.xeroInvoices), 3500)
	pays := newArena(len(w.harvestInvoices)+len(w.xeroInvoices), 1200)
	var all []*invoice
	for _, inv := range w.issuedAndOther() {
		all = append(all, inv)
		a.add(w.xInvoice(inv))
	}
	for _, inv := range all {
		for _, p := range inv.payments {
			pays.add(w.xPayment(p))
		}
	}
	invoices, err := a.objects()
	if err != nil {
		return nil, fmt.Errorf("Invoices: %w", err)
	}
	payments, err := pays.objects()
	if err != nil {
		return nil, fmt.Errorf("Payments: %w", err)
	}
	ds["Invoices"], ds["Payments"] = invoices, payments

	a = newArena(len(w.creditNotes), 2500)
	for _, cn := range w.creditNotes {
		a.add(w.xCreditNote(cn))
	}
	cns, err := a.objects()
	if err != nil {
		return nil, fmt.Errorf("CreditNotes: %w", err)
	}
	ds["CreditNotes"] = cns
	return ds, nil
}

// issuedAndOther returns every invoice Xero holds, by number order within
// issue date: Harvest's synced invoices and those created in Xero,
// including drafts and voided ones.
func (w *world) issuedAndOther() []*invoice {
	all := slices.Concat(w.harvestInvoices, w.xeroInvoices)
	sortInvoices(all)
	return all
}

func contactRef(c *customer) xContactRef {
	return xContactRef{ContactID: c.xeroID, Name: c.xeroName, Addresses: none{}, Phones: none{}, ContactGroups: none{}, ContactPersons: none{}}
}

func (w *world) xLines(lines []*invoiceLine, v vatRule) []xLine {
	out := make([]xLine, len(lines))
	for i, l := range lines {
		out[i] = xLine{
			Description: l.description, Quantity: xNum(l.quantity, 4), UnitAmount: money2(l.unitPrice),
			TaxType: v.taxType, TaxAmount: money2(l.tax), LineAmount: money2(l.amount), AccountCode: v.account,
			Tracking: []xTracking{}, LineItemID: l.xeroID,
		}
		if l.project != nil {
			out[i].Tracking = []xTracking{{Name: "Project", Option: l.project.code, TrackingCategoryID: w.trackingCategoryID, Options: none{}}}
		}
	}
	return out
}

// xeroCreated is when the invoice appeared in Xero: Harvest's invoices a
// couple of minutes after Harvest created them.
func xeroCreated(inv *invoice) time.Time {
	if inv.source == fromHarvest {
		return inv.created.Add(2 * time.Minute)
	}
	return inv.created
}

func (w *world) xInvoice(inv *invoice) xInvoice {
	out := xInvoice{
		Type: "ACCREC", InvoiceID: inv.xeroID, InvoiceNumber: inv.number, Reference: inv.reference,
		Payments: []xInvoicePayment{}, CreditNotes: []xInvoiceCredit{}, Prepayments: none{}, Overpayments: none{},
		AmountDue: money2(inv.amountDue()), AmountPaid: money2(inv.paid()), AmountCredited: money2(inv.credited()),
		SentToContact: inv.status != statusDraft, CurrencyRate: xNum(inv.fx, 6),
		Contact:    contactRef(inv.customer),
		DateString: fmtXeroDateString(inv.issue), Date: fmtXero(inv.issue),
		DueDateString: fmtXeroDateString(inv.due), DueDate: fmtXero(inv.due),
		Status: inv.status, LineAmountTypes: "Exclusive", LineItems: w.xLines(inv.lines, inv.vat),
		SubTotal: money2(inv.subtotal), TotalTax: money2(inv.tax), Total: money2(inv.total),
		UpdatedDateUTC: fmtXero(maxTime(xeroCreated(inv), inv.updated())),
		CurrencyCode:   inv.currency,
	}
	for _, p := range inv.payments {
		out.Payments = append(out.Payments, xInvoicePayment{
			PaymentID: p.id, Date: fmtXero(p.date), Amount: money2(p.amount), Reference: paymentReference(p),
			CurrencyRate: xNum(p.fx, 6),
		})
	}
	for _, cn := range inv.allocations {
		out.CreditNotes = append(out.CreditNotes, xInvoiceCredit{
			CreditNoteID: cn.id, CreditNoteNumber: cn.number, ID: cn.id, AppliedAmount: money2(cn.total),
			DateString: fmtXeroDateString(cn.date), Date: fmtXero(cn.date), LineItems: none{}, Total: money2(cn.total),
		})
	}
	if inv.status == statusPaid {
		out.FullyPaidOnDate = fmtXero(inv.paidOn)
	}
	return out
}

func paymentReference(p *payment) string { return "Transfer " + p.invoice.number }

func (w *world) xPayment(p *payment) xPayment {
	inv := p.invoice
	contact := contactRef(inv.customer)
	return xPayment{
		PaymentID: p.id, Date: fmtXero(p.date), BankAmount: money2(p.amount), Amount: money2(p.amount),
		Reference: paymentReference(p), CurrencyRate: xNum(p.fx, 6), PaymentType: "ACCRECPAYMENT", Status: "AUTHORISED",
		UpdatedDateUTC: fmtXero(p.updated), HasAccount: true, IsReconciled: true,
		Account: xAccount{AccountID: w.bankAccountID, Code: "1200"},
		Invoice: xInvoiceRef{
			Type: "ACCREC", InvoiceID: inv.xeroID, InvoiceNumber: inv.number,
			Payments: none{}, CreditNotes: none{}, Prepayments: none{}, Overpayments: none{},
			Contact: &contact, LineItems: none{}, CurrencyCode: inv.currency,
		},
	}
}

func (w *world) xCreditNote(cn *creditNote) xCreditNote {
	inv := cn.invoice
	return xCreditNote{
		CreditNoteID: cn.id, CreditNoteNumber: cn.number, Payments: none{}, ID: cn.id,
		Type: "ACCRECCREDIT", Reference: cn.reference, RemainingCredit: money2(decimal.Zero),
		Allocations: []xAllocation{{
			AllocationID: cn.allocationID, Amount: money2(cn.total), Date: fmtXero(cn.date),
			Invoice: xInvoiceRef{
				InvoiceID: inv.xeroID, InvoiceNumber: inv.number,
				Payments: none{}, CreditNotes: none{}, Prepayments: none{}, Overpayments: none{}, LineItems: none{},
			},
		}},
		Contact:    contactRef(inv.customer),
		DateString: fmtXeroDateString(cn.date), Date: fmtXero(cn.date),
		Status: statusPaid, LineAmountTypes: "Exclusive", LineItems: w.xLines(cn.lines, inv.vat),
		SubTotal: money2(cn.subtotal), TotalTax: money2(cn.tax), Total: money2(cn.total),
		UpdatedDateUTC: fmtXero(cn.updated), CurrencyCode: inv.currency, CurrencyRate: xNum(cn.fx, 6),
		FullyPaidOnDate: fmtXero(cn.date),
	}
}
