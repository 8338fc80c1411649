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
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/takt-billing/takt/extract"
)

// Config configures the connector.
type Config struct {
	// Dir is the imports folder the export files are dropped into.
	// Required; it must exist.
	Dir string
	// Imports map export files to streams. A stream no import names reads
	// its default file: <stream>.csv with the stream's own column names,
	// and for datev_postings the DATEV files named EXTF_Buchungsstapel*.csv.
	Imports []Import
	// Allocator allocates the Arrow record batches; default Go's heap.
	Allocator memory.Allocator
	// Logger receives one line per file read, skipped or refused, with
	// the keys stream, file and file_sha256 (the caller adds source);
	// optional.
	Logger *slog.Logger
}

// Connector reads the export files of the imports folder.
type Connector struct {
	dir     string
	imports map[string][]entry
	mem     memory.Allocator
	logger  *slog.Logger
}

// entry is an import with its defaults applied.
type entry struct {
	imp Import
	// configured is false for a stream's default import, whose files must
	// have every column of the stream.
	configured bool
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
	c := &Connector{dir: cfg.Dir, imports: map[string][]entry{}, mem: cfg.Allocator, logger: cfg.Logger}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	var errs []error
	for i, imp := range cfg.Imports {
		for _, p := range CheckImport(imp) {
			errs = append(errs, fmt.Errorf("files: imports[%d].%s: %s", i, p.Key, p.Msg))
		}
		c.imports[imp.Stream] = append(c.imports[imp.Stream], entry{imp: withDefaults(imp), configured: true})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, s := range Streams() {
		if len(c.imports[s.Name]) == 0 {
			c.imports[s.Name] = []entry{{imp: defaultImport(s.Name)}}
		}
	}
	return c, nil
}

// Name returns Source.
func (c *Connector) Name() string { return Source }

// Streams returns Streams().
func (c *Connector) Streams() []extract.Stream { return Streams() }

// Extract reads the stream's files. cursor lists the version (SHA-256) of
// each file loaded before: a file that still has it is skipped. Every
// other file is read in name order and emitted as one batch (one page):
// its rows and the quarantined bad ones, or, if the file is refused, only
// its quarantine entries. The last batch carries the new list of files as
// the cursor, so the cursor never names a version whose rows are not
// committed. A refused file does not stop the others; Extract returns its
// error after the last batch, and the file's previous version stays
// current.
func (c *Connector) Extract(ctx context.Context, stream, cursor string, emit extract.Emit) error {
	spec, ok := specs[stream]
	if !ok {
		return fmt.Errorf("files: unknown stream %q", stream)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("files: %s: %w", stream, err)
	}
	loaded, err := parseManifest(stream, cursor)
	if err != nil {
		return err
	}
	matches, err := c.match(stream)
	if err != nil {
		return err
	}
	next := loaded.clone()
	var (
		refused []error
		pending *extract.Batch
	)
	// flush emits the batch held back, so that the last one can carry the
	// cursor.
	flush := func() error {
		if pending == nil {
			return nil
		}
		b := *pending
		pending = nil
		if b.Record != nil {
			defer b.Record.Release()
		}
		return emit(ctx, b)
	}
	for _, m := range matches {
		if err := ctx.Err(); err != nil {
			if pending != nil && pending.Record != nil {
				pending.Record.Release()
			}
			return fmt.Errorf("files: %s: %w", stream, err)
		}
		out, skipped, err := c.readMatch(spec, m, loaded)
		if err != nil {
			if pending != nil && pending.Record != nil {
				pending.Record.Release()
			}
			return err
		}
		if skipped {
			continue
		}
		if err := flush(); err != nil {
			if out.rec != nil {
				out.rec.Release()
			}
			return err
		}
		pending = &extract.Batch{Record: out.rec, Rejects: out.rejects, Pages: 1}
		if out.refused != nil {
			refused = append(refused, out.refused)
			continue
		}
		next[m.name] = out.sha256
	}
	if cur := next.String(); cur != cursor {
		if pending == nil {
			pending = &extract.Batch{}
		}
		pending.Cursor = cur
	}
	if err := flush(); err != nil {
		return err
	}
	return errors.Join(refused...)
}

// match is a file of the imports folder and the import that reads it.
type match struct {
	name string
	imp  entry
}

// match lists the files of the imports folder the stream's imports name,
// by file name. Hidden files and Office's lock files (~$name.xlsx) are
// never read.
func (c *Connector) match(stream string) ([]match, error) {
	dirEntries, err := os.ReadDir(c.dir)
	if err != nil {
		return nil, fmt.Errorf("files: imports folder %s: %w", c.dir, err)
	}
	var out []match
	for _, de := range dirEntries {
		name := de.Name()
		if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") {
			continue
		}
		var found []entry
		for _, e := range c.imports[stream] {
			// Patterns were checked by New.
			if ok, _ := path.Match(strings.ToLower(e.imp.File), strings.ToLower(name)); ok {
				found = append(found, e)
			}
		}
		if len(found) == 0 {
			continue
		}
		if len(found) > 1 {
			return nil, fmt.Errorf("files: %s: %s matches the file patterns %q and %q of two imports into %s; make the patterns distinct so that each file has one column mapping",
				stream, name, found[0].imp.File, found[1].imp.File, stream)
		}
		fi, err := os.Stat(filepath.Join(c.dir, name))
		if err != nil {
			return nil, fmt.Errorf("files: %s: %w", name, err)
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		out = append(out, match{name: name, imp: found[0]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// readOutcome is a file read, with its hash.
type readOutcome struct {
	outcome
	sha256 string
}

// readMatch reads one file unless loaded already has its version.
func (c *Connector) readMatch(spec *streamSpec, m match, loaded manifest) (readOutcome, bool, error) {
	stream := spec.stream.Name
	p := filepath.Join(c.dir, m.name)
	data, modTime, err := readFile(p)
	if err != nil {
		return readOutcome{}, false, fmt.Errorf("files: %s: %w", m.name, err)
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	log := c.logger.With("stream", stream, "file", m.name, "file_sha256", hash)
	if loaded[m.name] == hash {
		log.Info("import file unchanged")
		return readOutcome{}, true, nil
	}
	v := fileVersion{name: m.name, sha256: hash, modTime: modTime}
	imp := m.imp.imp
	t, encoding, err := readTable(spec, &imp, m.name, data)
	var out outcome
	if err != nil {
		out = refuse(spec, v, outcome{}, err)
	} else {
		out = build(spec, &imp, t, v, !m.imp.configured, c.mem)
	}
	if out.refused != nil {
		log.Warn("import file refused", "format", imp.Format, "rows", out.rows, "bad_rows", out.bad, "error", out.refused)
	} else {
		log.Info("read import file", "format", imp.Format, "encoding", encoding, "rows", out.rows-out.bad, "bad_rows", out.bad)
	}
	return readOutcome{outcome: out, sha256: hash}, false, nil
}

// readTable splits a file into a table by the import's format. encoding is
// the text encoding it was read in ("" for xlsx).
func readTable(spec *streamSpec, imp *Import, name string, data []byte) (*table, string, error) {
	if imp.Format == FormatXLSX {
		t, err := readXLSX(name, data, imp.Sheet, requiredColumns(spec, imp))
		return t, "", err
	}
	text, encoding, err := decodeText(name, data, imp.Encoding)
	if err != nil {
		return nil, "", err
	}
	var t *table
	switch imp.Format {
	case FormatCSV:
		// The separator was checked by New.
		sep, _ := separatorRune(imp.Separator)
		t, err = readCSV(name, text, sep)
	case FormatJSON:
		var keys []string
		for _, col := range spec.mappable() {
			keys = append(keys, fileColumn(imp, col))
		}
		t, err = readJSON(name, text, spec.stream.Name, keys)
	case FormatDATEV:
		t, err = readDATEV(name, text)
	default:
		panic("files: no reader for format " + imp.Format)
	}
	return t, encoding, err
}

// requiredColumns are the file columns a header must have: the id and
// every required or explicitly mapped column.
func requiredColumns(spec *streamSpec, imp *Import) []string {
	var names []string
	if spec.key == nil {
		names = append(names, fileColumn(imp, "id"))
	}
	for _, c := range spec.columns {
		if _, mapped := imp.Columns[c.name]; c.kind != fromHeader && (!c.optional || mapped) {
			names = append(names, fileColumn(imp, c.name))
		}
	}
	return names
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
