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
// billing run, several in one request (Batches). It authenticates exactly
// as the Connector does (the same custom connection and token cache logic)
// and sends every request with an Idempotency-Key header, so that a retry
// after a timeout returns the documents the first attempt created instead
// of creating them again.
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

// Limits of one create request. Xero refuses a request over 3.5 MB and
// recommends up to 50 documents per request so that it answers in time
// (developer.xero.com, "Xero API limits"); a run of a large firm holds
// thousands of invoices, and one request each would take half an hour at
// the tenant's limit of 60 calls a minute.
const (
	MaxBatchDocuments = 50
	MaxRequestBytes   = 3_500_000
)

// collection is the endpoint and envelope of a document type.
func collection(docType string) (string, error) {
	switch docType {
	case TypeSalesInvoice:
		return "Invoices", nil
	case TypeSalesCreditNote:
		return "CreditNotes", nil
	}
	return "", fmt.Errorf("xero: document type %q: want %s or %s", docType, TypeSalesInvoice, TypeSalesCreditNote)
}

// wire is d as Xero expects it: Status DRAFT, amounts exclusive of tax,
// numbers written exactly as decimals.
func (d DraftDocument) wire() (outDocument, error) {
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
	switch d.Type {
	case TypeSalesInvoice:
		doc.InvoiceNumber = d.Number
		if !d.DueDate.IsZero() {
			doc.DueDate = d.DueDate.Format(time.DateOnly)
		}
	case TypeSalesCreditNote:
		doc.CreditNoteNumber = d.Number
	default:
		_, err := collection(d.Type)
		return doc, err
	}
	for _, l := range d.Lines {
		ol := outLine{Description: l.Description, Quantity: json.Number(l.Quantity.String()), UnitAmount: json.Number(l.UnitAmount.String()),
			LineAmount: json.Number(l.LineAmount.StringFixed(2)), TaxType: l.TaxType, AccountCode: l.AccountCode}
		if l.TrackingName != "" && l.TrackingOption != "" {
			ol.Tracking = []outTracking{{Name: l.TrackingName, Option: l.TrackingOption}}
		}
		doc.LineItems = append(doc.LineItems, ol)
	}
	return doc, nil
}

// Body returns the JSON request body that creates docs, all of one type,
// in one request: the envelope Xero expects ({"Invoices":[...]} or
// {"CreditNotes":[...]}).
func Body(docs []DraftDocument) ([]byte, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("xero: no documents to send")
	}
	envelope, err := collection(docs[0].Type)
	if err != nil {
		return nil, err
	}
	out := make([]outDocument, len(docs))
	for i, d := range docs {
		if d.Type != docs[0].Type {
			return nil, fmt.Errorf("xero: %s %s and %s %s cannot go in one request", docs[0].Type, docs[0].Number, d.Type, d.Number)
		}
		if out[i], err = d.wire(); err != nil {
			return nil, err
		}
	}
	return json.Marshal(map[string][]outDocument{envelope: out})
}

// Batches splits docs, in their order, into the requests that create
// them: consecutive documents of one type, at most MaxBatchDocuments and
// MaxRequestBytes each. The split depends on the documents alone, so the
// same documents always go in the same requests.
func Batches(docs []DraftDocument) ([][]DraftDocument, error) {
	const envelope = len(`{"CreditNotes":[]}`)
	var out [][]DraftDocument
	start, size := 0, envelope
	for i, d := range docs {
		doc, err := d.wire()
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(doc)
		if err != nil {
			return nil, err
		}
		n := len(b) + 1 // and its comma
		if envelope+n > MaxRequestBytes {
			return nil, fmt.Errorf("xero: %s %s is %d bytes as JSON, more than the %d Xero accepts in a request; split its lines over more than one document",
				d.Type, d.Number, len(b), MaxRequestBytes)
		}
		if i > start && (d.Type != docs[start].Type || i-start == MaxBatchDocuments || size+n > MaxRequestBytes) {
			out = append(out, docs[start:i])
			start, size = i, envelope
		}
		size += n
	}
	if start < len(docs) {
		out = append(out, docs[start:])
	}
	return out, nil
}

// Result is Xero's answer for one document of a request: the document it
// created, or the reasons it refused it (its validation errors).
type Result struct {
	Created
	Refused []string
}

// Put creates docs, all of one type, as drafts in one request with the
// given idempotency key and answers for each document in order. It asks
// Xero not to summarise errors (summarizeErrors=false), so that a
// document Xero refuses comes back with its validation errors while the
// others are created. The key must be derived from what the caller
// persisted before the first attempt and be the same for every retry of
// the same request; the shared HTTP client retries timeouts and 5xx
// answers with it, and Xero (like its emulator) answers a repeated key
// with the first answer. An error means the request as a whole failed.
func (s *Sender) Put(ctx context.Context, docs []DraftDocument, idempotencyKey string) ([]Result, error) {
	if idempotencyKey == "" || len(idempotencyKey) > MaxIdempotencyKey {
		return nil, fmt.Errorf("xero: idempotency key must have 1 to %d characters", MaxIdempotencyKey)
	}
	body, err := Body(docs)
	if err != nil {
		return nil, err
	}
	coll, _ := collection(docs[0].Type) // Body checked the type
	what := fmt.Sprintf("%s %s", coll, docs[0].Number)
	if len(docs) > 1 {
		what = fmt.Sprintf("%d %s %s to %s", len(docs), coll, docs[0].Number, docs[len(docs)-1].Number)
	}
	if len(body) > MaxRequestBytes {
		return nil, fmt.Errorf("xero: create %s: the request has %d bytes, more than the %d Xero accepts", what, len(body), MaxRequestBytes)
	}
	u := s.api.baseURL + apiPrefix + coll + "?summarizeErrors=false"
	resp, err := s.api.do(ctx, http.MethodPut, u, body, http.Header{
		"Content-Type":    {"application/json"},
		"Idempotency-Key": {idempotencyKey},
	}, "the accounting transactions scope")
	if err != nil {
		return nil, fmt.Errorf("xero: create %s: %w", what, err)
	}
	defer resp.Body.Close()
	type answer struct {
		InvoiceID        string      `json:"InvoiceID"`
		InvoiceNumber    string      `json:"InvoiceNumber"`
		CreditNoteID     string      `json:"CreditNoteID"`
		CreditNoteNumber string      `json:"CreditNoteNumber"`
		Status           string      `json:"Status"`
		Total            json.Number `json:"Total"`
		HasErrors        bool        `json:"HasErrors"`
		ValidationErrors []struct {
			Message string `json:"Message"`
		} `json:"ValidationErrors"`
	}
	var out struct {
		Invoices    []answer `json:"Invoices"`
		CreditNotes []answer `json:"CreditNotes"`
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, 64<<20))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("xero: create %s: decode answer: %w", what, err)
	}
	got := out.Invoices
	if coll == "CreditNotes" {
		got = out.CreditNotes
	}
	if len(got) != len(docs) {
		return nil, fmt.Errorf("xero: create %s: the answer holds %d documents for the %d sent", what, len(got), len(docs))
	}
	res := make([]Result, len(docs))
	for i, a := range got {
		id, number := a.InvoiceID, a.InvoiceNumber
		if coll == "CreditNotes" {
			id, number = a.CreditNoteID, a.CreditNoteNumber
		}
		if docs[i].Number != "" && number != docs[i].Number {
			return nil, fmt.Errorf("xero: create %s: answer %d is for number %q, not %q", what, i+1, number, docs[i].Number)
		}
		if a.HasErrors || len(a.ValidationErrors) > 0 {
			for _, v := range a.ValidationErrors {
				res[i].Refused = append(res[i].Refused, v.Message)
			}
			if len(res[i].Refused) == 0 {
				res[i].Refused = []string{"Xero reports errors without a message"}
			}
			continue
		}
		if id == "" {
			return nil, fmt.Errorf("xero: create %s: answer %d (%s) has neither an id nor validation errors", what, i+1, docs[i].Number)
		}
		res[i].Created = Created{ID: id, Number: number, Status: a.Status, Total: a.Total.String()}
	}
	s.logger.LogAttrs(ctx, slog.LevelInfo, "created drafts in Xero", slog.String("source", Source), slog.String("documents", what),
		slog.Int("refused", refused(res)))
	return res, nil
}

func refused(res []Result) int {
	n := 0
	for _, r := range res {
		if len(r.Refused) > 0 {
			n++
		}
	}
	return n
}
