package tensor

import (
	"fmt"
	"slices"

	"github.com/gocx/gocx/kernels"
)

// Arena is one device buffer holding many tensors (views) at aligned
// offsets. Each view behaves as an ordinary tensor for every operator,
// while operators on the whole arena (AdamWArena, EMAArena,
// SumSquaresRanges) reach every view in one dispatch on a GPU: an
// optimiser keeps its parameters, gradients and moments in four arenas of
// one layout and updates all parameters at once.
//
// Layout: view i starts at Offset(i), a multiple of the device's view
// alignment (at least 4 elements, so every view is 16-byte aligned), in
// the order of the shapes; the elements between views (padding) are zero
// and stay zero, since no operator on a view touches them.
//
// Memory: the arena and each view storage hold references on the arena's
// buffer, which is freed when the arena and every tensor of its views are
// released. Views of one view index share one storage, so a GPU binds the
// same buffer range step after step and its bind group cache keeps
// hitting.
type Arena struct {
	dev      Device
	root     *storage   // the whole buffer
	views    []*storage // view i; the arena holds one reference on each
	shapes   [][]int
	offs     []int
	size     int
	released bool
}

// arenaOps are the arena operators a device backend provides (embedded in
// backend). Offsets and spans are in elements of the arena buffers.
type arenaOps interface {
	// viewAlign is the alignment of view offsets in elements.
	viewAlign() int
	// view returns a storage aliasing root[off, off+n); it does not
	// touch reference counts.
	view(root *storage, off, n int) *storage
	// adamWArena steps the spans of p, g, m, v (arena buffers of one
	// layout), scaled and guarded by ctrl when it is not nil.
	adamWArena(p, g, m, v *storage, spans []arenaSpan, ctrl *storage)
	// emaArena moves teacher[off, off+n) towards student for each
	// {off, n} of spans, unless ctrl says skip.
	emaArena(teacher, student *storage, spans [][2]int, momentum float64, ctrl *storage)
	// sumSquaresSpans sets dst[j] = Σ src[lo:hi]² for spans[j] = {lo, hi}.
	sumSquaresSpans(dst, src *storage, spans [][2]int)
	// clipControl writes the control vector (1 + sumsq.n values).
	clipControl(ctrl, sumsq, watch *storage, maxNorm float64)
}

// arenaSpan is one AdamW span in arena coordinates.
type arenaSpan struct {
	off, n int
	hyper  kernels.AdamWHyper
	scale  int
}

// NewArena allocates a zero-filled arena on dev with one view per shape.
// A negative dimension or an arena beyond the device's limits is an error.
func NewArena(dev Device, shapes [][]int) (a *Arena, err error) {
	for i, s := range shapes {
		if err := checkShape(s); err != nil {
			return nil, fmt.Errorf("tensor.NewArena: shape %d: %w", i, err)
		}
	}
	be := dev.backend()
	align := be.viewAlign()
	for align%4 != 0 { // the least multiple of 4 that the device accepts
		align += be.viewAlign()
	}
	a = &Arena{dev: dev}
	for _, s := range shapes {
		a.size = (a.size + align - 1) / align * align
		a.offs = append(a.offs, a.size)
		a.shapes = append(a.shapes, slices.Clone(s))
		a.size += numel("tensor.NewArena", s)
	}
	if err := Try(func() { a.root = be.alloc("tensor.NewArena", a.size) }); err != nil {
		return nil, err
	}
	a.root.refs.Store(1)
	be.zero(a.root)
	for i, s := range a.shapes {
		v := be.view(a.root, a.offs[i], numel("tensor.NewArena", s))
		v.parent = a.root
		v.refs.Store(1)
		a.root.refs.Add(1)
		a.views = append(a.views, v)
	}
	return a, nil
}

// PackArena returns a new arena holding copies of ts (their shapes, in
// order). The tensors must live on one device and not be released.
func PackArena(ts []*Tensor) (*Arena, error) {
	if len(ts) == 0 {
		return nil, fmt.Errorf("tensor.PackArena: no tensors (the device is unknown)")
	}
	shapes := make([][]int, len(ts))
	for i, t := range ts {
		if t == nil || t.st == nil {
			return nil, fmt.Errorf("tensor.PackArena: tensor %d is nil or released", i)
		}
		if t.st.dev != ts[0].st.dev {
			return nil, fmt.Errorf("tensor.PackArena: tensor %d is on %s, tensor 0 on %s", i, t.st.dev, ts[0].st.dev)
		}
		shapes[i] = t.shape
	}
	a, err := NewArena(ts[0].st.dev, shapes)
	if err != nil {
		return nil, err
	}
	be := a.dev.backend()
	for i, t := range ts {
		be.copy(a.views[i], t.st)
	}
	return a, nil
}

// Len is the number of views.
func (a *Arena) Len() int { return len(a.shapes) }

// Views returns a new tensor for every view, in order; the caller owns
// (and releases) each. Tensors of one view share its storage.
func (a *Arena) Views() []*Tensor {
	a.mustLive("tensor.Arena.Views")
	out := make([]*Tensor, len(a.views))
	for i, v := range a.views {
		v.refs.Add(1)
		out[i] = &Tensor{shape: slices.Clone(a.shapes[i]), st: v}
	}
	return out
}

// Offset returns the element offset of view i in the arena.
func (a *Arena) Offset(i int) int { return a.offs[i] }

// Size is the number of elements of the arena, padding included.
func (a *Arena) Size() int { return a.size }

// Device returns the device the arena lives on.
func (a *Arena) Device() Device { return a.dev }

// SameLayout reports whether b has a's views at a's offsets (the same
// shapes, in order, on a device of the same alignment).
func (a *Arena) SameLayout(b *Arena) bool {
	return a.size == b.size && slices.Equal(a.offs, b.offs) &&
		slices.EqualFunc(a.shapes, b.shapes, func(x, y []int) bool { return slices.Equal(x, y) })
}

// Zero clears the whole arena (one fill; the padding stays zero).
func (a *Arena) Zero() {
	a.mustLive("tensor.Arena.Zero")
	a.dev.backend().zero(a.root)
}

// Release drops the arena's references. The buffer is freed once every
// tensor of its views has been released too; the arena itself must not be
// used afterwards. Releasing twice panics.
func (a *Arena) Release() {
	a.mustLive("tensor.Arena.Release")
	a.released = true
	for _, v := range a.views {
		releaseStorage(v)
	}
	releaseStorage(a.root)
}

func (a *Arena) mustLive(op string) {
	if a.released {
		panic(op + ": the arena was released")
	}
}

// releaseStorage drops one reference to st; the last frees it and, for an
// arena view, drops the view's reference on the arena's buffer.
func releaseStorage(st *storage) {
	switch r := st.refs.Add(-1); {
	case r == 0:
		st.dev.backend().free(st)
		if p := st.parent; p != nil {
			st.parent = nil
			releaseStorage(p)
		}
	case r < 0:
		panic("tensor.Release: storage released twice")
	}
}

// ArenaSpan is one view of an AdamWArena step with its hyper-parameters
// and the index in ctrl of its gradient multiplier.
type ArenaSpan struct {
	View  int                // view index
	Hyper kernels.AdamWHyper // its group's lr, weight decay, step, …
	Scale int                // index into ctrl of the gradient multiplier (ignored when ctrl == nil)
}

// AdamWArena applies one PyTorch AdamW step (see AdamW) to the listed
// views of the parameter arena p, in place, with gradients g and moments
// m, v (four different arenas of one layout). With a control vector ctrl
// (from ClipControl) the step is guarded and scaled:
//
//	if ctrl[0] ≠ 0: nothing is written
//	else view s.View steps with g_eff = g·ctrl[s.Scale] (a float32 product)
//
// With ctrl nil (no scaling, no skip), or ctrl[s.Scale] = 1, every view
// gets exactly the bits tensor.AdamW would give it. On a GPU the whole
// step is one dispatch. Mixed devices, differing layouts, a view listed
// twice or out of range, and a Scale outside [1, ctrl.Numel()) panic.
func AdamWArena(p, g, m, v *Arena, spans []ArenaSpan, ctrl *Tensor) {
	const op = "tensor.AdamWArena"
	be := sameArenas(op, ctrl, p, g, m, v)
	if p == g || p == m || p == v || g == m || g == v || m == v {
		panic(op + ": p, g, m and v must be four different arenas")
	}
	seen := make([]bool, p.Len())
	list := make([]arenaSpan, len(spans))
	for i, s := range spans {
		if s.View < 0 || s.View >= p.Len() {
			panic(fmt.Sprintf("%s: spans[%d].View=%d is not a view of the arena (%d views)", op, i, s.View, p.Len()))
		}
		if seen[s.View] {
			panic(fmt.Sprintf("%s: view %d is listed twice", op, s.View))
		}
		seen[s.View] = true
		if s.Hyper.Step < 1 {
			panic(fmt.Sprintf("%s: spans[%d]: Step=%d, want ≥ 1 (the step number after incrementing)", op, i, s.Hyper.Step))
		}
		if ctrl != nil {
			kernels.CheckScale(op, fmt.Sprintf("spans[%d]", i), s.Scale, ctrl.st.n)
		}
		list[i] = arenaSpan{off: p.offs[s.View], n: p.views[s.View].n, hyper: s.Hyper, scale: s.Scale}
	}
	be.adamWArena(p.root, g.root, m.root, v.root, list, ctrlStorage(ctrl))
}

// EMAArena moves the teacher towards the student, in place, over the
// views [lo, hi) of every range:
//
//	teacher ← m·teacher + (1−m)·student,  m = momentum
//
// unless ctrl (from ClipControl; may be nil) has its skip flag set, when
// nothing is written. teacher and student are two arenas of one layout; a
// range covers the padding between its views too (zero in both, so it
// stays zero), which makes each range one span. Ranges must not overlap;
// out-of-range ranges, differing layouts and mixed devices panic.
func EMAArena(teacher, student *Arena, ranges [][2]int, momentum float64, ctrl *Tensor) {
	const op = "tensor.EMAArena"
	be := sameArenas(op, ctrl, teacher, student)
	if teacher == student {
		panic(op + ": teacher and student are the same arena")
	}
	if ctrl != nil && ctrl.st.n < 1 {
		panic(op + ": ctrl is empty, want at least the skip flag")
	}
	spans := teacher.rangeSpans(op, ranges)
	list := make([][2]int, 0, len(spans))
	for _, s := range spans {
		if s[1] > s[0] {
			list = append(list, [2]int{s[0], s[1] - s[0]})
		}
	}
	var used [][2]int // the non-empty ranges, by first view
	for _, r := range ranges {
		if r[1] > r[0] {
			used = append(used, r)
		}
	}
	slices.SortFunc(used, func(x, y [2]int) int { return x[0] - y[0] })
	for k := 1; k < len(used); k++ {
		if used[k-1][1] > used[k][0] {
			panic(fmt.Sprintf("%s: ranges of views [%d,%d) and [%d,%d) overlap", op, used[k-1][0], used[k-1][1], used[k][0], used[k][1]))
		}
	}
	be.emaArena(teacher.root, student.root, list, momentum, ctrlStorage(ctrl))
}

// SumSquaresRanges returns, for every range j of views [lo, hi) of src,
//
//	out[j] = Σ x² over the elements of views lo … hi−1
//
// (the padding between them is zero and may be included), as a tensor of
// shape (len(ranges)) on src's device: the per-module squared gradient
// norms of a clipped step, in one or two dispatches on a GPU whatever the
// number of ranges, with a fixed order of summation. An empty range gives
// 0; ranges may overlap; out-of-range ranges panic.
func SumSquaresRanges(src *Arena, ranges [][2]int) *Tensor {
	const op = "tensor.SumSquaresRanges"
	src.mustLive(op)
	spans := src.rangeSpans(op, ranges)
	out := newTensor(op, src.dev, []int{len(ranges)})
	if len(ranges) > 0 {
		src.dev.backend().sumSquaresSpans(out.st, src.root, spans)
	}
	return out
}

// ClipControl returns the control vector of a guarded step, shape
// (1 + sumsq.Numel()), from the per-group sums of squared gradients (from
// SumSquaresRanges): for group j,
//
//	total_j   = √sumsq[j]
//	ctrl[1+j] = maxNorm/(total_j + 10⁻⁶) if that is < 1, else exactly 1
//	ctrl[0]   = 1 if any total_j or any element of watch is NaN or ±Inf,
//	            else 0
//
// — torch.nn.utils.clip_grad_norm_ per group plus a non-finite guard over
// watch (the loss, say; nil watches nothing). It runs on the device (no
// read-back); AdamWArena and EMAArena take the result. maxNorm = +Inf
// never clips; a NaN or negative maxNorm and mixed devices panic.
func ClipControl(sumsq, watch *Tensor, maxNorm float64) *Tensor {
	const op = "tensor.ClipControl"
	kernels.CheckMaxNorm(op, maxNorm)
	be := sameDevice(op, sumsq)
	if watch != nil {
		be = sameDevice(op, sumsq, watch)
	}
	out := newTensor(op, sumsq.st.dev, []int{1 + sumsq.st.n})
	be.clipControl(out.st, sumsq.st, ctrlStorage(watch), maxNorm)
	return out
}

// rangeSpans turns ranges of views into element spans {lo, hi} of the
// arena, panicking (naming op) on a range outside the views.
func (a *Arena) rangeSpans(op string, ranges [][2]int) [][2]int {
	spans := make([][2]int, len(ranges))
	for j, r := range ranges {
		if r[0] < 0 || r[1] < r[0] || r[1] > a.Len() {
			panic(fmt.Sprintf("%s: ranges[%d] = [%d,%d) is not a range of the arena's %d views", op, j, r[0], r[1], a.Len()))
		}
		if r[1] > r[0] {
			last := r[1] - 1
			spans[j] = [2]int{a.offs[r[0]], a.offs[last] + a.views[last].n}
		}
	}
	return spans
}

// sameArenas checks that the arenas are live, on one device with ctrl
// (when not nil) and of one layout, and returns that device's backend.
func sameArenas(op string, ctrl *Tensor, as ...*Arena) backend {
	for _, a := range as {
		a.mustLive(op)
		if a.dev != as[0].dev {
			panic(&DeviceMismatchError{Op: op, A: as[0].dev.String(), B: a.dev.String()})
		}
		if !a.SameLayout(as[0]) {
			panic(fmt.Sprintf("%s: arenas of different layouts (%d views in %d elements and %d views in %d elements)",
				op, as[0].Len(), as[0].size, a.Len(), a.size))
		}
	}
	if ctrl != nil && ctrl.st.dev != as[0].dev {
		panic(&DeviceMismatchError{Op: op, A: as[0].dev.String(), B: ctrl.st.dev.String()})
	}
	return as[0].dev.backend()
}

func ctrlStorage(t *Tensor) *storage {
	if t == nil {
		return nil
	}
	return t.st
}
