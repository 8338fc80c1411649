package hubspottest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/takt-billing/takt/extract/hubspot/hubspottest"
	"github.com/takt-billing/takt/internal/testfixtures"
)

const token = "pat-eu1-test"

func fixtures(t *testing.T) hubspottest.Dataset {
	t.Helper()
	data, err := hubspottest.LoadFixtures(testfixtures.Dir(t, "hubspot"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func start(t *testing.T, data hubspottest.Dataset, opts hubspottest.Options) *hubspottest.Server {
	t.Helper()
	if opts.Token == "" {
		opts.Token = token
	}
	s := hubspottest.NewServer(data, opts)
	t.Cleanup(s.Close)
	return s
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func call(t *testing.T, method, url, auth, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
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
	return response{resp.StatusCode, resp.Header, b}
}

func get(t *testing.T, s *hubspottest.Server, path string) response {
	return call(t, http.MethodGet, s.URL+path, "Bearer "+token, "")
}

func post(t *testing.T, s *hubspottest.Server, path, body string) response {
	return call(t, http.MethodPost, s.URL+path, "Bearer "+token, body)
}

func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

type errorBody struct {
	Status        string `json:"status"`
	Message       string `json:"message"`
	CorrelationID string `json:"correlationId"`
	Category      string `json:"category"`
	ErrorType     string `json:"errorType"`
	PolicyName    string `json:"policyName"`
}

type object struct {
	ID           string                     `json:"id"`
	Properties   map[string]json.RawMessage `json:"properties"`
	Associations map[string]json.RawMessage `json:"associations"`
}

type page struct {
	Total   *int              `json:"total"`
	Results []json.RawMessage `json:"results"`
	Paging  *struct {
		Next struct {
			After string  `json:"after"`
			Link  *string `json:"link"`
		} `json:"next"`
	} `json:"paging"`
}

func ids(t *testing.T, results []json.RawMessage) []string {
	t.Helper()
	out := make([]string, len(results))
	for i, r := range results {
		var o object
		decode(t, r, &o)
		out[i] = o.ID
	}
	return out
}

func TestLoadFixtures(t *testing.T) {
	data := fixtures(t)
	got := map[string]int{}
	for k, v := range data {
		got[k] = len(v)
	}
	want := map[string]int{"companies": 59, "deals": 26, "line_items": 2}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("counts = %v, want %v", got, want)
	}
	// The line item keeps its bytes and gains its deal in list form.
	li := string(data["line_items"][0])
	if !strings.HasPrefix(li, `{"id":"17808947665","properties":{"amount":"1.00","createdate":"2024-10-08T20:59:49.410Z","description":"One Two","discount":null,"hs_acv":"1.00",`) {
		t.Errorf("line item does not start as recorded: %.200s", li)
	}
	if !strings.HasSuffix(li, `"archived":false,"associations":{"deals":{"results":[{"id":"21917278677","type":"line_item_to_deal"}]}}}`) {
		t.Errorf("line item does not end with its deal association: ...%s", li[len(li)-150:])
	}
	if first := string(data["companies"][0]); !strings.HasPrefix(first, `{"id":"7086461639",`) {
		t.Errorf("first company = %.60s, want the dlt company 7086461639", first)
	}
}

func TestAuthentication(t *testing.T) {
	s := start(t, fixtures(t), hubspottest.Options{})
	for _, auth := range []string{"", "Bearer wrong", "Basic " + token} {
		r := call(t, http.MethodGet, s.URL+"/crm/v3/objects/companies", auth, "")
		if r.status != http.StatusUnauthorized {
			t.Fatalf("auth %q: status %d, want 401", auth, r.status)
		}
		var e errorBody
		decode(t, r.body, &e)
		want := "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
		if e.Status != "error" || e.Category != "INVALID_AUTHENTICATION" || e.Message != want || e.CorrelationID == "" {
			t.Errorf("auth %q: body %s", auth, r.body)
		}
		if r.header.Get("X-HubSpot-Auth-Failure") != "401 Unauthorized" {
			t.Errorf("auth %q: X-HubSpot-Auth-Failure = %q", auth, r.header.Get("X-HubSpot-Auth-Failure"))
		}
	}
	if r := get(t, s, "/crm/v3/objects/companies"); r.status != http.StatusOK {
		t.Fatalf("right token: status %d: %s", r.status, r.body)
	}
	if got := s.Requests(); got != 4 {
		t.Errorf("Requests() = %d, want 4", got)
	}
}

func TestListPagingAndPropertySelection(t *testing.T) {
	s := start(t, fixtures(t), hubspottest.Options{})
	var all []string
	path := "/crm/v3/objects/companies?limit=25&properties=name,country&properties=vat_id"
	for n := 1; ; n++ {
		r := get(t, s, path)
		if r.status != http.StatusOK {
			t.Fatalf("page %d: %d %s", n, r.status, r.body)
		}
		if r.header.Get("X-HubSpot-RateLimit-Max") != "110" || r.header.Get("X-HubSpot-RateLimit-Interval-Milliseconds") != "10000" {
			t.Errorf("page %d: rate-limit headers missing: %v", n, r.header)
		}
		var p page
		decode(t, r.body, &p)
		all = append(all, ids(t, p.Results)...)
		if n == 1 {
			// vat_id is unknown to this portal and the dlt companies have no
			// country: both absent, as HubSpot does; domain was not asked for.
			for i, want := range map[int][]string{
				0: {"createdate", "hs_lastmodifieddate", "hs_object_id", "name"},
				2: {"country", "createdate", "hs_lastmodifieddate", "hs_object_id", "name"},
			} {
				var o object
				decode(t, p.Results[i], &o)
				keys := make([]string, 0, len(o.Properties))
				for k := range o.Properties {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				if !reflect.DeepEqual(keys, want) {
					t.Errorf("properties of %s = %v, want %v", o.ID, keys, want)
				}
				if o.Associations != nil {
					t.Errorf("associations served without being requested")
				}
			}
			if got := ids(t, p.Results[:3]); !slices.Equal(got, []string{"7086461639", "7086464459", "406260751575"}) {
				t.Errorf("first ids = %v", got)
			}
		}
		if p.Paging == nil {
			if n != 3 || len(p.Results) != 9 {
				t.Fatalf("last page is page %d with %d results, want page 3 with 9", n, len(p.Results))
			}
			if bytes.Contains(r.body, []byte(`"paging"`)) {
				t.Errorf("last page has a paging key")
			}
			break
		}
		if len(p.Results) != 25 || p.Paging.Next.Link == nil || !strings.Contains(*p.Paging.Next.Link, "after="+p.Paging.Next.After) {
			t.Fatalf("page %d: %d results, paging %+v", n, len(p.Results), p.Paging)
		}
		path = "/crm/v3/objects/companies?limit=25&properties=name,country&properties=vat_id&after=" + p.Paging.Next.After
	}
	if len(all) != 59 {
		t.Fatalf("%d companies over all pages, want 59", len(all))
	}
	sorted := slices.SortedFunc(slices.Values(all), func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
	if !slices.Equal(all, sorted) || len(slices.Compact(sorted)) != 59 {
		t.Errorf("ids are not unique and in id order: %v", all)
	}

	// Number literals and every other byte come through as recorded.
	r := get(t, s, "/crm/v3/objects/deals?limit=100&properties=amount")
	var p page
	decode(t, r.body, &p)
	want := `{"id":"480202228957","properties":{"amount":"5000.00","createdate":"2026-02-26T13:45:36.485Z","hs_lastmodifieddate":"2026-02-26T13:45:43.181Z","hs_object_id":"480202228957"},"createdAt":"2026-02-26T13:45:36.485Z","updatedAt":"2026-02-26T13:45:43.181Z","archived":false,"url":"https://app-eu1.hubspot.com/contacts/147893286/record/0-3/480202228957"}`
	found := false
	for _, res := range p.Results {
		if string(res) == want {
			found = true
		}
	}
	if !found {
		t.Errorf("deal 480202228957 not served as %s", want)
	}

	for _, q := range []string{"limit=101", "limit=0", "limit=x", "after=abc"} {
		r := get(t, s, "/crm/v3/objects/companies?"+q)
		var e errorBody
		decode(t, r.body, &e)
		if r.status != http.StatusBadRequest || e.Category != "VALIDATION_ERROR" {
			t.Errorf("%s: status %d body %s, want 400 VALIDATION_ERROR", q, r.status, r.body)
		}
	}
	if r := get(t, s, "/crm/v3/objects/tickets"); r.status != http.StatusBadRequest ||
		!bytes.Contains(r.body, []byte(`"message":"Unable to infer object type from: tickets"`)) {
		t.Errorf("unknown type: %d %s", r.status, r.body)
	}
}

func TestListAssociations(t *testing.T) {
	s := start(t, fixtures(t), hubspottest.Options{})
	assoc := func(path, id string) map[string]json.RawMessage {
		t.Helper()
		r := get(t, s, path)
		var p page
		decode(t, r.body, &p)
		for _, res := range p.Results {
			var o object
			decode(t, res, &o)
			if o.ID == id {
				return o.Associations
			}
		}
		t.Fatalf("%s: no object %s", path, id)
		return nil
	}
	got := assoc("/crm/v3/objects/deals?limit=100&associations=companies", "21917278677")
	want := `{"results":[{"id":"18785867255","type":"deal_to_company"},{"id":"12100981203","type":"deal_to_company_unlabeled"},{"id":"18785867255","type":"deal_to_company_unlabeled"}]}`
	if len(got) != 1 || string(got["companies"]) != want {
		t.Errorf("deal associations = %s, want only companies %s", got, want)
	}
	if got := assoc("/crm/v3/objects/deals?limit=100", "21917278677"); got != nil {
		t.Errorf("associations without the parameter: %s", got)
	}
	// The other direction is derived from the line items.
	got = assoc("/crm/v3/objects/deals?limit=100&associations=line_items", "21917278677")
	want = `{"results":[{"id":"17808947665","type":"deal_to_line_item"},{"id":"17828944848","type":"deal_to_line_item"}]}`
	if string(got["line_items"]) != want {
		t.Errorf("deal line items = %s, want %s", got, want)
	}
	got = assoc("/crm/v3/objects/line_items?associations=deals", "17828944848")
	if string(got["deals"]) != `{"results":[{"id":"21917278677","type":"line_item_to_deal"}]}` {
		t.Errorf("line item deals = %s", got)
	}
}

func millis(t *testing.T, s string) int64 {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts.UnixMilli()
}

func TestSearch(t *testing.T) {
	s := start(t, fixtures(t), hubspottest.Options{SearchResultLimit: 5})
	from := millis(t, "2026-03-11T13:00:00Z")
	body := func(after string) string {
		return `{"filterGroups":[{"filters":[{"propertyName":"hs_lastmodifieddate","operator":"GTE","value":"` +
			itoa(from) + `"}]}],"sorts":[{"propertyName":"hs_lastmodifieddate","direction":"ASCENDING"}],` +
			`"properties":["dealname"],"limit":3` + after + `}`
	}
	r := post(t, s, "/crm/v3/objects/deals/search", body(""))
	if r.status != http.StatusOK {
		t.Fatalf("search: %d %s", r.status, r.body)
	}
	if r.header.Get("X-HubSpot-RateLimit-Max") != "" {
		t.Errorf("search answered with rate-limit headers, HubSpot's search sends none")
	}
	var p page
	decode(t, r.body, &p)
	if p.Total == nil || *p.Total != 8 || p.Paging == nil || p.Paging.Next.After != "3" || p.Paging.Next.Link != nil {
		t.Fatalf("first page: total %v paging %+v, want total 8, after 3, no link: %s", p.Total, p.Paging, r.body)
	}
	if got, want := ids(t, p.Results), []string{"493192081607", "493152397520", "493263865071"}; !slices.Equal(got, want) {
		t.Errorf("first page ids = %v, want %v", got, want)
	}
	var o object
	decode(t, p.Results[0], &o)
	if len(o.Properties) != 4 || string(o.Properties["dealname"]) != `"Test Deal from Nango"` || o.Associations != nil {
		t.Errorf("search result = %s", p.Results[0])
	}
	// The page that crosses the limit of 5 ends there; after 5 is refused.
	r = post(t, s, "/crm/v3/objects/deals/search", body(`,"after":"3"`))
	decode(t, r.body, &p)
	if got := ids(t, p.Results); !slices.Equal(got, []string{"493279958248", "493556498643"}) || p.Paging == nil || p.Paging.Next.After != "5" {
		t.Errorf("second page = %v paging %+v", got, p.Paging)
	}
	r = post(t, s, "/crm/v3/objects/deals/search", body(`,"after":"5"`))
	var e errorBody
	decode(t, r.body, &e)
	if r.status != http.StatusBadRequest || e.Message != "There was a problem with the request." || e.Category != "VALIDATION_ERROR" {
		t.Errorf("after the limit: %d %s", r.status, r.body)
	}

	// OR of two ranges, descending, last page without paging.
	s2 := start(t, fixtures(t), hubspottest.Options{})
	or := `{"filterGroups":[` +
		`{"filters":[{"propertyName":"hs_lastmodifieddate","operator":"LT","value":"` + itoa(millis(t, "2024-01-01T00:00:00Z")) + `"}]},` +
		`{"filters":[{"propertyName":"hs_lastmodifieddate","operator":"GT","value":"` + itoa(millis(t, "2026-03-12T07:34:04.426Z")) + `"},` +
		`{"propertyName":"hs_lastmodifieddate","operator":"LTE","value":"` + itoa(millis(t, "2026-03-12T07:36:23.415Z")) + `"}]}],` +
		`"sorts":[{"propertyName":"hs_lastmodifieddate","direction":"DESCENDING"}],"limit":200}`
	r = post(t, s2, "/crm/v3/objects/deals/search", or)
	p = page{}
	decode(t, r.body, &p)
	if got, want := ids(t, p.Results), []string{"493593663734", "6744457152", "6744192456"}; !slices.Equal(got, want) || *p.Total != 3 || p.Paging != nil {
		t.Errorf("OR search = %v total %v paging %v, want %v", got, *p.Total, p.Paging, want)
	}
	for name, b := range map[string]string{
		"limit 201":      `{"limit":201}`,
		"other property": `{"filterGroups":[{"filters":[{"propertyName":"amount","operator":"GTE","value":"1"}]}]}`,
		"bad json":       `{"limit":`,
	} {
		r := post(t, s2, "/crm/v3/objects/deals/search", b)
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: status %d %s, want 400", name, r.status, r.body)
		}
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestBatchReadAssociations(t *testing.T) {
	s := start(t, fixtures(t), hubspottest.Options{})
	r := post(t, s, "/crm/v4/associations/deals/companies/batch/read", `{"inputs":[{"id":"21917278677"},{"id":"479475667160"}]}`)
	if r.status != http.StatusMultiStatus {
		t.Fatalf("status %d, want 207: %s", r.status, r.body)
	}
	wantResults := `"results":[{"from":{"id":"21917278677"},"to":[` +
		`{"toObjectId":18785867255,"associationTypes":[{"category":"HUBSPOT_DEFINED","typeId":5,"label":"Primary"},{"category":"HUBSPOT_DEFINED","typeId":341,"label":null}]},` +
		`{"toObjectId":12100981203,"associationTypes":[{"category":"HUBSPOT_DEFINED","typeId":341,"label":null}]}]}]`
	if !bytes.Contains(r.body, []byte(wantResults)) {
		t.Errorf("body %s\nwant it to contain %s", r.body, wantResults)
	}
	var resp struct {
		Status    string `json:"status"`
		NumErrors int    `json:"numErrors"`
		Errors    []struct {
			Category    string              `json:"category"`
			SubCategory string              `json:"subCategory"`
			Message     string              `json:"message"`
			Context     map[string][]string `json:"context"`
		} `json:"errors"`
	}
	decode(t, r.body, &resp)
	if resp.Status != "COMPLETE" || resp.NumErrors != 1 || len(resp.Errors) != 1 ||
		resp.Errors[0].SubCategory != "crm.associations.NO_ASSOCIATIONS_FOUND" ||
		resp.Errors[0].Message != "No company is associated with deal 479475667160." ||
		!slices.Equal(resp.Errors[0].Context["fromObjectId"], []string{"479475667160"}) {
		t.Errorf("errors = %+v", resp)
	}

	r = post(t, s, "/crm/v4/associations/line_items/deals/batch/read", `{"inputs":[{"id":"17808947665"}]}`)
	if r.status != http.StatusOK || !bytes.Contains(r.body,
		[]byte(`"results":[{"from":{"id":"17808947665"},"to":[{"toObjectId":21917278677,"associationTypes":[{"category":"HUBSPOT_DEFINED","typeId":20,"label":null}]}]}]`)) ||
		bytes.Contains(r.body, []byte("errors")) {
		t.Errorf("line item to deal: %d %s", r.status, r.body)
	}
	r = post(t, s, "/crm/v4/associations/deal/line_item/batch/read", `{"inputs":[{"id":"21917278677"}]}`)
	if !bytes.Contains(r.body, []byte(`{"toObjectId":17808947665,"associationTypes":[{"category":"HUBSPOT_DEFINED","typeId":19,"label":null}]},{"toObjectId":17828944848,`)) {
		t.Errorf("deal to line items (derived): %s", r.body)
	}
}

func TestRateLimit(t *testing.T) {
	s := start(t, fixtures(t), hubspottest.Options{RateLimitEvery: 2, RetryAfterSeconds: 3})
	if r := get(t, s, "/crm/v3/objects/companies"); r.status != http.StatusOK || r.header.Get("X-HubSpot-RateLimit-Remaining") != "0" {
		t.Fatalf("request 1: %d, remaining %q", r.status, r.header.Get("X-HubSpot-RateLimit-Remaining"))
	}
	r := get(t, s, "/crm/v3/objects/companies")
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("request 2: status %d, want 429", r.status)
	}
	var e errorBody
	decode(t, r.body, &e)
	if e.Status != "error" || e.ErrorType != "RATE_LIMIT" || e.PolicyName != "TEN_SECONDLY_ROLLING" ||
		e.Message != "You have reached your ten_secondly_rolling limit." || e.CorrelationID == "" {
		t.Errorf("429 body %s", r.body)
	}
	for h, want := range map[string]string{
		"Retry-After": "3", "X-HubSpot-RateLimit-Remaining": "0", "X-HubSpot-RateLimit-Max": "110",
		"X-HubSpot-RateLimit-Interval-Milliseconds": "10000", "X-HubSpot-RateLimit-Secondly-Remaining": "0",
	} {
		if got := r.header.Get(h); got != want {
			t.Errorf("429 header %s = %q, want %q", h, got, want)
		}
	}
	if r := get(t, s, "/crm/v3/objects/companies"); r.status != http.StatusOK {
		t.Fatalf("request 3: %d", r.status)
	}
	if s.Requests() != 3 {
		t.Errorf("Requests() = %d, want 3", s.Requests())
	}
}

func TestUnusableDataset(t *testing.T) {
	for name, data := range map[string]hubspottest.Dataset{
		"no id":        {"companies": {json.RawMessage(`{"properties":{},"updatedAt":"2026-01-01T00:00:00Z"}`)}},
		"unknown type": {"tickets": {json.RawMessage(`{"id":"1","properties":{},"updatedAt":"2026-01-01T00:00:00Z"}`)}},
		"no time":      {"deals": {json.RawMessage(`{"id":"1","properties":{"hs_lastmodifieddate":"yesterday"}}`)}},
		"duplicate": {"deals": {json.RawMessage(`{"id":"1","updatedAt":"2026-01-01T00:00:00Z"}`),
			json.RawMessage(`{"id":"1","updatedAt":"2026-01-01T00:00:00Z"}`)}},
	} {
		s := start(t, data, hubspottest.Options{})
		r := get(t, s, "/crm/v3/objects/companies")
		var e errorBody
		decode(t, r.body, &e)
		if r.status != http.StatusInternalServerError || !strings.HasPrefix(e.Message, "hubspottest: dataset ") {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
}
