package xero_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/extract/xero"
)

// Documents are split into requests in their order: a new request when
// the type changes, after 50 documents, or before the body would pass
// 3.5 MB. A document larger than a request can be is refused by name.
func TestBatchesSplitByTypeCountAndSize(t *testing.T) {
	doc := func(typ string, n, lines int, text string) xero.DraftDocument {
		d := xero.DraftDocument{Type: typ, ContactName: "Alpha GmbH", Date: time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC),
			Number: fmt.Sprintf("TK-%04d", n), Currency: "EUR"}
		for i := 0; i < lines; i++ {
			d.Lines = append(d.Lines, xero.DraftLine{Description: text, Quantity: decimal.NewFromInt(1), UnitAmount: decimal.NewFromInt(10),
				LineAmount: decimal.NewFromInt(10), TaxType: "OUTPUT"})
		}
		return d
	}
	sizes := func(docs []xero.DraftDocument) string {
		b, err := xero.Batches(docs)
		if err != nil {
			return err.Error()
		}
		var out []string
		for _, x := range b {
			out = append(out, fmt.Sprintf("%s×%d", x[0].Type, len(x)))
			if body, err := xero.Body(x); err != nil || len(body) > xero.MaxRequestBytes {
				out = append(out, fmt.Sprintf("(body %d bytes, %v)", len(body), err))
			}
		}
		return strings.Join(out, " ")
	}
	var docs []xero.DraftDocument
	for i := 0; i < 120; i++ {
		docs = append(docs, doc(xero.TypeSalesInvoice, i, 2, "Consulting"))
	}
	docs = append(docs, doc(xero.TypeSalesCreditNote, 120, 1, "Credit"), doc(xero.TypeSalesInvoice, 121, 1, "Consulting"))
	if got, want := sizes(docs), "ACCREC×50 ACCREC×50 ACCREC×20 ACCRECCREDIT×1 ACCREC×1"; got != want {
		t.Errorf("by count and type: %s, want %s", got, want)
	}
	// Each document about 1 MB as JSON: three fit in 3.5 MB.
	long := strings.Repeat("x", 10_000)
	var big []xero.DraftDocument
	for i := 0; i < 7; i++ {
		big = append(big, doc(xero.TypeSalesInvoice, i, 100, long))
	}
	if got, want := sizes(big), "ACCREC×3 ACCREC×3 ACCREC×1"; got != want {
		t.Errorf("by size: %s, want %s", got, want)
	}
	if got := sizes([]xero.DraftDocument{doc(xero.TypeSalesInvoice, 1, 400, long)}); !strings.Contains(got, "ACCREC TK-0001 is 4") ||
		!strings.Contains(got, "split its lines over more than one document") {
		t.Errorf("a document over the limit: %s", got)
	}
}
