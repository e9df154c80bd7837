package autograd

import (
	"fmt"
	"testing"

	"github.com/gocx/gocx/tensor"
)

// Float32 forward and backward against float64 references: the errors are
// float32 rounding (~1e-7 per operation) amplified by a few reductions.
const (
	fwdTol  = 1e-5
	gradTol = 1e-4
)

func TestGradCheckCPU(t *testing.T) {
	runGradCases(t, tensor.CPU)
}

func runGradCases(t *testing.T, dev tensor.Device) {
	for i, c := range gradCases() {
		t.Run(fmt.Sprintf("%02d-%s%v", i, c.Name, c.Shapes), func(t *testing.T) {
			r, err := GradCheck(dev, c, uint64(100+i))
			if err != nil {
				t.Fatal(err)
			}
			if r.Forward > fwdTol {
				t.Errorf("%s forward rel err %.3g > %.0g", c.Name, r.Forward, fwdTol)
			}
			for j, e := range r.Grads {
				if e > gradTol {
					t.Errorf("%s grad of input %d rel err %.3g > %.0g", c.Name, j, e, gradTol)
				}
			}
		})
	}
}

// A wrong backward rule must be caught: the check of a deliberately
// broken rule (dx = 2·dy for y = x) reports a large error.
func TestGradCheckCatchesWrongRule(t *testing.T) {
	c := GradCase{Name: "broken", Shapes: [][]int{{5}},
		Op: func(tp *Tape, in []*Var) *Var {
			x := in[0]
			y := x.Value.Clone()
			return tp.record("broken", y, []*Var{x}, nil, func(dy *tensor.Tensor) {
				grad(x, tensor.Scale(dy, 2))
			})
		},
		Ref: func(x [][]float64) []float64 { return append([]float64(nil), x[0]...) },
	}
	r, err := GradCheck(tensor.CPU, c, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Grads[0] < 0.5 {
		t.Fatalf("broken rule passed gradcheck: rel err %g", r.Grads[0])
	}
}
