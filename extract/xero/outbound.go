package xero

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/shopspring/decimal"
)

// Sender creates draft invoices and credit notes in Xero (PUT
// /api.xro/2.0/Invoices and /CreditNotes), for the export of an approved
// billing run. It authenticates exactly as the Connector does (the same
// custom connection and token cache logic) and sends every document with an
// Idempotency-Key header, so that a retry after a timeout returns the
// document the first attempt created instead of creating a second one.
type Sender struct {
	api    *apiClient
	logger *slog.Logger
}

// NewSender validates cfg as New does and returns a sender. The custom
// connection needs the accounting.transactions scope to create documents.
func NewSender(cfg Config) (*Sender, error) {
	c, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return &Sender{api: c.api, logger: c.logger}, nil
}

// Document types a Sender creates.
const (
	TypeSalesInvoice    = "ACCREC"
	TypeSalesCreditNote = "ACCRECCREDIT"
)

// MaxIdempotencyKey is the longest Idempotency-Key Xero accepts.
const MaxIdempotencyKey = 128

// DraftDocument is a sales invoice or credit note to create as a draft.
type DraftDocument struct {
	Type        string // TypeSalesInvoice or TypeSalesCreditNote
	ContactID   string // the Xero contact; if empty, ContactName is sent
	ContactName string
	Date        time.Time
	DueDate     time.Time // invoices only
	Number      string
	Reference   string
	Currency    string
	// CurrencyRate is units of Currency per unit of the organisation's base
	// currency; zero leaves it to Xero.
	CurrencyRate decimal.Decimal
	Lines        []DraftLine
}

// DraftLine is one line; LineAmount must equal Quantity x UnitAmount
// rounded to cents, which the caller ensures (Xero recomputes it).
type DraftLine struct {
	Description    string
	Quantity       decimal.Decimal
	UnitAmount     decimal.Decimal
	LineAmount     decimal.Decimal
	TaxType        string
	AccountCode    string
	TrackingName   string
	TrackingOption string
}

// Created is what Xero answered for a created document.
type Created struct {
	ID     string
	Number string
	Status string
	Total  string
}

type outTracking struct {
	Name   string `json:"Name"`
	Option string `json:"Option"`
}

type outLine struct {
	Description string        `json:"Description"`
	Quantity    json.Number   `json:"Quantity"`
	UnitAmount  json.Number   `json:"UnitAmount"`
	LineAmount  json.Number   `json:"LineAmount"`
	TaxType     string        `json:"TaxType,omitempty"`
	AccountCode string        `json:"AccountCode,omitempty"`
	Tracking    []outTracking `json:"Tracking,omitempty"`
}

type outContact struct {
	ContactID string `json:"ContactID,omitempty"`
	Name      string `json:"Name,omitempty"`
}

type outDocument struct {
	Type             string      `json:"Type"`
	Contact          outContact  `json:"Contact"`
	Date             string      `json:"Date"`
	DueDate          string      `json:"DueDate,omitempty"`
	InvoiceNumber    string      `json:"InvoiceNumber,omitempty"`
	CreditNoteNumber string      `json:"CreditNoteNumber,omitempty"`
	Reference        string      `json:"Reference,omitempty"`
	CurrencyCode     string      `json:"CurrencyCode"`
	CurrencyRate     json.Number `json:"CurrencyRate,omitempty"`
	Status           string      `json:"Status"`
	LineAmountTypes  string      `json:"LineAmountTypes"`
	LineItems        []outLine   `json:"LineItems"`
}

// Body returns the JSON request body for d: the envelope Xero expects
// ({"Invoices":[...]} or {"CreditNotes":[...]}), Status DRAFT, amounts
// exclusive of tax, numbers written exactly as decimals.
func (d DraftDocument) Body() ([]byte, error) {
	doc := outDocument{
		Type: d.Type, Contact: outContact{ContactID: d.ContactID}, Date: d.Date.Format(time.DateOnly),
		Reference: d.Reference, CurrencyCode: d.Currency, Status: "DRAFT", LineAmountTypes: "Exclusive",
	}
	if d.ContactID == "" {
		doc.Contact.Name = d.ContactName
	}
	if !d.CurrencyRate.IsZero() {
		doc.CurrencyRate = json.Number(d.CurrencyRate.String())
	}
	var envelope string
	switch d.Type {
	case TypeSalesInvoice:
		envelope = "Invoices"
		doc.InvoiceNumber = d.Number
		if !d.DueDate.IsZero() {
			doc.DueDate = d.DueDate.Format(time.DateOnly)
		}
	case TypeSalesCreditNote:
		envelope = "CreditNotes"
		doc.CreditNoteNumber = d.Number
	default:
		return nil, fmt.Errorf("xero: document type %q: want %s or %s", d.Type, TypeSalesInvoice, TypeSalesCreditNote)
	}
	for _, l := range d.Lines {
		ol := outLine{Description: l.Description, Quantity: json.Number(l.Quantity.String()), UnitAmount: json.Number(l.UnitAmount.String()),
			LineAmount: json.Number(l.LineAmount.StringFixed(2)), TaxType: l.TaxType, AccountCode: l.AccountCode}
		if l.TrackingName != "" && l.TrackingOption != "" {
			ol.Tracking = []outTracking{{Name: l.TrackingName, Option: l.TrackingOption}}
		}
		doc.LineItems = append(doc.LineItems, ol)
	}
	return json.Marshal(map[string][]outDocument{envelope: {doc}})
}

// Put creates d as a draft with the given idempotency key. The key must be
// persisted by the caller before the first attempt and reused for every
// retry of the same document; the shared HTTP client retries timeouts and
// 5xx answers with it, and Xero (like its emulator) answers a repeated key
// with the document created the first time.
func (s *Sender) Put(ctx context.Context, d DraftDocument, idempotencyKey string) (Created, error) {
	if idempotencyKey == "" || len(idempotencyKey) > MaxIdempotencyKey {
		return Created{}, fmt.Errorf("xero: %s %s: idempotency key must have 1 to %d characters", d.Type, d.Number, MaxIdempotencyKey)
	}
	body, err := d.Body()
	if err != nil {
		return Created{}, err
	}
	collection := "Invoices"
	if d.Type == TypeSalesCreditNote {
		collection = "CreditNotes"
	}
	u := s.api.baseURL + apiPrefix + collection
	resp, err := s.api.do(ctx, http.MethodPut, u, body, http.Header{
		"Content-Type":    {"application/json"},
		"Idempotency-Key": {idempotencyKey},
	}, "the accounting transactions scope")
	if err != nil {
		return Created{}, fmt.Errorf("xero: create %s %s: %w", collection, d.Number, err)
	}
	defer resp.Body.Close()
	var out struct {
		Invoices []struct {
			InvoiceID     string      `json:"InvoiceID"`
			InvoiceNumber string      `json:"InvoiceNumber"`
			Status        string      `json:"Status"`
			Total         json.Number `json:"Total"`
		} `json:"Invoices"`
		CreditNotes []struct {
			CreditNoteID     string      `json:"CreditNoteID"`
			CreditNoteNumber string      `json:"CreditNoteNumber"`
			Status           string      `json:"Status"`
			Total            json.Number `json:"Total"`
		} `json:"CreditNotes"`
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, 4<<20))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return Created{}, fmt.Errorf("xero: create %s %s: decode answer: %w", collection, d.Number, err)
	}
	switch {
	case len(out.Invoices) == 1:
		i := out.Invoices[0]
		return Created{ID: i.InvoiceID, Number: i.InvoiceNumber, Status: i.Status, Total: i.Total.String()}, nil
	case len(out.CreditNotes) == 1:
		c := out.CreditNotes[0]
		return Created{ID: c.CreditNoteID, Number: c.CreditNoteNumber, Status: c.Status, Total: c.Total.String()}, nil
	}
	return Created{}, fmt.Errorf("xero: create %s %s: the answer holds no created document", collection, d.Number)
}
