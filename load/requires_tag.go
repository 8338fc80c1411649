//go:build !duckdb_arrow

package load

// takt's loader uses duckdb-go's Arrow interface, which is compiled only with
// the duckdb_arrow build tag. Build and test through the Makefile (make demo,
// make test) or pass -tags duckdb_arrow; this undefined name makes a build
// without the tag fail here, with this explanation beside it.
var _ = buildWithTag_duckdb_arrow_see_README
