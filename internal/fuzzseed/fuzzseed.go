// Package fuzzseed holds what the fuzz targets of the file parsers
// (cxformer/data, cxformer/ckpt) share: damaged copies of a valid file for
// the seed corpus, and writing a fuzzed input to disk for the readers that
// take a path.
package fuzzseed

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// AddBroken adds damaged copies of a valid file: empty, cut in half, cut
// by one byte, and with its first bytes overwritten.
func AddBroken(good []byte, add func([]byte)) {
	add(nil)
	add(good[:len(good)/2])
	add(good[:len(good)-1])
	bad := slices.Clone(good)
	copy(bad, "\x00garbage")
	add(bad)
}

// WriteFile writes b to dir/rel (a slash-separated path), creating
// directories, and returns the path.
func WriteFile(tb testing.TB, dir, rel string, b []byte) string {
	tb.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}
