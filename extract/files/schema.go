package files

import (
	"github.com/takt-billing/takt/extract"
)

// Source is the connector's name; raw tables are raw.files_<stream>.
const Source = "files"

// Facts that none of the three APIs has a place for come as export files
// dropped into the imports folder (see the package documentation for the
// file contracts). Every row has id (the row's key), updated_at (the file's
// modification time) and _raw (the row as a JSON object), plus file (the
// file's name), file_sha256 (the SHA-256 of its bytes, naming the version)
// and row (the 1-based data row within the file).
//
// The streams are not Incremental: files have no updated-since filter and
// no sync modes apply. The connector still skips a file whose version the
// stream's cursor already lists.
var (
	// DunningNotices: one row per reminder sent.
	DunningNotices = extract.Stream{Name: "dunning_notices", Schema: extract.NewSchema(
		extract.Col("file", extract.String), extract.Col("file_sha256", extract.String), extract.Col("row", extract.Int64),
		extract.Col("invoice_number", extract.String),
		extract.Col("level", extract.Int64),
		extract.Col("notice_date", extract.Date),
		extract.Col("fee", extract.Amount),
		extract.Col("currency", extract.String),
	)}
	// Milestones: fixed-price milestones of projects.
	Milestones = extract.Stream{Name: "milestones", Schema: extract.NewSchema(
		extract.Col("file", extract.String), extract.Col("file_sha256", extract.String), extract.Col("row", extract.Int64),
		extract.Col("project_code", extract.String),
		extract.Col("name", extract.String),
		extract.Col("amount", extract.Amount),
		extract.Col("currency", extract.String),
		extract.Col("due_on", extract.Date),
		extract.Col("reached_on", extract.Date),
		extract.Col("accepted_on", extract.Date),
		extract.Col("invoice_number", extract.String),
	)}
	// RateCards: the firm's price list with validity. task empty means
	// every task of the project.
	RateCards = extract.Stream{Name: "rate_cards", Schema: extract.NewSchema(
		extract.Col("file", extract.String), extract.Col("file_sha256", extract.String), extract.Col("row", extract.Int64),
		extract.Col("project_code", extract.String),
		extract.Col("task", extract.String),
		extract.Col("hourly_rate", extract.Amount),
		extract.Col("currency", extract.String),
		extract.Col("valid_from", extract.Date),
		extract.Col("valid_to", extract.Date),
	)}
	// ChangeRequests: approved extra budget.
	ChangeRequests = extract.Stream{Name: "change_requests", Schema: extract.NewSchema(
		extract.Col("file", extract.String), extract.Col("file_sha256", extract.String), extract.Col("row", extract.Int64),
		extract.Col("project_code", extract.String),
		extract.Col("title", extract.String),
		extract.Col("status", extract.String),
		extract.Col("approved_on", extract.Date),
		extract.Col("extra_hours", extract.Amount),
		extract.Col("extra_amount", extract.Amount),
		extract.Col("currency", extract.String),
	)}
	// TimeEntries: time booked in a tool other than Harvest, one row per
	// entry. rate and currency are the tool's billable rate when it has
	// one; billable empty means the tool does not say.
	TimeEntries = extract.Stream{Name: "time_entries", Schema: extract.NewSchema(
		extract.Col("file", extract.String), extract.Col("file_sha256", extract.String), extract.Col("row", extract.Int64),
		extract.Col("date", extract.Date),
		extract.Col("person", extract.String),
		extract.Col("project_code", extract.String),
		extract.Col("task", extract.String),
		extract.Col("hours", extract.Amount),
		extract.Col("billable", extract.Bool),
		extract.Col("notes", extract.String),
		extract.Col("rate", extract.Amount),
		extract.Col("currency", extract.String),
	)}
	// FXRates: exchange rates, one row per day and currency: one unit of
	// base_currency buys rate units of currency (the ECB's convention,
	// e.g. EUR -> USD 1.0823). base_currency empty means the company's
	// base currency. id is "<date>/<currency>", or
	// "<date>/<base_currency>/<currency>" when the file names the base.
	FXRates = extract.Stream{Name: "fx_rates", Schema: extract.NewSchema(
		extract.Col("file", extract.String), extract.Col("file_sha256", extract.String), extract.Col("row", extract.Int64),
		extract.Col("date", extract.Date),
		extract.Col("base_currency", extract.String),
		extract.Col("currency", extract.String),
		extract.Col("rate", extract.Rate),
	)}
	// DATEVPostings: the postings of a DATEV EXTF Buchungsstapel, one row
	// per posting, with the batch's header on every row. amount is the
	// Umsatz as written (never negative); debit_credit says whether it is
	// debited ("S", Soll) or credited ("H", Haben) to account, the other
	// side going to contra_account. document_date is the Belegdatum with
	// the year taken from the batch's period. id is "<file>:<row>": DATEV
	// postings have no id of their own. batch_created is when the batch
	// was written, local time as DATEV writes it (it names no zone), e.g.
	// 2018-03-06T10:25:00.000.
	DATEVPostings = extract.Stream{Name: "datev_postings", Schema: extract.NewSchema(
		extract.Col("file", extract.String), extract.Col("file_sha256", extract.String), extract.Col("row", extract.Int64),
		extract.Col("amount", extract.Amount),
		extract.Col("debit_credit", extract.String),
		extract.Col("currency", extract.String),
		extract.Col("fx_rate", extract.Rate),
		extract.Col("base_amount", extract.Amount),
		extract.Col("base_currency", extract.String),
		extract.Col("account", extract.String),
		extract.Col("contra_account", extract.String),
		extract.Col("tax_key", extract.String),
		extract.Col("document_date", extract.Date),
		extract.Col("document_number", extract.String),
		extract.Col("posting_text", extract.String),
		extract.Col("format_version", extract.Int64),
		extract.Col("consultant_number", extract.Int64),
		extract.Col("client_number", extract.Int64),
		extract.Col("fiscal_year_start", extract.Date),
		extract.Col("account_length", extract.Int64),
		extract.Col("period_from", extract.Date),
		extract.Col("period_to", extract.Date),
		extract.Col("batch_name", extract.String),
		extract.Col("batch_created", extract.String),
	)}
)

// Streams lists the connector's streams.
func Streams() []extract.Stream {
	return []extract.Stream{DunningNotices, Milestones, RateCards, ChangeRequests, TimeEntries, FXRates, DATEVPostings}
}
