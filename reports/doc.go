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
//   - WriteExcel: the monthly pack as an .xlsx workbook with the sheets
//     Summary, Unbilled work, Draft billing run, Exceptions, AR aging,
//     Dunning, Incidents and Data quality, labelled and formatted in
//     English or German, streamed so a million unbilled items fit in
//     bounded memory (LoadPack fills the Pack from the warehouse).
//   - WriteReconciliationExcel: the reconciliation report as an .xlsx
//     workbook, unbilled work and exceptions by customer.
//   - WriteKPIPage and WriteAssets: the chart page of a KPI family, and
//     the ECharts script beside it in assets/, so the page opens from disk
//     and loads nothing from the network.
//   - WriteSite: the report site of a month as files in one folder, the
//     same pages the service serves: an index (WriteIndexPage), a chart
//     page per KPI family with baselines, targets and incidents
//     (WriteKPIPage), the retro of a period (WriteRetroPage) and the
//     reconciliation report (WriteReconciliationPage; on its own,
//     WriteReconciliationReport).
//
// Everything that comes from a source system (customer and project names,
// reasons, ids) is data, never markup or code: spreadsheet cells holding it
// are string cells, and the chart page escapes it for HTML and JavaScript.
package reports
