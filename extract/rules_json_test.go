package extract

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestJSONTypeChange(t *testing.T) {
	var v struct {
		Contact struct {
			ContactID string `json:"ContactID"`
		} `json:"Contact"`
		Lines []int       `json:"Lines"`
		Total json.Number `json:"Total"`
	}
	err := json.Unmarshal([]byte(`{"Contact":{"ContactID":42}}`), &v)
	field, detail, ok := JSONTypeChange(err)
	if !ok || field != "Contact.ContactID" || detail != "got a JSON number, want a string" {
		t.Errorf("nested string: %q %q %v", field, detail, ok)
	}
	err = json.Unmarshal([]byte(`{"Lines":{"a":1}}`), &v)
	if field, detail, ok = JSONTypeChange(err); !ok || field != "Lines" || detail != "got a JSON object, want an array" {
		t.Errorf("array: %q %q %v", field, detail, ok)
	}
	err = json.Unmarshal([]byte(`{"Total":true}`), &v)
	if field, detail, ok = JSONTypeChange(err); !ok || field != "Total" || detail != "got a JSON bool, want a number" {
		t.Errorf("json.Number: %q %q %v", field, detail, ok)
	}
	if _, _, ok := JSONTypeChange(errors.New("unexpected end of JSON input")); ok {
		t.Error("a syntax error is not a type change")
	}
}
