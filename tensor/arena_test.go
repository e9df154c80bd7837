package tensor

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/ref"
)

// arenaShapes are the view shapes of the arena tests: a weight and its
// bias, a single element, an empty view, a prime length, a 3-D block and
// a long vector.
var arenaShapes = [][]int{{3, 5}, {1}, {0}, {3}, {7}, {2, 2, 3}, {131}}

// fillViews loads random values into every view and returns them.
func fillViews(rng *RNG, views []*Tensor) [][]float32 {
	out := make([][]float32, len(views))
	for i, v := range views {
		out[i], _ = randData(rng, v.Numel())
		v.Load(out[i])
	}
	return out
}

func releaseAll(ts []*Tensor) {
	for _, t := range ts {
		t.Release()
	}
}

// bitsEqual reports whether a and b are equal bit for bit.
func bitsEqual(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

// liveBuffers is the number of live GPU buffers of dev (0 on the CPU).
func liveBuffers(dev Device) int64 {
	if g, ok := dev.(*GPU); ok {
		return g.Kernels().Stats().Live
	}
	return 0
}

// arenaData returns the whole buffer of a, padding included.
func arenaData(a *Arena) []float32 {
	out := make([]float32, a.Size())
	a.dev.backend().download(out, a.root)
	return out
}

// TestArenaViews checks the layout (aligned, ordered offsets, zero
// padding), that views are tensors every operator, Reshape, CopyFrom and
// Zero handle, and that the buffer lives until the arena and every view
// are released.
func TestArenaViews(t *testing.T) {
	for _, dev := range testDevices(t) {
		rng := NewRNG(7)
		live := liveBuffers(dev)
		a, err := NewArena(dev, arenaShapes)
		if err != nil {
			t.Fatal(err)
		}
		al := dev.backend().viewAlign()
		end := 0
		for i, s := range arenaShapes {
			off := a.Offset(i)
			if off < end || off%al != 0 || off%4 != 0 {
				t.Errorf("%s: view %d at %d (previous end %d, alignment %d)", dev, i, off, end, al)
			}
			end = off + numel("test", s)
		}
		if a.Size() != end || a.Len() != len(arenaShapes) || a.Device() != dev {
			t.Errorf("%s: Size %d Len %d, want %d %d", dev, a.Size(), a.Len(), end, len(arenaShapes))
		}
		if slices.ContainsFunc(arenaData(a), func(x float32) bool { return x != 0 }) {
			t.Errorf("%s: a new arena is not zero", dev)
		}
		views := a.Views()
		data := fillViews(rng, views)
		want := make([]float32, a.Size())
		for i, v := range views {
			if !slices.Equal(v.Shape(), arenaShapes[i]) || !bitsEqual(v.Data(), data[i]) {
				t.Errorf("%s: view %d: shape %v, or its data differ after Load", dev, i, v.Shape())
			}
			copy(want[a.Offset(i):], data[i])
		}
		if !bitsEqual(arenaData(a), want) {
			t.Errorf("%s: arena contents differ from the views placed at their offsets with zero padding", dev)
		}

		// Linear with weight and bias views against plain copies.
		x, _ := randData(rng, 4*5)
		xt := MustFromSlice(dev, x, 4, 5)
		w, b := MustFromSlice(dev, data[0], 3, 5), MustFromSlice(dev, data[3], 3)
		y, yw := Linear(xt, views[0], views[3]), Linear(xt, w, b)
		if !bitsEqual(y.Data(), yw.Data()) {
			t.Errorf("%s: Linear on views differs from Linear on tensors", dev)
		}
		// In place through a reshape of a view, and CopyFrom into a view.
		r := views[6].Reshape(1, 131)
		ScaleInPlace(r, 2)
		doubled := views[6].Data()
		for i, v := range data[6] {
			if doubled[i] != 2*v {
				t.Fatalf("%s: ScaleInPlace through a reshaped view: [%d] = %v, want %v", dev, i, doubled[i], 2*v)
			}
		}
		seven := MustFromSlice(dev, []float32{1, 2, 3, 4, 5, 6, 7}, 7)
		views[4].CopyFrom(seven)
		if got := views[4].Data(); got[6] != 7 || !bitsEqual(views[5].Data(), data[5]) {
			t.Errorf("%s: CopyFrom into a view: %v, or its neighbour changed", dev, got)
		}

		// References: the arena goes first, the views keep the buffer.
		a.Release()
		if !bitsEqual(views[0].Data(), data[0]) {
			t.Errorf("%s: a view lost its data when the arena was released", dev)
		}
		clear(want)
		for _, tt := range append(views[:6], xt, w, b, y, yw, seven) {
			tt.Release()
		}
		if dev.IsGPU() && liveBuffers(dev) != live+1 {
			t.Errorf("%s: %d live buffers with one view left, want %d", dev, liveBuffers(dev), live+1)
		}
		r.Release() // the buffer outlives every view but one
		if dev.IsGPU() && liveBuffers(dev) != live+1 {
			t.Errorf("%s: the arena buffer was freed while a view was alive", dev)
		}
		views[6].Release()
		if liveBuffers(dev) != live {
			t.Errorf("%s: %d live buffers after releasing everything, want %d", dev, liveBuffers(dev), live)
		}
		arenaPanics(t, "released", func() { a.Release() })
		arenaPanics(t, "released", func() { a.Views() })
	}
}

func TestArenaZeroAndPack(t *testing.T) {
	for _, dev := range testDevices(t) {
		rng := NewRNG(8)
		var ts []*Tensor
		var data [][]float32
		for _, s := range arenaShapes {
			d, _ := randData(rng, numel("test", s))
			ts = append(ts, MustFromSlice(dev, d, s...))
			data = append(data, d)
		}
		a, err := PackArena(ts)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := NewArena(dev, arenaShapes)
		if !a.SameLayout(b) {
			t.Errorf("%s: PackArena and NewArena of the same shapes differ in layout", dev)
		}
		c, _ := NewArena(dev, arenaShapes[1:])
		if a.SameLayout(c) {
			t.Errorf("%s: arenas of different shapes have the same layout", dev)
		}
		views := a.Views()
		for i, v := range views {
			if !bitsEqual(v.Data(), data[i]) {
				t.Errorf("%s: packed view %d differs from its tensor", dev, i)
			}
		}
		a.Zero()
		for i, v := range views {
			if slices.ContainsFunc(v.Data(), func(x float32) bool { return x != 0 }) {
				t.Errorf("%s: view %d not zero after Zero", dev, i)
			}
		}
		releaseAll(views)
		releaseAll(ts)
		for _, x := range []*Arena{a, b, c} {
			x.Release()
		}
	}
	if _, err := PackArena(nil); err == nil {
		t.Error("PackArena(nil) gave no error")
	}
	x := Zeros(CPU, 2)
	y := &Tensor{shape: []int{2}, st: &storage{dev: fakeDevice{}, n: 2}}
	if _, err := PackArena([]*Tensor{x, y}); err == nil || !strings.Contains(err.Error(), "fake") {
		t.Errorf("PackArena of mixed devices: err %v", err)
	}
	x.Release()
	if _, err := PackArena([]*Tensor{x}); err == nil || !strings.Contains(err.Error(), "released") {
		t.Errorf("PackArena of a released tensor: err %v", err)
	}
	if _, err := NewArena(CPU, [][]int{{2}, {-1, 3}}); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Errorf("NewArena with a negative dimension: err %v", err)
	}
	for _, dev := range testDevices(t) {
		if g, ok := dev.(*GPU); ok {
			var de *DeviceError
			if _, err := NewArena(dev, [][]int{{1}, {g.Kernels().MaxLen()}}); !errors.As(err, &de) {
				t.Errorf("%s: an arena beyond the device limit: err %v, want a *DeviceError", dev, err)
			}
		}
	}
}

// optimState is a parameter set in four arenas with random p, g, m and
// v ≥ 0, plus the per-tensor copies the checks compare with.
type optimState struct {
	p, g, m, v     *Arena
	tp, tg, tm, tv []*Tensor // plain tensors holding the same values
	pv, gv, mv, vv []*Tensor // the views
}

func newOptimState(t *testing.T, dev Device, seed uint64) *optimState {
	t.Helper()
	rng := NewRNG(seed)
	s := &optimState{}
	arenas := []**Arena{&s.p, &s.g, &s.m, &s.v}
	plain := []*[]*Tensor{&s.tp, &s.tg, &s.tm, &s.tv}
	views := []*[]*Tensor{&s.pv, &s.gv, &s.mv, &s.vv}
	for k := range arenas {
		a, err := NewArena(dev, arenaShapes)
		if err != nil {
			t.Fatal(err)
		}
		*arenas[k] = a
		*views[k] = a.Views()
		for i, v := range *views[k] {
			d, _ := randData(rng, v.Numel())
			if k == 3 {
				for j := range d {
					d[j] *= d[j]
				}
			}
			v.Load(d)
			*plain[k] = append(*plain[k], MustFromSlice(dev, d, arenaShapes[i]...))
		}
	}
	return s
}

func (s *optimState) release() {
	for _, l := range [][]*Tensor{s.tp, s.tg, s.tm, s.tv, s.pv, s.gv, s.mv, s.vv} {
		releaseAll(l)
	}
	for _, a := range []*Arena{s.p, s.g, s.m, s.v} {
		a.Release()
	}
}

// arenaHyper gives view i its own hyper-parameters (a parameter group).
func arenaHyper(i int) kernels.AdamWHyper {
	h := kernels.AdamWHyper{LR: 0.05, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.04, Step: 3}
	if i%2 == 1 {
		h.LR, h.WeightDecay, h.Beta1 = 0.2, 0, 0.3
	}
	return h
}

// TestAdamWArena: AdamWArena equals tensor.AdamW per tensor bit for bit
// with ctrl nil and with multipliers 1; with a multiplier c it equals
// tensor.AdamW on the gradient scaled by c; a set skip flag changes
// nothing; views not listed are not touched.
func TestAdamWArena(t *testing.T) {
	for _, dev := range testDevices(t) {
		for _, mode := range []string{"nil ctrl", "multiplier 1", "multiplier 0.37", "skip"} {
			s := newOptimState(t, dev, 9)
			var spans []ArenaSpan
			for i := range arenaShapes {
				if i != 4 { // view 4 is not stepped
					spans = append(spans, ArenaSpan{View: i, Hyper: arenaHyper(i), Scale: 1 + i%2})
				}
			}
			var ctrl *Tensor
			c := float32(1)
			switch mode {
			case "multiplier 1":
				ctrl = MustFromSlice(dev, []float32{0, 1, 1}, 3)
			case "multiplier 0.37":
				c = 0.37
				ctrl = MustFromSlice(dev, []float32{0, 1, c}, 3)
			case "skip":
				ctrl = MustFromSlice(dev, []float32{1, 1, 1}, 3)
			}
			before := [][]float32{}
			for _, v := range s.pv {
				before = append(before, v.Data())
			}
			AdamWArena(s.p, s.g, s.m, s.v, spans, ctrl)
			for _, sp := range spans {
				i := sp.View
				if mode != "skip" {
					g := s.tg[i]
					if sp.Scale == 2 && c != 1 {
						g = Scale(g, float64(c))
						defer g.Release()
					}
					AdamW(s.tp[i], g, s.tm[i], s.tv[i], sp.Hyper)
				}
				for k, pair := range [][2]*Tensor{{s.pv[i], s.tp[i]}, {s.mv[i], s.tm[i]}, {s.vv[i], s.tv[i]}} {
					if !bitsEqual(pair[0].Data(), pair[1].Data()) {
						t.Errorf("%s, %s: view %d: %c differs from tensor.AdamW", dev, mode, i, "pmv"[k])
					}
				}
			}
			if !bitsEqual(s.pv[4].Data(), before[4]) {
				t.Errorf("%s, %s: a view not listed changed", dev, mode)
			}
			if ctrl != nil {
				ctrl.Release()
			}
			s.release()
		}
	}
}

// TestEMAArena: the ranges move (bit for bit as tensor.EMA per view), the
// views outside them and the padding do not, and a skip flag stops all.
func TestEMAArena(t *testing.T) {
	for _, dev := range testDevices(t) {
		for _, skip := range []bool{false, true} {
			rng := NewRNG(10)
			teacher, _ := NewArena(dev, arenaShapes)
			student, _ := NewArena(dev, arenaShapes)
			tv, sv := teacher.Views(), student.Views()
			td, _ := fillViews(rng, tv), fillViews(rng, sv)
			const mom = 0.99
			ranges := [][2]int{{0, 2}, {3, 3}, {5, 7}}
			flag := float32(0)
			if skip {
				flag = 1
			}
			ctrl := MustFromSlice(dev, []float32{flag}, 1)
			EMAArena(teacher, student, ranges, mom, ctrl)
			for i, v := range tv {
				moved := (i < 2 || i >= 5) && !skip
				want := MustFromSlice(dev, td[i], arenaShapes[i]...)
				if moved {
					EMA(want, sv[i], mom)
				}
				if !bitsEqual(v.Data(), want.Data()) {
					t.Errorf("%s skip=%v: teacher view %d: moved=%v expected, got other values", dev, skip, i, moved)
				}
				want.Release()
			}
			whole := arenaData(teacher)
			for i := range arenaShapes {
				end := teacher.Size()
				if i+1 < teacher.Len() {
					end = teacher.Offset(i + 1)
				}
				for k := teacher.Offset(i) + tv[i].Numel(); k < end; k++ {
					if whole[k] != 0 {
						t.Fatalf("%s: padding element %d is %v", dev, k, whole[k])
					}
				}
			}
			ctrl.Release()
			releaseAll(tv)
			releaseAll(sv)
			teacher.Release()
			student.Release()
		}
	}
}

// TestSumSquaresAndClip: SumSquaresRanges against the float64 reference
// over ranges of views (empty, one view, several, all), ClipControl
// against ref, and CPU and GPU agreeing.
func TestSumSquaresAndClip(t *testing.T) {
	ranges := [][2]int{{0, 0}, {1, 2}, {0, 7}, {3, 6}, {6, 7}, {2, 3}}
	var results [][]float32
	for _, dev := range testDevices(t) {
		rng := NewRNG(11)
		a, _ := NewArena(dev, arenaShapes)
		views := a.Views()
		data := fillViews(rng, views)
		ss := SumSquaresRanges(a, ranges)
		mustShape("test", "sumsq", ss, len(ranges))
		want := make([]float64, len(ranges))
		for j, r := range ranges {
			for i := r[0]; i < r[1]; i++ {
				for _, x := range data[i] {
					want[j] += float64(x) * float64(x)
				}
			}
		}
		got := ss.Data()
		for j := range ranges {
			if e := math.Abs(float64(got[j])-want[j]) / math.Max(want[j], 1e-30); e > 2e-6 {
				t.Errorf("%s: range %v: %v, want %v", dev, ranges[j], got[j], want[j])
			}
		}
		loss := MustFromSlice(dev, []float32{1.5}, 1)
		for _, maxNorm := range []float64{0.5, 3, 8, math.Inf(1)} {
			ctrl := ClipControl(ss, loss, maxNorm)
			mustShape("test", "ctrl", ctrl, 1+len(ranges))
			wc := make([]float64, 1+len(ranges))
			ref.ClipControl(wc, arenaTo64(got), []float64{1.5}, maxNorm)
			if e := relErr(ctrl.Data(), wc); e > 1e-6 {
				t.Errorf("%s: ClipControl(maxNorm %v) = %v, want %v", dev, maxNorm, ctrl.Data(), wc)
			}
			ctrl.Release()
		}
		loss.Load([]float32{float32(math.NaN())})
		ctrl := ClipControl(ss, loss, 1)
		if ctrl.Data()[0] != 1 {
			t.Errorf("%s: a NaN loss does not set the skip flag", dev)
		}
		ctrl.Release()
		ctrl = ClipControl(ss, nil, 1)
		if ctrl.Data()[0] != 0 {
			t.Errorf("%s: no watch, finite sums: skip flag set", dev)
		}
		results = append(results, got)
		for _, x := range []*Tensor{ss, loss, ctrl} {
			x.Release()
		}
		releaseAll(views)
		a.Release()
	}
	if len(results) == 2 {
		if e := relErr(results[1], arenaTo64(results[0])); e > 1e-6 {
			t.Errorf("SumSquaresRanges: CPU and GPU differ by %.2g", e)
		}
	}
}

// TestGuardedStepCPUvsGPU runs the same clipped, guarded step (sums of
// squares, control vector, AdamW, EMA) on the CPU and on the GPU and
// compares the parameters, moments and teacher.
func TestGuardedStepCPUvsGPU(t *testing.T) {
	devs := testDevices(t)
	if len(devs) < 2 {
		t.Skip("no GPU")
	}
	var res [][][]float32
	for _, dev := range devs {
		s := newOptimState(t, dev, 12)
		teacher, _ := PackArena(s.tp)
		ranges := [][2]int{{0, 4}, {4, 7}}
		ss := SumSquaresRanges(s.g, ranges)
		ctrl := ClipControl(ss, nil, 2)
		var spans []ArenaSpan
		for i := range arenaShapes {
			scale := 1
			if i >= 4 {
				scale = 2
			}
			spans = append(spans, ArenaSpan{View: i, Hyper: arenaHyper(i), Scale: scale})
		}
		AdamWArena(s.p, s.g, s.m, s.v, spans, ctrl)
		EMAArena(teacher, s.p, [][2]int{{0, 7}}, 0.9, ctrl)
		var out [][]float32 // p, m, v, teacher: the views one after the other
		for _, a := range []*Arena{s.p, s.m, s.v, teacher} {
			var all []float32
			views := a.Views()
			for _, v := range views {
				all = append(all, v.Data()...)
			}
			releaseAll(views)
			out = append(out, all)
		}
		if c := ctrl.Data(); c[1] == 1 || c[2] == 1 || c[0] != 0 {
			t.Fatalf("%s: test setup: ctrl %v does not clip both groups", dev, c)
		}
		res = append(res, out)
		ss.Release()
		ctrl.Release()
		teacher.Release()
		s.release()
	}
	for k, name := range []string{"p", "m", "v", "teacher"} {
		if e := relErr(res[1][k], arenaTo64(res[0][k])); e > 1e-5 {
			t.Errorf("guarded step: %s differs between CPU and GPU by %.2g", name, e)
		}
	}
}

func TestArenaPanics(t *testing.T) {
	for _, dev := range testDevices(t) {
		s := newOptimState(t, dev, 13)
		other, _ := NewArena(dev, arenaShapes[1:])
		ctrl := MustFromSlice(dev, []float32{0, 1}, 2)
		h := arenaHyper(0)
		for _, c := range []struct {
			name, want string
			f          func()
		}{
			{"layouts", "tensor.AdamWArena: arenas of different layouts", func() { AdamWArena(s.p, s.g, s.m, other, nil, nil) }},
			{"same arena", "four different arenas", func() { AdamWArena(s.p, s.g, s.m, s.m, nil, nil) }},
			{"view range", "spans[0].View=7 is not a view", func() { AdamWArena(s.p, s.g, s.m, s.v, []ArenaSpan{{View: 7, Hyper: h}}, nil) }},
			{"view twice", "view 1 is listed twice", func() {
				AdamWArena(s.p, s.g, s.m, s.v, []ArenaSpan{{View: 1, Hyper: h}, {View: 1, Hyper: h}}, nil)
			}},
			{"scale", "spans[0].Scale=2 is not a multiplier index", func() {
				AdamWArena(s.p, s.g, s.m, s.v, []ArenaSpan{{View: 1, Hyper: h, Scale: 2}}, ctrl)
			}},
			{"step", "Step=0", func() { AdamWArena(s.p, s.g, s.m, s.v, []ArenaSpan{{View: 1}}, nil) }},
			{"ema range", "tensor.EMAArena: ranges[0] = [2,9) is not a range", func() { EMAArena(s.p, s.g, [][2]int{{2, 9}}, 0.9, nil) }},
			{"ema overlap", "ranges of views [0,3) and [2,4) overlap", func() { EMAArena(s.p, s.g, [][2]int{{2, 4}, {0, 3}}, 0.9, nil) }},
			{"ema same", "same arena", func() { EMAArena(s.p, s.p, nil, 0.9, nil) }},
			{"sumsq range", "tensor.SumSquaresRanges: ranges[1] = [3,2)", func() { SumSquaresRanges(s.g, [][2]int{{0, 1}, {3, 2}}) }},
			{"clip maxNorm", "tensor.ClipControl: maxNorm=-1", func() { ClipControl(ctrl, nil, -1) }},
		} {
			t.Run(fmt.Sprint(dev, " ", c.name), func(t *testing.T) { arenaPanics(t, c.want, c.f) })
		}
		if dev.IsGPU() {
			cpuArena, _ := NewArena(CPU, arenaShapes)
			err := Try(func() { EMAArena(cpuArena, s.p, nil, 0.9, nil) })
			var me *DeviceMismatchError
			if !errors.As(err, &me) {
				t.Errorf("EMAArena across devices: err %v", err)
			}
			err = Try(func() { AdamWArena(s.p, s.g, s.m, s.v, nil, MustFromSlice(CPU, []float32{0}, 1)) })
			if !errors.As(err, &me) {
				t.Errorf("AdamWArena with ctrl on another device: err %v", err)
			}
			cpuArena.Release()
		}
		ctrl.Release()
		other.Release()
		s.release()
	}
}

// TestArenaSteadyState repeats 20 training steps on a GPU in which arena
// views are a Linear layer's weight and bias (forward, weight and bias
// gradients written into gradient views), then a clipped, guarded
// AdamWArena and EMAArena, and one read at the end (the skip flag): after
// the first step no buffer, staging buffer, pipeline, bind group or
// parameter block is created.
func TestArenaSteadyState(t *testing.T) {
	var g *GPU
	for _, dev := range testDevices(t) {
		if gg, ok := dev.(*GPU); ok {
			g = gg
		}
	}
	if g == nil {
		t.Skip("no GPU")
	}
	rng := NewRNG(14)
	shapes := [][]int{{6, 5}, {6}}
	var arenas []*Arena
	for range 5 { // p, g, m, v, teacher
		a, err := NewArena(g, shapes)
		if err != nil {
			t.Fatal(err)
		}
		arenas = append(arenas, a)
	}
	p, ga, m, v, teacher := arenas[0], arenas[1], arenas[2], arenas[3], arenas[4]
	pv, gv := p.Views(), ga.Views()
	fillViews(rng, pv)
	xd, _ := randData(rng, 9*5)
	x := MustFromSlice(g, xd, 9, 5)
	spans := []ArenaSpan{{View: 0, Scale: 1}, {View: 1, Scale: 1}}
	step := func(n int) {
		y := Linear(x, pv[0], pv[1]) // (9, 6)
		dy := Scale(y, 0.1)
		Gemm(kernels.Gemm{TransA: true, M: 6, N: 5, K: 9, Alpha: 1}, dy, x, gv[0]) // dW = dyᵀ·x
		db := SumRows(dy)
		gv[1].CopyFrom(db)
		ss := SumSquaresRanges(ga, [][2]int{{0, 1}, {1, 2}})
		ctrl := ClipControl(ss, y, 1)
		for i := range spans {
			spans[i].Hyper = kernels.AdamWHyper{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.04, Step: n}
		}
		AdamWArena(p, ga, m, v, spans, ctrl)
		EMAArena(teacher, p, [][2]int{{0, 2}}, 0.99, ctrl)
		// The host reads the skip flag at the end of the step (it counts
		// the steps taken); nothing is read in the middle of it.
		if ctrl.Data()[0] != 0 {
			t.Fatalf("step %d skipped", n)
		}
		for _, tt := range []*Tensor{ctrl, ss, db, dy, y} {
			tt.Release()
		}
	}
	if err := g.Sync(); err != nil { // the set-up's uploads are done
		t.Fatal(err)
	}
	step(1)
	before := g.Kernels().Stats()
	for n := 2; n <= 20; n++ {
		step(n)
	}
	if err := g.Sync(); err != nil {
		t.Fatal(err)
	}
	after := g.Kernels().Stats()
	if after.Allocations != before.Allocations || after.StagingAllocations != before.StagingAllocations ||
		after.PipelinesCreated != before.PipelinesCreated || after.BindGroupsCreated != before.BindGroupsCreated ||
		after.ParamSlots != before.ParamSlots || after.Live != before.Live {
		t.Errorf("arena steps allocated: before %+v, after %+v", before, after)
	}
	if w := pv[0].Data(); slices.ContainsFunc(w, func(x float32) bool { return math.IsNaN(float64(x)) }) {
		t.Errorf("weights went NaN: %v", w)
	}
	x.Release()
	releaseAll(pv)
	releaseAll(gv)
	for _, a := range arenas {
		a.Release()
	}
}

// arenaPanics fails t unless f panics with a message containing want.
func arenaPanics(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), want) {
			t.Errorf("panic %v, want one containing %q", r, want)
		}
	}()
	f()
}

func arenaTo64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// On a GPU the number of dispatches of AdamWArena and EMAArena does not
// depend on how many tensors the arenas hold: the whole model is one
// update kernel (plus the upload of its segment table), not one per tensor.
func TestArenaUpdatesDoNotScaleWithTensorCount(t *testing.T) {
	for _, dev := range gpuTestDevices(t) {
		g := dev.(*GPU)
		cost := func(views int) (adam, ema int64) {
			shapes := make([][]int, views)
			for i := range shapes {
				shapes[i] = []int{3 + i%5, 7}
			}
			var as [6]*Arena
			for i := range as {
				var err error
				if as[i], err = NewArena(dev, shapes); err != nil {
					t.Fatal(err)
				}
				defer as[i].Release()
			}
			spans := make([]ArenaSpan, views)
			for i := range spans {
				spans[i] = ArenaSpan{View: i, Hyper: arenaHyper(i), Scale: 1}
			}
			ctrl := MustFromSlice(dev, []float32{0, 1}, 2)
			defer ctrl.Release()
			if err := g.Sync(); err != nil {
				t.Fatal(err)
			}
			d0 := g.Kernels().Stats().Dispatches
			AdamWArena(as[0], as[1], as[2], as[3], spans, ctrl)
			d1 := g.Kernels().Stats().Dispatches
			EMAArena(as[4], as[5], [][2]int{{0, views}}, 0.99, ctrl)
			d2 := g.Kernels().Stats().Dispatches
			return d1 - d0, d2 - d1
		}
		a5, e5 := cost(5)
		a60, e60 := cost(60)
		t.Logf("%s: AdamWArena %d and %d dispatches, EMAArena %d and %d (5 and 60 tensors)", dev, a5, a60, e5, e60)
		if a60 != a5 || e60 != e5 || a60 > 2 || e60 > 2 {
			t.Errorf("%s: dispatches grow with the tensor count or exceed 2: AdamW %d → %d, EMA %d → %d", dev, a5, a60, e5, e60)
		}
	}
}
