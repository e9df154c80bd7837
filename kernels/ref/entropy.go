package ref

import (
	"fmt"
	"math"

	"github.com/gocx/gocx/kernels"
)

// MeanRowEntropy writes to dst[0] the mean entropy (in nats) of the first
// n = min(rows, maxRows) rows of the rows×cols matrix p, each row a
// probability distribution (the DINO teacher targets, for the collapse
// monitor):
//
//	H_r = −Σ_k p[r,k]·ln p[r,k]      (an element p ≤ 0 contributes 0: 0·ln 0 = 0)
//	dst[0] = (1/n) Σ_{r<n} H_r
//
// The rows after the first n are not read. With rows = 0 the mean is of
// nothing and dst[0] is NaN (0/0). maxRows < 1 panics. A monitor, not a
// loss: there is no backward.
func MeanRowEntropy[T Float](dst, p []T, rows, cols, maxRows int) {
	const op = "ref.MeanRowEntropy"
	kernels.CheckRows(op, "p", len(p), rows, cols)
	kernels.CheckLen(op, "dst", len(dst), 1)
	if maxRows < 1 {
		panic(fmt.Sprintf("%s: maxRows=%d, want at least 1", op, maxRows))
	}
	n := min(rows, maxRows)
	var total float64
	for r := 0; r < n; r++ {
		var h float64
		for _, v := range p[r*cols : (r+1)*cols] {
			if f := float64(v); !(f <= 0) {
				h -= f * math.Log(f)
			}
		}
		total += h
	}
	dst[0] = T(total / float64(n))
}
