package hubspot

import (
	"slices"
	"testing"

	"github.com/takt-billing/takt/extract"
)

// The column lists must follow the declared schemas exactly: a mismatch
// would put values into the wrong columns.
func TestSpecsFollowSchemas(t *testing.T) {
	for _, s := range Streams() {
		spec := specs[s.Name]
		if spec == nil {
			t.Fatalf("stream %s has no spec", s.Name)
		}
		want := []string{extract.ColID, extract.ColUpdatedAt, "created_at", "archived"}
		for _, c := range spec.columns {
			want = append(want, c.name)
		}
		want = append(want, extract.ColRaw)
		var got []string
		for _, f := range s.Schema.Fields() {
			got = append(got, f.Name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("stream %s: schema columns %v, spec columns %v", s.Name, got, want)
		}
	}
}
