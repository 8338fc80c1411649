package harvest

import (
	"github.com/takt-billing/takt/extract"
)

// Source is the connector's name; raw tables are raw.harvest_<stream>.
const Source = "harvest"

// Stream schemas. Every stream also has id (Harvest's integer id as text),
// updated_at and _raw (the whole object as Harvest sent it).
var (
	Clients = extract.Stream{Name: "clients", Incremental: true, Schema: extract.NewSchema(
		extract.Col("created_at", extract.Timestamp),
		extract.Col("name", extract.String),
		extract.Col("is_active", extract.Bool),
		extract.Col("currency", extract.String),
		extract.Col("address", extract.String),
	)}
	// Projects carry budget and billing settings. code is where the firm
	// keeps the CRM deal id of the project, if it does.
	Projects = extract.Stream{Name: "projects", Incremental: true, Schema: extract.NewSchema(
		extract.Col("created_at", extract.Timestamp),
		extract.Col("client_id", extract.String),
		extract.Col("name", extract.String),
		extract.Col("code", extract.String),
		extract.Col("is_active", extract.Bool),
		extract.Col("is_billable", extract.Bool),
		extract.Col("is_fixed_fee", extract.Bool),
		extract.Col("bill_by", extract.String),
		extract.Col("budget", extract.Amount),
		extract.Col("budget_by", extract.String),
		extract.Col("fee", extract.Amount),
		extract.Col("hourly_rate", extract.Amount),
		extract.Col("starts_on", extract.Date),
		extract.Col("ends_on", extract.Date),
		extract.Col("notes", extract.String),
	)}
	Users = extract.Stream{Name: "users", Incremental: true, Schema: extract.NewSchema(
		extract.Col("created_at", extract.Timestamp),
		extract.Col("first_name", extract.String),
		extract.Col("last_name", extract.String),
		extract.Col("email", extract.String),
		extract.Col("is_active", extract.Bool),
		extract.Col("default_hourly_rate", extract.Amount),
		extract.Col("cost_rate", extract.Amount),
	)}
	Tasks = extract.Stream{Name: "tasks", Incremental: true, Schema: extract.NewSchema(
		extract.Col("created_at", extract.Timestamp),
		extract.Col("name", extract.String),
		extract.Col("billable_by_default", extract.Bool),
		extract.Col("default_hourly_rate", extract.Amount),
		extract.Col("is_active", extract.Bool),
	)}
	// TaskAssignments hold a project's rate per task (Harvest's rate card
	// when a project bills by task).
	TaskAssignments = extract.Stream{Name: "task_assignments", Incremental: true, Schema: extract.NewSchema(
		extract.Col("created_at", extract.Timestamp),
		extract.Col("project_id", extract.String),
		extract.Col("task_id", extract.String),
		extract.Col("billable", extract.Bool),
		extract.Col("is_active", extract.Bool),
		extract.Col("hourly_rate", extract.Amount),
		extract.Col("budget", extract.Amount),
	)}
	// TimeEntries are tracked hours. is_closed is Harvest's approval flag
	// (timesheet approved); invoice_id links the entry to the Harvest
	// invoice that billed it; external_reference_id is the id of the work
	// item in the tool the entry was imported from.
	TimeEntries = extract.Stream{Name: "time_entries", Incremental: true, Schema: extract.NewSchema(
		extract.Col("created_at", extract.Timestamp),
		extract.Col("spent_date", extract.Date),
		extract.Col("user_id", extract.String),
		extract.Col("client_id", extract.String),
		extract.Col("project_id", extract.String),
		extract.Col("task_id", extract.String),
		extract.Col("hours", extract.Amount),
		extract.Col("rounded_hours", extract.Amount),
		extract.Col("notes", extract.String),
		extract.Col("is_locked", extract.Bool),
		extract.Col("locked_reason", extract.String),
		extract.Col("is_closed", extract.Bool),
		extract.Col("is_billed", extract.Bool),
		extract.Col("billable", extract.Bool),
		extract.Col("billable_rate", extract.Amount),
		extract.Col("cost_rate", extract.Amount),
		extract.Col("invoice_id", extract.String),
		extract.Col("invoice_number", extract.String),
		extract.Col("external_reference_id", extract.String),
		extract.Col("external_service", extract.String),
	)}
	Expenses = extract.Stream{Name: "expenses", Incremental: true, Schema: extract.NewSchema(
		extract.Col("created_at", extract.Timestamp),
		extract.Col("spent_date", extract.Date),
		extract.Col("user_id", extract.String),
		extract.Col("client_id", extract.String),
		extract.Col("project_id", extract.String),
		extract.Col("category", extract.String),
		extract.Col("total_cost", extract.Amount),
		extract.Col("units", extract.Amount),
		extract.Col("billable", extract.Bool),
		extract.Col("is_closed", extract.Bool),
		extract.Col("is_billed", extract.Bool),
		extract.Col("invoice_id", extract.String),
		extract.Col("invoice_number", extract.String),
		extract.Col("notes", extract.String),
	)}
	// Invoices are Harvest invoices with their line items. tax is a percent.
	Invoices = extract.Stream{Name: "invoices", Incremental: true, Schema: extract.NewSchema(
		extract.Col("created_at", extract.Timestamp),
		extract.Col("client_id", extract.String),
		extract.Col("number", extract.String),
		extract.Col("state", extract.String),
		extract.Col("issue_date", extract.Date),
		extract.Col("due_date", extract.Date),
		extract.Col("sent_at", extract.Timestamp),
		extract.Col("paid_at", extract.Timestamp),
		extract.Col("currency", extract.String),
		extract.Col("amount", extract.Amount),
		extract.Col("due_amount", extract.Amount),
		extract.Col("tax", extract.Rate),
		extract.Col("tax_amount", extract.Amount),
		extract.Col("subject", extract.String),
		extract.Col("period_start", extract.Date),
		extract.Col("period_end", extract.Date),
		extract.ListOf("line_items",
			extract.Col("id", extract.String),
			extract.Col("kind", extract.String),
			extract.Col("description", extract.String),
			extract.Col("project_id", extract.String),
			extract.Col("quantity", extract.Amount),
			extract.Col("unit_price", extract.Amount),
			extract.Col("amount", extract.Amount),
			extract.Col("taxed", extract.Bool),
		),
	)}
)

// Streams lists the connector's streams in extraction order.
func Streams() []extract.Stream {
	return []extract.Stream{Clients, Projects, Users, Tasks, TaskAssignments, TimeEntries, Expenses, Invoices}
}
