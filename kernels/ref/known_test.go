package ref

import (
	"math"
	"testing"

	"github.com/gocx/gocx/kernels"
)

func TestSoftmaxKnown(t *testing.T) {
	for _, cols := range []int{1, 3, 7, 13} {
		// Equal inputs, large enough that a missing max-shift overflows.
		x := make([]float64, 2*cols)
		for i := range x {
			x[i] = 1000
		}
		y := make([]float64, 2*cols)
		Softmax(y, x, 2, cols)
		for i, v := range y {
			if math.Abs(v-1/float64(cols)) > 1e-15 {
				t.Fatalf("Softmax of equal inputs, cols=%d: y[%d]=%v, want 1/%d", cols, i, v, cols)
			}
		}
		LogSoftmax(y, x, 2, cols)
		for i, v := range y {
			if math.Abs(v+math.Log(float64(cols))) > 1e-12 {
				t.Fatalf("LogSoftmax of equal inputs, cols=%d: y[%d]=%v, want -log %d", cols, i, v, cols)
			}
		}
	}
	// LogSoftmax is the log of Softmax.
	rng := newRNG(t)
	x := randn(rng, 3*13)
	p, lp := make([]float64, len(x)), make([]float64, len(x))
	Softmax(p, x, 3, 13)
	LogSoftmax(lp, x, 3, 13)
	for i := range p {
		p[i] = math.Log(p[i])
	}
	if e := relErr(lp, p); e > 1e-14 {
		t.Errorf("LogSoftmax vs log(Softmax): relative error %g", e)
	}
}

func TestLayerNormKnown(t *testing.T) {
	rng := newRNG(t)
	const rows, cols = 3, 13
	x := randn(rng, rows*cols)
	for i := range x {
		x[i] = 5 + 3*x[i]
	}
	gamma, beta := make([]float64, cols), make([]float64, cols)
	for k := range gamma {
		gamma[k] = 1
	}
	y, mean, rstd := make([]float64, rows*cols), make([]float64, rows), make([]float64, rows)
	LayerNorm(y, mean, rstd, x, gamma, beta, rows, cols, 1e-12)
	for r := range rows {
		var mu, m2, xm float64
		for k := range cols {
			mu += y[r*cols+k]
			m2 += y[r*cols+k] * y[r*cols+k]
			xm += x[r*cols+k]
		}
		mu /= cols
		m2 /= cols
		if math.Abs(mu) > 1e-14 || math.Abs(m2-1) > 1e-10 {
			t.Errorf("row %d: normalised mean %g, variance %g; want 0 and 1", r, mu, m2)
		}
		if math.Abs(mean[r]-xm/cols) > 1e-13 {
			t.Errorf("row %d: saved mean %v, want %v", r, mean[r], xm/cols)
		}
	}
	// A constant row has zero variance: y = β and rstd = 1/√eps.
	c := []float64{2, 2, 2}
	LayerNorm(c, mean[:1], rstd[:1], c, []float64{4, 5, 6}, []float64{7, 8, 9}, 1, 3, 0.25)
	if c[0] != 7 || c[1] != 8 || c[2] != 9 || rstd[0] != 2 {
		t.Errorf("constant row: y=%v rstd=%v, want [7 8 9] and 2", c, rstd[0])
	}
}

func TestGeluKnown(t *testing.T) {
	x := []float64{0, 1, -1, 10, -10, 40}
	want := []float64{0, 0.8413447460685429, -0.15865525393145707, 10, 0, 40} // x·Φ(x)
	y := make([]float64, len(x))
	Gelu(y, x)
	for i := range x {
		if math.Abs(y[i]-want[i]) > 1e-15*max(1, math.Abs(want[i])) {
			t.Errorf("Gelu(%v) = %v, want %v", x[i], y[i], want[i])
		}
	}
	dy := []float64{1, 1, 1, 1, 1, 1}
	GeluBackward(y, x, dy)
	// GELU'(0) = ½, GELU'(x) → 1 for large x and → 0 for very negative x.
	if y[0] != 0.5 || math.Abs(y[3]-1) > 1e-15 || math.Abs(y[4]) > 1e-15 {
		t.Errorf("GeluBackward at 0, 10, −10 = %v %v %v, want ½ 1 0", y[0], y[3], y[4])
	}
	// GELU'(1) = Φ(1) + φ(1).
	if w := 0.8413447460685429 + 0.24197072451914337; math.Abs(y[1]-w) > 1e-15 {
		t.Errorf("GeluBackward at 1 = %v, want %v", y[1], w)
	}
}

func TestAttentionKnown(t *testing.T) {
	// With equal keys every query attends uniformly: out is the mean of V.
	rng := newRNG(t)
	p := kernels.Attention{BH: 2, SQ: 3, SK: 5, HD: 4, Scale: 0.5}
	q, v := randn(rng, 2*3*4), randn(rng, 2*5*4)
	k := make([]float64, 2*5*4)
	for i := range k {
		k[i] = float64(i % 4)
	}
	out, probs := make([]float64, len(q)), make([]float64, 2*3*5)
	Attention(p, out, probs, q, k, v)
	for b := range 2 {
		for i := range 3 {
			for d := range 4 {
				var m float64
				for j := range 5 {
					m += v[(b*5+j)*4+d] / 5
				}
				if got := out[(b*3+i)*4+d]; math.Abs(got-m) > 1e-14 {
					t.Errorf("out[%d,%d,%d]=%v, want mean of V %v", b, i, d, got, m)
				}
			}
		}
	}
	for i, pv := range probs {
		if math.Abs(pv-0.2) > 1e-15 {
			t.Fatalf("probs[%d]=%v, want 0.2", i, pv)
		}
	}
	// Attention equals softmax(scale·Q·Kᵀ)·V formed with Gemm and Softmax.
	k = randn(rng, len(k))
	Attention(p, out, probs, q, k, v)
	s, pr, want := make([]float64, 2*3*5), make([]float64, 2*3*5), make([]float64, len(q))
	Gemm(kernels.Gemm{TransB: true, M: 3, N: 5, K: 4, Alpha: p.Scale, Batch: 2}, q, k, s)
	Softmax(pr, s, 6, 5)
	Gemm(kernels.Gemm{M: 3, N: 4, K: 5, Alpha: 1, Batch: 2}, pr, v, want)
	if e := relErr(out, want); e > 1e-14 {
		t.Errorf("Attention vs Gemm·Softmax·Gemm: relative error %g", e)
	}
	if e := relErr(probs, pr); e > 1e-14 {
		t.Errorf("Attention probs vs Softmax: relative error %g", e)
	}
}

func TestSoftCrossEntropyOneHot(t *testing.T) {
	rng := newRNG(t)
	const rows, cols, temp = 7, 13, 0.1
	s := randn(rng, rows*cols)
	tg := make([]float64, rows*cols)
	label := make([]int, rows)
	for r := range rows {
		label[r] = (5 * r) % cols
		tg[r*cols+label[r]] = 1
	}
	loss := make([]float64, rows)
	SoftCrossEntropy(loss, tg, s, rows, cols, temp)
	z, ls := make([]float64, rows*cols), make([]float64, rows*cols)
	Scale(z, s, 1/temp)
	LogSoftmax(ls, z, rows, cols)
	for r := range rows {
		if want := -ls[r*cols+label[r]]; math.Abs(loss[r]-want) > 1e-12*max(1, want) {
			t.Errorf("row %d: loss %v, want −log_softmax %v", r, loss[r], want)
		}
	}
}

func TestNormsKnown(t *testing.T) {
	rng := newRNG(t)
	const rows, cols = 3, 7
	x := randn(rng, rows*cols)
	y, norm := make([]float64, rows*cols), make([]float64, rows)
	L2Normalize(y, norm, x, rows, cols, 1e-12)
	g := []float64{2, -0.5, 3}
	w := make([]float64, rows*cols)
	WeightNorm(w, norm, g, x, rows, cols)
	for r := range rows {
		var ny, nw, nx float64
		for k := range cols {
			ny += y[r*cols+k] * y[r*cols+k]
			nw += w[r*cols+k] * w[r*cols+k]
			nx += x[r*cols+k] * x[r*cols+k]
		}
		if math.Abs(ny-1) > 1e-14 || math.Abs(math.Sqrt(nw)-math.Abs(g[r])) > 1e-14 || math.Abs(norm[r]-math.Sqrt(nx)) > 1e-14 {
			t.Errorf("row %d: ‖y‖²=%v (want 1), ‖w‖=%v (want |g|=%v), norm=%v (want %v)",
				r, ny, math.Sqrt(nw), math.Abs(g[r]), norm[r], math.Sqrt(nx))
		}
	}
	// Below eps the row is divided by eps, not by its norm.
	L2Normalize(y[:2], norm[:1], []float64{3e-4, 4e-4}, 1, 2, 1e-3)
	if math.Abs(y[0]-0.3) > 1e-15 || math.Abs(y[1]-0.4) > 1e-15 || math.Abs(norm[0]-5e-4) > 1e-18 {
		t.Errorf("below eps: y=%v norm=%v, want [0.3 0.4] and 5e-4", y[:2], norm[0])
	}
}

func TestReductionsKnown(t *testing.T) {
	// x[o,i,j] = 100·o + 10·i + j over (2, 3, 4).
	x := make([]float64, 24)
	for o := range 2 {
		for i := range 3 {
			for j := range 4 {
				x[(o*3+i)*4+j] = float64(100*o + 10*i + j)
			}
		}
	}
	sum, mean := make([]float64, 8), make([]float64, 8)
	SumAxis(sum, x, 2, 3, 4)
	MeanAxis(mean, x, 2, 3, 4)
	for o := range 2 {
		for j := range 4 {
			want := float64(3*(100*o+j) + 30)
			if sum[o*4+j] != want || mean[o*4+j] != want/3 {
				t.Errorf("[%d,%d]: sum %v mean %v, want %v and %v", o, j, sum[o*4+j], mean[o*4+j], want, want/3)
			}
		}
	}
	// SumRows is SumAxis with outer = 1.
	rows := make([]float64, 12)
	SumRows(rows, x, 2, 12)
	for c := range 12 {
		if rows[c] != x[c]+x[12+c] {
			t.Errorf("SumRows[%d]=%v, want %v", c, rows[c], x[c]+x[12+c])
		}
	}
	// Axpy accumulates; EMA interpolates.
	y := []float64{1, 2, 3}
	Axpy(y, 2, []float64{1, 1, -1})
	if y[0] != 3 || y[1] != 4 || y[2] != 1 {
		t.Errorf("Axpy: %v, want [3 4 1]", y)
	}
	EMA(y, []float64{13, 4, 11}, 0.75)
	if y[0] != 5.5 || y[1] != 4 || y[2] != 3.5 {
		t.Errorf("EMA: %v, want [5.5 4 3.5]", y)
	}
}
