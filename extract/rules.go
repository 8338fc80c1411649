package extract

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/takt-billing/takt/internal/money"
)

// Quarantine rules: the checks a record can fail. A record that fails one
// goes to the quarantine (ops.rejects) with the rule's name instead of
// failing its stream.
const (
	// RuleMissingID: the record has no id, so its versions cannot be told
	// apart.
	RuleMissingID = "missing_id"
	// RuleUnparsableDate: a date or timestamp that is not one.
	RuleUnparsableDate = "unparsable_date"
	// RuleUnparsableAmount: an amount, rate or quantity that is not an
	// exact decimal number (or is too large for its column).
	RuleUnparsableAmount = "unparsable_amount"
	// RuleTooManyDecimals: a decimal with more places than its column
	// holds; takt refuses to round it.
	RuleTooManyDecimals = "too_many_decimals"
	// RuleUnparsableValue: another value that is not what the field
	// holds (a boolean "maybe").
	RuleUnparsableValue = "unparsable_value"
	// RuleUnknownCurrency: a currency that is not an ISO 4217 code.
	RuleUnknownCurrency = "unknown_currency"
	// RuleNegativeHours: tracked hours below zero.
	RuleNegativeHours = "negative_hours"
	// RuleTypeChanged: a field takt maps arrived with another JSON type
	// than the one it is mapped from (a number as a string, an object
	// where a string was).
	RuleTypeChanged = "type_changed"
	// RuleUnknownProject: work booked onto a project the source does not
	// list. Checked when the SQL layers are built, not while extracting.
	RuleUnknownProject = "unknown_project"
	// RuleMissingProject: work (an expense) booked onto no project at all.
	// Checked when the SQL layers are built.
	RuleMissingProject = "missing_project"
)

// Invalid is the error of a field that fails a quarantine rule. Its text is
// "field <Field>: <Err>", the way connectors name fields in errors.
type Invalid struct {
	// Rule is one of the Rule constants.
	Rule string
	// Field is the field as the source names it ("hours",
	// "line_items[0].quantity", "Total").
	Field string
	Err   error
}

func (e *Invalid) Error() string { return "field " + e.Field + ": " + e.Err.Error() }
func (e *Invalid) Unwrap() error { return e.Err }

// Invalidf returns an *Invalid with a formatted error.
func Invalidf(rule, field, format string, args ...any) *Invalid {
	return &Invalid{Rule: rule, Field: field, Err: fmt.Errorf(format, args...)}
}

// DecimalRule is the rule a failed decimal conversion breaks: too many
// places, or not a number at all.
func DecimalRule(err error) string {
	if errors.Is(err, money.ErrTooManyDecimals) {
		return RuleTooManyDecimals
	}
	return RuleUnparsableAmount
}

// NewReject builds the quarantine entry of a record that failed
// validation. where names the system, stream, page and record
// ("harvest: time_entries page 3: record 636708723"); err is the failure,
// an *Invalid somewhere in its chain (anything else is filed under
// RuleUnparsableValue); system is the source's name as people write it
// ("Harvest"), used in the advice. The message is where, the failure and
// what to do: "harvest: time_entries page 3: record 636708723: field hours:
// -1.5 is below zero; correct the hours in Harvest (hours cannot be
// negative): the next run loads the corrected record".
func NewReject(where, recordID string, err error, payload []byte, system string) Reject {
	r := Reject{RecordID: recordID, Rule: RuleUnparsableValue, Payload: string(payload)}
	var inv *Invalid
	if errors.As(err, &inv) {
		r.Rule, r.Field = inv.Rule, inv.Field
	}
	r.Message = where + ": " + err.Error() + "; " + Advice(r.Rule, system)
	return r
}

// Advice says what a controller does about a record that broke rule in
// system.
func Advice(rule, system string) string {
	const next = ": the next run loads the corrected record"
	switch rule {
	case RuleMissingID:
		return system + " sent the record without an id, so takt cannot keep its versions apart; the payload is kept here: report it to " + system + " support if it recurs"
	case RuleTooManyDecimals:
		return "round the value in " + system + " to the places shown" + next
	case RuleUnknownCurrency:
		return "set an ISO 4217 currency code (such as EUR) on the record in " + system + next
	case RuleNegativeHours:
		return "correct the hours in " + system + " (hours cannot be negative)" + next
	case RuleTypeChanged:
		return system + " now sends this field with another JSON type than takt reads; the record stays in quarantine until takt reads the new type: report it to whoever runs takt"
	case RuleUnknownProject:
		return "book the work onto a project that exists in " + system + ", or restore the project" + next
	case RuleMissingProject:
		return "book the work onto a project in " + system + next
	}
	return "correct the value in " + system + next
}

// IsCurrency reports whether code is an ISO 4217 code of a currency
// money is invoiced in (letter case ignored). Fund codes, precious metals
// and testing codes are not; Croatia's kuna (HRK), replaced by the euro in
// 2023, still is because older documents carry it.
func IsCurrency(code string) bool {
	if len(code) != 3 {
		return false
	}
	_, ok := currencies[strings.ToUpper(code)]
	return ok
}

// CheckCurrency returns an *Invalid under RuleUnknownCurrency unless code
// is nil, empty or an ISO 4217 currency.
func CheckCurrency(field string, code *string) error {
	if code == nil || *code == "" || IsCurrency(*code) {
		return nil
	}
	return Invalidf(RuleUnknownCurrency, field, "%q is not an ISO 4217 currency code", *code)
}

// currencies are ISO 4217's active currency codes (list of 2025), the
// regional ones such as XAF and XCD included.
var currencies = func() map[string]struct{} {
	const codes = `AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL
BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS
KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN
MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG
SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU
UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL`
	m := map[string]struct{}{}
	for _, c := range strings.Fields(codes) {
		m[c] = struct{}{}
	}
	return m
}()

// JSONTypeChange reports whether err is a JSON value of another type than
// its wire field expects (*json.UnmarshalTypeError) naming the field: its
// path in the wire type, and what was got against what is wanted, for a
// type_changed refusal.
func JSONTypeChange(err error) (field, detail string, ok bool) {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || te.Field == "" {
		return "", "", false
	}
	return te.Field, fmt.Sprintf("got a JSON %s, want %s", te.Value, jsonKind(te.Type)), true
}

// jsonKind names a Go type as the JSON kind it decodes from, in the words
// of Shape's checks (json.Number is a number, not the string it is held in).
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[json.Number]() {
		return JSONNumber.String()
	}
	switch t.Kind() {
	case reflect.Bool:
		return JSONBool.String()
	case reflect.String:
		return JSONString.String()
	case reflect.Slice, reflect.Array:
		return JSONArray.String()
	case reflect.Struct, reflect.Map:
		return JSONObject.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return JSONNumber.String()
	}
	return t.Kind().String()
}
