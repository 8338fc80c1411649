// Package incident keeps takt's blameless incident log: post-mortems as
// data beside the KPIs they touched.
//
// An incident is append-only history. Its header (when it was detected
// and by whom or what) is written once; everything after — title,
// severity, status, customer impact, trigger, contributing causes,
// safeguards, follow-ups, links to pipeline runs, billing runs, invoices
// and KPI months, notes — is an event on its timeline. Changing the
// severity or closing the incident appends an event; nothing of the past
// is rewritten. Each event carries the SHA-256 of the one before it, so
// Verify notices a row changed or removed outside takt.
//
// The form asks for systems and conditions, not people: text that names a
// person known to the warehouse (Harvest users, HubSpot owners) is kept as
// written and flagged with a gentle prompt to describe the condition
// instead. Follow-ups are owned by a role, never by a person.
//
// Detect opens draft incidents on its own after a pipeline run — a failed
// run, a stream failing several runs in a row, a large reconciliation
// finding, a KPI crossing its target — once per cause: every cause has a
// stable dedup key recorded in incident.detections.
//
// Inputs: the warehouse (ops.runs, ops.run_streams, reconcile.exceptions,
// core.invoices, core.time_entries, marts.kpi_values and
// marts.kpi_definitions with the targets of takt.yaml, the people
// tables). Outputs: the incident schema and, for the reports, incidents
// per KPI month (ByMonth).
package incident
