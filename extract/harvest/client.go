package harvest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/takt-billing/takt/extract/httpapi"
)

// client talks to Harvest's API v2 over the shared httpapi.Client: it adds
// the three headers Harvest requires on every request and reads list pages.
type client struct {
	http      *httpapi.Client
	base      *url.URL
	token     string
	accountID string
	userAgent string
}

// firstPage is the URL of a list's first page. Every later page comes from
// the previous response's links.next.
func (c *client) firstPage(resource string, perPage int, since time.Time) *url.URL {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + "/v2/" + resource
	u.RawPath = ""
	q := url.Values{}
	q.Set("per_page", strconv.Itoa(perPage))
	if !since.IsZero() {
		q.Set("updated_since", since.UTC().Format(time.RFC3339))
	}
	u.RawQuery = q.Encode()
	u.Fragment = ""
	return &u
}

// page fetches one list page and returns the records under key and the
// URL of the next page, nil on the last page.
func (c *client) page(ctx context.Context, pageURL *url.URL, key string) ([]json.RawMessage, *url.URL, error) {
	target := pageURL.String()
	resp, err := c.http.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("Harvest-Account-Id", c.accountID)
		req.Header.Set("User-Agent", c.userAgent)
		req.Header.Set("Accept", "application/json")
		return req, nil
	})
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()

	records, links, err := decodeList(resp.Body, key)
	if err != nil {
		return nil, nil, fmt.Errorf("response of %s: %w", target, err)
	}
	if links.Next == nil || *links.Next == "" {
		return records, nil, nil
	}
	next, err := c.nextPage(pageURL, *links.Next)
	if err != nil {
		return nil, nil, err
	}
	return records, next, nil
}

// nextPage resolves links.next. It must stay on the configured host: the
// token goes with every request, so a link elsewhere is refused, and a link
// back to the same page would never end.
func (c *client) nextPage(cur *url.URL, link string) (*url.URL, error) {
	u, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("links.next %q: %w", link, err)
	}
	next := cur.ResolveReference(u)
	if !strings.EqualFold(next.Scheme, c.base.Scheme) || !strings.EqualFold(next.Host, c.base.Host) {
		return nil, fmt.Errorf("links.next %q leaves %s://%s; refusing to send the Harvest token there", link, c.base.Scheme, c.base.Host)
	}
	if next.String() == cur.String() {
		return nil, errors.New("links.next points back to the same page; Harvest's paging did not advance")
	}
	return next, nil
}

// decodeList reads a list response in one pass: the records under key, each
// kept as the bytes Harvest sent, and the links. Other fields are skipped.
func decodeList(r io.Reader, key string) ([]json.RawMessage, wireLinks, error) {
	var links wireLinks
	dec := json.NewDecoder(r)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, links, fmt.Errorf("not a JSON object (%v)", err)
	}
	var records []json.RawMessage
	found := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, links, err
		}
		switch tok {
		case key:
			found = true
			if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
				return nil, links, fmt.Errorf("%q is not a list (%v)", key, err)
			}
			for dec.More() {
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return nil, links, fmt.Errorf("%q item %d: %w", key, len(records)+1, err)
				}
				records = append(records, raw)
			}
			if _, err := dec.Token(); err != nil {
				return nil, links, err
			}
		case "links":
			if err := dec.Decode(&links); err != nil {
				return nil, links, fmt.Errorf("links: %w", err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, links, err
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, links, err
	}
	if !found {
		return nil, links, fmt.Errorf("no %q list", key)
	}
	return records, links, nil
}
