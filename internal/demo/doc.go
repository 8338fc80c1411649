// Package demo generates takt's demo company: a services firm with about 40
// customers, 120 projects, 30 people and 18 months of work, invoices,
// payments and dunning, deterministic from a seed and an as-of date. It
// renders the company into what each source system would hold (HubSpot,
// Harvest and Xero API objects, and the export files of facts no API has)
// and records the defects it injected as ground truth, so that tests can
// check that takt finds exactly those.
//
// The same Options give byte-identical output. The history covers the 18
// calendar months up to and including the as-of month; nothing is dated
// after the as-of date, and no record was modified later than the day
// after it.
//
// # The firm and its systems
//
// The firm (Nordlicht Consulting GmbH) has base currency EUR and home
// country DE (VAT 19 %). It sells in HubSpot, tracks time in Harvest, bills
// time-and-materials work from Harvest and keeps its books in Xero:
//
//   - HubSpot: one company per customer (properties name, domain, country as
//     an ISO 3166 alpha-2 code, vat_id for customers that have one, null
//     otherwise), one closed-won deal per project (dealname, amount,
//     deal_currency_code, dealstage "closedwon", pipeline "default",
//     closedate, billing_model time_and_materials | fixed_price |
//     retainer), associated with its company; line items on each deal
//     (hourly rate items for T&M with hs_sku "RATE-<task>", the estimated
//     hours per task at the initial rate; one fixed-fee item for fixed
//     price; one monthly fee item for retainers, quantity the term in
//     months). A deal's amount is the sum of its line items.
//   - Harvest: one client per customer (currency of the customer), one
//     project per deal whose code is the HubSpot deal id (that is the
//     explicit link between the systems), the firm's tasks (Consulting,
//     Architecture, Development, Design, Testing, Training, Management),
//     task assignments with the current hourly rate (the rate card's rate
//     valid on the as-of date; T&M projects bill by task), users, time
//     entries in quarter hours, expenses, and the invoices for T&M work,
//     created from tracked time so each billed entry carries invoice {id,
//     number} and is_billed true. Some entries were imported from the
//     issue tracker and carry an external_reference with their own work
//     item id.
//   - Xero: one contact per customer (TaxNumber = VAT id where the customer
//     has one; AccountNumber is empty; the address country as an ISO code),
//     every Harvest invoice synced as an ACCREC invoice with the same
//     InvoiceNumber, totals and lines, each line tracked to the project
//     code (tracking category "Project"), fixed-price milestone invoices
//     and retainer fee invoices created in Xero directly, credit notes with
//     allocations, payments (some late, some partial), a few VOIDED and
//     DRAFT invoices. Harvest numbers its invoices 10001, 10002, ...; Xero
//     numbers its own INV-0001, INV-0002, ..., so the two never collide.
//   - Files (imports folder): dunning_notices.csv, milestones.csv,
//     rate_cards.csv, change_requests.csv. See extract/files for columns.
//
// Customer names are spelled differently in the three systems for eight
// customers ("Müller Maschinenbau GmbH" in HubSpot, "Mueller Maschinenbau"
// in Harvest, "Müller Maschinenbau GmbH & Co. KG" in Xero; others by
// umlaut transliteration, legal form dropped or written out, "&" against
// "und", or capitals); ids link them: Harvest project code -> HubSpot deal
// -> company, Harvest invoice number -> Xero invoice -> contact, and VAT
// ids between HubSpot and Xero. VAT ids have the format and check digit of
// their country (DE, AT, FR, NL, GB, CH); US customers have none.
//
// # Rules of the simulation
//
//   - Work: people log time on workdays (Mon-Fri, without the fixed public
//     holidays) on the projects they are staffed on, 7 to 8.5 hours a day
//     over several entries; every entry's notes are unique. Entries on T&M
//     projects are billable; on fixed-price and retainer projects they are
//     not. Timesheets are approved (Harvest is_closed) weekly, on the
//     Monday after the week and at the latest on the first workday of the
//     next month; the last 10 days up to the as-of date are not approved
//     yet. An approved entry was last updated when it was approved, before
//     any invoice billed it.
//   - Rates: rate_cards.csv is the price list per T&M project and task with
//     valid_from/valid_to (both inclusive; valid_to empty means open); some
//     projects get a rate increase during the period, always taking effect
//     on a Monday so that no work falls on the day a rate ends. An entry's
//     billable_rate is the card rate valid on its date.
//   - Billing: on the second to fourth workday of each month the firm
//     invoices the previous month's approved billable time and approved
//     billable expenses of each T&M customer, one invoice per customer and
//     currency, due in 30 days, one line per project, task and rate
//     (hours x rate) and one per expense (at cost). Work of the as-of month
//     is not invoiced yet (it is normal unbilled WIP).
//   - Fixed price: two to four milestones per project with due dates and
//     shares of the fee; reached milestones are invoiced in Xero one to
//     three days later with Reference "MS-<milestone id>", and the
//     milestone row records the invoice number.
//   - Retainers: a monthly fee invoice in Xero on the first workday of each
//     month of the term, billed in advance, Reference
//     "RET-<project code>-<YYYY-MM>".
//   - VAT: DE customers 19 % (Xero tax type OUTPUT); other EU customers
//     with a VAT id reverse charge, 0 % (ECZROUTPUTSERVICES); customers
//     outside the EU not taxable here, 0 % (ZERORATEDOUTPUT). Tax is
//     computed on an invoice's subtotal and rounded half away from zero to
//     the cent; Xero's line taxes add up to it.
//   - Payments: most within the 30 days' terms, some late (by up to 120
//     days and more), some in two parts, three old invoices never; payments
//     dated after the as-of date have not happened. A few retainer fees are
//     partly credited (unused hours) by a credit note allocated in full to
//     the invoice on the credit note's date. One milestone invoice and one
//     or two retainer invoices were issued with a wrong amount, VOIDED and
//     issued again under a new number; two or three invoices for extra
//     work are still DRAFTs in the as-of month.
//   - Dunning: an issued invoice not settled (paid or credited in full) by
//     7, 21 and 35 days after its due date gets a notice of level 1, 2 and
//     3 on that day, with fees 0, 5 and 10 in the invoice currency. An
//     invoice settled on or before a level's day never gets that notice.
//   - Budgets: T&M and fixed-price projects have a budget in hours
//     (Harvest budget_by "project"). A project whose approved hours exceed
//     its budget has approved change requests covering the excess, except
//     the injected overrun. Other change requests were rejected, are
//     pending, or added scope within budget.
//
// # Injected defects (ground truth)
//
// Truth lists, with the records involved and the amount at stake:
//   - approved, billable work never invoiced (beyond the as-of month's WIP):
//     10 to 20 time entries of earlier months left out of their invoices;
//   - work billed twice: a time entry imported twice from the issue
//     tracker (same external_reference id) with both copies billed;
//   - rates that differ from the rate card valid on the entry's date: the
//     old rate after an increase and a mistyped rate, both billed, and an
//     unapproved discount on approved work not billed yet;
//   - an entry whose hours changed after the invoice that billed it (its
//     updated_at weeks after the invoice's issue date);
//   - a fixed-price milestone reached (at least 30 days before the as-of
//     date) but not invoiced;
//   - a budget overrun without an approved change request (its request is
//     pending).
//
// Nothing else in the data breaks the rules above. Truth also lists every
// unbilled item (approved, billable time and expenses not invoiced as of
// the as-of date) with its amount at the rate card, and the identity of
// every customer in the three systems.
package demo
