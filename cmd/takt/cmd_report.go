package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/takt-billing/takt/internal/config"
	"github.com/takt-billing/takt/reports"
)

func newReportCmd(g *globals) *cobra.Command {
	var monthFlag, langFlag, outFlag string
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write the monthly Excel pack and the KPI chart page",
		Long: `Write the reports of a month into the reports folder (reports.dir in the
configuration, or --out):

  takt-pack-YYYY-MM.xlsx   Summary, Unbilled and Exceptions sheets
  kpi-YYYY-MM.html         DSO and dunning-rate charts; open it from disk,
  assets/echarts.min.js    it needs no network

Labels and number formats follow --lang (de or en; default reports.lang).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if monthFlag == "" {
				return fmt.Errorf("--month is required, e.g. --month 2026-03")
			}
			month, err := parseMonth("month", monthFlag)
			if err != nil {
				return err
			}
			cfg, wh, err := g.openForReading(cmd.Context())
			if err != nil {
				return err
			}
			defer wh.Close()
			lang := cfg.Reports.Lang
			if langFlag != "" {
				if langFlag != "de" && langFlag != "en" {
					return fmt.Errorf("--lang %q: expected de or en", langFlag)
				}
				lang = langFlag
			}
			dir := cfg.Path(cfg.Reports.Dir)
			if outFlag != "" {
				dir = outFlag
			}
			paths, err := writeReports(cmd.Context(), wh.DB, cfg, month, time.Time{}, lang, dir)
			if err != nil {
				return notBuiltYet(err)
			}
			for _, p := range paths {
				fmt.Fprintln(g.stdout, p)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&monthFlag, "month", "", "month to report (YYYY-MM)")
	cmd.Flags().StringVar(&langFlag, "lang", "", "language: de or en (default: reports.lang)")
	cmd.Flags().StringVar(&outFlag, "out", "", "folder to write into (default: reports.dir)")
	return cmd
}

// writeReports writes a month's Excel pack and chart page (with the chart
// script beside it) and returns their paths. asOf limits unbilled work to
// what was known that day; zero means the month's end.
func writeReports(ctx context.Context, db *sql.DB, cfg *config.Config, month, asOf time.Time, lang, dir string) ([]string, error) {
	pack, err := reports.LoadPack(ctx, db, reports.PackOptions{
		Company: cfg.Company.Name, BaseCurrency: cfg.Company.BaseCurrency, Lang: lang,
		Month: month, AsOf: asOf, GeneratedAt: time.Now().UTC(),
	})
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	tag := month.Format("2006-01")
	var xlsx, page bytes.Buffer
	if err := reports.WriteExcel(&xlsx, pack); err != nil {
		return nil, err
	}
	if err := reports.WriteChartPage(&page, pack); err != nil {
		return nil, err
	}
	if err := reports.WriteAssets(dir); err != nil {
		return nil, err
	}
	xlsxPath := filepath.Join(dir, "takt-pack-"+tag+".xlsx")
	pagePath := filepath.Join(dir, "kpi-"+tag+".html")
	if err := writeFileAtomic(xlsxPath, xlsx.Bytes()); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(pagePath, page.Bytes()); err != nil {
		return nil, err
	}
	return []string{xlsxPath, pagePath}, nil
}

// writeFileAtomic replaces path with data so that a reader never sees half
// a file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
