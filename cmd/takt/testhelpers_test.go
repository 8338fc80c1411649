//go:build duckdb_arrow

package main

import (
	"context"
	"path/filepath"

	"github.com/takt-billing/takt/internal/warehouse"
)

func openDemoWarehouse(dir string) (*warehouse.Warehouse, error) {
	return warehouse.Open(context.Background(), filepath.Join(dir, "takt.duckdb"), warehouse.Options{})
}
