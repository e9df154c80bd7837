package optim

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gocx/gocx/internal/golden"
	"github.com/gocx/gocx/nn"
	"github.com/gocx/gocx/tensor"
)

// refAdamW is a float64 model of one parameter under torch.optim.AdamW.
type refAdamW struct {
	p, m, v []float64
	t       int
}

func (r *refAdamW) step(g []float64, lr, wd float64, c AdamWConfig) {
	r.t++
	bc1 := 1 - math.Pow(c.Beta1, float64(r.t))
	bc2 := 1 - math.Pow(c.Beta2, float64(r.t))
	for i := range r.p {
		r.p[i] *= 1 - lr*wd
		r.m[i] = c.Beta1*r.m[i] + (1-c.Beta1)*g[i]
		r.v[i] = c.Beta2*r.v[i] + (1-c.Beta2)*g[i]*g[i]
		r.p[i] -= lr * (r.m[i] / bc1) / (math.Sqrt(r.v[i]/bc2) + c.Eps)
	}
}

func f64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// randomParams makes parameters of awkward sizes (1, primes) with random
// values and gradients.
func randomParams(rng *tensor.RNG, names []string, sizes []int) nn.Params {
	var ps nn.Params
	for i, n := range names {
		v := ps.Add(n, tensor.Normal(tensor.CPU, rng, 1, sizes[i]))
		v.Grad = tensor.Normal(tensor.CPU, rng, 0.1, sizes[i])
	}
	return ps
}

func TestAdamWMatchesReferenceOverSteps(t *testing.T) {
	rng := tensor.NewRNG(1)
	names := []string{"blocks.0.attn.qkv.weight", "blocks.1.norm1.bias", "patch_embed.proj.weight", "last_layer.weight_g"}
	ps := randomParams(rng, names, []int{1, 7, 97, 13})
	groups := DINOv2Groups(ps, "backbone", 2, 0.7, 0.2)
	opt, err := NewAdamW(groups, DINOv2AdamW)
	if err != nil {
		t.Fatal(err)
	}
	refs := make([]*refAdamW, len(ps))
	for i, p := range ps {
		n := p.V.Value.Numel()
		refs[i] = &refAdamW{p: f64(p.V.Value.Data()), m: make([]float64, n), v: make([]float64, n)}
	}
	for step := range 6 {
		lr, wd, lastLR := 1e-2*float64(step+1), 0.04+0.05*float64(step), 3e-3
		for i, p := range ps {
			if step > 0 { // new gradients, the same on both sides
				p.V.Grad.Load(tensor.Normal(tensor.CPU, rng, 0.1, p.V.Value.Numel()).Data())
			}
			g := groups[i]
			glr := lr
			if g.IsLastLayer {
				glr = lastLR
			}
			refs[i].step(f64(p.V.Grad.Data()), glr*g.LRMult, wd*g.WDMult, DINOv2AdamW)
		}
		opt.Step(lr, wd, lastLR)
		for i, p := range ps {
			if rel := golden.RelErr(f64(p.V.Value.Data()), refs[i].p); rel > 1e-6 {
				t.Errorf("step %d %s: rel err %.2e > 1e-6 against the float64 reference", step+1, p.Name, rel)
			}
		}
	}
	if opt.Steps() != 6 {
		t.Errorf("Steps() = %d, want 6", opt.Steps())
	}
}

// TestAdamWLastLayerFreeze checks DINOv2's freeze: last-layer lr 0 keeps the
// weights bit-identical while Adam's moments still accumulate, so the first
// step after the freeze uses them.
func TestAdamWLastLayerFreeze(t *testing.T) {
	rng := tensor.NewRNG(2)
	ps := randomParams(rng, []string{"mlp.0.weight", "last_layer.weight_v"}, []int{11, 29})
	opt, err := NewAdamW(DINOv2Groups(ps, "dino_head", 0, 0.9, 0.2), DINOv2AdamW)
	if err != nil {
		t.Fatal(err)
	}
	last := ps[1].V
	before := last.Value.Data()
	ref := &refAdamW{p: f64(before), m: make([]float64, 29), v: make([]float64, 29)}
	for range 3 {
		ref.step(f64(last.Grad.Data()), 0, 0.04, DINOv2AdamW)
		opt.Step(1e-3, 0.04, 0)
		if !slices.Equal(last.Value.Data(), before) {
			t.Fatal("last layer moved during the freeze")
		}
	}
	st := opt.State()
	if got := st.Get("dino_head.last_layer.weight_v.step").I64[0]; got != 3 {
		t.Errorf("last-layer step count after the freeze = %d, want 3", got)
	}
	if rel := golden.RelErr(f64(st.Get("dino_head.last_layer.weight_v.exp_avg").F32), ref.m); rel > 1e-6 {
		t.Errorf("exp_avg during the freeze: rel err %.2e against the reference", rel)
	}
	if rel := golden.RelErr(f64(st.Get("dino_head.last_layer.weight_v.exp_avg_sq").F32), ref.v); rel > 1e-6 {
		t.Errorf("exp_avg_sq during the freeze: rel err %.2e against the reference", rel)
	}
	ref.step(f64(last.Grad.Data()), 1e-3, 0.04, DINOv2AdamW)
	opt.Step(1e-3, 0.04, 1e-3)
	if rel := golden.RelErr(f64(last.Value.Data()), ref.p); rel > 1e-6 {
		t.Errorf("first step after the freeze: rel err %.2e", rel)
	}
	if slices.Equal(last.Value.Data(), before) {
		t.Error("last layer did not move after the freeze")
	}
}

func TestAdamWSkipsMissingAndFrozen(t *testing.T) {
	rng := tensor.NewRNG(3)
	ps := randomParams(rng, []string{"a", "b", "c"}, []int{5, 5, 5})
	ps[1].V.Grad = nil // no gradient this step
	opt, err := NewAdamW(UniformGroups(ps, "m"), DINOv2AdamW)
	if err != nil {
		t.Fatal(err)
	}
	ps[2].V.SetRequiresGrad(false) // frozen after the groups were built
	b, c := ps[1].V.Value.Data(), ps[2].V.Value.Data()
	a := ps[0].V.Value.Data()
	opt.Step(1e-2, 0.1, 1e-2)
	if !slices.Equal(ps[1].V.Value.Data(), b) || !slices.Equal(ps[2].V.Value.Data(), c) {
		t.Error("a parameter without gradient or frozen moved")
	}
	if slices.Equal(ps[0].V.Value.Data(), a) {
		t.Error("the trainable parameter did not move")
	}
	st := opt.State()
	for name, want := range map[string]int64{"m.a.step": 1, "m.b.step": 0, "m.c.step": 0} {
		if got := st.Get(name).I64[0]; got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
	if st.Has("m.b.exp_avg") || !st.Has("m.a.exp_avg") {
		t.Error("moments exist only for parameters that stepped")
	}
}

func TestNewAdamWErrors(t *testing.T) {
	ps := randomParams(tensor.NewRNG(4), []string{"w"}, []int{3})
	g := UniformGroups(ps, "m")
	for _, c := range []struct {
		groups []ParamGroup
		cfg    AdamWConfig
		want   string
	}{
		{append(g, g...), DINOv2AdamW, `two groups are named "m.w"`},
		{g, AdamWConfig{Beta1: 1, Beta2: 0.999, Eps: 1e-8}, "betas"},
		{[]ParamGroup{{Name: "x"}}, DINOv2AdamW, `("x") has no parameter`},
	} {
		_, err := NewAdamW(c.groups, c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewAdamW: error %v, want one containing %q", err, c.want)
		}
	}
}
