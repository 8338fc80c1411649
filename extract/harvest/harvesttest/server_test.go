package harvesttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/takt-billing/takt/internal/testfixtures"
)

func fixtures(t testing.TB) Dataset {
	t.Helper()
	data, err := LoadFixtures(testfixtures.Dir(t, "harvest"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func set(t testing.TB, obj json.RawMessage, field, value string) json.RawMessage {
	t.Helper()
	out, err := SetField(obj, field, json.RawMessage(value))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// timeEntries derives n time entries from the first recorded one, with ids
// 1..n, spent on dates that make Harvest's order the reverse of the ids.
func timeEntries(t testing.TB, n int) []json.RawMessage {
	t.Helper()
	tmpl := fixtures(t)["time_entries"][0]
	out := make([]json.RawMessage, n)
	for i := range n {
		r := set(t, tmpl, "id", fmt.Sprint(i+1))
		r = set(t, r, "spent_date", fmt.Sprintf(`"2017-%02d-%02d"`, 1+i/28%12, 1+i%28))
		r = set(t, r, "created_at", fmt.Sprintf(`"2017-06-27T15:%02d:%02dZ"`, i/60%60, i%60))
		out[i] = r
	}
	return out
}

// manyTimeEntries is timeEntries for benchmark sizes: the records are
// compact and filled in by text replacement.
func manyTimeEntries(t testing.TB, n int) []json.RawMessage {
	t.Helper()
	var compact bytes.Buffer
	if err := json.Compact(&compact, fixtures(t)["time_entries"][0]); err != nil {
		t.Fatal(err)
	}
	tmpl := set(t, compact.Bytes(), "id", `"@id"`)
	tmpl = set(t, tmpl, "spent_date", `"@date"`)
	r := strings.NewReplacer(`"@id"`, "%[1]d", "@date", "2017-%02[2]d-%02[3]d")
	format := r.Replace(string(tmpl))
	out := make([]json.RawMessage, n)
	for i := range n {
		out[i] = json.RawMessage(fmt.Sprintf(format, i+1, 1+i/28%12, 1+i%28))
	}
	return out
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func get(t testing.TB, url string, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	req.Header.Set("Harvest-Account-Id", DefaultAccountID)
	req.Header.Set("User-Agent", "takt-test (ops@example.com)")
	for k, v := range header {
		req.Header.Set(k, v)
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
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

type page struct {
	Records      []json.RawMessage
	PerPage      int  `json:"per_page"`
	TotalPages   int  `json:"total_pages"`
	TotalEntries int  `json:"total_entries"`
	NextPage     *int `json:"next_page"`
	PreviousPage *int `json:"previous_page"`
	Page         *int `json:"page"`
	Links        struct {
		First    string  `json:"first"`
		Next     *string `json:"next"`
		Previous *string `json:"previous"`
		Last     string  `json:"last"`
	} `json:"links"`
}

func getPage(t testing.TB, url, key string) page {
	t.Helper()
	r := get(t, url, nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("GET %s: Content-Type %q", url, ct)
	}
	var p page
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("GET %s: %v in %s", url, err, r.body)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(env[key], &p.Records); err != nil {
		t.Fatalf("GET %s: list %q: %v", url, key, err)
	}
	return p
}

func ids(t testing.TB, recs []json.RawMessage) []string {
	t.Helper()
	out := make([]string, len(recs))
	for i, r := range recs {
		var v struct{ ID json.RawMessage }
		if err := json.Unmarshal(r, &v); err != nil {
			t.Fatal(err)
		}
		out[i] = string(v.ID)
	}
	return out
}

func intp(p *int) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

func strp(p *string) string {
	if p == nil {
		return "null"
	}
	return *p
}

func TestLoadFixturesKeepsRecordsByteForByte(t *testing.T) {
	data := fixtures(t)
	want := map[string]int{"clients": 2, "projects": 2, "users": 3, "tasks": 5, "task_assignments": 12, "time_entries": 4, "expenses": 2, "invoices": 2}
	for name, n := range want {
		if len(data[name]) != n {
			t.Errorf("%s: %d records, want %d", name, len(data[name]), n)
		}
		file, err := os.ReadFile(filepath.Join(testfixtures.Dir(t, "harvest"), name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		for i, rec := range data[name] {
			if !bytes.Contains(file, rec) {
				t.Errorf("%s record %d is not a slice of the file's bytes", name, i)
			}
		}
	}
	if !bytes.Contains(data["time_entries"][0], []byte(`"hours": 2.11,`)) {
		t.Errorf("time entry literal changed: %s", data["time_entries"][0])
	}
	if _, err := LoadFixtures(t.TempDir()); err == nil || !strings.Contains(err.Error(), "clients.json") {
		t.Errorf("loading an empty folder: err = %v, want one naming clients.json", err)
	}
}

// The emulator lists every resource in Harvest's order, whatever the
// dataset's order: the recorded pages are in that order, so serving them
// reversed must give them back as recorded, byte for byte.
func TestListsInHarvestOrderByteForByte(t *testing.T) {
	recorded := fixtures(t)
	reversed := Dataset{}
	for name, recs := range recorded {
		r := slices.Clone(recs)
		slices.Reverse(r)
		reversed[name] = r
	}
	srv := NewServer(reversed, Options{})
	defer srv.Close()
	for _, name := range resources {
		p := getPage(t, srv.URL+"/v2/"+name, name)
		if len(p.Records) != len(recorded[name]) {
			t.Fatalf("%s: %d records, want %d", name, len(p.Records), len(recorded[name]))
		}
		for i := range p.Records {
			if !bytes.Equal(p.Records[i], recorded[name][i]) {
				t.Errorf("%s record %d:\n got %s\nwant %s", name, i, p.Records[i], recorded[name][i])
			}
		}
		if p.Page == nil || *p.Page != 1 || p.TotalPages != 1 || p.TotalEntries != len(recorded[name]) || p.PerPage != 2000 || p.Links.Next != nil || p.Links.Previous != nil {
			t.Errorf("%s envelope: page %s of %d, %d entries, per_page %d, next %s, previous %s", name, intp(p.Page), p.TotalPages, p.TotalEntries, p.PerPage, strp(p.Links.Next), strp(p.Links.Previous))
		}
		if want := srv.URL + "/v2/" + name + "?page=1&per_page=2000&ref=first"; p.Links.First != want || p.Links.Last != strings.Replace(want, "first", "last", 1) {
			t.Errorf("%s links: first %s last %s, want %s", name, p.Links.First, p.Links.Last, want)
		}
	}
}

func TestCursorPagingFollowsLinks(t *testing.T) {
	srv := NewServer(Dataset{"time_entries": timeEntries(t, 7)}, Options{})
	defer srv.Close()
	base := srv.URL + "/v2/time_entries"

	p1 := getPage(t, base+"?per_page=3&updated_since=2017-01-01T00:00:00Z", "time_entries")
	got := fmt.Sprintf("page=%s next=%s prev=%s pages=%d entries=%d per_page=%d", intp(p1.Page), intp(p1.NextPage), intp(p1.PreviousPage), p1.TotalPages, p1.TotalEntries, p1.PerPage)
	if want := "page=1 next=2 prev=null pages=3 entries=7 per_page=3"; got != want {
		t.Errorf("page 1: %s, want %s", got, want)
	}
	if want := base + "?page=1&per_page=3&ref=first&updated_since=2017-01-01T00%3A00%3A00Z"; p1.Links.First != want {
		t.Errorf("first link %s, want %s", p1.Links.First, want)
	}
	if want := base + "?page=3&per_page=3&ref=last&updated_since=2017-01-01T00%3A00%3A00Z"; p1.Links.Last != want {
		t.Errorf("last link %s, want %s", p1.Links.Last, want)
	}
	if p1.Links.Next == nil || !strings.HasPrefix(*p1.Links.Next, base+"?cursor=") || !strings.HasSuffix(*p1.Links.Next, "&per_page=3&ref=next_cursor&updated_since=2017-01-01T00%3A00%3A00Z") {
		t.Fatalf("next link %s", strp(p1.Links.Next))
	}

	p2 := getPage(t, *p1.Links.Next, "time_entries")
	got = fmt.Sprintf("page=%s next=%s prev=%s", intp(p2.Page), intp(p2.NextPage), intp(p2.PreviousPage))
	if want := "page=null next=null prev=null"; got != want {
		t.Errorf("middle page: %s, want %s (cursor pages have no numbers)", got, want)
	}
	p3 := getPage(t, *p2.Links.Next, "time_entries")
	got = fmt.Sprintf("page=%s next=%s prev=%s link=%s", intp(p3.Page), intp(p3.NextPage), intp(p3.PreviousPage), strp(p3.Links.Next))
	if want := "page=3 next=null prev=2 link=null"; got != want {
		t.Errorf("last page: %s, want %s", got, want)
	}

	// Harvest's order is newest spent_date first: here the reverse of the ids.
	all := slices.Concat(ids(t, p1.Records), ids(t, p2.Records), ids(t, p3.Records))
	if want := []string{"7", "6", "5", "4", "3", "2", "1"}; !slices.Equal(all, want) {
		t.Errorf("ids over the pages %v, want %v", all, want)
	}

	back := getPage(t, strp(p3.Links.Previous), "time_entries")
	if got, want := ids(t, back.Records), []string{"4", "3", "2"}; !slices.Equal(got, want) {
		t.Errorf("previous of the last page: %v, want %v", got, want)
	}
	first := getPage(t, strp(back.Links.Previous), "time_entries")
	if got, want := ids(t, first.Records), []string{"7", "6", "5"}; !slices.Equal(got, want) || intp(first.Page) != "1" || first.Links.Previous != nil {
		t.Errorf("previous of the middle page: %v page %s previous %s, want %v page 1 previous null", got, intp(first.Page), strp(first.Links.Previous), want)
	}

	// The page parameter still works, as Harvest keeps it for old clients.
	byPage := getPage(t, base+"?per_page=3&page=2", "time_entries")
	got = fmt.Sprintf("ids=%v page=%s next=%s prev=%s", ids(t, byPage.Records), intp(byPage.Page), intp(byPage.NextPage), intp(byPage.PreviousPage))
	if want := "ids=[4 3 2] page=2 next=3 prev=1"; got != want {
		t.Errorf("page=2: %s, want %s", got, want)
	}
}

func TestUpdatedSinceIsInclusive(t *testing.T) {
	data := fixtures(t)
	entries := slices.Clone(data["time_entries"])
	entries[2] = set(t, entries[2], "updated_at", `"2017-07-01T08:00:00Z"`)
	srv := NewServer(Dataset{"time_entries": entries}, Options{})
	defer srv.Close()
	cases := []struct {
		since string
		want  []string
	}{
		{"2017-06-27T16:47:14Z", []string{"636709355", "636708723", "636708574", "636707831"}},
		{"2017-06-27T16:47:14.000001Z", []string{"636708574"}},
		{"2017-06-27T18:47:14%2B02:00", []string{"636709355", "636708723", "636708574", "636707831"}},
		{"2017-07-01T08:00:00Z", []string{"636708574"}},
		{"2017-07-01T08:00:01Z", []string{}},
		{"2017-06-28", []string{"636708574"}},
	}
	for _, c := range cases {
		p := getPage(t, srv.URL+"/v2/time_entries?updated_since="+c.since, "time_entries")
		if got := ids(t, p.Records); !slices.Equal(got, c.want) || p.TotalEntries != len(c.want) {
			t.Errorf("updated_since=%s: %v (total_entries %d), want %v", c.since, got, p.TotalEntries, c.want)
		}
	}
	r := get(t, srv.URL+"/v2/time_entries?updated_since=yesterday", nil)
	if want := `{"message":"updated_since must be an ISO 8601 date and time, e.g. 2017-06-26T21:02:12Z"}`; r.status != http.StatusUnprocessableEntity || string(r.body) != want {
		t.Errorf("bad updated_since: %d %s, want 422 %s", r.status, r.body, want)
	}
}

func TestRefusesRequestsLikeHarvest(t *testing.T) {
	srv := NewServer(fixtures(t), Options{Token: "tok-1", AccountID: "42"})
	defer srv.Close()
	const invalidToken = `{"error":"invalid_token","error_description":"The access token provided is expired, revoked, malformed or invalid for other reasons."}`
	good := map[string]string{"Authorization": "Bearer tok-1", "Harvest-Account-Id": "42"}
	with := func(k, v string) map[string]string {
		h := map[string]string{}
		for kk, vv := range good {
			h[kk] = vv
		}
		h[k] = v
		return h
	}
	cases := []struct {
		name   string
		path   string
		header map[string]string
		status int
		body   string
	}{
		{"valid", "/v2/clients", good, 200, ""},
		{"lower-case scheme", "/v2/clients", with("Authorization", "bearer tok-1"), 200, ""},
		{"wrong token", "/v2/clients", with("Authorization", "Bearer tok-2"), 401, invalidToken},
		{"basic auth", "/v2/clients", with("Authorization", "Basic dG9rLTE6"), 401, invalidToken},
		{"no token", "/v2/clients", with("Authorization", ""), 401, invalidToken},
		{"wrong account", "/v2/clients", with("Harvest-Account-Id", "43"), 401, invalidToken},
		{"no account", "/v2/clients", with("Harvest-Account-Id", ""), 401, invalidToken},
		{"no user agent", "/v2/clients", with("User-Agent", ""), 400, `{"status":400,"error":"Bad Request"}`},
		{"query auth", "/v2/clients?access_token=tok-1&account_id=42", with("Authorization", ""), 200, ""},
		{"unknown path", "/v2/estimates", good, 404, `{"status":404,"error":"Not Found"}`},
		{"per_page too large", "/v2/clients?per_page=2001", good, 422, `{"message":"per_page must be a number between 1 and 2000"}`},
		{"per_page zero", "/v2/clients?per_page=0", good, 422, `{"message":"per_page must be a number between 1 and 2000"}`},
		{"bad page", "/v2/clients?page=0", good, 422, `{"message":"page must be a number of 1 or more"}`},
		{"bad cursor", "/v2/clients?cursor=eyJhZnRlciI6eyJpZCI6MzAwN319", good, 422, `{"message":"cursor is not valid; use the links of a previous response"}`},
	}
	for _, c := range cases {
		r := get(t, srv.URL+c.path, c.header) // an empty value sends no header
		if r.status != c.status || (c.body != "" && string(r.body) != c.body) {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.status, r.body, c.status, c.body)
		}
		if c.status == 401 && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), `Bearer realm="Harvest", error="invalid_token"`) {
			t.Errorf("%s: WWW-Authenticate %q", c.name, r.header.Get("WWW-Authenticate"))
		}
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v2/clients", strings.NewReader(`{"name":"x"}`))
	req.Header.Set("Authorization", "Bearer tok-1")
	req.Header.Set("Harvest-Account-Id", "42")
	req.Header.Set("User-Agent", "t")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET" {
		t.Errorf("POST: %d Allow %q, want 405 GET", resp.StatusCode, resp.Header.Get("Allow"))
	}
	if got := srv.Requests(); got != int64(len(cases))+1 {
		t.Errorf("Requests() = %d, want %d", got, len(cases)+1)
	}
}

func TestThrottlesEveryNthRequest(t *testing.T) {
	srv := NewServer(fixtures(t), Options{RateLimitEvery: 3, RetryAfterSeconds: 7})
	defer srv.Close()
	var got []string
	for range 6 {
		r := get(t, srv.URL+"/v2/tasks", nil)
		s := fmt.Sprint(r.status)
		if r.status == http.StatusTooManyRequests {
			s += " Retry-After=" + r.header.Get("Retry-After") + " " + string(r.body)
		}
		got = append(got, s)
	}
	throttled := `429 Retry-After=7 {"status":429,"error":"Too Many Requests"}`
	want := []string{"200", "200", throttled, "200", "200", throttled}
	if !slices.Equal(got, want) {
		t.Errorf("responses %q, want %q", got, want)
	}
	if srv.Requests() != 6 {
		t.Errorf("Requests() = %d, want 6", srv.Requests())
	}
}

func TestSetField(t *testing.T) {
	obj := json.RawMessage("{\n  \"id\": 7,\n  \"hours\": 100.0,\n  \"client\": {\"id\": 1}\n}")
	cases := []struct {
		field, value, want string
	}{
		{"hours", `2.11111`, `{"id":7,"hours":2.11111,"client":{"id": 1}}`},
		{"client", `null`, `{"id":7,"hours":100.0,"client":null}`},
		{"notes", `"a<b & c"`, `{"id":7,"hours":100.0,"client":{"id": 1},"notes":"a<b & c"}`},
	}
	for _, c := range cases {
		got, err := SetField(obj, c.field, json.RawMessage(c.value))
		if err != nil || string(got) != c.want {
			t.Errorf("SetField(%s, %s) = %s, %v; want %s", c.field, c.value, got, err, c.want)
		}
	}
	if got, err := SetField(json.RawMessage(`{}`), "id", json.RawMessage(`1`)); err != nil || string(got) != `{"id":1}` {
		t.Errorf("SetField on {} = %s, %v", got, err)
	}
	if _, err := SetField(obj, "hours", json.RawMessage(`2,5`)); err == nil || err.Error() != `harvesttest: set hours: value "2,5" is not JSON` {
		t.Errorf("invalid value: err = %v", err)
	}
	if _, err := SetField(json.RawMessage(`[1]`), "id", json.RawMessage(`1`)); err == nil || err.Error() != "harvesttest: set id: not a JSON object" {
		t.Errorf("array: err = %v", err)
	}
}

func TestNewHandlerRefusesNonObjects(t *testing.T) {
	defer func() {
		r := recover()
		if want := "harvesttest: tasks record 1 is not a JSON object: [1]"; fmt.Sprint(r) != want {
			t.Errorf("panic %v, want %q", r, want)
		}
	}()
	NewHandler(Dataset{"tasks": {json.RawMessage(`{"id":1}`), json.RawMessage(`[1]`)}}, Options{})
}

// BenchmarkTimeEntriesPage measures one full page of the demo's size of
// dataset, reached by cursor from the middle of the listing.
func BenchmarkTimeEntriesPage(b *testing.B) {
	srv := NewServer(Dataset{"time_entries": manyTimeEntries(b, 50000)}, Options{})
	defer srv.Close()
	p := getPage(b, srv.URL+"/v2/time_entries?per_page=2000&page=12", "time_entries")
	next := *p.Links.Next
	b.ResetTimer()
	for range b.N {
		r := get(b, next, nil)
		if r.status != http.StatusOK {
			b.Fatal(r.status)
		}
	}
}
