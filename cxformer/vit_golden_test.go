package cxformer

import (
	"fmt"
	"testing"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/internal/golden"
	"github.com/gocx/gocx/nn/state"
	"github.com/gocx/gocx/tensor"
)

// Golden tolerances from the backbone issue: outputs within 1e-4 relative
// norm error, gradients within 1e-3 (float32 against float64 PyTorch).
const (
	outTol  = 1e-4
	gradTol = 1e-3
)

// goldenViT builds the 2-block, D=48, 4-register golden model on dev and
// loads shared/golden/vit/model.safetensors.
func goldenViT(t *testing.T, dev tensor.Device) *ViT {
	t.Helper()
	cfg := Config{EmbedDim: 48, Depth: 2, Heads: 3, PatchSize: 14, ImgSize: 98, MLPRatio: 4, Registers: 4,
		LayerNormEps: 1e-6, LayerScaleInit: 1, Interp: ModeT, InterpOffset: 0.1}
	v, err := NewViT(cfg, dev, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.LoadState(golden.Load(t, "vit/model.safetensors")); err != nil {
		t.Fatal(err)
	}
	return v
}

func f32(t *testing.T, f *state.File, name string) []float32 {
	t.Helper()
	a, ok := f.Arrays[name]
	if !ok {
		t.Fatalf("golden has no %q", name)
	}
	d, err := a.AsFloat32()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func input(t *testing.T, dev tensor.Device, f *state.File, name string) *tensor.Tensor {
	t.Helper()
	return tensor.MustFromSlice(dev, f32(t, f, name), f.Arrays[name].Shape...)
}

func expect(t *testing.T, what string, got *autograd.Var, want []float64, tol float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: missing output", what)
		return
	}
	g := got.Value.Data()
	if len(g) != len(want) {
		t.Errorf("%s: %d values, golden has %d", what, len(g), len(want))
		return
	}
	if e := relErr(g, want); e > tol {
		t.Errorf("%s: relative error %.3g > %.0g", what, e, tol)
	}
}

func runViTGolden(t *testing.T, dev tensor.Device) {
	io := golden.Load(t, "vit/io.safetensors")
	v := goldenViT(t, dev)
	want := func(name string) []float64 { return golden.F64(t, io, name) }

	t.Run("masked", func(t *testing.T) {
		mu8 := io.Arrays["masks"].U8
		masks := make([]int32, len(mu8))
		for i, m := range mu8 {
			masks[i] = int32(m)
		}
		x := autograd.Input(input(t, dev, io, "x"))
		tp := autograd.NewTape()
		out, err := v.Forward(tp, x, Options{Masks: masks})
		if err != nil {
			t.Fatal(err)
		}
		expect(t, "x_norm_clstoken", out.ClsNorm, want("masked.x_norm_clstoken"), outTol)
		expect(t, "x_norm_regtokens", out.RegNorm, want("masked.x_norm_regtokens"), outTol)
		expect(t, "x_norm_patchtokens", out.PatchNorm, want("masked.x_norm_patchtokens"), outTol)
		expect(t, "x_prenorm", out.PreNorm, want("masked.x_prenorm"), outTol)

		weighted := func(o *autograd.Var, name string) *autograd.Var {
			w := autograd.Const(input(t, dev, io, name))
			return tp.Sum(tp.Mul(o, w))
		}
		loss := tp.Add(tp.Add(weighted(out.ClsNorm, "masked.loss_weights.cls"),
			weighted(out.PatchNorm, "masked.loss_weights.patch")), weighted(out.RegNorm, "masked.loss_weights.reg"))
		expect(t, "loss", loss, want("masked.loss"), outTol)
		tp.Backward(loss)
		expect(t, "grad x", &autograd.Var{Value: x.Grad}, want("masked.grad.x"), gradTol)
		for _, p := range v.Params {
			if p.V.Grad == nil {
				t.Errorf("grad %s: none", p.Name)
				continue
			}
			expect(t, "grad "+p.Name, &autograd.Var{Value: p.V.Grad}, want("masked.grad."+p.Name), gradTol)
		}
		tp.Release()
		v.Params.ZeroGrad()
	})

	t.Run("plain+intermediate", func(t *testing.T) {
		tp := autograd.NewTape()
		defer tp.Release()
		out, err := v.Forward(tp, autograd.Const(input(t, dev, io, "x")), Options{LastN: 2})
		if err != nil {
			t.Fatal(err)
		}
		expect(t, "plain cls", out.ClsNorm, want("plain.x_norm_clstoken"), outTol)
		expect(t, "plain reg", out.RegNorm, want("plain.x_norm_regtokens"), outTol)
		expect(t, "plain patch", out.PatchNorm, want("plain.x_norm_patchtokens"), outTol)
		for i := 0; i < 2; i++ {
			expect(t, fmt.Sprintf("intermediate %d cls", i), out.IntermediateCls[i], want(fmt.Sprintf("intermediate.%d.cls", i)), outTol)
			expect(t, fmt.Sprintf("intermediate %d patch", i), out.IntermediatePatch[i], want(fmt.Sprintf("intermediate.%d.patch", i)), outTol)
		}
	})

	for _, c := range []string{"local", "rect"} {
		t.Run(c, func(t *testing.T) {
			tp := autograd.NewTape()
			defer tp.Release()
			out, err := v.Forward(tp, autograd.Const(input(t, dev, io, c+".x")), Options{})
			if err != nil {
				t.Fatal(err)
			}
			expect(t, c+" cls", out.ClsNorm, want(c+".x_norm_clstoken"), outTol)
			expect(t, c+" patch", out.PatchNorm, want(c+".x_norm_patchtokens"), outTol)
		})
	}
}

func TestViTGoldenCPU(t *testing.T) { runViTGolden(t, tensor.CPU) }

func relErr(got []float32, want []float64) float64 {
	g := make([]float64, len(got))
	for i, v := range got {
		g[i] = float64(v)
	}
	return golden.RelErr(g, want)
}

func autogradTape() *autograd.Tape            { return autograd.NewTape() }
func constVar(t *tensor.Tensor) *autograd.Var { return autograd.Const(t) }
