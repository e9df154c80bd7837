package gpu

import (
	"fmt"
	"math"

	"github.com/gocx/gocx/kernels"
)

// GemmTile is a block-tile shape of the GEMM kernel: BM×BN outputs per
// workgroup, a k-step of BK, TM×TN outputs per invocation (multiples of 4),
// so (BM/TM)·(BN/TN) invocations per workgroup. Rate and Slots feed the
// size heuristic: Slots workgroups run at once on one compute unit, which
// then does Rate times the arithmetic of the 128×128 tile. They are
// estimates for an H100/H200; cmd/gpubench measures every tile so the table
// can be corrected.
type GemmTile struct {
	Name       string
	BM, BN, BK int
	TM, TN     int
	Rate       float64
	Slots      int
}

// GemmTiles are the tile variants, largest first. The 128×128 tile with an
// 8×8 register tile is the fast one for large problems; the smaller ones
// keep every compute unit busy on small or skinny problems. The last one
// is the tile CPU adapters use.
var GemmTiles = []GemmTile{
	// Rates measured on an H200 through Vulkan (gpubench -tiles, median
	// GFLOP/s at 4096³ and the ViT-S shapes, relative to 128x128k8).
	{Name: "128x128k8", BM: 128, BN: 128, BK: 8, TM: 8, TN: 8, Rate: 1.0, Slots: 2},
	{Name: "128x128", BM: 128, BN: 128, BK: 16, TM: 8, TN: 8, Rate: 0.88, Slots: 2},
	{Name: "128x64", BM: 128, BN: 64, BK: 16, TM: 8, TN: 4, Rate: 0.72, Slots: 3},
	{Name: "64x64", BM: 64, BN: 64, BK: 16, TM: 4, TN: 4, Rate: 0.72, Slots: 4},
	{Name: "32x32", BM: 32, BN: 32, BK: 16, TM: 4, TN: 4, Rate: 0.58, Slots: 12},
	{Name: "32x32k8", BM: 32, BN: 32, BK: 8, TM: 4, TN: 4, Rate: 0.57, Slots: 12},
}

// testGemmTiles are extra variants for tests on CPU adapters: small
// workgroups (lavapipe's compile time grows with the workgroup size) that
// still exercise two row and column chunks per invocation, as the 8×8
// register tile of the large variants does.
var testGemmTiles = []GemmTile{
	{Name: "32x32r8", BM: 32, BN: 32, BK: 16, TM: 8, TN: 8, Rate: 0.3, Slots: 12},
	{Name: "64x32r8x4", BM: 64, BN: 32, BK: 16, TM: 8, TN: 4, Rate: 0.3, Slots: 8},
}

// GemmEpilogue fuses per-column work into a GEMM's store: C = act(α·A·B +
// β·C + bias) with bias[n] added to every row (Bias.Len() == N) and act the
// exact GELU when Gelu is set. A Linear layer with GELU is one dispatch.
//
// Pre, when set, also receives the pre-activation α·A·B + β·C + bias (with
// C's layout; it must not alias A, B, C or Bias), which is what the GELU's
// backward needs: dpre = dC ⊙ GELU'(pre).
type GemmEpilogue struct {
	Bias *Buffer
	Gelu bool
	Pre  *Buffer
}

// gemmVariant is the template data and the pipeline cache key.
type gemmVariant struct {
	Name                                     string
	BM, BN, BK, TM, TN                       int
	Stages                                   int
	TransA, TransB, VecA, VecB, VecC         bool
	Beta, Bias, Gelu                         bool
	Pre                                      bool // also store the pre-activation (GemmEpilogue.Pre)
	Unroll                                   bool // unroll the k-step loop (not on CPU adapters: LLVM compile time)
	PadA, PadB                               int  // vec4s of padding per k-row of As/Bs (breaks bank conflicts of scattered stores)
	Group                                    int  // tile-row band of the grouped tile order, 0 = plain order
	TX, TY, NT, BM4, BN4, BK4, TMQ, TNQ      int
	ASTRIDE, BSTRIDE, ASTAGE, BSTAGE, LA, LB int
}

// shared returns the variant's workgroup memory in bytes.
func (v *gemmVariant) shared() int { return (v.ASTAGE + v.BSTAGE) * v.Stages * 16 }

func (v *gemmVariant) derive() {
	v.TX, v.TY = v.BN/v.TN, v.BM/v.TM
	v.NT = v.TX * v.TY
	v.BM4, v.BN4, v.BK4 = v.BM/4, v.BN/4, v.BK/4
	v.TMQ, v.TNQ = v.TM/4, v.TN/4
	v.ASTRIDE, v.BSTRIDE = v.BM4+v.PadA, v.BN4+v.PadB
	v.ASTAGE, v.BSTAGE = v.BK*v.ASTRIDE, v.BK*v.BSTRIDE
	v.LA, v.LB = v.BM*v.BK/4/v.NT, v.BN*v.BK/4/v.NT
}

// Gemm queues C = α·op(A)·op(B) + β·C for p.Batch matrices with the
// semantics of ref.Gemm (kernels.Gemm gives the layout: transposes, leading
// dimensions, batch strides, SharedA/SharedB). β = 0 never reads C, so C may
// hold garbage or NaN. Shape or length errors panic naming the sizes;
// device failures are returned. The three buffers must be distinct.
//
// The tile variant is chosen from the problem size (GemmTileFor tells
// which); a single product with few output tiles and K ≥ 1024 is split
// into slices of K whose partial products are summed in a second launch
// (see gemm_splitk.go).
//
// Backward: dA = dC·op(B)ᵀ and dB = op(A)ᵀ·dC are Gemm calls with the
// transpose flags flipped.
func (d *Device) Gemm(p kernels.Gemm, a, b, c *Buffer) error {
	return d.GemmFused(p, a, b, c, GemmEpilogue{})
}

// GemmFused is Gemm with a fused epilogue (see GemmEpilogue).
func (d *Device) GemmFused(p kernels.Gemm, a, b, c *Buffer, ep GemmEpilogue) error {
	const op = "gpu.Gemm"
	d.checkBuffer(op, "A", a)
	d.checkBuffer(op, "B", b)
	d.checkBuffer(op, "C", c)
	g := p.Check(op, a.n, b.n, c.n)
	if c.overlaps(a) || c.overlaps(b) {
		panic(fmt.Sprintf("%s: C must not alias A or B", op))
	}
	if ep.Bias != nil {
		d.checkBuffer(op, "bias", ep.Bias)
		kernels.CheckLen(op, "bias", ep.Bias.n, g.N)
	}
	if ep.Pre != nil {
		d.checkBuffer(op, "pre", ep.Pre)
		if _, _, lc := g.Need(); ep.Pre.n < lc {
			panic(fmt.Sprintf("%s: len(pre)=%d, need %d (C's layout)", op, ep.Pre.n, lc))
		}
		if ep.Pre.overlaps(a) || ep.Pre.overlaps(b) || ep.Pre.overlaps(c) || (ep.Bias != nil && ep.Pre.overlaps(ep.Bias)) {
			panic(fmt.Sprintf("%s: pre must not alias A, B, C or bias", op))
		}
	}
	if g.M == 0 || g.N == 0 || g.Batch == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	var bias *devBuf
	if ep.Bias != nil {
		bias = ep.Bias.buf
	}
	var pre *devBuf
	if ep.Pre != nil {
		pre = ep.Pre.buf
	}
	if s := d.splitK(g); s > 1 {
		return d.gemmSplitK(g, s, a.buf, b.buf, c.buf, bias, pre, ep.Gelu)
	}
	return d.gemmLaunchPre(g, g.K, a.buf, b.buf, c.buf, bias, pre, ep.Gelu)
}

// gemmLaunchPre records the dispatches of one resolved Gemm, storing the
// pre-activation in pre too when it is not nil. kLast is the k extent of
// the last batch entry (K for all others): split-K launches a Gemm whose
// batch entries are slices of K, the last one possibly shorter.
func (d *Device) gemmLaunchPre(g kernels.Gemm, kLast int, a, b, c, bias, pre *devBuf, gelu bool) error {
	return d.gemmLaunchTile(d.pickGemmTile(g), g, kLast, a, b, c, bias, pre, gelu)
}

// gemmLaunchTile is gemmLaunchPre on the given tile (split-K chooses the
// tile of its partial products itself: pickSplitKTile).
func (d *Device) gemmLaunchTile(tile GemmTile, g kernels.Gemm, kLast int, a, b, c, bias, pre *devBuf, gelu bool) error {
	v := gemmVariant{
		Name: tile.Name, BM: tile.BM, BN: tile.BN, BK: tile.BK, TM: tile.TM, TN: tile.TN,
		Stages: 2, TransA: g.TransA, TransB: g.TransB,
		Beta: g.Beta != 0, Bias: bias != nil, Gelu: gelu, Pre: pre != nil,
		Group: d.gemmGroup, Unroll: d.gemmUnroll,
	}
	// vec4 global access needs the contiguous dimension, the leading
	// dimension and the batch stride to be multiples of 4. (Only a
	// transposed A or a plain B is read along its contiguous dimension in
	// vec4s; see gemm.wgsl.)
	v.VecA = g.TransA && g.M%4 == 0 && g.LDA%4 == 0 && g.StrideA%4 == 0
	v.VecB = !g.TransB && g.N%4 == 0 && g.LDB%4 == 0 && g.StrideB%4 == 0
	v.VecC = g.N%4 == 0 && g.LDC%4 == 0 && g.StrideC%4 == 0
	budget := int(d.limits.MaxComputeWorkgroupStorageSize)
	if !g.TransA {
		v.PadA = 1
	}
	if g.TransB {
		v.PadB = 1
	}
	v.derive()
	if v.shared() > budget && (v.PadA+v.PadB) > 0 {
		v.PadA, v.PadB = 0, 0
		v.derive()
	}
	if v.shared() > budget || d.gemmOneStage {
		v.Stages = 1
	}
	k, err := d.kernel(v, func() kernelSpec {
		bind := []access{readOnly, readOnly, readWrite}
		if v.Bias {
			bind = append(bind, readOnly)
		}
		if v.Pre {
			bind = append(bind, readWrite)
		}
		return kernelSpec{file: "gemm.wgsl", data: v, bind: bind}
	})
	if err != nil {
		return err
	}
	bufs := []*devBuf{a, b, c}
	if v.Bias {
		bufs = append(bufs, bias)
	}
	if v.Pre {
		bufs = append(bufs, pre)
	}
	gx, gy := (g.N+v.BN-1)/v.BN, (g.M+v.BM-1)/v.BM
	maxG := int(d.limits.MaxComputeWorkgroupsPerDimension)
	if gy > maxG {
		panic(fmt.Sprintf("gpu.Gemm: M=%d needs %d tile rows, more than the %d workgroups per dimension", g.M, gy, maxG))
	}
	for z0 := 0; z0 < g.Batch; z0 += maxG {
		nz := min(g.Batch-z0, maxG)
		var pr params
		pr.int(g.M).int(g.N).int(g.K).int(g.LDA).int(g.LDB).int(g.LDC)
		pr.int(g.StrideA).int(g.StrideB).int(g.StrideC).int(z0).f32(g.Alpha).f32(g.Beta)
		pr.int(kLast).int(g.Batch - 1)
		if err := d.dispatch(k, &pr, bufs, gx, gy, nz); err != nil {
			return err
		}
	}
	return nil
}

// gemmEngines is the number of compute units the tile heuristic assumes
// (WebGPU does not report it): an H100/H200 has 132.
const gemmEngines = 132

// pickGemmTile chooses the tile with the least estimated time: waves of
// workgroups over the device (a partial last wave costs a full one when
// there are few waves; with four or more the tail is amortised) times the
// time of one wave, tile work × Slots / Rate.
func (d *Device) pickGemmTile(g kernels.Gemm) GemmTile {
	if d.gemmForce != nil {
		return *d.gemmForce
	}
	if !d.gemmUnroll {
		// CPU adapters (lavapipe) gain nothing from big tiles and compile
		// a GEMM variant in about 1 s (32×32, k-step 8: one load per
		// invocation and operand) to minutes (128×128): LLVM's time grows
		// with the workgroup size, the accumulators and the loads.
		return GemmTiles[len(GemmTiles)-1]
	}
	best, bestCost := GemmTiles[0], -1.0
	for _, t := range GemmTiles {
		tiles := float64(((g.M+t.BM-1)/t.BM)*((g.N+t.BN-1)/t.BN)) * float64(g.Batch)
		waves := tiles / float64(gemmEngines*t.Slots)
		if waves < 4 {
			waves = math.Ceil(waves)
		}
		cost := waves * float64(t.BM*t.BN*t.Slots) / t.Rate
		if bestCost < 0 || cost < bestCost {
			best, bestCost = t, cost
		}
	}
	return best
}

// GemmTileFor reports the tile variant Gemm would use for p, and the
// number of K slices when it splits K ("128x64 splitK=8").
func (d *Device) GemmTileFor(p kernels.Gemm) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	g := p.Resolved()
	if s := d.splitK(g); s > 1 {
		kc := ((g.K+s-1)/s + 15) &^ 15
		g.Batch, g.K = (g.K+kc-1)/kc, kc
		return fmt.Sprintf("%s splitK=%d", d.pickSplitKTile(g).Name, g.Batch)
	}
	return d.pickGemmTile(g).Name
}

// SetGemmTile forces every later Gemm onto the named tile variant ("" goes
// back to choosing by problem size), and sets the grouped tile order band
// (0 = plain row-major tile order). It exists for benchmarks and tuning.
func (d *Device) SetGemmTile(name string, group int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.gemmGroup = group
	if name == "" {
		d.gemmForce = nil
		return nil
	}
	for _, t := range append(GemmTiles[:len(GemmTiles):len(GemmTiles)], testGemmTiles...) {
		if t.Name == name {
			d.gemmForce = &t
			return nil
		}
	}
	return fmt.Errorf("gpu: no GEMM tile %q", name)
}
