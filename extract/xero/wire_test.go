package xero

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestParseMSDate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		err  string
	}{
		{in: "/Date(1539993600000+0000)/", want: "2018-10-20T00:00:00Z"},
		{in: "/Date(1552326816230)/", want: "2019-03-11T17:53:36.23Z"},
		// The offset names the zone the value was shown in; the instant
		// is the milliseconds.
		{in: "/Date(1539993600000+1300)/", want: "2018-10-20T00:00:00Z"},
		{in: "/Date(-86400000+0000)/", want: "1969-12-31T00:00:00Z"},
		{in: "2018-10-20T00:00:00", err: `"2018-10-20T00:00:00" is not a Xero date like /Date(1539993600000+0000)/`},
		{in: "/Date(1539993600000+00)/", err: `"/Date(1539993600000+00)/" is not a Xero date like /Date(1539993600000+0000)/`},
	} {
		got, err := parseMSDate(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: err = %v, want %s", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got.Format(time.RFC3339Nano) != tc.want || got.Location() != time.UTC {
			t.Errorf("%s = %s, %v; want %s", tc.in, got.Format(time.RFC3339Nano), err, tc.want)
		}
	}
}

func TestCalendarDates(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, tc := range []struct {
		name             string
		dateString, date *string
		want             any
	}{
		{"string twin wins", s("2018-10-20T00:00:00"), s("/Date(1539907200000+0000)/"), time.Date(2018, 10, 20, 0, 0, 0, 0, time.UTC)},
		{"date only string", s("2018-10-20"), nil, time.Date(2018, 10, 20, 0, 0, 0, 0, time.UTC)},
		{"UTC date of the /Date()/ value", nil, s("/Date(1543449600000+0000)/"), time.Date(2018, 11, 29, 0, 0, 0, 0, time.UTC)},
		{"late in the UTC day", s(""), s("/Date(1543535999999+0000)/"), time.Date(2018, 11, 29, 0, 0, 0, 0, time.UTC)},
		{"absent", nil, nil, nil},
	} {
		var f fields
		got := f.date("Date", tc.dateString, tc.date)
		if f.err != nil || got != tc.want {
			t.Errorf("%s: %v, %v; want %v", tc.name, got, f.err, tc.want)
		}
	}
}

func TestNumbersDecodeExactly(t *testing.T) {
	var v struct {
		A, B, C, D, E number
		Missing       number
	}
	err := json.Unmarshal([]byte(`{"A":40.00,"B":29,"C":"50.00","D":null,"E":1.000000}`), &v)
	if err != nil {
		t.Fatal(err)
	}
	if v.A.text != "40.00" || v.B.text != "29" || v.C.text != "50.00" || v.D.set || v.Missing.set || v.E.text != "1.000000" {
		t.Fatalf("decoded %+v", v)
	}
	var f fields
	a := f.amount("A", v.A).(decimal.Decimal)
	r := f.rate("E", v.E).(decimal.Decimal)
	if f.err != nil || a.String() != "40" || !a.Equal(decimal.RequireFromString("40")) || r.String() != "1" {
		t.Errorf("amount %v rate %v err %v", a, r, f.err)
	}
	// 0.1 + 0.2 is exact as decimals, unlike through float64.
	var n struct{ X, Y number }
	_ = json.Unmarshal([]byte(`{"X":0.1,"Y":0.2}`), &n)
	sum := f.amount("X", n.X).(decimal.Decimal).Add(f.amount("Y", n.Y).(decimal.Decimal))
	if sum.String() != "0.3" {
		t.Errorf("0.1 + 0.2 = %s", sum)
	}
	if got := f.amount("D", v.D); got != nil {
		t.Errorf("null amount = %v, want nil", got)
	}
}

func TestFlexBool(t *testing.T) {
	var v struct{ A, B, C flexBool }
	if err := json.Unmarshal([]byte(`{"A":true,"B":"false"}`), &v); err != nil {
		t.Fatal(err)
	}
	var f fields
	if f.boolean("A", v.A) != true || f.boolean("B", v.B) != false || f.boolean("C", v.C) != nil || f.err != nil {
		t.Errorf("flexBool: %+v %v", v, f.err)
	}
}
