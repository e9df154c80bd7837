package cxformer

import (
	"fmt"
	"testing"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/internal/gputest"
	"github.com/gocx/gocx/tensor"
)

// The fused block (LinearGelu, residual adds fused with the LayerNorms
// after them) computes what the unfused one does: every output and every
// gradient, with and without LayerScale, and in training mode with drop
// path (block 0 has rate 0 and fuses; blocks 1 and 2 do not).
func TestFusedBlocksMatchUnfused(t *testing.T) { runFusedVsUnfused(t, tensor.CPU) }

func TestFusedBlocksMatchUnfusedGPU(t *testing.T) { runFusedVsUnfused(t, gputest.Device(t)) }

func runFusedVsUnfused(t *testing.T, dev tensor.Device) {
	defer func(on bool) { stepFusion = on }(stepFusion)
	for _, c := range []struct {
		ls, dropPath float64
	}{{0.1, 0}, {0, 0}, {1, 0.4}} {
		name := fmt.Sprintf("layerscale=%g droppath=%g", c.ls, c.dropPath)
		cfg := Config{EmbedDim: 24, Depth: 3, Heads: 2, PatchSize: 14, ImgSize: 28, MLPRatio: 2, Registers: 1,
			LayerNormEps: 1e-6, LayerScaleInit: c.ls, DropPath: c.dropPath}
		v, err := NewViT(cfg, dev, 1)
		if err != nil {
			t.Fatal(err)
		}
		x := tensor.Normal(dev, tensor.NewRNG(3), 1, 3, 3, 28, 28)
		run := func(fused bool) (outs map[string][]float32, names []string) {
			stepFusion = fused
			outs = map[string][]float32{}
			opt := Options{LastN: 2, Hidden: true, CLSAttention: true}
			if c.dropPath > 0 {
				opt.DropPath = tensor.NewRNG(4)
			}
			tp := autograd.NewTape()
			defer tp.Release()
			in := autograd.Input(x)
			out, err := v.Forward(tp, in, opt)
			if err != nil {
				t.Fatal(err)
			}
			w := autograd.Const(tensor.Normal(dev, tensor.NewRNG(5), 1, out.PatchNorm.Shape()...))
			loss := tp.Add(tp.Sum(tp.Mul(out.PatchNorm, w)), tp.Sum(out.ClsNorm))
			for i, h := range out.Hidden {
				loss = tp.Add(loss, tp.Scale(tp.Sum(h), 0.01*float64(i)))
			}
			loss = tp.Add(loss, tp.Sum(out.IntermediatePatch[0]))
			tp.Backward(loss)
			outs["cls"], outs["prenorm"] = out.ClsNorm.Value.Data(), out.PreNorm.Value.Data()
			outs["attention"] = out.Attention.Data()
			outs["intermediate0"] = out.IntermediatePatch[0].Value.Data()
			outs["grad x"] = in.Grad.Data()
			for _, p := range v.Params {
				if p.V.Grad != nil {
					outs["grad "+p.Name] = p.V.Grad.Data()
				}
			}
			v.Params.ZeroGrad()
			for _, h := range out.Hidden[1:] {
				names = append(names, h.Name)
			}
			return outs, names
		}
		want, plainNames := run(false)
		got, fusedNames := run(true)
		for k, w := range want {
			if e := relErr(got[k], to64(w)); !(e <= 1e-5) {
				t.Errorf("%s %s: %s relative error %.3g between fused and unfused", dev, name, k, e)
			}
		}
		// Which operator made each block's output: the fused residual add,
		// except before a drop-path block (block 1).
		wantNames := "[AddScaled AddScaled AddScaled]"
		if c.dropPath > 0 {
			wantNames = fmt.Sprint(append([]string{"Add"}, fusedNames[1:]...))
		}
		if fmt.Sprint(fusedNames) != wantNames || plainNames[0] == "AddScaled" {
			t.Errorf("%s %s: block outputs made by %v fused, %v unfused", dev, name, fusedNames, plainNames)
		}
	}
}

func to64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}
