package gpu

import (
	"testing"

	"github.com/gocx/gocx/kernels"
)

// TestSplitKTileChoice checks the tile and slice count the GEMM chooser
// reports on a GPU (a Device value with the GPU settings; nothing runs)
// for the ViT-S weight gradients dW = dYᵀ·X (TN, K = 64·261 tokens),
// where the split-K partial products must take the tile that measured
// fastest there (128x64, not the 32x32 of the wave model), and for a
// 1024³ NN square, which keeps the general choice (128x128k8).
func TestSplitKTileChoice(t *testing.T) {
	d := &Device{gemmUnroll: true, gemmGroup: 8}
	const tok = 64 * 261
	for _, c := range []struct {
		name string
		p    kernels.Gemm
		want string
	}{
		{"qkv dW", kernels.Gemm{M: 1152, N: 384, K: tok, TransA: true, Alpha: 1}, "128x64 splitK=10"},
		{"proj dW", kernels.Gemm{M: 384, N: 384, K: tok, TransA: true, Alpha: 1}, "128x64 splitK=30"},
		{"fc1 dW", kernels.Gemm{M: 1536, N: 384, K: tok, TransA: true, Alpha: 1}, "128x64 splitK=8"},
		{"fc2 dW", kernels.Gemm{M: 384, N: 1536, K: tok, TransA: true, Alpha: 1}, "128x64 splitK=8"},
		{"square 1024 NN", kernels.Gemm{M: 1024, N: 1024, K: 1024, Alpha: 1}, "128x128k8 splitK=4"},
		{"qkv fwd NT (no split)", kernels.Gemm{M: tok, N: 1152, K: 384, TransB: true, Alpha: 1}, "128x128k8"},
	} {
		if got := d.GemmTileFor(c.p); got != c.want {
			t.Errorf("%s: GemmTileFor = %q, want %q", c.name, got, c.want)
		}
	}
	// A forced tile and a CPU adapter override the split-K ranking.
	if err := d.SetGemmTile("64x64", 8); err != nil {
		t.Fatal(err)
	}
	if got := d.GemmTileFor(kernels.Gemm{M: 1536, N: 384, K: tok, TransA: true, Alpha: 1}); got != "64x64 splitK=8" {
		t.Errorf("forced 64x64: GemmTileFor = %q", got)
	}
	cpu := &Device{}
	if got, want := cpu.GemmTileFor(kernels.Gemm{M: 1536, N: 384, K: tok, TransA: true, Alpha: 1}), GemmTiles[len(GemmTiles)-1].Name+" splitK=8"; got != want {
		t.Errorf("CPU adapter: GemmTileFor = %q, want %q", got, want)
	}
}
