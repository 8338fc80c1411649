// Package money holds the exact-decimal rules takt applies to amounts, hours
// and rates wherever they cross a boundary: parsing what a source sent,
// scaling into fixed-point columns, and rounding explicitly.
//
// Amounts are never float64. Parsing is exact; scaling refuses to drop
// digits; rounding happens only where a caller asks for it by name.
package money

import (
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/shopspring/decimal"
)

// ErrTooManyDecimals is returned when a value has more significant decimal
// places than the column it is meant for can hold.
var ErrTooManyDecimals = errors.New("more decimal places than allowed")

// ErrTooLarge is returned when a value does not fit the precision of its
// column.
var ErrTooLarge = errors.New("too large")

// Parse reads a decimal number exactly as a source sent it: "1234.50",
// "-0.1", "29", "1.000000". Empty strings, thousands separators, NaN and
// infinities are refused: a source that sends them needs a mapping rule.
func Parse(s string) (decimal.Decimal, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return decimal.Decimal{}, errors.New("empty number")
	}
	if strings.ContainsAny(t, ", _") {
		return decimal.Decimal{}, fmt.Errorf("%q is not a plain decimal number", s)
	}
	d, err := decimal.NewFromString(t)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%q is not a decimal number", s)
	}
	return d, nil
}

// Scaled returns d as an unscaled integer with the given number of decimal
// places (12.5 at scale 4 is 125000). It refuses values whose significant
// digits go beyond scale instead of rounding them, and values with more than
// precision digits in total.
func Scaled(d decimal.Decimal, precision, scale int32) (*big.Int, error) {
	shifted := d.Shift(scale)
	if !shifted.Equal(shifted.Truncate(0)) {
		return nil, fmt.Errorf("%s: %w (at most %d)", d.String(), ErrTooManyDecimals, scale)
	}
	v := shifted.BigInt()
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(precision)), nil)
	if new(big.Int).Abs(v).Cmp(limit) >= 0 {
		return nil, fmt.Errorf("%s: %w for %d digits", d.String(), ErrTooLarge, precision)
	}
	return v, nil
}

// FromScaled is the inverse of Scaled.
func FromScaled(v *big.Int, scale int32) decimal.Decimal {
	return decimal.NewFromBigInt(v, -scale)
}

// RoundCents rounds an amount to places decimal places, half away from zero
// (kaufmännisches Runden), the rule takt uses for every money amount it
// computes. Callers name each rounding step by calling it.
func RoundCents(d decimal.Decimal, places int32) decimal.Decimal {
	return d.Round(places)
}

// Fixed formats d with exactly places decimals, for JSON and CSV output
// ("3840.00"). It refuses to hide digits: if d has more significant decimals
// than places, it returns them all so that a lost cent is visible.
func Fixed(d decimal.Decimal, places int32) string {
	if d.Equal(d.Truncate(places)) {
		return d.StringFixed(places)
	}
	return d.String()
}
