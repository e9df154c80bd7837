package gpu

import (
	"fmt"
	"math"
	"sort"

	"github.com/gocx/gocx/kernels"
)

// optimKey is the variant key and template data of optim.wgsl.
type optimKey struct {
	Kind  string // adamw or ema
	Multi bool
	Ctrl  bool // guarded by a control vector (AdamWMultiCtrl, EMAMultiCtrl)
	T     string
}

// adamScalars are one AdamW step's per-tensor scalars, formed in float64
// and rounded to float32 once (as kernels/cpu does).
type adamScalars struct {
	lerpLow                                            bool
	decay, stepSize, bc2Sqrt, eps, w, omw, beta2, omb2 float64
}

func newAdamScalars(op string, h kernels.AdamWHyper) adamScalars {
	if h.Step < 1 {
		panic(fmt.Sprintf("%s: Step=%d, want ≥ 1 (the step number after incrementing)", op, h.Step))
	}
	w := 1 - h.Beta1
	return adamScalars{
		lerpLow:  w < 0.5,
		decay:    1 - h.LR*h.WeightDecay,
		stepSize: h.LR / (1 - math.Pow(h.Beta1, float64(h.Step))),
		bc2Sqrt:  math.Sqrt(1 - math.Pow(h.Beta2, float64(h.Step))),
		eps:      h.Eps,
		w:        w,
		omw:      1 - w,
		beta2:    h.Beta2,
		omb2:     1 - h.Beta2,
	}
}

// AdamW queues one in-place step of torch.optim.AdamW (amsgrad and
// maximize off) on parameters p with gradient g and moments m, v (all of
// one length, four different buffers), t = h.Step ≥ 1:
//
//	p ← p·(1 − lr·wd)
//	m ← lerp(m, g, 1−β₁) = β₁·m + (1−β₁)·g
//	v ← β₂·v + (1−β₂)·g²
//	p ← p − (lr/(1−β₁ᵗ))·m/(√v/√(1−β₂ᵗ) + eps)
//
// The bias corrections and the other per-step scalars are computed on the
// host in float64 and passed as float32; the lerp takes PyTorch's two forms
// (m + w·(g−m) for w < ½, else g − (g−m)·(1−w)). There is no backward.
func (d *Device) AdamW(p, g, m, v *Buffer, h kernels.AdamWHyper) error {
	const op = "gpu.AdamW"
	d.checkBuffer(op, "p", p)
	d.checkSame(op, p.n, []string{"g", "m", "v"}, g, m, v)
	checkAllDistinct(op, []string{"p", "g", "m", "v"}, p, g, m, v)
	sc := newAdamScalars(op, h)
	if p.n == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	vec4 := p.n%4 == 0
	units := p.n
	if vec4 {
		units /= 4
	}
	key := optimKey{Kind: "adamw", T: vecType(vec4)}
	k, err := d.kernel(key, func() kernelSpec {
		return kernelSpec{file: "optim.wgsl", data: key, bind: []access{readWrite, readOnly, readWrite, readWrite}}
	})
	if err != nil {
		return err
	}
	var pr params
	pr.int(units).bool(sc.lerpLow).f32(sc.decay).f32(sc.stepSize).f32(sc.bc2Sqrt).f32(sc.eps)
	pr.f32(sc.w).f32(sc.omw).f32(sc.beta2).f32(sc.omb2)
	x, y := d.grid2D((units + 255) / 256)
	return d.dispatch(k, &pr, []*devBuf{p.buf, g.buf, m.buf, v.buf}, x, y, 1)
}

// AdamWParam is one tensor of a multi-tensor AdamW step: the span
// [Off, Off+N) of the buffers P, G, M and V (parameters, gradient, first
// and second moments; one layout, so the same span in each), with its own
// hyper-parameters (the lr, weight decay and step count of its group).
// Scale is the index in the control vector of its gradient multiplier
// (AdamWMultiCtrl; AdamWMulti ignores it).
type AdamWParam struct {
	P, G, M, V *Buffer
	Off, N     int
	Hyper      kernels.AdamWHyper
	Scale      int
}

// adamSegWords is the size of one AdamW segment-table entry in 4-byte
// words (the Seg struct of optim.wgsl).
const adamSegWords = 13

// multiBlock is the number of elements one workgroup of the multi-tensor
// kernels updates (256 invocations × 4).
const multiBlock = 1024

// AdamWMulti queues the AdamW step of AdamW for every entry of list, with
// one dispatch per distinct (P, G, M, V) buffer quadruple rather than one
// per tensor.
//
// Design: a kernel binds at most 8 storage buffers, so many tensors can
// share a dispatch only by sharing buffers. An optimiser that packs its
// parameters, gradients and moments into four flat arenas (each tensor a
// span at one offset) updates all of them in a single dispatch: the host
// uploads a segment table (per span: its first workgroup, offset, length
// float32 step scalars and multiplier index, 52 bytes) and each workgroup of 1024 elements
// finds its span by a binary search over the table. Entries with their own
// buffers (an unpacked optimiser) still work: each quadruple is one
// dispatch over its spans. Entries whose four buffers are views (see View)
// lying at one offset in their allocations count as spans of those
// allocations, so views of the same four arenas share one dispatch too.
// Spans within a quadruple must not overlap, and the four buffers of an
// entry must not share memory.
//
// Per-entry hyper-parameters carry DINOv2's parameter groups (layer-wise
// lr decay, no weight decay on norms and biases, the last-layer lr) and
// per-parameter step counts; the scalars of each entry are formed in
// float64 on the host as in AdamW and the element update is the same
// float32 arithmetic. Because the changing scalars travel in the table
// rather than in the uniform parameter block, a training loop calling
// AdamWMulti interns no new parameter blocks from step to step.
func (d *Device) AdamWMulti(list []AdamWParam) error {
	return d.adamWMulti("gpu.AdamWMulti", list, nil)
}

// AdamWMultiCtrl is AdamWMulti guarded by the control vector ctrl (see
// SumSquaresSpans and ClipControl, which produce it on the device):
//
//	if ctrl[0] ≠ 0: nothing is written (the step is skipped)
//	else each entry e steps with g_eff = g·ctrl[e.Scale] (a float32
//	product; with ctrl[e.Scale] = 1 the result is AdamWMulti's bit for bit)
//
// so clipping and the non-finite guard of a training step need no read
// back. It is the same packed-arena design, one dispatch per buffer
// quadruple (ctrl is a sixth binding). Every Scale must be in
// [1, ctrl.Len()). A nil ctrl is AdamWMulti.
func (d *Device) AdamWMultiCtrl(list []AdamWParam, ctrl *Buffer) error {
	const op = "gpu.AdamWMultiCtrl"
	if ctrl != nil {
		d.checkBuffer(op, "ctrl", ctrl)
		for i, e := range list {
			kernels.CheckScale(op, fmt.Sprintf("list[%d]", i), e.Scale, ctrl.n)
		}
	}
	return d.adamWMulti(op, list, ctrl)
}

func (d *Device) adamWMulti(op string, list []AdamWParam, ctrl *Buffer) error {
	type quad struct{ p, g, m, v *devBuf }
	offs := make([]int, len(list))
	var order []quad
	groups := map[quad][]int{}
	for i, e := range list {
		name := func(s string) string { return fmt.Sprintf("list[%d].%s", i, s) }
		d.checkBuffer(op, name("P"), e.P)
		d.checkBuffer(op, name("G"), e.G)
		d.checkBuffer(op, name("M"), e.M)
		d.checkBuffer(op, name("V"), e.V)
		checkAllDistinct(op, []string{name("P"), name("G"), name("M"), name("V")}, e.P, e.G, e.M, e.V)
		for _, b := range []struct {
			s string
			b *Buffer
		}{{"P", e.P}, {"G", e.G}, {"M", e.M}, {"V", e.V}} {
			checkSpan(op, name(b.s), e.Off, e.N, b.b.n)
		}
		newAdamScalars(fmt.Sprintf("%s: list[%d]", op, i), e.Hyper)
		if e.N == 0 {
			continue
		}
		bufs, off := unview(e.Off, e.P, e.G, e.M, e.V)
		q := quad{bufs[0], bufs[1], bufs[2], bufs[3]}
		offs[i] = off
		if _, ok := groups[q]; !ok {
			order = append(order, q)
		}
		groups[q] = append(groups[q], i)
	}
	var table []uint32
	type launch struct {
		q              quad
		lo, hi, blocks int
	}
	var launches []launch
	for _, q := range order {
		idx := groups[q]
		checkNoOverlap(op, idx, func(i int) (int, int) { return offs[i], list[i].N })
		l := launch{q: q, lo: len(table) / adamSegWords}
		for _, i := range idx {
			e := list[i]
			sc := newAdamScalars(op, e.Hyper)
			table = append(table, uint32(l.blocks), uint32(offs[i]), uint32(e.N), b2u(sc.lerpLow),
				f2u(sc.decay), f2u(sc.stepSize), f2u(sc.bc2Sqrt), f2u(sc.eps),
				f2u(sc.w), f2u(sc.omw), f2u(sc.beta2), f2u(sc.omb2), uint32(e.Scale))
			l.blocks += (e.N + multiBlock - 1) / multiBlock
		}
		l.hi = len(table) / adamSegWords
		launches = append(launches, l)
	}
	if len(launches) == 0 {
		return nil
	}
	tb, err := d.uploadTable(table)
	if err != nil {
		return err
	}
	defer tb.Release()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	key := optimKey{Kind: "adamw", Multi: true, Ctrl: ctrl != nil, T: "f32"}
	bind := []access{readWrite, readOnly, readWrite, readWrite, readOnly}
	if ctrl != nil {
		bind = append(bind, readOnly)
	}
	k, err := d.kernel(key, func() kernelSpec {
		return kernelSpec{file: "optim.wgsl", data: key, bind: bind}
	})
	if err != nil {
		return err
	}
	for _, l := range launches {
		var pr params
		pr.int(l.lo).int(l.hi).int(l.blocks)
		x, y := d.grid2D(l.blocks)
		bufs := []*devBuf{l.q.p, l.q.g, l.q.m, l.q.v, tb.buf}
		if ctrl != nil {
			bufs = append(bufs, ctrl.buf)
		}
		if err := d.dispatch(k, &pr, bufs, x, y, 1); err != nil {
			return err
		}
	}
	return nil
}

// EMAParam is one tensor of a multi-tensor EMA: the span [Off, Off+N) of
// Teacher and of Student (one layout).
type EMAParam struct {
	Teacher, Student *Buffer
	Off, N           int
}

// EMAMulti queues teacher ← m·teacher + (1−m)·student (m = momentum) for
// every entry of list, with one dispatch per distinct (Teacher, Student)
// buffer pair: the same packed-arena design as AdamWMulti (a segment table
// of first workgroup, offset and length, 12 bytes per span, searched by
// each workgroup). Spans sharing a teacher buffer must not overlap, and
// Teacher and Student must differ.
func (d *Device) EMAMulti(list []EMAParam, momentum float64) error {
	return d.emaMulti("gpu.EMAMulti", list, momentum, nil)
}

// EMAMultiCtrl is EMAMulti guarded by the control vector ctrl: when
// ctrl[0] ≠ 0 nothing is written (the teacher does not move on a skipped
// step). A nil ctrl is EMAMulti.
func (d *Device) EMAMultiCtrl(list []EMAParam, momentum float64, ctrl *Buffer) error {
	const op = "gpu.EMAMultiCtrl"
	if ctrl != nil {
		d.checkBuffer(op, "ctrl", ctrl)
		if ctrl.n < 1 {
			panic(fmt.Sprintf("%s: ctrl is empty, want at least the skip flag", op))
		}
	}
	return d.emaMulti(op, list, momentum, ctrl)
}

func (d *Device) emaMulti(op string, list []EMAParam, momentum float64, ctrl *Buffer) error {
	type pair struct{ t, s *devBuf }
	offs := make([]int, len(list))
	var order []pair
	groups := map[pair][]int{}
	for i, e := range list {
		name := func(s string) string { return fmt.Sprintf("list[%d].%s", i, s) }
		d.checkBuffer(op, name("Teacher"), e.Teacher)
		d.checkBuffer(op, name("Student"), e.Student)
		checkAllDistinct(op, []string{name("Teacher"), name("Student")}, e.Teacher, e.Student)
		checkSpan(op, name("Teacher"), e.Off, e.N, e.Teacher.n)
		checkSpan(op, name("Student"), e.Off, e.N, e.Student.n)
		if e.N == 0 {
			continue
		}
		bufs, off := unview(e.Off, e.Teacher, e.Student)
		q := pair{bufs[0], bufs[1]}
		offs[i] = off
		if _, ok := groups[q]; !ok {
			order = append(order, q)
		}
		groups[q] = append(groups[q], i)
	}
	var table []uint32
	type launch struct {
		q              pair
		lo, hi, blocks int
	}
	var launches []launch
	for _, q := range order {
		idx := groups[q]
		checkNoOverlap(op, idx, func(i int) (int, int) { return offs[i], list[i].N })
		l := launch{q: q, lo: len(table) / 3}
		for _, i := range idx {
			e := list[i]
			table = append(table, uint32(l.blocks), uint32(offs[i]), uint32(e.N))
			l.blocks += (e.N + multiBlock - 1) / multiBlock
		}
		l.hi = len(table) / 3
		launches = append(launches, l)
	}
	if len(launches) == 0 {
		return nil
	}
	tb, err := d.uploadTable(table)
	if err != nil {
		return err
	}
	defer tb.Release()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	key := optimKey{Kind: "ema", Multi: true, Ctrl: ctrl != nil, T: "f32"}
	bind := []access{readWrite, readOnly, readOnly}
	if ctrl != nil {
		bind = append(bind, readOnly)
	}
	k, err := d.kernel(key, func() kernelSpec {
		return kernelSpec{file: "optim.wgsl", data: key, bind: bind}
	})
	if err != nil {
		return err
	}
	for _, l := range launches {
		var pr params
		pr.int(l.lo).int(l.hi).int(l.blocks).f32(momentum).f32(1 - momentum)
		x, y := d.grid2D(l.blocks)
		bufs := []*devBuf{l.q.t, l.q.s, tb.buf}
		if ctrl != nil {
			bufs = append(bufs, ctrl.buf)
		}
		if err := d.dispatch(k, &pr, bufs, x, y, 1); err != nil {
			return err
		}
	}
	return nil
}

// unview returns what a multi-tensor launch binds for the span starting at
// off of the buffers bs (views or whole buffers), and the span's offset
// there: the allocations themselves when the buffers all lie at one offset
// in theirs (so spans of views of the same arenas share a dispatch), else
// the buffers as given.
func unview(off int, bs ...*Buffer) ([]*devBuf, int) {
	out := make([]*devBuf, len(bs))
	same := true
	for _, b := range bs[1:] {
		same = same && b.off == bs[0].off
	}
	for i, b := range bs {
		if same {
			out[i] = b.alloc()
		} else {
			out[i] = b.buf
		}
	}
	if same {
		off += bs[0].off
	}
	return out, off
}

// uploadTable copies a host table of 32-bit words into a fresh pooled
// buffer (released by the caller once the op using it is queued).
func (d *Device) uploadTable(words []uint32) (*Buffer, error) {
	b, err := d.Alloc(len(words))
	if err != nil {
		return nil, err
	}
	if err := d.UploadUint32(b, words); err != nil {
		b.Release()
		return nil, err
	}
	return b, nil
}

func f2u(v float64) uint32 { return math.Float32bits(float32(v)) }

func b2u(v bool) uint32 {
	if v {
		return 1
	}
	return 0
}

// checkSpan panics unless [off, off+n) lies within a buffer of length size.
func checkSpan(op, what string, off, n, size int) {
	if off < 0 || n < 0 || off+n > size {
		panic(fmt.Sprintf("%s: span [%d,%d) of %s is outside its %d elements", op, off, off+n, what, size))
	}
}

// checkNoOverlap panics when two of the spans (of entries idx) overlap.
func checkNoOverlap(op string, idx []int, span func(i int) (off, n int)) {
	s := append([]int(nil), idx...)
	sort.Slice(s, func(a, b int) bool { oa, _ := span(s[a]); ob, _ := span(s[b]); return oa < ob })
	for k := 1; k < len(s); k++ {
		o0, n0 := span(s[k-1])
		o1, _ := span(s[k])
		if o0+n0 > o1 {
			panic(fmt.Sprintf("%s: spans of list[%d] [%d,%d) and list[%d] (from %d) overlap in one buffer", op, s[k-1], o0, o0+n0, s[k], o1))
		}
	}
}

// checkAllDistinct panics when two of the buffers share memory.
func checkAllDistinct(op string, names []string, bufs ...*Buffer) {
	for i := range bufs {
		for j := i + 1; j < len(bufs); j++ {
			if bufs[i].overlaps(bufs[j]) {
				panic(fmt.Sprintf("%s: %s and %s are the same buffer or overlapping views", op, names[i], names[j]))
			}
		}
	}
}
