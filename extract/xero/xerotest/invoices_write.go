package xerotest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"
)

// WriteOptions configure the emulator's write endpoints: PUT and POST
// /api.xro/2.0/Invoices and /api.xro/2.0/CreditNotes, which create
// documents (drafts, as takt sends them) the way the Accounting API does:
// several in one request, with summarizeErrors, Idempotency-Key support,
// numbers unique among the organisation's sales documents, and requests of
// at most 3.5 MB.
type WriteOptions struct {
	// StallWrites makes the first N successful writes wait Stall after the
	// document was created and before answering: a client with a shorter
	// timeout never sees the answer, as when a response is lost, and
	// retries. 0 never stalls.
	StallWrites int
	Stall       time.Duration
	// KeyLifetime is how long an Idempotency-Key is remembered; default 24
	// hours (Xero keeps keys for at least that).
	KeyLifetime time.Duration
}

// CreatedDocument is a document the write endpoints created.
type CreatedDocument struct {
	Collection     string // Invoices or CreditNotes
	ID             string
	Number         string
	Type           string
	Status         string
	ContactID      string
	ContactName    string
	Currency       string
	SubTotal       decimal.Decimal
	TotalTax       decimal.Decimal
	Total          decimal.Decimal
	IdempotencyKey string
	Body           json.RawMessage // the document as the client sent it
}

// taxRates are the percentages of the tax types the emulator knows: those
// of a German organisation's sales (19 %, 7 %), EU reverse charge and
// exports (0 %).
var taxRates = map[string]decimal.Decimal{
	"OUTPUT":             decimal.NewFromInt(19),
	"OUTPUT2":            decimal.NewFromInt(7),
	"ECZROUTPUTSERVICES": decimal.Zero,
	"ECZROUTPUT":         decimal.Zero,
	"ZERORATEDOUTPUT":    decimal.Zero,
	"EXEMPTOUTPUT":       decimal.Zero,
	"NONE":               decimal.Zero,
}

// MaxRequestBytes is the largest request body Xero accepts (3.5 MB);
// a larger one is answered 413.
const MaxRequestBytes = 3_500_000

type storedAnswer struct {
	payloadHash string
	status      int
	body        []byte
	at          time.Time
}

// writeHandler serves the write endpoints and hands every other request
// to the read-only emulator.
type writeHandler struct {
	base *handler
	opts WriteOptions

	writes atomic.Int64
	stalls atomic.Int64

	mu      sync.Mutex
	keys    map[string]storedAnswer // idempotency key -> first answer
	created []CreatedDocument
	numbers map[string]bool // collection + number
	seq     int
}

func newWriteHandler(data Dataset, opts Options, wopts WriteOptions) *writeHandler {
	if wopts.KeyLifetime <= 0 {
		wopts.KeyLifetime = 24 * time.Hour
	}
	w := &writeHandler{base: newHandler(data, opts), opts: wopts, keys: map[string]storedAnswer{}, numbers: map[string]bool{}}
	// The organisation's own sales documents take their numbers too.
	for collection, k := range salesKinds {
		for _, raw := range data[collection] {
			var rec inDocument
			if json.Unmarshal(raw, &rec) != nil || rec.Type != k.typ {
				continue
			}
			if n := rec.number(k); n != "" {
				w.numbers[collection+"\x00"+n] = true
			}
		}
	}
	return w
}

// salesKind is what the emulator knows of a collection of sales
// documents: their type, the fields of their number and id, the prefix
// of a number it gives and the number's name in its messages.
type salesKind struct{ typ, numberField, idField, prefix, label string }

var salesKinds = map[string]salesKind{
	"Invoices":    {"ACCREC", "InvoiceNumber", "InvoiceID", "INV-", "Invoice #"},
	"CreditNotes": {"ACCRECCREDIT", "CreditNoteNumber", "CreditNoteID", "CN-", "Credit Note Number"},
}

// NewWritableHandler returns the emulator with its write endpoints, for
// takt sandbox.
func NewWritableHandler(data Dataset, opts Options, wopts WriteOptions) http.Handler {
	return newWriteHandler(data, opts, wopts)
}

// WritableServer is the emulator with write endpoints, on 127.0.0.1.
type WritableServer struct {
	*Server
	w *writeHandler
}

// NewWritableServer starts the emulator for data with the write endpoints.
func NewWritableServer(data Dataset, opts Options, wopts WriteOptions) *WritableServer {
	w := newWriteHandler(data, opts, wopts)
	srv := httptest.NewServer(w)
	return &WritableServer{Server: &Server{URL: srv.URL, h: w.base, srv: srv}, w: w}
}

// Created returns the documents created so far, in order.
func (s *WritableServer) Created() []CreatedDocument {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return append([]CreatedDocument(nil), s.w.created...)
}

// Writes is the number of write requests received (replays included).
func (s *WritableServer) Writes() int64 { return s.w.writes.Load() }

// Stalls is the number of answers held back by StallWrites.
func (s *WritableServer) Stalls() int64 { return s.w.stalls.Load() }

func (w *writeHandler) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	path := strings.ToLower(r.URL.Path)
	if (r.Method == http.MethodPut || r.Method == http.MethodPost) &&
		(path == strings.ToLower(APIPrefix+"Invoices") || path == strings.ToLower(APIPrefix+"CreditNotes")) {
		w.base.requests.Add(1)
		w.serveWrite(rw, r)
		return
	}
	w.base.ServeHTTP(rw, r)
}

func (w *writeHandler) serveWrite(rw http.ResponseWriter, r *http.Request) {
	w.writes.Add(1)
	h := w.base
	now := h.opts.Now()
	if detail, ok := h.checkToken(r, now); !ok {
		h.unauthorized.Add(1)
		writeProblem(rw, http.StatusUnauthorized, detail)
		return
	}
	if !strings.EqualFold(r.Header.Get("xero-tenant-id"), h.opts.TenantID) {
		writeProblem(rw, http.StatusForbidden, "AuthenticationUnsuccessful")
		return
	}
	h.apiCalls.Add(1)
	h.countCall(rw, now)
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBytes+1))
	if err != nil {
		writeValidation(rw, "the request body could not be read")
		return
	}
	if len(body) > MaxRequestBytes {
		http.Error(rw, fmt.Sprintf("Request Entity Too Large: a request may have at most %d bytes", MaxRequestBytes), http.StatusRequestEntityTooLarge)
		return
	}
	summarize := !strings.EqualFold(r.URL.Query().Get("summarizeErrors"), "false")
	collection := "Invoices"
	if strings.HasSuffix(strings.ToLower(r.URL.Path), "creditnotes") {
		collection = "CreditNotes"
	}
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 128 {
		writeValidation(rw, "Idempotency-Key must be at most 128 characters")
		return
	}

	w.mu.Lock()
	if key != "" {
		if prev, ok := w.keys[key]; ok && now.Sub(prev.at) < w.opts.KeyLifetime {
			w.mu.Unlock()
			if prev.payloadHash != payloadHash {
				writeValidation(rw, "The Idempotency-Key was already used with a different request")
				return
			}
			// A repeated key: the first answer again, nothing created.
			rw.Header().Set("Content-Type", "application/json; charset=utf-8")
			rw.Header().Set("Idempotent-Replayed", "true")
			rw.WriteHeader(prev.status)
			_, _ = rw.Write(prev.body)
			return
		}
	}
	status, answer, created := w.create(collection, body, key, now, summarize)
	if key != "" && status < 500 {
		w.keys[key] = storedAnswer{payloadHash: payloadHash, status: status, body: answer, at: now}
	}
	stall := created && w.opts.StallWrites > 0 && w.stalls.Load() < int64(w.opts.StallWrites)
	if stall {
		w.stalls.Add(1)
	}
	w.mu.Unlock()

	if stall {
		select {
		case <-time.After(w.opts.Stall):
		case <-r.Context().Done():
			return
		}
	}
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.WriteHeader(status)
	_, _ = rw.Write(answer)
}

type inLine struct {
	Description string          `json:"Description"`
	Quantity    json.Number     `json:"Quantity"`
	UnitAmount  json.Number     `json:"UnitAmount"`
	LineAmount  json.Number     `json:"LineAmount"`
	TaxType     string          `json:"TaxType"`
	AccountCode string          `json:"AccountCode"`
	Tracking    json.RawMessage `json:"Tracking,omitempty"`
}

type inDocument struct {
	Type    string `json:"Type"`
	Contact struct {
		ContactID string `json:"ContactID"`
		Name      string `json:"Name"`
	} `json:"Contact"`
	Date             string      `json:"Date"`
	DueDate          string      `json:"DueDate"`
	InvoiceNumber    string      `json:"InvoiceNumber"`
	CreditNoteNumber string      `json:"CreditNoteNumber"`
	Reference        string      `json:"Reference"`
	CurrencyCode     string      `json:"CurrencyCode"`
	CurrencyRate     json.Number `json:"CurrencyRate"`
	Status           string      `json:"Status"`
	LineAmountTypes  string      `json:"LineAmountTypes"`
	LineItems        []inLine    `json:"LineItems"`
}

// number is the document's number, in the field of its kind.
func (d inDocument) number(k salesKind) string {
	if k.numberField == "CreditNoteNumber" {
		return d.CreditNoteNumber
	}
	return d.InvoiceNumber
}

// create validates and stores the documents of one request (called with
// w.mu held) and answers as the Accounting API does. With
// summarizeErrors=false (summarize false) the answer is 200 with every
// document of the request in order: those that fail validation carry
// HasErrors and their ValidationErrors and are not created, the others
// are. With errors summarised (Xero's default) a request with an invalid
// document is answered 400 with a ValidationException naming the first
// problem, and the emulator creates none of its documents.
func (w *writeHandler) create(collection string, body []byte, key string, now time.Time, summarize bool) (int, []byte, bool) {
	var env map[string]json.RawMessage
	if err := json.Unmarshal(body, &env); err != nil {
		return validationBody("The request body is not valid JSON")
	}
	var docs []inDocument
	raw, ok := env[collection]
	if !ok {
		var one inDocument
		if err := unmarshalNumbers(body, &one); err != nil {
			return validationBody("The request body is not a " + collection + " document")
		}
		docs = []inDocument{one}
		raw = body
	} else if err := unmarshalNumbers(raw, &docs); err != nil {
		return validationBody(fmt.Sprintf("%s: %v", collection, err))
	}
	if len(docs) == 0 {
		return validationBody("No " + collection + " were given")
	}
	var raws []json.RawMessage
	if ok {
		_ = json.Unmarshal(raw, &raws)
	} else {
		raws = []json.RawMessage{body}
	}
	var out []CreatedDocument
	answers := make([]map[string]any, len(docs))
	seen := map[string]bool{}
	for i, d := range docs {
		c, answer, problem := w.document(collection, d, seen, now)
		if problem != "" {
			if summarize {
				return validationBody(problem)
			}
			answer["HasErrors"] = true
			answer["StatusAttributeString"] = "ERROR"
			answer["ValidationErrors"] = []map[string]string{{"Message": problem}}
			answers[i] = answer
			continue
		}
		c.IdempotencyKey, c.Body = key, raws[i]
		answer["HasErrors"] = false
		answer["StatusAttributeString"] = "OK"
		answers[i] = answer
		out = append(out, c)
	}
	for _, c := range out {
		w.numbers[collection+"\x00"+c.Number] = true
		w.created = append(w.created, c)
	}
	b, _ := json.Marshal(map[string]any{"Id": newUUID(), "Status": "OK", "ProviderName": "takt sandbox",
		"DateTimeUTC": fmt.Sprintf("/Date(%d)/", now.UnixMilli()), collection: answers})
	return http.StatusOK, b, len(out) > 0
}

// document validates one document of a request and prices it: VAT per
// tax rate on the sum of the lines of that rate. problem is the first
// validation error ("" if none); answer is what Xero answers for it
// either way. seen holds the numbers taken earlier in the request; a
// valid document's number is added.
func (w *writeHandler) document(collection string, d inDocument, seen map[string]bool, now time.Time) (c CreatedDocument, answer map[string]any, problem string) {
	k := salesKinds[collection]
	number := d.number(k)
	answer = map[string]any{k.numberField: number, "Type": d.Type, "Contact": map[string]string{"ContactID": d.Contact.ContactID, "Name": d.Contact.Name},
		"Date": d.Date, "DueDate": d.DueDate, "Reference": d.Reference, "CurrencyCode": d.CurrencyCode, "LineAmountTypes": "Exclusive"}
	if d.Status == "" {
		d.Status = "DRAFT"
	}
	switch {
	case d.Type != k.typ:
		return c, answer, fmt.Sprintf("Type %q is not valid here; expected %s", d.Type, k.typ)
	case d.Contact.ContactID == "" && d.Contact.Name == "":
		return c, answer, "A Contact must be specified with ContactID or Name"
	case len(d.LineItems) == 0:
		return c, answer, "At least one line item is required"
	case number != "" && (w.numbers[collection+"\x00"+number] || seen[number]):
		return c, answer, fmt.Sprintf("%s must be unique: %s already exists", k.label, number)
	case d.Status != "DRAFT" && d.Status != "SUBMITTED" && d.Status != "AUTHORISED":
		return c, answer, fmt.Sprintf("Status %q cannot be set when creating", d.Status)
	}
	sub := decimal.Zero
	byRate := map[string]decimal.Decimal{}
	lines := make([]map[string]any, 0, len(d.LineItems))
	for j, l := range d.LineItems {
		q, err1 := decimal.NewFromString(string(l.Quantity))
		u, err2 := decimal.NewFromString(string(l.UnitAmount))
		if err1 != nil || err2 != nil {
			return c, answer, fmt.Sprintf("Line %d: Quantity and UnitAmount must be numbers", j+1)
		}
		amount := q.Mul(u).Round(2)
		if l.LineAmount != "" {
			la, err := decimal.NewFromString(string(l.LineAmount))
			if err != nil || !la.Equal(amount) {
				return c, answer, fmt.Sprintf("Line %d: LineAmount %s is not Quantity x UnitAmount (%s)", j+1, l.LineAmount, amount.StringFixed(2))
			}
		}
		rate, known := taxRates[strings.ToUpper(l.TaxType)]
		if l.TaxType != "" && !known {
			return c, answer, fmt.Sprintf("Line %d: TaxType %s is not valid", j+1, l.TaxType)
		}
		sub = sub.Add(amount)
		byRate[rate.String()] = byRate[rate.String()].Add(amount)
		lines = append(lines, map[string]any{"LineItemID": newUUID(), "Description": l.Description, "Quantity": json.Number(q.String()),
			"UnitAmount": json.Number(u.String()), "LineAmount": json.Number(amount.StringFixed(2)), "TaxType": l.TaxType, "AccountCode": l.AccountCode})
	}
	tax := decimal.Zero
	for r, base := range byRate {
		tax = tax.Add(base.Mul(decimal.RequireFromString(r)).Div(decimal.NewFromInt(100)).Round(2))
	}
	w.seq++
	if number == "" {
		number = k.prefix + "E" + strconv.Itoa(w.seq)
	}
	seen[number] = true
	id := newUUID()
	c = CreatedDocument{Collection: collection, ID: id, Number: number, Type: d.Type, Status: d.Status, ContactID: d.Contact.ContactID,
		ContactName: d.Contact.Name, Currency: d.CurrencyCode, SubTotal: sub, TotalTax: tax, Total: sub.Add(tax)}
	answer[k.idField], answer[k.numberField], answer["Status"], answer["LineItems"] = id, number, d.Status, lines
	answer["SubTotal"], answer["TotalTax"], answer["Total"] = json.Number(sub.StringFixed(2)), json.Number(tax.StringFixed(2)), json.Number(sub.Add(tax).StringFixed(2))
	answer["UpdatedDateUTC"] = fmt.Sprintf("/Date(%d+0000)/", now.UnixMilli())
	return c, answer, ""
}

func unmarshalNumbers(b []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	return dec.Decode(v)
}

func validationBody(msg string) (int, []byte, bool) {
	b, _ := json.Marshal(apiError{ErrorNumber: 10, Type: "ValidationException", Message: msg})
	return http.StatusBadRequest, b, false
}
