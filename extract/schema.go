package extract

import "github.com/apache/arrow-go/v18/arrow"

// Column types used in stream schemas. Amounts, hours and quantities are
// decimals with 4 places, exchange rates and percentages with 6; a value with
// more significant places is refused, never rounded.
var (
	String    arrow.DataType = arrow.BinaryTypes.String
	Int64     arrow.DataType = arrow.PrimitiveTypes.Int64
	Bool      arrow.DataType = arrow.FixedWidthTypes.Boolean
	Date      arrow.DataType = arrow.FixedWidthTypes.Date32
	Timestamp arrow.DataType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	Amount    arrow.DataType = &arrow.Decimal128Type{Precision: 18, Scale: 4}
	Rate      arrow.DataType = &arrow.Decimal128Type{Precision: 18, Scale: 6}
)

// Col declares a nullable column.
func Col(name string, t arrow.DataType) arrow.Field {
	return arrow.Field{Name: name, Type: t, Nullable: true}
}

// ListOf declares a nullable column holding a list of structs with the given
// fields (e.g. an invoice's line items).
func ListOf(name string, fields ...arrow.Field) arrow.Field {
	return arrow.Field{Name: name, Type: arrow.ListOf(arrow.StructOf(fields...)), Nullable: true}
}

// NewSchema builds a stream schema: id and updated_at first, the given
// columns, and _raw last.
func NewSchema(cols ...arrow.Field) *arrow.Schema {
	fields := make([]arrow.Field, 0, len(cols)+3)
	fields = append(fields,
		arrow.Field{Name: ColID, Type: String},
		arrow.Field{Name: ColUpdatedAt, Type: Timestamp},
	)
	fields = append(fields, cols...)
	fields = append(fields, arrow.Field{Name: ColRaw, Type: String})
	return arrow.NewSchema(fields, nil)
}
