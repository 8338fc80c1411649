// Package xerotest is an emulator of the Xero Accounting API (and its
// OAuth2 client-credentials token endpoint) for a given dataset, used by
// tests, the demo and takt sandbox.
package xerotest

import "encoding/json"

// Dataset is what the emulator serves: Xero objects exactly as the
// Accounting API returns them inside its envelopes, by collection name:
// "Contacts", "Invoices", "CreditNotes", "Payments".
type Dataset map[string][]json.RawMessage
