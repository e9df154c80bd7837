package tensor

import "github.com/gocx/gocx/kernels/gpu"

// The arena operators of a GPU device: views are gpu.Buffer views of the
// arena's buffer, and the operators are the guarded multi-tensor kernels of
// kernels/gpu on the arena buffers (one dispatch for every span).

func (b gpuBackend) viewAlign() int { return b.g.dev.ViewAlign() }

func (b gpuBackend) view(root *storage, off, n int) *storage {
	v, err := buf(root).View(off, n)
	b.fail("tensor.NewArena", err)
	return &storage{dev: b.g, n: n, gpu: v}
}

func (b gpuBackend) adamWArena(p, g, m, v *storage, spans []arenaSpan, ctrl *storage) {
	list := make([]gpu.AdamWParam, len(spans))
	for i, s := range spans {
		list[i] = gpu.AdamWParam{P: buf(p), G: buf(g), M: buf(m), V: buf(v), Off: s.off, N: s.n, Hyper: s.hyper, Scale: s.scale}
	}
	if ctrl == nil {
		b.fail("tensor.AdamWArena", b.g.dev.AdamWMulti(list))
		return
	}
	b.fail("tensor.AdamWArena", b.g.dev.AdamWMultiCtrl(list, buf(ctrl)))
}

func (b gpuBackend) emaArena(teacher, student *storage, spans [][2]int, momentum float64, ctrl *storage) {
	list := make([]gpu.EMAParam, len(spans))
	for i, s := range spans {
		list[i] = gpu.EMAParam{Teacher: buf(teacher), Student: buf(student), Off: s[0], N: s[1]}
	}
	if ctrl == nil {
		b.fail("tensor.EMAArena", b.g.dev.EMAMulti(list, momentum))
		return
	}
	b.fail("tensor.EMAArena", b.g.dev.EMAMultiCtrl(list, momentum, buf(ctrl)))
}

func (b gpuBackend) sumSquaresSpans(dst, src *storage, spans [][2]int) {
	b.fail("tensor.SumSquaresRanges", b.g.dev.SumSquaresSpans(buf(dst), buf(src), spans))
}

func (b gpuBackend) clipControl(ctrl, sumsq, watch *storage, maxNorm float64) {
	var w *gpu.Buffer
	nw := 0
	if watch != nil {
		w, nw = buf(watch), watch.n
	}
	b.fail("tensor.ClipControl", b.g.dev.ClipControl(buf(ctrl), buf(sumsq), w, sumsq.n, nw, maxNorm))
}
