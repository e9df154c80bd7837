package cpu

import (
	"runtime"
	"sync/atomic"
	"testing"
)

func TestDetectPathOverride(t *testing.T) {
	best := detectPath("")
	if got := detectPath("generic"); got != pathGeneric {
		t.Errorf("GOCX_CPU=generic gives %q", got)
	}
	want := best
	if best == pathAVX512 {
		want = pathAVX2FMA
	}
	if got := detectPath("avx2fma"); got != want {
		t.Errorf("GOCX_CPU=avx2fma on a %q machine gives %q, want %q", best, got, want)
	}
	if got := detectPath("no-such-path"); got != best {
		t.Errorf("an unknown GOCX_CPU gives %q, want the best path %q", got, best)
	}
	if runtime.GOARCH != "amd64" && best != pathGeneric {
		t.Errorf("%s machine picks %q", runtime.GOARCH, best)
	}
	if ps := supportedPaths(); ps[0] != best || ps[len(ps)-1] != pathGeneric {
		t.Errorf("supportedPaths() = %v, want %q first and generic last", ps, best)
	}
}

func TestSetPathFlags(t *testing.T) {
	for _, p := range supportedPaths() {
		prev := setPath(p)
		if Path() != p || useAVX2 != (p != pathGeneric) || useAVX512 != (p == pathAVX512) {
			t.Errorf("setPath(%q): Path %q useAVX2 %v useAVX512 %v", p, Path(), useAVX2, useAVX512)
		}
		setPath(prev)
	}
}

func TestThreads(t *testing.T) {
	if got := Threads(); got != runtime.GOMAXPROCS(0) {
		t.Errorf("default Threads() = %d, want GOMAXPROCS %d", got, runtime.GOMAXPROCS(0))
	}
	SetThreads(3)
	if got := Threads(); got != 3 {
		t.Errorf("after SetThreads(3): %d", got)
	}
	SetThreads(0)
	if got := Threads(); got != runtime.GOMAXPROCS(0) {
		t.Errorf("SetThreads(0) does not restore the default: %d", got)
	}
}

// TestParallelFor checks that every index is visited exactly once, in
// chunks of at least minChunk (but the last), for several thread counts.
func TestParallelFor(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 8} {
		withThreads(threads, func() {
			for _, c := range [][2]int{{0, 1}, {1, 1}, {7, 1}, {100, 7}, {100, 60}, {1000, 1}, {5, 0}} {
				n, minChunk := c[0], c[1]
				seen := make([]int32, n)
				var calls atomic.Int32
				parallelFor(n, minChunk, func(lo, hi int) {
					calls.Add(1)
					if hi-lo < minChunk && hi != n {
						t.Errorf("threads %d n %d: chunk [%d,%d) shorter than %d", threads, n, lo, hi, minChunk)
					}
					for i := lo; i < hi; i++ {
						atomic.AddInt32(&seen[i], 1)
					}
				})
				for i, s := range seen {
					if s != 1 {
						t.Fatalf("threads %d n %d minChunk %d: index %d visited %d times", threads, n, minChunk, i, s)
					}
				}
				if int(calls.Load()) > max(threads, 1) {
					t.Errorf("threads %d n %d: %d chunks", threads, n, calls.Load())
				}
			}
		})
	}
}
