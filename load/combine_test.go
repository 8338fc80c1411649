//go:build duckdb_arrow

package load

import (
	"fmt"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestCombineJoinsSmallRecordsInOrder(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	next := 0
	rec := func(n int) arrow.RecordBatch {
		b := array.NewRecordBuilder(mem, idSchema)
		defer b.Release()
		for i := 0; i < n; i++ {
			b.Field(0).(*array.StringBuilder).Append(fmt.Sprint(next))
			next++
		}
		return b.NewRecordBatch()
	}
	in := []arrow.RecordBatch{rec(10), rec(10), rec(50), rec(5), rec(5), rec(3)}
	out, err := combine(in, 20)
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int64
	var ids []string
	for _, r := range out {
		sizes = append(sizes, r.NumRows())
		col := r.Column(0).(*array.String)
		for i := 0; i < col.Len(); i++ {
			ids = append(ids, col.Value(i))
		}
		r.Release()
	}
	for _, r := range in {
		r.Release()
	}
	if !slices.Equal(sizes, []int64{20, 50, 13}) {
		t.Errorf("sizes %v, want [20 50 13]", sizes)
	}
	for i, id := range ids {
		if id != fmt.Sprint(i) {
			t.Fatalf("row %d is %s: order changed", i, id)
		}
	}
	if len(ids) != 83 {
		t.Errorf("%d rows", len(ids))
	}
	mem.AssertSize(t, 0)
}
