package data

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// fixture returns the path of a committed fixture file.
func fixture(rel string) string { return filepath.Join(fixtureDir, filepath.FromSlash(rel)) }

// loadGray decodes a committed 8-bit PNG/JPEG fixture.
func loadGray(t testing.TB, rel string) *Gray {
	t.Helper()
	g, err := DecodeFile(fixture(rel))
	if err != nil {
		t.Fatalf("load fixture %s: %v", rel, err)
	}
	return g
}

// refManifest is testdata/data/reference/manifest.json.
type refManifest struct {
	Resize [][2]int       `json:"resize"`
	Crop   [][5]int       `json:"crop"`
	Affine [][4]float64   `json:"affine"`
	Jitter [][][2]any     `json:"jitter"`
	Blur   []float64      `json:"blur"`
	Equal  []string       `json:"equalize"`
	Vers   map[string]any `json:"versions"`
}

func loadManifest(t testing.TB) refManifest {
	t.Helper()
	b, err := os.ReadFile(fixture("reference/manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m refManifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// pixelDiff returns the number of differing pixels and the largest absolute difference.
func pixelDiff(t testing.TB, got, want *Gray) (n, maxAbs int) {
	t.Helper()
	if got.W != want.W || got.H != want.H {
		t.Fatalf("size %dx%d, want %dx%d", got.W, got.H, want.W, want.H)
	}
	for i := range got.Pix {
		d := int(got.Pix[i]) - int(want.Pix[i])
		if d < 0 {
			d = -d
		}
		if d != 0 {
			n++
			maxAbs = max(maxAbs, d)
		}
	}
	return n, maxAbs
}

// expectSame fails unless got and want are identical.
func expectSame(t testing.TB, what string, got, want *Gray) {
	t.Helper()
	if n, m := pixelDiff(t, got, want); n != 0 {
		t.Errorf("%s: %d of %d pixels differ (max |diff| %d)", what, n, len(got.Pix), m)
	}
}
