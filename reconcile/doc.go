// Package reconcile is the fourth stage of takt's flow: it reads what the
// SQL models in sql/models/reconcile computed — unbilled work and billing
// exceptions — for the CLI and the reports. The matching itself is SQL
// (reconcile.unbilled_as_of, reconcile.exceptions); this package turns
// rows into typed values with exact decimals.
//
// Inputs: the warehouse after transform ran. Outputs: UnbilledItem and
// Exception values.
package reconcile
