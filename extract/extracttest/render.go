package extracttest

import (
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/shopspring/decimal"
)

// Render shows the value at row i of an array of a stream schema's column
// as the suite compares it: NULL; strings as they are; int64 in decimal;
// true or false; dates as 2017-03-02; timestamps in UTC as
// 2017-06-27T16:47:14.123Z (RFC 3339, fractions only where there are
// some); decimals with all the places of their column (2.1100); lists of
// structs as [{field=value, ...}, ...].
func Render(a arrow.Array, i int) string {
	if a.IsNull(i) {
		return "NULL"
	}
	switch c := a.(type) {
	case *array.String:
		return c.Value(i)
	case *array.Int64:
		return strconv.FormatInt(c.Value(i), 10)
	case *array.Boolean:
		return strconv.FormatBool(c.Value(i))
	case *array.Date32:
		return c.Value(i).ToTime().UTC().Format(time.DateOnly)
	case *array.Timestamp:
		unit := c.DataType().(*arrow.TimestampType).Unit
		return c.Value(i).ToTime(unit).UTC().Format(time.RFC3339Nano)
	case *array.Decimal128:
		scale := c.DataType().(*arrow.Decimal128Type).Scale
		return decimal.NewFromBigInt(c.Value(i).BigInt(), -scale).StringFixed(scale)
	case *array.List:
		start, end := c.ValueOffsets(i)
		st := c.ListValues().(*array.Struct)
		fields := st.DataType().(*arrow.StructType).Fields()
		var b strings.Builder
		b.WriteByte('[')
		for k := start; k < end; k++ {
			if k > start {
				b.WriteString(", ")
			}
			b.WriteByte('{')
			for j, f := range fields {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(f.Name + "=" + Render(st.Field(j), int(k)))
			}
			b.WriteByte('}')
		}
		b.WriteByte(']')
		return b.String()
	}
	return a.ValueStr(i)
}
