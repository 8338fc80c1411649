// Package testfixtures locates the real API payloads tests read in place:
// ../shared/fixtures beside the repository (CI checks the repository out
// next to it). They are never copied into the repository.
package testfixtures

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns ../shared/fixtures/<system> relative to the repository root
// (the directory holding go.mod above the test's working directory).
func Dir(t testing.TB, system string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(dir, "..", "shared", "fixtures", system)
			if _, err := os.Stat(d); err != nil {
				t.Fatalf("the shared fixtures are not beside the repository: %v", err)
			}
			return d
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
