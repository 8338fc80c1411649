package hubspot

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// listPage is a page of GET /crm/v3/objects/{type}. Results stay raw: each
// is decoded on its own so that an error names its record, and its bytes
// become the _raw column.
type listPage struct {
	Results []json.RawMessage `json:"results"`
	// Paging is absent on the last page.
	Paging *paging `json:"paging"`
}

type paging struct {
	Next *struct {
		After string `json:"after"`
		Link  string `json:"link"`
	} `json:"next"`
}

// nextAfter is the cursor of the next page, "" on the last page.
func (p *paging) nextAfter() string {
	if p == nil || p.Next == nil {
		return ""
	}
	return p.Next.After
}

// searchRequest is the body of POST /crm/v3/objects/{type}/search.
type searchRequest struct {
	FilterGroups []filterGroup `json:"filterGroups"`
	Sorts        []sortOrder   `json:"sorts"`
	Properties   []string      `json:"properties"`
	Limit        int           `json:"limit"`
	After        string        `json:"after,omitempty"`
}

type filterGroup struct {
	Filters []filter `json:"filters"`
}

type filter struct {
	PropertyName string `json:"propertyName"`
	Operator     string `json:"operator"`
	// Value of a date-time property is epoch milliseconds as a string.
	Value string `json:"value"`
}

type sortOrder struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction"`
}

// searchPage is a search response: {total, results, paging.next.after},
// with after an offset and no link.
type searchPage struct {
	Total   json.Number       `json:"total"`
	Results []json.RawMessage `json:"results"`
	Paging  *paging           `json:"paging"`
}

// crmObject is one CRM record. Every property value is a JSON string or
// null, numbers included ("500", "5000.00"); values stay raw until the
// mapping reads the ones it needs.
type crmObject struct {
	ID           string                     `json:"id"`
	Properties   map[string]json.RawMessage `json:"properties"`
	CreatedAt    string                     `json:"createdAt"`
	UpdatedAt    string                     `json:"updatedAt"`
	Archived     *bool                      `json:"archived"`
	ArchivedAt   string                     `json:"archivedAt"`
	Associations map[string]associationList `json:"associations"`
}

// associationList is an object's associations to one type in list form:
// results[{id, type}].
type associationList struct {
	Results []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"results"`
}

// batchReadRequest is the body of POST
// /crm/v4/associations/{from}/{to}/batch/read.
type batchReadRequest struct {
	Inputs []objectRef `json:"inputs"`
}

type objectRef struct {
	ID string `json:"id"`
}

// batchReadResponse answers a v4 association batch read (HTTP 200, or 207
// when some inputs have no associations and are listed in Errors).
type batchReadResponse struct {
	Status  string `json:"status"`
	Results []struct {
		From objectRef `json:"from"`
		To   []struct {
			// ToObjectID is a JSON number in HubSpot's answers (ids exceed
			// 2^32); a string is accepted too.
			ToObjectID       json.RawMessage   `json:"toObjectId"`
			AssociationTypes []json.RawMessage `json:"associationTypes"`
		} `json:"to"`
	} `json:"results"`
	NumErrors int          `json:"numErrors"`
	Errors    []batchError `json:"errors"`
}

type batchError struct {
	Status      string              `json:"status"`
	Category    string              `json:"category"`
	SubCategory string              `json:"subCategory"`
	Message     string              `json:"message"`
	Context     map[string][]string `json:"context"`
}

// noAssociations is the sub-category of a batch read error that only says
// an input has no associations of the requested type.
const noAssociations = "crm.associations.NO_ASSOCIATIONS_FOUND"

// idText reads an object id sent as a JSON number or string.
func idText(raw json.RawMessage) (string, error) {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	}
	s := string(raw)
	if _, err := strconv.ParseUint(s, 10, 64); err != nil {
		return "", fmt.Errorf("toObjectId %s is not an id", raw)
	}
	return s, nil
}
