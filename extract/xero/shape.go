package xero

import "github.com/takt-billing/takt/extract"

// The fields the Accounting API documents for each collection. Those takt
// maps carry the JSON types they are read from: a change of type sends the
// record to the quarantine. Amounts accept strings too, because Xero sends
// some as strings (BatchPayment.TotalAmount "50.00"); a string that is no
// number is refused when it is parsed. The other fields are kept in _raw
// only and listed with JSONAny, so that they are known; any field not
// listed here is reported as schema drift.

const (
	str   = extract.JSONString
	num   = extract.JSONNumber | extract.JSONString
	flag  = extract.JSONBool | extract.JSONString
	obj   = extract.JSONObject
	arr   = extract.JSONArray
	kept  = extract.JSONAny // kept in _raw only
	dated = extract.JSONString
)

var contactShape = extract.Shape{
	"ContactID": str, "ContactNumber": str, "AccountNumber": str, "ContactStatus": str, "Name": str,
	"EmailAddress": str, "TaxNumber": str, "IsCustomer": flag, "DefaultCurrency": str, "Addresses": arr,
	"UpdatedDateUTC": dated, "UpdatedDateUTCString": dated,
	"FirstName": kept, "LastName": kept, "CompanyNumber": kept, "BankAccountDetails": kept, "TaxNumbeType": kept,
	"TaxNumberType": kept, "Phones": kept, "ContactGroups": kept, "IsSupplier": kept, "SalesDefaultLineAmountType": kept,
	"PurchasesDefaultLineAmountType": kept, "Balances": kept, "ContactPersons": kept, "HasAttachments": kept,
	"HasValidationErrors": kept, "AccountsReceivableTaxType": kept, "AccountsPayableTaxType": kept, "Discount": kept,
	"Website": kept, "BrandingTheme": kept, "PurchasesDefaultAccountCode": kept, "SalesDefaultAccountCode": kept,
	"BatchPayments": kept, "PaymentTerms": kept, "Attachments": kept, "XeroNetworkKey": kept, "MergedToContactID": kept,
	"SalesTrackingCategories": kept, "PurchasesTrackingCategories": kept, "TrackingCategoryName": kept,
	"TrackingCategoryOption": kept, "ValidationErrors": kept, "StatusAttributeString": kept,
}

var invoiceShape = extract.Shape{
	"InvoiceID": str, "Type": str, "InvoiceNumber": str, "Reference": str, "Contact": obj, "Status": str,
	"Date": dated, "DateString": dated, "DueDate": dated, "DueDateString": dated, "CurrencyCode": str,
	"CurrencyRate": num, "LineAmountTypes": str, "SubTotal": num, "TotalTax": num, "Total": num,
	"AmountDue": num, "AmountPaid": num, "AmountCredited": num, "FullyPaidOnDate": dated, "LineItems": arr,
	"UpdatedDateUTC": dated, "UpdatedDateUTCString": dated,
	"Payments": kept, "CreditNotes": kept, "Prepayments": kept, "Overpayments": kept, "SentToContact": kept,
	"HasErrors": kept, "IsDiscounted": kept, "HasAttachments": kept, "RepeatingInvoiceID": kept, "Attachments": kept,
	"StatusAttributeString": kept, "ValidationErrors": kept, "Warnings": kept, "InvoiceAddresses": kept,
	"InvoicePaymentServices": kept, "BrandingThemeID": kept, "Url": kept, "ExpectedPaymentDate": kept,
	"ExpectedPaymentDateString": kept, "PlannedPaymentDate": kept, "PlannedPaymentDateString": kept,
	"TotalDiscount": kept, "CISDeduction": kept, "CISRate": kept,
}

var creditNoteShape = extract.Shape{
	"CreditNoteID": str, "Type": str, "CreditNoteNumber": str, "Reference": str, "Contact": obj, "Status": str,
	"Date": dated, "DateString": dated, "CurrencyCode": str, "CurrencyRate": num, "SubTotal": num,
	"TotalTax": num, "Total": num, "RemainingCredit": num, "Allocations": arr, "LineItems": arr,
	"UpdatedDateUTC": dated, "UpdatedDateUTCString": dated,
	"ID": kept, "Payments": kept, "HasAttachments": kept, "LineAmountTypes": kept, "Attachments": kept,
	"HasErrors": kept, "InvoiceAddresses": kept, "FullyPaidOnDate": kept, "BrandingThemeID": kept,
	"SentToContact": kept, "AppliedAmount": kept, "ValidationErrors": kept, "Warnings": kept,
	"StatusAttributeString": kept, "CISDeduction": kept, "CISRate": kept,
}

var paymentShape = extract.Shape{
	"PaymentID": str, "Date": dated, "DateString": dated, "Amount": num, "CurrencyRate": num,
	"PaymentType": str, "Status": str, "Reference": str, "IsReconciled": flag, "Invoice": obj, "CreditNote": obj,
	"UpdatedDateUTC": dated, "UpdatedDateUTCString": dated,
	"BatchPaymentID": kept, "BatchPayment": kept, "BankAmount": kept, "HasAccount": kept, "Account": kept,
	"HasValidationErrors": kept, "Prepayment": kept, "Overpayment": kept, "Code": kept, "Details": kept,
	"BankAccountNumber": kept, "Particulars": kept, "ValidationErrors": kept, "Warnings": kept,
	"StatusAttributeString": kept,
}
