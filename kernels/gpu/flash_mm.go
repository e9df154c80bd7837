package gpu

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gocx/gocx/kernels"
)

// The "m" tiles of the fused attention (flash_mm.wgsl) write each kernel's
// products as register-tiled micro-GEMMs in the manner of gemm.wgsl, the
// kernel that reaches 30-40 TFLOP/s on an H200:
//
//   - one operand of each product stays in workgroup memory for the whole
//     workgroup (Q in the forward, K and V in the kv pass), padded by one
//     vec4 per row against bank conflicts;
//   - the other streams through a two-stage buffer St in chunks (KC vec4s of
//     the head dimension for the score products, CK rows for the products
//     with P or dS), the next chunk's global loads issued into registers
//     before the current chunk's arithmetic and stored after it, one barrier
//     per chunk: global latency hides behind the arithmetic, and no loop
//     has a run-time trip count except the one over key (query) tiles;
//   - each invocation owns TM rows × TN columns of the score tile (strided
//     by TY and TX, so that a warp reads consecutive padded rows: no bank
//     conflicts) and TM rows × OC vec4 columns of the output, so that per
//     vec4 step of a chunk it does 4·TM·TN fmas for TM + TN workgroup loads
//     (8×4: 128 fmas for 12 loads; the tiled kernels of flash.wgsl have
//     TN = 4, their default forward 4×4, and stage their tiles with loops
//     of run-time length and no prefetch);
//   - the scale·log2(e) factor is folded into the resident Q (forward) or K
//     (kv pass) once, so the scores come out in base-2 units.
//
// The probabilities (and dS) go through workgroup memory between the two
// products of a tile, row-major with one vec4 of padding per row; the
// second product reads them as vec4s of 4 consecutive keys (queries).
//
// The backward's kv pass recomputes Sᵀ and dPᵀ per query tile, accumulates
// dV (and dK) in registers and writes dSᵀ to a scratch buffer, from which
// dQ = scale·dS·K (and, for the "g" tiles, dK = scale·dSᵀ·Q) are batched
// calls of Gemm. The cost model behind that choice is in the doc comment of
// FlashAttentionBackward.

// flashLD is the pass of the backward's row terms for the m tiles:
// LD[r] = (log2(e)·lse[r], D[r]) in one buffer, so the kv pass binds one
// buffer for both (it binds eight storage buffers with dK and dS).
const flashLD = "ld"

// flashMMDims are the derived sizes of an m-tile variant (zero for the
// tiled kernels of flash.wgsl).
type flashMMDims struct {
	CS      int  // row stride of a staged d chunk (KC + 1 vec4s)
	SS      int  // vec4s per stage of St
	NKC     int  // d chunks per tile (H4/KC)
	CK      int  // rows (keys or queries) per chunk of the second product
	NCC     int  // chunks of the second product per tile (BC/CK)
	LastK   int  // NKC − 1
	LastC   int  // NCC − 1
	L1, L2  int  // loads per invocation of a chunk of each product (per operand)
	G1, G2  bool // the chunk does not divide by the invocations: guard the stores
	NQ      int  // kv: operands staged per chunk of the second product (dO, and Q unless DKG)
	NPS     int  // kv: probability-like arrays in workgroup memory (Ps, and Ds unless DKG)
	Binding int  // kv: binding of the parameter block (after Q, K, V, dO, LD, dV, [dK], dSt)
}

// mt is an m tile: BR rows owned per workgroup, BC rows of the other
// operand per tile, TM×TN score entries per invocation, d chunks of 4 vec4s.
func mt(br, bc, tm, tn int) flashTile {
	return flashTile{BR: br, BC: bc, TM: tm, TN: tn, KC: 4, MM: true}
}

// withKC and withDKG return copies of an m tile with another d chunk or
// with dK computed by a GEMM.
func (t flashTile) withKC(kc int) flashTile { t.KC = kc; return t }
func (t flashTile) withDKG() flashTile      { t.DKG = true; return t }

// chunkRows returns the rows per chunk of the second product: the largest
// multiple of 4 that divides bc and is at most lim (at least 4).
func chunkRows(bc, lim int) int {
	for c := min(bc, lim) &^ 3; c >= 4; c -= 4 {
		if bc%c == 0 {
			return c
		}
	}
	return 4
}

// newFlashMMVariant derives the template data of an m-tile kernel.
// The form decides only whether the chunk steps and the loops inside a
// chunk are unrolled (GPUs) or rolled (CPU adapters: compile time); the
// operands are always staged.
func newFlashMMVariant(pass string, hd int, t flashTile, subgroups bool, form flashForm) flashVariant {
	form = flashForm{Stage: true, Unroll: min(form.Unroll, 1)}
	v := flashVariant{flashKey: flashKey{Pass: pass, HD: hd, flashTile: t, Subgroups: subgroups, flashForm: form}}
	v.Name = t.String()
	v.H4, v.HS = hd/4, hd/4+1
	v.PS = t.BC/4 + 1
	v.Const = form.Unroll == 0
	if t.TN > 0 {
		v.TX = t.BC / t.TN
	}
	if t.TM > 0 {
		v.TY = t.BR / t.TM
	}
	v.NT = v.TX * v.TY
	if v.TX > 0 {
		v.OC = v.H4 / v.TX
	}
	if t.KC <= 0 || v.H4%t.KC != 0 {
		return v // not valid
	}
	m := &v.flashMMDims
	m.CS = t.KC + 1
	m.NKC = v.H4 / t.KC
	chunk := func(rows, w int) (l int, guard bool) {
		if v.NT == 0 {
			return 0, false
		}
		n := rows * w
		return (n + v.NT - 1) / v.NT, n%v.NT != 0
	}
	m.L1, m.G1 = chunk(t.BC, t.KC)
	switch pass {
	case flashFwd:
		// V chunks as large as the K chunks, so both fill one stage.
		m.CK = chunkRows(t.BC, t.BC*m.CS/v.H4)
		m.SS = max(t.BC*m.CS, m.CK*v.H4)
	case flashKV:
		m.NQ, m.NPS, m.Binding = 2, 2, 8
		if t.DKG {
			m.NQ, m.NPS, m.Binding = 1, 1, 7
		}
		m.CK = chunkRows(t.BC, 2*t.BC*m.CS/(m.NQ*v.H4))
		m.SS = max(2*t.BC*m.CS, m.NQ*m.CK*v.H4)
	}
	if m.CK > 0 {
		m.NCC = t.BC / m.CK
		m.L2, m.G2 = chunk(m.CK, v.H4)
	}
	m.LastK, m.LastC = m.NKC-1, m.NCC-1
	return v
}

// validMM reports whether an m tile divides up for the head dim: TX a
// power of two (the lane reductions are butterflies) dividing the vec4s of
// a head row, the d chunk dividing them too.
func (v *flashVariant) validMM() bool {
	t := v.flashTile
	pow2 := v.TX > 0 && v.TX&(v.TX-1) == 0
	return t.BC%4 == 0 && t.TN >= 1 && t.BC%t.TN == 0 && pow2 && t.TM >= 1 && t.BR%t.TM == 0 &&
		v.OC >= 1 && v.H4%v.TX == 0 && t.KC >= 1 && v.H4%t.KC == 0 && v.CK >= 4 && t.BC%v.CK == 0 &&
		(v.Pass == flashFwd || v.Pass == flashKV) && (!t.DKG || v.Pass == flashKV)
}

// sharedMM is the workgroup memory of an m-tile variant in bytes.
func (v *flashVariant) sharedMM() int {
	switch v.Pass {
	case flashFwd:
		n := 16 * (v.BR*v.HS + v.BR*v.PS + 2*v.SS)
		if !v.Subgroups && v.TX > 1 {
			n += 4 * v.BR * v.TX
		}
		return n
	case flashKV:
		return 16 * (2*v.BR*v.HS + v.NPS*v.BR*v.PS + 2*v.SS)
	}
	return 0
}

// lin is the WGSL u32 expression a·i + b for an index i that is either a
// literal ("3", folded) or a WGSL expression ("kc", "kc + 1u").
func lin(i string, a, b int) string {
	if n, err := strconv.Atoi(i); err == nil {
		return fmt.Sprintf("%du", a*n+b)
	}
	s := i
	if a != 1 {
		if strings.ContainsAny(s, " +*") {
			s = "(" + s + ")"
		}
		s = fmt.Sprintf("%s * %du", s, a)
	}
	if b != 0 {
		s = fmt.Sprintf("%s + %du", s, b)
	}
	return s
}

// sum is the WGSL u32 expression x + y of two lin expressions, folded when
// both are literals.
func sum(x, y string) string {
	a, errA := strconv.Atoi(strings.TrimSuffix(x, "u"))
	b, errB := strconv.Atoi(strings.TrimSuffix(y, "u"))
	if errA == nil && errB == nil {
		return fmt.Sprintf("%du", a+b)
	}
	return x + " + " + y
}

// mmLoad is the argument of the mm_issue and mm_store snippets: one chunk
// of a staged operand (see flash_mm.wgsl). Row0 and Col0 are WGSL
// expressions.
type mmLoad struct {
	Reg, Src, Base, Row0, Lim, Col0 string
	W, Rows                         int
	Off, Stride                     int
	L, NT                           int
	Guard                           bool
}

// dchunk is d chunk kc (an index expression) of rows row0.. of src.
func (v flashVariant) dchunk(reg, src, base, lim, kc, row0 string, off int) mmLoad {
	return mmLoad{Reg: reg, Src: src, Base: base, Row0: row0, Lim: lim, Col0: lin(kc, v.KC, 0), W: v.KC, Rows: v.BC,
		Off: off, Stride: v.CS, L: v.L1, NT: v.NT, Guard: v.G1}
}

// rchunk is row chunk c (an index expression) of the tile at row0 of src.
func (v flashVariant) rchunk(reg, src, base, lim, c, row0 string, off int) mmLoad {
	if o := lin(c, v.CK, 0); o != "0u" {
		row0 = row0 + " + " + o
	}
	return mmLoad{Reg: reg, Src: src, Base: base, Row0: row0, Lim: lim, Col0: "0u", W: v.H4, Rows: v.CK,
		Off: off, Stride: v.H4, L: v.L2, NT: v.NT, Guard: v.G2}
}

// LoadK is d chunk kc of the key tile at row0 (forward).
func (v flashVariant) LoadK(kc, row0 string) mmLoad {
	return v.dchunk("rk", "K", "kbase", "P.sk", kc, row0, 0)
}

// LoadV is value chunk c of the key tile at row0 (forward).
func (v flashVariant) LoadV(c, row0 string) mmLoad {
	return v.rchunk("rv", "V", "kbase", "P.sk", c, row0, 0)
}

// LoadQd and LoadGd are d chunk kc of the Q and dO rows of the query tile
// at row0 (kv pass, first products); LoadGr and LoadQr are row chunk c of
// them (second products).
func (v flashVariant) LoadQd(kc, row0 string) mmLoad {
	return v.dchunk("rq", "Q", "qbase", "P.sq", kc, row0, 0)
}

func (v flashVariant) LoadGd(kc, row0 string) mmLoad {
	return v.dchunk("rg", "G", "qbase", "P.sq", kc, row0, v.BC*v.CS)
}

func (v flashVariant) LoadGr(c, row0 string) mmLoad {
	return v.rchunk("tg", "G", "qbase", "P.sq", c, row0, 0)
}

func (v flashVariant) LoadQr(c, row0 string) mmLoad {
	return v.rchunk("tq", "Q", "qbase", "P.sq", c, row0, v.CK*v.H4)
}

// mmDot is the argument of the mm_dot snippet: Acc<r>_<c> += the dot
// products over d chunk D0 (an expression) of resident rows A[AO<r>..] with
// the staged rows St[BB + c·TX·CS..].
type mmDot struct {
	Acc, A, AO, D0, BB string
	KC, TM, TN, BS     int
	Roll               bool
}

// mmDotAt is mm_dot at one vec4 d of the chunk: the index expressions.
type mmDotAt struct {
	Acc, A, AO, AIdx, BB string
	BIdx                 []string
	TM, TN               int
}

// At is called by the template with d a literal or the loop variable.
func (m mmDot) At(d string) mmDotAt {
	a := mmDotAt{Acc: m.Acc, A: m.A, AO: m.AO, AIdx: sum(m.D0, lin(d, 1, 0)), BB: m.BB, TM: m.TM, TN: m.TN}
	for c := range m.TN {
		a.BIdx = append(a.BIdx, lin(d, 1, c*m.BS))
	}
	return a
}

// dot is the mmDot of chunk kc (an index expression).
func (v flashVariant) dot(acc, a, ao, kc, bb string) mmDot {
	return mmDot{Acc: acc, A: a, AO: ao, D0: lin(kc, v.KC, 0), BB: bb, KC: v.KC, TM: v.TM, TN: v.TN, BS: v.TX * v.CS, Roll: !v.Const}
}

// mmAcc is the argument of the mm_acc snippet: Acc<r>_<c> += Σ over the CK
// rows j of chunk J0 (vec4 J0 of the rows of A at AO<r>) of A[j]·St[BB + j·H4
// + c·TX].
type mmAcc struct {
	Acc, A, AO, J0, BB string
	Q4, H4, TX, TM, OC int
	Roll               bool
}

// mmAccAt is mm_acc at one vec4 j of the A rows: the index expressions
// (BIdx[k][c] for the 4 rows k of that vec4).
type mmAccAt struct {
	Acc, A, AO, AIdx, BB string
	BIdx                 [][]string
	TM, OC               int
}

// At is called by the template with j a literal or the loop variable.
func (m mmAcc) At(j string) mmAccAt {
	a := mmAccAt{Acc: m.Acc, A: m.A, AO: m.AO, AIdx: sum(m.J0, lin(j, 1, 0)), BB: m.BB, TM: m.TM, OC: m.OC}
	for k := range 4 {
		var row []string
		for c := range m.OC {
			row = append(row, lin(j, 4*m.H4, k*m.H4+c*m.TX))
		}
		a.BIdx = append(a.BIdx, row)
	}
	return a
}

// acc is the mmAcc of row chunk c (an index expression).
func (v flashVariant) acc(acc, a, ao, c, bb string) mmAcc {
	return mmAcc{Acc: acc, A: a, AO: ao, J0: lin(c, v.CK/4, 0), BB: bb, Q4: v.CK / 4, H4: v.H4, TX: v.TX, TM: v.TM, OC: v.OC,
		Roll: !v.Const}
}

// mmStep is one chunk step of an m-tile kernel (the mm_step snippet).
type mmStep struct {
	What           string
	Loads          []mmLoad
	Lets           []string
	Dots           []mmDot
	Accs           []mmAcc
	Softmax, DSoft bool
	V              flashVariant
}

// mmSteps is a group of steps for mm_steps: one step, or with Loop the
// step run N times in a WGSL loop over Var.
type mmSteps struct {
	Loop bool
	Var  string
	N    int
	Step mmStep
}

// steps lays out n steps made by step(i): every step unrolled (GPU form)
// or the first n−1 in a loop over index variable iv (CPU form); the last
// step is always separate (it hands over to the other product).
func (v flashVariant) steps(n int, iv string, step func(i string, last bool) mmStep) []mmSteps {
	var g []mmSteps
	if v.Const {
		for i := range n - 1 {
			g = append(g, mmSteps{Step: step(strconv.Itoa(i), false)})
		}
	} else if n > 1 {
		g = append(g, mmSteps{Loop: true, Var: iv, N: n - 1, Step: step(iv, false)})
	}
	return append(g, mmSteps{Step: step(strconv.Itoa(n-1), true)})
}

// FwdSteps are the chunk steps of a key tile of the forward.
func (v flashVariant) FwdSteps() []mmSteps {
	s := v.steps(v.NKC, "kc", func(kc string, last bool) mmStep {
		st := mmStep{What: "S chunk " + kc, V: v, Lets: []string{fmt.Sprintf("let sb = cur * SS + tx * %du;", v.CS)},
			Dots: []mmDot{v.dot("s", "Qs", "qo", kc, "sb")}}
		if last {
			st.Loads, st.Softmax = []mmLoad{v.LoadV("0", "k0")}, true
		} else {
			st.Loads = []mmLoad{v.LoadK(lin(kc, 1, 1), "k0")}
		}
		return st
	})
	return append(s, v.steps(v.NCC, "vc", func(c string, last bool) mmStep {
		st := mmStep{What: "P·V chunk " + c, V: v, Lets: []string{"let sb = cur * SS + tx;"},
			Accs: []mmAcc{v.acc("o", "Ps", "po", c, "sb")}}
		if last {
			st.Loads = []mmLoad{v.LoadK("0", fmt.Sprintf("k0 + %du", v.BC))}
		} else {
			st.Loads = []mmLoad{v.LoadV(lin(c, 1, 1), "k0")}
		}
		return st
	})...)
}

// KVSteps are the chunk steps of a query tile of the kv pass.
func (v flashVariant) KVSteps() []mmSteps {
	s := v.steps(v.NKC, "kc", func(kc string, last bool) mmStep {
		st := mmStep{What: "Sᵀ, dPᵀ chunk " + kc, V: v,
			Lets: []string{fmt.Sprintf("let sb = cur * SS + tx * %du;", v.CS), fmt.Sprintf("let sg = sb + %du;", v.BC*v.CS)},
			Dots: []mmDot{v.dot("s", "Ks", "ko", kc, "sb"), v.dot("dp", "Vs", "ko", kc, "sg")}}
		if last {
			st.Loads, st.DSoft = []mmLoad{v.LoadGr("0", "q0")}, true
			if !v.DKG {
				st.Loads = append(st.Loads, v.LoadQr("0", "q0"))
			}
		} else {
			st.Loads = []mmLoad{v.LoadQd(lin(kc, 1, 1), "q0"), v.LoadGd(lin(kc, 1, 1), "q0")}
		}
		return st
	})
	return append(s, v.steps(v.NCC, "qc", func(c string, last bool) mmStep {
		st := mmStep{What: "dV, dK chunk " + c, V: v, Lets: []string{"let sb = cur * SS + tx;"},
			Accs: []mmAcc{v.acc("dv", "Ps", "po", c, "sb")}}
		if !v.DKG {
			st.Lets = append(st.Lets, fmt.Sprintf("let sx = sb + %du;", v.CK*v.H4))
			st.Accs = append(st.Accs, v.acc("dk", "Ds", "po", c, "sx"))
		}
		if last {
			next := fmt.Sprintf("q0 + %du", v.BC)
			st.Loads = []mmLoad{v.LoadQd("0", next), v.LoadGd("0", next)}
		} else {
			st.Loads = []mmLoad{v.LoadGr(lin(c, 1, 1), "q0")}
			if !v.DKG {
				st.Loads = append(st.Loads, v.LoadQr(lin(c, 1, 1), "q0"))
			}
		}
		return st
	})...)
}

// ParamBinding is the binding of the kv pass's parameter block.
func (v flashVariant) ParamBinding() int { return v.Binding }

// flashForwardMM queues the m-tile forward (device lock held).
func (d *Device) flashForwardMM(p kernels.Attention, fv flashVariant, out, lse, q, k, v *Buffer) error {
	kn, err := d.flashKernel(fv)
	if err != nil {
		return err
	}
	nblk := (p.SQ + fv.BR - 1) / fv.BR
	n := p.BH * nblk
	var pr params
	pr.int(p.SQ).int(p.SK).int(nblk).int(n).f32(p.Scale * math.Log2E)
	x, y := d.grid2D(n)
	return d.dispatch(kn, &pr, []*devBuf{q.buf, k.buf, v.buf, out.buf, lse.buf}, x, y, 1)
}

// flashBackwardMM queues the m-tile backward: the row terms, the kv pass
// (dV, dK unless kv.DKG, and dSᵀ into a scratch buffer of BH·SK·SQ floats)
// and the GEMMs dQ = scale·dS·K (and dK = scale·dSᵀ·Q for kv.DKG). It
// takes the device lock itself; the caller checked the operands and that
// SQ, SK > 0 and the scratch fits one buffer.
func (d *Device) flashBackwardMM(p kernels.Attention, kv flashVariant, dq, dk, dv, dout, q, k, v, out, lse *Buffer) error {
	rows := p.BH * p.SQ
	ld, err := d.Alloc(2 * rows)
	if err != nil {
		return err
	}
	defer ld.Release()
	dst, err := d.Alloc(p.BH * p.SQ * p.SK)
	if err != nil {
		return err
	}
	defer dst.Release()
	if err := d.flashKVMM(p, kv, dk, dv, dout, q, k, v, out, lse, ld, dst); err != nil {
		return err
	}
	// dQ = scale·dS·K with dS read transposed from dSt (SK×SQ per head).
	if err := d.Gemm(kernels.Gemm{TransA: true, M: p.SQ, N: p.HD, K: p.SK, Alpha: p.Scale, Batch: p.BH}, dst, k, dq); err != nil {
		return err
	}
	if kv.DKG { // dK = scale·dSᵀ·Q
		return d.Gemm(kernels.Gemm{M: p.SK, N: p.HD, K: p.SQ, Alpha: p.Scale, Batch: p.BH}, dst, q, dk)
	}
	return nil
}

// flashKVMM queues the row terms and the kv pass of the m-tile backward.
func (d *Device) flashKVMM(p kernels.Attention, kv flashVariant, dk, dv, dout, q, k, v, out, lse, ld, dst *Buffer) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	lk, err := d.flashKernel(flashVariant{flashKey: flashKey{Pass: flashLD, HD: p.HD, flashTile: flashTile{MM: true}}, H4: p.HD / 4})
	if err != nil {
		return err
	}
	kk, err := d.flashKernel(kv)
	if err != nil {
		return err
	}
	rows := p.BH * p.SQ
	n := (rows + 63) / 64
	var pr params
	pr.int(rows).int(n)
	x, y := d.grid2D(n)
	if err := d.dispatch(lk, &pr, []*devBuf{out.buf, dout.buf, lse.buf, ld.buf}, x, y, 1); err != nil {
		return err
	}
	nblk := (p.SK + kv.BR - 1) / kv.BR
	n = p.BH * nblk
	var pk params
	pk.int(p.SQ).int(p.SK).int(nblk).int(n).f32(p.Scale * math.Log2E).f32(p.Scale)
	bufs := []*devBuf{q.buf, k.buf, v.buf, dout.buf, ld.buf, dv.buf}
	if !kv.DKG {
		bufs = append(bufs, dk.buf)
	}
	bufs = append(bufs, dst.buf)
	x, y = d.grid2D(n)
	return d.dispatch(kk, &pk, bufs, x, y, 1)
}
