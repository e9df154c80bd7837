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

// splitKKey is the cache key and template data of the summing kernel.
type splitKKey struct {
	Beta, Bias, Gelu bool
}

func (d *Device) gemmSplitK(g kernels.Gemm, s int, a, b, c, bias *devBuf, gelu bool) error {
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
	if err := d.gemmLaunch(ps, kLast, a, b, part.buf, nil, false); err != nil {
		return err
	}
	key := splitKKey{Beta: g.Beta != 0, Bias: bias != nil, Gelu: gelu}
	bind := []access{readOnly, readWrite}
	bufs := []*devBuf{part.buf, c}
	if key.Bias {
		bind = append(bind, readOnly)
		bufs = append(bufs, bias)
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
