package extract

import (
	"errors"
	"slices"
	"testing"
)

func TestShapeCheck(t *testing.T) {
	shape := Shape{"id": JSONNumber, "hours": JSONNumber, "notes": JSONString, "client": JSONObject,
		"tags": JSONArray, "billable": JSONBool, "rate": JSONNumber | JSONString, "kept": JSONAny}
	cases := []struct {
		name, raw   string
		unknown     []string
		field, want string
	}{
		{"known fields and null", `{"id":1,"hours":2.5,"notes":null,"client":{"id":2,"n":"{\"}"},"tags":[1,[2]],"billable":false,"rate":"1.5","kept":[]}`, nil, "", ""},
		{"unknown fields in order, escapes and spaces", "{ \"id\" : 1 ,\n \"z\\u00e9\": {\"a\": [1, \"]\"]}, \"approval\": true }", []string{"zé", "approval"}, "", ""},
		{"number as a string", `{"id":1,"hours":"2.5"}`, nil, "hours", "field hours: got a JSON string, want a number"},
		{"string as an object", `{"id":1,"notes":{"text":"x"}}`, nil, "notes", "field notes: got a JSON object, want a string"},
		{"first change only, unknown still listed", `{"billable":"yes","hours":true,"x":1}`, []string{"x"}, "billable", "field billable: got a JSON string, want a boolean"},
		{"two kinds allowed", `{"rate":true}`, nil, "rate", "field rate: got a JSON boolean, want a string or a number"},
		{"empty object", `{}`, nil, "", ""},
	}
	for _, tc := range cases {
		unknown, err := shape.Check([]byte(tc.raw))
		if !slices.Equal(unknown, tc.unknown) {
			t.Errorf("%s: unknown %q, want %q", tc.name, unknown, tc.unknown)
		}
		var inv *Invalid
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: err %v", tc.name, err)
		case tc.want != "" && (!errors.As(err, &inv) || err.Error() != tc.want || inv.Field != tc.field || inv.Rule != RuleTypeChanged):
			t.Errorf("%s: err %v, want %s (field %s, type_changed)", tc.name, err, tc.want, tc.field)
		}
	}
	for _, bad := range []string{``, `[]`, `{"a"}`, `{"a":1`, `{"a":"x}`, `{"a":1,}`, `{"a" 1}`, `{"a":{"b":1}`} {
		if _, err := shape.Check([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestFieldSetNamesEachFieldOnce(t *testing.T) {
	var f FieldSet
	f.Add("", []string{"b", "a"})
	f.Add("properties", []string{"x"})
	if !f.Pending() {
		t.Fatal("nothing pending")
	}
	if got := f.Take(); !slices.Equal(got, []string{"a", "b", "properties.x"}) {
		t.Errorf("first take %v", got)
	}
	f.Add("", []string{"a", "c"})
	if got := f.Take(); !slices.Equal(got, []string{"c"}) || f.Pending() || f.Take() != nil {
		t.Errorf("second take %v", got)
	}
}

func TestCurrencies(t *testing.T) {
	for code, want := range map[string]bool{"EUR": true, "eur": true, "CHF": true, "HRK": true, "XOF": true,
		"EURO": false, "XAU": false, "XXX": false, "US$": false, "": false, "ZZZ": false} {
		if IsCurrency(code) != want {
			t.Errorf("IsCurrency(%q) = %v", code, !want)
		}
	}
	code := "EURO"
	err := CheckCurrency("currency", &code)
	var inv *Invalid
	if !errors.As(err, &inv) || inv.Rule != RuleUnknownCurrency || err.Error() != `field currency: "EURO" is not an ISO 4217 currency code` {
		t.Errorf("CheckCurrency: %v", err)
	}
	empty := ""
	if CheckCurrency("currency", nil) != nil || CheckCurrency("currency", &empty) != nil {
		t.Error("a missing currency is not an unknown one")
	}
}

func TestNewReject(t *testing.T) {
	r := NewReject("harvest: time_entries page 3: record 7", "7", Invalidf(RuleNegativeHours, "hours", "-1.5 is below zero"), []byte(`{"id":7}`), "Harvest")
	want := Reject{RecordID: "7", Rule: "negative_hours", Field: "hours", Payload: `{"id":7}`,
		Message: "harvest: time_entries page 3: record 7: field hours: -1.5 is below zero; correct the hours in Harvest (hours cannot be negative): the next run loads the corrected record"}
	if r != want {
		t.Errorf("got %+v\nwant %+v", r, want)
	}
	other := NewReject("x: record 1", "1", errors.New("odd"), nil, "Xero")
	if other.Rule != RuleUnparsableValue || other.Message != "x: record 1: odd; correct the value in Xero: the next run loads the corrected record" {
		t.Errorf("an error without a rule: %+v", other)
	}
}
