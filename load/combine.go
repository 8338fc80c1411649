//go:build duckdb_arrow

package load

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// scanChunkRows is the size the loader gives the Arrow batches DuckDB
// reads in one INSERT. DuckDB pays a fixed cost for every batch it pulls
// through the Arrow stream, so API pages (100 to 2,000 records) are joined
// into bigger ones; a few batches per transaction still let its two
// threads scan in parallel. Measured in load/bench_test.go.
const scanChunkRows = 32_768

// combine joins consecutive records of fewer than target rows into records
// of about target rows; bigger records stay as they are. The records it
// returns are new references the caller releases; recs are not released.
func combine(recs []arrow.RecordBatch, target int64) ([]arrow.RecordBatch, error) {
	var out []arrow.RecordBatch
	release := func() {
		for _, r := range out {
			r.Release()
		}
	}
	var group []arrow.RecordBatch
	var groupRows int64
	flush := func() error {
		switch len(group) {
		case 0:
			return nil
		case 1:
			group[0].Retain()
			out = append(out, group[0])
		default:
			rec, err := concatenate(group)
			if err != nil {
				return err
			}
			out = append(out, rec)
		}
		group, groupRows = group[:0], 0
		return nil
	}
	for _, r := range recs {
		if r.NumRows() >= target {
			if err := flush(); err != nil {
				release()
				return nil, err
			}
			r.Retain()
			out = append(out, r)
			continue
		}
		group = append(group, r)
		groupRows += r.NumRows()
		if groupRows >= target {
			if err := flush(); err != nil {
				release()
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		release()
		return nil, err
	}
	return out, nil
}

// concatenate joins records of one schema into one.
func concatenate(recs []arrow.RecordBatch) (arrow.RecordBatch, error) {
	schema := recs[0].Schema()
	cols := make([]arrow.Array, schema.NumFields())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	var rows int64
	for _, r := range recs {
		rows += r.NumRows()
	}
	parts := make([]arrow.Array, len(recs))
	for j := range cols {
		for i, r := range recs {
			parts[i] = r.Column(j)
		}
		c, err := array.Concatenate(parts, memory.DefaultAllocator)
		if err != nil {
			return nil, err
		}
		cols[j] = c
	}
	return array.NewRecordBatch(schema, cols, rows), nil
}
