package optim

import (
	"math"

	"github.com/gocx/gocx/nn"
	"github.com/gocx/gocx/tensor"
)

// clipEps is PyTorch's guard in clip_grad_norm_: coef = max/(total + 1e-6).
const clipEps = 1e-6

// ClipGradNorm is torch.nn.utils.clip_grad_norm_ (norm type 2) over the
// gradients of params (nil gradients are ignored): it returns the total norm
//
//	total = √(Σ_p ‖g_p‖₂²)
//
// before clipping and multiplies every gradient by
// coef = min(1, maxNorm/(total + 10⁻⁶)) when coef < 1 — so a total at most
// maxNorm is left alone except within 10⁻⁶ of it, exactly as PyTorch. A
// non-finite total is returned with the gradients untouched (PyTorch would
// fill them with NaN); the caller decides what to do with the step.
//
// The norm of CPU gradients is accumulated in float64 on the host; GPU
// gradients are reduced on the device (float32, fixed order) and only the
// total is read back.
func ClipGradNorm(params nn.Params, maxNorm float64) float64 {
	var grads []*tensor.Tensor
	for _, p := range params {
		if p.V.Grad != nil {
			grads = append(grads, p.V.Grad)
		}
	}
	if len(grads) == 0 {
		return 0
	}
	total := math.Sqrt(sumSquares(grads))
	if math.IsNaN(total) || math.IsInf(total, 0) {
		return total
	}
	if coef := maxNorm / (total + clipEps); coef < 1 {
		for _, g := range grads {
			tensor.ScaleInPlace(g, coef)
		}
	}
	return total
}

// sumSquares is Σ over all tensors of Σ x², on the host for CPU tensors and
// on the device otherwise.
func sumSquares(ts []*tensor.Tensor) float64 {
	var host float64
	var device []*tensor.Tensor
	for _, t := range ts {
		if t.Device().IsGPU() {
			device = append(device, t)
			continue
		}
		host += hostSumSquares(t.CPUData())
	}
	if len(device) > 0 {
		host += deviceSumSquares(device)
	}
	return host
}

// hostSumSquares accumulates Σ x² in float64.
func hostSumSquares(x []float32) float64 {
	var s float64
	for _, v := range x {
		f := float64(v)
		s += f * f
	}
	return s
}

// deviceSumSquares computes Σ x² of tensors that may live on several
// devices without reading any of them back: per device, one accumulator
// tensor collects Sum(x⊙x) of each tensor, and only that one number per
// device crosses to the host.
func deviceSumSquares(ts []*tensor.Tensor) float64 {
	acc := map[tensor.Device]*tensor.Tensor{}
	var order []tensor.Device
	for _, t := range ts {
		sq := tensor.Mul(t, t)
		s := tensor.Sum(sq)
		sq.Release()
		if a, ok := acc[t.Device()]; ok {
			tensor.AddInPlace(a, s)
			s.Release()
			continue
		}
		acc[t.Device()] = s
		order = append(order, t.Device())
	}
	var total float64
	for _, d := range order {
		total += float64(acc[d].Item())
		acc[d].Release()
	}
	return total
}
