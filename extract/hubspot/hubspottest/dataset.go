// Package hubspottest is an emulator of HubSpot's CRM v3 API for a given
// dataset, used by tests, the demo and takt sandbox.
package hubspottest

import "encoding/json"

// Dataset is what the emulator serves: CRM objects exactly as HubSpot's
// list endpoint returns them (id, properties, createdAt, updatedAt,
// archived, and associations where the object has any), by object type:
// "companies", "deals", "line_items".
type Dataset map[string][]json.RawMessage
