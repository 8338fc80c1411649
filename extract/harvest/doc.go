// Package harvest is takt's connector for Harvest, the time tracking
// system: it reads clients, projects, users, tasks, task assignments, time
// entries, expenses and invoices from Harvest's API v2 and hands them on as
// Arrow batches, one per API page, with an updated_since cursor per stream.
//
// Inputs: a personal access token, an account id and the last committed
// cursor of a stream. Outputs: extract.Batch values whose schemas are
// declared in schema.go. The emulator in harvesttest speaks the same API for
// tests, the demo and takt sandbox.
package harvest
