package demo

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// arena encodes a list of objects into one buffer and hands them out as
// json.RawMessage slices of it: one allocation for tens of thousands of
// time entries instead of one each. HTML characters are not escaped, as
// the vendors do not escape them either ("Böhm & Söhne").
type arena struct {
	buf   bytes.Buffer
	enc   *json.Encoder
	spans [][2]int
	err   error
}

// newArena returns an arena for about n objects of about size bytes each.
func newArena(n, size int) *arena {
	a := &arena{spans: make([][2]int, 0, n)}
	a.buf.Grow(n * size)
	a.enc = json.NewEncoder(&a.buf)
	a.enc.SetEscapeHTML(false)
	return a
}

func (a *arena) add(v any) {
	if a.err != nil {
		return
	}
	start := a.buf.Len()
	if err := a.enc.Encode(v); err != nil {
		a.err = err
		return
	}
	a.spans = append(a.spans, [2]int{start, a.buf.Len() - 1}) // without the newline
}

// objects returns the encoded objects. Each slice's capacity ends with the
// object, so appending to one cannot overwrite the next.
func (a *arena) objects() ([]json.RawMessage, error) {
	if a.err != nil {
		return nil, a.err
	}
	b := a.buf.Bytes()
	out := make([]json.RawMessage, len(a.spans))
	for i, s := range a.spans {
		out[i] = json.RawMessage(b[s[0]:s[1]:s[1]])
	}
	return out, nil
}

// hvNum writes a number as Harvest does: a float literal with at least one
// decimal place (100.0, 2.25, 288.9).
func hvNum(d decimal.Decimal) json.Number {
	exp := d.Exponent()
	if exp < -9 || exp > 0 || d.Coefficient().BitLen() > 62 {
		s := d.String()
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return json.Number(s)
	}
	// Small values, the usual case, without big-number arithmetic.
	c := d.CoefficientInt64()
	b := make([]byte, 0, 24)
	if c < 0 {
		b = append(b, '-')
		c = -c
	}
	scale := int64(1)
	for range -exp {
		scale *= 10
	}
	b = strconv.AppendInt(b, c/scale, 10)
	b = append(b, '.')
	frac := c % scale
	if frac == 0 {
		return json.Number(append(b, '0'))
	}
	digits := int(-exp)
	for frac%10 == 0 {
		frac /= 10
		digits--
	}
	f := strconv.AppendInt(make([]byte, 0, 10), frac, 10)
	for range digits - len(f) {
		b = append(b, '0')
	}
	return json.Number(append(b, f...))
}

func hvNumPtr(d decimal.Decimal) *json.Number {
	n := hvNum(d)
	return &n
}

// xNum writes a number as Xero does: fixed decimal places (40.00,
// Quantity 1.0000, CurrencyRate 1.000000).
func xNum(d decimal.Decimal, places int32) json.Number { return json.Number(d.StringFixed(places)) }

func strPtr(s string) *string { return &s }
