package tensor

import "github.com/gocx/gocx/kernels/cpu"

// The arena operators of the CPU device: views are sub-slices of the
// arena's slice, and the operators run the multi-tensor kernels of
// kernels/cpu over the arena slices.

// viewAlign keeps every CPU view 64-byte aligned (a cache line).
func (cpuBackend) viewAlign() int { return 16 }

func (cpuBackend) view(root *storage, off, n int) *storage {
	return &storage{dev: CPU, n: n, cpu: root.cpu[off : off+n : off+n]}
}

func (cpuBackend) adamWArena(p, g, m, v *storage, spans []arenaSpan, ctrl *storage) {
	list := make([]cpu.AdamWParam, len(spans))
	for i, s := range spans {
		list[i] = cpu.AdamWParam{P: p.cpu, G: g.cpu, M: m.cpu, V: v.cpu, Off: s.off, N: s.n, Hyper: s.hyper, Scale: s.scale}
	}
	cpu.AdamWMultiCtrl(list, cpuSlice(ctrl))
}

func (cpuBackend) emaArena(teacher, student *storage, spans [][2]int, momentum float64, ctrl *storage) {
	list := make([]cpu.EMAParam, len(spans))
	for i, s := range spans {
		list[i] = cpu.EMAParam{Teacher: teacher.cpu, Student: student.cpu, Off: s[0], N: s[1]}
	}
	cpu.EMAMultiCtrl(list, momentum, cpuSlice(ctrl))
}

func (cpuBackend) sumSquaresSpans(dst, src *storage, spans [][2]int) {
	cpu.SumSquaresSpans(dst.cpu, src.cpu, spans)
}

func (cpuBackend) clipControl(ctrl, sumsq, watch *storage, maxNorm float64) {
	cpu.ClipControl(ctrl.cpu, sumsq.cpu, cpuSlice(watch), maxNorm)
}

// cpuSlice is s's slice, or nil for a nil storage.
func cpuSlice(s *storage) []float32 {
	if s == nil {
		return nil
	}
	return s.cpu
}
