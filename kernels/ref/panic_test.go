package ref

import (
	"testing"

	"github.com/gocx/gocx/kernels"
)

// TestPanicMessages checks that a wrong size panics with a message naming
// the operator and the sizes.
func TestPanicMessages(t *testing.T) {
	f := func(n int) []float64 { return make([]float64, n) }
	cases := []struct {
		msg string
		run func()
	}{
		{"ref.LayerNorm: len(x)=10 is not rows×cols=3×4",
			func() { LayerNorm(f(12), f(3), f(3), f(10), f(4), f(4), 3, 4, 1e-6) }},
		{"ref.LayerNormBackward: len(dgamma)=3, want 4",
			func() { LayerNormBackward(f(12), f(3), f(4), f(12), f(12), f(3), f(3), f(4), 3, 4) }},
		{"ref.Add: len(b)=2, want 3", func() { Add(f(3), f(3), f(2)) }},
		{"ref.GeluBackward: len(dy)=4, want 3", func() { GeluBackward(f(3), f(3), f(4)) }},
		{"ref.AddBias: len(bias)=3, want 4", func() { AddBias(f(8), f(8), f(3), 2, 4) }},
		{"ref.SumAxis: len(x)=11 is not outer×n×inner=2×3×2", func() { SumAxis(f(4), f(11), 2, 3, 2) }},
		{"ref.MeanAxis: negative size in outer, n, inner = [-1 -2 3]", func() { MeanAxis(f(-3+3), f(6), -1, -2, 3) }},
		{"ref.BroadcastAxis: len(g)=5 is not outer×inner=2×2", func() { BroadcastAxis(f(12), f(5), 2, 3, 2, 1) }},
		{"ref.Softmax: len(y)=5 is not rows×cols=2×3", func() { Softmax(f(5), f(6), 2, 3) }},
		{"ref.SoftCrossEntropy: len(loss)=3, want 2", func() { SoftCrossEntropy(f(3), f(6), f(6), 2, 3, 0.1) }},
		{"ref.L2NormalizeBackward: len(norm)=1, want 2",
			func() { L2NormalizeBackward(f(6), f(6), f(6), f(1), 2, 3, 1e-12) }},
		{"ref.WeightNorm: len(g)=3, want 2", func() { WeightNorm(f(6), f(2), f(3), f(6), 2, 3) }},
		{"ref.Attention: {BH:1 SQ:2 SK:3 HD:4 Scale:1} wants len(q)=len(out)=8 len(k)=len(v)=12 len(p)=6; got q=8 k=12 v=12 out=8 p=5",
			func() {
				Attention(kernels.Attention{BH: 1, SQ: 2, SK: 3, HD: 4, Scale: 1}, f(8), f(5), f(8), f(12), f(12))
			}},
		{"ref.Permute: perm [0 0] is not a permutation of 0..1", func() { Permute(f(6), f(6), []int{2, 3}, []int{0, 0}) }},
		{"ref.Permute: len(dst)=5, want 6", func() { Permute(f(5), f(6), []int{2, 3}, []int{1, 0}) }},
		{"ref.GatherRows: idx[1]=3 out of range [0,3) of src",
			func() { GatherRows(f(4), f(6), []int32{0, 3}, 2) }},
		{"ref.ScatterAddRows: len(src)=5 is not rows×cols=2×2",
			func() { ScatterAddRows(f(6), f(5), []int32{0, 1}, 2) }},
		{"ref.Patchify: image 6×7 is not a whole number of 3×3 patches",
			func() { Patchify(f(42), f(42), 1, 1, 6, 7, 3) }},
		{"ref.Unpatchify: len(dpatch)=35 is not rows×cols=4×9",
			func() { Unpatchify(f(36), f(35), 1, 1, 6, 6, 3) }},
		{"ref.Resample2D: len(wy)=6 is not rows×cols=2×4",
			func() { Resample2D(f(6), f(12), f(6), f(9), 4, 3, 2, 3, 1) }},
		{"ref.BicubicMatrix: sizes out=3 in=0, want out ≥ 0 and in ≥ 1", func() { BicubicMatrix(3, 0, 1) }},
		{"ref.AdamW: Step=0, want ≥ 1 (the step number after incrementing)",
			func() { AdamW(f(2), f(2), f(2), f(2), kernels.AdamWHyper{LR: 1}) }},
		{"ref.EMA: len(student)=1, want 2", func() { EMA(f(2), f(1), 0.9) }},
	}
	for _, c := range cases {
		expectPanic(t, c.msg, c.run)
	}
}
