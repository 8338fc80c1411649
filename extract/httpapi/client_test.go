package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func testClient() (*Client, *[]time.Duration) {
	c := New(nil)
	var waits []time.Duration
	c.sleep = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	c.rand = func() float64 { return 1 }
	return c, &waits
}

func get(url string) func(ctx context.Context) (*http.Request, error) {
	return func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	}
}

func TestRetriesRateLimitHonouringRetryAfter(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	c, waits := testClient()
	var reasons []string
	c.OnWait = func(reason string, d time.Duration) { reasons = append(reasons, reason) }
	resp, err := c.Do(context.Background(), get(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if calls.Load() != 3 {
		t.Fatalf("calls = %d, want 3", calls.Load())
	}
	if len(*waits) != 2 || (*waits)[0] != 7*time.Second || (*waits)[1] != 7*time.Second {
		t.Fatalf("waits = %v, want [7s 7s]", *waits)
	}
	if len(reasons) != 2 || reasons[0] != "rate_limited" {
		t.Fatalf("reasons = %v", reasons)
	}
}

func TestBackoffDoublesAndGivesUp(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "upstream down", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c, waits := testClient()
	c.MaxAttempts = 4
	_, err := c.Do(context.Background(), get(srv.URL))
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 503 || se.Attempts != 4 || se.Body != "upstream down" {
		t.Fatalf("err = %v, want StatusError 503 after 4 attempts", err)
	}
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}
	if len(*waits) != 3 {
		t.Fatalf("waits = %v", *waits)
	}
	for i, w := range want {
		if (*waits)[i] != w {
			t.Fatalf("wait %d = %v, want %v", i, (*waits)[i], w)
		}
	}
}

func TestNoRetryOnClientError(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, `{"message":"bad token"}`, http.StatusUnauthorized)
	}))
	defer srv.Close()
	c, _ := testClient()
	_, err := c.Do(context.Background(), get(srv.URL))
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 401 || calls.Load() != 1 {
		t.Fatalf("err = %v calls = %d, want one 401", err, calls.Load())
	}
	if got := se.Error(); got == "" || !strings.Contains(got, "check the credentials") {
		t.Fatalf("message %q does not tell what to do", got)
	}
}

func TestRetryAfterDate(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	d, ok := retryAfter(now.Add(90*time.Second).Format(http.TimeFormat), now)
	if !ok || d != 90*time.Second {
		t.Fatalf("retryAfter(date) = %v %v", d, ok)
	}
	if _, ok := retryAfter("soon", now); ok {
		t.Fatal("retryAfter(soon) accepted")
	}
}

func TestUnreachableIsNamed(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	c, waits := testClient()
	c.MaxAttempts = 3
	_, err := c.Do(context.Background(), get(url))
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	if !strings.Contains(err.Error(), "after 3 attempt(s)") || len(*waits) != 2 {
		t.Fatalf("err = %v after %d waits", err, len(*waits))
	}
}
