package cxformer

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/tensor"
)

// BenchmarkViTSBlock times the forward and backward of one ViT-S/14 block
// (width 384, 6 heads, MLP 1536, LayerScale) on a batch of 4 images at
// 224 px (4 × 261 tokens) on the CPU, followed by the final norm, with the
// step-level fusions off and on. The metric is the block's GEMM work
// (3 × 2·tokens·weights: forward, input and weight gradients; attention's
// own products are left out) per second.
//
//	go test -run '^$' -bench ViTSBlock ./cxformer
func BenchmarkViTSBlock(b *testing.B) {
	defer func(on bool) { stepFusion = on }(stepFusion)
	cfg := Config{EmbedDim: 384, Depth: 1, Heads: 6, PatchSize: 14, ImgSize: 224, MLPRatio: 4, Registers: 4,
		LayerNormEps: 1e-6, LayerScaleInit: 1e-5}
	v, err := NewViT(cfg, tensor.CPU, 1)
	if err != nil {
		b.Fatal(err)
	}
	const batch, tokens, d = 4, 261, 384
	x := tensor.Normal(tensor.CPU, tensor.NewRNG(2), 1, batch, tokens, d)
	seed := tensor.Normal(tensor.CPU, tensor.NewRNG(3), 1, batch, tokens, d)
	blk := v.Blocks[0]
	step := func() {
		tp := autograd.NewTape()
		in := autograd.Input(x)
		z, zn, _ := blk.forward(tp, in, nil, v.fusedNorm(0, dropPath{}, nil), false, 1+cfg.Registers, dropPath{})
		if zn == nil {
			zn = v.Norm.Forward(tp, z)
		}
		tp.BackwardFrom(tp.Add(z, zn), seed.Clone())
		tp.Release()
		in.Grad.Release()
		v.Params.ZeroGrad()
	}
	params := 0 // the block's weights: its GEMMs do 2·tokens·params flops each way, three ways
	for _, p := range v.Params {
		if strings.HasPrefix(p.Name, "blocks.0.") {
			params += p.V.Value.Numel()
		}
	}
	flops := 6 * float64(batch*tokens) * float64(params)
	for _, fused := range []bool{false, true} {
		b.Run(fmt.Sprintf("fused=%v", fused), func(b *testing.B) {
			stepFusion = fused
			step()
			for b.Loop() {
				step()
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
