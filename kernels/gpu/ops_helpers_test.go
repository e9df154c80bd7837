package gpu

import (
	"math"
	"os"
	"strings"
	"testing"
)

// Helpers of the operator tests (elementwise, reduce, shape, resample,
// optim, cols, downstream).

// opBig reports whether the benchmarks should use the real model sizes
// (GOCX_GPU_BIG=1, for a real GPU); lavapipe gets modest sizes.
func opBig() bool { return os.Getenv("GOCX_GPU_BIG") == "1" }

// opExpectPanic fails unless f panics with a message containing want.
func opExpectPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Errorf("no panic, want one containing %q", want)
			return
		}
		msg, _ := r.(string)
		if err, ok := r.(error); ok {
			msg = err.Error()
		}
		if !strings.Contains(msg, want) {
			t.Errorf("panic %q, want one containing %q", msg, want)
		}
	}()
	f()
}

// opCheck fails when the relative error of got against want exceeds bound
// (or is NaN).
func opCheck(t *testing.T, what string, got []float32, want []float64, bound float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d results, want %d", what, len(got), len(want))
	}
	if e := relErr(got, want); e > bound || math.IsNaN(e) {
		t.Errorf("%s: relative error %.3g > %.1g", what, e, bound)
	}
}

// opExact fails unless got equals want bit for bit.
func opExact(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d results, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Errorf("%s: [%d] = %v, want %v", what, i, got[i], want[i])
			return
		}
	}
}

// opAlloc allocates n elements filled with NaN, so an element a kernel
// fails to write shows up.
func opAlloc(t testing.TB, d *Device, n int) *Buffer {
	t.Helper()
	b, err := d.Alloc(n)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Fill(b, float32(math.NaN())); err != nil {
		t.Fatal(err)
	}
	return b
}

func opTo32(s []float64) []float32 {
	o := make([]float32, len(s))
	for i, v := range s {
		o[i] = float32(v)
	}
	return o
}

// opSizes are the lengths the elementwise tests use: 1, primes and
// non-multiples of the workgroup size and of 4, and multiples of 4 (the
// vec4 path).
var opSizes = []int{1, 3, 4, 7, 255, 256, 257, 1031, 1032}
