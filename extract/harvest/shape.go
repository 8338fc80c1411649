package harvest

import "github.com/takt-billing/takt/extract"

// The fields Harvest's API v2 documents for each resource. Those takt maps
// carry the JSON types they are read from: a change of type sends the
// record to the quarantine. The others are kept in _raw only and listed
// with JSONAny, so that they are known; any field not listed here is
// reported as schema drift.

const (
	str  = extract.JSONString
	num  = extract.JSONNumber
	boo  = extract.JSONBool
	obj  = extract.JSONObject
	arr  = extract.JSONArray
	kept = extract.JSONAny // kept in _raw only
)

var clientShape = extract.Shape{
	"id": num, "name": str, "is_active": boo, "address": str, "currency": str,
	"created_at": str, "updated_at": str,
	"statement_key": kept,
}

var projectShape = extract.Shape{
	"id": num, "client": obj, "name": str, "code": str, "is_active": boo, "is_billable": boo,
	"is_fixed_fee": boo, "bill_by": str, "budget": num, "budget_by": str, "fee": num,
	"hourly_rate": num, "starts_on": str, "ends_on": str, "notes": str,
	"created_at": str, "updated_at": str,
	"budget_is_monthly": kept, "notify_when_over_budget": kept, "over_budget_notification_percentage": kept,
	"over_budget_notification_date": kept, "show_budget_to_all": kept, "cost_budget": kept,
	"cost_budget_include_expenses": kept,
}

var userShape = extract.Shape{
	"id": num, "first_name": str, "last_name": str, "email": str, "is_active": boo,
	"default_hourly_rate": num, "cost_rate": num, "created_at": str, "updated_at": str,
	"telephone": kept, "timezone": kept, "weekly_capacity": kept, "has_access_to_all_future_projects": kept,
	"is_contractor": kept, "roles": kept, "access_roles": kept, "permissions_claims": kept, "avatar_url": kept,
	"calendar_integration_enabled": kept, "calendar_integration_source": kept, "can_create_projects": kept,
	"is_admin": kept, "is_project_manager": kept, "can_see_rates": kept, "can_create_invoices": kept,
}

var taskShape = extract.Shape{
	"id": num, "name": str, "billable_by_default": boo, "default_hourly_rate": num, "is_active": boo,
	"created_at": str, "updated_at": str,
	"is_default": kept,
}

var taskAssignmentShape = extract.Shape{
	"id": num, "project": obj, "task": obj, "billable": boo, "is_active": boo, "hourly_rate": num,
	"budget": num, "created_at": str, "updated_at": str,
}

var timeEntryShape = extract.Shape{
	"id": num, "spent_date": str, "user": obj, "client": obj, "project": obj, "task": obj,
	"hours": num, "rounded_hours": num, "notes": str, "is_locked": boo, "locked_reason": str,
	"is_closed": boo, "is_billed": boo, "billable": boo, "billable_rate": num, "cost_rate": num,
	"invoice": obj, "external_reference": obj, "created_at": str, "updated_at": str,
	"user_assignment": kept, "task_assignment": kept, "hours_without_timer": kept, "timer_started_at": kept,
	"started_time": kept, "ended_time": kept, "is_running": kept, "budgeted": kept, "approval_status": kept,
}

var expenseShape = extract.Shape{
	"id": num, "spent_date": str, "user": obj, "client": obj, "project": obj, "expense_category": obj,
	"total_cost": num, "units": num, "billable": boo, "is_closed": boo, "is_billed": boo, "invoice": obj,
	"notes": str, "created_at": str, "updated_at": str,
	"is_locked": kept, "locked_reason": kept, "receipt": kept, "user_assignment": kept, "approval_status": kept,
}

var invoiceShape = extract.Shape{
	"id": num, "client": obj, "number": str, "state": str, "issue_date": str, "due_date": str,
	"sent_at": str, "paid_at": str, "currency": str, "amount": num, "due_amount": num, "tax": num,
	"tax_amount": num, "subject": str, "period_start": str, "period_end": str, "line_items": arr,
	"created_at": str, "updated_at": str,
	"client_key": kept, "purchase_order": kept, "tax2": kept, "tax2_amount": kept, "discount": kept,
	"discount_amount": kept, "notes": kept, "payment_term": kept, "payment_options": kept, "paid_date": kept,
	"closed_at": kept, "recurring_invoice_id": kept, "estimate": kept, "retainer": kept, "creator": kept,
}
