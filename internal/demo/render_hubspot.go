package demo

import (
	"fmt"
	"time"

	"github.com/takt-billing/takt/extract/hubspot/hubspottest"
)

// HubSpot CRM v3 objects as the list endpoints return them: every property
// value a string (or null), ids as numeric strings, associations in list
// form. Properties are a map, so they come out sorted by name, as HubSpot
// sends them.

type hsObject struct {
	ID           string                   `json:"id"`
	Properties   map[string]*string       `json:"properties"`
	CreatedAt    string                   `json:"createdAt"`
	UpdatedAt    string                   `json:"updatedAt"`
	Archived     bool                     `json:"archived"`
	Associations map[string]hsAssociation `json:"associations,omitempty"`
}

type hsAssociation struct {
	Results []hsAssociationRef `json:"results"`
}

type hsAssociationRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

func (w *world) renderHubSpot() (hubspottest.Dataset, error) {
	ds := hubspottest.Dataset{}

	a := newArena(len(w.customers), 500)
	for _, c := range w.customers {
		created := c.hubspotCreated
		updated := created.Add(2*time.Hour + 13*time.Minute + 417*time.Millisecond)
		props := map[string]*string{
			"country":             strPtr(c.country),
			"createdate":          strPtr(fmtHubSpot(created)),
			"domain":              strPtr(c.domain),
			"hs_lastmodifieddate": strPtr(fmtHubSpot(updated)),
			"hs_object_id":        strPtr(c.hubspotID),
			"name":                strPtr(c.hubspotName),
			"vat_id":              nil,
		}
		if c.vatID != "" {
			props["vat_id"] = strPtr(c.vatID)
		}
		a.add(hsObject{ID: c.hubspotID, Properties: props, CreatedAt: fmtHubSpot(created), UpdatedAt: fmtHubSpot(updated)})
	}
	companies, err := a.objects()
	if err != nil {
		return nil, fmt.Errorf("companies: %w", err)
	}
	ds["companies"] = companies

	a = newArena(len(w.projects), 700)
	items := newArena(3*len(w.projects), 700)
	for _, p := range w.projects {
		updated := p.closeDate.Add(26*time.Hour + 311*time.Millisecond)
		a.add(hsObject{
			ID: p.code,
			Properties: map[string]*string{
				"amount":              strPtr(p.dealAmount().StringFixed(2)),
				"billing_model":       strPtr(p.model.hubspotValue()),
				"closedate":           strPtr(fmtHubSpot(p.closeDate)),
				"createdate":          strPtr(fmtHubSpot(p.dealCreated)),
				"deal_currency_code":  strPtr(p.customer.currency),
				"dealname":            strPtr(p.dealName()),
				"dealstage":           strPtr("closedwon"),
				"hs_lastmodifieddate": strPtr(fmtHubSpot(updated)),
				"hs_object_id":        strPtr(p.code),
				"pipeline":            strPtr("default"),
			},
			CreatedAt: fmtHubSpot(p.dealCreated), UpdatedAt: fmtHubSpot(updated),
			Associations: map[string]hsAssociation{
				"companies": {Results: []hsAssociationRef{{ID: p.customer.hubspotID, Type: "deal_to_company"}}},
			},
		})
		for i, li := range p.lineItems {
			created := p.dealCreated.Add(time.Duration(i+1)*97*time.Second + 123*time.Millisecond)
			items.add(hsObject{
				ID: li.id,
				Properties: map[string]*string{
					"amount":                     strPtr(li.quantity.Mul(li.price).StringFixed(2)),
					"createdate":                 strPtr(fmtHubSpot(created)),
					"hs_line_item_currency_code": strPtr(p.customer.currency),
					"hs_lastmodifieddate":        strPtr(fmtHubSpot(created)),
					"hs_object_id":               strPtr(li.id),
					"hs_sku":                     strPtr(li.sku),
					"name":                       strPtr(li.name),
					"price":                      strPtr(li.price.StringFixed(2)),
					"quantity":                   strPtr(li.quantity.String()),
				},
				CreatedAt: fmtHubSpot(created), UpdatedAt: fmtHubSpot(created),
				Associations: map[string]hsAssociation{
					"deals": {Results: []hsAssociationRef{{ID: p.code, Type: "line_item_to_deal"}}},
				},
			})
		}
	}
	deals, err := a.objects()
	if err != nil {
		return nil, fmt.Errorf("deals: %w", err)
	}
	lineItems, err := items.objects()
	if err != nil {
		return nil, fmt.Errorf("line_items: %w", err)
	}
	ds["deals"], ds["line_items"] = deals, lineItems
	return ds, nil
}
