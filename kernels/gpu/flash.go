package gpu

import (
	"fmt"
	"math"
	"sync"

	"github.com/gocx/gocx/kernels"
)

// FlashAttention queues fused scaled dot-product attention for p.BH
// independent (batch×head) problems, without materialising the SQ×SK
// scores. Per problem, with Q (SQ×HD), K and V (SK×HD):
//
//	S = scale·Q·Kᵀ
//	lse[i] = m_i + ln Σ_j e^{S[i,j] − m_i},  m_i = max_j S[i,j]
//	out[i,:] = Σ_j e^{S[i,j] − lse[i]}·V[j,:]          (= softmax(S)·V)
//
// out is (BH, SQ, HD) and lse (BH, SQ), the row log-sum-exp that
// FlashAttentionBackward needs instead of the probabilities. With SK = 0,
// out = 0 and lse = −∞.
//
// The kernel is FlashAttention-2: a workgroup owns a block of query rows
// (held in workgroup memory) and streams K and V in tiles through
// workgroup memory; per tile it computes the scores of its rows in
// registers, updates the running row maximum m and sum l (online softmax:
// o and l are rescaled by e^{m_old − m_new}), stages the probabilities in
// workgroup memory and accumulates o += P·V in registers; out = o/l at the
// end. The row maxima are reduced across the invocations sharing a row
// through workgroup memory, or with subgroup shuffles where the run-time
// probe allows (the results are bit-identical). Two kernel families do
// this: the m tiles (flash_mm.wgsl, see flash_mm.go), which write both
// products as register-tiled micro-GEMMs with prefetched chunks like
// gemm.wgsl, and the tiled kernels (flash.wgsl). The tile, and with it the
// family, is chosen from the head dimension and the device's workgroup
// memory (FlashTilesFor; SetFlashTiles forces one). On CPU adapters
// (lavapipe) the tiled kernels read Q, K and V from the buffers instead of
// staging them, and the m tiles keep their loops rolled (see flashForm).
// Every sum is in a fixed order, so repeated runs give identical bits.
//
// Why fuse, on an H200 at B=16, 6 heads, 1374 tokens, head dim 64: the
// forward is 2U with U = 2·BH·N²·HD = 23.2 GFLOP, and a BH·N² float matrix
// is M = 725 MB, 0.18 ms at 4 TB/s. The unfused path (two GEMMs and a
// softmax) moves 4M (S written and read, P written and read: 0.7 ms) on
// top of the GEMMs, and measured 2.3 ms; PyTorch's SDPA 1.49 ms (31
// TFLOP/s). A fused forward moves no N² data, so it wins if its kernel
// runs above 2U/2.3 ms = 20 TFLOP/s, and matches SDPA at 31; our GEMM
// reaches 30-40 TFLOP/s on this card, the tiled kernels 4.9.
//
// HD must be a multiple of 4, at most 256 (32, 64 and 128 are the tuned
// sizes); other head dims return an error (FlashSupported tells in
// advance), as does a device whose workgroup memory holds no tile. No mask,
// no dropout. Shape mismatches panic. out and lse must be distinct from q,
// k, v and from each other.
//
// Backward: FlashAttentionBackward.
func (d *Device) FlashAttention(p kernels.Attention, out, lse, q, k, v *Buffer) error {
	const op = "gpu.FlashAttention"
	names := []string{"out", "lse", "q", "k", "v"}
	all := []*Buffer{out, lse, q, k, v}
	d.checkBuffers("FlashAttention", names, all...)
	p.Check(op, q.n, k.n, v.n, out.n, -1)
	kernels.CheckLen(op, "lse", lse.n, p.BH*p.SQ)
	for i := range 2 {
		for j := i + 1; j < len(all); j++ {
			checkDistinct(op, []string{names[i], names[j]}, all[i], all[j])
		}
	}
	if err := flashHeadDim(op, p.HD); err != nil {
		return err
	}
	if p.BH == 0 || p.SQ == 0 {
		return nil
	}
	fv, err := d.flashVariantFor(flashFwd, p.HD)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	if fv.MM {
		return d.flashForwardMM(p, fv, out, lse, q, k, v)
	}
	kn, err := d.flashKernel(fv)
	if err != nil {
		return err
	}
	nblk := (p.SQ + fv.BR - 1) / fv.BR
	n := p.BH * nblk
	var pr params
	pr.int(p.SQ).int(p.SK).int(nblk).int(n).f32(p.Scale * math.Log2E).int(fv.H4).int(fv.BC / 4)
	x, y := d.grid2D(n)
	return d.dispatch(kn, &pr, []*devBuf{q.buf, k.buf, v.buf, out.buf, lse.buf}, x, y, 1)
}

// FlashAttentionBackward queues the gradients of FlashAttention from the
// output gradient dout, the inputs, and the forward's out and lse. Per
// problem, with P = e^{S − lse} (the softmax, recomputed tile by tile):
//
//	D_i = Σ_e dO[i,e]·O[i,e]             (= rowsum(dP ⊙ P), a small kernel)
//	dV = Pᵀ·dO
//	dP = dO·Vᵀ
//	dS = P ⊙ (dP − D)
//	dQ = scale·dS·K
//	dK = scale·dSᵀ·Q
//
// the same gradients as AttentionBackward.
//
// With an m tile for the kv pass (the GPU default; flash_mm.go): a small
// kernel writes LD = (log2(e)·lse, D) per query row; the kv pass, parallel
// over blocks of key rows with K and V in workgroup memory, loops over the
// query tiles recomputing Sᵀ and dPᵀ as micro-GEMMs, accumulates dV (and
// dK) in registers and writes dSᵀ to a scratch buffer of BH·SK·SQ floats;
// dQ = scale·dS·K is then one batched Gemm (TransA) on it, and for the "g"
// tiles dK = scale·dSᵀ·Q another. Where that scratch does not fit one
// buffer, or SQ or SK is 0, the tiled passes run instead.
//
// The tiled passes (flash_bwd.wgsl) are the FlashAttention-2 split without
// float atomics: one kernel parallel over blocks of key rows keeps its K
// and V block in workgroup memory and accumulates dK and dV while looping
// over every query tile (recomputing S, P, dP and dS per tile); a second,
// parallel over blocks of query rows, keeps Q and dO and accumulates dQ
// while looping over every key tile (recomputing S, P, dP, dS). D goes
// through a pooled scratch buffer of BH·SQ floats.
//
// The model behind the m-tile split (H200, B=16, 6 heads, 1374 tokens,
// head dim 64; U = 23.2 GFLOP per N×N×HD product, M = 0.18 ms to read or
// write one BH·N² float matrix at 4 TB/s, R the fused kernels' rate, G ≈
// 28 TFLOP/s our GEMM's on these N = 64 shapes): every fused backward
// recomputes S, so it does at least 5U (S, dP, dV, dK, dQ) against the
// unfused 4U (measured 3.8 ms: 4U of GEMM plus a softmax-backward pass of
// 3M and the dP round trip). The tiled passes do 7U at R (S and dP twice):
// 5.4 ms at R = 30, 15 ms measured. A kv pass with dSᵀ to memory and dQ by
// GEMM does 4U at R + 1U at G and moves 2M (mostly hidden under the
// arithmetic): 3.1 + 0.8 = 3.9 ms at R = 30; with dK by GEMM too ("g"),
// 3U at R + 2U at G and 3M: about 4.0 ms, with fewer registers and less
// workgroup memory in the kernel; a kernel writing P and dS for three
// GEMMs, 2U at R + 3U at G and 5M: about 4.3 ms. So fused attention wins
// over the unfused path in forward+backward only by its forward (at R =
// 30: 1.55 + 3.9 = 5.5 ms against 6.1 measured), and only with kernels
// near GEMM speed; cmd/gpubench -attn times every tile of both families.
// All sums are in a fixed order: repeated runs give identical bits.
//
// dq, dk and dv are overwritten; they must be distinct from each other and
// from the inputs. Head dims and errors as for FlashAttention.
func (d *Device) FlashAttentionBackward(p kernels.Attention, dq, dk, dv, dout, q, k, v, out, lse *Buffer) error {
	const op = "gpu.FlashAttentionBackward"
	names := []string{"dq", "dk", "dv", "dout", "q", "k", "v", "out", "lse"}
	all := []*Buffer{dq, dk, dv, dout, q, k, v, out, lse}
	d.checkBuffers("FlashAttentionBackward", names, all...)
	p.Check(op, q.n, k.n, v.n, out.n, -1)
	p.Check(op, dq.n, dk.n, dv.n, dout.n, -1)
	kernels.CheckLen(op, "lse", lse.n, p.BH*p.SQ)
	for i := range 3 {
		for j := i + 1; j < len(all); j++ {
			checkDistinct(op, []string{names[i], names[j]}, all[i], all[j])
		}
	}
	if err := flashHeadDim(op, p.HD); err != nil {
		return err
	}
	if p.BH == 0 {
		return nil
	}
	kv, err := d.flashVariantFor(flashKV, p.HD)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if kv.MM {
		d.mu.Lock()
		lim := d.flashState().scratch
		d.mu.Unlock()
		if lim == 0 {
			lim = d.MaxLen()
		}
		if p.SQ > 0 && p.SK > 0 && p.BH*p.SQ*p.SK <= lim {
			return d.flashBackwardMM(p, kv, dq, dk, dv, dout, q, k, v, out, lse)
		}
		// Empty, or the dS scratch exceeds a buffer: the tiled passes.
		if kv, err = d.flashTiledVariant(flashKV, p.HD); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	qv, err := d.flashTiledVariant(flashQ, p.HD)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	rows := p.BH * p.SQ
	delta, err := d.Alloc(max(rows, 1))
	if err != nil {
		return err
	}
	defer delta.Release()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	dl, err := d.flashKernel(flashVariant{flashKey: flashKey{Pass: flashDelta, HD: p.HD}, H4: p.HD / 4})
	if err != nil {
		return err
	}
	kk, err := d.flashKernel(kv)
	if err != nil {
		return err
	}
	qk, err := d.flashKernel(qv)
	if err != nil {
		return err
	}
	c2 := p.Scale * math.Log2E
	if rows > 0 {
		n := (rows + 63) / 64
		var pr params
		pr.int(rows).int(n)
		x, y := d.grid2D(n)
		if err := d.dispatch(dl, &pr, []*devBuf{out.buf, dout.buf, delta.buf}, x, y, 1); err != nil {
			return err
		}
	}
	if p.SK > 0 { // dK, dV (zeros when SQ = 0)
		nblk := (p.SK + kv.BR - 1) / kv.BR
		n := p.BH * nblk
		var pr params
		pr.int(p.SQ).int(p.SK).int(nblk).int(n).f32(c2).int(kv.H4).int(kv.BC / 4).f32(p.Scale)
		x, y := d.grid2D(n)
		bufs := []*devBuf{q.buf, k.buf, v.buf, dout.buf, lse.buf, delta.buf, dk.buf, dv.buf}
		if err := d.dispatch(kk, &pr, bufs, x, y, 1); err != nil {
			return err
		}
	}
	if p.SQ > 0 { // dQ (zeros when SK = 0)
		nblk := (p.SQ + qv.BR - 1) / qv.BR
		n := p.BH * nblk
		var pr params
		pr.int(p.SQ).int(p.SK).int(nblk).int(n).f32(c2).int(qv.H4).int(qv.BC / 4).f32(p.Scale)
		x, y := d.grid2D(n)
		bufs := []*devBuf{q.buf, k.buf, v.buf, dout.buf, lse.buf, delta.buf, dq.buf}
		if err := d.dispatch(qk, &pr, bufs, x, y, 1); err != nil {
			return err
		}
	}
	return nil
}

// FlashSupported reports whether FlashAttention takes head dim hd on this
// device: a multiple of 4 up to 256 with a tile of every pass that fits the
// workgroup memory (a tiled kv and q pass too, the fallback of the m tiles).
func (d *Device) FlashSupported(hd int) bool {
	if flashHeadDim("", hd) != nil {
		return false
	}
	for _, pass := range flashPasses {
		if _, err := d.flashVariantFor(pass, hd); err != nil {
			return false
		}
		if _, err := d.flashTiledVariant(pass, hd); err != nil {
			return false
		}
	}
	return true
}

func flashHeadDim(op string, hd int) error {
	if hd < 4 || hd > 256 || hd%4 != 0 {
		return fmt.Errorf("%s: head dim %d is not supported (a multiple of 4 up to 256; 32, 64 and 128 are tuned): use Attention", op, hd)
	}
	return nil
}

// The kernels of the fused attention.
const (
	flashFwd   = "fwd"   // forward (flash.wgsl)
	flashKV    = "kv"    // dK, dV over key blocks (flash_bwd.wgsl)
	flashQ     = "q"     // dQ over query blocks (flash_bwd.wgsl)
	flashDelta = "delta" // D = rowsum(dO ⊙ O) (flash_bwd.wgsl)
	flashProbe = "probe" // lane-reduction check (flash.wgsl)
)

var flashPasses = []string{flashFwd, flashKV, flashQ}

// flashKey identifies a compiled variant.
type flashKey struct {
	Pass string
	HD   int
	flashTile
	Subgroups bool // lane reductions with subgroupShuffleXor (fwd)
	flashForm
}

// flashForm is how a kernel is written for a class of device. GPUs stage
// the Q, K, V and dO rows in workgroup memory, padded by one vec4 per row
// against bank conflicts, and have the inner loops unrolled completely
// (Unroll = 0). CPU adapters read those rows from the buffers directly and
// keep the loops rolled with run-time bounds (Unroll = 1): lavapipe's
// compile time grows quickly with code size and, above all, with the size
// of the workgroup arrays, because naga zero-initialises workgroup memory
// with one store of a null constant per variable, which lavapipe expands
// into straight-line code per element (measured: a trivial kernel with the
// 880 vec4s of the 16×16 staged tile took 13 s to compile; the CPU form of
// a whole pass takes about a second). Tests run the staged form on CPU
// adapters with small tiles and a partial unroll (Unroll = 2), so that CI
// covers the GPU code.
//
// The m tiles always stage their operands; the form only decides whether
// their chunk steps and the loops inside a chunk are unrolled (Unroll = 0)
// or rolled (otherwise). On lavapipe, without the Mesa shader cache, the
// unrolled kernels of the small test tiles compile in 5-25 s, the rolled
// ones in 1-4 s at head dim 64 (up to 30 s for the kv pass at 128), and a
// workgroup array of 400 vec4s alone costs a second, 800 five.
type flashForm struct {
	Stage  bool
	Unroll int // 0: completely, 1: not at all, n: by n
}

var (
	flashGPUForm = flashForm{Stage: true, Unroll: 0}
	flashCPUForm = flashForm{Stage: false, Unroll: 1}
)

// flashVariant is the template data: the key and the derived sizes.
type flashVariant struct {
	flashKey
	flashMMDims
	Name   string
	H4     int  // vec4s per head row
	HS     int  // padded row stride of staged Q/K/V/dO rows, in vec4s
	PS     int  // row stride of staged probabilities, in vec4s
	TX, TY int  // lanes per row group, row groups
	NT     int  // invocations
	OC     int  // output vec4 columns per invocation
	UD, UP int  // unroll factors of the head-dim loop and the P·V loop
	Const  bool // loop bounds as constants (complete unroll), else P.h4, P.bc4
}

// newFlashVariant derives the template data of a kernel.
func newFlashVariant(pass string, hd int, t flashTile, subgroups bool, form flashForm) flashVariant {
	if t.MM {
		return newFlashMMVariant(pass, hd, t, subgroups, form)
	}
	v := flashVariant{flashKey: flashKey{Pass: pass, HD: hd, flashTile: t, Subgroups: subgroups, flashForm: form}}
	v.Name = t.String()
	// Staged rows are padded by one vec4 against bank conflicts on GPUs;
	// the CPU form gets none (see flashForm for why size matters).
	pad := 0
	if form.Stage {
		pad = 1
	}
	v.H4, v.HS = hd/4, hd/4+pad
	v.PS = t.BC/4 + pad
	v.TX = t.BC / 4
	if t.TM > 0 {
		v.TY = t.BR / t.TM
	}
	v.NT = v.TX * v.TY
	if v.TX > 0 {
		v.OC = v.H4 / v.TX
	}
	v.UD, v.UP = 1, 1
	if u := form.Unroll; u == 0 {
		v.UD, v.UP, v.Const = v.H4, t.BC/4, true
	} else {
		if v.H4%u == 0 {
			v.UD = u
		}
		if t.BC%(4*u) == 0 {
			v.UP = u
		}
	}
	return v
}

// valid reports whether the tile divides up for the head dim.
func (v *flashVariant) valid() bool {
	if v.MM {
		return v.validMM()
	}
	t := v.flashTile
	return t.BC%4 == 0 && v.TX >= 1 && t.TM >= 1 && t.BR%t.TM == 0 && v.TY >= 1 && v.H4%v.TX == 0
}

// shared is the variant's workgroup memory in bytes.
func (v *flashVariant) shared() int {
	if v.MM {
		return v.sharedMM()
	}
	if !v.Stage {
		switch v.Pass {
		case flashFwd:
			n := 16 * v.BR * v.PS
			if !v.Subgroups {
				n += 4 * v.BR * v.TX
			}
			return n
		case flashKV:
			return 16 * 2 * v.BR * v.PS
		case flashQ:
			return 16 * v.BR * v.PS
		}
		return 0
	}
	switch v.Pass {
	case flashFwd:
		n := 16 * (v.BR*v.HS + v.BC*v.HS + v.BC*v.H4 + v.BR*v.PS)
		if !v.Subgroups {
			n += 4 * v.BR * v.TX
		}
		return n
	case flashKV:
		return 16 * (2*v.BR*v.HS + 2*v.BC*v.HS + 2*v.BR*v.PS)
	case flashQ:
		return 16 * (2*v.BR*v.HS + 2*v.BC*v.HS + v.BR*v.PS)
	}
	return 0
}

// flashLoad and flashDot are the arguments of the flash_load and flash_dot
// template snippets.
type flashLoad struct {
	V                             flashVariant
	Dst, Src, Base, R0, N, Stride string
	Rows                          int
}

type flashDot struct {
	V                 flashVariant
	Acc, A, AO, B, BO string
}

// Load is called by the templates: stage rows [r0, r0+rows) of the head at
// vec4 base of src into dst with the given row stride.
func (v flashVariant) Load(dst, src, base, r0, n string, rows int, stride string) flashLoad {
	return flashLoad{V: v, Dst: dst, Src: src, Base: base, R0: r0, N: n, Rows: rows, Stride: stride}
}

// Arr is called by the templates: the staged array's name, or the
// buffer's when the variant reads operands directly.
func (v flashVariant) Arr(staged, buffer string) string {
	if v.Stage {
		return staged
	}
	return buffer
}

// Dot is called by the templates: acc<r>[c] = Σ_d a[ao<r> + d]·b[bo<c> + d].
func (v flashVariant) Dot(acc, a, ao, b, bo string) flashDot {
	return flashDot{V: v, Acc: acc, A: a, AO: ao, B: b, BO: bo}
}

// flashState is the per-device state of the fused attention: forced tiles
// (SetFlashTiles) and the verdicts of the lane-shuffle probe. It is kept
// beside the Device (keyed by it) and accessed under the device lock.
type flashState struct {
	force   map[string]flashTile
	shuffle map[[2]int]bool // (invocations, lanes) → probe passed
	form    *flashForm      // tests: force a form
	scratch int             // tests: the largest dS scratch in floats (0: d.MaxLen())
}

// flashFormFor is the form of the kernels on d: the GPU form on every
// adapter but a CPU one, unless a test forced one.
func (d *Device) flashFormFor() flashForm {
	if f := d.flashState().form; f != nil {
		return *f
	}
	if d.info.DeviceType == "CPU" {
		return flashCPUForm
	}
	return flashGPUForm
}

var flashStates sync.Map // *Device → *flashState

func (d *Device) flashState() *flashState {
	if s, ok := flashStates.Load(d); ok {
		return s.(*flashState)
	}
	s, _ := flashStates.LoadOrStore(d, &flashState{force: map[string]flashTile{}, shuffle: map[[2]int]bool{}})
	return s.(*flashState)
}

// flashVariantFor chooses the variant of pass for head dim hd: the forced
// tile or the first tile of the device class's list that is valid and
// fits the workgroup memory and invocation limits; for the forward also
// whether the lane reductions use subgroup shuffles (which may run the
// probe). It takes the device lock itself.
func (d *Device) flashVariantFor(pass string, hd int) (flashVariant, error) {
	d.mu.Lock()
	v, err := d.flashPickLocked(pass, hd)
	sg := d.subgroupOK && !d.noSubgroups
	d.mu.Unlock()
	if err != nil || pass != flashFwd || !sg || v.TX == 1 {
		return v, err
	}
	if d.flashShuffleOK(v.NT, v.TX) {
		v = newFlashVariant(pass, hd, v.flashTile, true, v.flashForm)
	}
	return v, nil
}

func (d *Device) flashPickLocked(pass string, hd int) (flashVariant, error) {
	var force *flashTile
	if t, ok := d.flashState().force[pass]; ok {
		force = &t
	}
	return pickFlashVariant(pass, hd, d.flashFormFor(), force, true,
		int(d.limits.MaxComputeWorkgroupStorageSize), int(d.limits.MaxComputeInvocationsPerWorkgroup))
}

// flashTiledVariant is the choice of flashVariantFor among the tiled
// kernels only (no m tiles), ignoring a forced m tile: the backward falls
// back to the tiled kv and q passes where the m tiles' dS scratch does not
// fit or a size is zero. It takes the device lock itself.
func (d *Device) flashTiledVariant(pass string, hd int) (flashVariant, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var force *flashTile
	if t, ok := d.flashState().force[pass]; ok && !t.MM {
		force = &t
	}
	return pickFlashVariant(pass, hd, d.flashFormFor(), force, false,
		int(d.limits.MaxComputeWorkgroupStorageSize), int(d.limits.MaxComputeInvocationsPerWorkgroup))
}

// pickFlashVariant is the tile choice of flashPickLocked for a device with
// budget bytes of workgroup memory and maxInv invocations per workgroup:
// the forced tile if it fits, else the first fitting one of the form's
// list (m tiles only if mm).
func pickFlashVariant(pass string, hd int, form flashForm, force *flashTile, mm bool, budget, maxInv int) (flashVariant, error) {
	fits := func(v *flashVariant) bool { return v.valid() && v.shared() <= budget && v.NT <= maxInv }
	if force != nil {
		v := newFlashVariant(pass, hd, *force, false, form)
		if !fits(&v) {
			return v, fmt.Errorf("forced %s tile %s does not fit head dim %d and %d B of workgroup memory", pass, force, hd, budget)
		}
		return v, nil
	}
	list := flashTilesGPU[pass]
	if !form.Stage {
		list = flashTilesCPU[pass]
	}
	for _, t := range list {
		if t.MM && !mm {
			continue
		}
		if v := newFlashVariant(pass, hd, t, false, form); fits(&v) {
			return v, nil
		}
	}
	return flashVariant{}, fmt.Errorf("no %s tile for head dim %d fits %d B of workgroup memory", pass, hd, budget)
}

// flashKernel returns the compiled kernel of v (device lock held).
func (d *Device) flashKernel(v flashVariant) (*kernel, error) {
	return d.kernel(v.flashKey, func() kernelSpec {
		ro, rw := readOnly, readWrite
		if v.MM {
			switch v.Pass {
			case flashFwd:
				return kernelSpec{file: "flash_mm.wgsl", data: v, bind: []access{ro, ro, ro, rw, rw}}
			case flashLD:
				return kernelSpec{file: "flash_mm.wgsl", data: v, bind: []access{ro, ro, ro, rw}}
			}
			bind := []access{ro, ro, ro, ro, ro, rw, rw, rw} // Q K V dO LD dV dK dSt
			if v.DKG {
				bind = bind[:7]
			}
			return kernelSpec{file: "flash_mm.wgsl", data: v, bind: bind}
		}
		switch v.Pass {
		case flashFwd:
			return kernelSpec{file: "flash.wgsl", data: v, bind: []access{ro, ro, ro, rw, rw}}
		case flashProbe:
			return kernelSpec{file: "flash.wgsl", data: v, bind: []access{rw}}
		case flashDelta:
			return kernelSpec{file: "flash_bwd.wgsl", data: v, bind: []access{ro, ro, rw}}
		case flashKV:
			return kernelSpec{file: "flash_bwd.wgsl", data: v, bind: []access{ro, ro, ro, ro, ro, ro, rw, rw}}
		}
		return kernelSpec{file: "flash_bwd.wgsl", data: v, bind: []access{ro, ro, ro, ro, ro, ro, rw}}
	})
}

// flashShuffleOK reports whether the subgroup lane reductions give the
// right answer for a workgroup of nt invocations in row groups of tx
// lanes. The subgroup probe of Open checks subgroupAdd/subgroupMax, not
// shuffles, nor that consecutive invocations share a subgroup, which the
// reductions rely on; so the first use of each shape runs flash_probe and
// compares every lane with the same tree evaluated on the host. Called
// without the device lock.
func (d *Device) flashShuffleOK(nt, tx int) bool {
	key := [2]int{nt, tx}
	d.mu.Lock()
	st := d.flashState()
	ok, done := st.shuffle[key]
	d.mu.Unlock()
	if done {
		return ok
	}
	ok = d.runFlashProbe(nt, tx) == nil
	d.mu.Lock()
	st.shuffle[key] = ok
	d.mu.Unlock()
	return ok
}

// runFlashProbe runs flash_probe for (nt, tx) and checks its output.
func (d *Device) runFlashProbe(nt, tx int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	v := newFlashVariant(flashProbe, 4, flashTile{BR: nt / tx, BC: 4 * tx, TM: 1}, true, flashCPUForm)
	buf, err := d.Alloc(2 * nt)
	if err != nil {
		return err
	}
	defer buf.Release()
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return ErrClosed
	}
	k, err := d.flashKernel(v)
	if err == nil {
		var p params
		p.u32(0)
		err = d.dispatch(k, &p, []*devBuf{buf.buf}, 1, 1, 1)
	}
	d.mu.Unlock()
	if err != nil {
		return err
	}
	got := make([]float32, 2*nt)
	if err := d.Download(got, buf); err != nil {
		return err
	}
	for g := 0; g < nt; g += tx {
		tree := make([]float32, tx)
		mx := float32(math.Inf(-1))
		for u := range tx {
			i := g + u
			tree[u] = (float32((i*37+11)%101) - 50) * 0.125
			mx = max(mx, tree[u])
		}
		for w := tx / 2; w > 0; w /= 2 {
			for u := range w {
				tree[u] = tree[2*u] + tree[2*u+1]
			}
		}
		for u := range tx {
			if got[g+u] != tree[0] || got[nt+g+u] != mx {
				return fmt.Errorf("lane %d: sum %v max %v, want %v and %v", g+u, got[g+u], got[nt+g+u], tree[0], mx)
			}
		}
	}
	return nil
}
