package files

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/takt-billing/takt/extract"
)

// Config configures the connector.
type Config struct {
	// Dir is the imports folder the export files are dropped into.
	// Required; it must exist.
	Dir string
	// Logger receives one line per file read or skipped; optional.
	Logger *slog.Logger
}

// Connector reads the export files of the imports folder.
type Connector struct {
	dir    string
	logger *slog.Logger
}

// New checks cfg and returns a connector reading cfg.Dir.
func New(cfg Config) (*Connector, error) {
	if cfg.Dir == "" {
		return nil, errors.New("files: Config.Dir is empty: set it to the imports folder")
	}
	fi, err := os.Stat(cfg.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("files: imports folder %s does not exist: create it, or set the imports folder to the directory the export files are dropped into", cfg.Dir)
	}
	if err != nil {
		return nil, fmt.Errorf("files: imports folder %s: %w", cfg.Dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("files: imports folder %s is not a directory: set the imports folder to the directory the export files are dropped into", cfg.Dir)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Connector{dir: cfg.Dir, logger: logger}, nil
}

// Name returns Source.
func (c *Connector) Name() string { return Source }

// Streams returns Streams().
func (c *Connector) Streams() []extract.Stream { return Streams() }

// Extract reads the stream's file. cursor is the SHA-256 of the file last
// loaded: if the file still has it, nothing is emitted. Otherwise every row
// is emitted, in file order, in batches of at most 10,000 rows; the first
// batch counts the file as one page and the last carries the file's SHA-256
// as the new cursor. A file with a header and no rows yields one empty batch
// with the cursor, so that the empty list replaces the previous version. A
// missing file emits nothing.
func (c *Connector) Extract(ctx context.Context, stream, cursor string, emit extract.Emit) error {
	spec, ok := specs[stream]
	if !ok {
		return fmt.Errorf("files: unknown stream %q", stream)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("files: %s: %w", stream, err)
	}
	path := filepath.Join(c.dir, spec.file)
	data, modTime, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat(c.dir); err != nil {
			return fmt.Errorf("files: imports folder %s: %w", c.dir, err)
		}
		c.logger.Debug("no import file", "source", Source, "stream", stream, "file", path)
		return nil
	}
	if err != nil {
		return fmt.Errorf("files: %s: %w", spec.file, err)
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	if hash == cursor {
		c.logger.Info("import file unchanged", "source", Source, "stream", stream, "file", path, "file_sha256", hash)
		return nil
	}

	t, err := readTable(spec.file, data)
	if err != nil {
		return err
	}
	recs, err := spec.records(t, fileVersion{name: spec.file, sha256: hash, modTime: modTime})
	if err != nil {
		return err
	}
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	c.logger.Info("read import file", "source", Source, "stream", stream, "file", path, "file_sha256", hash, "rows", len(t.rows))
	for i, rec := range recs {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("files: %s: %w", stream, err)
		}
		b := extract.Batch{Record: rec}
		if i == 0 {
			b.Pages = 1
		}
		if i == len(recs)-1 {
			b.Cursor = hash
		}
		if err := emit(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

// readFile returns a file's bytes and its modification time in UTC, both
// from the same open file.
func readFile(path string) ([]byte, time.Time, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, time.Time{}, err
	}
	if fi.IsDir() {
		return nil, time.Time{}, fmt.Errorf("%s is a directory, not a file", path)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, time.Time{}, err
	}
	return data, fi.ModTime().UTC(), nil
}
