package files

import (
	"github.com/takt-billing/takt/extract"
)

// Source is the connector's name; raw tables are raw.files_<stream>.
const Source = "files"

// Facts that none of the three APIs has a place for come as export files
// dropped into the imports folder (see the README's "Imports" section).
// Every row also has id (the row's key from the file), updated_at (the
// file's modification time) and _raw (the row as a JSON object of its
// columns), plus file (name), file_sha256 and row (1-based data row).
var (
	// DunningNotices: dunning_notices.csv, one line per reminder sent.
	DunningNotices = extract.Stream{Name: "dunning_notices", Schema: extract.NewSchema(
		extract.Col("file", extract.String), extract.Col("file_sha256", extract.String), extract.Col("row", extract.Int64),
		extract.Col("invoice_number", extract.String),
		extract.Col("level", extract.Int64),
		extract.Col("notice_date", extract.Date),
		extract.Col("fee", extract.Amount),
		extract.Col("currency", extract.String),
	)}
	// Milestones: milestones.csv, fixed-price milestones of projects.
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
	// RateCards: rate_cards.csv, the firm's price list with validity.
	// task empty means every task of the project.
	RateCards = extract.Stream{Name: "rate_cards", Schema: extract.NewSchema(
		extract.Col("file", extract.String), extract.Col("file_sha256", extract.String), extract.Col("row", extract.Int64),
		extract.Col("project_code", extract.String),
		extract.Col("task", extract.String),
		extract.Col("hourly_rate", extract.Amount),
		extract.Col("currency", extract.String),
		extract.Col("valid_from", extract.Date),
		extract.Col("valid_to", extract.Date),
	)}
	// ChangeRequests: change_requests.csv, approved extra budget.
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
)

// Streams lists the connector's streams.
func Streams() []extract.Stream {
	return []extract.Stream{DunningNotices, Milestones, RateCards, ChangeRequests}
}
