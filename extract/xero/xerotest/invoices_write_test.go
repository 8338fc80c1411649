package xerotest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func writeTestToken(t *testing.T, s *WritableServer) string {
	t.Helper()
	resp, err := http.PostForm(s.TokenURL(), url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

func put(t *testing.T, s *WritableServer, tok, path, key, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, s.URL+APIPrefix+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("xero-tenant-id", DefaultTenantID)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const draft = `{"Invoices":[{"Type":"ACCREC","Contact":{"ContactID":"c1"},"Date":"2026-03-31","DueDate":"2026-04-30","InvoiceNumber":"TK-2026-0001",
"CurrencyCode":"EUR","Status":"DRAFT","LineAmountTypes":"Exclusive","LineItems":[
{"Description":"a","Quantity":"1.5","UnitAmount":"1","LineAmount":"1.50","TaxType":"OUTPUT"},
{"Description":"b","Quantity":"1.5","UnitAmount":"1","LineAmount":"1.50","TaxType":"OUTPUT"},
{"Description":"c","Quantity":"1.5","UnitAmount":"1","LineAmount":"1.50","TaxType":"OUTPUT"}]}]}`

// The same Idempotency-Key returns the first answer and creates nothing;
// the key with another body, a number used twice and a line whose amount
// is not quantity x price are refused.
func TestWriteEndpointIdempotencyAndDuplicates(t *testing.T) {
	s := NewWritableServer(Dataset{}, Options{}, WriteOptions{})
	defer s.Close()
	tok := writeTestToken(t, s)
	code, first := put(t, s, tok, "Invoices", "k1", draft)
	if code != http.StatusOK {
		t.Fatalf("create: %d %s", code, first)
	}
	var ans struct {
		Invoices []struct {
			InvoiceID, InvoiceNumber, Status string
			SubTotal, TotalTax, Total        json.Number
		}
	}
	if err := json.Unmarshal([]byte(first), &ans); err != nil {
		t.Fatal(err)
	}
	// VAT on the sum of the lines: 4.50 x 19 % = 0.855 -> 0.86 (per line
	// it would be 3 x 0.29 = 0.87).
	if i := ans.Invoices[0]; i.InvoiceNumber != "TK-2026-0001" || i.Status != "DRAFT" || i.SubTotal != "4.50" || i.TotalTax != "0.86" || i.Total != "5.36" {
		t.Errorf("created %+v", i)
	}
	code, again := put(t, s, tok, "Invoices", "k1", draft)
	if code != http.StatusOK || again != first || len(s.Created()) != 1 {
		t.Errorf("replay: %d, same answer %t, %d documents", code, again == first, len(s.Created()))
	}
	if code, body := put(t, s, tok, "Invoices", "k1", strings.Replace(draft, `"a"`, `"changed"`, 1)); code != http.StatusBadRequest ||
		!strings.Contains(body, "already used with a different request") {
		t.Errorf("key reused with another body: %d %s", code, body)
	}
	if code, body := put(t, s, tok, "Invoices", "k2", draft); code != http.StatusBadRequest || !strings.Contains(body, "Invoice # must be unique: TK-2026-0001") {
		t.Errorf("duplicate number: %d %s", code, body)
	}
	if code, body := put(t, s, tok, "Invoices", "k3", strings.Replace(strings.Replace(draft, "TK-2026-0001", "TK-2026-0002", 1), `"LineAmount":"1.50"`, `"LineAmount":"1.49"`, 1)); code != http.StatusBadRequest ||
		!strings.Contains(body, "LineAmount 1.49 is not Quantity x UnitAmount (1.50)") {
		t.Errorf("wrong line amount: %d %s", code, body)
	}
	cn := `{"CreditNotes":[{"Type":"ACCRECCREDIT","Contact":{"Name":"Alpha"},"Date":"2026-04-02","CreditNoteNumber":"TK-CN-2026-0001","CurrencyCode":"EUR",
"LineItems":[{"Description":"credit","Quantity":"1","UnitAmount":"100","TaxType":"OUTPUT"}]}]}`
	if code, body := put(t, s, tok, "CreditNotes", "k4", cn); code != http.StatusOK || !strings.Contains(body, `"CreditNoteNumber":"TK-CN-2026-0001"`) {
		t.Errorf("credit note: %d %s", code, body)
	}
	if got := len(s.Created()); got != 2 || s.Writes() != 6 {
		t.Errorf("%d documents after %d writes, want 2 after 6", got, s.Writes())
	}
	// Reads still work beside the write endpoints.
	req, _ := http.NewRequest(http.MethodGet, s.URL+APIPrefix+"Invoices?page=1", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("xero-tenant-id", DefaultTenantID)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(b, []byte(`"Invoices":[]`)) {
		t.Errorf("list: %d %s", resp.StatusCode, b)
	}
	if code, _ := put(t, s, "wrong-token", "Invoices", "k5", draft); code != http.StatusUnauthorized {
		t.Errorf("bad token: %d", code)
	}
}

// One request creates several documents. With summarizeErrors=false a
// document Xero refuses (here its number is taken by an invoice the
// organisation already has) comes back with its validation errors and
// the others are created; with errors summarised the request is refused
// as a whole. A body over 3.5 MB is answered 413.
func TestWriteEndpointBatchWithRefusedDocument(t *testing.T) {
	existing := json.RawMessage(`{"Type":"ACCREC","InvoiceID":"x-1","InvoiceNumber":"TK-2026-0002","UpdatedDateUTC":"/Date(1552326816230+0000)/"}`)
	s := NewWritableServer(Dataset{"Invoices": {existing}}, Options{}, WriteOptions{})
	defer s.Close()
	tok := writeTestToken(t, s)
	doc := func(number string) string {
		return `{"Type":"ACCREC","Contact":{"ContactID":"c1"},"Date":"2026-03-31","InvoiceNumber":"` + number + `","CurrencyCode":"EUR",
"LineItems":[{"Description":"a","Quantity":"2","UnitAmount":"10","LineAmount":"20.00","TaxType":"OUTPUT"}]}`
	}
	batch := `{"Invoices":[` + doc("TK-2026-0001") + `,` + doc("TK-2026-0002") + `,` + doc("TK-2026-0003") + `]}`
	if code, body := put(t, s, tok, "Invoices", "b0", batch); code != http.StatusBadRequest || !strings.Contains(body, "Invoice # must be unique: TK-2026-0002") {
		t.Fatalf("summarised: %d %s", code, body)
	}
	if n := len(s.Created()); n != 0 {
		t.Fatalf("a refused summarised request created %d documents", n)
	}
	code, body := put(t, s, tok, "Invoices?summarizeErrors=false", "b1", batch)
	if code != http.StatusOK {
		t.Fatalf("per document: %d %s", code, body)
	}
	var ans struct {
		Invoices []struct {
			InvoiceID, InvoiceNumber, StatusAttributeString string
			HasErrors                                       bool
			Total                                           json.Number
			ValidationErrors                                []struct{ Message string }
		}
	}
	if err := json.Unmarshal([]byte(body), &ans); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, i := range ans.Invoices {
		line := i.InvoiceNumber + " " + i.StatusAttributeString + " " + i.Total.String()
		for _, v := range i.ValidationErrors {
			line += " " + v.Message
		}
		if i.HasErrors != (i.InvoiceID == "") {
			line += " (HasErrors disagrees with the id)"
		}
		got = append(got, line)
	}
	want := []string{"TK-2026-0001 OK 23.80", "TK-2026-0002 ERROR  Invoice # must be unique: TK-2026-0002 already exists", "TK-2026-0003 OK 23.80"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("answer:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := len(s.Created()); n != 2 {
		t.Errorf("%d documents created, want 2", n)
	}
	if code, again := put(t, s, tok, "Invoices?summarizeErrors=false", "b1", batch); code != http.StatusOK || again != body || len(s.Created()) != 2 {
		t.Errorf("replay: %d, same answer %t, %d documents", code, again == body, len(s.Created()))
	}
	big := `{"Invoices":[` + strings.Repeat(doc("TK-2026-0009")+",", MaxRequestBytes/len(doc("x"))+1) + doc("TK-2026-0009") + `]}`
	if code, _ := put(t, s, tok, "Invoices?summarizeErrors=false", "b2", big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a %d-byte request: %d, want 413", len(big), code)
	}
}
