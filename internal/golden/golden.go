package golden

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gocx/gocx/nn/state"
)

// EnvDir names an environment variable that, when set, overrides where the
// golden data lives.
const EnvDir = "GOCX_GOLDEN"

// Dir returns the golden data directory: $GOCX_GOLDEN if set, else
// <root>/../shared/golden where <root> is the nearest directory at or above
// the working directory that holds go.mod (the repository root; go test runs
// in the package directory). The error names the path it looked for.
func Dir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		if !isDir(d) {
			return "", fmt.Errorf("golden: $%s = %s is not a directory", EnvDir, d)
		}
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("golden: %w", err)
	}
	root := wd
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			return "", fmt.Errorf("golden: no go.mod at or above %s", wd)
		}
		root = parent
	}
	dir := filepath.Join(filepath.Dir(root), "shared", "golden")
	if !isDir(dir) {
		return "", fmt.Errorf("golden: golden data directory %s does not exist (set $%s to its location)", dir, EnvDir)
	}
	return dir, nil
}

func isDir(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.IsDir()
}

// Path returns the absolute path of rel (such as "vit/io.safetensors")
// inside the golden directory, stopping the test if the directory or the
// file is missing.
func Path(t testing.TB, rel string) string {
	t.Helper()
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("golden: %v", err)
	}
	return p
}

// Load reads a golden safetensors file such as "vit/io.safetensors".
func Load(t testing.TB, rel string) *state.File {
	t.Helper()
	f, err := state.ReadSafetensors(Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Files lists every safetensors file under the golden directory, as
// slash-separated paths relative to it, sorted.
func Files(t testing.TB) []string {
	t.Helper()
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".safetensors") {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("golden: %v", err)
	}
	sort.Strings(out)
	return out
}

// Array returns the named array, stopping the test (and listing the keys
// that share the name's first component) if it is missing.
func Array(t testing.TB, f *state.File, name string) *state.Array {
	t.Helper()
	a := f.Get(name)
	if a == nil {
		prefix, _, _ := strings.Cut(name, ".")
		var near []string
		for _, k := range f.SortedNames() {
			if strings.HasPrefix(k, prefix) {
				near = append(near, k)
			}
		}
		if len(near) > 20 {
			near = append(near[:20], "...")
		}
		t.Fatalf("golden: no array %q (keys starting with %q: %v)", name, prefix, near)
	}
	return a
}

// F64 returns the named array as float64 values (converted if needed).
func F64(t testing.TB, f *state.File, name string) []float64 {
	t.Helper()
	v, err := Array(t, f, name).AsFloat64()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// F32 returns the named array as float32 values (converted if needed; a
// float64 array rounds to nearest).
func F32(t testing.TB, f *state.File, name string) []float32 {
	t.Helper()
	v, err := Array(t, f, name).AsFloat32()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// I64 returns the named integer or boolean array as int64 values.
func I64(t testing.TB, f *state.File, name string) []int64 {
	t.Helper()
	v, err := Array(t, f, name).AsInt64()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Bool returns the named boolean (or integer) array as bools.
func Bool(t testing.TB, f *state.File, name string) []bool {
	t.Helper()
	v, err := Array(t, f, name).AsBool()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Shape returns the shape of the named array (a copy).
func Shape(t testing.TB, f *state.File, name string) []int {
	t.Helper()
	return slices.Clone(Array(t, f, name).Shape)
}

// RelErr is ||got - want|| / ||want|| (Euclidean norms). It is +Inf when
// the lengths differ or any value is NaN or infinite, so that a comparison
// `RelErr(...) > tol` cannot pass by accident; when want is all zeros it is
// ||got|| (the absolute error).
func RelErr(got, want []float64) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var num, den float64
	for i, w := range want {
		g := got[i]
		if math.IsNaN(g) || math.IsNaN(w) || math.IsInf(g, 0) || math.IsInf(w, 0) {
			return math.Inf(1)
		}
		d := g - w
		num += d * d
		den += w * w
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}

// RelErr32 is RelErr for float32 slices, accumulated in float64.
func RelErr32(got, want []float32) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	g := make([]float64, len(got))
	w := make([]float64, len(want))
	for i := range got {
		g[i], w[i] = float64(got[i]), float64(want[i])
	}
	return RelErr(g, w)
}
