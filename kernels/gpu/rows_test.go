package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gocx/gocx/kernels/ref"
)

// rowShapes are rows×cols cases: single elements, primes, widths that pick
// each workgroup size (64/128/256) and non-multiples of all of them.
var rowShapes = [][2]int{{1, 1}, {3, 7}, {5, 64}, {2, 257}, {13, 300}, {3, 2049}}

// forEachReducePath runs f with the subgroup reductions (when the probe
// allowed them) and with the workgroup-memory tree.
func forEachReducePath(t *testing.T, d *Device, f func(t *testing.T)) {
	defer d.SetSubgroups(true)
	for _, sg := range []bool{true, false} {
		if ok, _ := d.Subgroups(); sg && !ok {
			continue
		}
		d.SetSubgroups(sg)
		t.Run(fmt.Sprintf("subgroups=%v", sg), f)
	}
}

func checkErr(t *testing.T, what string, got []float32, want []float64, bound float64) {
	t.Helper()
	if e := relErr(got, want); e > bound || math.IsNaN(e) {
		t.Errorf("%s: relative error %.3g > %.3g", what, e, bound)
	}
}

func TestSoftmaxFamily(t *testing.T) {
	d := openTestDevice(t)
	forEachReducePath(t, d, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(21, 22))
		for _, s := range rowShapes {
			rows, cols := s[0], s[1]
			n := rows * cols
			x := randSlice(rng, n)
			for i := range x {
				x[i] *= 4 // spread the logits so max-subtraction matters
			}
			dy := randSlice(rng, n)
			gx, gdy := mustUpload(t, d, x), mustUpload(t, d, dy)
			gy, _ := d.Alloc(n)
			gdx, _ := d.Alloc(n)
			name := fmt.Sprintf("%dx%d", rows, cols)
			for _, log := range []bool{false, true} {
				want := make([]float64, n)
				if log {
					ref.LogSoftmax(want, to64(x), rows, cols)
					if err := d.LogSoftmax(gy, gx, rows, cols); err != nil {
						t.Fatal(err)
					}
				} else {
					ref.Softmax(want, to64(x), rows, cols)
					if err := d.Softmax(gy, gx, rows, cols); err != nil {
						t.Fatal(err)
					}
				}
				y := mustDownload(t, d, gy)
				checkErr(t, fmt.Sprintf("%s log=%v forward", name, log), y, want, 2e-6)

				wantDx := make([]float64, n)
				if log {
					ref.LogSoftmaxBackward(wantDx, to64(y), to64(dy), rows, cols)
					if err := d.LogSoftmaxBackward(gdx, gy, gdy, rows, cols); err != nil {
						t.Fatal(err)
					}
				} else {
					ref.SoftmaxBackward(wantDx, to64(y), to64(dy), rows, cols)
					if err := d.SoftmaxBackward(gdx, gy, gdy, rows, cols); err != nil {
						t.Fatal(err)
					}
				}
				checkErr(t, fmt.Sprintf("%s log=%v backward", name, log), mustDownload(t, d, gdx), wantDx, 1e-5)
			}
			for _, b := range []*Buffer{gx, gdy, gy, gdx} {
				b.Release()
			}
		}
	})
}

func TestLayerNorm(t *testing.T) {
	d := openTestDevice(t)
	forEachReducePath(t, d, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(23, 24))
		for _, s := range append(rowShapes, [2]int{70, 33}) {
			rows, cols := s[0], s[1]
			n := rows * cols
			x, gamma, beta, dy := randSlice(rng, n), randSlice(rng, cols), randSlice(rng, cols), randSlice(rng, n)
			for i := range x {
				x[i] = 3 + 2*x[i] // an offset mean tests the two-pass variance
			}
			gx, gg, gb, gdy := mustUpload(t, d, x), mustUpload(t, d, gamma), mustUpload(t, d, beta), mustUpload(t, d, dy)
			gy, _ := d.Alloc(n)
			gm, _ := d.Alloc(rows)
			gr, _ := d.Alloc(rows)
			gdx, _ := d.Alloc(n)
			gdg, _ := d.Alloc(cols)
			gdb, _ := d.Alloc(cols)
			const eps = 1e-6
			if err := d.LayerNorm(gy, gm, gr, gx, gg, gb, rows, cols, eps); err != nil {
				t.Fatal(err)
			}
			wy, wm, wr := make([]float64, n), make([]float64, rows), make([]float64, rows)
			ref.LayerNorm(wy, wm, wr, to64(x), to64(gamma), to64(beta), rows, cols, eps)
			name := fmt.Sprintf("%dx%d", rows, cols)
			checkErr(t, name+" y", mustDownload(t, d, gy), wy, 2e-6)
			checkErr(t, name+" mean", mustDownload(t, d, gm), wm, 2e-6)
			checkErr(t, name+" rstd", mustDownload(t, d, gr), wr, 2e-6)

			if err := d.LayerNormBackward(gdx, gdg, gdb, gdy, gx, gm, gr, gg, rows, cols); err != nil {
				t.Fatal(err)
			}
			wdx, wdg, wdb := make([]float64, n), make([]float64, cols), make([]float64, cols)
			ref.LayerNormBackward(wdx, wdg, wdb, to64(dy), to64(x), wm, wr, to64(gamma), rows, cols)
			if cols > 1 { // one column: dx is 0 up to rounding, a relative error means nothing
				checkErr(t, name+" dx", mustDownload(t, d, gdx), wdx, 2e-5)
			}
			checkErr(t, name+" dgamma", mustDownload(t, d, gdg), wdg, 1e-5)
			checkErr(t, name+" dbeta", mustDownload(t, d, gdb), wdb, 1e-5)
			for _, b := range []*Buffer{gx, gg, gb, gdy, gy, gm, gr, gdx, gdg, gdb} {
				b.Release()
			}
		}
	})
}

func TestGelu(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(25, 26))
	for _, n := range []int{1, 3, 8, 1001, 4096} {
		x, dy := randSlice(rng, n), randSlice(rng, n)
		for i := range x {
			x[i] *= 3 // reach the tails of Φ
		}
		if n > 4 {
			x[0], x[1], x[2] = -12, 12, 0
		}
		gx, gdy := mustUpload(t, d, x), mustUpload(t, d, dy)
		gy, _ := d.Alloc(n)
		gdx, _ := d.Alloc(n)
		if err := d.Gelu(gy, gx); err != nil {
			t.Fatal(err)
		}
		if err := d.GeluBackward(gdx, gx, gdy); err != nil {
			t.Fatal(err)
		}
		wy, wdx := make([]float64, n), make([]float64, n)
		ref.Gelu(wy, to64(x))
		ref.GeluBackward(wdx, to64(x), to64(dy))
		checkErr(t, fmt.Sprintf("n=%d forward", n), mustDownload(t, d, gy), wy, 1e-6)
		checkErr(t, fmt.Sprintf("n=%d backward", n), mustDownload(t, d, gdx), wdx, 1e-6)
		for _, b := range []*Buffer{gx, gdy, gy, gdx} {
			b.Release()
		}
	}
}

func TestRowKernelPanics(t *testing.T) {
	d := openTestDevice(t)
	a, _ := d.Alloc(6)
	b, _ := d.Alloc(6)
	defer a.Release()
	defer b.Release()
	mustPanic(t, "softmax shape", func() { d.Softmax(b, a, 2, 4) })
	mustPanic(t, "softmax alias", func() { d.Softmax(a, a, 2, 3) })
	mustPanic(t, "gelu length", func() {
		c, _ := d.Alloc(5)
		defer c.Release()
		d.Gelu(c, a)
	})
}
