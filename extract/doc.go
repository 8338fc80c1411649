// Package extract is the first stage of takt's flow: it defines what every
// source connector hands on to load/.
//
// One package per source system lives below it (hubspot, harvest, xero, files).
// A connector lists its streams, each with an Arrow schema declared once, pages
// through the system's API (or reads its export files) and hands records on as
// Arrow record batches together with the cursor that may be stored once the
// batch is committed. Connectors never write to the warehouse.
//
// Inputs: a source system's API or export files, and the last committed cursor
// of a stream. Outputs: Batch values passed to an Emit function.
package extract
