package optim

import (
	"math"
	"testing"
)

func TestCosineScheduleHandValues(t *testing.T) {
	// freeze 2, warmup 3 from 0.1 to 1, cosine over 4 down to 0.2, total 9.
	s := CosineSchedule{Base: 1, Final: 0.2, StartWarmup: 0.1, Total: 9, Warmup: 3, Freeze: 2}
	c := func(i float64) float64 { return 0.2 + 0.5*0.8*(1+math.Cos(math.Pi*i/4)) }
	want := []float64{
		0, 0, // freeze
		0.1, 0.55, 1, // linspace(0.1, 1, 3): both ends included
		c(0), c(1), c(2), c(3), // = 1, 0.883, 0.6, 0.317
		0.2, 0.2, 0.2, // final from Total on
	}
	for it, w := range want {
		if got := s.At(it); math.Abs(got-w) > 1e-15 {
			t.Errorf("At(%d) = %.17g, want %.17g", it, got, w)
		}
	}
	if s.At(4) != 1 {
		t.Errorf("last warm-up value %.17g is not exactly Base", s.At(4))
	}
}

func TestCosineScheduleShapes(t *testing.T) {
	// CXformer lr: 10 warm-up epochs of 611 iterations from 0 to 3e-4, then
	// cosine to 1e-6 over T = 61,100.
	lr := CosineSchedule{Base: 3e-4, Final: 1e-6, Total: 61100, Warmup: 6110}
	if lr.At(0) != 0 || lr.At(6109) != 3e-4 || lr.At(6110) != 3e-4 {
		t.Errorf("lr warm-up ends: At(0)=%g At(6109)=%g At(6110)=%g", lr.At(0), lr.At(6109), lr.At(6110))
	}
	if got, want := lr.At(611), 611*(3e-4/6109); math.Abs(got-want) > 1e-18 {
		t.Errorf("lr.At(611) = %g, want %g", got, want)
	}
	mid := lr.At(6110 + 27495) // half of the 54,990 cosine iterations
	if want := 1e-6 + 0.5*(3e-4-1e-6); math.Abs(mid-want) > 1e-15 {
		t.Errorf("lr at the cosine midpoint = %g, want %g", mid, want)
	}
	if lr.At(61099) <= 1e-6 || lr.At(61099) > 1.0001e-6 || lr.At(61100) != 1e-6 || lr.At(1<<30) != 1e-6 {
		t.Errorf("lr tail: At(61099)=%g At(61100)=%g", lr.At(61099), lr.At(61100))
	}

	// Last-layer lr: the lr schedule with the first epoch frozen to zero.
	last := CosineSchedule{Base: 3e-4, Final: 1e-6, Total: 61100, Warmup: 6110 - 611, Freeze: 611}
	for _, it := range []int{0, 300, 610} {
		if last.At(it) != 0 {
			t.Errorf("last-layer lr at %d = %g during the freeze", it, last.At(it))
		}
	}
	if last.At(611) != 0 || last.At(612) <= 0 {
		t.Errorf("warm-up after the freeze starts at 0 then grows: At(611)=%g At(612)=%g", last.At(611), last.At(612))
	}

	// Teacher temperature: linspace(0.04, 0.07, 30 epochs) then 0.07.
	temp := Linear(0.04, 0.07, 30*611)
	if temp.At(0) != 0.04 || temp.At(30*611-1) != 0.07 || temp.At(30*611) != 0.07 || temp.At(61099) != 0.07 {
		t.Errorf("teacher temp: At(0)=%g At(last warm-up)=%g At(after)=%g", temp.At(0), temp.At(30*611-1), temp.At(30*611))
	}
	start, stop := 0.04, 0.07 // numpy: i·((stop−start)/(n−1)) + start
	if got, want := temp.At(9000), 9000*((stop-start)/(30*611-1))+start; got != want {
		t.Errorf("teacher temp At(9000) = %.17g, want %.17g", got, want)
	}

	for _, it := range []int{0, 1, 1000} {
		if Constant(0.999).At(it) != 0.999 {
			t.Errorf("Constant(0.999).At(%d) = %g", it, Constant(0.999).At(it))
		}
	}
	// numpy.linspace with one element is its start.
	if one := Linear(0.04, 0.07, 1); one.At(0) != 0.04 || one.At(1) != 0.07 {
		t.Errorf("Linear over one iteration: At(0)=%g At(1)=%g", one.At(0), one.At(1))
	}
}

func TestCosineScheduleInvalid(t *testing.T) {
	for _, s := range []CosineSchedule{
		{Total: 5, Warmup: 4, Freeze: 2},
		{Total: -1},
		{Total: 5, Warmup: -1},
	} {
		if s.Check() == nil {
			t.Errorf("%+v: Check accepted it", s)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%+v: At did not panic", s)
				}
			}()
			s.At(0)
		}()
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("At(-1) did not panic")
			}
		}()
		Constant(1).At(-1)
	}()
}
