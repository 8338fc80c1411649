package reports

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/takt-billing/takt/internal/warehouse"
)

// benchUnbilledRows is the size of the export BenchmarkExcelPack1M
// streams: a month of the 1M-entry dataset with nothing billed.
const benchUnbilledRows = 1_000_000

// BenchmarkExcelPack1M streams a million unbilled items from a DuckDB
// table through Pack.UnbilledRows into the monthly pack and writes the
// workbook to a file. It reports the wall time per pack, the rows per
// second, the processor time, the peak resident memory of the process while the pack is
// written (VmHWM, reset before each pack) and the peak Go heap. Run it
// alone, with one iteration:
//
//	go test -tags duckdb_arrow -run '^$' -bench ExcelPack1M -benchtime 1x ./reports/
func BenchmarkExcelPack1M(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	wh, err := warehouse.Open(ctx, filepath.Join(dir, "takt.duckdb"), warehouse.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer wh.Close()
	// 400 customers with 3 projects each, three currencies, work spread
	// over 120 days: the shape of the unbilled view, stored as a table.
	if _, err := wh.DB.ExecContext(ctx, fmt.Sprintf(`
		CREATE TABLE bench_unbilled AS
		SELECT CASE WHEN i %% 10 = 0 THEN 'expense' ELSE 'time' END          AS kind,
		       (3000000000 + i)::VARCHAR                                   AS source_id,
		       'hubspot:' || (i %% 400)::VARCHAR                           AS customer_id,
		       'Customer ' || lpad((i %% 400)::VARCHAR, 3, '0') || CASE WHEN i %% 400 = 7 THEN ' =HYPERLINK("x")' ELSE '' END AS customer,
		       (10000 + i %% 1200)::VARCHAR                                AS project_code,
		       'Project ' || (i %% 1200)::VARCHAR                          AS project,
		       DATE '2026-03-31' - (i %% 120)::INTEGER                     AS work_date,
		       ((25 + i %% 800) / 100)::DECIMAL(18,4)                      AS hours,
		       (90 + i %% 7 * 10)::DECIMAL(18,4)                           AS rate,
		       ((3000 + i %% 96000) / 100)::DECIMAL(18,2)                  AS amount,
		       ['EUR', 'GBP', 'USD'][(i %% 400) %% 3 + 1]                   AS currency,
		       (i %% 120)::INTEGER                                         AS age_days
		FROM range(%d) t(i)`, benchUnbilledRows)); err != nil {
		b.Fatal(err)
	}
	query := `SELECT kind, source_id, customer_id, customer, project_code, project, work_date, hours, rate, amount, currency, age_days
	          FROM bench_unbilled
	          ORDER BY customer NULLS LAST, customer_id NULLS LAST, currency, project, work_date, kind, source_id`
	p := fullTestPack("en")
	p.Unbilled = nil
	p.UnbilledRows = unbilledRows(ctx, wh.DB, query)

	var baseRSS, peakRSS, peakHeap uint64
	var cpu time.Duration
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		resetPeakRSS(b)
		baseRSS = max(baseRSS, readRSS(b, "VmRSS:"))
		stop := watchHeap(&peakHeap)
		cpuBefore := cpuTime(b)
		b.StartTimer()

		path := filepath.Join(dir, "pack.xlsx")
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		if err := WriteExcel(w, p); err != nil {
			b.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}

		b.StopTimer()
		cpu += cpuTime(b) - cpuBefore
		stop()
		peakRSS = max(peakRSS, readRSS(b, "VmHWM:"))
		if st, err := os.Stat(path); err == nil {
			b.ReportMetric(float64(st.Size())/(1<<20), "xlsx-MiB")
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(benchUnbilledRows*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(peakRSS)/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(float64(baseRSS)/(1<<20), "RSS-before-MiB")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MiB")
}

// resetPeakRSS resets the kernel's high-water mark of the process's
// resident memory (VmHWM), so that it measures the pack alone.
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Logf("cannot reset the peak resident memory (%v); VmHWM includes building the table", err)
	}
}

// readRSS reads the resident memory field (VmRSS: now, VmHWM: the peak)
// from /proc/self/status, in bytes.
func readRSS(b *testing.B, field string) uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatalf("peak resident memory: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				b.Fatalf("%s %q: %v", field, rest, err)
			}
			return kb << 10
		}
	}
	b.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// watchHeap samples the live Go heap every 20 ms into peak until stop is
// called.
func watchHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		defer close(finished)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			*peak = max(*peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}

// cpuTime is the processor time the process has used, user and system:
// beside the wall time it shows how much of it other work on a shared
// machine took.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
