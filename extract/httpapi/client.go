// Package httpapi is the one HTTP client every connector uses: it sends a
// request, retries what a vendor asks to be retried (429 with Retry-After,
// 5xx, timeouts) with bounded exponential backoff and jitter, and turns what
// is left into errors that say which URL answered what. With a Limiter it
// also paces requests to the vendor's documented limits and to the vendor's
// own count of what is left, so that a run slows down before a 429 rather
// than after it.
//
// Connector glue (auth headers, paging, wire types) stays in the connector;
// this package knows nothing about any vendor.
package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Client sends requests with retries. The zero value is not usable; use New.
type Client struct {
	// HTTP does the transport. Its Timeout bounds one attempt.
	HTTP *http.Client
	// MaxAttempts bounds the attempts per request, first one included.
	MaxAttempts int
	// BaseDelay is the first backoff step; each retry doubles it.
	BaseDelay time.Duration
	// MaxDelay caps one backoff step and one Retry-After wait.
	MaxDelay time.Duration
	// Logger receives one line per retry.
	Logger *slog.Logger
	// OnWait, if set, is told about every wait, e.g. to show rate-limit
	// waits on a progress bar. reason is "throttled" (the Limiter paces the
	// request), "rate_limited" (the vendor answered 429), "server_error" or
	// "transport_error". A context made with WithWaitObserver is told too.
	OnWait func(reason string, d time.Duration)
	// Limiter, if set, paces requests to the vendor's documented limits
	// before the vendor has to refuse them; every attempt counts.
	Limiter *Limiter
	// MaxRetryAfter is the longest Retry-After a request waits out (capped
	// at MaxDelay per wait, the Limiter holding the rest); a vendor asking
	// for more (a daily budget spent) fails the request at once with
	// ErrQuotaExhausted instead of retrying into the same refusal.
	MaxRetryAfter time.Duration

	sleep func(ctx context.Context, d time.Duration) error
	rand  func() float64
}

// New returns a client with takt's defaults: 60 s per attempt, 6 attempts,
// backoff from 500 ms doubling up to 30 s, Retry-After honoured up to 10
// minutes, no Limiter.
func New(logger *slog.Logger) *Client {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Client{
		HTTP:          &http.Client{Timeout: 60 * time.Second},
		MaxAttempts:   6,
		BaseDelay:     500 * time.Millisecond,
		MaxDelay:      30 * time.Second,
		MaxRetryAfter: 10 * time.Minute,
		Logger:        logger,
		sleep:         sleepCtx,
		rand:          rand.Float64,
	}
}

type waitObserverKey struct{}

// WithWaitObserver returns a context whose requests report every wait to fn
// as well as to Client.OnWait, so that a caller can tell whose request
// waited (the pipeline shows it on the line of the stream).
func WithWaitObserver(ctx context.Context, fn func(reason string, d time.Duration)) context.Context {
	return context.WithValue(ctx, waitObserverKey{}, fn)
}

// notifyWait tells OnWait and the context's observer about a wait.
func (c *Client) notifyWait(ctx context.Context, reason string, d time.Duration) {
	if c.OnWait != nil {
		c.OnWait(reason, d)
	}
	if fn, ok := ctx.Value(waitObserverKey{}).(func(string, time.Duration)); ok && fn != nil {
		fn(reason, d)
	}
}

// throttle waits until the Limiter lets req go and takes its place among
// the requests in flight; the returned function gives the place back.
func (c *Client) throttle(ctx context.Context, req *http.Request) (func(), error) {
	wait, win, cancel, err := c.Limiter.reserve(req)
	if err != nil {
		return nil, err
	}
	if wait > 0 {
		level := slog.LevelDebug
		if wait >= time.Second {
			level = slog.LevelInfo
		}
		c.Logger.LogAttrs(ctx, level, "waiting for the rate limit",
			slog.String("vendor", c.Limiter.vendor), slog.String("window", win.Name), slog.Duration("wait", wait))
		c.notifyWait(ctx, "throttled", wait)
		if err := c.sleep(ctx, wait); err != nil {
			cancel()
			return nil, err
		}
	}
	return c.Limiter.acquire(ctx)
}

// ErrUnreachable is wrapped by the error Do returns when no attempt got an
// HTTP response at all (connection refused, DNS failure, timeouts): the
// source is down or the address is wrong, and further requests to it will
// most likely fail the same way.
var ErrUnreachable = errors.New("source unreachable")

// StatusError is a response that was not successful after all retries.
type StatusError struct {
	Method string
	URL    string
	Status int
	// Body is the start of the response body, for the error message.
	Body string
	// Attempts is how many times the request was sent.
	Attempts int
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s %s: HTTP %d", e.Method, e.URL, e.Status)
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" after %d attempts", e.Attempts)
	}
	if e.Body != "" {
		msg += ": " + e.Body
	}
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		msg += " (check the credentials named in the config)"
	}
	return msg
}

// Do sends the request built by newReq and returns the first response with a
// status below 400 (304 included). newReq is called once per attempt, so a
// request body is rebuilt for every retry. On any other final status Do
// returns a *StatusError; the caller closes the body of a returned response.
func (c *Client) Do(ctx context.Context, newReq func(ctx context.Context) (*http.Request, error)) (*http.Response, error) {
	var lastErr error
	gotResponse := false
	for attempt := 1; ; attempt++ {
		req, err := newReq(ctx)
		if err != nil {
			return nil, err
		}
		// The request is built before the limiter is asked, so that a
		// request newReq itself sends (an access token) never waits for a
		// place held by the request it is building.
		limited := c.Limiter.applies(req)
		release := func() {}
		if limited {
			if release, err = c.throttle(ctx, req); err != nil {
				return nil, fmt.Errorf("%s %s: %w", req.Method, redact(req), err)
			}
		}
		resp, err := c.HTTP.Do(req)
		if err != nil {
			release()
		}
		var wait time.Duration
		var reason string
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if !retryableTransport(err) {
				if gotResponse {
					return nil, fmt.Errorf("%s %s: %w", req.Method, redact(req), err)
				}
				return nil, fmt.Errorf("%s %s: %w: %w", req.Method, redact(req), ErrUnreachable, err)
			}
			lastErr = fmt.Errorf("%s %s: %w", req.Method, redact(req), err)
			if !gotResponse {
				lastErr = fmt.Errorf("%s %s: %w after %d attempt(s): %w", req.Method, redact(req), ErrUnreachable, attempt, err)
			}
			reason = "transport_error"
			wait = c.backoff(attempt)
		case resp.StatusCode < 400:
			if limited {
				c.Limiter.observe(resp.Header, resp.StatusCode, 0, false)
				resp.Body = &releasingBody{ReadCloser: resp.Body, release: release}
			}
			return resp, nil
		default:
			gotResponse = true
			body := readSnippet(resp.Body)
			resp.Body.Close()
			release()
			ra, hasRA := retryAfter(resp.Header.Get("Retry-After"), time.Now())
			if limited {
				c.Limiter.observe(resp.Header, resp.StatusCode, ra, hasRA)
			}
			se := &StatusError{Method: req.Method, URL: redact(req), Status: resp.StatusCode, Body: body, Attempts: attempt}
			if !retryableStatus(resp.StatusCode) {
				return nil, se
			}
			if hasRA && c.MaxRetryAfter > 0 && ra > c.MaxRetryAfter {
				return nil, fmt.Errorf("%w: %w: the answer asks to wait %s, longer than takt waits (%s); the next run continues from the stored cursors",
					se, ErrQuotaExhausted, ra.Round(time.Second), c.MaxRetryAfter)
			}
			lastErr = se
			reason = "server_error"
			wait = c.backoff(attempt)
			if resp.StatusCode == http.StatusTooManyRequests {
				reason = "rate_limited"
			}
			if hasRA {
				wait = min(ra, c.MaxDelay)
			}
		}
		if attempt >= c.MaxAttempts {
			return nil, lastErr
		}
		c.Logger.LogAttrs(ctx, slog.LevelWarn, "retrying request",
			slog.String("reason", reason), slog.Int("attempt", attempt),
			slog.Duration("wait", wait), slog.String("error", lastErr.Error()))
		c.notifyWait(ctx, reason, wait)
		if err := c.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// backoff is exponential with full jitter: a random wait between half and
// all of BaseDelay*2^(attempt-1), capped at MaxDelay.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.BaseDelay << (attempt - 1)
	if d <= 0 || d > c.MaxDelay {
		d = c.MaxDelay
	}
	return d/2 + time.Duration(c.rand()*float64(d/2))
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

func retryableTransport(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		// Connection refused or reset: the server may be restarting. Bounded
		// by MaxAttempts like everything else.
		return true
	}
	return false
}

// retryAfter parses a Retry-After header: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

func readSnippet(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 512))
	return strings.TrimSpace(string(b))
}

// redact returns the request URL without its query values that could hold
// secrets (none of takt's sources put secrets there, but error messages end
// up in the run ledger).
func redact(req *http.Request) string {
	u := *req.URL
	u.User = nil
	return u.String()
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
