package xero

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/takt-billing/takt/extract/httpapi"
)

// refreshMargin is how long before its expiry a cached access token is
// replaced, so that a token never expires between being read and being
// checked by Xero (or while a request waits out a Retry-After).
const refreshMargin = 60 * time.Second

// apiPrefix is the path of the Accounting API below BaseURL.
const apiPrefix = "/api.xro/2.0/"

// tokenSource fetches access tokens with the client-credentials grant of a
// Xero custom connection and caches one until shortly before it expires.
type tokenSource struct {
	http         *httpapi.Client
	tokenURL     string
	clientID     string
	clientSecret string
	scope        string
	logger       *slog.Logger
	now          func() time.Time

	mu     sync.Mutex
	token  string
	expiry time.Time
}

// get returns a token valid for at least refreshMargin, fetching a new one
// if needed. The lock is held while fetching so that concurrent callers
// share one refresh.
func (t *tokenSource) get(ctx context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token != "" && t.now().Add(refreshMargin).Before(t.expiry) {
		return t.token, nil
	}
	tok, expiry, err := t.fetch(ctx)
	if err != nil {
		return "", err
	}
	t.token, t.expiry = tok, expiry
	return tok, nil
}

// invalidate drops the cached token if it is still tok, after Xero
// answered 401 to it.
func (t *tokenSource) invalidate(tok string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token == tok {
		t.token, t.expiry = "", time.Time{}
	}
}

func (t *tokenSource) fetch(ctx context.Context) (string, time.Time, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if t.scope != "" {
		form.Set("scope", t.scope)
	}
	body := form.Encode()
	// The expiry counts from before the request, so it is never late.
	start := t.now()
	resp, err := t.http.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.tokenURL, strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.SetBasicAuth(t.clientID, t.clientSecret)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		return req, nil
	})
	if err != nil {
		return "", time.Time{}, tokenFailure(err)
	}
	defer resp.Body.Close()
	var tr tokenResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&tr); err != nil {
		return "", time.Time{}, &TokenError{Err: fmt.Errorf("POST %s: decode: %w", t.tokenURL, err)}
	}
	switch {
	case tr.AccessToken == "":
		return "", time.Time{}, &TokenError{Err: fmt.Errorf("POST %s: the answer holds no access_token", t.tokenURL)}
	case !strings.EqualFold(tr.TokenType, "Bearer"):
		return "", time.Time{}, &TokenError{Err: fmt.Errorf("POST %s: token_type is %q, want Bearer", t.tokenURL, tr.TokenType)}
	case tr.ExpiresIn <= 0:
		return "", time.Time{}, &TokenError{Err: fmt.Errorf("POST %s: expires_in is %d, want a positive number of seconds", t.tokenURL, tr.ExpiresIn)}
	}
	t.logger.LogAttrs(ctx, slog.LevelDebug, "fetched access token",
		slog.String("source", Source), slog.Int64("expires_in", tr.ExpiresIn))
	return tr.AccessToken, start.Add(time.Duration(tr.ExpiresIn) * time.Second), nil
}

// TokenError is a failed access token request: unreachable identity
// server, refused credentials or scopes, or an answer without a usable
// token. Callers that know where the credentials come from (takt sources
// check) tell the user which settings to fix.
type TokenError struct {
	// Err is the request's failure, e.g. an *httpapi.StatusError.
	Err error
	// RefusedClient is true when Xero refused the client id or secret;
	// RefusedScope when it refused the scopes asked for.
	RefusedClient, RefusedScope bool
}

func (e *TokenError) Error() string {
	msg := "access token: " + e.Err.Error()
	switch {
	case e.RefusedClient:
		msg += ": Xero refused the client id or secret; check the client id and secret of the Xero custom connection named in the config"
	case e.RefusedScope:
		msg += ": Xero refused the scopes asked for; check that the custom connection was granted them"
	}
	return msg
}

func (e *TokenError) Unwrap() error { return e.Err }

// tokenFailure explains a refused token request: the identity server
// answers 400 or 401 with an OAuth2 error code.
func tokenFailure(err error) error {
	var se *httpapi.StatusError
	if !errors.As(err, &se) {
		return &TokenError{Err: err}
	}
	var te tokenError
	_ = json.Unmarshal([]byte(se.Body), &te)
	return &TokenError{Err: err,
		RefusedClient: te.Error == "invalid_client" || se.Status == http.StatusUnauthorized,
		RefusedScope:  te.Error == "invalid_scope" || te.Error == "unauthorized_client"}
}

// apiClient sends Accounting API requests with the headers every call
// needs and retries once with a new token after a 401.
type apiClient struct {
	http     *httpapi.Client
	baseURL  string
	tenantID string
	tokens   *tokenSource
	logger   *slog.Logger
}

// listQuery is one page request of a collection.
type listQuery struct {
	collection string
	page       int
	pageSize   int
	// since, when not zero, is sent as If-Modified-Since.
	since time.Time
}

// list fetches one page of a collection.
func (a *apiClient) list(ctx context.Context, q listQuery) (*listResponse, error) {
	params := url.Values{
		"page":     {strconv.Itoa(q.page)},
		"pageSize": {strconv.Itoa(q.pageSize)},
		"order":    {"UpdatedDateUTC ASC"},
	}
	u := a.baseURL + apiPrefix + q.collection + "?" + params.Encode()
	header := http.Header{}
	if !q.since.IsZero() {
		// Xero takes the timestamp in UTC to the second; flooring it makes
		// the bound inclusive, so a record updated later in the same
		// second as the cursor is not missed (it may come twice).
		header.Set("If-Modified-Since", q.since.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05"))
	}
	resp, err := a.get(ctx, u, header)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" {
			return nil, fmt.Errorf("GET %s: answered %s, want application/json", u, ct)
		}
	}
	var lr listResponse
	if err := json.NewDecoder(resp.Body).Decode(&lr); err != nil {
		return nil, fmt.Errorf("GET %s: decode: %w", u, err)
	}
	return &lr, nil
}

// get sends a GET with a bearer token (see do).
func (a *apiClient) get(ctx context.Context, u string, header http.Header) (*http.Response, error) {
	return a.do(ctx, http.MethodGet, u, nil, header, "the accounting read scopes")
}

// do sends a request with a bearer token, the tenant and header. A 401
// means the token was revoked or expired early: the token is dropped and
// the request sent once more with a new one (with the same body and
// headers, an idempotency key included); a second 401 is returned as it
// is. A 403 names the tenant and the scopes the request needs.
func (a *apiClient) do(ctx context.Context, method, u string, body []byte, header http.Header, scopes string) (*http.Response, error) {
	for attempt := 1; ; attempt++ {
		var used string
		resp, err := a.http.Do(ctx, func(ctx context.Context) (*http.Request, error) {
			tok, err := a.tokens.get(ctx)
			if err != nil {
				return nil, err
			}
			used = tok
			var rd io.Reader
			if body != nil {
				rd = bytes.NewReader(body)
			}
			req, err := http.NewRequestWithContext(ctx, method, u, rd)
			if err != nil {
				return nil, err
			}
			for k, v := range header {
				req.Header[k] = v
			}
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("xero-tenant-id", a.tenantID)
			req.Header.Set("Accept", "application/json")
			return req, nil
		})
		var se *httpapi.StatusError
		if errors.As(err, &se) {
			switch {
			case se.Status == http.StatusUnauthorized && attempt == 1:
				a.logger.LogAttrs(ctx, slog.LevelInfo, "access token refused, fetching a new one",
					slog.String("source", Source), slog.String("url", se.URL))
				a.tokens.invalidate(used)
				continue
			case se.Status == http.StatusForbidden:
				return nil, fmt.Errorf("%w; Xero refused tenant %s: check the tenant id in the config and that the custom connection is connected to that organisation with %s", err, a.tenantID, scopes)
			}
		}
		return resp, err
	}
}
