package main

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/internal/money"
)

// currencySums adds amounts per currency; amounts in different currencies
// are never added together.
type currencySums map[string]decimal.Decimal

func newCurrencySums() currencySums { return currencySums{} }

func (c currencySums) add(cur string, d decimal.Decimal) { c[cur] = c[cur].Add(d) }

func (c currencySums) String() string {
	if len(c) == 0 {
		return "0.00"
	}
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = money.Fixed(c[k], 2) + " " + k
	}
	return strings.Join(parts, ", ")
}

// notBuiltYet explains the usual cause of a missing table: no run yet.
func notBuiltYet(err error) error {
	msg := err.Error()
	if strings.Contains(msg, "does not exist") || strings.Contains(msg, "Catalog Error") {
		return errors.Join(fmt.Errorf("the warehouse has no reconciliation yet: run `takt run` (or `takt demo`) first"), err)
	}
	return err
}

// countOf says how many there are: "1 incident", "3 incidents".
func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
