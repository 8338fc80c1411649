package reports

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/takt-billing/takt/internal/atomicfile"
)

// assetsFS holds the chart script. The folder always has its README, so the
// pattern matches in a build without the script; make assets puts the
// script there (see assets/README.md).
//
//go:embed assets
var assetsFS embed.FS

// chartScriptPath is where the script lives, both in assetsFS and relative to
// a chart page (go-echarts' AssetsHost is "assets/").
const chartScriptPath = "assets/echarts.min.js"

// ErrChartScriptMissing is returned when takt was built without the ECharts
// script, e.g. by a plain go build on a fresh clone.
var ErrChartScriptMissing = errors.New("the chart script is not built in; build with make (it runs npm ci)")

// ChartScript returns the ECharts script built into takt, for writing next to
// chart pages or serving them over HTTP. It returns ErrChartScriptMissing
// when the build did not include it.
func ChartScript() ([]byte, error) {
	return chartScript(assetsFS)
}

func chartScript(fsys fs.FS) ([]byte, error) {
	b, err := fs.ReadFile(fsys, chartScriptPath)
	if errors.Is(err, fs.ErrNotExist) || err == nil && len(b) == 0 {
		return nil, ErrChartScriptMissing
	}
	if err != nil {
		return nil, fmt.Errorf("reports: read the chart script: %w", err)
	}
	return b, nil
}

// WriteAssets writes what chart pages in dir need beside them:
// dir/assets/echarts.min.js. It creates the assets folder if needed and
// returns ErrChartScriptMissing when the build did not include the script.
func WriteAssets(dir string) error {
	return writeAssets(assetsFS, dir)
}

func writeAssets(fsys fs.FS, dir string) error {
	script, err := chartScript(fsys)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, filepath.FromSlash(chartScriptPath))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("reports: write assets: %w", err)
	}
	// Replaced whole, so a process killed mid-write never leaves a
	// truncated script behind.
	if err := atomicfile.WriteFile(path, script); err != nil {
		return fmt.Errorf("reports: write assets: %w", err)
	}
	return nil
}
