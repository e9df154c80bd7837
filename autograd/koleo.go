package autograd

import "github.com/gocx/gocx/tensor"

// KoLeo returns DINOv2's KoLeo regulariser of the rows of x (B, D), shape
// (1):
//
//	y_i = x_i/max(‖x_i‖, 1e-8), nn(i) = argmax_{j≠i} y_i·y_j,
//	loss = −(1/B) Σ_i log(‖y_i − y_nn(i) + 1e-8‖ + 1e-8)
//
// Backward (the neighbour choice is piecewise constant): with
// u_i = y_i − y_nn(i) + 1e-8, d_i = ‖u_i‖ and g_i = −dl/(B·(d_i+1e-8)·d_i),
// dy_i += g_i·u_i and dy_nn(i) −= g_i·u_i, then through the normalisation
// dx_i = (dy_i − y_i(y_i·dy_i))/‖x_i‖.
//
// The neighbours are saved as a device tensor (tensor.KoLeo), so neither
// direction reads anything back to the host; the tape releases them with
// its other saved tensors.
func (tp *Tape) KoLeo(x *Var) *Var {
	loss, nn := tensor.KoLeo(x.Value)
	return tp.record("KoLeo", loss, []*Var{x}, []*tensor.Tensor{nn}, func(dl *tensor.Tensor) {
		grad(x, tensor.KoLeoBackward(dl, x.Value, nn))
	})
}
