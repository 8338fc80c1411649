package xerotest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/takt-billing/takt/internal/testfixtures"
)

func loadFixtures(t *testing.T) Dataset {
	t.Helper()
	data, err := LoadFixtures(testfixtures.Dir(t, "xero"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// clock is a settable time source for token expiry.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestLoadFixtures(t *testing.T) {
	data := loadFixtures(t)
	want := map[string]int{"Contacts": 2, "Invoices": 80, "CreditNotes": 16, "Payments": 57}
	for coll, n := range want {
		if got := len(data[coll]); got != n {
			t.Errorf("%s: %d records, want %d", coll, got, n)
		}
	}
	// The spec example comes first, then the recorded page; bytes as in
	// the file (pretty-printed, literals kept).
	first, last := string(data["Invoices"][0]), string(data["Invoices"][3])
	if !strings.Contains(first, `"InvoiceNumber": "INV-0001"`) || !strings.Contains(first, `"CurrencyRate": 1.000000`) {
		t.Errorf("first invoice is not the spec's INV-0001 as written:\n%s", first)
	}
	if !strings.Contains(last, `"InvoiceID": "8a3fdcc9-83eb-4fdd-83e0-52ec1b40b072"`) || !strings.Contains(last, `"UnitAmount": 29,`) {
		t.Errorf("fourth invoice is not the first recorded one as written:\n%s", last)
	}
	if !strings.Contains(string(data["Payments"][0]), `"TotalAmount": "50.00"`) {
		t.Error("payment 1 lost BatchPayment.TotalAmount as a string")
	}
}

func TestLoadFixturesKeepsLatestVersionOfDuplicates(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("contacts.json", `{"Contacts":[{"ContactID":"c1","UpdatedDateUTC":"/Date(1000+0000)/"}]}`)
	write("invoices.json", `{"Invoices":[{"InvoiceID":"a","Total":1,"UpdatedDateUTC":"/Date(1000+0000)/"},{"InvoiceID":"b","UpdatedDateUTC":"/Date(1000+0000)/"}]}`)
	write("nango-recorded/invoices_page1.json", `{"Invoices":[{"InvoiceID":"c","UpdatedDateUTC":"/Date(500+0000)/"},{"InvoiceID":"a","Total":2,"UpdatedDateUTC":"/Date(2000+0000)/"},{"InvoiceID":"b","Total":3,"UpdatedDateUTC":"/Date(999+0000)/"}]}`)
	for _, f := range []string{"credit_notes.json", "nango-recorded/credit_notes_page1.json"} {
		write(f, `{"CreditNotes":[]}`)
	}
	for _, f := range []string{"payments.json", "nango-recorded/payments_page1.json"} {
		write(f, `{"Payments":[]}`)
	}
	data, err := LoadFixtures(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range data["Invoices"] {
		got = append(got, string(r))
	}
	want := []string{
		`{"InvoiceID":"a","Total":2,"UpdatedDateUTC":"/Date(2000+0000)/"}`,
		`{"InvoiceID":"b","UpdatedDateUTC":"/Date(1000+0000)/"}`,
		`{"InvoiceID":"c","UpdatedDateUTC":"/Date(500+0000)/"}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("invoices:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	if err := os.Remove(filepath.Join(dir, "payments.json")); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFixtures(dir); err == nil || !strings.Contains(err.Error(), "payments.json: no such file") {
		t.Errorf("missing file: err = %v", err)
	}
}

func postToken(t *testing.T, s *Server, form url.Values, basicID, basicSecret string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.TokenURL(), strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicID != "" {
		req.SetBasicAuth(basicID, basicSecret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestTokenEndpoint(t *testing.T) {
	s := NewServer(Dataset{}, Options{ClientID: "id", ClientSecret: "secret", TokenLifetime: 1800 * time.Second})
	defer s.Close()
	grant := url.Values{"grant_type": {"client_credentials"}}
	cases := []struct {
		name         string
		form         url.Values
		id, secret   string
		status       int
		body         string
		wantTokenFor string
	}{
		{name: "basic auth", form: grant, id: "id", secret: "secret", status: 200,
			wantTokenFor: "accounting.contacts.read accounting.settings.read accounting.transactions.read"},
		{name: "form credentials and a granted scope", form: url.Values{"grant_type": {"client_credentials"}, "client_id": {"id"}, "client_secret": {"secret"}, "scope": {"accounting.transactions.read"}},
			status: 200, wantTokenFor: "accounting.transactions.read"},
		{name: "wrong secret", form: grant, id: "id", secret: "nope", status: 400, body: `{"error":"invalid_client"}`},
		{name: "no client authentication", form: grant, status: 400, body: `{"error":"invalid_client"}`},
		{name: "other grant", form: url.Values{"grant_type": {"authorization_code"}}, id: "id", secret: "secret", status: 400, body: `{"error":"unsupported_grant_type"}`},
		{name: "scope not granted", form: url.Values{"grant_type": {"client_credentials"}, "scope": {"payroll.employees"}}, id: "id", secret: "secret", status: 400, body: `{"error":"invalid_scope"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postToken(t, s, tc.form, tc.id, tc.secret)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			if tc.wantTokenFor == "" {
				if body != tc.body {
					t.Errorf("body %s, want %s", body, tc.body)
				}
				return
			}
			var tok struct {
				AccessToken string `json:"access_token"`
				ExpiresIn   int    `json:"expires_in"`
				TokenType   string `json:"token_type"`
				Scope       string `json:"scope"`
			}
			if err := json.Unmarshal([]byte(body), &tok); err != nil {
				t.Fatal(err)
			}
			if len(tok.AccessToken) != 64 || tok.ExpiresIn != 1800 || tok.TokenType != "Bearer" || tok.Scope != tc.wantTokenFor {
				t.Errorf("token answer %s", body)
			}
		})
	}
	if got := s.TokensIssued(); got != 2 {
		t.Errorf("TokensIssued = %d, want 2", got)
	}
	resp, err := http.Get(s.TokenURL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET token endpoint: %d", resp.StatusCode)
	}
}

// apiGet calls the API with a fresh token unless token is given.
func apiGet(t *testing.T, s *Server, path string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("xero-tenant-id", DefaultTenantID)
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func token(t *testing.T, s *Server) string {
	t.Helper()
	status, body := postToken(t, s, url.Values{"grant_type": {"client_credentials"}}, DefaultClientID, DefaultClientSecret)
	if status != 200 {
		t.Fatalf("token: %d %s", status, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(body), &tok); err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

func TestAPIAuthentication(t *testing.T) {
	clk := &clock{t: time.Date(2026, 4, 9, 5, 0, 0, 0, time.UTC)}
	s := NewServer(loadFixtures(t), Options{Now: clk.Now})
	defer s.Close()
	tok := token(t, s)

	type problem struct {
		Type                    *string
		Title, Detail, Instance string
		Status                  int
		Extensions              map[string]any
	}
	check := func(name string, header map[string]string, status int, title, detail string) {
		t.Helper()
		resp, body := apiGet(t, s, "/api.xro/2.0/Contacts", header)
		if resp.StatusCode != status {
			t.Fatalf("%s: status %d, want %d: %s", name, resp.StatusCode, status, body)
		}
		var p problem
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatalf("%s: %v: %s", name, err, body)
		}
		if p.Type != nil || p.Title != title || p.Status != status || p.Detail != detail || len(p.Instance) != 36 || p.Extensions == nil {
			t.Errorf("%s: body %s", name, body)
		}
	}
	check("no token", nil, 401, "Unauthorized", "AuthenticationUnsuccessful")
	check("unknown token", map[string]string{"Authorization": "Bearer nope"}, 401, "Unauthorized", "AuthenticationUnsuccessful")
	check("no tenant", map[string]string{"Authorization": "Bearer " + tok, "xero-tenant-id": ""}, 403, "Forbidden", "AuthenticationUnsuccessful")
	check("other tenant", map[string]string{"Authorization": "Bearer " + tok, "xero-tenant-id": "00000000-0000-0000-0000-000000000000"}, 403, "Forbidden", "AuthenticationUnsuccessful")

	resp, body := apiGet(t, s, "/api.xro/2.0/Contacts?page=1", map[string]string{"Authorization": "Bearer " + tok})
	if resp.StatusCode != 200 {
		t.Fatalf("valid token: %d %s", resp.StatusCode, body)
	}
	clk.Add(30 * time.Minute)
	check("expired token", map[string]string{"Authorization": "Bearer " + tok}, 401, "Unauthorized", "TokenExpired: token expired at 04/09/2026 05:30:00")

	tok2 := token(t, s)
	s.RevokeTokens()
	check("revoked token", map[string]string{"Authorization": "Bearer " + tok2}, 401, "Unauthorized", "AuthenticationUnsuccessful")
	if got := s.Unauthorized(); got != 4 {
		t.Errorf("Unauthorized = %d, want 4", got)
	}

	tok3 := token(t, s)
	resp, _ = apiGet(t, s, "/api.xro/2.0/Contacts", map[string]string{"Authorization": "Bearer " + tok3, "Accept": "text/xml"})
	if resp.StatusCode != http.StatusNotAcceptable {
		t.Errorf("Accept text/xml: %d", resp.StatusCode)
	}
	resp, body = apiGet(t, s, "/api.xro/2.0/Journals", map[string]string{"Authorization": "Bearer " + tok3})
	if resp.StatusCode != 404 || string(body) != "The resource you're looking for cannot be found" {
		t.Errorf("unknown collection: %d %s", resp.StatusCode, body)
	}
}

// listAnswer is a decoded list response.
type listAnswer struct {
	Id, Status, ProviderName, DateTimeUTC string
	Pagination                            *struct{ Page, PageSize, PageCount, ItemCount int } `json:"pagination"`
	Invoices                              []json.RawMessage
}

func invoiceIDs(t *testing.T, records []json.RawMessage) []string {
	t.Helper()
	var ids []string
	for _, r := range records {
		var v struct{ InvoiceID string }
		if err := json.Unmarshal(r, &v); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, v.InvoiceID)
	}
	return ids
}

func TestListPagingOrderAndFilter(t *testing.T) {
	clk := &clock{t: time.Date(2026, 4, 24, 12, 45, 54, 42_000_000, time.UTC)}
	s := NewServer(loadFixtures(t), Options{Now: clk.Now})
	defer s.Close()
	auth := map[string]string{"Authorization": "Bearer " + token(t, s)}

	get := func(path string, extra map[string]string) listAnswer {
		t.Helper()
		h := map[string]string{}
		for k, v := range auth {
			h[k] = v
		}
		for k, v := range extra {
			h[k] = v
		}
		resp, body := apiGet(t, s, path, h)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		if resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("content type %q", resp.Header.Get("Content-Type"))
		}
		if !bytes.Contains(body, []byte(`"DateTimeUTC":"\/Date(1777034754042)\/"`)) {
			t.Errorf("%s: envelope DateTimeUTC not as Xero writes it: %.200s", path, body)
		}
		var a listAnswer
		if err := json.Unmarshal(body, &a); err != nil {
			t.Fatal(err)
		}
		if a.Status != "OK" || len(a.Id) != 36 {
			t.Errorf("%s: envelope %s %s", path, a.Id, a.Status)
		}
		return a
	}

	p2 := get("/api.xro/2.0/Invoices?page=2&pageSize=30&order=UpdatedDateUTC%20ASC", nil)
	if pg := p2.Pagination; pg == nil || pg.Page != 2 || pg.PageSize != 30 || pg.PageCount != 3 || pg.ItemCount != 80 {
		t.Errorf("pagination %+v", p2.Pagination)
	}
	ids := invoiceIDs(t, p2.Invoices)
	if len(ids) != 30 || ids[0] != "927cc424-d1b9-48c8-a6aa-c134b3bc74a4" || ids[29] != "bc532b0e-dfa7-44fd-99d9-1d24acd55b1c" {
		t.Errorf("page 2 by UpdatedDateUTC: %d ids, first %s last %s", len(ids), ids[0], ids[len(ids)-1])
	}
	// Case of the path and "+" for the space do not matter.
	p1 := get("/api.xro/2.0/invoices?page=1&pageSize=3&order=UpdatedDateUTC+ASC", nil)
	if got := strings.Join(invoiceIDs(t, p1.Invoices), ","); got != "8a3fdcc9-83eb-4fdd-83e0-52ec1b40b072,4c4db294-3633-45cd-8706-f0b3b0079609,b7e0c5f4-9f52-4126-b102-45fd12eaa3ca" {
		t.Errorf("page 1 asc: %s", got)
	}
	desc := get("/api.xro/2.0/Invoices?page=1&pageSize=1&order=UpdatedDateUTC%20DESC", nil)
	if got := invoiceIDs(t, desc.Invoices); len(got) != 1 || got[0] != "bd63b5f1-5503-4c62-9c4a-e4b9e4257dc9" {
		t.Errorf("desc: %v", got)
	}
	// Default order is the dataset's.
	def := get("/api.xro/2.0/Invoices?page=1&pageSize=2", nil)
	if got := strings.Join(invoiceIDs(t, def.Invoices), ","); got != "d4956132-ed94-4dd7-9eaa-aa22dfdf06f2,046d8a6d-1ae1-4b4d-9340-5601bdf41b87" {
		t.Errorf("default order: %s", got)
	}
	beyond := get("/api.xro/2.0/Invoices?page=4&pageSize=30", nil)
	if len(beyond.Invoices) != 0 || beyond.Pagination.PageCount != 3 {
		t.Errorf("page 4: %d records, %+v", len(beyond.Invoices), beyond.Pagination)
	}
	big := get("/api.xro/2.0/Invoices?page=1&pageSize=5000", nil)
	if len(big.Invoices) != 80 || big.Pagination.PageSize != 1000 || big.Pagination.PageCount != 1 {
		t.Errorf("pageSize 5000: %d records, %+v", len(big.Invoices), big.Pagination)
	}

	for _, tc := range []struct {
		since string
		order string
		want  string
	}{
		{"2026-04-24T12:00:00", "UpdatedDateUTC ASC", "bd63b5f1-5503-4c62-9c4a-e4b9e4257dc9"},
		{"2026-04-24T12:04:04.663", "UpdatedDateUTC ASC", ""}, // strictly after
		{"2026-04-24T05:00:00-07:00", "", "bd63b5f1-5503-4c62-9c4a-e4b9e4257dc9"},
		{"Fri, 24 Apr 2026 12:00:00 GMT", "UpdatedDateUTC DESC", "bd63b5f1-5503-4c62-9c4a-e4b9e4257dc9"},
	} {
		a := get("/api.xro/2.0/Invoices?page=1&order="+url.QueryEscape(tc.order), map[string]string{"If-Modified-Since": tc.since})
		if got := strings.Join(invoiceIDs(t, a.Invoices), ","); got != tc.want || a.Pagination.ItemCount != len(a.Invoices) {
			t.Errorf("If-Modified-Since %s order %q: %q (itemCount %d), want %q", tc.since, tc.order, got, a.Pagination.ItemCount, tc.want)
		}
	}
	eleven := get("/api.xro/2.0/Invoices?page=1&order=UpdatedDateUTC%20ASC", map[string]string{"If-Modified-Since": "2026-04-24T11:00:00"})
	if len(eleven.Invoices) != 4 {
		t.Errorf("since 11:00: %d invoices, want 4", len(eleven.Invoices))
	}

	for _, bad := range []string{"page=0", "page=x", "page=1&pageSize=0"} {
		resp, body := apiGet(t, s, "/api.xro/2.0/Invoices?"+bad, auth)
		if resp.StatusCode != 400 || !strings.Contains(string(body), `"Type":"ValidationException"`) {
			t.Errorf("%s: %d %s", bad, resp.StatusCode, body)
		}
	}
	resp, body := apiGet(t, s, "/api.xro/2.0/Invoices?page=1", map[string]string{"Authorization": auth["Authorization"], "If-Modified-Since": "yesterday"})
	if resp.StatusCode != 400 || !strings.Contains(string(body), `If-Modified-Since \"yesterday\"`) {
		t.Errorf("bad If-Modified-Since: %d %s", resp.StatusCode, body)
	}
}

func TestListWithoutPageOmitsLineItems(t *testing.T) {
	data := loadFixtures(t)
	s := NewServer(data, Options{})
	defer s.Close()
	auth := map[string]string{"Authorization": "Bearer " + token(t, s)}

	_, body := apiGet(t, s, "/api.xro/2.0/Invoices", auth)
	var all listAnswer
	if err := json.Unmarshal(body, &all); err != nil {
		t.Fatal(err)
	}
	if all.Pagination != nil || len(all.Invoices) != 80 {
		t.Fatalf("without page: pagination %+v, %d invoices", all.Pagination, len(all.Invoices))
	}
	for i, r := range all.Invoices {
		var v struct{ LineItems []json.RawMessage }
		if err := json.Unmarshal(r, &v); err != nil {
			t.Fatal(err)
		}
		if v.LineItems == nil || len(v.LineItems) != 0 {
			t.Fatalf("invoice %d: LineItems %v, want []", i, v.LineItems)
		}
	}
	// Everything but the line items is kept byte for byte.
	orig := string(data["Invoices"][3])
	start := strings.Index(orig, `"LineItems": [`)
	end := strings.Index(orig, `"SubTotal"`)
	want := orig[:start] + `"LineItems": [],` + "\n      " + orig[end:]
	if got := string(all.Invoices[3]); got != want {
		t.Errorf("summary invoice:\n%s\nwant\n%s", got, want)
	}

	_, body = apiGet(t, s, "/api.xro/2.0/Invoices?page=1", auth)
	var paged listAnswer
	if err := json.Unmarshal(body, &paged); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(body, data["Invoices"][3]) || len(paged.Invoices) != 80 {
		t.Error("with page the recorded invoice is not served byte for byte")
	}
}

func TestRateLimit(t *testing.T) {
	// A fixed clock: the four calls fall in one minute's window even when
	// the test runs across a minute's end.
	at := time.Date(2026, 3, 2, 10, 0, 30, 0, time.UTC)
	s := NewServer(loadFixtures(t), Options{RateLimitEvery: 2, RetryAfterSeconds: 7, Now: func() time.Time { return at }})
	defer s.Close()
	auth := map[string]string{"Authorization": "Bearer " + token(t, s)}
	for i, want := range []struct {
		status       int
		min, day     string
		retry, limit string
	}{
		{200, "59", "4999", "", ""},
		{429, "58", "4998", "7", "minute"},
		{200, "57", "4997", "", ""},
		{429, "56", "4996", "7", "minute"},
	} {
		resp, body := apiGet(t, s, "/api.xro/2.0/Payments?page=1", auth)
		h := resp.Header
		if resp.StatusCode != want.status || h.Get("X-MinLimit-Remaining") != want.min || h.Get("X-DayLimit-Remaining") != want.day ||
			h.Get("Retry-After") != want.retry || h.Get("X-Rate-Limit-Problem") != want.limit {
			t.Errorf("call %d: %d min=%s day=%s retry=%s problem=%s: %.100s", i+1, resp.StatusCode,
				h.Get("X-MinLimit-Remaining"), h.Get("X-DayLimit-Remaining"), h.Get("Retry-After"), h.Get("X-Rate-Limit-Problem"), body)
		}
	}
	if s.APICalls() != 4 || s.Requests() != 5 {
		t.Errorf("APICalls %d Requests %d, want 4 and 5", s.APICalls(), s.Requests())
	}
}

func TestEmptyLineItems(t *testing.T) {
	for in, want := range map[string]string{
		`{"A":1,"LineItems":[{"X":[1,2]}],"B":"LineItems"}`: `{"A":1,"LineItems":[],"B":"LineItems"}`,
		`{ "LineItems" : [ ] , "B":2}`:                      `{ "LineItems" : [] , "B":2}`,
		`{"Nested":{"LineItems":[1]},"B":2}`:                `{"Nested":{"LineItems":[1]},"B":2}`,
	} {
		if got := string(emptyLineItems(json.RawMessage(in))); got != want {
			t.Errorf("emptyLineItems(%s) = %s, want %s", in, got, want)
		}
	}
}
