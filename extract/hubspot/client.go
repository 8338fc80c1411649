package hubspot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/takt-billing/takt/extract/httpapi"
)

// client sends HubSpot API requests through the shared httpapi.Client,
// which retries 429 (honouring Retry-After) and 5xx answers.
type client struct {
	base  string // without a trailing slash
	token string
	http  *httpapi.Client
}

// get sends GET base+path?query and decodes the JSON answer into out.
func (c *client) get(ctx context.Context, path string, query url.Values, out any) error {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	return c.do(ctx, http.MethodGet, u, nil, out)
}

// post sends body as JSON to base+path and decodes the answer into out.
func (c *client) post(ctx context.Context, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	return c.do(ctx, http.MethodPost, c.base+path, b, out)
}

func (c *client) do(ctx context.Context, method, u string, body []byte, out any) error {
	resp, err := c.http.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, u, rd)
		if err != nil {
			return nil, err
		}
		// The private app token is set per attempt and never logged: the
		// shared client's errors show method, URL and status only.
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("Accept", "application/json")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return req, nil
	})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode response: %w", method, strings.SplitN(u, "?", 2)[0], err)
	}
	return nil
}
