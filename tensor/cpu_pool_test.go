package tensor

import (
	"math"
	"testing"
)

// A released CPU tensor's memory comes back for the next tensor of its
// length, poisoned with NaN in tests (cpuPoison); an arena view's memory,
// which belongs to the arena, does not, until the arena itself is freed.
func TestCPURecyclesReleasedMemory(t *testing.T) {
	const n = cpuPoolMin + 3
	reused := false
	for range 5 { // sync.Pool may drop a slice at a garbage collection: retry
		x := Full(CPU, 7, n)
		p := &x.CPUData()[0]
		x.Release()
		y := Empty(CPU, n)
		if &y.CPUData()[0] == p {
			reused = true
			if v := y.CPUData()[n-1]; !math.IsNaN(float64(v)) {
				t.Errorf("recycled slice holds %v, want NaN poison in tests", v)
			}
		}
		y.Release()
		if reused {
			break
		}
	}
	if !reused {
		t.Error("a released tensor's slice was never handed out again")
	}

	// The arena is released while a tensor of its view lives; when that
	// tensor goes, the view is freed (its slice must not be pooled: it is a
	// piece of the arena's) and then the arena's whole slice is.
	a, err := NewArena(CPU, [][]int{{n}, {5}})
	if err != nil {
		t.Fatal(err)
	}
	vs := a.Views()
	in := &vs[0].CPUData()[0]
	a.Release()
	for _, v := range vs {
		v.Release()
	}
	for range 3 {
		z := Empty(CPU, n)
		if &z.CPUData()[0] == in {
			t.Fatal("a view's slice, part of its arena's, was recycled as a tensor of its own")
		}
		defer z.Release()
	}
}
