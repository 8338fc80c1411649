package config

import (
	"fmt"
	"strings"

	"github.com/takt-billing/takt/extract/files"
)

// FileImport maps one kind of export file in the imports folder to a
// stream, under "sources.files.imports:" in takt.yaml. A stream no import
// names reads its default file (<stream>.csv with the stream's own column
// names; EXTF_Buchungsstapel*.csv for datev_postings). See extract/files
// for the meaning and defaults of each key.
type FileImport struct {
	// File is a file name or a pattern (zeiten_*.xlsx) in the imports
	// folder.
	File string `yaml:"file"`
	// Stream is the stream the rows go to (time_entries, fx_rates, ...).
	Stream string `yaml:"stream"`
	// Format is csv, xlsx, json or datev; default from the extension.
	Format string `yaml:"format"`
	// Sheet is the xlsx worksheet; default the first.
	Sheet string `yaml:"sheet"`
	// Columns maps stream column -> the file's column (header or json key).
	Columns map[string]string `yaml:"columns"`
	// Decimal is "." (default) or ",".
	Decimal string `yaml:"decimal"`
	// DateFormat is e.g. DD.MM.YYYY; default YYYY-MM-DD.
	DateFormat string `yaml:"date_format"`
	// Encoding is auto (default), utf-8 or windows-1252.
	Encoding string `yaml:"encoding"`
	// Separator is ",", ";", "|" or tab; default detected.
	Separator string `yaml:"separator"`
	// BadRows is refuse (default) or quarantine.
	BadRows string `yaml:"bad_rows"`
}

// Import is the import as the files connector takes it.
func (f FileImport) Import() files.Import {
	return files.Import{
		File: f.File, Stream: f.Stream, Format: f.Format, Sheet: f.Sheet, Columns: f.Columns,
		Decimal: f.Decimal, DateFormat: f.DateFormat, Encoding: f.Encoding, Separator: f.Separator, BadRows: f.BadRows,
	}
}

// FileImports returns the configured imports as the files connector takes
// them.
func (f *Files) FileImports() []files.Import {
	out := make([]files.Import, len(f.Imports))
	for i, imp := range f.Imports {
		out[i] = imp.Import()
	}
	return out
}

func (v *validator) checkFileImports(imports []FileImport) {
	type target struct{ stream, file, sheet string }
	first := map[target]int{}
	for i, imp := range imports {
		prefix := fmt.Sprintf("sources.files.imports[%d]", i)
		for _, p := range files.CheckImport(imp.Import()) {
			v.fail(prefix+"."+p.Key, "%s", p.Msg)
		}
		t := target{imp.Stream, strings.ToLower(imp.File), imp.Sheet}
		if j, dup := first[t]; dup && imp.File != "" {
			v.fail(prefix+".file", "%q feeds %s already in sources.files.imports[%d]; expected each file (and sheet) imported into a stream once", imp.File, imp.Stream, j)
			continue
		}
		first[t] = i
	}
}
