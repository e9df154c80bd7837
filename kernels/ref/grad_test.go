package ref

import (
	"fmt"
	"testing"

	"github.com/gocx/gocx/kernels"
)

func TestElementwiseGrad(t *testing.T) {
	rng := newRNG(t)
	for _, n := range []int{1, 3, 7, 13} {
		a, b, dy := randn(rng, n), randn(rng, n), randn(rng, n)
		y := make([]float64, n)
		da, db := make([]float64, n), make([]float64, n)

		copy(da, dy)
		copy(db, dy)
		checkGrad(t, "Add", func() []float64 { Add(y, a, b); return y }, dy, wrt{"a", a, da}, wrt{"b", b, db})

		Mul(da, dy, b)
		Mul(db, dy, a)
		checkGrad(t, "Mul", func() []float64 { Mul(y, a, b); return y }, dy, wrt{"a", a, da}, wrt{"b", b, db})

		Scale(da, dy, -1.7)
		checkGrad(t, "Scale", func() []float64 { Scale(y, a, -1.7); return y }, dy, wrt{"x", a, da})

		Exp(y, a)
		Mul(da, dy, y)
		checkGrad(t, "Exp", func() []float64 { Exp(y, a); return y }, dy, wrt{"x", a, da})

		Scale(a, a, 3) // reach the tails of GELU too
		GeluBackward(da, a, dy)
		checkGrad(t, "Gelu", func() []float64 { Gelu(y, a); return y }, dy, wrt{"x", a, da})
	}
}

func TestReductionGrad(t *testing.T) {
	rng := newRNG(t)
	for _, s := range shapes {
		rows, cols := s[0], s[1]
		x, bias, dy := randn(rng, rows*cols), randn(rng, cols), randn(rng, rows*cols)
		y := make([]float64, rows*cols)
		dbias := make([]float64, cols)
		SumRows(dbias, dy, rows, cols)
		checkGrad(t, fmt.Sprintf("AddBias %d×%d", rows, cols),
			func() []float64 { AddBias(y, x, bias, rows, cols); return y }, dy,
			wrt{"x", x, dy}, wrt{"bias", bias, dbias})
	}
	for _, d := range [][3]int{{1, 1, 1}, {3, 7, 1}, {1, 13, 3}, {2, 3, 5}} {
		outer, n, inner := d[0], d[1], d[2]
		name := fmt.Sprintf("%d×%d×%d", outer, n, inner)
		x, g := randn(rng, outer*n*inner), randn(rng, outer*inner)
		r := make([]float64, outer*inner)
		full := make([]float64, outer*n*inner)
		dx := make([]float64, outer*n*inner)

		BroadcastAxis(dx, g, outer, n, inner, 1)
		checkGrad(t, "SumAxis "+name, func() []float64 { SumAxis(r, x, outer, n, inner); return r }, g, wrt{"x", x, dx})

		BroadcastAxis(dx, g, outer, n, inner, 1/float64(n))
		checkGrad(t, "MeanAxis "+name, func() []float64 { MeanAxis(r, x, outer, n, inner); return r }, g, wrt{"x", x, dx})

		dfull := randn(rng, outer*n*inner)
		dg := make([]float64, outer*inner)
		SumAxis(dg, dfull, outer, n, inner)
		Scale(dg, dg, 0.3)
		checkGrad(t, "BroadcastAxis "+name,
			func() []float64 { BroadcastAxis(full, g, outer, n, inner, 0.3); return full }, dfull, wrt{"g", g, dg})
	}
}

func TestRowOpsGrad(t *testing.T) {
	rng := newRNG(t)
	for _, s := range shapes {
		rows, cols := s[0], s[1]
		name := fmt.Sprintf("%d×%d", rows, cols)
		x, dy := randn(rng, rows*cols), randn(rng, rows*cols)
		y, dx := make([]float64, rows*cols), make([]float64, rows*cols)

		Softmax(y, x, rows, cols)
		SoftmaxBackward(dx, y, dy, rows, cols)
		checkGrad(t, "Softmax "+name, func() []float64 { Softmax(y, x, rows, cols); return y }, dy, wrt{"x", x, dx})

		LogSoftmax(y, x, rows, cols)
		LogSoftmaxBackward(dx, y, dy, rows, cols)
		checkGrad(t, "LogSoftmax "+name, func() []float64 { LogSoftmax(y, x, rows, cols); return y }, dy, wrt{"x", x, dx})

		gamma, beta := randn(rng, cols), randn(rng, cols)
		mean, rstd := make([]float64, rows), make([]float64, rows)
		dgamma, dbeta := make([]float64, cols), make([]float64, cols)
		const eps = 1e-5
		LayerNorm(y, mean, rstd, x, gamma, beta, rows, cols, eps)
		LayerNormBackward(dx, dgamma, dbeta, dy, x, mean, rstd, gamma, rows, cols)
		checkGrad(t, "LayerNorm "+name,
			func() []float64 { LayerNorm(y, mean, rstd, x, gamma, beta, rows, cols, eps); return y }, dy,
			wrt{"x", x, dx}, wrt{"gamma", gamma, dgamma}, wrt{"beta", beta, dbeta})
	}
}

func TestAttentionGrad(t *testing.T) {
	rng := newRNG(t)
	for _, p := range []kernels.Attention{
		{BH: 1, SQ: 1, SK: 1, HD: 1, Scale: 1},
		{BH: 2, SQ: 7, SK: 13, HD: 3, Scale: 0.5},
		{BH: 3, SQ: 5, SK: 2, HD: 7, Scale: 1 / 2.6457513110645907},
	} {
		nq, nk, np := p.BH*p.SQ*p.HD, p.BH*p.SK*p.HD, p.BH*p.SQ*p.SK
		q, k, v, dout := randn(rng, nq), randn(rng, nk), randn(rng, nk), randn(rng, nq)
		out, probs := make([]float64, nq), make([]float64, np)
		dq, dk, dv := make([]float64, nq), make([]float64, nk), make([]float64, nk)
		Attention(p, out, probs, q, k, v)
		AttentionBackward(p, dq, dk, dv, dout, q, k, v, probs)
		checkGrad(t, fmt.Sprintf("Attention %+v", p),
			func() []float64 { Attention(p, out, probs, q, k, v); return out }, dout,
			wrt{"q", q, dq}, wrt{"k", k, dk}, wrt{"v", v, dv})
	}
}

func TestSoftCrossEntropyGrad(t *testing.T) {
	rng := newRNG(t)
	for _, s := range shapes {
		rows, cols := s[0], s[1]
		for _, temp := range []float64{1, 0.1} {
			sc, tg, dloss := randn(rng, rows*cols), make([]float64, rows*cols), randn(rng, rows)
			Softmax(tg, randn(rng, rows*cols), rows, cols)
			tg[0] *= 1.5 // a target that does not sum to one
			loss, ds := make([]float64, rows), make([]float64, rows*cols)
			SoftCrossEntropyBackward(ds, dloss, tg, sc, rows, cols, temp)
			checkGrad(t, fmt.Sprintf("SoftCrossEntropy %d×%d temp %g", rows, cols, temp),
				func() []float64 { SoftCrossEntropy(loss, tg, sc, rows, cols, temp); return loss }, dloss,
				wrt{"s", sc, ds})
		}
	}
}

func TestNormsGrad(t *testing.T) {
	rng := newRNG(t)
	for _, s := range shapes {
		rows, cols := s[0], s[1]
		name := fmt.Sprintf("%d×%d", rows, cols)
		x, dy := randn(rng, rows*cols), randn(rng, rows*cols)
		y, dx, norm := make([]float64, rows*cols), make([]float64, rows*cols), make([]float64, rows)
		const eps = 1e-3
		// The last row is below eps, where y = x/eps.
		for k := range cols {
			x[(rows-1)*cols+k] *= 1e-5
		}
		L2Normalize(y, norm, x, rows, cols, eps)
		L2NormalizeBackward(dx, dy, y, norm, rows, cols, eps)
		checkGrad(t, "L2Normalize "+name,
			func() []float64 { L2Normalize(y, norm, x, rows, cols, eps); return y }, dy, wrt{"x", x, dx})

		g, v, dw := randn(rng, rows), randn(rng, rows*cols), randn(rng, rows*cols)
		w, dg, dv := make([]float64, rows*cols), make([]float64, rows), make([]float64, rows*cols)
		WeightNorm(w, norm, g, v, rows, cols)
		WeightNormBackward(dg, dv, dw, g, v, norm, rows, cols)
		checkGrad(t, "WeightNorm "+name,
			func() []float64 { WeightNorm(w, norm, g, v, rows, cols); return w }, dw,
			wrt{"g", g, dg}, wrt{"v", v, dv})
	}
}

func TestShapeOpsGrad(t *testing.T) {
	rng := newRNG(t)
	shape, perm := []int{2, 3, 1, 5}, []int{3, 0, 2, 1}
	pshape, inv := permutedShape(shape, perm), inversePerm(perm)
	src, dy := randn(rng, 30), randn(rng, 30)
	dst, dsrc := make([]float64, 30), make([]float64, 30)
	Permute(dsrc, dy, pshape, inv)
	checkGrad(t, "Permute", func() []float64 { Permute(dst, src, shape, perm); return dst }, dy, wrt{"src", src, dsrc})

	const cols = 3
	idx := []int32{4, 0, 4, 2, 4, 1, 0}
	table, drows := randn(rng, 5*cols), randn(rng, len(idx)*cols)
	rows, dtable := make([]float64, len(idx)*cols), make([]float64, 5*cols)
	ScatterAddRows(dtable, drows, idx, cols)
	checkGrad(t, "GatherRows", func() []float64 { GatherRows(rows, table, idx, cols); return rows }, drows,
		wrt{"src", table, dtable})

	base, upd, dbase := randn(rng, 5*cols), randn(rng, len(idx)*cols), randn(rng, 5*cols)
	acc, dupd := make([]float64, 5*cols), make([]float64, len(idx)*cols)
	GatherRows(dupd, dbase, idx, cols)
	checkGrad(t, "ScatterAddRows",
		func() []float64 { copy(acc, base); ScatterAddRows(acc, upd, idx, cols); return acc }, dbase,
		wrt{"src", upd, dupd}, wrt{"dst", base, dbase})

	const b, c, h, w, p = 2, 3, 6, 9, 3
	n := b * c * h * w
	img, dpatch := randn(rng, n), randn(rng, n)
	patches, dimg := make([]float64, n), make([]float64, n)
	Unpatchify(dimg, dpatch, b, c, h, w, p)
	checkGrad(t, "Patchify", func() []float64 { Patchify(patches, img, b, c, h, w, p); return patches }, dpatch,
		wrt{"img", img, dimg})
	dimg2, dpatch2 := randn(rng, n), make([]float64, n)
	Patchify(dpatch2, dimg2, b, c, h, w, p)
	checkGrad(t, "Unpatchify", func() []float64 { Unpatchify(img, patches, b, c, h, w, p); return img }, dimg2,
		wrt{"dpatch", patches, dpatch2})
}

func TestResample2DGrad(t *testing.T) {
	rng := newRNG(t)
	for _, d := range [][5]int{{37, 37, 7, 7, 3}, {5, 3, 13, 7, 2}, {1, 1, 3, 1, 1}} {
		inH, inW, outH, outW, ch := d[0], d[1], d[2], d[3], d[4]
		wy := BicubicMatrix(outH, inH, (float64(outH)+0.1)/float64(inH))
		wx := AntialiasBicubicMatrix(outW, inW)
		src, ddst := randn(rng, inH*inW*ch), randn(rng, outH*outW*ch)
		dst, dsrc := make([]float64, outH*outW*ch), make([]float64, inH*inW*ch)
		Resample2DAdjoint(dsrc, ddst, wy, wx, inH, inW, outH, outW, ch)
		checkGrad(t, fmt.Sprintf("Resample2D %v", d),
			func() []float64 { Resample2D(dst, src, wy, wx, inH, inW, outH, outW, ch); return dst }, ddst,
			wrt{"src", src, dsrc})
	}
}

func permutedShape(shape, perm []int) []int {
	out := make([]int, len(perm))
	for a, p := range perm {
		out[a] = shape[p]
	}
	return out
}

func inversePerm(perm []int) []int {
	inv := make([]int, len(perm))
	for a, p := range perm {
		inv[p] = a
	}
	return inv
}
