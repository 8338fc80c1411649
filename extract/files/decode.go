package files

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

var (
	// utf8BOM is the byte order mark Excel writes in front of "CSV UTF-8"
	// files.
	utf8BOM = []byte{0xEF, 0xBB, 0xBF}
	// UTF-16 byte order marks, as Excel's "Unicode text" starts.
	utf16LE = []byte{0xFF, 0xFE}
	utf16BE = []byte{0xFE, 0xFF}
)

// decodeText returns a text file's content as UTF-8 and the encoding it was
// read in. With EncodingUTF8, invalid bytes are left in place for the cell
// checks to report with their row and column.
func decodeText(file string, data []byte, encoding string) ([]byte, string, error) {
	if bytes.HasPrefix(data, utf16LE) || bytes.HasPrefix(data, utf16BE) {
		return nil, "", fmt.Errorf("files: %s is UTF-16 text (Excel's \"Unicode text\"); want it saved as CSV UTF-8", file)
	}
	if rest, ok := bytes.CutPrefix(data, utf8BOM); ok {
		// A byte order mark is unambiguous, whatever the import says.
		return rest, EncodingUTF8, nil
	}
	switch encoding {
	case EncodingUTF8:
		return data, EncodingUTF8, nil
	case EncodingWindows1252:
		return windows1252(data), EncodingWindows1252, nil
	}
	if looksWindows1252(data) {
		return windows1252(data), EncodingWindows1252, nil
	}
	return data, EncodingUTF8, nil
}

// looksWindows1252 reports whether data is not UTF-8 but a single-byte
// encoding: it has bytes that are not UTF-8 and no multi-byte UTF-8
// sequence at all. A German "ä" in Windows-1252 is never valid UTF-8, and
// real Windows-1252 text practically never contains a valid UTF-8
// sequence ("Ã¤"); a UTF-8 file with a few broken bytes is read as UTF-8,
// so that those cells are refused rather than every umlaut garbled.
func looksWindows1252(data []byte) bool {
	invalid, multi := false, false
	for i := 0; i < len(data); {
		if data[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			invalid = true
		} else {
			multi = true
		}
		i += size
	}
	return invalid && !multi
}

func windows1252(data []byte) []byte {
	// The Windows-1252 decoder maps every byte to a rune, so it cannot
	// fail.
	out, _ := charmap.Windows1252.NewDecoder().Bytes(data)
	return out
}
