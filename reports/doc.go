// Package reports is the last stage of takt's flow: it renders what the
// warehouse computed for a month into the documents a finance controller
// reads, the monthly Excel pack and the KPI chart page.
//
// Its input is a Pack, filled by the rest of takt from the warehouse: the
// KPIs of the reported month and the months before it (computed in SQL, see
// KPIS.md), the unbilled work and the billing exceptions that reconciliation
// found. Reports compute nothing beyond what a reader needs to audit the
// figures: totals are written as spreadsheet formulas over the listed rows,
// and the change against the previous month is a formula too.
//
// Outputs:
//   - WriteExcel: an .xlsx workbook with the sheets Summary, Unbilled and
//     Exceptions, labelled in English or German.
//   - WriteChartPage and WriteAssets: one HTML page with the DSO and
//     dunning-rate charts, and the ECharts script beside it in assets/, so
//     the page opens from disk and loads nothing from the network.
//
// Everything that comes from a source system (customer and project names,
// reasons, ids) is data, never markup or code: spreadsheet cells holding it
// are string cells, and the chart page escapes it for HTML and JavaScript.
package reports
