package gpu

import (
	"github.com/gocx/gocx/kernels"
)

// Split-K: a product with few output tiles and a long K (the weight
// gradient of a Linear layer, dW = dYᵀ·X: 384×1536 outputs over 16,704
// tokens, 36 tiles of 128×128 for 132 compute units) is computed as S
// partial products over slices of K, written to a scratch buffer as a
// batch of S M×N matrices by the ordinary GEMM kernel, and summed in slice
// order by a second kernel that also applies α, β·C and the epilogue. The
// order of every sum depends only on the sizes, as everywhere else.

// splitK returns the number of K slices for g (1: no split). It splits a
// single product whose largest-tile grid would leave most compute units
// idle, into slices of at least 256 k, aiming at two waves.
func (d *Device) splitK(g kernels.Gemm) int {
	if g.Batch != 1 || g.K < 1024 || d.noSplitK {
		return 1
	}
	tiles := ((g.M + 127) / 128) * ((g.N + 127) / 128)
	if tiles >= gemmEngines {
		return 1
	}
	s := (2*gemmEngines + tiles - 1) / tiles
	s = min(s, g.K/256, 64)
	return max(s, 1)
}

// splitKRates rank the tiles for the partial products of a split-K weight
// gradient (dW = dYᵀ·X, A transposed: TN): each tile's speed relative to
// 128x64, the mean over the proj, fc1 and fc2 dW shapes of ViT-S (K =
// 16,704 in 30, 8 and 8 slices) in the first H200 session's forced-tile
// runs (gpubench -tiles, bench/RESULTS.md), where 128x64 was the fastest
// at 26.8-33.9 TFLOP/s. pickGemmTile's wave model ranks 32x32 first for
// these grids (its small tiles fill the last wave), which measured only
// 21.7-27.7 TFLOP/s as the automatic choice of the second session.
var splitKRates = map[string]float64{
	"128x64":    1,
	"64x64":     0.93,
	"128x128k8": 0.92,
	"32x32":     0.84,
	"32x32k8":   0.84,
	"128x128":   0.82,
}

// pickSplitKTile chooses the tile for the partial products g of a split-K
// GEMM (Batch = the slices, K = one slice). splitK sized the grid to fill
// the device, so for the measured weight-gradient layout (A transposed, B
// not) the fastest tile by splitKRates wins outright; other layouts (the
// 1024³ NN square, where 128x128k8 measured best) keep pickGemmTile's
// choice, as do a forced tile and CPU adapters.
func (d *Device) pickSplitKTile(g kernels.Gemm) GemmTile {
	if d.gemmForce != nil || !d.gemmUnroll || !g.TransA || g.TransB {
		return d.pickGemmTile(g)
	}
	best := GemmTiles[0]
	for _, t := range GemmTiles {
		if splitKRates[t.Name] > splitKRates[best.Name] {
			best = t
		}
	}
	return best
}

// splitKKey is the cache key and template data of the summing kernel.
type splitKKey struct {
	Beta, Bias, Gelu bool
	Pre              bool // also store the pre-activation (GemmEpilogue.Pre)
}

// gemmSplitK runs g as s slices of K and their sum; pre, when not nil,
// also receives the pre-activation (GemmEpilogue.Pre).
func (d *Device) gemmSplitK(g kernels.Gemm, s int, a, b, c, bias, pre *devBuf, gelu bool) error {
	kc := (g.K + s - 1) / s
	kc = (kc + 15) &^ 15 // whole k-steps per slice, and vec4-aligned offsets
	s = (g.K + kc - 1) / kc
	kLast := g.K - (s-1)*kc
	part, err := d.allocLocked(s * g.M * g.N)
	if err != nil {
		return err
	}
	// Released at once: the queued launches below keep their order with
	// any later use of the memory.
	defer d.releaseLocked(part)
	ps := g
	ps.K, ps.Batch = kc, s
	ps.LDC, ps.StrideC = g.N, g.M*g.N
	ps.Alpha, ps.Beta = 1, 0
	// A slice of K starts kc rows further down a stored K×M (transposed)
	// A, or kc columns further right in a stored M×K A; likewise for B.
	ps.StrideA, ps.StrideB = kc, kc*g.LDB
	if g.TransA {
		ps.StrideA = kc * g.LDA
	}
	if g.TransB {
		ps.StrideB = kc
	}
	ps.SharedA, ps.SharedB = false, false
	if err := d.gemmLaunchTile(d.pickSplitKTile(ps), ps, kLast, a, b, part.buf, nil, nil, false); err != nil {
		return err
	}
	key := splitKKey{Beta: g.Beta != 0, Bias: bias != nil, Gelu: gelu, Pre: pre != nil}
	bind := []access{readOnly, readWrite}
	bufs := []*devBuf{part.buf, c}
	if key.Bias {
		bind = append(bind, readOnly)
		bufs = append(bufs, bias)
	}
	if key.Pre {
		bind = append(bind, readWrite)
		bufs = append(bufs, pre)
	}
	k, err := d.kernel(key, func() kernelSpec { return kernelSpec{file: "gemm_splitk.wgsl", data: key, bind: bind} })
	if err != nil {
		return err
	}
	var p params
	p.int(g.M).int(g.N).int(g.LDC).int(s).f32(g.Alpha).f32(g.Beta)
	x, y := d.grid2D((g.M*g.N + 255) / 256)
	return d.dispatch(k, &p, bufs, x, y, 1)
}
