package autograd

import (
	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/ref"
)

// Gradient-check cases of the fused operators (listed in gradCases).

// linGeluCase checks LinearGelu on rows×in inputs, out features.
func linGeluCase(rows, in, out int, bias bool) GradCase {
	shapes := [][]int{{rows, in}, {out, in}}
	if bias {
		shapes = append(shapes, []int{out})
	}
	return GradCase{Name: "LinearGelu", Shapes: shapes,
		Op: func(tp *Tape, x []*Var) *Var {
			var b *Var
			if len(x) == 3 {
				b = x[2]
			}
			return tp.LinearGelu(x[0], x[1], b)
		},
		Ref: func(x [][]float64) []float64 {
			var b []float64
			if len(x) == 3 {
				b = x[2]
			}
			pre, y := make([]float64, rows*out), make([]float64, rows*out)
			ref.GemmBiasGelu(kernels.Gemm{TransB: true, M: rows, N: out, K: in, Alpha: 1}, x[0], x[1], b, pre, y)
			return y
		}}
}

// addNormCase checks AddScaledLayerNorm (inputs x, a, lnW, lnB and, when
// scaled, γ) through [s, y, s⊙s]: s has a use after y, so its gradient
// arrives from two operators besides the LayerNorm.
func addNormCase(rows, cols int, scaled bool) GradCase {
	shapes := [][]int{{rows, cols}, {rows, cols}, {cols}, {cols}}
	if scaled {
		shapes = append(shapes, []int{cols})
	}
	return GradCase{Name: "AddScaledLayerNorm", Shapes: shapes,
		Op: func(tp *Tape, x []*Var) *Var {
			var g *Var
			if scaled {
				g = x[4]
			}
			s, y := tp.AddScaledLayerNorm(x[0], x[1], g, x[2], x[3], 1e-6)
			return tp.Concat(1, s, y, tp.Mul(s, s))
		},
		Ref: func(x [][]float64) []float64 {
			var g []float64
			if scaled {
				g = x[4]
			}
			n := rows * cols
			s, y := make([]float64, n), make([]float64, n)
			ref.AddScaledLayerNorm(s, y, make([]float64, rows), make([]float64, rows), x[0], x[1], g, x[2], x[3], rows, cols, 1e-6)
			out := make([]float64, 0, 3*n)
			for r := range rows {
				row := s[r*cols : (r+1)*cols]
				out = append(out, row...)
				out = append(out, y[r*cols:(r+1)*cols]...)
				for _, v := range row {
					out = append(out, v*v)
				}
			}
			return out
		}}
}
