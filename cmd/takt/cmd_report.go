package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/takt-billing/takt/internal/atomicfile"
	"github.com/takt-billing/takt/internal/config"
	"github.com/takt-billing/takt/reports"
)

// reportFlags are the flags every report command shares.
type reportFlags struct {
	month, lang, out string
}

func (f *reportFlags) add(cmd *cobra.Command, outHelp string) {
	cmd.Flags().StringVar(&f.month, "month", "", "month to report (YYYY-MM)")
	cmd.Flags().StringVar(&f.lang, "lang", "", "language: de or en (default: reports.lang)")
	cmd.Flags().StringVar(&f.out, "out", "", outHelp)
}

// language is --lang, else the configured reports.lang.
func (f *reportFlags) language(cfg *config.Config) (string, error) {
	if f.lang == "" {
		return cfg.Reports.Lang, nil
	}
	if f.lang != "de" && f.lang != "en" {
		return "", fmt.Errorf("--lang %q: expected de or en", f.lang)
	}
	return f.lang, nil
}

// folder is --out, else def.
func (f *reportFlags) folder(def string) string {
	if f.out != "" {
		return f.out
	}
	return def
}

func requireMonth(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, fmt.Errorf("--month is required, e.g. --month 2026-03")
	}
	return parseMonth("month", v)
}

func newReportCmd(g *globals) *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write the month's reports: Excel pack, KPI pages, retro, reconciliation",
		Long: `Write every report of a month into the reports folder (reports.dir in the
configuration, or --out):

  takt-pack-YYYY-MM.xlsx    the monthly pack (takt report excel)
  takt-recon-YYYY-MM.xlsx   the reconciliation workbook (takt report recon)
  takt-recon-YYYY-MM.html   the reconciliation report
  YYYY-MM/index.html        the site: a chart page per KPI family, the
                            retro and the reconciliation, with the chart
                            script in YYYY-MM/assets; the pages open from
                            disk and need no network (takt report site)

Labels and number formats follow --lang (de or en; default reports.lang).
The subcommands write one report each.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			month, err := requireMonth(f.month)
			if err != nil {
				return err
			}
			return withPack(cmd.Context(), g, &f, month, writeAll)
		},
	}
	f.add(cmd, "folder to write into (default: reports.dir)")
	cmd.AddCommand(newReportExcelCmd(g), newReportSiteCmd(g), newReportReconCmd(g))
	return cmd
}

func newReportExcelCmd(g *globals) *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "excel --month YYYY-MM",
		Short: "Write the monthly Excel pack",
		Long: `Write the monthly pack takt-pack-YYYY-MM.xlsx into the reports folder
(reports.dir, or --out) and print its path.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			month, err := requireMonth(f.month)
			if err != nil {
				return err
			}
			return withPack(cmd.Context(), g, &f, month, func(pack reports.Pack, dir string) ([]string, error) {
				path, err := writePack(pack, dir)
				return []string{path}, err
			})
		},
	}
	f.add(cmd, "folder to write into (default: reports.dir)")
	return cmd
}

func newReportReconCmd(g *globals) *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "recon --month YYYY-MM",
		Short: "Write the reconciliation report (HTML and Excel)",
		Long: `Write the reconciliation report a controller reviews before a billing run:
unbilled work and billing exceptions grouped by customer, with the amounts
at stake, reasons and acknowledgements, as takt-recon-YYYY-MM.html and
takt-recon-YYYY-MM.xlsx in the reports folder (reports.dir, or --out), and
print their paths. The HTML page opens from disk without network.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			month, err := requireMonth(f.month)
			if err != nil {
				return err
			}
			return withPack(cmd.Context(), g, &f, month, writeRecon)
		},
	}
	f.add(cmd, "folder to write into (default: reports.dir)")
	return cmd
}

func newReportSiteCmd(g *globals) *cobra.Command {
	var f reportFlags
	var fromFlag, toFlag string
	cmd := &cobra.Command{
		Use:   "site --out DIR --month YYYY-MM",
		Short: "Write the KPI pages, retro and reconciliation as files that open from disk",
		Long: `Write the report site of a month into --out (default: reports.dir/YYYY-MM):
index.html, a chart page per KPI family (kpi-dso.html, kpi-ar_aging.html,
...), retro.html and recon.html, with the chart script in assets/. The
pages link to each other relatively and load nothing from the network:
zip the folder and attach it to a retro invitation.

The retro runs from --from to --to (the reported month; --month and --to
are the same and either may be given); --from defaults to three months
before it, so the retro shows what changed since the last quarter.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.month != "" && toFlag != "" && f.month != toFlag {
				return fmt.Errorf("--month %s and --to %s differ: the retro ends at the reported month; give one of them", f.month, toFlag)
			}
			if f.month == "" {
				f.month = toFlag
			}
			if f.month == "" {
				return errors.New("--month (or --to) is required, e.g. --month 2026-03")
			}
			month, err := parseMonth("month", f.month)
			if err != nil {
				return err
			}
			var from time.Time
			if fromFlag != "" {
				if from, err = parseMonth("from", fromFlag); err != nil {
					return err
				}
				if from.After(month) {
					return fmt.Errorf("--from %s is after the reported month %s", fromFlag, f.month)
				}
			}
			return withPack(cmd.Context(), g, &f, month, func(pack reports.Pack, dir string) ([]string, error) {
				if f.out == "" {
					dir = filepath.Join(dir, month.Format("2006-01"))
				}
				return reports.WriteSite(dir, pack, reports.SiteOptions{RetroFrom: from})
			})
		},
	}
	f.add(cmd, "folder to write the site into (default: reports.dir/YYYY-MM)")
	cmd.Flags().StringVar(&fromFlag, "from", "", "first month of the retro (YYYY-MM; default: three months before --month)")
	cmd.Flags().StringVar(&toFlag, "to", "", "last month of the retro: the reported month (YYYY-MM; same as --month)")
	return cmd
}

// withPack opens the warehouse, loads the month's pack, runs write with it
// and the folder to write into, and prints the paths write returns.
func withPack(ctx context.Context, g *globals, f *reportFlags, month time.Time, write func(reports.Pack, string) ([]string, error)) error {
	cfg, wh, err := g.openForReading(ctx)
	if err != nil {
		return err
	}
	defer wh.Close()
	lang, err := f.language(cfg)
	if err != nil {
		return err
	}
	pack, err := loadPack(ctx, wh.DB, cfg, month, time.Time{}, lang)
	if err != nil {
		return notBuiltYet(err)
	}
	paths, err := write(pack, f.folder(cfg.Path(cfg.Reports.Dir)))
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintln(g.stdout, p)
	}
	return nil
}

// loadPack assembles a month's pack with the configured KPI baselines and
// targets.
func loadPack(ctx context.Context, db *sql.DB, cfg *config.Config, month, asOf time.Time, lang string) (reports.Pack, error) {
	return reports.LoadPack(ctx, db, reports.PackOptions{
		Company: cfg.Company.Name, BaseCurrency: cfg.Company.BaseCurrency, Lang: lang,
		Month: month, AsOf: asOf, GeneratedAt: time.Now().UTC(), KPIs: kpiSettings(cfg),
	})
}

// writePack writes the monthly Excel pack into dir and returns its path.
func writePack(pack reports.Pack, dir string) (string, error) {
	path := filepath.Join(dir, reports.PackWorkbookFile(pack.Month))
	return path, atomicfile.Write(path, func(w io.Writer) error { return reports.WriteExcel(w, pack) })
}

// writeRecon writes the reconciliation report as HTML and as a workbook
// into dir and returns their paths.
func writeRecon(pack reports.Pack, dir string) ([]string, error) {
	htmlPath := filepath.Join(dir, reports.ReconReportFile(pack.Month))
	xlsxPath := filepath.Join(dir, reports.ReconWorkbookFile(pack.Month))
	if err := atomicfile.Write(htmlPath, func(w io.Writer) error { return reports.WriteReconciliationReport(w, pack) }); err != nil {
		return nil, err
	}
	if err := atomicfile.Write(xlsxPath, func(w io.Writer) error { return reports.WriteReconciliationExcel(w, pack) }); err != nil {
		return nil, err
	}
	return []string{htmlPath, xlsxPath}, nil
}

// writeReports loads a month's pack and writes every report of it into
// dir (writeAll). asOf limits unbilled work to what was known that day;
// zero means the month's end.
func writeReports(ctx context.Context, db *sql.DB, cfg *config.Config, month, asOf time.Time, lang, dir string) ([]string, error) {
	pack, err := loadPack(ctx, db, cfg, month, asOf, lang)
	if err != nil {
		return nil, err
	}
	return writeAll(pack, dir)
}

// writeAll writes every report of the pack's month into dir: the Excel
// pack, the reconciliation report (HTML and workbook), and the site in
// dir/YYYY-MM (chart pages, retro, reconciliation, the chart script), whose
// index links to the workbooks. It returns the paths of the pack, the
// reconciliation report and the site's index.
func writeAll(pack reports.Pack, dir string) ([]string, error) {
	tag := pack.Month.Format("2006-01")
	xlsxPath, err := writePack(pack, dir)
	if err != nil {
		return nil, err
	}
	recon, err := writeRecon(pack, dir)
	if err != nil {
		return nil, err
	}
	site, err := reports.WriteSite(filepath.Join(dir, tag), pack, reports.SiteOptions{Links: []reports.SiteLink{
		{Href: "../" + reports.PackWorkbookFile(pack.Month), Text: reports.PackWorkbookFile(pack.Month)},
		{Href: "../" + reports.ReconWorkbookFile(pack.Month), Text: reports.ReconWorkbookFile(pack.Month)},
	}})
	if err != nil {
		return nil, err
	}
	return []string{xlsxPath, recon[0], recon[1], site[0]}, nil
}
