package tensor

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/ref"
)

func TestLinearGeluMatchesRef(t *testing.T) {
	rng := NewRNG(71)
	for _, dev := range testDevices(t) {
		for _, s := range []struct {
			lead    []int
			in, out int
			bias    bool
		}{{[]int{1}, 1, 1, true}, {[]int{2, 7}, 13, 5, true}, {[]int{9}, 17, 12, false}, {[]int{3, 11}, 64, 96, true}} {
			rows := numel("", s.lead)
			xf, xd := randData(rng, rows*s.in)
			wf, wd := randData(rng, s.out*s.in)
			bf, bd := randData(rng, s.out)
			var b *Tensor
			if s.bias {
				b = MustFromSlice(dev, bf, s.out)
			} else {
				bd = nil
			}
			x := MustFromSlice(dev, xf, append(append([]int(nil), s.lead...), s.in)...)
			h, y := LinearGelu(x, MustFromSlice(dev, wf, s.out, s.in), b)
			wantH, wantY := make([]float64, rows*s.out), make([]float64, rows*s.out)
			ref.GemmBiasGelu(kernels.Gemm{TransB: true, M: rows, N: s.out, K: s.in, Alpha: 1}, xd, wd, bd, wantH, wantY)
			name := fmt.Sprintf("%s LinearGelu %v×%d→%d bias=%v", dev, s.lead, s.in, s.out, s.bias)
			if got := h.Shape(); len(got) != len(s.lead)+1 || got[len(got)-1] != s.out {
				t.Fatalf("%s: h shape %v", name, got)
			}
			if e := relErr(h.Data(), wantH); !(e <= 1e-5) {
				t.Errorf("%s: h rel err %g", name, e)
			}
			if e := relErr(y.Data(), wantY); !(e <= 1e-5) {
				t.Errorf("%s: y rel err %g", name, e)
			}
			// Without the pre-activation the output is the same, bit for bit.
			yo := LinearGeluOutput(x, MustFromSlice(dev, wf, s.out, s.in), b)
			if got, want := yo.Data(), y.Data(); !bitsEqual(got, want) {
				t.Errorf("%s: LinearGeluOutput differs from LinearGelu's y (rel %g)", name, relErr(got, wantY))
			}
		}
	}
}

func TestAddScaledLayerNormMatchesRef(t *testing.T) {
	rng := NewRNG(72)
	for _, dev := range testDevices(t) {
		for _, s := range [][3]int{{1, 1, 1}, {2, 3, 7}, {1, 5, 384}, {3, 1, 13}} {
			for _, scaled := range []bool{true, false} {
				n, rows, cols := s[0]*s[1]*s[2], s[0]*s[1], s[2]
				xf, xd := randData(rng, n)
				af, ad := randData(rng, n)
				gf, gd := randData(rng, cols)
				wf, wd := randData(rng, cols)
				bf, bd := randData(rng, cols)
				var gamma *Tensor
				if scaled {
					gamma = MustFromSlice(dev, gf, cols)
				} else {
					gd = nil
				}
				sum, y, mean, rstd := AddScaledLayerNorm(MustFromSlice(dev, xf, s[:]...), MustFromSlice(dev, af, s[:]...),
					gamma, MustFromSlice(dev, wf, cols), MustFromSlice(dev, bf, cols), 1e-6)
				ws, wy, wm, wr := make([]float64, n), make([]float64, n), make([]float64, rows), make([]float64, rows)
				ref.AddScaledLayerNorm(ws, wy, wm, wr, xd, ad, gd, wd, bd, rows, cols, 1e-6)
				name := fmt.Sprintf("%s AddScaledLayerNorm %v scaled=%v", dev, s, scaled)
				for _, c := range []struct {
					what string
					got  *Tensor
					want []float64
				}{{"sum", sum, ws}, {"y", y, wy}, {"mean", mean, wm}, {"rstd", rstd, wr}} {
					if e := relErr(c.got.Data(), c.want); !(e <= 2e-6) {
						t.Errorf("%s: %s rel err %g", name, c.what, e)
					}
				}
			}
		}
	}
}

func TestFusedShapeErrors(t *testing.T) {
	x, w := Zeros(CPU, 2, 3), Zeros(CPU, 4, 3)
	for _, c := range []struct {
		want string
		f    func()
	}{
		{"tensor.LinearGelu: x (2, 3) and weight (3, 4)", func() { LinearGelu(x, Zeros(CPU, 3, 4), nil) }},
		{"tensor.LinearGelu: bias has shape (3), want (4)", func() { LinearGelu(x, w, Zeros(CPU, 3)) }},
		{"tensor.AddScaledLayerNorm: shapes (2, 3) and (3, 2) differ", func() {
			AddScaledLayerNorm(x, Zeros(CPU, 3, 2), nil, Zeros(CPU, 3), Zeros(CPU, 3), 1e-6)
		}},
		{"tensor.AddScaledLayerNorm: gamma has shape (2), want (3)", func() {
			AddScaledLayerNorm(x, x, Zeros(CPU, 2), Zeros(CPU, 3), Zeros(CPU, 3), 1e-6)
		}},
	} {
		func() {
			defer func() {
				if r := recover(); !strings.Contains(fmt.Sprint(r), c.want) {
					t.Errorf("panic %v, want %q", r, c.want)
				}
			}()
			c.f()
		}()
	}
}
