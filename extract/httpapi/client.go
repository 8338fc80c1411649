// Package httpapi is the one HTTP client every connector uses: it sends a
// request, retries what a vendor asks to be retried (429 with Retry-After,
// 5xx, timeouts) with bounded exponential backoff and jitter, and turns what
// is left into errors that say which URL answered what.
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
	// OnWait, if set, is told about every wait before a retry, e.g. to show
	// rate-limit waits on a progress bar. reason is "rate_limited",
	// "server_error" or "transport_error".
	OnWait func(reason string, d time.Duration)

	sleep func(ctx context.Context, d time.Duration) error
	rand  func() float64
}

// New returns a client with takt's defaults: 60 s per attempt, 6 attempts,
// backoff from 500 ms doubling up to 30 s.
func New(logger *slog.Logger) *Client {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Client{
		HTTP:        &http.Client{Timeout: 60 * time.Second},
		MaxAttempts: 6,
		BaseDelay:   500 * time.Millisecond,
		MaxDelay:    30 * time.Second,
		Logger:      logger,
		sleep:       sleepCtx,
		rand:        rand.Float64,
	}
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
		resp, err := c.HTTP.Do(req)
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
			return resp, nil
		default:
			gotResponse = true
			body := readSnippet(resp.Body)
			resp.Body.Close()
			se := &StatusError{Method: req.Method, URL: redact(req), Status: resp.StatusCode, Body: body, Attempts: attempt}
			if !retryableStatus(resp.StatusCode) {
				return nil, se
			}
			lastErr = se
			reason = "server_error"
			wait = c.backoff(attempt)
			if resp.StatusCode == http.StatusTooManyRequests {
				reason = "rate_limited"
			}
			if ra, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				wait = min(ra, c.MaxDelay)
			}
		}
		if attempt >= c.MaxAttempts {
			return nil, lastErr
		}
		c.Logger.LogAttrs(ctx, slog.LevelWarn, "retrying request",
			slog.String("reason", reason), slog.Int("attempt", attempt),
			slog.Duration("wait", wait), slog.String("error", lastErr.Error()))
		if c.OnWait != nil {
			c.OnWait(reason, wait)
		}
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
