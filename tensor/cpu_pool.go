package tensor

import (
	"math"
	"sync"
	"testing"
)

// The CPU device recycles the memory of released tensors, as the GPU
// device's buffer pool does: a training step releases its intermediates
// and the next step asks for the same sizes again. A fresh Go slice is
// zeroed by the allocator on the allocating goroutine, which cost about 5%
// of a ViT-S training step on 2 cores (memclr in the profile of
// bench/cmd/vitbench); a recycled one is handed out as it is. Like GPU
// buffers, new CPU tensors therefore hold arbitrary values until written:
// operators write every element of their outputs, and Zeros, Full and
// NewArena fill explicitly.
//
// Slices are kept per exact length in a sync.Pool, so memory no step asks
// for again goes back to the garbage collector within two collections:
// the pool bounds nothing itself and holds nothing for long. The price is
// a higher peak: pooled slices count as live, so the collector lets the
// heap grow further (the quick demo's peak resident memory went from 725
// to 780 MB; bench/RESULTS.md has the run times).

// cpuPoolMin is the shortest slice worth recycling (1 MiB). A fresh slice
// that fits in a core's L2 cache comes out of make's zeroing already
// cached, so recycling small ones (a cold slice from the pool) made the
// tiny SSL step slower here: 0.18-0.21 s per step pooling from 64 KiB up,
// 0.16-0.20 s without the pool, 0.14-0.17 s from 1 MiB up (alternating
// runs, 2 cores); the ViT-S 224 B=8 step gains the same from either
// threshold.
const cpuPoolMin = 1 << 18

var cpuPools sync.Map // int (length) → *sync.Pool of *[]float32

// cpuPoison, in test binaries, recycles slices of every length and fills
// each recycled one with NaN, so that an operator that reads an output
// before writing it fails its tests here rather than on a GPU.
var cpuPoison = testing.Testing()

// recycles reports whether slices of length n are pooled.
func recycles(n int) bool { return n >= cpuPoolMin || cpuPoison && n > 0 }

// cpuAlloc returns a slice of n float32 values, recycled when one of that
// length was released and still pooled (its contents arbitrary), else
// zeroed by make.
func cpuAlloc(n int) []float32 {
	if recycles(n) {
		if p, ok := cpuPools.Load(n); ok {
			if s, ok := p.(*sync.Pool).Get().(*[]float32); ok {
				if cpuPoison {
					nan := float32(math.NaN())
					for i := range *s {
						(*s)[i] = nan
					}
				}
				return *s
			}
		}
	}
	return make([]float32, n)
}

// cpuRecycle offers s, owned by a storage that was just freed, for reuse.
func cpuRecycle(s []float32) {
	n := len(s)
	if !recycles(n) || cap(s) != n {
		return
	}
	p, ok := cpuPools.Load(n)
	if !ok {
		p, _ = cpuPools.LoadOrStore(n, new(sync.Pool))
	}
	p.(*sync.Pool).Put(&s)
}
