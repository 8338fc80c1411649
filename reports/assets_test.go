package reports

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

func TestChartScriptMissing(t *testing.T) {
	fsys := fstest.MapFS{"assets/README.md": {Data: []byte("how to build")}}
	if _, err := chartScript(fsys); !errors.Is(err, ErrChartScriptMissing) ||
		err.Error() != "the chart script is not built in; build with make (it runs npm ci)" {
		t.Errorf("chartScript without the script: %v", err)
	}
	dir := t.TempDir()
	if err := writeAssets(fsys, dir); !errors.Is(err, ErrChartScriptMissing) {
		t.Errorf("writeAssets without the script: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "assets")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("writeAssets without the script left %v", err)
	}
}

func TestWriteAssets(t *testing.T) {
	dir := t.TempDir()
	if err := WriteAssets(dir); err != nil {
		t.Fatalf("WriteAssets: %v (run make assets first)", err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "assets", "echarts.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("assets", "echarts.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("wrote %d bytes, want the %d bytes of assets/echarts.min.js", len(got), len(want))
	}
	if !bytes.Contains(got, []byte(`version="5.6.0"`)) {
		t.Errorf("the written script is not ECharts 5.6.0, the version package.json pins")
	}
}
