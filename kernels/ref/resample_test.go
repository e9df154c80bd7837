package ref

import (
	"fmt"
	"math"
	"testing"

	"github.com/gocx/gocx/kernels"
)

var resampleSizes = [][2]int{{7, 37}, {37, 7}, {37, 37}, {13, 5}, {5, 13}, {1, 3}, {3, 1}, {1, 1}, {16, 37}}

func TestResampleRowsSumToOne(t *testing.T) {
	for _, s := range resampleSizes {
		out, in := s[0], s[1]
		modes := map[string][]float64{
			"mode E":          AntialiasBicubicMatrix(out, in),
			"mode T":          BicubicMatrix(out, in, (float64(out)+0.1)/float64(in)),
			"mode T (in/out)": BicubicMatrix(out, in, 0),
		}
		for name, w := range modes {
			if len(w) != out*in {
				t.Fatalf("%s %d→%d: len %d, want %d", name, in, out, len(w), out*in)
			}
			for i := range out {
				var sum float64
				for j := range in {
					sum += w[i*in+j]
				}
				if math.Abs(sum-1) > 1e-14 {
					t.Errorf("%s %d→%d: row %d sums to %v", name, in, out, i, sum)
				}
			}
		}
	}
}

func TestBicubicIdentity(t *testing.T) {
	for _, n := range []int{1, 3, 7, 37} {
		for name, w := range map[string][]float64{
			"mode T": BicubicMatrix(n, n, 1),
			"mode E": AntialiasBicubicMatrix(n, n),
		} {
			for i := range n {
				for j := range n {
					want := 0.0
					if i == j {
						want = 1
					}
					if math.Abs(w[i*n+j]-want) > 1e-15 {
						t.Errorf("%s %d→%d: W[%d,%d]=%v, want %v", name, n, n, i, j, w[i*n+j], want)
					}
				}
			}
		}
	}
}

// TestBicubicHandValues checks rows worked out by hand from the spec
// formulas.
func TestBicubicHandValues(t *testing.T) {
	// Mode T, 2→4 at scale 2: output 0 sits at x = −0.25, so x0 = −1 and
	// t = 0.75; the taps −2, −1, 0 clamp to 0 and tap 1 stays. With
	// A = −0.75: k(1.75) = −0.03515625, k(0.75) = 0.26171875,
	// k(0.25) = 0.87890625, k(1.25) = −0.10546875.
	w := BicubicMatrix(4, 2, 2)
	if w[0] != 1.10546875 || w[1] != -0.10546875 {
		t.Errorf("mode T 2→4 row 0 = %v, want [1.10546875 -0.10546875]", w[:2])
	}
	// Mode E, 4→2: scale 2, support 4, invs ½; output 0 has center 1 and
	// window [0, 4); the arguments (j − 0.5)/2 are −0.25, 0.25, 0.75, 1.25
	// and with a = −0.5: k(0.25) = 0.8671875, k(0.75) = 0.2265625,
	// k(1.25) = −0.0703125, total 1.890625.
	w = AntialiasBicubicMatrix(2, 4)
	raw := []float64{0.8671875, 0.8671875, 0.2265625, -0.0703125}
	for j, r := range raw {
		if want := r / 1.890625; math.Abs(w[j]-want) > 1e-16 {
			t.Errorf("mode E 4→2 W[0,%d]=%v, want %v", j, w[j], want)
		}
	}
	// Row 1 is row 0 mirrored.
	for j := range 4 {
		if w[4+j] != w[3-j] {
			t.Errorf("mode E 4→2 is not mirror-symmetric: %v", w)
		}
	}
}

// TestModeTOutputSize pins the caller's rule of spec §1.3: with
// scale = (Hp+0.1)/M, floor(M·scale) is Hp, and the ratio BicubicMatrix
// uses is M/(Hp+0.1), not M/Hp.
func TestModeTOutputSize(t *testing.T) {
	const m = 37
	for hp := 1; hp <= 100; hp++ {
		s := (float64(hp) + 0.1) / m
		if got := int(math.Floor(m * s)); got != hp {
			t.Errorf("Hp=%d: floor(M·scale)=%d", hp, got)
		}
	}
	// For 37→7, output 0 samples x = 0.5·37/7.1 − 0.5 = 2.1056…; with the
	// in/out ratio it would be 0.5·37/7 − 0.5 = 2.1428…. The row's centre of
	// mass is not x (A = −0.75 does not reproduce linear functions), so
	// compare with the two choices directly.
	explicit := BicubicMatrix(7, m, 7.1/m)
	recomputed := BicubicMatrix(7, m, 0)
	if relErr(explicit, recomputed) < 1e-3 {
		t.Errorf("the explicit scale factor made no difference")
	}
	x := 0.5*m/7.1 - 0.5
	tt := x - math.Floor(x)
	for q, want := range []float64{keysCubic(tt+1, -0.75), keysCubic(tt, -0.75), keysCubic(1-tt, -0.75), keysCubic(2-tt, -0.75)} {
		if got := explicit[1+q]; math.Abs(got-want) > 1e-13 { // 1/(7.1/37) vs 37/7.1 rounding
			t.Errorf("37→7 W[0,%d]=%v, want %v", 1+q, got, want)
		}
	}
}

func TestResample2DSeparable(t *testing.T) {
	rng := newRNG(t)
	const inH, inW, outH, outW = 5, 13, 7, 3
	wy := AntialiasBicubicMatrix(outH, inH)
	wx := BicubicMatrix(outW, inW, 0)
	// With one channel, dst = Wy·X·Wxᵀ.
	x := randn(rng, inH*inW)
	got := make([]float64, outH*outW)
	Resample2D(got, x, wy, wx, inH, inW, outH, outW, 1)
	tmp, want := make([]float64, outH*inW), make([]float64, outH*outW)
	Gemm(kernels.Gemm{M: outH, N: inW, K: inH, Alpha: 1}, wy, x, tmp)
	Gemm(kernels.Gemm{M: outH, N: outW, K: inW, Alpha: 1, TransB: true}, tmp, wx, want)
	if e := relErr(got, want); e > 1e-14 {
		t.Errorf("Resample2D vs Wy·X·Wxᵀ: relative error %g", e)
	}
	// Channels are independent, and a constant grid stays constant.
	const ch = 3
	src := make([]float64, inH*inW*ch)
	for i := range inH * inW {
		src[i*ch], src[i*ch+1], src[i*ch+2] = x[i], 2.5, -1
	}
	dst := make([]float64, outH*outW*ch)
	Resample2D(dst, src, wy, wx, inH, inW, outH, outW, ch)
	for i := range outH * outW {
		if dst[i*ch] != got[i] || math.Abs(dst[i*ch+1]-2.5) > 1e-14 || math.Abs(dst[i*ch+2]+1) > 1e-14 {
			t.Fatalf("position %d: channels %v, want [%v 2.5 -1]", i, dst[i*ch:i*ch+3], got[i])
		}
	}
}

func TestResample2DAdjoint(t *testing.T) {
	rng := newRNG(t)
	for _, d := range [][5]int{{37, 37, 7, 7, 4}, {7, 3, 37, 13, 1}, {1, 5, 3, 1, 2}} {
		inH, inW, outH, outW, ch := d[0], d[1], d[2], d[3], d[4]
		wy := AntialiasBicubicMatrix(outH, inH)
		wx := BicubicMatrix(outW, inW, (float64(outW)+0.1)/float64(inW))
		x, y := randn(rng, inH*inW*ch), randn(rng, outH*outW*ch)
		ax, aty := make([]float64, len(y)), make([]float64, len(x))
		Resample2D(ax, x, wy, wx, inH, inW, outH, outW, ch)
		Resample2DAdjoint(aty, y, wy, wx, inH, inW, outH, outW, ch)
		l, r := dot(ax, y), dot(x, aty)
		if math.Abs(l-r) > 1e-12*max(1, math.Abs(l)) {
			t.Errorf("%v: ⟨A x, y⟩=%v but ⟨x, Aᵀy⟩=%v", d, l, r)
		}
	}
}

func ExampleAntialiasBicubicMatrix() {
	// Downsample 4 samples to 2 (mode E): each output averages its
	// neighbourhood with the stretched a = −0.5 cubic, weights summing to 1.
	w := AntialiasBicubicMatrix(2, 4)
	for i := range 2 {
		fmt.Printf("%.4f\n", w[i*4:(i+1)*4])
	}
	// Output:
	// [0.4587 0.4587 0.1198 -0.0372]
	// [-0.0372 0.1198 0.4587 0.4587]
}
