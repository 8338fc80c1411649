package hubspottest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// fixtureSources lists which recorded payloads feed which object type. All
// are list-endpoint (or batch read) responses whose objects have the shape
// the list endpoint returns; each object keeps its id and property strings.
//
//   - companies: companies.json (dlt mock data, 2 companies) and
//     nango-recorded/companies_list.json (57 companies of a test portal).
//   - deals: deals.json (dlt, 2), nango-recorded/deals_list.json (21, the
//     list with a property selection) and
//     nango-recorded/deals_list_all_properties.json (3, every default
//     property, most null, and the only deal with company associations:
//     21917278677). deals_search.json and deal_by_id.json repeat deals of
//     deals_list.json and are left out.
//   - line_items: nango-recorded/line_items_batch_read.json (2).
var fixtureSources = []struct {
	objectType string
	file       string
}{
	{"companies", "companies.json"},
	{"companies", "nango-recorded/companies_list.json"},
	{"deals", "deals.json"},
	{"deals", "nango-recorded/deals_list.json"},
	{"deals", "nango-recorded/deals_list_all_properties.json"},
	{"line_items", "nango-recorded/line_items_batch_read.json"},
}

// lineItemAssociationsFile is GET /crm/v3/objects/deals/{id}/associations/
// line_items for the deal lineItemsDealID (the id is in the recorded
// request path, not in the payload); it links the two recorded line items
// to that deal.
const (
	lineItemAssociationsFile = "nango-recorded/deal_line_item_associations.json"
	lineItemsDealID          = "21917278677"
)

// LoadFixtures builds a Dataset from the recorded HubSpot payloads in dir
// (the fixtures' hubspot folder), read in place. Objects keep their ids,
// property strings and number literals; the only addition is each line
// item's association to its deal, written in list-endpoint form
// (associations.deals.results[{id, type: "line_item_to_deal"}]) from the
// recorded deal-to-line-item associations.
func LoadFixtures(dir string) (Dataset, error) {
	data := Dataset{}
	seen := map[string]string{}
	for _, src := range fixtureSources {
		results, err := readResults(filepath.Join(dir, src.file))
		if err != nil {
			return nil, err
		}
		for i, raw := range results {
			var head struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(raw, &head); err != nil || head.ID == "" {
				return nil, fmt.Errorf("hubspottest: %s: result %d has no string id", src.file, i)
			}
			key := src.objectType + "/" + head.ID
			if prev, dup := seen[key]; dup {
				return nil, fmt.Errorf("hubspottest: %s: %s %s already read from %s", src.file, src.objectType, head.ID, prev)
			}
			seen[key] = src.file
			data[src.objectType] = append(data[src.objectType], raw)
		}
	}

	links, err := readResults(filepath.Join(dir, lineItemAssociationsFile))
	if err != nil {
		return nil, err
	}
	dealOf := map[string]string{}
	for i, raw := range links {
		var l struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		}
		if err := json.Unmarshal(raw, &l); err != nil || l.ID == "" {
			return nil, fmt.Errorf("hubspottest: %s: result %d has no string id", lineItemAssociationsFile, i)
		}
		dealOf[l.ID] = lineItemsDealID
	}
	for i, raw := range data["line_items"] {
		var head struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(raw, &head)
		deal, ok := dealOf[head.ID]
		if !ok {
			continue
		}
		withAssoc, err := addAssociation(raw, "deals", deal, "line_item_to_deal")
		if err != nil {
			return nil, fmt.Errorf("hubspottest: line item %s: %w", head.ID, err)
		}
		data["line_items"][i] = withAssoc
	}
	return data, nil
}

// readResults returns the compacted objects of a file's "results" array.
func readResults(path string) ([]json.RawMessage, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("hubspottest: %w", err)
	}
	var page struct {
		Results []json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(b, &page); err != nil {
		return nil, fmt.Errorf("hubspottest: %s: %w", path, err)
	}
	out := make([]json.RawMessage, len(page.Results))
	for i, r := range page.Results {
		var buf bytes.Buffer
		if err := json.Compact(&buf, r); err != nil {
			return nil, fmt.Errorf("hubspottest: %s: result %d: %w", path, i, err)
		}
		out[i] = buf.Bytes()
	}
	return out, nil
}

// addAssociation appends an "associations" member to a compacted object
// that has none, leaving every other byte as it was.
func addAssociation(obj json.RawMessage, toType, id, typ string) (json.RawMessage, error) {
	var probe struct {
		Associations json.RawMessage `json:"associations"`
	}
	if err := json.Unmarshal(obj, &probe); err != nil {
		return nil, err
	}
	if probe.Associations != nil {
		return nil, fmt.Errorf("already has associations")
	}
	trimmed := bytes.TrimSpace(obj)
	if len(trimmed) < 2 || trimmed[len(trimmed)-1] != '}' {
		return nil, fmt.Errorf("not a JSON object")
	}
	ref, err := json.Marshal(map[string]any{
		toType: map[string]any{"results": []map[string]string{{"id": id, "type": typ}}},
	})
	if err != nil {
		return nil, err
	}
	out := append([]byte{}, bytes.TrimSpace(trimmed[:len(trimmed)-1])...)
	if len(out) > 1 {
		out = append(out, ',')
	}
	out = append(out, `"associations":`...)
	out = append(out, ref...)
	out = append(out, '}')
	return out, nil
}
