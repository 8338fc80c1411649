package money

import (
	"errors"
	"math/big"
	"testing"

	"github.com/shopspring/decimal"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want string
		err  bool
	}{
		{"1234.50", "1234.5", false},
		{"-0.10", "-0.1", false},
		{"29", "29", false},
		{"1.000000", "1", false},
		{"2.11", "2.11", false},
		{"", "", true},
		{"1,5", "", true},
		{"1 000", "", true},
		{"abc", "", true},
		{"NaN", "", true},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if c.err {
			if err == nil {
				t.Errorf("Parse(%q) = %s, want error", c.in, got)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.in, err)
		}
		if !got.Equal(decimal.RequireFromString(c.want)) {
			t.Errorf("Parse(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestScaled(t *testing.T) {
	v, err := Scaled(decimal.RequireFromString("12.5"), 18, 4)
	if err != nil || v.Cmp(big.NewInt(125000)) != 0 {
		t.Fatalf("Scaled(12.5, 4) = %v, %v; want 125000", v, err)
	}
	v, err = Scaled(decimal.RequireFromString("-0.01"), 18, 2)
	if err != nil || v.Cmp(big.NewInt(-1)) != 0 {
		t.Fatalf("Scaled(-0.01, 2) = %v, %v; want -1", v, err)
	}
	if _, err := Scaled(decimal.RequireFromString("2.11111"), 18, 4); !errors.Is(err, ErrTooManyDecimals) {
		t.Fatalf("Scaled(2.11111, 4) error = %v, want ErrTooManyDecimals", err)
	}
	if _, err := Scaled(decimal.RequireFromString("100000000000000"), 18, 4); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Scaled(1e14, 18, 4) error = %v, want ErrTooLarge", err)
	}
	if got := FromScaled(big.NewInt(125000), 4); !got.Equal(decimal.RequireFromString("12.5")) {
		t.Fatalf("FromScaled = %s", got)
	}
}

func TestRoundAndFixed(t *testing.T) {
	cases := []struct{ in, want string }{
		{"0.125", "0.13"},
		{"-0.125", "-0.13"},
		{"2.344999", "2.34"},
	}
	for _, c := range cases {
		if got := RoundCents(decimal.RequireFromString(c.in), 2).StringFixed(2); got != c.want {
			t.Errorf("RoundCents(%s) = %s, want %s", c.in, got, c.want)
		}
	}
	if got := Fixed(decimal.RequireFromString("3840"), 2); got != "3840.00" {
		t.Errorf("Fixed(3840) = %s", got)
	}
	if got := Fixed(decimal.RequireFromString("1.005"), 2); got != "1.005" {
		t.Errorf("Fixed(1.005) = %s, want the full value", got)
	}
}
