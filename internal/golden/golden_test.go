package golden

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gocx/gocx/nn/state"
)

// readmeFiles are the golden files /work/shared/golden/README.md describes.
var readmeFiles = []string{
	"hf/dinov2_reg_tiny_518/io_2x56x56.safetensors",
	"hf/dinov2_reg_tiny_518/model.safetensors",
	"hf/dinov2_reg_tiny_56/io_2x56x56.safetensors",
	"hf/dinov2_reg_tiny_56/model.safetensors",
	"hf/dinov2_tiny_518/io_2x56x56.safetensors",
	"hf/dinov2_tiny_518/model.safetensors",
	"ops/ops.safetensors",
	"ssl/io.safetensors",
	"ssl/weights.safetensors",
	"vit/io.safetensors",
	"vit/model.safetensors",
}

func TestDir(t *testing.T) {
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		t.Errorf("golden directory %s has no README.md: %v", dir, err)
	}
	if got := Files(t); !slices.Equal(got, readmeFiles) {
		t.Errorf("golden files %v, want the README's %v (update readmeFiles and KEYS.md)", got, readmeFiles)
	}
}

func TestDirErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nowhere")
	t.Setenv(EnvDir, missing)
	if _, err := Dir(); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("Dir with a missing $%s: err = %v, want one naming %s", EnvDir, err, missing)
	}
	t.Setenv(EnvDir, "")
	repo := t.TempDir()
	os.WriteFile(filepath.Join(repo, "go.mod"), []byte("module x\n"), 0o644)
	os.MkdirAll(filepath.Join(repo, "pkg", "sub"), 0o755)
	t.Chdir(filepath.Join(repo, "pkg", "sub"))
	want := filepath.Join(filepath.Dir(repo), "shared", "golden")
	if _, err := Dir(); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Dir without shared/golden: err = %v, want one naming %s", err, want)
	}
	os.MkdirAll(want, 0o755)
	if got, err := Dir(); err != nil || got != want {
		t.Errorf("Dir = %q, %v; want %q", got, err, want)
	}
}

func TestGoldenShapes(t *testing.T) {
	vit := Load(t, "vit/io.safetensors")
	checkShape(t, vit, "x", 2, 3, 98, 98)
	checkShape(t, vit, "masks", 2, 49)
	if a := Array(t, vit, "masks"); a.DType.String() != "U8" && a.DType.String() != "BOOL" {
		t.Errorf("masks dtype %v", a.DType)
	}
	if n := countTrue(Bool(t, vit, "masks")); n == 0 || n == 2*49 {
		t.Errorf("masks has %d of %d set; want a real mask", n, 2*49)
	}
	model := Load(t, "vit/model.safetensors")
	checkShape(t, model, "pos_embed", 1, 50, 48)
	checkShape(t, model, "register_tokens", 1, 4, 48)
	checkShape(t, model, "blocks.1.attn.qkv.weight", 144, 48)

	for _, c := range []struct {
		dir string
		seq int
	}{{"dinov2_reg_tiny_518", 1 + 4 + 16}, {"dinov2_reg_tiny_56", 1 + 4 + 16}, {"dinov2_tiny_518", 1 + 16}} {
		io := Load(t, "hf/"+c.dir+"/io_2x56x56.safetensors")
		checkShape(t, io, "pixel_values", 2, 3, 56, 56)
		checkShape(t, io, "last_hidden_state", 2, c.seq, 48)
		checkShape(t, io, "pooler_output", 2, 48)
		checkShape(t, io, "hidden_state_3", 2, c.seq, 48)
		// pooler_output is the CLS row of last_hidden_state.
		last, pool := F64(t, io, "last_hidden_state"), F64(t, io, "pooler_output")
		cls := append(slices.Clone(last[:48]), last[c.seq*48:c.seq*48+48]...)
		if e := RelErr(pool, cls); e != 0 {
			t.Errorf("%s: pooler_output differs from the CLS rows (rel err %g)", c.dir, e)
		}
	}
	hf := Load(t, "hf/dinov2_reg_tiny_518/model.safetensors")
	checkShape(t, hf, "embeddings.position_embeddings", 1, 1370, 48)
	checkShape(t, hf, "embeddings.register_tokens", 1, 4, 48)

	ssl := Load(t, "ssl/io.safetensors")
	checkShape(t, ssl, "global_crops", 4, 3, 98, 98)
	checkShape(t, ssl, "local_crops", 4, 3, 42, 42)
	checkShape(t, ssl, "masks", 4, 49)
	hasPrefix(t, ssl, "centering.", "sinkhorn_knopp.", "opt.")
	weights := Load(t, "ssl/weights.safetensors")
	hasPrefix(t, weights, "student.", "teacher.")

	ops := Load(t, "ops/ops.safetensors")
	checkShape(t, ops, "sk.logits", 12, 1024)
	checkShape(t, ops, "sk.out", 12, 1024)
	hasPrefix(t, ops, "sk.", "center.", "koleo.", "dino.")
}

func checkShape(t *testing.T, f *state.File, name string, want ...int) {
	t.Helper()
	if got := Shape(t, f, name); !slices.Equal(got, want) {
		t.Errorf("%s: shape %v, want %v", name, got, want)
	}
}

func hasPrefix(t *testing.T, f *state.File, prefixes ...string) {
	t.Helper()
	for _, p := range prefixes {
		if !slices.ContainsFunc(f.Order, func(k string) bool { return strings.HasPrefix(k, p) }) {
			t.Errorf("no key starts with %q", p)
		}
	}
}

func countTrue(b []bool) int {
	n := 0
	for _, v := range b {
		if v {
			n++
		}
	}
	return n
}

func TestRelErr(t *testing.T) {
	cases := []struct {
		got, want []float64
		err       float64
	}{
		{[]float64{1, 2}, []float64{1, 2}, 0},
		{[]float64{0, 1}, []float64{1, 0}, math.Sqrt2},
		{[]float64{3, 4}, []float64{0, 0}, 5}, // absolute when want is zero
		{[]float64{1.1, 2}, []float64{1, 2}, 0.1 / math.Sqrt(5)},
		{[]float64{1}, []float64{1, 2}, math.Inf(1)},
		{[]float64{math.NaN(), 1}, []float64{1, 1}, math.Inf(1)},
		{[]float64{1, 1}, []float64{math.Inf(1), 1}, math.Inf(1)},
	}
	for _, c := range cases {
		if got := RelErr(c.got, c.want); math.Abs(got-c.err) > 1e-15 && got != c.err {
			t.Errorf("RelErr(%v, %v) = %v, want %v", c.got, c.want, got, c.err)
		}
	}
	if got := RelErr32([]float32{0, 1}, []float32{1, 0}); math.Abs(got-math.Sqrt2) > 1e-15 {
		t.Errorf("RelErr32 = %v", got)
	}
	if got := RelErr32([]float32{float32(math.NaN())}, []float32{1}); !math.IsInf(got, 1) {
		t.Errorf("RelErr32 with NaN = %v", got)
	}
}
