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
// shape (1) and each row's nearest neighbour (host indices, needed by the
// backward). B must be at least 2.
func KoLeo(x *Tensor) (loss *Tensor, nn []int32) {
	rows, cols := rowsCols(x)
	if rows < 2 || x.Rank() != 2 {
		panic(fmt.Sprintf("tensor.KoLeo: x %s must be (B, D) with B >= 2", ShapeString(x.shape)))
	}
	loss = newTensor("tensor.KoLeo", x.st.dev, []int{1})
	nn = x.st.dev.backend().koLeo(loss.st, x.st, rows, cols)
	return loss, nn
}

// KoLeoBackward returns dx given the loss gradient (shape (1)).
func KoLeoBackward(dloss, x *Tensor, nn []int32) *Tensor {
	const op = "tensor.KoLeoBackward"
	be := sameDevice(op, dloss, x)
	rows, cols := rowsCols(x)
	mustNumel(op, "dloss", dloss, 1)
	if len(nn) != rows {
		panic(fmt.Sprintf("%s: %d neighbours for %d rows", op, len(nn), rows))
	}
	dx := like(op, x)
	be.koLeoBackward(dx.st, dloss.st, x.st, nn, rows, cols)
	return dx
}
