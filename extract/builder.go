package extract

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/internal/money"
)

// RecordBuilder collects rows of one stream into Arrow record batches.
//
// Values are passed as plain Go values, one per column in schema order:
//
//	string column:    string, *string, json.RawMessage, []byte or nil
//	int64 column:     int64, int, *int64 or nil
//	bool column:      bool, *bool or nil
//	date column:      time.Time (its calendar date as written), *time.Time or nil
//	timestamp column: time.Time (any zone, stored as UTC), *time.Time or nil
//	decimal column:   decimal.Decimal, *decimal.Decimal, decimal.NullDecimal or nil
//	list<struct>:     [][]any, one []any per element in struct field order, or nil
//
// A row is checked completely before any of it is appended, so a refused row
// leaves the builder unchanged.
type RecordBuilder struct {
	schema *arrow.Schema
	b      *array.RecordBuilder
	rows   int
}

// NewRecordBuilder returns a builder for schema. Release it when done.
func NewRecordBuilder(mem memory.Allocator, schema *arrow.Schema) *RecordBuilder {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return &RecordBuilder{schema: schema, b: array.NewRecordBuilder(mem, schema)}
}

// ColumnError says which column refused which value.
type ColumnError struct {
	Column string
	Err    error
}

func (e *ColumnError) Error() string { return fmt.Sprintf("field %s: %v", e.Column, e.Err) }
func (e *ColumnError) Unwrap() error { return e.Err }

// Append adds one row. On error nothing is appended and the error is a
// *ColumnError naming the column.
func (r *RecordBuilder) Append(values ...any) error {
	fields := r.schema.Fields()
	if len(values) != len(fields) {
		return fmt.Errorf("row has %d values, schema has %d columns", len(values), len(fields))
	}
	conv := make([]any, len(values))
	for i, f := range fields {
		c, err := convert(f.Type, values[i])
		if err != nil {
			return &ColumnError{Column: f.Name, Err: err}
		}
		if c == nil && !f.Nullable {
			return &ColumnError{Column: f.Name, Err: fmt.Errorf("missing value")}
		}
		conv[i] = c
	}
	for i := range fields {
		appendValue(r.b.Field(i), conv[i])
	}
	r.rows++
	return nil
}

// Len is the number of rows appended since the last NewRecord.
func (r *RecordBuilder) Len() int { return r.rows }

// NewRecord returns the rows appended so far as a record batch and starts a
// new one. The caller releases the record.
func (r *RecordBuilder) NewRecord() arrow.RecordBatch {
	r.rows = 0
	return r.b.NewRecordBatch()
}

// Release frees the builder's memory.
func (r *RecordBuilder) Release() { r.b.Release() }

// date32 is a converted date value, days since the Unix epoch.
type date32 int32

// tsMicros is a converted timestamp, microseconds since the Unix epoch.
type tsMicros int64

// listValue is a converted list<struct> value.
type listValue [][]any

func convert(t arrow.DataType, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t.ID() {
	case arrow.STRING:
		switch x := v.(type) {
		case string:
			return x, nil
		case *string:
			if x == nil {
				return nil, nil
			}
			return *x, nil
		case json.RawMessage:
			return string(x), nil
		case []byte:
			return string(x), nil
		}
	case arrow.INT64:
		switch x := v.(type) {
		case int64:
			return x, nil
		case int:
			return int64(x), nil
		case *int64:
			if x == nil {
				return nil, nil
			}
			return *x, nil
		}
	case arrow.BOOL:
		switch x := v.(type) {
		case bool:
			return x, nil
		case *bool:
			if x == nil {
				return nil, nil
			}
			return *x, nil
		}
	case arrow.DATE32:
		switch x := v.(type) {
		case time.Time:
			return toDate32(x), nil
		case *time.Time:
			if x == nil {
				return nil, nil
			}
			return toDate32(*x), nil
		}
	case arrow.TIMESTAMP:
		switch x := v.(type) {
		case time.Time:
			return tsMicros(x.UTC().UnixMicro()), nil
		case *time.Time:
			if x == nil {
				return nil, nil
			}
			return tsMicros(x.UTC().UnixMicro()), nil
		}
	case arrow.DECIMAL128:
		dt := t.(*arrow.Decimal128Type)
		var d decimal.Decimal
		switch x := v.(type) {
		case decimal.Decimal:
			d = x
		case *decimal.Decimal:
			if x == nil {
				return nil, nil
			}
			d = *x
		case decimal.NullDecimal:
			if !x.Valid {
				return nil, nil
			}
			d = x.Decimal
		default:
			return nil, fmt.Errorf("got %T, want a decimal", v)
		}
		scaled, err := money.Scaled(d, dt.Precision, dt.Scale)
		if err != nil {
			return nil, err
		}
		return decimal128.FromBigInt(scaled), nil
	case arrow.LIST:
		x, ok := v.([][]any)
		if !ok {
			break
		}
		st := t.(*arrow.ListType).Elem().(*arrow.StructType)
		out := make(listValue, len(x))
		for i, elem := range x {
			if len(elem) != st.NumFields() {
				return nil, fmt.Errorf("element %d has %d values, want %d", i, len(elem), st.NumFields())
			}
			ce := make([]any, len(elem))
			for j, f := range st.Fields() {
				c, err := convert(f.Type, elem[j])
				if err != nil {
					return nil, fmt.Errorf("element %d field %s: %w", i, f.Name, err)
				}
				ce[j] = c
			}
			out[i] = ce
		}
		return out, nil
	}
	return nil, fmt.Errorf("got %T, want a value for %s", v, t)
}

func toDate32(t time.Time) date32 {
	y, m, d := t.Date()
	return date32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func appendValue(b array.Builder, v any) {
	if v == nil {
		b.AppendNull()
		return
	}
	switch bb := b.(type) {
	case *array.StringBuilder:
		bb.Append(v.(string))
	case *array.Int64Builder:
		bb.Append(v.(int64))
	case *array.BooleanBuilder:
		bb.Append(v.(bool))
	case *array.Date32Builder:
		bb.Append(arrow.Date32(v.(date32)))
	case *array.TimestampBuilder:
		bb.Append(arrow.Timestamp(v.(tsMicros)))
	case *array.Decimal128Builder:
		bb.Append(v.(decimal128.Num))
	case *array.ListBuilder:
		bb.Append(true)
		sb := bb.ValueBuilder().(*array.StructBuilder)
		for _, elem := range v.(listValue) {
			sb.Append(true)
			for j, fv := range elem {
				appendValue(sb.FieldBuilder(j), fv)
			}
		}
	default:
		panic(fmt.Sprintf("extract: no appender for %T", b))
	}
}
