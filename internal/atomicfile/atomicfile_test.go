package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileReplacesWholeAndLeavesNoTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "pack.xlsx")
	if err := WriteFile(path, []byte("first")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("second version")); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "second version" {
		t.Fatalf("read %q, %v", got, err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, %v", st.Mode(), err)
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil || len(entries) != 1 {
		t.Fatalf("folder holds %v, %v; want only pack.xlsx", entries, err)
	}
}

func TestWriteFileIntoAFileFailsAndKeepsIt(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "reports")
	if err := os.WriteFile(blocker, []byte("a file, not a folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(blocker, "kpi.html"), []byte("x")); err == nil {
		t.Fatal("no error writing below a file")
	}
	got, _ := os.ReadFile(blocker)
	if string(got) != "a file, not a folder" {
		t.Fatalf("blocker changed to %q", got)
	}
}

func TestWriteThatFailsKeepsThePreviousFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pack.xlsx")
	if err := WriteFile(path, []byte("last month's pack")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("the warehouse went away")
	err := Write(path, func(w io.Writer) error {
		if _, err := io.WriteString(w, "half a pa"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want %v", err, boom)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "last month's pack" {
		t.Fatalf("file now holds %q", got)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("folder holds %v; want only pack.xlsx", entries)
	}
}
