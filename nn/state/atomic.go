package state

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteAtomic creates or replaces path with what write produces, such that
// a reader (or a crash) sees either the old file or the complete new one:
// it writes a temporary file in the same directory, fsyncs it, renames it
// over path and fsyncs the directory. On any error the temporary file is
// removed and path is left untouched. The new file has mode 0644.
func WriteAtomic(path string, write func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	if err = write(tmp); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", tmpName, err)
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmpName, path); err != nil {
		return err
	}
	// Make the rename itself durable. This is best effort: some file
	// systems (and Windows) cannot fsync a directory, and the file's own data
	// is already on disk.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
