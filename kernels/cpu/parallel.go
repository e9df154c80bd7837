package cpu

import "sync"

// parallelFor runs fn over [0, n) split into at most Threads() contiguous
// chunks of at least minChunk items each, one goroutine per chunk, and
// returns when all are done. When one chunk suffices fn runs on the
// caller's goroutine, so small calls cost no scheduling.
func parallelFor(n, minChunk int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if minChunk < 1 {
		minChunk = 1
	}
	w := min(Threads(), n/minChunk)
	if w <= 1 {
		fn(0, n)
		return
	}
	step := (n + w - 1) / w
	var wg sync.WaitGroup
	for lo := step; lo < n; lo += step {
		hi := min(lo+step, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	// The first chunk runs here: one goroutine fewer to start and wait for.
	fn(0, min(step, n))
	wg.Wait()
}
