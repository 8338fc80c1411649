package transform

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/takt-billing/takt/internal/warehouse"
	sqlfiles "github.com/takt-billing/takt/sql"
)

// Model is one transformation model: one .sql file that creates one or
// more objects (tables, views, macros) in its layer's schema.
type Model struct {
	// Name is layer.file, e.g. "core.customers".
	Name string
	// File is the model's path within sql/.
	File string
	SQL  string
	// Delta, when the file has a "-- takt:delta" line, is the SQL after
	// it: it brings the model's table up to date with the raw rows of the
	// runs after getvariable('takt_since'), when those rows are all that
	// changed (see deltaSince).
	Delta string
	// Objects are the schema.name of everything the file creates.
	Objects []string
	// Tables are the Objects that are tables (not views or macros).
	Tables []string
	// Deps are the names of the models it reads.
	Deps []string
	// Externals are the tables outside the models it reads: raw, ops,
	// billing, audit and incident tables, including the raw tables it
	// reads through staging.current_versions('source', 'stream').
	Externals []string
	// PassDeps and PassExternals are what its views and macros read: a
	// reader of a view or macro reads them too, each time it runs.
	PassDeps      []string
	PassExternals []string
	// PassSQL is the text of its views and macros, without comments
	// (passSQL): what a reader runs of them.
	PassSQL string
}

// layerOrder breaks ties between independent models so runs are
// reproducible.
var layerOrder = map[string]int{"staging": 0, "core": 1, "reconcile": 2, "marts": 3}

var createRe = regexp.MustCompile(`(?i)CREATE\s+OR\s+REPLACE\s+(TABLE|VIEW|MACRO)\s+([a-z_]+)\.([a-z_][a-z0-9_]*)\b`)

// externalRe finds tables outside the SQL layers; currentVersionsRe finds
// the raw tables staging.current_versions reads by name.
var (
	externalRe        = regexp.MustCompile(`\b(raw|ops|billing|audit|incident)\.([a-z_][a-z0-9_]*)\b`)
	currentVersionsRe = regexp.MustCompile(`staging\.current_versions\(\s*'([a-z_]+)'\s*,\s*'([a-z_]+)'`)
)

// deltaMarker separates a model's full build from its delta.
const deltaMarker = "-- takt:delta"

// sinceRef is how a delta reads the time its run starts from.
const sinceRef = "getvariable('takt_since')"

// Models returns the embedded models in the order they must run.
func Models() ([]Model, error) {
	models, err := parsedModels()
	return slices.Clone(models), err
}

// parsedModels parses the embedded models once.
var parsedModels = sync.OnceValues(parseModels)

func parseModels() ([]Model, error) {
	paths, err := fs.Glob(sqlfiles.FS(), "models/*/*.sql")
	if err != nil {
		return nil, err
	}
	byName := map[string]*Model{}
	owner := map[string]*Model{} // object -> model creating it
	var all []*Model
	for _, p := range paths {
		b, err := fs.ReadFile(sqlfiles.FS(), p)
		if err != nil {
			return nil, err
		}
		layer := path.Base(path.Dir(p))
		if _, ok := layerOrder[layer]; !ok {
			return nil, fmt.Errorf("model %s: unknown layer %s", p, layer)
		}
		mod := &Model{Name: layer + "." + strings.TrimSuffix(path.Base(p), ".sql"), File: p, SQL: string(b)}
		if full, delta, ok := strings.Cut(mod.SQL, "\n"+deltaMarker+"\n"); ok {
			mod.SQL, mod.Delta = full+"\n", delta
			if !strings.Contains(delta, sinceRef) {
				return nil, fmt.Errorf("model %s: the SQL after %q must use %s", p, deltaMarker, sinceRef)
			}
		}
		for _, m := range createRe.FindAllStringSubmatch(stripComments(string(b)), -1) {
			if m[2] != layer {
				return nil, fmt.Errorf("model %s creates %s.%s outside its layer %s", p, m[2], m[3], layer)
			}
			obj := m[2] + "." + m[3]
			if prev, dup := owner[obj]; dup {
				return nil, fmt.Errorf("%s is created by both %s and %s", obj, prev.File, p)
			}
			owner[obj] = mod
			mod.Objects = append(mod.Objects, obj)
			if strings.EqualFold(m[1], "TABLE") {
				mod.Tables = append(mod.Tables, obj)
			}
		}
		if len(mod.Objects) == 0 {
			return nil, fmt.Errorf("model %s creates nothing: it must hold CREATE OR REPLACE TABLE|VIEW|MACRO %s.<name> statements", p, layer)
		}
		byName[mod.Name] = mod
		all = append(all, mod)
	}
	objects := make(map[string]string, len(owner))
	for obj, m := range owner {
		objects[obj] = m.Name
	}
	for _, m := range all {
		body := stripComments(m.SQL)
		m.Deps, m.Externals = references(body+"\n"+stripComments(m.Delta), objects, m.Name)
		pass := passStatements(body)
		for _, st := range pass {
			deps, ext := references(st, objects, m.Name)
			m.PassDeps = union(m.PassDeps, deps)
			m.PassExternals = union(m.PassExternals, ext)
		}
		m.PassSQL = passSQL(pass)
	}
	return topoSort(all, byName)
}

// dataTest is one data test (sql/tests): a query that must return no
// rows, with what it reads.
type dataTest struct {
	Name, File, SQL string
	Deps, Externals []string
}

// parsedTests parses the embedded data tests once.
var parsedTests = sync.OnceValues(func() ([]dataTest, error) {
	models, err := parsedModels()
	if err != nil {
		return nil, err
	}
	objects := map[string]string{}
	for _, m := range models {
		for _, o := range m.Objects {
			objects[o] = m.Name
		}
	}
	paths, err := fs.Glob(sqlfiles.FS(), "tests/*.sql")
	if err != nil {
		return nil, err
	}
	out := make([]dataTest, 0, len(paths))
	for _, p := range paths {
		b, err := fs.ReadFile(sqlfiles.FS(), p)
		if err != nil {
			return nil, err
		}
		dt := dataTest{Name: strings.TrimSuffix(path.Base(p), ".sql"), File: p, SQL: string(b)}
		dt.Deps, dt.Externals = references(stripComments(dt.SQL), objects, "")
		out = append(out, dt)
	}
	return out, nil
})

// qualifiedRe finds schema.name references in SQL.
var qualifiedRe = regexp.MustCompile(`\b([a-z_]+)\.([a-z_][a-z0-9_]*)\b`)

// references returns, sorted, the models other than self whose objects
// body names (owner maps object to model name) and the tables outside the
// models it reads.
func references(body string, owner map[string]string, self string) (models, externals []string) {
	deps, ext := map[string]bool{}, map[string]bool{}
	for _, m := range qualifiedRe.FindAllStringSubmatch(body, -1) {
		if o, ok := owner[m[1]+"."+m[2]]; ok && o != self {
			deps[o] = true
		}
	}
	for _, m := range externalRe.FindAllStringSubmatch(body, -1) {
		ext[m[1]+"."+m[2]] = true
	}
	for _, m := range currentVersionsRe.FindAllStringSubmatch(body, -1) {
		ext["raw."+m[1]+"_"+m[2]] = true
	}
	return slices.Sorted(maps.Keys(deps)), slices.Sorted(maps.Keys(ext))
}

func union(a, b []string) []string {
	set := map[string]bool{}
	for _, s := range append(append([]string{}, a...), b...) {
		set[s] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// passStatements are the view and macro statements of body (SQL without
// comments), each from its CREATE to the next statement's.
func passStatements(body string) []string {
	idx := createRe.FindAllStringSubmatchIndex(body, -1)
	var out []string
	for i, loc := range idx {
		if strings.EqualFold(body[loc[2]:loc[3]], "TABLE") {
			continue
		}
		end := len(body)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		out = append(out, body[loc[0]:end])
	}
	return out
}

// passSQL is Model.PassSQL of a model's views' and macros' statements
// (passStatements, comments stripped): without blank lines or trailing
// blanks, so that adding, removing or editing a comment anywhere changes
// none of it.
func passSQL(statements []string) string {
	var b strings.Builder
	for _, st := range statements {
		for l := range strings.Lines(st) {
			if l = strings.TrimRight(l, " \t\r\n"); l != "" {
				b.WriteString(l)
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
}

func stripComments(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if j := strings.Index(l, "--"); j >= 0 {
			lines[i] = l[:j]
		}
	}
	return strings.Join(lines, "\n")
}

func topoSort(all []*Model, byName map[string]*Model) ([]Model, error) {
	sort.Slice(all, func(i, j int) bool {
		li, lj := layerOrder[strings.SplitN(all[i].Name, ".", 2)[0]], layerOrder[strings.SplitN(all[j].Name, ".", 2)[0]]
		if li != lj {
			return li < lj
		}
		return all[i].Name < all[j].Name
	})
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var out []Model
	var visit func(m *Model, chain []string) error
	visit = func(m *Model, chain []string) error {
		switch state[m.Name] {
		case done:
			return nil
		case visiting:
			return fmt.Errorf("models depend on each other in a cycle: %s -> %s", strings.Join(chain, " -> "), m.Name)
		}
		state[m.Name] = visiting
		for _, d := range m.Deps {
			if err := visit(byName[d], append(chain, m.Name)); err != nil {
				return err
			}
		}
		state[m.Name] = done
		out = append(out, *m)
		return nil
	}
	for _, m := range all {
		if err := visit(m, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Settings are the company values models read from ops.settings.
type Settings struct {
	BaseCurrency   string
	HomeCountry    string
	StandardVAT    string // percent, e.g. "19"
	PaymentTerms   int    // days
	StaleAfterDays int
	// AsOf is the day reconciliation and KPIs are computed for (usually
	// today; the demo pins it).
	AsOf time.Time
	// IdentityRules are the pins of takt.yaml's identities section.
	IdentityRules []IdentityRule
	// Holidays are days that are not working days (kpis.holidays).
	Holidays []time.Time
	// Rebuild builds every model and runs every data test, even those
	// whose inputs have not changed since their last build.
	Rebuild bool
}

// IdentityRule is one record named in a pin.
type IdentityRule struct {
	Kind     string // customer or project
	RuleNo   int    // the rule's position in its list
	Relation string // same or different
	System   string // hubspot, harvest or xero
	SourceID string
	Reason   string
}

// TestFailure is a data test that returned rows.
type TestFailure struct {
	Test     string
	Failures int64
	Sample   string
}

// DataTestError is returned when data tests fail.
type DataTestError struct{ Failures []TestFailure }

func (e *DataTestError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d data test(s) failed:", len(e.Failures))
	for _, f := range e.Failures {
		fmt.Fprintf(&b, "\n  %s: %d row(s), e.g. %s", f.Test, f.Failures, f.Sample)
	}
	return b.String()
}

// modelSettings are the DuckDB settings the models are built with: a join
// whose other side has up to 10,000 keys filters the table scan by those
// keys (DuckDB's default is 50). Reconciliation picks the few findings
// among millions of time entries by row id; with the filter the scan reads
// only their rows instead of every column of every entry. The rest of
// takt (loading, billing runs) keeps DuckDB's default, which suits it.
var modelSettings = []struct{ name, value string }{{"dynamic_or_filter_threshold", "10000"}}

// ModelSession applies modelSettings to conn; reset restores DuckDB's
// defaults on it before it returns to the pool.
func ModelSession(ctx context.Context, conn *sql.Conn) (reset func(), err error) {
	for _, st := range modelSettings {
		if _, err := conn.ExecContext(ctx, "SET "+st.name+" = "+st.value); err != nil {
			return nil, fmt.Errorf("transform: set %s: %w", st.name, err)
		}
	}
	return func() {
		for _, st := range modelSettings {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "RESET "+st.name)
		}
	}, nil
}

// Run writes the settings, builds the models whose inputs changed (every
// model with s.Rebuild) in one transaction and then runs the data tests
// whose inputs changed (build.go). A model error rolls everything back and
// names the model's file. Every data test's result is recorded for runID.
func Run(ctx context.Context, wh *warehouse.Warehouse, runID int64, s Settings, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	models, err := Models()
	if err != nil {
		return err
	}
	k, err := buildLayers(ctx, wh, runID, models, s, logger)
	if err != nil {
		return err
	}
	return runTests(ctx, wh, k, runID, s.Rebuild, logger)
}

// buildLayers writes the settings and identity rules and builds the
// models in one transaction, on a connection of its own with the models'
// settings (ModelSession), which it gives back before the data tests run.
func buildLayers(ctx context.Context, wh *warehouse.Warehouse, runID int64, models []Model, s Settings, logger *slog.Logger) (*keys, error) {
	conn, err := wh.DB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	reset, err := ModelSession(ctx, conn)
	if err != nil {
		return nil, err
	}
	defer reset()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	settings := map[string]string{
		"base_currency":    s.BaseCurrency,
		"home_country":     s.HomeCountry,
		"vat_standard":     s.StandardVAT,
		"payment_terms":    fmt.Sprint(s.PaymentTerms),
		"stale_after_days": fmt.Sprint(s.StaleAfterDays),
		"as_of":            s.AsOf.Format(time.DateOnly),
		"holidays":         joinDates(s.Holidays),
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, sqlfiles.Query("put_setting"), k, settings[k]); err != nil {
			return nil, fmt.Errorf("transform: setting %s: %w", k, err)
		}
	}
	if err := auditPins(ctx, tx, time.Now().UTC(), s.IdentityRules); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, sqlfiles.Query("clear_identity_rules")); err != nil {
		return nil, fmt.Errorf("transform: identity rules: %w", err)
	}
	for _, r := range s.IdentityRules {
		if _, err := tx.ExecContext(ctx, sqlfiles.Query("put_identity_rule"), r.Kind, r.RuleNo, r.Relation, r.System, r.SourceID, r.Reason); err != nil {
			return nil, fmt.Errorf("transform: identity rule %s %d %s %s: %w", r.Kind, r.RuleNo, r.System, r.SourceID, err)
		}
	}
	k, err := newKeys(ctx, tx)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	built, err := buildModels(ctx, tx, k, models, s.Rebuild, logger)
	if err != nil {
		return nil, err
	}
	if err := k.write(ctx, tx, runID, time.Now().UTC()); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("transform: commit: %w", err)
	}
	logger.Info("models built", "built", built, "unchanged", len(models)-built, "duration", time.Since(start))
	return k, nil
}

// buildModels builds, in order, the models whose input keys changed (all
// of them with rebuild), bringing up to date those that can be, and notes
// their keys in k; it returns how many it built.
func buildModels(ctx context.Context, tx *sql.Tx, k *keys, models []Model, rebuild bool, logger *slog.Logger) (int, error) {
	built := 0
	for _, m := range models {
		in, err := k.inputKey(ctx, m.SQL+m.Delta, m.Deps, m.Externals)
		if err != nil {
			return 0, err
		}
		if !rebuild && k.current(m, in.key) {
			logger.Debug("model unchanged", "model", m.Name)
			continue
		}
		mstart := time.Now()
		how, stmt, delta := "model built", m.SQL, false
		if !rebuild {
			since, ok, err := k.deltaSince(ctx, m, in)
			if err != nil {
				return 0, err
			}
			if ok {
				// The run the last build read up to, as a value, not
				// as text in the SQL.
				if _, err := tx.ExecContext(ctx, sqlfiles.Query("set_delta_since"), since); err != nil {
					return 0, fmt.Errorf("transform: model %s: %w", m.Name, err)
				}
				how, stmt, delta = "model brought up to date", m.Delta, true
			}
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return 0, fmt.Errorf("transform: model %s (sql/%s): %w", m.Name, m.File, err)
		}
		// New raw rows change the records they touch (when takt last read
		// them, at least): after a delta there is no point in hashing the
		// rows to find them unchanged.
		output := "delta " + in.key
		if !delta {
			if output, err = k.outputKey(ctx, m, in.key); err != nil {
				return 0, err
			}
		}
		k.put(m.Name, buildState{input: in.key, parts: in.parts, output: output})
		if prev, ok := k.prev[m.Name]; ok && prev.output == output {
			how = "model rebuilt to the same rows"
		}
		logger.Debug(how, "model", m.Name, "duration", time.Since(mstart))
		k.out[m.Name] = output
		built++
	}
	return built, nil
}

// runTests runs the data tests whose inputs changed since they last ran
// and records every test's result for runID: a test whose inputs did not
// change keeps its last result.
func runTests(ctx context.Context, wh *warehouse.Warehouse, k *keys, runID int64, rerun bool, logger *slog.Logger) error {
	tests, err := parsedTests()
	if err != nil {
		return err
	}
	type result struct {
		name   string
		n      int64
		sample string
	}
	var results []result
	var failures []TestFailure
	now := time.Now().UTC()
	// The models' transaction has committed: the tests read the
	// warehouse.
	k.q = wh.DB
	for _, dt := range tests {
		name := dt.Name
		in, err := k.inputKey(ctx, dt.SQL, dt.Deps, dt.Externals)
		if err != nil {
			return err
		}
		prev, ok := k.prev["test:"+name]
		n, sample := prev.failures, prev.sample
		if rerun || !ok || prev.input != in.key {
			start := time.Now()
			n, sample, err = countRows(ctx, k.q, dt.SQL)
			if err != nil {
				return fmt.Errorf("transform: data test %s (sql/%s): %w", name, dt.File, err)
			}
			logger.Debug("data test run", "test", name, "duration", time.Since(start))
			k.put("test:"+name, buildState{input: in.key, failures: n, sample: sample})
		}
		results = append(results, result{name, n, sample})
		if n > 0 {
			logger.Error("data test failed", "test", name, "rows", n, "sample", sample)
			failures = append(failures, TestFailure{Test: name, Failures: n, Sample: sample})
		}
	}
	// The results, and the inputs they were found for, in one
	// transaction.
	tx, err := wh.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, r := range results {
		if _, err := tx.ExecContext(ctx, sqlfiles.Query("record_data_test"), runID, r.name, r.n, nullIfEmpty(r.sample), now); err != nil {
			return fmt.Errorf("transform: record data test %s: %w", r.name, err)
		}
	}
	if err := k.write(ctx, tx, runID, now); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("transform: record data tests: %w", err)
	}
	if len(failures) > 0 {
		return &DataTestError{Failures: failures}
	}
	return nil
}

// countRows runs a data test query and returns its row count and the first
// rows rendered as text.
func countRows(ctx context.Context, q querier, query string) (int64, string, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return 0, "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, "", err
	}
	var n int64
	var samples []string
	for rows.Next() {
		n++
		if len(samples) >= 3 {
			continue
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return 0, "", err
		}
		parts := make([]string, len(cols))
		for i, c := range cols {
			parts[i] = fmt.Sprintf("%s=%v", c, vals[i])
		}
		samples = append(samples, "("+strings.Join(parts, ", ")+")")
	}
	return n, strings.Join(samples, " "), rows.Err()
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// joinDates writes days as a comma-separated list of YYYY-MM-DD, the form
// the models split again (marts.months).
func joinDates(days []time.Time) string {
	parts := make([]string, len(days))
	for i, d := range days {
		parts[i] = d.Format(time.DateOnly)
	}
	return strings.Join(parts, ",")
}
