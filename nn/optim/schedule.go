package optim

import (
	"fmt"
	"math"
)

// Schedule gives a hyper-parameter's value at a training iteration.
type Schedule interface {
	At(it int) float64
}

// CosineSchedule is DINOv2's CosineScheduler: Freeze iterations at zero,
// then Warmup iterations of linspace(StartWarmup, Base, Warmup) (both ends
// included, so the last warm-up value is Base when Warmup > 1), then a
// cosine from Base down to Final over the remaining C = Total − Warmup −
// Freeze iterations,
//
//	value(F+W+i) = Final + ½(Base − Final)(1 + cos(π·i/C)),  0 ≤ i < C,
//
// and Final from iteration Total on. The zero value is the constant 0.
type CosineSchedule struct {
	Base, Final, StartWarmup float64
	Total, Warmup, Freeze    int
}

// Linear returns the schedule that goes from start to end over iters
// iterations (numpy linspace, both ends included) and stays at end
// afterwards: DINOv2's teacher-temperature warm-up, e.g.
// Linear(0.04, 0.07, 30·E).
func Linear(start, end float64, iters int) CosineSchedule {
	return CosineSchedule{Base: end, Final: end, StartWarmup: start, Total: iters, Warmup: iters}
}

// Constant returns the schedule that is v at every iteration.
func Constant(v float64) CosineSchedule { return CosineSchedule{Base: v, Final: v} }

// Check reports a schedule whose parts do not fit in Total iterations (the
// reference asserts the same at construction).
func (s CosineSchedule) Check() error {
	if s.Total < 0 || s.Warmup < 0 || s.Freeze < 0 {
		return fmt.Errorf("optim.CosineSchedule: negative length: total %d, warmup %d, freeze %d", s.Total, s.Warmup, s.Freeze)
	}
	if s.Warmup+s.Freeze > s.Total {
		return fmt.Errorf("optim.CosineSchedule: freeze %d + warmup %d exceed total %d iterations", s.Freeze, s.Warmup, s.Total)
	}
	return nil
}

// At returns the value at iteration it (≥ 0). It panics for a negative
// iteration or a schedule that fails Check.
func (s CosineSchedule) At(it int) float64 {
	if err := s.Check(); err != nil {
		panic(err)
	}
	if it < 0 {
		panic(fmt.Sprintf("optim.CosineSchedule.At: negative iteration %d", it))
	}
	switch {
	case it >= s.Total:
		return s.Final
	case it < s.Freeze:
		return 0
	case it < s.Freeze+s.Warmup:
		return linspaceAt(s.StartWarmup, s.Base, s.Warmup, it-s.Freeze)
	}
	i := it - s.Freeze - s.Warmup
	c := s.Total - s.Freeze - s.Warmup
	// The explicit conversions round every product as numpy does (Go may
	// otherwise fuse a multiply-add on some architectures).
	amp := float64(0.5 * (s.Base - s.Final))
	return s.Final + float64(amp*(1+math.Cos(float64(math.Pi*float64(i))/float64(c))))
}

// linspaceAt is element i of numpy.linspace(start, stop, num) with the
// endpoint, computed in numpy's order: i·step + start, with the last element
// set to stop exactly and a single element equal to start.
func linspaceAt(start, stop float64, num, i int) float64 {
	if num == 1 {
		return start
	}
	if i == num-1 {
		return stop
	}
	div := float64(num - 1)
	delta := stop - start
	if step := delta / div; step != 0 {
		return float64(float64(i)*step) + start
	}
	return float64(float64(i)/div*delta) + start
}
