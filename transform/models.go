package transform

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"regexp"
	"sort"
	"strings"
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
	// Objects are the schema.name of everything the file creates.
	Objects []string
	// Deps are the names of the models it reads.
	Deps []string
}

// layerOrder breaks ties between independent models so runs are
// reproducible.
var layerOrder = map[string]int{"staging": 0, "core": 1, "reconcile": 2, "marts": 3}

var createRe = regexp.MustCompile(`(?i)CREATE\s+OR\s+REPLACE\s+(?:TABLE|VIEW|MACRO)\s+([a-z_]+)\.([a-z_][a-z0-9_]*)\b`)

// Models returns the embedded models in the order they must run.
func Models() ([]Model, error) {
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
		for _, m := range createRe.FindAllStringSubmatch(stripComments(string(b)), -1) {
			if m[1] != layer {
				return nil, fmt.Errorf("model %s creates %s.%s outside its layer %s", p, m[1], m[2], layer)
			}
			obj := m[1] + "." + m[2]
			if prev, dup := owner[obj]; dup {
				return nil, fmt.Errorf("%s is created by both %s and %s", obj, prev.File, p)
			}
			owner[obj] = mod
			mod.Objects = append(mod.Objects, obj)
		}
		if len(mod.Objects) == 0 {
			return nil, fmt.Errorf("model %s creates nothing: it must hold CREATE OR REPLACE TABLE|VIEW|MACRO %s.<name> statements", p, layer)
		}
		byName[mod.Name] = mod
		all = append(all, mod)
	}
	for _, m := range all {
		body := stripComments(m.SQL)
		deps := map[string]bool{}
		for obj, o := range owner {
			if o == m || deps[o.Name] {
				continue
			}
			if regexp.MustCompile(`\b` + regexp.QuoteMeta(obj) + `\b`).MatchString(body) {
				deps[o.Name] = true
			}
		}
		for d := range deps {
			m.Deps = append(m.Deps, d)
		}
		sort.Strings(m.Deps)
	}
	return topoSort(all, byName)
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

// Run writes the settings, runs every model in one transaction and then the
// data tests. A model error rolls everything back and names the model's
// file. Data test results are recorded for runID.
func Run(ctx context.Context, wh *warehouse.Warehouse, runID int64, s Settings, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	models, err := Models()
	if err != nil {
		return err
	}
	tx, err := wh.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
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
			return fmt.Errorf("transform: setting %s: %w", k, err)
		}
	}
	if err := auditPins(ctx, tx, time.Now().UTC(), s.IdentityRules); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, sqlfiles.Query("clear_identity_rules")); err != nil {
		return fmt.Errorf("transform: identity rules: %w", err)
	}
	for _, r := range s.IdentityRules {
		if _, err := tx.ExecContext(ctx, sqlfiles.Query("put_identity_rule"), r.Kind, r.RuleNo, r.Relation, r.System, r.SourceID, r.Reason); err != nil {
			return fmt.Errorf("transform: identity rule %s %d %s %s: %w", r.Kind, r.RuleNo, r.System, r.SourceID, err)
		}
	}
	for _, m := range models {
		start := time.Now()
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("transform: model %s (sql/%s): %w", m.Name, m.File, err)
		}
		logger.Debug("model built", "model", m.Name, "duration", time.Since(start))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("transform: commit: %w", err)
	}
	return runTests(ctx, wh, runID, logger)
}

func runTests(ctx context.Context, wh *warehouse.Warehouse, runID int64, logger *slog.Logger) error {
	paths, err := fs.Glob(sqlfiles.FS(), "tests/*.sql")
	if err != nil {
		return err
	}
	var failures []TestFailure
	now := time.Now().UTC()
	for _, p := range paths {
		b, err := fs.ReadFile(sqlfiles.FS(), p)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(path.Base(p), ".sql")
		n, sample, err := countRows(ctx, wh, string(b))
		if err != nil {
			return fmt.Errorf("transform: data test %s (sql/%s): %w", name, p, err)
		}
		if _, err := wh.DB.ExecContext(ctx, sqlfiles.Query("record_data_test"), runID, name, n, nullIfEmpty(sample), now); err != nil {
			return fmt.Errorf("transform: record data test %s: %w", name, err)
		}
		if n > 0 {
			logger.Error("data test failed", "test", name, "rows", n, "sample", sample)
			failures = append(failures, TestFailure{Test: name, Failures: n, Sample: sample})
		}
	}
	if len(failures) > 0 {
		return &DataTestError{Failures: failures}
	}
	return nil
}

// countRows runs a data test query and returns its row count and the first
// rows rendered as text.
func countRows(ctx context.Context, wh *warehouse.Warehouse, query string) (int64, string, error) {
	rows, err := wh.DB.QueryContext(ctx, query)
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
