package xerotest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Paths the emulator serves, on one host: the identity server's token
// endpoint and the Accounting API's list endpoints below APIPrefix
// (Contacts, Invoices, CreditNotes, Payments).
const (
	TokenPath = "/connect/token"
	APIPrefix = "/api.xro/2.0/"
)

// Credentials the emulator accepts when Options leaves them empty.
const (
	DefaultClientID     = "takt-sandbox-client"
	DefaultClientSecret = "takt-sandbox-secret"
	DefaultTenantID     = "8a5e0f5c-2d7b-4b19-9c1e-3f6d4a2b7e10"
)

// Xero's documented limits.
const (
	// DefaultTokenLifetime is the lifetime of a custom connection's access
	// token (expires_in 1800).
	DefaultTokenLifetime = 30 * time.Minute
	// DefaultPageSize is the page size without pageSize; MaxPageSize is the
	// largest pageSize honoured (larger ones are cut to it).
	DefaultPageSize = 100
	MaxPageSize     = 1000
	// Per-tenant call limits reported in X-MinLimit-Remaining and
	// X-DayLimit-Remaining, and the per-app limit in
	// X-AppMinLimit-Remaining.
	MinuteLimit    = 60
	DayLimit       = 5000
	AppMinuteLimit = 10000
)

// grantedScopes are the scopes of the emulated custom connection.
var grantedScopes = []string{"accounting.contacts.read", "accounting.settings.read", "accounting.transactions.read"}

// Options configure the emulator.
type Options struct {
	// ClientID and ClientSecret are the custom connection's credentials;
	// defaults DefaultClientID and DefaultClientSecret.
	ClientID     string
	ClientSecret string
	// TenantID is the one organisation connected; default DefaultTenantID.
	TenantID string
	// TokenLifetime is how long an access token is valid; default
	// DefaultTokenLifetime. expires_in reports it in whole seconds.
	TokenLifetime time.Duration
	// RateLimitEvery makes every Nth API call (N, 2N, ...) answer 429 with
	// Retry-After and X-Rate-Limit-Problem: minute; 0 never does. Token
	// requests do not count.
	RateLimitEvery int
	// RetryAfterSeconds is the Retry-After of those answers; default 1.
	RetryAfterSeconds int
	// ServerErrorEvery makes every Nth API call (N, 2N, ...) answer 503
	// Service Unavailable, as during an outage; 0 never does. A call that
	// is also due a 429 gets the 429.
	ServerErrorEvery int
	// Now is the emulator's clock (token expiry, limit windows,
	// DateTimeUTC); default time.Now.
	Now func() time.Time
}

// collectionDef names a served collection and its id field.
type collectionDef struct {
	name, idKey string
}

var collectionDefs = []collectionDef{
	{"Contacts", "ContactID"},
	{"Invoices", "InvoiceID"},
	{"CreditNotes", "CreditNoteID"},
	{"Payments", "PaymentID"},
}

// collection is one served collection, indexed once at construction so a
// page request costs O(page) plus a binary search.
type collection struct {
	name    string
	records []json.RawMessage
	// summary holds the records as the API returns them without page:
	// Invoices with LineItems emptied; nil for other collections.
	summary []json.RawMessage
	// updated is each record's UpdatedDateUTC in ms; records whose date
	// cannot be read get math.MinInt64 (served unfiltered, never after a
	// filter).
	updated []int64
	// byUpdated lists record positions in UpdatedDateUTC order (ties by
	// id, then position); updatedSorted is updated in that order.
	byUpdated     []int
	updatedSorted []int64
}

func newCollection(def collectionDef, records []json.RawMessage) *collection {
	c := &collection{name: def.name, records: records, updated: make([]int64, len(records))}
	ids := make([]string, len(records))
	for i, raw := range records {
		ids[i], c.updated[i] = recordMeta(raw, def.idKey)
	}
	c.byUpdated = make([]int, len(records))
	for i := range c.byUpdated {
		c.byUpdated[i] = i
	}
	sort.SliceStable(c.byUpdated, func(a, b int) bool {
		ia, ib := c.byUpdated[a], c.byUpdated[b]
		if c.updated[ia] != c.updated[ib] {
			return c.updated[ia] < c.updated[ib]
		}
		return ids[ia] < ids[ib]
	})
	c.updatedSorted = make([]int64, len(records))
	for i, pos := range c.byUpdated {
		c.updatedSorted[i] = c.updated[pos]
	}
	if def.name == "Invoices" {
		c.summary = make([]json.RawMessage, len(records))
		for i, raw := range records {
			c.summary[i] = emptyLineItems(raw)
		}
	}
	return c
}

var msDateRe = regexp.MustCompile(`^/Date\((-?[0-9]{1,15})([+-][0-9]{4})?\)/$`)

// recordMeta reads a record's id and UpdatedDateUTC (ms).
func recordMeta(raw json.RawMessage, idKey string) (string, int64) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return "", math.MinInt64
	}
	var id, upd string
	_ = json.Unmarshal(m[idKey], &id)
	_ = json.Unmarshal(m["UpdatedDateUTC"], &upd)
	ms, ok := parseMSDate(upd)
	if !ok {
		return id, math.MinInt64
	}
	return id, ms
}

func parseMSDate(s string) (int64, bool) {
	sm := msDateRe.FindStringSubmatch(s)
	if sm == nil {
		return 0, false
	}
	ms, err := strconv.ParseInt(sm[1], 10, 64)
	return ms, err == nil
}

// emptyLineItems returns raw with the value of its top-level LineItems
// replaced by [], every other byte kept.
func emptyLineItems(raw json.RawMessage) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return raw
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return raw
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return raw
		}
		if key, _ := t.(string); key == "LineItems" {
			end := int(dec.InputOffset())
			start := end - len(v)
			out := make([]byte, 0, len(raw)-len(v)+2)
			out = append(out, raw[:start]...)
			out = append(out, "[]"...)
			return append(out, raw[end:]...)
		}
	}
	return raw
}

// handler is the emulator.
type handler struct {
	opts Options
	// collections holds the served collections by lower-case name; tests
	// swap in a changed dataset between runs.
	collections atomic.Pointer[map[string]*collection]

	requests     atomic.Int64
	apiCalls     atomic.Int64
	tokensIssued atomic.Int64
	unauthorized atomic.Int64

	mu           sync.Mutex
	tokens       map[string]time.Time // access token -> expiry
	minuteWindow int64
	minuteCalls  int
	dayWindow    int64
	dayCalls     int
}

// NewHandler returns the emulator for data as an http.Handler, for takt
// sandbox to serve on a fixed port. It serves Contacts, Invoices,
// CreditNotes and Payments (a collection missing from data is served empty,
// other keys of data are ignored), records byte for byte as they are in
// data. Records are indexed by UpdatedDateUTC here, once: a page in that
// order costs a binary search plus the page; If-Modified-Since without
// that order scans the update times (no JSON) of the collection.
func NewHandler(data Dataset, opts Options) http.Handler { return newHandler(data, opts) }

func newHandler(data Dataset, opts Options) *handler {
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = DefaultClientSecret
	}
	if opts.TenantID == "" {
		opts.TenantID = DefaultTenantID
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = DefaultTokenLifetime
	}
	if opts.RetryAfterSeconds <= 0 {
		opts.RetryAfterSeconds = 1
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &handler{opts: opts, tokens: map[string]time.Time{}}
	h.setData(data)
	return h
}

// setData indexes data and serves it from the next call on.
func (h *handler) setData(data Dataset) {
	colls := map[string]*collection{}
	for _, def := range collectionDefs {
		colls[strings.ToLower(def.name)] = newCollection(def, data[def.name])
	}
	h.collections.Store(&colls)
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.requests.Add(1)
	switch {
	case r.URL.Path == TokenPath:
		h.serveToken(w, r)
	case strings.HasPrefix(strings.ToLower(r.URL.Path), APIPrefix):
		h.serveAPI(w, r)
	default:
		notFound(w)
	}
}

func notFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte("The resource you're looking for cannot be found"))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// serveToken is the identity server's client-credentials grant: client
// authentication by HTTP Basic (or client_id/client_secret in the form),
// errors as OAuth2 error bodies with 400.
func (h *handler) serveToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request"})
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != h.opts.ClientID || secret != h.opts.ClientSecret {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_client"})
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	scope := strings.Join(grantedScopes, " ")
	if asked := strings.Fields(r.PostForm.Get("scope")); len(asked) > 0 {
		for _, s := range asked {
			if !granted(s) {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_scope"})
				return
			}
		}
		scope = strings.Join(asked, " ")
	}
	token := randomHex(32)
	h.mu.Lock()
	h.tokens[token] = h.opts.Now().Add(h.opts.TokenLifetime)
	h.mu.Unlock()
	h.tokensIssued.Add(1)
	writeJSON(w, http.StatusOK, struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		TokenType   string `json:"token_type"`
		Scope       string `json:"scope"`
	}{token, int64(h.opts.TokenLifetime / time.Second), "Bearer", scope})
}

func granted(scope string) bool {
	for _, g := range grantedScopes {
		if g == scope {
			return true
		}
	}
	return false
}

// problem is the body of the API's 401 and 403 answers.
type problem struct {
	Type       *string        `json:"Type"`
	Title      string         `json:"Title"`
	Status     int            `json:"Status"`
	Detail     string         `json:"Detail"`
	Instance   string         `json:"Instance"`
	Extensions map[string]any `json:"Extensions"`
}

func writeProblem(w http.ResponseWriter, status int, detail string) {
	writeJSON(w, status, problem{
		Title: http.StatusText(status), Status: status, Detail: detail,
		Instance: newUUID(), Extensions: map[string]any{},
	})
}

// apiError is the Accounting API's error body for a bad request.
type apiError struct {
	ErrorNumber int    `json:"ErrorNumber"`
	Type        string `json:"Type"`
	Message     string `json:"Message"`
}

func writeValidation(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusBadRequest, apiError{ErrorNumber: 10, Type: "ValidationException", Message: msg})
}

func (h *handler) serveAPI(w http.ResponseWriter, r *http.Request) {
	c := (*h.collections.Load())[strings.ToLower(strings.TrimPrefix(strings.ToLower(r.URL.Path), APIPrefix))]
	if c == nil {
		notFound(w)
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "the emulator serves the list endpoints read-only", http.StatusMethodNotAllowed)
		return
	}
	now := h.opts.Now()
	if detail, ok := h.checkToken(r, now); !ok {
		h.unauthorized.Add(1)
		writeProblem(w, http.StatusUnauthorized, detail)
		return
	}
	if !strings.EqualFold(r.Header.Get("xero-tenant-id"), h.opts.TenantID) {
		writeProblem(w, http.StatusForbidden, "AuthenticationUnsuccessful")
		return
	}
	n := h.apiCalls.Add(1)
	h.countCall(w, now)
	if h.opts.RateLimitEvery > 0 && n%int64(h.opts.RateLimitEvery) == 0 {
		w.Header().Set("Retry-After", strconv.Itoa(h.opts.RetryAfterSeconds))
		w.Header().Set("X-Rate-Limit-Problem", "minute")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	if h.opts.ServerErrorEvery > 0 && n%int64(h.opts.ServerErrorEvery) == 0 {
		writeProblem(w, http.StatusServiceUnavailable, "ServiceUnavailable")
		return
	}
	if !acceptsJSON(r.Header.Get("Accept")) {
		http.Error(w, "the emulator answers JSON only; send Accept: application/json", http.StatusNotAcceptable)
		return
	}
	h.serveList(w, r, c, now)
}

// checkToken validates the bearer token; detail is the 401 body's Detail.
func (h *handler) checkToken(r *http.Request, now time.Time) (detail string, ok bool) {
	auth := r.Header.Get("Authorization")
	tok, found := strings.CutPrefix(auth, "Bearer ")
	if !found || tok == "" {
		return "AuthenticationUnsuccessful", false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	expiry, known := h.tokens[tok]
	switch {
	case !known:
		return "AuthenticationUnsuccessful", false
	case !now.Before(expiry):
		delete(h.tokens, tok)
		return "TokenExpired: token expired at " + expiry.UTC().Format("01/02/2006 15:04:05"), false
	}
	return "", true
}

// countCall counts an API call in the tenant's minute and day windows and
// reports what is left, as Xero does on every answer.
func (h *handler) countCall(w http.ResponseWriter, now time.Time) {
	h.mu.Lock()
	minute, day := now.Unix()/60, now.Unix()/86400
	if minute != h.minuteWindow {
		h.minuteWindow, h.minuteCalls = minute, 0
	}
	if day != h.dayWindow {
		h.dayWindow, h.dayCalls = day, 0
	}
	h.minuteCalls++
	h.dayCalls++
	m, d := h.minuteCalls, h.dayCalls
	h.mu.Unlock()
	w.Header().Set("X-MinLimit-Remaining", strconv.Itoa(max(0, MinuteLimit-m)))
	w.Header().Set("X-DayLimit-Remaining", strconv.Itoa(max(0, DayLimit-d)))
	w.Header().Set("X-AppMinLimit-Remaining", strconv.Itoa(max(0, AppMinuteLimit-m)))
}

func acceptsJSON(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if mt == "application/json" || mt == "application/*" || mt == "*/*" {
			return true
		}
	}
	return false
}

// sinceLayouts are the If-Modified-Since forms accepted: Xero's documented
// UTC "yyyy-mm-ddThh:mm:ss", with fractions and an offset as in the spec's
// example, and the HTTP date format.
var sinceLayouts = []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", http.TimeFormat}

func parseSince(v string) (time.Time, bool) {
	for _, layout := range sinceLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// serveList answers a list call: If-Modified-Since keeps records updated
// strictly after it; order "UpdatedDateUTC [ASC|DESC]" sorts by update time
// (any other order is served in the dataset's order); page (1-based) with
// pageSize pages and adds pagination; without page every record comes, and
// Invoices come without their line items, as Xero does.
func (h *handler) serveList(w http.ResponseWriter, r *http.Request, c *collection, now time.Time) {
	q := r.URL.Query()
	filtered := false
	var sinceMs int64
	if v := r.Header.Get("If-Modified-Since"); v != "" {
		t, ok := parseSince(v)
		if !ok {
			writeValidation(w, fmt.Sprintf("If-Modified-Since %q is not a timestamp like 2009-11-12T00:00:00", v))
			return
		}
		filtered, sinceMs = true, t.UnixMilli()
	}
	paged := q.Has("page")
	page, pageSize := 1, DefaultPageSize
	if paged {
		p, err := strconv.Atoi(q.Get("page"))
		if err != nil || p < 1 {
			writeValidation(w, fmt.Sprintf("page %q is not a page number (1, 2, ...)", q.Get("page")))
			return
		}
		page = p
		if v := q.Get("pageSize"); v != "" {
			s, err := strconv.Atoi(v)
			if err != nil || s < 1 {
				writeValidation(w, fmt.Sprintf("pageSize %q is not a positive number", v))
				return
			}
			pageSize = min(s, MaxPageSize)
		}
	}

	// at(i) is the position in c.records of the i-th record of the answer.
	var count int
	var at func(i int) int
	byUpdated, desc := parseOrder(q.Get("order"))
	switch {
	case byUpdated:
		start := 0
		if filtered {
			start = sort.Search(len(c.updatedSorted), func(i int) bool { return c.updatedSorted[i] > sinceMs })
		}
		count = len(c.byUpdated) - start
		if desc {
			at = func(i int) int { return c.byUpdated[len(c.byUpdated)-1-i] }
		} else {
			at = func(i int) int { return c.byUpdated[start+i] }
		}
	case filtered:
		var keep []int
		for i, u := range c.updated {
			if u > sinceMs {
				keep = append(keep, i)
			}
		}
		count = len(keep)
		at = func(i int) int { return keep[i] }
	default:
		count = len(c.records)
		at = func(i int) int { return i }
	}

	from, to := 0, count
	records := c.records
	if paged {
		from = min((page-1)*pageSize, count)
		to = min(from+pageSize, count)
	} else if c.summary != nil {
		records = c.summary
	}

	var buf bytes.Buffer
	buf.WriteString(`{"Id":"` + newUUID() + `","Status":"OK","ProviderName":"takt sandbox","DateTimeUTC":"\/Date(` +
		strconv.FormatInt(now.UnixMilli(), 10) + `)\/",`)
	if paged {
		pageCount := (count + pageSize - 1) / pageSize
		fmt.Fprintf(&buf, `"pagination":{"page":%d,"pageSize":%d,"pageCount":%d,"itemCount":%d},`, page, pageSize, pageCount, count)
	}
	buf.WriteString(`"` + c.name + `":[`)
	for i := from; i < to; i++ {
		if i > from {
			buf.WriteByte(',')
		}
		buf.Write(records[at(i)])
	}
	buf.WriteString("]}")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// parseOrder reads an order parameter such as "UpdatedDateUTC ASC".
func parseOrder(v string) (byUpdated, desc bool) {
	f := strings.Fields(strings.ReplaceAll(v, ",", " "))
	if len(f) == 0 || !strings.EqualFold(f[0], "UpdatedDateUTC") {
		return false, false
	}
	return true, len(f) > 1 && strings.EqualFold(f[1], "DESC")
}

// revokeTokens forgets every token issued so far.
func (h *handler) revokeTokens() {
	h.mu.Lock()
	defer h.mu.Unlock()
	clear(h.tokens)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Server is the emulator listening on 127.0.0.1 on a free port.
type Server struct {
	// URL is the base address ("http://127.0.0.1:port") for both the API
	// (Config.BaseURL) and the token endpoint (URL + TokenPath).
	URL string

	h   *handler
	srv *httptest.Server
}

// NewServer starts the emulator for data. Close it when done.
func NewServer(data Dataset, opts Options) *Server {
	h := newHandler(data, opts)
	srv := httptest.NewServer(h)
	return &Server{URL: srv.URL, h: h, srv: srv}
}

// TokenURL is the address of the token endpoint.
func (s *Server) TokenURL() string { return s.URL + TokenPath }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Requests is the number of requests received, token requests included.
func (s *Server) Requests() int64 { return s.h.requests.Load() }

// APICalls is the number of authorised API calls (429 answers included).
func (s *Server) APICalls() int64 { return s.h.apiCalls.Load() }

// TokensIssued is the number of access tokens handed out.
func (s *Server) TokensIssued() int64 { return s.h.tokensIssued.Load() }

// Unauthorized is the number of API calls answered 401.
func (s *Server) Unauthorized() int64 { return s.h.unauthorized.Load() }

// Replace serves data instead of the current dataset from the next call
// on, as if the organisation had changed between two runs.
func (s *Server) Replace(data Dataset) { s.h.setData(data) }

// RevokeTokens invalidates every access token issued so far, as when a
// custom connection is disconnected and reconnected: the next API call
// with one of them is answered 401.
func (s *Server) RevokeTokens() { s.h.revokeTokens() }
