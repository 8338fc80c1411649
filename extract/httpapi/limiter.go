package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultMaxWait is how long a request waits at most for a Limiter when
// Limits.MaxWait is not set. A longer wait (a vendor's daily budget is
// spent) fails the request instead of blocking a run for hours.
const DefaultMaxWait = 2 * time.Minute

// ErrQuotaExhausted is wrapped by the error a request gets when waiting for
// the vendor's limits would take longer than the limiter's MaxWait, or when
// the vendor answered 429 with a Retry-After longer than the client's
// MaxRetryAfter: typically a daily budget that is used up. The next run
// continues from the stored cursors.
var ErrQuotaExhausted = errors.New("the vendor's request budget is used up")

// Window is one of a vendor's documented request limits: at most Requests
// requests in any period of length Per.
type Window struct {
	// Name names the window in messages and logs, e.g. "10 s" or "day".
	Name string
	// Requests is the number of requests the vendor allows per window.
	Requests int
	// Per is the window's length.
	Per time.Duration
	// Burst is how many requests may go out at once; 0 means a tenth of
	// Requests (at least 1). With a Burst below Requests the window refills
	// at (Requests-Burst)/Per, so that no period of length Per ever holds
	// more than Requests requests, whatever the vendor counts. A Burst of
	// Requests refills at Requests/Per and relies on RemainingHeader to keep
	// to the vendor's count.
	Burst int
	// RemainingHeader names the response header in which the vendor reports
	// how many requests of this window are left (e.g. "X-MinLimit-Remaining"),
	// or is empty when the vendor sends none.
	RemainingHeader string
	// Match, if set, restricts the window to the requests it accepts, e.g. a
	// vendor's search endpoints that have a limit of their own.
	Match func(*http.Request) bool
}

// Limits are a vendor's documented limits for one account or tenant.
type Limits struct {
	// Vendor names the system in error messages ("xero").
	Vendor string
	// Windows are the request limits; a request waits until every window
	// that matches it has room.
	Windows []Window
	// Concurrent caps the requests in flight at once; 0 means no cap. A
	// request holds its place until its response body is closed.
	Concurrent int
	// Match, if set, restricts the whole limiter to the requests it accepts,
	// e.g. the API calls of a vendor but not its token endpoint.
	Match func(*http.Request) bool
	// MaxWait is the longest a request waits for the limiter; 0 means
	// DefaultMaxWait. A longer wait fails the request with ErrQuotaExhausted.
	MaxWait time.Duration
}

// Limiter paces the requests of one Client to a vendor's documented limits
// before the vendor has to answer 429: a token bucket per window
// (golang.org/x/time/rate), a cap on requests in flight, and the vendor's
// own count of what is left where its responses report one. It is safe for
// concurrent use.
type Limiter struct {
	vendor  string
	match   func(*http.Request) bool
	maxWait time.Duration
	windows []*window
	slots   chan struct{} // nil without a concurrency cap
	now     func() time.Time
}

type window struct {
	Window
	bucket *rate.Limiter

	mu sync.Mutex
	// holdUntil is set when the vendor reported the window spent: no
	// request of the window goes out before it.
	holdUntil time.Time
}

// NewLimiter checks l and returns a limiter enforcing it.
func NewLimiter(l Limits) (*Limiter, error) {
	if l.Vendor == "" {
		return nil, errors.New("httpapi: limits: Vendor is empty")
	}
	if l.Concurrent < 0 {
		return nil, fmt.Errorf("httpapi: %s limits: Concurrent is %d, want 0 (no cap) or more", l.Vendor, l.Concurrent)
	}
	lim := &Limiter{vendor: l.Vendor, match: l.Match, maxWait: l.MaxWait, now: time.Now}
	if lim.maxWait <= 0 {
		lim.maxWait = DefaultMaxWait
	}
	if l.Concurrent > 0 {
		lim.slots = make(chan struct{}, l.Concurrent)
	}
	for _, w := range l.Windows {
		switch {
		case w.Name == "":
			return nil, fmt.Errorf("httpapi: %s limits: a window has no name", l.Vendor)
		case w.Requests < 1 || w.Per <= 0:
			return nil, fmt.Errorf("httpapi: %s limits: window %s: want at least 1 request per positive period, got %d per %s", l.Vendor, w.Name, w.Requests, w.Per)
		case w.Burst < 0 || w.Burst > w.Requests:
			return nil, fmt.Errorf("httpapi: %s limits: window %s: burst %d is outside 0..%d", l.Vendor, w.Name, w.Burst, w.Requests)
		}
		if w.Burst == 0 {
			w.Burst = max(1, w.Requests/10)
		}
		refill := w.Requests - w.Burst
		if refill == 0 {
			refill = w.Requests
		}
		every := rate.Limit(float64(refill) / w.Per.Seconds())
		lim.windows = append(lim.windows, &window{Window: w, bucket: rate.NewLimiter(every, w.Burst)})
	}
	return lim, nil
}

// Vendor returns the vendor the limits are for.
func (l *Limiter) Vendor() string { return l.vendor }

// applies reports whether the limiter paces req at all.
func (l *Limiter) applies(req *http.Request) bool {
	return l != nil && (l.match == nil || l.match(req))
}

// reserve takes one request from every window req falls in and returns how
// long the request must wait, the window that makes it wait longest, and a
// function that gives the reservations back (when the wait is not taken).
func (l *Limiter) reserve(req *http.Request) (time.Duration, *window, func(), error) {
	now := l.now()
	var (
		wait   time.Duration
		cause  *window
		taken  []*rate.Reservation
		cancel = func() {
			at := l.now()
			for _, r := range taken {
				r.CancelAt(at)
			}
		}
	)
	for _, w := range l.windows {
		if w.Match != nil && !w.Match(req) {
			continue
		}
		r := w.bucket.ReserveN(now, 1)
		if !r.OK() {
			cancel()
			return 0, w, nil, fmt.Errorf("%s: rate limit window %s admits no request", l.vendor, w.Name)
		}
		taken = append(taken, r)
		d := r.DelayFrom(now)
		w.mu.Lock()
		if h := w.holdUntil.Sub(now); h > d {
			d = h
		}
		w.mu.Unlock()
		if d > wait {
			wait, cause = d, w
		}
	}
	if wait > l.maxWait {
		cancel()
		return 0, cause, nil, fmt.Errorf("%s: %w: its %s limit of %d requests leaves none before %s (a wait of %s, longer than takt waits); the next run continues from the stored cursors",
			l.vendor, ErrQuotaExhausted, cause.Name, cause.Requests, now.Add(wait).UTC().Format(time.RFC3339), wait.Round(time.Second))
	}
	return wait, cause, cancel, nil
}

// acquire waits for a place among the requests in flight. The returned
// function gives it back; it is safe to call more than once.
func (l *Limiter) acquire(ctx context.Context) (func(), error) {
	if l.slots == nil {
		return func() {}, nil
	}
	select {
	case l.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() { once.Do(func() { <-l.slots }) }, nil
}

// observe reads the vendor's count of what is left in each window from a
// response. A window never holds more requests than the vendor says are
// left; a window the vendor reports spent admits nothing more until it has
// passed, or, after a 429 with Retry-After, until the vendor said to retry.
func (l *Limiter) observe(h http.Header, status int, retryAfter time.Duration, hasRetryAfter bool) {
	now := l.now()
	for _, w := range l.windows {
		if w.RemainingHeader == "" {
			continue
		}
		v := strings.TrimSpace(h.Get(w.RemainingHeader))
		if v == "" {
			continue
		}
		left, err := strconv.Atoi(v)
		if err != nil || left < 0 {
			continue
		}
		if left == 0 {
			until := now.Add(w.Per)
			if status == http.StatusTooManyRequests && hasRetryAfter {
				until = now.Add(retryAfter)
			}
			w.mu.Lock()
			if until.After(w.holdUntil) || status == http.StatusTooManyRequests {
				w.holdUntil = until
			}
			w.mu.Unlock()
			continue
		}
		if surplus := w.bucket.TokensAt(now) - float64(left); surplus > 0 {
			// The vendor counts requests this limiter did not send (other
			// apps on the same account): give up the difference.
			w.bucket.ReserveN(now, int(math.Ceil(surplus)))
		}
	}
}

// releasingBody gives a request's place among those in flight back when
// the response body is closed.
type releasingBody struct {
	io.ReadCloser
	release func()
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}
