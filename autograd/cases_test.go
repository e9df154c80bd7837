package autograd

import (
	"math"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/ref"
	"github.com/gocx/gocx/tensor"
)

// gradCases is the gradient-check table: one case per differentiable
// rule, each with awkward sizes (1, primes, non-multiples of 8).
func gradCases() []GradCase {
	lin := func(rows, in, out int, bias bool) GradCase {
		shapes := [][]int{{rows, in}, {out, in}}
		if bias {
			shapes = append(shapes, []int{out})
		}
		return GradCase{
			Name: "Linear", Shapes: shapes,
			Op: func(tp *Tape, in []*Var) *Var {
				var b *Var
				if len(in) == 3 {
					b = in[2]
				}
				return tp.Linear(in[0], in[1], b)
			},
			Ref: func(x [][]float64) []float64 {
				y := make([]float64, rows*out)
				ref.Gemm(kernels.Gemm{TransB: true, M: rows, N: out, K: in, Alpha: 1}, x[0], x[1], y)
				if len(x) == 3 {
					ref.AddBias(y, y, x[2], rows, out)
				}
				return y
			},
		}
	}
	matmul := func(batch, m, n, k int, ta, tb, shared bool) GradCase {
		as := []int{batch, m, k}
		if ta {
			as = []int{batch, k, m}
		}
		bs := []int{batch, k, n}
		if tb {
			bs = []int{batch, n, k}
		}
		if shared {
			bs = bs[1:]
		}
		return GradCase{
			Name: "MatMul", Shapes: [][]int{as, bs},
			Op: func(tp *Tape, in []*Var) *Var { return tp.MatMul(in[0], in[1], ta, tb) },
			Ref: func(x [][]float64) []float64 {
				y := make([]float64, batch*m*n)
				ref.Gemm(kernels.Gemm{TransA: ta, TransB: tb, M: m, N: n, K: k, Alpha: 1, Batch: batch, SharedB: shared}, x[0], x[1], y)
				return y
			},
		}
	}
	unary := func(name string, shape []int, op func(tp *Tape, x *Var) *Var, f func(y, x []float64)) GradCase {
		return GradCase{Name: name, Shapes: [][]int{shape},
			Op: func(tp *Tape, in []*Var) *Var { return op(tp, in[0]) },
			Ref: func(x [][]float64) []float64 {
				y := make([]float64, len(x[0]))
				f(y, x[0])
				return y
			}}
	}
	positive := func(i int, rng *tensor.RNG, x []float64) {
		for j := range x {
			x[j] = 0.1 + rng.Float64()
		}
	}
	probs := func(rows, cols int) func(i int, rng *tensor.RNG, x []float64) {
		return func(i int, rng *tensor.RNG, x []float64) {
			for j := range x {
				x[j] = rng.NormFloat64()
			}
			if i == 0 { // teacher probabilities: softmax rows
				ref.Softmax(x, append([]float64(nil), x...), rows, cols)
			}
		}
	}
	att := func(bh, sq, sk, hd int, fused bool) GradCase {
		p := kernels.Attention{BH: bh, SQ: sq, SK: sk, HD: hd, Scale: 1 / math.Sqrt(float64(hd))}
		name, op := "AttentionUnfused", (*Tape).AttentionUnfused
		if fused {
			name, op = "Attention", (*Tape).Attention // fused where the device has it
		}
		return GradCase{Name: name, Shapes: [][]int{{bh, sq, hd}, {bh, sk, hd}, {bh, sk, hd}},
			Op: func(tp *Tape, in []*Var) *Var { return op(tp, in[0], in[1], in[2], p.Scale) },
			Ref: func(x [][]float64) []float64 {
				out := make([]float64, bh*sq*hd)
				ref.Attention(p, out, make([]float64, bh*sq*sk), x[0], x[1], x[2])
				return out
			}}
	}
	ln := func(rows, cols int) GradCase {
		return GradCase{Name: "LayerNorm", Shapes: [][]int{{rows, cols}, {cols}, {cols}},
			Op: func(tp *Tape, in []*Var) *Var { return tp.LayerNorm(in[0], in[1], in[2], 1e-6) },
			Ref: func(x [][]float64) []float64 {
				y := make([]float64, rows*cols)
				ref.LayerNorm(y, make([]float64, rows), make([]float64, rows), x[0], x[1], x[2], rows, cols, 1e-6)
				return y
			}}
	}
	softce := func(rows, cols int, temp float64) GradCase {
		return GradCase{Name: "SoftCrossEntropy", Shapes: [][]int{{rows, cols}, {rows, cols}}, Const: []bool{true, false},
			Init: probs(rows, cols),
			Op:   func(tp *Tape, in []*Var) *Var { return tp.SoftCrossEntropy(in[0], in[1], temp) },
			Ref: func(x [][]float64) []float64 {
				l := make([]float64, rows)
				ref.SoftCrossEntropy(l, x[0], x[1], rows, cols, temp)
				return l
			}}
	}
	mask := []int32{0, 1, 1, 0, 0, 1, 0}
	idx := []int32{4, 0, 4, 2, 6}
	wy := ref.BicubicMatrix(3, 7, 3.1/7)
	wx := ref.AntialiasBicubicMatrix(2, 7)

	return []GradCase{
		lin(1, 1, 1, true), lin(7, 13, 5, true), lin(9, 17, 11, false),
		matmul(1, 5, 7, 3, false, false, false), matmul(3, 5, 7, 3, true, false, false),
		matmul(2, 5, 7, 3, false, true, false), matmul(2, 5, 7, 3, true, true, false),
		matmul(3, 5, 7, 3, false, false, true), matmul(3, 5, 7, 3, false, true, true),
		matmul(3, 5, 7, 3, true, false, true), matmul(2, 4, 3, 5, true, true, true),
		{Name: "Add", Shapes: [][]int{{3, 7}, {3, 7}},
			Op: func(tp *Tape, in []*Var) *Var { return tp.Add(in[0], in[1]) },
			Ref: func(x [][]float64) []float64 {
				y := make([]float64, 21)
				ref.Add(y, x[0], x[1])
				return y
			}},
		{Name: "Mul", Shapes: [][]int{{13}, {13}},
			Op: func(tp *Tape, in []*Var) *Var { return tp.Mul(in[0], in[1]) },
			Ref: func(x [][]float64) []float64 {
				y := make([]float64, 13)
				ref.Mul(y, x[0], x[1])
				return y
			}},
		unary("Scale", []int{2, 5}, func(tp *Tape, x *Var) *Var { return tp.Scale(x, -1.7) },
			func(y, x []float64) { ref.Scale(y, x, -1.7) }),
		unary("Gelu", []int{3, 11}, func(tp *Tape, x *Var) *Var { return tp.Gelu(x) }, ref.Gelu[float64]),
		{Name: "AddBias", Shapes: [][]int{{5, 7}, {7}},
			Op: func(tp *Tape, in []*Var) *Var { return tp.AddBias(in[0], in[1]) },
			Ref: func(x [][]float64) []float64 {
				y := make([]float64, 35)
				ref.AddBias(y, x[0], x[1], 5, 7)
				return y
			}},
		{Name: "ScaleCols", Shapes: [][]int{{5, 7}, {7}},
			Op: func(tp *Tape, in []*Var) *Var { return tp.ScaleCols(in[0], in[1]) },
			Ref: func(x [][]float64) []float64 {
				y := make([]float64, 35)
				ref.ScaleCols(y, x[0], x[1], 5, 7)
				return y
			}},
		ln(1, 1), ln(3, 7), ln(5, 48),
		linGeluCase(1, 1, 1, true), linGeluCase(7, 13, 5, true), linGeluCase(9, 17, 11, false),
		addNormCase(1, 1, true), addNormCase(3, 7, true), addNormCase(5, 48, false), addNormCase(2, 13, true),
		unary("Softmax", []int{4, 9}, func(tp *Tape, x *Var) *Var { return tp.Softmax(x) },
			func(y, x []float64) { ref.Softmax(y, x, 4, 9) }),
		unary("LogSoftmax", []int{3, 13}, func(tp *Tape, x *Var) *Var { return tp.LogSoftmax(x) },
			func(y, x []float64) { ref.LogSoftmax(y, x, 3, 13) }),
		att(1, 1, 1, 1, false), att(2, 5, 7, 3, false), att(3, 6, 6, 8, false),
		att(1, 1, 1, 1, true), att(2, 5, 7, 3, true), att(3, 6, 6, 8, true), att(2, 9, 4, 16, true),
		softce(1, 1, 0.1), softce(3, 11, 0.1), softce(4, 7, 1.0),
		unary("L2Normalize", []int{5, 9}, func(tp *Tape, x *Var) *Var { return tp.L2Normalize(x, 1e-12) },
			func(y, x []float64) { ref.L2Normalize(y, make([]float64, 5), x, 5, 9, 1e-12) }),
		{Name: "WeightNorm", Shapes: [][]int{{6, 1}, {6, 5}}, Init: func(i int, rng *tensor.RNG, x []float64) {
			for j := range x {
				x[j] = rng.NormFloat64()
			}
		},
			Op: func(tp *Tape, in []*Var) *Var { return tp.WeightNorm(in[0], in[1]) },
			Ref: func(x [][]float64) []float64 {
				w := make([]float64, 30)
				ref.WeightNorm(w, make([]float64, 6), x[0], x[1], 6, 5)
				return w
			}},
		{Name: "SumAxis", Shapes: [][]int{{3, 5, 2}},
			Op: func(tp *Tape, in []*Var) *Var { return tp.SumAxis(in[0], 1) },
			Ref: func(x [][]float64) []float64 {
				y := make([]float64, 6)
				ref.SumAxis(y, x[0], 3, 5, 2)
				return y
			}},
		{Name: "MeanAxis", Shapes: [][]int{{3, 5, 2}},
			Op: func(tp *Tape, in []*Var) *Var { return tp.MeanAxis(in[0], -1) },
			Ref: func(x [][]float64) []float64 {
				y := make([]float64, 15)
				ref.MeanAxis(y, x[0], 15, 2, 1)
				return y
			}},
		{Name: "Broadcast", Shapes: [][]int{{3, 2}},
			Op: func(tp *Tape, in []*Var) *Var { return tp.Broadcast(in[0], 1, 4) },
			Ref: func(x [][]float64) []float64 {
				y := make([]float64, 24)
				ref.BroadcastAxis(y, x[0], 3, 4, 2, 1)
				return y
			}},
		{Name: "Sum", Shapes: [][]int{{4, 3}},
			Op: func(tp *Tape, in []*Var) *Var { return tp.Sum(in[0]) },
			Ref: func(x [][]float64) []float64 {
				s := 0.0
				for _, v := range x[0] {
					s += v
				}
				return []float64{s}
			}},
		{Name: "Permute", Shapes: [][]int{{2, 3, 4, 5}},
			Op: func(tp *Tape, in []*Var) *Var { return tp.Permute(in[0], 2, 0, 3, 1) },
			Ref: func(x [][]float64) []float64 {
				y := make([]float64, 120)
				ref.Permute(y, x[0], []int{2, 3, 4, 5}, []int{2, 0, 3, 1})
				return y
			}},
		{Name: "GatherRows", Shapes: [][]int{{7, 3}},
			Op: func(tp *Tape, in []*Var) *Var { return tp.GatherRows(in[0], idx) },
			Ref: func(x [][]float64) []float64 {
				y := make([]float64, len(idx)*3)
				ref.GatherRows(y, x[0], idx, 3)
				return y
			}},
		{Name: "IndexAdd", Shapes: [][]int{{7, 3}, {5, 3}},
			Op: func(tp *Tape, in []*Var) *Var { return tp.IndexAdd(in[0], in[1], idx) },
			Ref: func(x [][]float64) []float64 {
				y := append([]float64(nil), x[0]...)
				ref.ScatterAddRows(y, x[1], idx, 3)
				return y
			}},
		{Name: "Concat", Shapes: [][]int{{2, 1, 3}, {2, 4, 3}, {2, 2, 3}},
			Op: func(tp *Tape, in []*Var) *Var { return tp.Concat(1, in...) },
			Ref: func(x [][]float64) []float64 {
				y := make([]float64, 2*7*3)
				ref.CopyAxis(y, 7, 0, x[0], 1, 0, 2, 1, 3)
				ref.CopyAxis(y, 7, 1, x[1], 4, 0, 2, 4, 3)
				ref.CopyAxis(y, 7, 5, x[2], 2, 0, 2, 2, 3)
				return y
			}},
		{Name: "Slice", Shapes: [][]int{{3, 7, 2}},
			Op: func(tp *Tape, in []*Var) *Var { return tp.Slice(in[0], 1, 2, 6) },
			Ref: func(x [][]float64) []float64 {
				y := make([]float64, 3*4*2)
				ref.CopyAxis(y, 4, 0, x[0], 7, 2, 3, 4, 2)
				return y
			}},
		{Name: "SelectRows", Shapes: [][]int{{7, 5}, {1, 5}},
			Op: func(tp *Tape, in []*Var) *Var { return tp.SelectRows(in[0], in[1], mask) },
			Ref: func(x [][]float64) []float64 {
				y := make([]float64, 35)
				ref.SelectRows(y, x[0], x[1], mask, 7, 5)
				return y
			}},
		{Name: "Patchify", Shapes: [][]int{{2, 3, 6, 4}},
			Op: func(tp *Tape, in []*Var) *Var { return tp.Patchify(in[0], 2) },
			Ref: func(x [][]float64) []float64 {
				y := make([]float64, 2*3*6*4)
				ref.Patchify(y, x[0], 2, 3, 6, 4, 2)
				return y
			}},
		{Name: "Resample2D", Shapes: [][]int{{49, 3}, {3, 7}, {2, 7}}, Const: []bool{false, true, true},
			Init: func(i int, rng *tensor.RNG, x []float64) {
				switch i {
				case 0:
					for j := range x {
						x[j] = rng.NormFloat64()
					}
				case 1:
					copy(x, wy)
				case 2:
					copy(x, wx)
				}
			},
			Op: func(tp *Tape, in []*Var) *Var { return tp.Resample2D(in[0], in[1], in[2], 7, 7, 3, 2) },
			Ref: func(x [][]float64) []float64 {
				y := make([]float64, 6*3)
				ref.Resample2D(y, x[0], x[1], x[2], 7, 7, 3, 2, 3)
				return y
			}},
		{Name: "KoLeo", Shapes: [][]int{{5, 7}},
			Op: func(tp *Tape, in []*Var) *Var { return tp.KoLeo(in[0]) },
			Ref: func(x [][]float64) []float64 {
				l := make([]float64, 1)
				ref.KoLeo(l, make([]float64, 5), x[0], 5, 7)
				return l
			}},
		{Name: "BCEWithLogits", Shapes: [][]int{{3, 5}, {3, 5}, {3, 5}}, Const: []bool{false, true, true},
			Init: func(i int, rng *tensor.RNG, x []float64) {
				for j := range x {
					switch i {
					case 0:
						x[j] = 3 * rng.NormFloat64()
					case 1:
						x[j] = float64(rng.IntN(2))
					default:
						x[j] = float64(rng.IntN(3)) / 2
					}
				}
			},
			Op: func(tp *Tape, in []*Var) *Var { return tp.BCEWithLogits(in[0], in[1], in[2]) },
			Ref: func(x [][]float64) []float64 {
				l := make([]float64, 15)
				ref.BCEWithLogits(l, x[0], x[1], x[2])
				return l
			}},
		{Name: "SoftDice", Shapes: [][]int{{4, 9}, {4, 9}}, Const: []bool{false, true},
			Init: func(i int, rng *tensor.RNG, x []float64) {
				for j := range x {
					if i == 0 {
						x[j] = rng.Float64()
					} else {
						x[j] = float64(rng.IntN(2))
					}
				}
			},
			Op: func(tp *Tape, in []*Var) *Var { return tp.SoftDice(in[0], in[1], 1e-6) },
			Ref: func(x [][]float64) []float64 {
				d := make([]float64, 4)
				ref.SoftDice(d, x[0], x[1], 4, 9, 1e-6)
				return d
			}},
		{Name: "Reshape", Shapes: [][]int{{3, 4}}, Init: positive,
			Op: func(tp *Tape, in []*Var) *Var { return tp.Mul(tp.Reshape(in[0], 2, 6), tp.Reshape(in[0], 2, 6)) },
			Ref: func(x [][]float64) []float64 {
				y := make([]float64, 12)
				ref.Mul(y, x[0], x[0])
				return y
			}},
	}
}
