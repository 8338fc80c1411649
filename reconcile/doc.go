// Package reconcile is the fourth stage of takt's flow: it reads what the
// SQL models in sql/models/reconcile computed — unbilled work and billing
// exceptions — and runs the billing on top of it: draft billing runs, their
// lifecycle, corrections, and their export.
//
// Matching and exceptions are SQL (reconcile.unbilled_as_of,
// reconcile.residual_matches, reconcile.exceptions); this package turns
// rows into typed values with exact decimals. A billing run is computed in
// Go (billing_build.go: grouping, budget caps, VAT per rate as EN 16931
// rounds it, Skonto, exchange rates, deterministic ids) and stored in the
// billing schema in explicit transactions (billing_store.go): reconcile is
// the one writer of billing state, and every change appends an audit record
// (internal/audit) in the same transaction.
//
// Guarantees and where they live:
//   - a work item belongs to at most one open run: billing.claims has the
//     item key as primary key, so of two runs created at once only one
//     commits (CreateRun rebuilds the other from what is left);
//   - work is marked billed (billing.ledger) only in the transaction that
//     records a successful export; a credit note releases exactly what it
//     credits, once (billing.releases);
//   - an exported run and the audit log are never updated: no code path
//     does it, and VerifyAudit proves it (hash chain, references, content
//     hash of every exported run).
//
// Inputs: the warehouse after transform ran. Outputs: UnbilledItem,
// Exception and Run values, Xero drafts, CSV and XLSX files.
package reconcile
