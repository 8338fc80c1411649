package hubspot

import (
	"github.com/takt-billing/takt/extract"
)

// Source is the connector's name; raw tables are raw.hubspot_<stream>.
const Source = "hubspot"

// Stream schemas. Every stream also has id, updated_at (hs_lastmodifieddate,
// else updatedAt) and _raw (the whole object as HubSpot sent it).
var (
	// Companies are CRM companies. vat_id is the portal's custom company
	// property "vat_id" (HubSpot has no standard VAT field); country is the
	// standard free-text "country" property as typed.
	Companies = extract.Stream{Name: "companies", Incremental: true, Schema: extract.NewSchema(
		extract.Col("created_at", extract.Timestamp),
		extract.Col("archived", extract.Bool),
		extract.Col("name", extract.String),
		extract.Col("domain", extract.String),
		extract.Col("country", extract.String),
		extract.Col("vat_id", extract.String),
	)}
	// Deals are CRM deals with their first associated company.
	// billing_model is the custom deal property "billing_model":
	// time_and_materials, fixed_price or retainer.
	Deals = extract.Stream{Name: "deals", Incremental: true, Schema: extract.NewSchema(
		extract.Col("created_at", extract.Timestamp),
		extract.Col("archived", extract.Bool),
		extract.Col("name", extract.String),
		extract.Col("amount", extract.Amount),
		extract.Col("currency", extract.String),
		extract.Col("stage", extract.String),
		extract.Col("pipeline", extract.String),
		extract.Col("close_date", extract.Timestamp),
		extract.Col("billing_model", extract.String),
		extract.Col("company_id", extract.String),
	)}
	// LineItems are the products sold on a deal (rates, fixed fees).
	LineItems = extract.Stream{Name: "line_items", Incremental: true, Schema: extract.NewSchema(
		extract.Col("created_at", extract.Timestamp),
		extract.Col("archived", extract.Bool),
		extract.Col("deal_id", extract.String),
		extract.Col("name", extract.String),
		extract.Col("sku", extract.String),
		extract.Col("quantity", extract.Amount),
		extract.Col("price", extract.Amount),
		extract.Col("amount", extract.Amount),
		extract.Col("currency", extract.String),
	)}
)

// Streams lists the connector's streams in extraction order.
func Streams() []extract.Stream { return []extract.Stream{Companies, Deals, LineItems} }
