package cpu_test

import (
	"fmt"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/cpu"
)

// One head of fused attention over two queries and three keys (head
// dimension 2, scale 1), then the backward for an output gradient of ones:
// dV[j,:] is then the attention key j receives, Σ_i P[i,j].
func ExampleFlashAttention() {
	p := kernels.Attention{BH: 1, SQ: 2, SK: 3, HD: 2, Scale: 1}
	q := []float32{1, 0, 0, 1}
	k := []float32{1, 0, 0, 1, 1, 1}
	v := []float32{1, 2, 3, 4, 5, 6}
	out, lse := make([]float32, 4), make([]float32, 2)
	cpu.FlashAttention(p, out, lse, q, k, v)
	fmt.Printf("out %.4f\nlse %.4f\n", out, lse)

	dout := []float32{1, 1, 1, 1}
	dq, dk, dv := make([]float32, 4), make([]float32, 6), make([]float32, 6)
	cpu.FlashAttentionBackward(p, dq, dk, dv, dout, q, k, v, out, lse)
	fmt.Printf("dv  %.4f\n", dv)
	// Output:
	// out [3.0000 4.0000 3.5339 4.5339]
	// lse [1.8620 1.8620]
	// dv  [0.5777 0.5777 0.5777 0.5777 0.8446 0.8446]
}
