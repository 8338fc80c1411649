package xero

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Wire types: the Accounting API's JSON as Xero sends it. Only the fields
// takt maps are declared; the whole object is kept in _raw anyway.
//
// Values are not validated while decoding: numbers, dates and booleans are
// kept as text and checked in arrow.go, so that a bad value fails with the
// record's id and the field's name instead of a bare decode error for the
// whole page.

// listResponse is the envelope of every list call:
// {Id, Status, ProviderName, DateTimeUTC, pagination, <Collection>[]}.
type listResponse struct {
	Pagination  *pagination       `json:"pagination"`
	Contacts    []json.RawMessage `json:"Contacts"`
	Invoices    []json.RawMessage `json:"Invoices"`
	CreditNotes []json.RawMessage `json:"CreditNotes"`
	Payments    []json.RawMessage `json:"Payments"`
}

// pagination is what newer Accounting API responses add when page is given.
// itemCount is not trusted (it has been seen to disagree with the items).
type pagination struct {
	Page      int `json:"page"`
	PageSize  int `json:"pageSize"`
	PageCount int `json:"pageCount"`
	ItemCount int `json:"itemCount"`
}

func (r *listResponse) collection(name string) []json.RawMessage {
	switch name {
	case "Contacts":
		return r.Contacts
	case "Invoices":
		return r.Invoices
	case "CreditNotes":
		return r.CreditNotes
	case "Payments":
		return r.Payments
	}
	return nil
}

// tokenResponse is the identity server's answer to a client-credentials
// grant.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	TokenType   string `json:"token_type"`
	Scope       string `json:"scope"`
}

// tokenError is the identity server's OAuth2 error body.
type tokenError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

type wireContact struct {
	ContactID            *string
	ContactNumber        *string
	AccountNumber        *string
	ContactStatus        *string
	Name                 *string
	EmailAddress         *string
	TaxNumber            *string
	IsCustomer           flexBool
	DefaultCurrency      *string
	Addresses            []wireAddress
	UpdatedDateUTC       *string
	UpdatedDateUTCString *string
}

type wireAddress struct {
	Country *string
}

// wireContactRef is the short contact embedded in invoices and credit notes.
type wireContactRef struct {
	ContactID *string
	Name      *string
}

type wireInvoice struct {
	InvoiceID            *string
	Type                 *string
	InvoiceNumber        *string
	Reference            *string
	Contact              *wireContactRef
	Status               *string
	Date                 *string
	DateString           *string
	DueDate              *string
	DueDateString        *string
	CurrencyCode         *string
	CurrencyRate         number
	LineAmountTypes      *string
	SubTotal             number
	TotalTax             number
	Total                number
	AmountDue            number
	AmountPaid           number
	AmountCredited       number
	FullyPaidOnDate      *string
	LineItems            []wireLineItem
	UpdatedDateUTC       *string
	UpdatedDateUTCString *string
}

type wireLineItem struct {
	LineItemID  *string
	Description *string
	Quantity    number
	UnitAmount  number
	LineAmount  number
	TaxAmount   number
	TaxType     *string
	AccountCode *string
	ItemCode    *string
	Tracking    []wireTracking
}

type wireTracking struct {
	Option *string
}

type wireCreditNote struct {
	CreditNoteID         *string
	Type                 *string
	CreditNoteNumber     *string
	Reference            *string
	Contact              *wireContactRef
	Status               *string
	Date                 *string
	DateString           *string
	CurrencyCode         *string
	CurrencyRate         number
	SubTotal             number
	TotalTax             number
	Total                number
	RemainingCredit      number
	Allocations          []wireAllocation
	LineItems            []wireLineItem
	UpdatedDateUTC       *string
	UpdatedDateUTCString *string
}

type wireAllocation struct {
	AllocationID *string
	Amount       number
	Date         *string
	DateString   *string
	Invoice      *wireDocRef
}

// wireDocRef is the short invoice (or, in payments, sometimes credit note)
// embedded in allocations and payments.
type wireDocRef struct {
	Type          *string
	InvoiceID     *string
	InvoiceNumber *string
}

type wireCreditNoteRef struct {
	CreditNoteID     *string
	CreditNoteNumber *string
}

type wirePayment struct {
	PaymentID            *string
	Date                 *string
	DateString           *string
	Amount               number
	CurrencyRate         number
	PaymentType          *string
	Status               *string
	Reference            *string
	IsReconciled         flexBool
	Invoice              *wireDocRef
	CreditNote           *wireCreditNoteRef
	UpdatedDateUTC       *string
	UpdatedDateUTCString *string
}

// number is a JSON number kept as the text Xero sent, so it is parsed
// exactly and never passes through float64. Xero sends amounts as JSON
// numbers (40.00, 29, 1.000000), but a few fields as strings holding a
// number (BatchPayment.TotalAmount "50.00"); both are accepted here and
// validated when mapped.
type number struct {
	text string
	set  bool
}

// UnmarshalJSON keeps the literal; null leaves the number unset.
func (n *number) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*n = number{text: s, set: true}
		return nil
	}
	*n = number{text: string(b), set: true}
	return nil
}

// flexBool is a boolean Xero may send as true/false or as "true"/"false"
// (BatchPayment.IsReconciled is a string).
type flexBool struct {
	text string
	set  bool
}

// UnmarshalJSON keeps the literal; null leaves the value unset.
func (f *flexBool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexBool{text: s, set: true}
		return nil
	}
	*f = flexBool{text: string(b), set: true}
	return nil
}

// msDateRe matches Xero's Microsoft JSON dates: "/Date(1539993600000+0000)/"
// on objects and "/Date(1552326816230)/" (no offset) on the envelope.
var msDateRe = regexp.MustCompile(`^/Date\((-?[0-9]{1,15})([+-][0-9]{4})?\)/$`)

// parseMSDate returns the instant a "/Date(ms±hhmm)/" value names. The
// milliseconds count from the Unix epoch in UTC; the offset only says which
// zone the value was shown in, so it does not move the instant.
func parseMSDate(s string) (time.Time, error) {
	m := msDateRe.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("%q is not a Xero date like /Date(1539993600000+0000)/", s)
	}
	ms, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: %w", s, err)
	}
	return time.UnixMilli(ms).UTC(), nil
}

// parseDateString reads the *String twin of a calendar date,
// "2018-10-20T00:00:00" (org time, no zone), as that calendar date.
func parseDateString(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			y, m, d := t.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date like 2018-10-20T00:00:00", s)
}

// errMissing is the error of a required field that is absent or empty.
var errMissing = errors.New("missing")
