package tensor

import "fmt"

// CenteredSoftmax returns softmax((z − c)/temp) over the last axis: the
// DINO/iBOT teacher targets with a moving-average center c (one value per
// prototype).
func CenteredSoftmax(z, c *Tensor, temp float64) *Tensor {
	const op = "tensor.CenteredSoftmax"
	be := sameDevice(op, z, c)
	rows, cols := rowsCols(z)
	mustNumel(op, "center", c, cols)
	q := like(op, z)
	be.centeredSoftmax(q.st, z.st, c.st, rows, cols, temp)
	return q
}

// SinkhornKnopp returns iters rounds of Sinkhorn-Knopp normalisation of
// exp(z/temp) (rows = samples, last axis = prototypes): the teacher
// targets of DINOv2's sinkhorn_knopp centering.
func SinkhornKnopp(z *Tensor, temp float64, iters int) *Tensor {
	rows, cols := rowsCols(z)
	q := like("tensor.SinkhornKnopp", z)
	z.st.dev.backend().sinkhornKnopp(q.st, z.st, rows, cols, temp, iters)
	return q
}

// KoLeo returns DINOv2's KoLeo loss of the rows of x (B, D) as a tensor of
// shape (1), and each row's nearest neighbour as a tensor of shape (B) on
// x's device holding the row indices as exact integers (float32 holds every
// index below 2²⁴). Nothing is read back to the host: on a GPU the forward
// and KoLeoBackward only queue work. B must be at least 2.
func KoLeo(x *Tensor) (loss, nn *Tensor) {
	const op = "tensor.KoLeo"
	rows, cols := rowsCols(x)
	if rows < 2 || x.Rank() != 2 {
		panic(fmt.Sprintf("%s: x %s must be (B, D) with B >= 2", op, ShapeString(x.shape)))
	}
	loss = newTensor(op, x.st.dev, []int{1})
	nn = newTensor(op, x.st.dev, []int{rows})
	x.st.dev.backend().koLeo(loss.st, nn.st, x.st, rows, cols)
	return loss, nn
}

// KoLeoBackward returns dx given the loss gradient dloss (one element) and
// the neighbours nn that KoLeo returned with the loss; both are read on
// the device. A neighbour value that is not a row index is a bug upstream:
// the CPU kernel panics, the GPU kernel clamps it (it never reads out of
// bounds).
func KoLeoBackward(dloss, x, nn *Tensor) *Tensor {
	const op = "tensor.KoLeoBackward"
	be := sameDevice(op, dloss, x, nn)
	rows, cols := rowsCols(x)
	mustNumel(op, "dloss", dloss, 1)
	mustShape(op, "nn", nn, rows)
	dx := like(op, x)
	be.koLeoBackward(dx.st, dloss.st, x.st, nn.st, rows, cols)
	return dx
}
