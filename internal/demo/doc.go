// Package demo generates takt's demo company: a services firm with about 40
// customers, 120 projects, 30 people and 18 months of work, invoices,
// payments and dunning, deterministic from a seed and an as-of date. It
// renders the company into what each source system would hold (HubSpot,
// Harvest and Xero API objects, and the export files of facts no API has)
// and records the defects it injected as ground truth, so that tests can
// check that takt finds exactly those.
//
// # The firm and its systems
//
// The firm's base currency is EUR and its home country DE (VAT 19 %). It
// sells in HubSpot, tracks time in Harvest, bills time-and-materials work
// from Harvest and keeps its books in Xero:
//
//   - HubSpot: one company per customer (properties name, domain, country as
//     an ISO 3166 alpha-2 code, vat_id for customers that have one), one
//     closed-won deal per project (dealname, amount, deal_currency_code,
//     dealstage "closedwon", pipeline "default", closedate, billing_model
//     time_and_materials | fixed_price | retainer), associated with its
//     company; line items on each deal (hourly rate items for T&M with
//     hs_sku "RATE-<task>", one fixed-fee item for fixed price, one monthly
//     fee item for retainers).
//   - Harvest: one client per customer (currency of the customer), one
//     project per deal whose code is the HubSpot deal id (that is the
//     explicit link between the systems), tasks, task assignments with the
//     current hourly rate, users, time entries, expenses, and the invoices
//     for T&M work, created from tracked time so each billed entry carries
//     invoice {id, number} and is_billed true.
//   - Xero: one contact per customer (TaxNumber = VAT id where the customer
//     has one; AccountNumber is empty), every Harvest invoice synced as an
//     ACCREC invoice with the same InvoiceNumber and line items tracked to
//     the project code, fixed-price milestone invoices and retainer fee
//     invoices created in Xero directly, credit notes with allocations,
//     payments (some late, some partial), a few VOIDED and DRAFT invoices.
//   - Files (imports folder): dunning_notices.csv, milestones.csv,
//     rate_cards.csv, change_requests.csv. See extract/files for columns.
//
// Customer names are spelled differently in the three systems for some
// customers ("Müller Maschinenbau GmbH" in HubSpot, "Mueller Maschinenbau"
// in Harvest, "Müller Maschinenbau GmbH & Co. KG" in Xero); ids link them:
// Harvest project code -> HubSpot deal -> company, Harvest invoice number ->
// Xero invoice -> contact, and VAT ids between HubSpot and Xero.
//
// # Rules of the simulation
//
//   - Work: people log time on workdays (Mon-Fri) on their projects.
//     Entries on T&M projects are billable; on fixed-price and retainer
//     projects they are not. Timesheets are approved (Harvest is_closed)
//     weekly; the last 10 days before the as-of date are not approved yet.
//   - Rates: rate_cards.csv is the price list per T&M project and task with
//     valid_from/valid_to; some projects get a rate increase during the
//     period. An entry's billable_rate is the card rate valid on its date.
//   - Billing: in the first working days of each month the firm invoices
//     the previous month's approved billable time and approved billable
//     expenses of each T&M customer, one invoice per customer and currency,
//     lines per project and task (hours x rate) and per expense. Work of
//     the as-of month is not invoiced yet (it is normal unbilled WIP).
//   - Fixed price: milestones with due dates; reached milestones are
//     invoiced in Xero with Reference "MS-<milestone id>", and the
//     milestone row records the invoice number.
//   - Retainers: a monthly fee invoice in Xero, Reference
//     "RET-<project code>-<YYYY-MM>".
//   - VAT: DE customers 19 %; other EU customers with a VAT id reverse
//     charge (0 %); customers outside the EU not taxable here (0 %).
//   - Payments: most on time, some late, some partial; overdue invoices get
//     dunning notices (level 1, 2, 3) with fees.
//
// # Injected defects (ground truth)
//
// Truth lists, with the records involved and the amount at stake:
//   - approved, billable work never invoiced (beyond the as-of month's WIP);
//   - work billed twice: a time entry imported twice from the issue
//     tracker (same external_reference id) with both copies billed;
//   - rates that differ from the rate card valid on the entry's date;
//   - an entry whose hours changed after the invoice that billed it;
//   - a fixed-price milestone reached but not invoiced;
//   - a budget overrun without an approved change request.
//
// Truth also lists every unbilled item (approved, billable, not invoiced as
// of the as-of date) with its amount at the rate card, and the identity of
// every customer in the three systems.
package demo
