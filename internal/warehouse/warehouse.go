// Package warehouse opens takt's DuckDB file: it sets the engine's limits,
// applies the embedded migrations in order, and refuses a file written by a
// newer takt. Everything that reads or writes the warehouse gets its handle
// from here.
package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	sqlfiles "github.com/takt-billing/takt/sql"
)

// Options are the engine settings. DuckDB's defaults (all cores, 80 % of
// RAM) are never used.
type Options struct {
	// Threads is DuckDB's worker thread count; 0 means 2.
	Threads int
	// MemoryLimit is DuckDB's memory_limit, e.g. "2GB"; "" means "2GB".
	MemoryLimit string
	// Logger receives one line per applied migration.
	Logger *slog.Logger
}

// Warehouse is an open warehouse file.
type Warehouse struct {
	// DB is the handle for queries. Multi-statement writes use explicit
	// transactions.
	DB   *sql.DB
	Path string
	// SchemaVersion is the highest migration applied.
	SchemaVersion int
}

// ErrNewerSchema is returned when the file was written by a newer takt.
var ErrNewerSchema = errors.New("warehouse was written by a newer takt")

// ErrLocked is returned when another process has the file open.
var ErrLocked = errors.New("warehouse is in use by another process")

var memLimitRe = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$`)

// Open opens (or creates) the warehouse at path and migrates it. path
// ":memory:" opens an in-memory warehouse.
func Open(ctx context.Context, path string, opts Options) (*Warehouse, error) {
	if opts.Threads <= 0 {
		opts.Threads = 2
	}
	if opts.MemoryLimit == "" {
		opts.MemoryLimit = "2GB"
	}
	if !memLimitRe.MatchString(opts.MemoryLimit) {
		return nil, fmt.Errorf("warehouse: memory limit %q is not a size like 2GB", opts.MemoryLimit)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	dsn := path
	if path == ":memory:" {
		dsn = ""
	} else if err := CheckFree(path); err != nil {
		// A long-running takt (serve) owns the file: say so before DuckDB
		// answers with its lock error.
		return nil, err
	}
	threads, limit := opts.Threads, opts.MemoryLimit
	connector, err := duckdb.NewConnector(dsn, func(ex driver.ExecerContext) error {
		// Settings are fixed values validated above, not user text.
		for _, stmt := range []string{
			"SET threads = " + strconv.Itoa(threads),
			"SET memory_limit = '" + limit + "'",
			"SET TimeZone = 'UTC'",
		} {
			if _, err := ex.ExecContext(context.Background(), stmt, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, openError(path, err)
	}
	db := sql.OpenDB(connector)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, openError(path, err)
	}
	w := &Warehouse{DB: db, Path: path}
	if err := w.migrate(ctx, opts.Logger); err != nil {
		db.Close()
		return nil, err
	}
	return w, nil
}

// Close closes the file.
func (w *Warehouse) Close() error { return w.DB.Close() }

func openError(path string, err error) error {
	msg := err.Error()
	if strings.Contains(msg, "Could not set lock") || strings.Contains(msg, "Conflicting lock") {
		return lockedError(path, err)
	}
	return fmt.Errorf("warehouse %s: open: %w", path, err)
}

// Migration is one embedded schema migration.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// Migrations returns the embedded migrations in version order.
func Migrations() ([]Migration, error) {
	paths, err := fs.Glob(sqlfiles.FS(), "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []Migration
	seen := map[int]string{}
	for _, p := range paths {
		m := migrationName.FindStringSubmatch(path.Base(p))
		if m == nil {
			return nil, fmt.Errorf("migration file %s: name must be NNNN_name.sql", p)
		}
		v, _ := strconv.Atoi(m[1])
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", prev, p, v)
		}
		seen[v] = p
		b, err := fs.ReadFile(sqlfiles.FS(), p)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: m[2], SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

func (w *Warehouse) migrate(ctx context.Context, logger *slog.Logger) error {
	migs, err := Migrations()
	if err != nil {
		return err
	}
	if _, err := w.DB.ExecContext(ctx, sqlfiles.Query("bootstrap_ops")); err != nil {
		return fmt.Errorf("warehouse %s: prepare migrations table: %w", w.Path, err)
	}
	applied := map[int]string{}
	rows, err := w.DB.QueryContext(ctx, sqlfiles.Query("applied_migrations"))
	if err != nil {
		return fmt.Errorf("warehouse %s: read migrations: %w", w.Path, err)
	}
	for rows.Next() {
		var v int
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			rows.Close()
			return err
		}
		applied[v] = name
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// Each part of the schema numbers its migrations in a range of its
	// own, so a newer takt may add one below the highest version: any
	// applied version this takt does not know means a newer schema.
	known := map[int]bool{}
	for _, m := range migs {
		known[m.Version] = true
	}
	var unknown []string
	for _, v := range slices.Sorted(maps.Keys(applied)) {
		if !known[v] {
			unknown = append(unknown, strconv.Itoa(v))
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("warehouse %s: %w (schema version %s, which this takt does not know): upgrade takt, or open a copy of the file made before the upgrade",
			w.Path, ErrNewerSchema, strings.Join(unknown, ", "))
	}
	for _, m := range migs {
		if _, ok := applied[m.Version]; ok {
			continue
		}
		if err := w.apply(ctx, m); err != nil {
			return err
		}
		logger.Info("applied migration", "version", m.Version, "name", m.Name)
	}
	if len(migs) > 0 {
		w.SchemaVersion = migs[len(migs)-1].Version
	}
	return nil
}

func (w *Warehouse) apply(ctx context.Context, m Migration) error {
	tx, err := w.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("warehouse %s: migration %04d_%s: %w", w.Path, m.Version, m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, sqlfiles.Query("record_migration"), m.Version, m.Name, time.Now().UTC()); err != nil {
		return fmt.Errorf("warehouse %s: record migration %04d: %w", w.Path, m.Version, err)
	}
	return tx.Commit()
}
