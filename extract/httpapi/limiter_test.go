package httpapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is the time of a limited client under test: its sleeps move
// the clock instead of waiting.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// limitedClient returns a client with the limiter of l on a fake clock,
// and the list of its waits.
func limitedClient(t *testing.T, l Limits) (*Client, *fakeClock, *[]string) {
	t.Helper()
	lim, err := NewLimiter(l)
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	lim.now = clock.Now
	c := New(nil)
	c.Limiter = lim
	c.rand = func() float64 { return 1 }
	var mu sync.Mutex
	var waits []string
	c.sleep = func(ctx context.Context, d time.Duration) error {
		clock.Advance(d)
		return nil
	}
	c.OnWait = func(reason string, d time.Duration) {
		mu.Lock()
		waits = append(waits, reason+" "+d.String())
		mu.Unlock()
	}
	return c, clock, &waits
}

func doOK(t *testing.T, c *Client, url string) {
	t.Helper()
	resp, err := c.Do(context.Background(), get(url))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// A window without a vendor count never lets more than its requests into
// any period of its length, and paces evenly after the burst.
func TestWindowPacesToTheDocumentedLimit(t *testing.T) {
	var sent []time.Time
	var clock *fakeClock
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent = append(sent, clock.Now())
	}))
	defer srv.Close()
	c, clk, waits := limitedClient(t, Limits{Vendor: "harvest", Windows: []Window{{Name: "15 s", Requests: 100, Per: 15 * time.Second}}})
	clock = clk
	for range 250 {
		doOK(t, c, srv.URL)
	}
	// Burst 10, then (100-10)/15 s = 6 per second: 240 waits of 1/6 s.
	if len(*waits) != 240 || (*waits)[0] != "throttled 166.666666ms" {
		t.Fatalf("waits = %d, first %v; want 240 of 166.666666ms", len(*waits), (*waits)[:1])
	}
	for i := range sent {
		n := 0
		for j := i; j < len(sent) && sent[j].Sub(sent[i]) < 15*time.Second; j++ {
			n++
		}
		if n > 100 {
			t.Fatalf("%d requests within 15 s from request %d, want at most 100", n, i)
		}
	}
	if got := sent[len(sent)-1].Sub(sent[0]); got != 40*time.Second {
		t.Fatalf("250 requests took %s", got)
	}
}

// When the vendor says a window is spent, nothing more goes out until the
// window has passed; when it says fewer are left than the bucket holds,
// the bucket gives up the difference.
func TestVendorCountSlowsDownBeforeA429(t *testing.T) {
	var calls atomic.Int32
	remaining := []string{"3", "0", "59"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		w.Header().Set("X-MinLimit-Remaining", remaining[min(int(n)-1, len(remaining)-1)])
	}))
	defer srv.Close()
	c, clock, waits := limitedClient(t, Limits{Vendor: "xero", Windows: []Window{
		{Name: "minute", Requests: 60, Per: time.Minute, Burst: 60, RemainingHeader: "X-MinLimit-Remaining"},
	}})
	start := clock.Now()
	doOK(t, c, srv.URL) // Xero: 3 left
	doOK(t, c, srv.URL) // Xero: 0 left
	doOK(t, c, srv.URL) // waits out the minute
	if got := clock.Now().Sub(start); got != time.Minute {
		t.Fatalf("three requests took %s, want the one minute the spent window asks", got)
	}
	if strings.Join(*waits, ",") != "throttled 1m0s" {
		t.Fatalf("waits = %v", *waits)
	}
	// 59 left: the bucket (refilled to 60 over the minute) drops to 59.
	if tok := c.Limiter.windows[0].bucket.TokensAt(clock.Now()); tok != 59 {
		t.Fatalf("tokens after the vendor said 59 = %v", tok)
	}
}

// A 429 with Retry-After holds the whole window for exactly that long, not
// for the window's length, and the retry goes out then.
func TestRetryAfterHoldsTheWindow(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "45")
			w.Header().Set("X-HubSpot-RateLimit-Remaining", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Header().Set("X-HubSpot-RateLimit-Remaining", "99")
	}))
	defer srv.Close()
	c, clock, waits := limitedClient(t, Limits{Vendor: "hubspot", Windows: []Window{
		{Name: "10 s", Requests: 100, Per: 10 * time.Second, Burst: 100, RemainingHeader: "X-HubSpot-RateLimit-Remaining"},
	}})
	start := clock.Now()
	doOK(t, c, srv.URL)
	// The client waits MaxDelay (30 s) of the 45 s; the limiter holds the
	// other 15 s.
	if got := clock.Now().Sub(start); got != 45*time.Second {
		t.Fatalf("retry went out after %s, want 45s", got)
	}
	if strings.Join(*waits, ",") != "rate_limited 30s,throttled 15s" || calls.Load() != 2 {
		t.Fatalf("waits = %v, calls = %d", *waits, calls.Load())
	}
}

// A daily budget that is spent fails the request at once, without sending
// it, with a message that says why and what happens next.
func TestSpentDailyBudgetFailsInsteadOfWaitingHours(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("X-DayLimit-Remaining", "0")
	}))
	defer srv.Close()
	c, _, _ := limitedClient(t, Limits{Vendor: "xero", Windows: []Window{
		{Name: "day", Requests: 5000, Per: 24 * time.Hour, Burst: 5000, RemainingHeader: "X-DayLimit-Remaining"},
	}})
	doOK(t, c, srv.URL)
	_, err := c.Do(context.Background(), get(srv.URL+"/Invoices"))
	if !errors.Is(err, ErrQuotaExhausted) || calls.Load() != 1 {
		t.Fatalf("err = %v after %d calls, want ErrQuotaExhausted after 1", err, calls.Load())
	}
	want := "GET " + srv.URL + "/Invoices: xero: the vendor's request budget is used up: its day limit of 5000 requests leaves none before 2026-03-03T09:00:00Z (a wait of 24h0m0s, longer than takt waits); the next run continues from the stored cursors"
	if err.Error() != want {
		t.Fatalf("err =\n%s\nwant\n%s", err, want)
	}
}

// A Retry-After longer than MaxRetryAfter is not retried into the same
// refusal.
func TestLongRetryAfterFailsAtOnce(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "7200")
		w.Header().Set("X-Rate-Limit-Problem", "day")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c, waits := testClient()
	_, err := c.Do(context.Background(), get(srv.URL))
	var se *StatusError
	if !errors.Is(err, ErrQuotaExhausted) || !errors.As(err, &se) || se.Status != 429 || calls.Load() != 1 || len(*waits) != 0 {
		t.Fatalf("err = %v, calls = %d, waits = %v; want one 429 and no retry", err, calls.Load(), *waits)
	}
	if !strings.Contains(err.Error(), "asks to wait 2h0m0s, longer than takt waits (10m0s)") {
		t.Fatalf("err = %v", err)
	}
}

// A window with Match paces only the requests it matches, and requests the
// limiter does not match pass freely.
func TestWindowsApplyToTheirRequests(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	isSearch := func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/search") }
	c, _, waits := limitedClient(t, Limits{
		Vendor:  "hubspot",
		Match:   func(r *http.Request) bool { return !strings.HasPrefix(r.URL.Path, "/oauth") },
		Windows: []Window{{Name: "search", Requests: 4, Per: time.Second, Match: isSearch}},
	})
	for range 3 {
		doOK(t, c, srv.URL+"/crm/v3/objects/deals")
		doOK(t, c, srv.URL+"/oauth/v1/token")
	}
	if len(*waits) != 0 {
		t.Fatalf("waits = %v, want none outside search", *waits)
	}
	for range 3 {
		doOK(t, c, srv.URL+"/crm/v3/objects/deals/search")
	}
	// Burst 1, then (4-1) per second.
	if strings.Join(*waits, ",") != "throttled 333.333333ms,throttled 333.333333ms" {
		t.Fatalf("waits = %v", *waits)
	}
}

// At most Concurrent requests are in flight, counting until their bodies
// are closed; a request whose newReq sends a request of its own (an access
// token) does not deadlock on the places its parent would hold.
func TestConcurrentCapHoldsUntilTheBodyIsClosed(t *testing.T) {
	var inFlight, peak atomic.Int32
	gate := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			return
		}
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		w.(http.Flusher).Flush()
		<-gate
		inFlight.Add(-1)
	}))
	defer srv.Close()
	lim, err := NewLimiter(Limits{Vendor: "xero", Concurrent: 2})
	if err != nil {
		t.Fatal(err)
	}
	c := New(nil)
	c.Limiter = lim
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.Do(context.Background(), func(ctx context.Context) (*http.Request, error) {
				tok, err := c.Do(ctx, get(srv.URL+"/token"))
				if err != nil {
					return nil, err
				}
				tok.Body.Close()
				return http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api", nil)
			})
			if err != nil {
				errs <- err
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
	}
	deadline := time.Now().Add(5 * time.Second)
	for inFlight.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if got := inFlight.Load(); got != 2 {
		t.Fatalf("%d requests in flight, want 2", got)
	}
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if peak.Load() != 2 {
		t.Fatalf("peak in flight = %d, want 2", peak.Load())
	}
}

// The context's observer hears the waits of its own requests.
func TestWaitObserverHearsItsRequests(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	c, _, _ := limitedClient(t, Limits{Vendor: "harvest", Windows: []Window{{Name: "15 s", Requests: 2, Per: 15 * time.Second}}})
	var heard []string
	ctx := WithWaitObserver(context.Background(), func(reason string, d time.Duration) { heard = append(heard, reason+" "+d.String()) })
	for range 2 {
		resp, err := c.Do(ctx, get(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if strings.Join(heard, ",") != "throttled 15s" {
		t.Fatalf("heard %v", heard)
	}
}

func TestLimitsAreChecked(t *testing.T) {
	for _, tc := range []struct {
		l    Limits
		want string
	}{
		{Limits{}, "httpapi: limits: Vendor is empty"},
		{Limits{Vendor: "x", Windows: []Window{{Name: "10 s", Requests: 0, Per: time.Second}}}, "httpapi: x limits: window 10 s: want at least 1 request per positive period, got 0 per 1s"},
		{Limits{Vendor: "x", Windows: []Window{{Name: "s", Requests: 5, Per: time.Second, Burst: 6}}}, "httpapi: x limits: window s: burst 6 is outside 0..5"},
		{Limits{Vendor: "x", Concurrent: -1}, "httpapi: x limits: Concurrent is -1, want 0 (no cap) or more"},
	} {
		if _, err := NewLimiter(tc.l); err == nil || err.Error() != tc.want {
			t.Errorf("NewLimiter(%+v) = %v, want %q", tc.l, err, tc.want)
		}
	}
}
