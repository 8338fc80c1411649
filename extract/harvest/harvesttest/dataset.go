// Package harvesttest is an emulator of the Harvest API v2 for a given
// dataset, used by tests, the demo and takt sandbox.
package harvesttest

import "encoding/json"

// Dataset is what the emulator serves: Harvest JSON objects exactly as the
// API returns them, by resource. Keys are the resource names of the list
// endpoints: "clients", "projects", "users", "tasks", "task_assignments",
// "time_entries", "expenses", "invoices".
type Dataset map[string][]json.RawMessage
