package harvesttest

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Credentials the emulator accepts when Options leave them empty.
const (
	DefaultToken     = "harvest-sandbox-token"
	DefaultAccountID = "1000001"
)

// maxPerPage is Harvest's largest (and default) page size.
const maxPerPage = 2000

// Options configure the emulator.
type Options struct {
	// Token is the personal access token the server accepts, sent as
	// "Authorization: Bearer <token>" (or ?access_token=). Empty means
	// DefaultToken.
	Token string
	// AccountID is the account the server serves, sent as the
	// Harvest-Account-Id header (or ?account_id=). Empty means
	// DefaultAccountID.
	AccountID string
	// RateLimitEvery makes every Nth request (N, 2N, ...) answer 429 Too
	// Many Requests with a Retry-After header, the way Harvest throttles
	// clients that exceed 100 requests in 15 seconds. 0 never throttles.
	RateLimitEvery int
	// RetryAfterSeconds is the Retry-After value of a 429; 0 means 1.
	RetryAfterSeconds int
	// ServerErrorEvery makes every Nth request (N, 2N, ...) answer 503
	// Service Unavailable, as during an outage; 0 never does. A request
	// that is also due a 429 gets the 429.
	ServerErrorEvery int
}

// handler serves the Harvest API v2 list endpoints for one dataset.
type handler struct {
	opts Options
	// lists holds the listings by path ("/v2/clients"); tests swap in a
	// changed dataset between runs.
	lists    atomic.Pointer[map[string]*listing]
	requests atomic.Int64

	mu   sync.Mutex // serialises dataset changes
	data Dataset
}

// NewHandler returns an http.Handler speaking Harvest's API v2 list
// endpoints (GET /v2/clients, /v2/projects, /v2/users, /v2/tasks,
// /v2/task_assignments, /v2/time_entries, /v2/expenses, /v2/invoices) for
// data: authentication by bearer token and account id with a User-Agent
// required, per_page/page/cursor paging with Harvest's envelope and absolute
// links, and the updated_since filter. The dataset is indexed once here and
// must not change while it is served. NewHandler panics if a record is not
// a JSON object.
func NewHandler(data Dataset, opts Options) http.Handler {
	return newHandler(data, opts)
}

func newHandler(data Dataset, opts Options) *handler {
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccountID
	}
	if opts.RetryAfterSeconds <= 0 {
		opts.RetryAfterSeconds = 1
	}
	h := &handler{opts: opts}
	h.setData(data)
	return h
}

// setData indexes data and serves it from the next request on.
func (h *handler) setData(data Dataset) {
	lists := map[string]*listing{}
	for _, name := range resources {
		lists["/v2/"+name] = newListing(name, data[name])
	}
	h.data = data
	h.lists.Store(&lists)
}

// Server is the emulator listening on 127.0.0.1 on a free port.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234, to use as the
	// connector's BaseURL.
	URL string
	srv *httptest.Server
	h   *handler
}

// NewServer starts the emulator for data. Close it when done.
func NewServer(data Dataset, opts Options) *Server {
	h := newHandler(data, opts)
	srv := httptest.NewServer(h)
	return &Server{URL: srv.URL, srv: srv, h: h}
}

// Close stops the server and waits for open requests to finish.
func (s *Server) Close() { s.srv.Close() }

// Requests is the number of HTTP requests the server has received,
// throttled and refused ones included.
func (s *Server) Requests() int64 { return s.h.requests.Load() }

// Replace serves data instead of the current dataset from the next request
// on, as if the account had changed between two runs. Paging links of
// earlier answers become invalid.
func (s *Server) Replace(data Dataset) {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	s.h.setData(data)
}

// Delete removes the records with the given ids from a resource, as
// deleting them in Harvest does: they are no longer listed, and
// updated_since does not report them either. An id the resource does not
// hold is an error.
func (s *Server) Delete(resource string, ids ...string) error {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	drop := map[string]bool{}
	for _, id := range ids {
		drop[id] = true
	}
	next := Dataset{}
	for k, v := range s.h.data {
		next[k] = v
	}
	var kept []json.RawMessage
	for _, raw := range s.h.data[resource] {
		var head struct {
			ID json.RawMessage `json:"id"`
		}
		_ = json.Unmarshal(raw, &head)
		id := strings.Trim(string(head.ID), `"`)
		if drop[id] {
			delete(drop, id)
			continue
		}
		kept = append(kept, raw)
	}
	if len(drop) > 0 {
		missing := make([]string, 0, len(drop))
		for id := range drop {
			missing = append(missing, id)
		}
		sort.Strings(missing)
		return fmt.Errorf("harvesttest: delete from %s: no records %s", resource, strings.Join(missing, ", "))
	}
	next[resource] = kept
	s.h.setData(next)
	return nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := h.requests.Add(1)
	if every := int64(h.opts.RateLimitEvery); every > 0 && n%every == 0 {
		w.Header().Set("Retry-After", strconv.Itoa(h.opts.RetryAfterSeconds))
		writeError(w, http.StatusTooManyRequests)
		return
	}
	if every := int64(h.opts.ServerErrorEvery); every > 0 && n%every == 0 {
		writeError(w, http.StatusServiceUnavailable)
		return
	}
	// Harvest refuses requests without a User-Agent naming the application
	// before it looks at anything else.
	if r.Header.Get("User-Agent") == "" {
		writeError(w, http.StatusBadRequest)
		return
	}
	if !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="Harvest", error="invalid_token", error_description="The access token provided is expired, revoked, malformed or invalid for other reasons."`)
		writeJSON(w, http.StatusUnauthorized, `{"error":"invalid_token","error_description":"The access token provided is expired, revoked, malformed or invalid for other reasons."}`)
		return
	}
	l, ok := (*h.lists.Load())[r.URL.Path]
	if !ok {
		writeError(w, http.StatusNotFound)
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeError(w, http.StatusMethodNotAllowed)
		return
	}
	h.list(w, r, l)
}

// authorized checks the token and account id, given as headers or, as
// Harvest also allows, as the access_token and account_id query parameters.
func (h *handler) authorized(r *http.Request) bool {
	q := r.URL.Query()
	token := q.Get("access_token")
	if a := r.Header.Get("Authorization"); a != "" {
		scheme, rest, _ := strings.Cut(a, " ")
		token = ""
		if strings.EqualFold(scheme, "Bearer") {
			token = strings.TrimSpace(rest)
		}
	}
	account := r.Header.Get("Harvest-Account-Id")
	if account == "" {
		account = q.Get("account_id")
	}
	tokenOK := subtle.ConstantTimeCompare([]byte(token), []byte(h.opts.Token)) == 1
	accountOK := subtle.ConstantTimeCompare([]byte(account), []byte(h.opts.AccountID)) == 1
	return tokenOK && accountOK
}

// pageCursor is the emulator's opaque cursor: a position in the listing
// (valid because the dataset does not change while it is served). Harvest's
// own cursors look alike: base64 of {"after":{"id":...}}.
type pageCursor struct {
	After  *cursorPos `json:"after,omitempty"`
	Before *cursorPos `json:"before,omitempty"`
}

type cursorPos struct {
	Position *int `json:"position"`
}

func encodeCursor(c pageCursor) string {
	b, _ := json.Marshal(c) // a struct of ints always encodes
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, n int) (pageCursor, bool) {
	var c pageCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return c, false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if dec.Decode(&c) != nil || (c.After == nil) == (c.Before == nil) {
		return c, false
	}
	p := c.After
	if p == nil {
		p = c.Before
	}
	return c, p.Position != nil && *p.Position >= 0 && *p.Position < n
}

func at(pos int) *cursorPos { return &cursorPos{Position: &pos} }

// envelope is Harvest's paging metadata around a list. Field order is
// Harvest's.
type envelope struct {
	PerPage      int   `json:"per_page"`
	TotalPages   int   `json:"total_pages"`
	TotalEntries int   `json:"total_entries"`
	NextPage     *int  `json:"next_page"`
	PreviousPage *int  `json:"previous_page"`
	Page         *int  `json:"page"`
	Links        links `json:"links"`
}

type links struct {
	First    string  `json:"first"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Last     string  `json:"last"`
}

func (h *handler) list(w http.ResponseWriter, r *http.Request, l *listing) {
	q := r.URL.Query()
	perPage := maxPerPage
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPerPage {
			writeMessage(w, http.StatusUnprocessableEntity, fmt.Sprintf("per_page must be a number between 1 and %d", maxPerPage))
			return
		}
		perPage = n
	}
	since := int64(noTime)
	if v := q.Get("updated_since"); v != "" {
		t, ok := parseSince(v)
		if !ok {
			writeMessage(w, http.StatusUnprocessableEntity, "updated_since must be an ISO 8601 date and time, e.g. 2017-06-26T21:02:12Z")
			return
		}
		since = t.UnixMicro()
	}

	var got []int
	var hasNext, hasPrev bool
	env := envelope{PerPage: perPage}
	total := l.count(since)
	env.TotalEntries = total
	env.TotalPages = (total + perPage - 1) / perPage
	pageNo := 1
	byCursor := false

	// cursor takes precedence over page, as Harvest documents.
	if v := q.Get("cursor"); v != "" {
		c, ok := decodeCursor(v, len(l.records))
		if !ok {
			writeMessage(w, http.StatusUnprocessableEntity, "cursor is not valid; use the links of a previous response")
			return
		}
		byCursor = true
		if c.After != nil {
			got = l.forward(*c.After.Position+1, perPage, since)
			hasNext, hasPrev = len(got) > perPage, true
			got = got[:min(len(got), perPage)]
		} else {
			got = l.backward(*c.Before.Position, perPage, since)
			hasNext, hasPrev = true, len(got) > perPage
			got = got[:min(len(got), perPage)]
			for i, j := 0, len(got)-1; i < j; i, j = i+1, j-1 {
				got[i], got[j] = got[j], got[i]
			}
		}
		// With cursor paging Harvest gives page numbers on the first and
		// last pages only.
		switch {
		case !hasNext:
			env.Page = intPtr(max(env.TotalPages, 1))
			if env.TotalPages > 1 {
				env.PreviousPage = intPtr(env.TotalPages - 1)
			}
		case !hasPrev:
			env.Page = intPtr(1)
			env.NextPage = intPtr(2)
		}
	} else {
		if v := q.Get("page"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				writeMessage(w, http.StatusUnprocessableEntity, "page must be a number of 1 or more")
				return
			}
			pageNo = n
		}
		got = l.forward(l.skip((pageNo-1)*perPage, since), perPage, since)
		hasNext, hasPrev = len(got) > perPage, pageNo > 1
		got = got[:min(len(got), perPage)]
		env.Page = intPtr(pageNo)
		if hasNext {
			env.NextPage = intPtr(pageNo + 1)
		}
		if hasPrev {
			env.PreviousPage = intPtr(pageNo - 1)
		}
	}

	base := pageBase(r)
	env.Links.First = link(base, q, perPage, "page", "1", "first")
	env.Links.Last = link(base, q, perPage, "page", strconv.Itoa(max(env.TotalPages, 1)), "last")
	if hasNext && len(got) > 0 {
		s := link(base, q, perPage, "cursor", encodeCursor(pageCursor{After: at(got[len(got)-1])}), "next_cursor")
		env.Links.Next = &s
	}
	if hasPrev {
		var s string
		switch {
		case !byCursor:
			s = link(base, q, perPage, "page", strconv.Itoa(pageNo-1), "previous")
		case len(got) > 0:
			s = link(base, q, perPage, "cursor", encodeCursor(pageCursor{Before: at(got[0])}), "previous_cursor")
		}
		if s != "" {
			env.Links.Previous = &s
		}
	}

	var body bytes.Buffer
	body.WriteString(`{"`)
	body.WriteString(l.name)
	body.WriteString(`":[`)
	for i, pos := range got {
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(l.records[pos])
	}
	body.WriteString("],")
	meta := encodeJSON(env)
	body.Write(meta[1:]) // the metadata's fields, after the list
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body.Bytes())
}

// parseSince reads updated_since: an ISO 8601 date and time with a zone,
// or a bare date (midnight UTC).
func parseSince(v string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// pageBase is the absolute URL of the requested list, built from the
// request's Host as Harvest builds its links from its own address.
func pageBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.Path
}

// link keeps the request's filters and sets the paging parameters.
func link(base string, q url.Values, perPage int, key, value, ref string) string {
	v := url.Values{}
	for k, vals := range q {
		switch k {
		case "page", "cursor", "ref", "per_page":
			continue
		}
		v[k] = vals
	}
	v.Set(key, value)
	v.Set("per_page", strconv.Itoa(perPage))
	v.Set("ref", ref)
	return base + "?" + v.Encode()
}

func intPtr(n int) *int { return &n }

func encodeJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // links keep their & as Harvest sends them
	_ = enc.Encode(v)        // plain structs always encode
	return bytes.TrimRight(b.Bytes(), "\n")
}

// writeError answers with the {"status","error"} body Harvest's API gives
// for errors that are not about a request's content.
func writeError(w http.ResponseWriter, status int) {
	writeJSON(w, status, fmt.Sprintf(`{"status":%d,"error":%q}`, status, http.StatusText(status)))
}

// writeMessage answers with the {"message"} body Harvest gives for a
// request it cannot process (422).
func writeMessage(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, string(encodeJSON(map[string]string{"message": msg})))
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
