package cpu

import (
	"sync"
	"sync/atomic"

	"github.com/gocx/gocx/kernels"
)

// Gemm computes C = α·op(A)·op(B) + β·C for each of p.Batch matrices, with
// exactly the semantics of ref.Gemm (see kernels.Gemm for the layout: the
// transpose flags, leading dimensions, batch strides and SharedA/SharedB).
// op(A) is M×K, op(B) is K×N:
//
//	C[i,j] = α·Σ_l op(A)[i,l]·op(B)[l,j] + β·C[i,j]
//
// Products are accumulated in float32 (fused multiply-adds on the assembly
// paths). When β is 0, C is only written: NaNs already in C do not
// propagate, as in BLAS.
//
// Backward (dC given): dA = dC·op(B)ᵀ and dB = op(A)ᵀ·dC, which are two
// more Gemm calls with the transpose flags flipped.
//
// The algorithm is the Goto/BLIS one: K is cut into kc-deep slabs and N
// into nc-wide panels; each B panel (kc×nc) is packed into NR-wide slivers
// and each A block (mc×kc) into MR-high slivers, zero-padded, so the
// micro-kernel always streams two contiguous slivers and accumulates an
// MR×NR tile of C in registers. Transposes are absorbed by the packing.
// Work is split over batch entries and M (or N) ranges, one goroutine per
// range, up to Threads().
func Gemm(p kernels.Gemm, a, b, c []float32) {
	gemm("cpu.Gemm", p, a, b, c, Threads())
}

// gemm is Gemm on at most threads goroutines, checking the sizes under the
// name op. Kernels that already run in parallel (attention heads) call it
// with threads = 1.
func gemm(op string, p kernels.Gemm, a, b, c []float32, threads int) {
	g := p.Check(op, len(a), len(b), len(c))
	if g.M == 0 || g.N == 0 || g.Batch == 0 {
		return
	}
	alpha, beta := float32(g.Alpha), float32(g.Beta)
	if g.K == 0 {
		// op(A)·op(B) is the zero matrix: only β·C remains.
		for bi := 0; bi < g.Batch; bi++ {
			scaleC(c[bi*g.StrideC:], g.M, g.N, g.LDC, beta)
		}
		return
	}
	runGemm(g, a, b, c, alpha, beta, nil, threads)
}

// runGemm computes a checked, non-empty product with K > 0 on at most
// threads goroutines, applying ep (nil: none) to each finished block.
func runGemm(g kernels.Gemm, a, b, c []float32, alpha, beta float32, ep *geluEpilogue, threads int) {
	cfg := activeGemm
	plan := planGemm(&g, &cfg, threads)
	workers := min(plan.threads, plan.tasks)
	if workers <= 1 {
		buf := getGemmBuffers(&cfg)
		for i := 0; i < plan.tasks; i++ {
			gemmBlock(&g, &cfg, plan.task(i), a, b, c, alpha, beta, ep, buf)
		}
		gemmBufferPool.Put(buf)
		return
	}
	gemmParallel(g, cfg, plan, workers, a, b, c, alpha, beta, ep)
}

// gemmParallel runs the tasks of plan on workers goroutines (the caller's
// included). Tasks are handed out through a counter so that a goroutine
// that finishes early takes the next one. It is a separate function so
// that the variables its goroutines share are only moved to the heap for
// parallel calls.
func gemmParallel(g kernels.Gemm, cfg gemmConfig, plan gemmPlan, workers int, a, b, c []float32, alpha, beta float32, ep *geluEpilogue) {
	var next atomic.Int64
	work := func() {
		buf := getGemmBuffers(&cfg)
		for {
			i := int(next.Add(1)) - 1
			if i >= plan.tasks {
				break
			}
			gemmBlock(&g, &cfg, plan.task(i), a, b, c, alpha, beta, ep, buf)
		}
		gemmBufferPool.Put(buf)
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
}

// microKernel computes one MR×NR tile: c[i·ldc+j] = alpha·Σ_p a[p·MR+i]·b[p·NR+j]
// + beta·c[i·ldc+j] for i < MR, j < NR, reading c only when beta != 0.
// a and b are packed slivers of k steps.
type microKernel func(k int, a, b, c []float32, ldc int, alpha, beta float32)

// gemmConfig is one path's micro-kernel and cache blocking: an A block of
// mc×kc floats stays in L2, a B sliver of kc×nr in L1, and a B panel of
// kc×nc in the last-level cache.
type gemmConfig struct {
	name       string
	mr, nr     int
	mc, kc, nc int
	kernel     microKernel
}

// activeGemm is the configuration of the current path (set by gemmSelect).
var activeGemm gemmConfig

// gemmTask is a rectangle of one batch entry's C that one goroutine owns.
type gemmTask struct {
	batch          int
	m0, m1, n0, n1 int
}

// gemmParallelFlops is the least work (in flops) worth a second goroutine:
// starting and joining one costs a few microseconds, about 10^5-10^6 flops.
const gemmParallelFlops = 1 << 21

// gemmPlan cuts a call into tasks: task i is part i%parts of batch entry
// i/parts, each part a range of M (or of N) at multiples of the micro-tile.
type gemmPlan struct {
	threads, tasks int
	parts          int
	splitN         bool
	m, n           int // sizes of one entry
	tileM, tileN   int // tiles along M and N
	mr, nr         int
}

// planGemm uses whole batch entries as tasks when there are enough of them
// to keep every thread busy, else splits each entry into one part per
// thread along M, or along N when M has too few tiles.
func planGemm(g *kernels.Gemm, cfg *gemmConfig, threads int) gemmPlan {
	pl := gemmPlan{threads: threads, parts: 1, m: g.M, n: g.N, mr: cfg.mr, nr: cfg.nr,
		tileM: ceilDiv(g.M, cfg.mr), tileN: ceilDiv(g.N, cfg.nr)}
	if threads > 1 && 2*g.M*g.N*g.K*g.Batch < gemmParallelFlops {
		pl.threads = 1
	}
	if pl.threads > 1 && g.Batch%pl.threads != 0 && g.Batch < 4*pl.threads {
		pl.parts = pl.threads
		pl.splitN = pl.tileM < 2*pl.parts && pl.tileM < pl.tileN
	}
	pl.tasks = g.Batch * pl.parts
	return pl
}

// task returns the rectangle of C that task i computes (possibly empty
// when an entry has fewer tiles than parts).
func (pl *gemmPlan) task(i int) gemmTask {
	bi, q := i/pl.parts, i%pl.parts
	if pl.parts == 1 {
		return gemmTask{bi, 0, pl.m, 0, pl.n}
	}
	if pl.splitN {
		lo, hi := splitTiles(pl.tileN, pl.parts, q, pl.nr, pl.n)
		return gemmTask{bi, 0, pl.m, lo, hi}
	}
	lo, hi := splitTiles(pl.tileM, pl.parts, q, pl.mr, pl.m)
	return gemmTask{bi, lo, hi, 0, pl.n}
}

// splitTiles returns part q of parts of a range of tiles tile units wide,
// as element bounds clipped to n.
func splitTiles(tiles, parts, q, tile, n int) (lo, hi int) {
	lo = tiles * q / parts * tile
	hi = tiles * (q + 1) / parts * tile
	return min(lo, n), min(hi, n)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// gemmBlock computes the rectangle t of C with the blocked algorithm. A
// non-nil ep (bias + GELU, see GemmBiasGelu) is applied to each mb×nb block
// of C as soon as its last K slab is stored, while the block is in cache.
func gemmBlock(g *kernels.Gemm, cfg *gemmConfig, t gemmTask, a, b, c []float32, alpha, beta float32, ep *geluEpilogue, buf *gemmBuffers) {
	ao, bo, co := t.batch*g.StrideA, t.batch*g.StrideB, t.batch*g.StrideC
	mr, nr := cfg.mr, cfg.nr
	tile := buf.tile[:mr*nr]
	for jc := t.n0; jc < t.n1; jc += cfg.nc {
		nb := min(cfg.nc, t.n1-jc)
		for pc := 0; pc < g.K; pc += cfg.kc {
			kb := min(cfg.kc, g.K-pc)
			betaHere := beta
			if pc > 0 {
				betaHere = 1 // later slabs add to what the first one wrote
			}
			packB(buf.b, b, bo, g.LDB, g.TransB, pc, jc, kb, nb, nr)
			for ic := t.m0; ic < t.m1; ic += cfg.mc {
				mb := min(cfg.mc, t.m1-ic)
				packA(buf.a, a, ao, g.LDA, g.TransA, ic, pc, mb, kb, mr)
				for jr := 0; jr < nb; jr += nr {
					bs := buf.b[jr*kb : (jr+nr)*kb]
					w := min(nr, nb-jr)
					for ir := 0; ir < mb; ir += mr {
						as := buf.a[ir*kb : (ir+mr)*kb]
						h := min(mr, mb-ir)
						ci := co + (ic+ir)*g.LDC + jc + jr
						if h == mr && w == nr {
							cfg.kernel(kb, as, bs, c[ci:], g.LDC, alpha, betaHere)
							continue
						}
						cfg.kernel(kb, as, bs, tile, nr, 1, 0)
						storeEdge(c[ci:], g.LDC, tile, nr, h, w, alpha, betaHere)
					}
				}
				if ep != nil && pc+kb == g.K {
					ep.apply(co+ic*g.LDC, mb, jc, jc+nb)
				}
			}
		}
	}
}

// storeEdge writes the h×w corner of a tile computed into a scratch buffer:
// C = alpha·tile + beta·C, not reading C when beta is 0.
func storeEdge(c []float32, ldc int, tile []float32, nr, h, w int, alpha, beta float32) {
	for i := 0; i < h; i++ {
		dst, src := c[i*ldc:i*ldc+w], tile[i*nr:i*nr+w]
		if beta == 0 {
			for j, v := range src {
				dst[j] = alpha * v
			}
			continue
		}
		for j, v := range src {
			dst[j] = alpha*v + beta*dst[j]
		}
	}
}

// scaleC sets the m×n matrix c (row stride ldc) to beta·c, or to zero
// without reading it when beta is 0.
func scaleC(c []float32, m, n, ldc int, beta float32) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			if beta == 0 {
				row[j] = 0
			} else {
				row[j] *= beta
			}
		}
	}
}

// gemmBuffers are one goroutine's packing buffers, pooled so that steady
// state calls do not allocate.
type gemmBuffers struct {
	a, b, tile []float32
}

var gemmBufferPool sync.Pool

// getGemmBuffers returns pooled buffers big enough for cfg's blocking.
func getGemmBuffers(cfg *gemmConfig) *gemmBuffers {
	la := ceilDiv(cfg.mc, cfg.mr) * cfg.mr * cfg.kc
	lb := ceilDiv(cfg.nc, cfg.nr) * cfg.nr * cfg.kc
	lt := cfg.mr * cfg.nr
	buf, _ := gemmBufferPool.Get().(*gemmBuffers)
	if buf == nil {
		buf = &gemmBuffers{}
	}
	if len(buf.a) < la {
		buf.a = make([]float32, la)
	}
	if len(buf.b) < lb {
		buf.b = make([]float32, lb)
	}
	if len(buf.tile) < lt {
		buf.tile = make([]float32, lt)
	}
	return buf
}
