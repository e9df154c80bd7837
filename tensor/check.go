package tensor

import (
	"fmt"
	"slices"
)

// rowsCols views t as a matrix over its last axis.
func rowsCols(t *Tensor) (rows, cols int) {
	if len(t.shape) == 0 {
		return 1, 1
	}
	cols = t.shape[len(t.shape)-1]
	if cols == 0 {
		return 0, 0
	}
	return t.st.n / cols, cols
}

// mustSameShape panics, naming op, unless a and b have the same shape.
func mustSameShape(op string, a, b *Tensor) {
	if !slices.Equal(a.shape, b.shape) {
		panic(fmt.Sprintf("%s: shapes %s and %s differ", op, ShapeString(a.shape), ShapeString(b.shape)))
	}
}

// mustShape panics, naming op and what, unless t has exactly shape want.
func mustShape(op, what string, t *Tensor, want ...int) {
	if !slices.Equal(t.shape, want) {
		panic(fmt.Sprintf("%s: %s has shape %s, want %s", op, what, ShapeString(t.shape), ShapeString(want)))
	}
}

// mustNumel panics unless t has n elements.
func mustNumel(op, what string, t *Tensor, n int) {
	if t.st.n != n {
		panic(fmt.Sprintf("%s: %s has shape %s (%d elements), want %d elements", op, what, ShapeString(t.shape), t.st.n, n))
	}
}

// like allocates a tensor of t's shape on t's device.
func like(op string, t *Tensor) *Tensor { return newTensor(op, t.st.dev, t.shape) }
