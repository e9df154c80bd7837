package tensor

import (
	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/cpu"
	"github.com/gocx/gocx/kernels/gpu"
)

// Step-level fusions (issue 7): one kernel where a transformer block would
// otherwise run two or three, each defined by the composition it replaces.

// fusedOps are the fused operators a device runs.
type fusedOps interface {
	// gemmBiasGelu: pre = α·op(A)·op(B) + β·pre + bias (bias may be nil),
	// y = GELU(pre) with pre's layout; a nil pre (β = 0) is not stored.
	gemmBiasGelu(p kernels.Gemm, a, b, bias, pre, y *storage)
	// addScaledLayerNorm: sum = x + γ⊙a (x + a when gamma is nil), y, mean,
	// rstd = LayerNorm(sum; lnW, lnB, eps) row-wise.
	addScaledLayerNorm(sum, y, mean, rstd, x, a, gamma, lnW, lnB *storage, rows, cols int, eps float64)
}

// LinearGelu returns h = x·wᵀ + b and y = GELU(h) (exact GELU) in one GEMM
// whose store adds the bias and applies the GELU; h is what the backward
// needs. Shapes are Linear's: x (..., in), w (out, in), b (out) or nil;
// h and y are (..., out).
//
// Backward: dh = GeluBackward(h, dy), then Linear's: dx = dh·w,
// dw = dhᵀ·x, db = Σ_rows dh.
func LinearGelu(x, w, b *Tensor) (h, y *Tensor) {
	return linearGelu("tensor.LinearGelu", x, w, b, true)
}

// LinearGeluOutput is LinearGelu without the pre-activation: y = GELU(x·wᵀ
// + b), for a forward that no backward will follow (inference, the
// teacher). On a GPU the GEMM then stores y alone, one output write
// instead of two; on the CPU the pre-activation is a scratch the blocked
// GEMM finishes in cache, released before it returns.
func LinearGeluOutput(x, w, b *Tensor) *Tensor {
	_, y := linearGelu("tensor.LinearGeluOutput", x, w, b, false)
	return y
}

func linearGelu(op string, x, w, b *Tensor, keepPre bool) (h, y *Tensor) {
	be, p, outShape := linearPlan(op, x, w, b)
	var bias, pre *storage
	if b != nil {
		bias = b.st
	}
	y = newTensor(op, x.st.dev, outShape)
	if keepPre {
		h = newTensor(op, x.st.dev, outShape)
		pre = h.st
	}
	be.gemmBiasGelu(p.Check(op, x.st.n, w.st.n, y.st.n), x.st, w.st, bias, pre, y.st)
	return h, y
}

// AddScaledLayerNorm returns the residual update sum = x + γ⊙a (x + a when
// gamma is nil; γ is LayerScale) and y = LayerNorm(sum) with weight lnW
// and bias lnB over the last axis, with the per-row mean and rstd the
// backward needs, in one pass over the rows (on a GPU, one kernel where the
// device binds nine storage buffers or the LayerNorm parameters share an
// allocation, else two).
// x and a have the same shape (..., D); gamma, lnW, lnB are (D).
//
// Backward, with ds the gradient of sum from its other uses:
// dŝ = ds + LayerNormBackward(dy, sum, mean, rstd, lnW).dx, then dx = dŝ,
// da = ScaleCols(dŝ, γ), dγ = MulSumRows(dŝ, a); dlnW and dlnB are
// LayerNorm's.
func AddScaledLayerNorm(x, a, gamma, lnW, lnB *Tensor, eps float64) (sum, y, mean, rstd *Tensor) {
	const op = "tensor.AddScaledLayerNorm"
	be := sameDevice(op, x, a, lnW, lnB)
	mustSameShape(op, x, a)
	rows, cols := rowsCols(x)
	var g *storage
	if gamma != nil {
		sameDevice(op, x, gamma)
		mustShape(op, "gamma", gamma, cols)
		g = gamma.st
	}
	mustShape(op, "lnW", lnW, cols)
	mustShape(op, "lnB", lnB, cols)
	sum, y = like(op, x), like(op, x)
	mean = newTensor(op, x.st.dev, []int{rows})
	rstd = newTensor(op, x.st.dev, []int{rows})
	be.addScaledLayerNorm(sum.st, y.st, mean.st, rstd.st, x.st, a.st, g, lnW.st, lnB.st, rows, cols, eps)
	return sum, y, mean, rstd
}

func (cpuBackend) gemmBiasGelu(p kernels.Gemm, a, b, bias, pre, y *storage) {
	var bs []float32
	if bias != nil {
		bs = bias.cpu
	}
	var h []float32
	if pre != nil {
		h = pre.cpu
	} else {
		// The blocked GEMM accumulates into pre and finishes each block
		// in cache; without a caller's pre it is a scratch from the
		// CPU device's pool (β = 0: never read before written).
		h = cpuAlloc(len(y.cpu))
		defer cpuRecycle(h)
	}
	cpu.GemmBiasGelu(p, a.cpu, b.cpu, bs, h, y.cpu)
}

func (cpuBackend) addScaledLayerNorm(sum, y, mean, rstd, x, a, gamma, lnW, lnB *storage, rows, cols int, eps float64) {
	var g []float32
	if gamma != nil {
		g = gamma.cpu
	}
	cpu.AddScaledLayerNorm(sum.cpu, y.cpu, mean.cpu, rstd.cpu, x.cpu, a.cpu, g, lnW.cpu, lnB.cpu, rows, cols, eps)
}

func (b gpuBackend) gemmBiasGelu(p kernels.Gemm, a, bb, bias, pre, y *storage) {
	ep := gpu.GemmEpilogue{Gelu: true}
	if pre != nil {
		ep.Pre = buf(pre)
	}
	if bias != nil {
		ep.Bias = buf(bias)
	}
	b.fail("tensor.LinearGelu", b.g.dev.GemmFused(p, buf(a), buf(bb), buf(y), ep))
}

func (b gpuBackend) addScaledLayerNorm(sum, y, mean, rstd, x, a, gamma, lnW, lnB *storage, rows, cols int, eps float64) {
	var g *gpu.Buffer
	if gamma != nil {
		g = buf(gamma)
	}
	b.fail("tensor.AddScaledLayerNorm", b.g.dev.AddScaledLayerNorm(buf(sum), buf(y), buf(mean), buf(rstd),
		buf(x), buf(a), g, buf(lnW), buf(lnB), rows, cols, eps))
}
