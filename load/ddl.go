package load

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

var identRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// duckType is the DuckDB column type for an Arrow field type of a stream
// schema. Only the types extract/ declares are accepted.
func duckType(t arrow.DataType) (string, error) {
	switch tt := t.(type) {
	case *arrow.StringType:
		return "VARCHAR", nil
	case *arrow.Int64Type:
		return "BIGINT", nil
	case *arrow.BooleanType:
		return "BOOLEAN", nil
	case *arrow.Date32Type:
		return "DATE", nil
	case *arrow.TimestampType:
		if tt.Unit != arrow.Microsecond || tt.TimeZone != "UTC" {
			return "", fmt.Errorf("timestamp must be microseconds in UTC, got %s", tt)
		}
		return "TIMESTAMP WITH TIME ZONE", nil
	case *arrow.Decimal128Type:
		return fmt.Sprintf("DECIMAL(%d,%d)", tt.Precision, tt.Scale), nil
	case *arrow.ListType:
		st, ok := tt.Elem().(*arrow.StructType)
		if !ok {
			return "", fmt.Errorf("list of %s: only lists of structs are supported", tt.Elem())
		}
		parts := make([]string, 0, st.NumFields())
		for _, f := range st.Fields() {
			if !identRe.MatchString(f.Name) {
				return "", fmt.Errorf("struct field name %q is not a plain identifier", f.Name)
			}
			ft, err := duckType(f.Type)
			if err != nil {
				return "", fmt.Errorf("struct field %s: %w", f.Name, err)
			}
			parts = append(parts, f.Name+" "+ft)
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")[]", nil
	}
	return "", fmt.Errorf("unsupported column type %s", t)
}

// columnDef is one column of a raw table.
type columnDef struct {
	name, typ string
	notNull   bool
}

func rawColumns(schema *arrow.Schema) ([]columnDef, error) {
	cols := []columnDef{
		{name: "_run_id", typ: "BIGINT", notNull: true},
		{name: "_extracted_at", typ: "TIMESTAMP WITH TIME ZONE", notNull: true},
	}
	for _, f := range schema.Fields() {
		if !identRe.MatchString(strings.TrimPrefix(f.Name, "_")) {
			return nil, fmt.Errorf("column name %q is not a plain identifier", f.Name)
		}
		t, err := duckType(f.Type)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", f.Name, err)
		}
		cols = append(cols, columnDef{name: f.Name, typ: t, notNull: !f.Nullable})
	}
	return cols, nil
}

// createTableSQL is the DDL of a raw table. Table and column names come from
// the fixed stream registry and are checked against identRe.
func createTableSQL(table string, cols []columnDef) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE raw." + table + " (\n")
	for i, c := range cols {
		b.WriteString("    " + c.name + " " + c.typ)
		if c.notNull {
			b.WriteString(" NOT NULL")
		}
		if i < len(cols)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString(")")
	return b.String()
}

// normType makes information_schema's spelling comparable with duckType's.
func normType(t string) string {
	t = strings.ToUpper(strings.ReplaceAll(t, `"`, ""))
	t = strings.ReplaceAll(t, "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE")
	return strings.Join(strings.Fields(t), " ")
}
