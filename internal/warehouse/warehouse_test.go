package warehouse

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenMigratesOnceAndReopens(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "takt.duckdb")
	w, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	migs, _ := Migrations()
	if w.SchemaVersion != migs[len(migs)-1].Version {
		t.Fatalf("schema version %d, want %d", w.SchemaVersion, migs[len(migs)-1].Version)
	}
	var n int
	if err := w.DB.QueryRowContext(ctx, "SELECT count(*) FROM ops.schema_migrations").Scan(&n); err != nil || n != len(migs) {
		t.Fatalf("applied %d migrations (%v), want %d", n, err, len(migs))
	}
	var tz string
	if err := w.DB.QueryRowContext(ctx, "SELECT current_setting('TimeZone')").Scan(&tz); err != nil || tz != "UTC" {
		t.Fatalf("TimeZone = %q (%v), want UTC", tz, err)
	}
	w.Close()

	w, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if err := w.DB.QueryRowContext(ctx, "SELECT count(*) FROM ops.schema_migrations").Scan(&n); err != nil || n != len(migs) {
		t.Fatalf("after reopen %d migrations, want %d", n, len(migs))
	}
	w.Close()
}

func TestRefusesNewerWarehouse(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "takt.duckdb")
	w, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.DB.ExecContext(ctx, "INSERT INTO ops.schema_migrations VALUES (9999, 'from_the_future', now())"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	_, err = Open(ctx, path, Options{})
	if !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("err = %v, want ErrNewerSchema", err)
	}
	if !strings.Contains(err.Error(), "schema version 9999") || !strings.Contains(err.Error(), "upgrade takt") {
		t.Fatalf("message %q does not say what happened and what to do", err)
	}
}

// Each part of the schema numbers its migrations in a range of its own: a
// version from a newer takt below the highest one this takt knows is
// refused too.
func TestRefusesWarehouseWithAnUnknownMigrationInARange(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "takt.duckdb")
	w, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	migs, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	known := map[int]bool{}
	for _, m := range migs {
		known[m.Version] = true
	}
	gap := 0
	for v := 1; v < migs[len(migs)-1].Version; v++ {
		if !known[v] {
			gap = v
			break
		}
	}
	if gap == 0 {
		t.Fatal("no unused version below the highest migration")
	}
	if _, err := w.DB.ExecContext(ctx, "INSERT INTO ops.schema_migrations VALUES ($1, 'from_a_newer_takt', now())", gap); err != nil {
		t.Fatal(err)
	}
	w.Close()
	_, err = Open(ctx, path, Options{})
	if !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("err = %v, want ErrNewerSchema", err)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("schema version %d,", gap)) {
		t.Fatalf("message %q does not name version %d", err, gap)
	}
}

func TestRejectsBadMemoryLimit(t *testing.T) {
	_, err := Open(context.Background(), ":memory:", Options{MemoryLimit: "lots; DROP"})
	if err == nil || !strings.Contains(err.Error(), "not a size") {
		t.Fatalf("err = %v", err)
	}
}
