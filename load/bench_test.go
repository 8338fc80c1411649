//go:build duckdb_arrow

package load_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/duckdb/duckdb-go/v2"
	"github.com/shopspring/decimal"

	"github.com/takt-billing/takt/extract"
	"github.com/takt-billing/takt/internal/warehouse"
	"github.com/takt-billing/takt/load"
)

// The benchmarks compare the ways rows can enter DuckDB, on 1,000,000 rows
// shaped like Harvest time entries: the Arrow path load/ uses (batch by
// batch, and pages gathered as the pipeline does), duckdb-go's Appender,
// and Parquet read by read_parquet. Each loads into a raw table of a
// warehouse file, ends with a CHECKPOINT, and then checks that the values
// arrived exactly.
//
//	go test -tags duckdb_arrow -run '^$' -bench . -benchtime 1x ./load/

const (
	benchRows   = 1_000_000
	benchSource = "bench"
	benchStream = "time_entries"
	benchTable  = "raw." + benchSource + "_" + benchStream
)

var benchSchema = extract.NewSchema(
	extract.Col("spent_date", extract.Date),
	extract.Col("user_id", extract.String),
	extract.Col("project_id", extract.String),
	extract.Col("hours", extract.Amount),
	extract.Col("billable_rate", extract.Amount),
	extract.Col("billable", extract.Bool),
	extract.Col("notes", extract.String),
)

// benchColumns are the stream's columns in schema order.
var benchColumns = []string{
	"id", "updated_at", "spent_date", "user_id", "project_id",
	"hours", "billable_rate", "billable", "notes", "_raw",
}

// benchEntry is one generated time entry. hours and rate are unscaled
// integers with the columns' 4 decimal places (12.5 h is 125000).
type benchEntry struct {
	id                string
	updatedAt         time.Time
	spentDate         time.Time
	userID, projectID string
	hours, rate       int64
	billable          bool
	notes, raw        string
}

var benchEpoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// makeEntry returns entry i; the same i always gives the same entry.
func makeEntry(i int) benchEntry {
	e := benchEntry{
		id:        strconv.Itoa(2_000_000_000 + i),
		updatedAt: benchEpoch.Add(time.Duration(i) * 37 * time.Second),
		spentDate: benchEpoch.AddDate(0, 0, i%730),
		userID:    strconv.Itoa(1_000_000 + i%120),
		projectID: strconv.Itoa(30_000_000 + i%400),
		hours:     2500*int64(1+i%32) + int64(i%7),
		rate:      950_000 + int64(i%50)*12_345,
		billable:  i%5 != 0,
		notes:     fmt.Sprintf("Sprint %03d: review, fixes #%05d", i%200, i%100_000),
	}
	e.raw = fmt.Sprintf(`{"id":%s,"spent_date":"%s","hours":%s,"billable_rate":%s,"billable":%t,"user":{"id":%s},"project":{"id":%s},"notes":%q}`,
		e.id, e.spentDate.Format(time.DateOnly), fixed4(e.hours), fixed4(e.rate), e.billable, e.userID, e.projectID, e.notes)
	return e
}

// fixed4 formats an unscaled 4-place integer as DuckDB prints a
// DECIMAL(18,4).
func fixed4(v int64) string { return decimal.New(v, -4).StringFixed(4) }

// arrowBatches builds the benchmark rows as record batches of perBatch
// rows. The caller releases them.
func arrowBatches(b *testing.B, perBatch int) []arrow.RecordBatch {
	b.Helper()
	rb := array.NewRecordBuilder(memory.DefaultAllocator, benchSchema)
	defer rb.Release()
	var recs []arrow.RecordBatch
	for i := 0; i < benchRows; i++ {
		e := makeEntry(i)
		rb.Field(0).(*array.StringBuilder).Append(e.id)
		rb.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(e.updatedAt.UnixMicro()))
		rb.Field(2).(*array.Date32Builder).Append(arrow.Date32FromTime(e.spentDate))
		rb.Field(3).(*array.StringBuilder).Append(e.userID)
		rb.Field(4).(*array.StringBuilder).Append(e.projectID)
		rb.Field(5).(*array.Decimal128Builder).Append(decimal128.FromI64(e.hours))
		rb.Field(6).(*array.Decimal128Builder).Append(decimal128.FromI64(e.rate))
		rb.Field(7).(*array.BooleanBuilder).Append(e.billable)
		rb.Field(8).(*array.StringBuilder).Append(e.notes)
		rb.Field(9).(*array.StringBuilder).Append(e.raw)
		if (i+1)%perBatch == 0 || i == benchRows-1 {
			recs = append(recs, rb.NewRecordBatch())
		}
	}
	b.Cleanup(func() {
		for _, r := range recs {
			r.Release()
		}
	})
	return recs
}

// openBench opens a warehouse file in a temp dir with takt's default
// settings, creates the raw table through load/ and starts a run.
func openBench(b *testing.B) (*warehouse.Warehouse, *load.Loader, int64) {
	b.Helper()
	ctx := context.Background()
	wh, err := warehouse.Open(ctx, filepath.Join(b.TempDir(), "bench.duckdb"), warehouse.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { wh.Close() })
	l := load.New(wh, nil)
	if err := l.Register(ctx, benchSource, []extract.Stream{{Name: benchStream, Schema: benchSchema}}); err != nil {
		b.Fatal(err)
	}
	run, err := l.StartRun(ctx, "cli")
	if err != nil {
		b.Fatal(err)
	}
	if err := l.StartStream(ctx, run, benchSource, benchStream); err != nil {
		b.Fatal(err)
	}
	return wh, l, run
}

// reportRows reports the timed section's throughput, per second of wall
// time and per second of this process's CPU time since cpuStart. On a
// machine shared with other work the second varies much less.
func reportRows(b *testing.B, iterations int) {
	b.ReportMetric(float64(benchRows*iterations)/b.Elapsed().Seconds(), "rows/s")
	if !cpuStart.IsZero() {
		b.ReportMetric(float64(benchRows*iterations)/cpuSince(cpuStart).Seconds(), "rows/cpu-s")
	}
}

// cpuStart is the process's CPU time when the timed section started, set
// by startTimer.
var cpuStart cpuTime

type cpuTime struct{ t time.Duration }

func (c cpuTime) IsZero() bool { return c.t == 0 }

func processCPU() cpuTime {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return cpuTime{}
	}
	return cpuTime{time.Duration(ru.Utime.Nano() + ru.Stime.Nano())}
}

func cpuSince(c cpuTime) time.Duration { return processCPU().t - c.t }

// startTimer resets the benchmark timer and the CPU clock.
func startTimer(b *testing.B) {
	b.ResetTimer()
	cpuStart = processCPU()
}

// checkpoint writes what the timed section left in DuckDB's write-ahead log
// into the file, inside the timed section: a path that defers its writing
// to the next checkpoint is not faster for it.
func checkpoint(b *testing.B, db *sql.DB) {
	b.Helper()
	if _, err := db.Exec("CHECKPOINT"); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkLoadArrow measures load.Loader.Append: one transaction per
// batch with the ledger update, a cursor on the last batch. 100,000-row
// batches show the path itself; 2,000 rows is a Harvest page, the batch
// size connectors emit, written one page per transaction (what takt did
// before it gathered pages, see BenchmarkLoadCoalesced).
func BenchmarkLoadArrow(b *testing.B) {
	for _, perBatch := range []int{100_000, 2_000} {
		b.Run(fmt.Sprintf("batch_rows=%d", perBatch), func(b *testing.B) {
			ctx := context.Background()
			recs := arrowBatches(b, perBatch)
			wh, l, run := openBench(b)
			startTimer(b)
			for i := 0; i < b.N; i++ {
				for j, rec := range recs {
					batch := extract.Batch{Record: rec, Pages: 1}
					if j == len(recs)-1 {
						batch.Cursor = strconv.Itoa(i)
					}
					if _, err := l.Append(ctx, run, benchSource, benchStream, batch); err != nil {
						b.Fatal(err)
					}
				}
			}
			checkpoint(b, wh.DB)
			b.StopTimer()
			reportRows(b, b.N)
			verifyLoaded(b, wh.DB, b.N)
		})
	}
}

// BenchmarkLoadCoalesced measures what the pipeline does with the pages
// connectors emit (2,000 rows, a Harvest page): a load.Coalescer gathers
// them and writes whole row groups (122,880 rows) per transaction, through
// AppendBatches, which joins them into Arrow batches of 32,768 rows; the
// cursor comes with the last write.
func BenchmarkLoadCoalesced(b *testing.B) {
	ctx := context.Background()
	recs := arrowBatches(b, 2_000)
	wh, l, run := openBench(b)
	startTimer(b)
	for i := 0; i < b.N; i++ {
		co := &load.Coalescer{Loader: l, RunID: run, Source: benchSource, Stream: benchStream}
		for j, rec := range recs {
			batch := extract.Batch{Record: rec, Pages: 1}
			if j == len(recs)-1 {
				batch.Cursor = strconv.Itoa(i)
			}
			if err := co.Emit(ctx, batch); err != nil {
				b.Fatal(err)
			}
		}
	}
	checkpoint(b, wh.DB)
	b.StopTimer()
	reportRows(b, b.N)
	verifyLoaded(b, wh.DB, b.N)
}

// BenchmarkLoadAppender measures duckdb-go's Appender fed with Go values,
// row by row. DECIMAL(18,4) values are passed as unscaled int64 of scale
// 4: the Appender takes the integer as the column's unscaled value and
// ignores any scale the caller gives (a float64 or a duckdb.Decimal of
// another scale is stored wrong without an error).
func BenchmarkLoadAppender(b *testing.B) {
	ctx := context.Background()
	entries := make([]benchEntry, benchRows)
	for i := range entries {
		entries[i] = makeEntry(i)
	}
	wh, _, run := openBench(b)
	extractedAt := time.Now().UTC()
	startTimer(b)
	for i := 0; i < b.N; i++ {
		conn, err := wh.DB.Conn(ctx)
		if err != nil {
			b.Fatal(err)
		}
		err = conn.Raw(func(dc any) error {
			a, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "raw", benchSource+"_"+benchStream)
			if err != nil {
				return err
			}
			for _, e := range entries {
				if err := a.AppendRow(run, extractedAt, e.id, e.updatedAt, e.spentDate, e.userID, e.projectID,
					e.hours, e.rate, e.billable, e.notes, e.raw); err != nil {
					a.Close()
					return err
				}
			}
			return a.Close()
		})
		conn.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	checkpoint(b, wh.DB)
	b.StopTimer()
	reportRows(b, b.N)
	verifyLoaded(b, wh.DB, b.N)
}

// BenchmarkLoadParquet measures the Parquet route in its two halves:
// writing the batches with pqarrow (Snappy, one row group per batch), and
// INSERT ... SELECT from read_parquet into the raw table.
func BenchmarkLoadParquet(b *testing.B) {
	recs := arrowBatches(b, 100_000)
	path := filepath.Join(b.TempDir(), "time_entries.parquet")

	b.Run("write", func(b *testing.B) {
		startTimer(b)
		for i := 0; i < b.N; i++ {
			writeParquet(b, path, recs)
		}
		b.StopTimer()
		reportRows(b, b.N)
		fi, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(fi.Size())/1e6, "MB_file")
	})

	b.Run("read_parquet", func(b *testing.B) {
		ctx := context.Background()
		writeParquet(b, path, recs)
		wh, _, run := openBench(b)
		cols := strings.Join(benchColumns, ", ")
		// The path is b.TempDir's, with any quote doubled; DuckDB takes a
		// table function's file name as a constant, not a parameter.
		insert := "INSERT INTO " + benchTable + " (_run_id, _extracted_at, " + cols + ") SELECT $1, $2, " + cols +
			" FROM read_parquet('" + strings.ReplaceAll(path, "'", "''") + "')"
		startTimer(b)
		for i := 0; i < b.N; i++ {
			res, err := wh.DB.ExecContext(ctx, insert, run, time.Now().UTC())
			if err != nil {
				b.Fatal(err)
			}
			if n, err := res.RowsAffected(); err != nil || n != benchRows {
				b.Fatalf("inserted %d rows (%v), want %d", n, err, benchRows)
			}
		}
		checkpoint(b, wh.DB)
		b.StopTimer()
		reportRows(b, b.N)
		verifyLoaded(b, wh.DB, b.N)
	})
}

func writeParquet(b *testing.B, path string, recs []arrow.RecordBatch) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy))
	w, err := pqarrow.NewFileWriter(benchSchema, f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		b.Fatal(err)
	}
	for _, rec := range recs {
		if err := w.Write(rec); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

// verifyLoaded fails the benchmark unless the raw table holds every row of
// every iteration exactly: the row count, the sums of both decimal columns
// over all rows, and every column of a sample of rows.
func verifyLoaded(b *testing.B, db *sql.DB, iterations int) {
	b.Helper()
	ctx := context.Background()
	var wantHours, wantRate int64
	for i := 0; i < benchRows; i++ {
		e := makeEntry(i)
		wantHours += e.hours
		wantRate += e.rate
	}
	k := int64(iterations)
	var count int64
	var hours, rate string
	err := db.QueryRowContext(ctx, "SELECT count(*), sum(hours)::VARCHAR, sum(billable_rate)::VARCHAR FROM "+benchTable).
		Scan(&count, &hours, &rate)
	if err != nil {
		b.Fatal(err)
	}
	if count != benchRows*k || hours != fixed4(wantHours*k) || rate != fixed4(wantRate*k) {
		b.Fatalf("loaded %d rows, sum(hours) %s, sum(billable_rate) %s; want %d, %s, %s",
			count, hours, rate, benchRows*k, fixed4(wantHours*k), fixed4(wantRate*k))
	}
	for _, i := range []int{0, 1, 6, 31, 99_999, 100_000, 123_457, 500_001, benchRows - 1} {
		e := makeEntry(i)
		want := strings.Join([]string{
			e.updatedAt.Format("2006-01-02T15:04:05Z"), e.spentDate.Format(time.DateOnly), e.userID, e.projectID,
			fixed4(e.hours), fixed4(e.rate), strconv.FormatBool(e.billable), e.notes, e.raw,
		}, "|")
		var got string
		var n int64
		err := db.QueryRowContext(ctx, `SELECT any_value(strftime(updated_at, '%Y-%m-%dT%H:%M:%SZ') || '|' || spent_date::VARCHAR || '|' ||
			user_id || '|' || project_id || '|' || hours::VARCHAR || '|' || billable_rate::VARCHAR || '|' ||
			billable::VARCHAR || '|' || notes || '|' || _raw), count(*) FROM `+benchTable+` WHERE id = $1`, e.id).Scan(&got, &n)
		if err != nil {
			b.Fatal(err)
		}
		if got != want || n != k {
			b.Fatalf("row %s: %d copies of\n %s\nwant %d of\n %s", e.id, n, got, k, want)
		}
	}
}
