package optim

import (
	"math"
	"strings"
	"testing"

	"github.com/gocx/gocx/nn"
	"github.com/gocx/gocx/tensor"
)

func gradNorm(ps nn.Params) float64 {
	var s float64
	for _, p := range ps {
		if p.V.Grad != nil {
			for _, v := range p.V.Grad.Data() {
				s += float64(v) * float64(v)
			}
		}
	}
	return math.Sqrt(s)
}

func TestClipGradNorm(t *testing.T) {
	rng := tensor.NewRNG(7)
	ps := randomParams(rng, []string{"a", "b", "c"}, []int{1, 17, 101})
	ps[1].V.Grad = nil // ignored, as PyTorch
	want := gradNorm(ps)

	// Above the limit: scaled to maxNorm/(total+1e-6)·total ≈ maxNorm.
	maxNorm := want / 3
	if got := ClipGradNorm(ps, maxNorm); math.Abs(got-want) > 1e-12*want {
		t.Fatalf("total norm %.15g, want %.15g", got, want)
	}
	if after, exp := gradNorm(ps), want*maxNorm/(want+1e-6); math.Abs(after-exp) > 1e-6*exp {
		t.Errorf("norm after clipping %.9g, want %.9g", after, exp)
	}

	// Below the limit: untouched.
	before := ps[2].V.Grad.Data()
	total := ClipGradNorm(ps, 10*maxNorm)
	for i, v := range ps[2].V.Grad.Data() {
		if v != before[i] {
			t.Fatalf("gradient changed below the limit (total %g, max %g)", total, 10*maxNorm)
		}
	}

	// Just under the limit but within 1e-6: PyTorch still scales, by
	// coef = max/(total + 1e-6) < 1.
	total = gradNorm(ps)
	g0 := ps[0].V.Grad.Data()[0]
	ClipGradNorm(ps, total+5e-7)
	// (total ≈ 1 here, so coef ≈ 1 − 5e-7 is visible in float32.)
	got, want := ps[0].V.Grad.Data()[0], float64(g0)*(total+5e-7)/(total+1e-6)
	if math.Abs(float64(got)-want) > 1e-7*math.Abs(want) || got == g0 {
		t.Errorf("within 1e-6 of the limit: grad %g → %g, want %g", g0, got, want)
	}

	if got := ClipGradNorm(nn.Params{}, 1); got != 0 {
		t.Errorf("no gradients: total %g, want 0", got)
	}
}

// TestDeviceSumSquaresMatchesHost runs the device reduction path (used for
// GPU gradients) on CPU tensors against the float64 host sum.
func TestDeviceSumSquaresMatchesHost(t *testing.T) {
	rng := tensor.NewRNG(8)
	var ts []*tensor.Tensor
	var want float64
	for _, n := range []int{1, 2, 31, 1000, 4099} {
		x := tensor.Normal(tensor.CPU, rng, 1, n)
		ts = append(ts, x)
		want += hostSumSquares(x.CPUData())
	}
	got := deviceSumSquares(ts)
	if rel := math.Abs(got-want) / want; rel > 1e-5 {
		t.Errorf("device Σx² = %.9g, host %.9g (rel %.2e > 1e-5)", got, want, rel)
	}
}

func TestEMA(t *testing.T) {
	rng := tensor.NewRNG(9)
	student := randomParams(rng, []string{"w", "last_layer.weight_g"}, []int{5, 3})
	teacher := cloneParams(randomParams(rng, []string{"last_layer.weight_g", "w"}, []int{3, 5})) // other order
	tw, sw := teacher[1].V.Value.Data(), student[0].V.Value.Data()
	if err := EMA(teacher, student, 0.9); err != nil {
		t.Fatal(err)
	}
	for i, v := range teacher[1].V.Value.Data() {
		want := 0.9*float64(tw[i]) + 0.1*float64(sw[i])
		if math.Abs(float64(v)-want) > 1e-6*math.Abs(want)+1e-7 {
			t.Errorf("teacher w[%d] = %g, want %g", i, v, want)
		}
	}

	mismatched := randomParams(rng, []string{"w", "extra"}, []int{4, 1})
	before := teacher[1].V.Value.Data()
	err := EMA(teacher, mismatched, 0.9)
	for _, want := range []string{`"w" is (5) in the teacher but (4)`, `"last_layer.weight_g" has no student`, `"extra" has no teacher`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("EMA error %v, want one containing %q", err, want)
		}
	}
	for i, v := range teacher[1].V.Value.Data() {
		if v != before[i] {
			t.Fatal("a failed EMA changed the teacher")
		}
	}
}
