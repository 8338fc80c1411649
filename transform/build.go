package transform

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	sqlfiles "github.com/takt-billing/takt/sql"
)

// A run rebuilds only the models whose inputs changed since their last
// build, as a build system does: each model has an input key (a hash of
// its SQL, the output keys of the models it reads and fingerprints of the
// raw, ops, billing, audit and incident tables it reads) and an output
// key (a hash of the columns and rows of its tables and of the SQL of its
// views and macros). A model whose input key matches its last build, and
// whose objects are all there, is left as it is; a model rebuilt to the
// same rows keeps its output key, so its readers are left alone too
// ("early cutoff"). A model with a delta (the current views of the source
// streams) whose only changed inputs are raw tables that grew is brought
// up to date from the new rows instead of rebuilt (deltaSince).
// ops.build_state holds the keys, written in the transaction that builds
// the models.

// querier is what the keys are read through: the models' transaction,
// or the warehouse for the data tests.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// buildState is one row of ops.build_state.
type buildState struct {
	input, output string
	// parts are what input hashes: "sql", "model <name>" and
	// "table <schema.name>", each with its key or fingerprint.
	parts    map[string]string
	failures int64
	sample   string
}

// inputs is a model's (or data test's) input key and what it hashes.
type inputs struct {
	key   string
	parts map[string]string
}

// keys computes input and output keys for one run. Fingerprints of
// tables outside the models are read once per run.
type keys struct {
	q    querier
	prev map[string]buildState
	// present holds every table, view and macro in the warehouse.
	present map[string]bool
	// columns are the columns of the tables outside the models.
	columns map[string]string
	ext     map[string]string
	out     map[string]string
	// puts are the build states to record, by name.
	puts map[string]buildState
	// engine is the DuckDB version: a new one may compute differently, so
	// it rebuilds everything once.
	engine string
}

func newKeys(ctx context.Context, q querier) (*keys, error) {
	k := &keys{q: q, prev: map[string]buildState{}, present: map[string]bool{}, ext: map[string]string{}, out: map[string]string{}, puts: map[string]buildState{}}
	if err := q.QueryRowContext(ctx, `SELECT version()`).Scan(&k.engine); err != nil {
		return nil, fmt.Errorf("transform: DuckDB version: %w", err)
	}
	rows, err := q.QueryContext(ctx, sqlfiles.Query("build_states"))
	if err != nil {
		return nil, fmt.Errorf("transform: read build state: %w", err)
	}
	for rows.Next() {
		var name, parts string
		var st buildState
		if err := rows.Scan(&name, &st.input, &parts, &st.output, &st.failures, &st.sample); err != nil {
			rows.Close()
			return nil, err
		}
		// Parts that do not parse leave the model without a delta: it is
		// rebuilt whole.
		_ = json.Unmarshal([]byte(parts), &st.parts)
		k.prev[name] = st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, sqlfiles.Query("warehouse_objects"))
	if err != nil {
		return nil, fmt.Errorf("transform: list warehouse objects: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var obj string
		if err := rows.Scan(&obj); err != nil {
			return nil, err
		}
		k.present[obj] = true
	}
	return k, rows.Err()
}

// inputKey hashes what a model or data test reads: its SQL, the DuckDB
// version, the output keys of the models it reads (built earlier in this
// run) and the fingerprints of the tables outside the models.
func (k *keys) inputKey(ctx context.Context, sqlText string, deps, externals []string) (inputs, error) {
	sum := sha256.Sum256([]byte(sqlText))
	parts := map[string]string{"sql": "duckdb " + k.engine + " " + hex.EncodeToString(sum[:])}
	for _, d := range deps {
		parts["model "+d] = k.out[d]
	}
	for _, e := range externals {
		fp, err := k.external(ctx, e)
		if err != nil {
			return inputs{}, err
		}
		parts["table "+e] = fp
	}
	h := sha256.New()
	for _, name := range slices.Sorted(maps.Keys(parts)) {
		fmt.Fprintf(h, "%s\t%s\n", name, parts[name])
	}
	return inputs{key: hex.EncodeToString(h.Sum(nil)), parts: parts}, nil
}

// deltaSince reports whether a model with a delta can be brought up to
// date instead of rebuilt, and from which run: it was built before, its
// objects are there, and the only inputs that changed are raw tables that
// only grew by rows of runs after the latest one the last build saw (the
// same columns; checked by counting the rows up to that run). Raw tables
// are append-only, so those rows are all the last build did not see.
func (k *keys) deltaSince(ctx context.Context, m Model, in inputs) (since int64, ok bool, err error) {
	st, built := k.prev[m.Name]
	if m.Delta == "" || !built || st.output == "" || len(st.parts) != len(in.parts) || !k.allPresent(m) {
		return 0, false, nil
	}
	for name, now := range in.parts {
		before, seen := st.parts[name]
		switch {
		case !seen:
			return 0, false, nil
		case before == now:
			continue
		case !strings.HasPrefix(name, "table raw."):
			return 0, false, nil
		}
		b, okb := parseRawFingerprint(before)
		n, okn := parseRawFingerprint(now)
		if !okb || !okn || b.cols != n.cols || n.rows < b.rows {
			return 0, false, nil
		}
		schema, table, _ := strings.Cut(strings.TrimPrefix(name, "table "), ".")
		var old int64
		if err := k.q.QueryRowContext(ctx, tableQuery("build_rows_up_to_run", schema, table), b.maxRun).Scan(&old); err != nil {
			return 0, false, fmt.Errorf("transform: rows of %s.%s up to run %d: %w", schema, table, b.maxRun, err)
		}
		if old != b.rows {
			return 0, false, nil
		}
		if !ok || b.maxRun < since {
			since = b.maxRun
		}
		ok = true
	}
	return since, ok, nil
}

// rawFingerprint is what fingerprints an append-only raw table: its
// columns, how many rows it holds and the latest run that wrote one (-1:
// none).
type rawFingerprint struct {
	cols         string
	rows, maxRun int64
}

func (f rawFingerprint) String() string {
	return fmt.Sprintf("%s | %d rows | run %d", f.cols, f.rows, f.maxRun)
}

func parseRawFingerprint(s string) (rawFingerprint, bool) {
	i := strings.LastIndex(s, " | ")
	if i < 0 {
		return rawFingerprint{}, false
	}
	j := strings.LastIndex(s[:i], " | ")
	if j < 0 {
		return rawFingerprint{}, false
	}
	f := rawFingerprint{cols: s[:j]}
	if _, err := fmt.Sscanf(s[j+3:i], "%d rows", &f.rows); err != nil {
		return rawFingerprint{}, false
	}
	if _, err := fmt.Sscanf(s[i+3:], "run %d", &f.maxRun); err != nil {
		return rawFingerprint{}, false
	}
	return f, true
}

// external fingerprints a table outside the models. Raw tables are
// append-only, so their columns and row count say whether they changed;
// other tables are updated in place and are hashed whole. Most are small
// (settings, syncs, runs); billing's lines, items and ledger grow with
// every billing run, and hashing rows costs 0.2–0.3 s per million (as
// measured on core.time_entries).
func (k *keys) external(ctx context.Context, table string) (string, error) {
	if fp, ok := k.ext[table]; ok {
		return fp, nil
	}
	schema, name, _ := strings.Cut(table, ".")
	if k.columns == nil {
		if err := k.readColumns(ctx); err != nil {
			return "", err
		}
	}
	fp := "absent"
	if cols, ok := k.columns[table]; ok {
		if schema == "raw" {
			f := rawFingerprint{cols: cols}
			if err := k.q.QueryRowContext(ctx, tableQuery("build_raw_fingerprint", schema, name)).Scan(&f.rows, &f.maxRun); err != nil {
				return "", fmt.Errorf("transform: fingerprint of %s: %w", table, err)
			}
			fp = f.String()
		} else {
			rows, err := k.rowsHash(ctx, schema, name)
			if err != nil {
				return "", fmt.Errorf("transform: fingerprint of %s: %w", table, err)
			}
			fp = cols + " | " + rows
		}
	}
	k.ext[table] = fp
	return fp, nil
}

// readColumns reads the columns of every table outside the models.
func (k *keys) readColumns(ctx context.Context) (err error) {
	k.columns, err = k.tableColumns(ctx, []string{"raw", "ops", "billing", "audit", "incident"}, []string{})
	return err
}

// tableColumns reads the columns of the tables of schemas and of tables
// (schema.name), by table (build_columns).
func (k *keys) tableColumns(ctx context.Context, schemas, tables []string) (map[string]string, error) {
	rows, err := k.q.QueryContext(ctx, sqlfiles.Query("build_columns"), schemas, tables)
	if err != nil {
		return nil, fmt.Errorf("transform: read columns: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var table, cols string
		if err := rows.Scan(&table, &cols); err != nil {
			return nil, err
		}
		out[table] = cols
	}
	return out, rows.Err()
}

// rowsHash is the row count and the sum of the rows' hashes: it changes
// when any row does, whatever the order of the rows.
func (k *keys) rowsHash(ctx context.Context, schema, name string) (string, error) {
	var n, sum string
	err := k.q.QueryRowContext(ctx, tableQuery("build_rows_hash", schema, name)).Scan(&n, &sum)
	return n + " rows " + sum, err
}

// hashRowsUpTo is the largest table whose rows are hashed for its output
// key: hashing takes 0.2–0.3 s per million rows of a table as wide as
// core.time_entries on 2 cores (measured on core.open_time_entries,
// 422,000 rows, and core.time_entries, 10M). A larger table's key is its
// model's input key: its readers are rebuilt whenever it is.
const hashRowsUpTo = 2_000_000

// outputKey hashes what a model built: the columns and rows of its
// tables and, for its views and macros, their SQL and what they read when
// they are used. A model whose SQL changed but whose tables came out the
// same (a comment, a rewritten query) leaves its readers alone; so does a
// change to its tables' SQL when it also defines views or macros.
func (k *keys) outputKey(ctx context.Context, m Model, input string) (string, error) {
	h := sha256.New()
	if m.PassSQL != "" {
		// Its views and macros are read as written.
		fmt.Fprintf(h, "sql %d %s\n", len(m.PassSQL), m.PassSQL)
	}
	var columns map[string]string
	if len(m.Tables) > 0 {
		var err error
		if columns, err = k.tableColumns(ctx, []string{}, m.Tables); err != nil {
			return "", fmt.Errorf("transform: columns of %s: %w", m.Name, err)
		}
	}
	for _, t := range m.Tables {
		schema, name, _ := strings.Cut(t, ".")
		fmt.Fprintf(h, "columns %s %s\n", t, columns[t])
		var size int64
		if err := k.q.QueryRowContext(ctx, tableQuery("build_row_count", schema, name)).Scan(&size); err != nil {
			return "", fmt.Errorf("transform: count of %s: %w", t, err)
		}
		if size > hashRowsUpTo {
			fmt.Fprintf(h, "table %s built from %s\n", t, input)
			continue
		}
		rows, err := k.rowsHash(ctx, schema, name)
		if err != nil {
			return "", fmt.Errorf("transform: hash of %s: %w", t, err)
		}
		fmt.Fprintf(h, "table %s %s\n", t, rows)
	}
	for _, d := range m.PassDeps {
		fmt.Fprintf(h, "model %s %s\n", d, k.out[d])
	}
	for _, e := range m.PassExternals {
		fp, err := k.external(ctx, e)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "table %s %s\n", e, fp)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// current reports whether a model's last build had this input key and
// left all its objects in the warehouse; if so its output key is taken
// over for this run.
func (k *keys) current(m Model, input string) bool {
	st, ok := k.prev[m.Name]
	if !ok || st.input != input || st.output == "" || !k.allPresent(m) {
		return false
	}
	k.out[m.Name] = st.output
	return true
}

// allPresent reports whether every object of the model is in the
// warehouse.
func (k *keys) allPresent(m Model) bool {
	for _, o := range m.Objects {
		if !k.present[o] {
			return false
		}
	}
	return true
}

// put notes a build state; write records the noted ones.
func (k *keys) put(name string, st buildState) { k.puts[name] = st }

// write records the noted build states, in tx.
func (k *keys) write(ctx context.Context, tx *sql.Tx, runID int64, now time.Time) error {
	if len(k.puts) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, sqlfiles.Query("put_build_state"))
	if err != nil {
		return fmt.Errorf("transform: record build state: %w", err)
	}
	defer stmt.Close()
	for _, n := range slices.Sorted(maps.Keys(k.puts)) {
		st := k.puts[n]
		var out any
		if st.output != "" {
			out = st.output
		}
		parts, err := json.Marshal(st.parts)
		if err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, n, st.input, string(parts), out, st.failures, st.sample, runID, now); err != nil {
			return fmt.Errorf("transform: record build state of %s: %w", n, err)
		}
	}
	clear(k.puts)
	return nil
}

// tableQuery is the named query with {table} replaced by the quoted name
// of a model's table or of a table the models read (names the warehouse
// itself lists, never user text).
func tableQuery(name, schema, table string) string {
	quoted := `"` + strings.ReplaceAll(schema, `"`, `""`) + `"."` + strings.ReplaceAll(table, `"`, `""`) + `"`
	return strings.ReplaceAll(sqlfiles.Query(name), "{table}", quoted)
}
