package hubspottest

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Options configure the emulator.
type Options struct {
	// Token is the private app access token the server accepts in
	// "Authorization: Bearer <token>". If empty, any non-empty bearer token
	// is accepted (takt sandbox without a configured secret); a request
	// without one is still refused.
	Token string
	// RateLimitEvery makes every Nth request (N, 2N, ...) answer 429 with
	// HubSpot's rate-limit body and headers; 0 means never.
	RateLimitEvery int
	// RetryAfterSeconds is the Retry-After of a 429; 0 means 1.
	RetryAfterSeconds int
	// SearchResultLimit is how far a search can page: a search request
	// whose after is at or beyond it answers 400, as HubSpot does past
	// 10,000 results. 0 means 10,000.
	SearchResultLimit int
	// ServerErrorEvery makes every Nth request (N, 2N, ...) answer 502
	// Bad Gateway, as during an outage; 0 never does. A request that is
	// also due a 429 gets the 429.
	ServerErrorEvery int
}

// HubSpot's documented page size limits.
const (
	listMaxLimit       = 100
	listDefaultLimit   = 10
	searchMaxLimit     = 200
	searchDefaultLimit = 10
	batchReadMaxInputs = 1000
	searchResultLimit  = 10000
)

// Rate-limit headers as recorded from HubSpot (deals_list.headers.json).
const (
	rateIntervalMillis = 10000
	rateMax            = 110
	rateSecondly       = 11
)

type handler struct {
	// data is the parsed dataset; tests swap in a changed one between
	// runs.
	data     atomic.Pointer[parsed]
	opts     Options
	mux      *http.ServeMux
	requests atomic.Int64
}

// parsed is a dataset as the handler serves it, or why it cannot.
type parsed struct {
	st  *store
	err error
}

// NewHandler returns an http.Handler that speaks HubSpot's CRM API for
// data: GET /crm/v3/objects/{type} (limit, after, properties, associations,
// archived), POST /crm/v3/objects/{type}/search (filters on
// hs_lastmodifieddate with GTE, GT, LTE, LT; sort by hs_lastmodifieddate)
// and POST /crm/v4/associations/{from}/{to}/batch/read. The dataset is
// parsed and sorted once here (a Server can swap in another one between
// runs with Replace); a dataset the emulator cannot parse makes every
// request answer 500 with the reason. Archived objects are served only by
// the list endpoint with archived=true, as HubSpot does.
func NewHandler(data Dataset, opts Options) http.Handler {
	return newHandler(data, opts)
}

func newHandler(data Dataset, opts Options) *handler {
	if opts.RetryAfterSeconds <= 0 {
		opts.RetryAfterSeconds = 1
	}
	if opts.SearchResultLimit <= 0 {
		opts.SearchResultLimit = searchResultLimit
	}
	h := &handler{opts: opts, mux: http.NewServeMux()}
	h.setData(data)
	h.mux.HandleFunc("GET /crm/v3/objects/{type}", h.list)
	h.mux.HandleFunc("POST /crm/v3/objects/{type}/search", h.search)
	h.mux.HandleFunc("POST /crm/v4/associations/{from}/{to}/batch/read", h.batchReadAssociations)
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "", "Resource not found")
	})
	return h
}

// setData parses data and serves it from the next request on.
func (h *handler) setData(data Dataset) {
	st, err := newStore(data)
	h.data.Store(&parsed{st: st, err: err})
}

// store is the dataset being served.
func (h *handler) store() *store { return h.data.Load().st }

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := h.requests.Add(1)
	if err := h.data.Load().err; err != nil {
		writeError(w, http.StatusInternalServerError, "", "hubspottest: "+err.Error())
		return
	}
	if !h.authorized(r) {
		w.Header().Set("X-HubSpot-Auth-Failure", "401 Unauthorized")
		writeError(w, http.StatusUnauthorized, "INVALID_AUTHENTICATION",
			"Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview")
		return
	}
	every := int64(h.opts.RateLimitEvery)
	if every > 0 && n%every == 0 {
		h.rateLimited(w)
		return
	}
	if e := int64(h.opts.ServerErrorEvery); e > 0 && n%e == 0 {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html><body><h1>502 Bad Gateway</h1></body></html>"))
		return
	}
	// The search endpoints do not send the rate-limit headers
	// (deals_search.headers.json has none); the others do.
	if !strings.HasSuffix(r.URL.Path, "/search") {
		remaining := rateMax - 1
		if every > 0 {
			remaining = int(every - 1 - n%every)
		}
		hd := w.Header()
		hd.Set("X-HubSpot-RateLimit-Interval-Milliseconds", strconv.Itoa(rateIntervalMillis))
		hd.Set("X-HubSpot-RateLimit-Max", strconv.Itoa(rateMax))
		hd.Set("X-HubSpot-RateLimit-Remaining", strconv.Itoa(min(remaining, rateMax-1)))
		hd.Set("X-HubSpot-RateLimit-Secondly", strconv.Itoa(rateSecondly))
		hd.Set("X-HubSpot-RateLimit-Secondly-Remaining", strconv.Itoa(min(remaining, rateSecondly-1)))
	}
	h.mux.ServeHTTP(w, r)
}

func (h *handler) authorized(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	token = strings.TrimSpace(token)
	if !ok || token == "" {
		return false
	}
	return h.opts.Token == "" || token == h.opts.Token
}

func (h *handler) rateLimited(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Retry-After", strconv.Itoa(h.opts.RetryAfterSeconds))
	hd.Set("X-HubSpot-RateLimit-Interval-Milliseconds", strconv.Itoa(rateIntervalMillis))
	hd.Set("X-HubSpot-RateLimit-Max", strconv.Itoa(rateMax))
	hd.Set("X-HubSpot-RateLimit-Remaining", "0")
	hd.Set("X-HubSpot-RateLimit-Secondly", strconv.Itoa(rateSecondly))
	hd.Set("X-HubSpot-RateLimit-Secondly-Remaining", "0")
	id := correlationID()
	hd.Set("X-HubSpot-Correlation-Id", id)
	writeJSON(w, http.StatusTooManyRequests, map[string]string{
		"status":        "error",
		"message":       "You have reached your ten_secondly_rolling limit.",
		"errorType":     "RATE_LIMIT",
		"correlationId": id,
		"policyName":    "TEN_SECONDLY_ROLLING",
	})
}

// list serves GET /crm/v3/objects/{type}: objects by id, limit at most 100,
// paging.next {after, link} while more exist and no paging on the last page.
func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	t, ok := lookupType(r.PathValue("type"))
	if !ok {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Unable to infer object type from: "+r.PathValue("type"))
		return
	}
	q := r.URL.Query()
	limit := listDefaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > listMaxLimit {
			writeError(w, http.StatusBadRequest, "VALIDATION_ERROR",
				fmt.Sprintf("limit must be an integer between 1 and %d, got %q", listMaxLimit, v))
			return
		}
		limit = n
	}
	var objs []*object
	if c := h.store().types[t.name]; c != nil {
		objs = c.active
		if q.Get("archived") == "true" {
			objs = c.archived
		}
	}
	start := 0
	if after := q.Get("after"); after != "" {
		if _, err := strconv.ParseUint(after, 10, 64); err != nil {
			writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "There was a problem with the request.")
			return
		}
		start = sort.Search(len(objs), func(i int) bool { return !idLess(objs[i].id, after) })
	}
	end := min(start+limit, len(objs))
	props := selection(q["properties"])
	assocTypes := splitList(q["associations"])

	var buf bytes.Buffer
	buf.WriteString(`{"results":[`)
	for i, o := range objs[start:end] {
		if i > 0 {
			buf.WriteByte(',')
		}
		h.store().render(&buf, t.name, o, props, assocTypes)
	}
	buf.WriteByte(']')
	if end < len(objs) {
		next := objs[end].id
		link := *r.URL
		link.Scheme, link.Host = "http", r.Host
		lq := link.Query()
		lq.Set("after", next)
		link.RawQuery = lq.Encode()
		nj, _ := json.Marshal(next)
		lj, _ := json.Marshal(link.String())
		fmt.Fprintf(&buf, `,"paging":{"next":{"after":%s,"link":%s}}`, nj, lj)
	}
	buf.WriteByte('}')
	writeRaw(w, http.StatusOK, buf.Bytes())
}

// searchRequest is the body of POST /crm/v3/objects/{type}/search.
type searchRequest struct {
	FilterGroups []struct {
		Filters []struct {
			PropertyName string          `json:"propertyName"`
			Operator     string          `json:"operator"`
			Value        json.RawMessage `json:"value"`
		} `json:"filters"`
	} `json:"filterGroups"`
	Sorts      []json.RawMessage `json:"sorts"`
	Properties []string          `json:"properties"`
	Limit      json.Number       `json:"limit"`
	After      json.RawMessage   `json:"after"`
	Query      string            `json:"query"`
}

// span is a range [lo, hi) of a collection's search index.
type span struct{ lo, hi int }

// search serves POST /crm/v3/objects/{type}/search: {total, results,
// paging.next.after} with after an offset and no link.
func (h *handler) search(w http.ResponseWriter, r *http.Request) {
	t, ok := lookupType(r.PathValue("type"))
	if !ok {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Unable to infer object type from: "+r.PathValue("type"))
		return
	}
	var req searchRequest
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON: "+err.Error())
		return
	}
	limit := searchDefaultLimit
	if req.Limit != "" {
		n, err := strconv.Atoi(req.Limit.String())
		if err != nil || n < 0 || n > searchMaxLimit {
			writeError(w, http.StatusBadRequest, "VALIDATION_ERROR",
				fmt.Sprintf("limit must be an integer between 0 and %d, got %s", searchMaxLimit, req.Limit))
			return
		}
		limit = n
	}
	after, err := offset(req.After)
	if err != nil {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "There was a problem with the request.")
		return
	}
	if after >= h.opts.SearchResultLimit {
		// HubSpot stops a search at 10,000 results.
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "There was a problem with the request.")
		return
	}
	if req.Query != "" {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "hubspottest supports no full-text query, only filters on hs_lastmodifieddate")
		return
	}
	descending := false
	for _, s := range req.Sorts {
		var so struct {
			PropertyName string `json:"propertyName"`
			Direction    string `json:"direction"`
		}
		if err := json.Unmarshal(s, &so); err != nil || so.PropertyName != "hs_lastmodifieddate" {
			writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "hubspottest sorts by hs_lastmodifieddate only")
			return
		}
		descending = so.Direction == "DESCENDING"
	}
	var index []*object
	if c := h.store().types[t.name]; c != nil {
		index = c.byTS
	}
	spans, msg := filterSpans(index, req)
	if msg != "" {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", msg)
		return
	}
	total := 0
	for _, s := range spans {
		total += s.hi - s.lo
	}
	end := min(after+limit, total, h.opts.SearchResultLimit)

	var props map[string]bool
	if req.Properties != nil {
		props = map[string]bool{}
		for _, p := range req.Properties {
			props[p] = true
		}
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, `{"total":%d,"results":[`, total)
	for i := after; i < end; i++ {
		if i > after {
			buf.WriteByte(',')
		}
		k := i
		if descending {
			k = total - 1 - i
		}
		h.store().render(&buf, t.name, at(index, spans, k), props, nil)
	}
	buf.WriteByte(']')
	if end < total {
		fmt.Fprintf(&buf, `,"paging":{"next":{"after":"%d"}}`, end)
	}
	buf.WriteByte('}')
	writeRaw(w, http.StatusOK, buf.Bytes())
}

// offset reads a search after: a string or a number, "" meaning 0.
func offset(raw json.RawMessage) (int, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	s := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
		if s == "" {
			return 0, nil
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("after %s is not an offset", raw)
	}
	return n, nil
}

// filterSpans turns the filter groups (OR of ANDs) into merged ranges of
// the (ts, id)-sorted index, so a page costs O(log n + page).
func filterSpans(index []*object, req searchRequest) ([]span, string) {
	if len(req.FilterGroups) == 0 {
		return []span{{0, len(index)}}, ""
	}
	var spans []span
	for _, g := range req.FilterGroups {
		lo, hi := int64(-1<<63), int64(1<<63-1)
		for _, f := range g.Filters {
			if f.PropertyName != "hs_lastmodifieddate" {
				return nil, "hubspottest filters on hs_lastmodifieddate only, not " + f.PropertyName
			}
			v, err := filterMillis(f.Value)
			if err != nil {
				return nil, fmt.Sprintf("%s is not a valid value for hs_lastmodifieddate: use epoch milliseconds", f.Value)
			}
			switch f.Operator {
			case "GTE":
				lo = max(lo, v)
			case "GT":
				lo = max(lo, v+1)
			case "LTE":
				hi = min(hi, v)
			case "LT":
				hi = min(hi, v-1)
			default:
				return nil, "hubspottest supports the operators GTE, GT, LTE and LT, not " + f.Operator
			}
		}
		s := span{
			lo: sort.Search(len(index), func(i int) bool { return index[i].ts >= lo }),
			hi: sort.Search(len(index), func(i int) bool { return index[i].ts > hi }),
		}
		if s.lo < s.hi {
			spans = append(spans, s)
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].lo < spans[j].lo })
	var merged []span
	for _, s := range spans {
		if n := len(merged); n > 0 && s.lo <= merged[n-1].hi {
			merged[n-1].hi = max(merged[n-1].hi, s.hi)
			continue
		}
		merged = append(merged, s)
	}
	return merged, ""
}

// filterMillis reads a date filter value: epoch milliseconds (string or
// number, as HubSpot documents) or an ISO-8601 timestamp.
func filterMillis(raw json.RawMessage) (int64, error) {
	s := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, err
	}
	return t.UnixMilli(), nil
}

// at returns the k-th object of the filtered result.
func at(index []*object, spans []span, k int) *object {
	for _, s := range spans {
		if n := s.hi - s.lo; k >= n {
			k -= n
			continue
		}
		return index[s.lo+k]
	}
	return nil
}

// associationTypeIDs are HubSpot-defined association type ids (v4), for
// the association type names the list endpoint uses.
var associationTypeIDs = map[string]struct {
	id    int
	label string
}{
	"deal_to_company":              {5, "Primary"},
	"company_to_deal":              {6, "Primary"},
	"deal_to_company_unlabeled":    {341, ""},
	"company_to_deal_unlabeled":    {342, ""},
	"deal_to_line_item":            {19, ""},
	"line_item_to_deal":            {20, ""},
	"deal_to_contact":              {3, ""},
	"contact_to_deal":              {4, ""},
	"contact_to_company":           {1, "Primary"},
	"company_to_contact":           {2, "Primary"},
	"contact_to_company_unlabeled": {279, ""},
	"company_to_contact_unlabeled": {280, ""},
}

// batchReadAssociations serves POST
// /crm/v4/associations/{from}/{to}/batch/read: one result per input with
// associations, grouped by target (toObjectId a number), and for inputs
// without any a NO_ASSOCIATIONS_FOUND error and status 207.
func (h *handler) batchReadAssociations(w http.ResponseWriter, r *http.Request) {
	started := time.Now().UTC()
	from, ok := lookupType(r.PathValue("from"))
	if !ok {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Unable to infer object type from: "+r.PathValue("from"))
		return
	}
	to, ok := lookupType(r.PathValue("to"))
	if !ok {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Unable to infer object type from: "+r.PathValue("to"))
		return
	}
	var req struct {
		Inputs []struct {
			ID string `json:"id"`
		} `json:"inputs"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON: "+err.Error())
		return
	}
	if len(req.Inputs) > batchReadMaxInputs {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR",
			fmt.Sprintf("Batch input must contain at most %d inputs, got %d", batchReadMaxInputs, len(req.Inputs)))
		return
	}
	var results, errs bytes.Buffer
	nres, nerr := 0, 0
	for _, in := range req.Inputs {
		refs, _ := h.store().associations(from.name, in.ID, to.name)
		if len(refs) == 0 {
			if nerr > 0 {
				errs.WriteByte(',')
			}
			nerr++
			b, _ := json.Marshal(map[string]any{
				"status":      "error",
				"category":    "OBJECT_NOT_FOUND",
				"subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
				"message": fmt.Sprintf("No %s is associated with %s %s.",
					strings.ReplaceAll(to.singular, "_", " "), strings.ReplaceAll(from.singular, "_", " "), in.ID),
				"context": map[string][]string{
					"fromObjectId":   {in.ID},
					"fromObjectType": {from.singular},
					"toObjectType":   {to.singular},
				},
			})
			errs.Write(b)
			continue
		}
		if nres > 0 {
			results.WriteByte(',')
		}
		nres++
		idj, _ := json.Marshal(in.ID)
		fmt.Fprintf(&results, `{"from":{"id":%s},"to":[`, idj)
		// Group by target, in order of first appearance.
		var order []string
		types := map[string][]string{}
		for _, ref := range refs {
			if _, seen := types[ref.id]; !seen {
				order = append(order, ref.id)
			}
			types[ref.id] = append(types[ref.id], ref.typ)
		}
		for i, id := range order {
			if i > 0 {
				results.WriteByte(',')
			}
			results.WriteString(`{"toObjectId":`)
			results.Write(numericID(id))
			results.WriteString(`,"associationTypes":[`)
			for j, typ := range types[id] {
				if j > 0 {
					results.WriteByte(',')
				}
				results.Write(associationType(typ))
			}
			results.WriteString(`]}`)
		}
		results.WriteString(`]}`)
	}
	status := http.StatusOK
	var buf bytes.Buffer
	buf.WriteString(`{"status":"COMPLETE","results":[`)
	buf.Write(results.Bytes())
	buf.WriteByte(']')
	if nerr > 0 {
		status = http.StatusMultiStatus
		fmt.Fprintf(&buf, `,"numErrors":%d,"errors":[`, nerr)
		buf.Write(errs.Bytes())
		buf.WriteByte(']')
	}
	fmt.Fprintf(&buf, `,"startedAt":%q,"completedAt":%q}`,
		started.Format("2006-01-02T15:04:05.000Z"), time.Now().UTC().Format("2006-01-02T15:04:05.000Z"))
	writeRaw(w, status, buf.Bytes())
}

func associationType(name string) []byte {
	t, ok := associationTypeIDs[name]
	category := "HUBSPOT_DEFINED"
	var label any
	if ok && t.label != "" {
		label = t.label
	}
	if !ok {
		// A label the dataset made up: shown as a user-defined label.
		category, label = "USER_DEFINED", name
	}
	b, _ := json.Marshal(struct {
		Category string `json:"category"`
		TypeID   int    `json:"typeId"`
		Label    any    `json:"label"`
	}{category, t.id, label})
	return b
}

// selection reads a properties parameter (repeated or comma-separated);
// nil means none was given.
func selection(values []string) map[string]bool {
	names := splitList(values)
	if names == nil {
		return nil
	}
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func correlationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// writeError writes HubSpot's error body: {status, message, correlationId,
// category}.
func writeError(w http.ResponseWriter, status int, category, message string) {
	id := correlationID()
	w.Header().Set("X-HubSpot-Correlation-Id", id)
	body := struct {
		Status        string `json:"status"`
		Message       string `json:"message"`
		CorrelationID string `json:"correlationId"`
		Category      string `json:"category,omitempty"`
	}{"error", message, id, category}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	if w.Header().Get("X-HubSpot-Correlation-Id") == "" {
		w.Header().Set("X-HubSpot-Correlation-Id", correlationID())
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// Server is the emulator listening on 127.0.0.1.
type Server struct {
	// URL is the base URL to put in the connector's Config.BaseURL.
	URL string
	srv *httptest.Server
	h   *handler
}

// NewServer starts the emulator for data on a free port of 127.0.0.1.
// Close it when done.
func NewServer(data Dataset, opts Options) *Server {
	h := newHandler(data, opts)
	srv := httptest.NewServer(h)
	return &Server{URL: srv.URL, srv: srv, h: h}
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Requests is the number of requests the server has received, refused and
// rate-limited ones included.
func (s *Server) Requests() int64 { return s.h.requests.Load() }

// Replace serves data instead of the current dataset from the next
// request on, as if the portal had changed between two runs (an object
// archived, a deal updated). Paging cursors of earlier answers may point
// elsewhere afterwards.
func (s *Server) Replace(data Dataset) { s.h.setData(data) }
