package optim

import (
	"math"
	"strings"
	"testing"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/internal/golden"
	"github.com/gocx/gocx/nn"
	"github.com/gocx/gocx/nn/state"
	"github.com/gocx/gocx/tensor"
)

// sslModules are the student sub-modules of the golden SSL step, clipped
// separately.
var sslModules = []string{"backbone", "dino_head", "ibot_head"}

// gradPrefix names the gradients the golden optimiser step used: those of
// the softmax-centering loss (their per-module norms are the golden clip
// norms; the Sinkhorn-Knopp ones are not).
const gradPrefix = "centering.step1.grad."

// goldenParams builds the parameters of one module from the arrays
// "<prefix><module>.<name>" of f, on the CPU and in file order.
func goldenParams(t *testing.T, f *state.File, prefix, module string) nn.Params {
	t.Helper()
	var ps nn.Params
	full := prefix + module + "."
	for _, k := range f.Names() {
		if !strings.HasPrefix(k, full) {
			continue
		}
		name := strings.TrimPrefix(k, full)
		x := tensor.MustFromSlice(tensor.CPU, golden.F32(t, f, k), golden.Shape(t, f, k)...)
		ps = append(ps, nn.Param{Name: name, V: autograd.Param(x, name)})
	}
	if len(ps) == 0 {
		t.Fatalf("no golden arrays start with %q", full)
	}
	return ps
}

// relErrF64 is ||got − want|| / ||want|| with got in float32.
func relErrF64(got []float32, want []float64) float64 {
	g := make([]float64, len(got))
	for i, v := range got {
		g[i] = float64(v)
	}
	return golden.RelErr(g, want)
}

// TestGoldenSSLOptimiserStep replays the golden optimiser step: per-module
// clipping at 3.0, one AdamW step (lr 1e-3, wd 0.04 on every parameter, one
// group), then the teacher EMA with momentum 0.994.
func TestGoldenSSLOptimiserStep(t *testing.T) {
	w := golden.Load(t, "ssl/weights.safetensors")
	io := golden.Load(t, "ssl/io.safetensors")

	var groups []ParamGroup
	students := map[string]nn.Params{}
	for _, m := range sslModules {
		ps := goldenParams(t, w, "student.", m)
		for _, p := range ps {
			k := gradPrefix + m + "." + p.Name
			p.V.Grad = tensor.MustFromSlice(tensor.CPU, golden.F32(t, io, k), golden.Shape(t, io, k)...)
		}
		students[m] = ps
		groups = append(groups, UniformGroups(ps, m)...)
	}

	for _, m := range sslModules {
		got := ClipGradNorm(students[m], 3.0)
		want := golden.F64(t, io, "opt.clip_total_norm."+m)[0]
		rel := math.Abs(got-want) / want
		t.Logf("clip total norm %-9s got %.10f want %.10f rel %.2e", m, got, want, rel)
		if rel > 1e-6 {
			t.Errorf("clip total norm of %s: got %.10g, want %.10g (rel %.2e > 1e-6)", m, got, want, rel)
		}
	}

	opt, err := NewAdamW(groups, DINOv2AdamW)
	if err != nil {
		t.Fatal(err)
	}
	opt.Step(1e-3, 0.04, 1e-3)

	worstStudent, worstTeacher := 0.0, 0.0
	for _, m := range sslModules {
		for _, p := range students[m] {
			rel := relErrF64(p.V.Value.Data(), golden.F64(t, io, "opt.student_after."+m+"."+p.Name))
			worstStudent = max(worstStudent, rel)
			if rel > 1e-6 {
				t.Errorf("student %s.%s after AdamW: rel err %.2e > 1e-6", m, p.Name, rel)
			}
		}
		teacher := goldenParams(t, w, "teacher.", m)
		if err := EMA(teacher, students[m], 0.994); err != nil {
			t.Fatal(err)
		}
		for _, p := range teacher {
			rel := relErrF64(p.V.Value.Data(), golden.F64(t, io, "opt.teacher_after."+m+"."+p.Name))
			worstTeacher = max(worstTeacher, rel)
			if rel > 1e-6 {
				t.Errorf("teacher %s.%s after EMA: rel err %.2e > 1e-6", m, p.Name, rel)
			}
		}
	}
	t.Logf("worst per-parameter rel err: student after AdamW %.2e, teacher after EMA %.2e", worstStudent, worstTeacher)
}
