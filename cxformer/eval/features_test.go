package eval

import (
	"testing"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/tensor"
)

// The feature is [cls of the last n blocks (final-normed), mean of the last
// block's normed patch tokens] and batching does not change it. The manual
// computation takes the tokens from the full normed sequence (Output.Normed)
// so that it checks that the CLS token and the registers stay out of the
// mean.
func TestFeaturesLayoutAndValues(t *testing.T) {
	vit := tinyViT(t, 1)
	const n, s = 5, 28
	src := randomPixels(t, n, s, 2)
	d, r := vit.Cfg.EmbedDim, vit.Cfg.Registers
	for _, tc := range []struct {
		nBlocks int
		avg     bool
	}{{4, true}, {1, true}, {4, false}, {2, true}} {
		got, err := Features(vit, tensor.CPU, src, FeatureOptions{Batch: 2, NBlocks: tc.nBlocks, NoAvgPool: !tc.avg})
		if err != nil {
			t.Fatal(err)
		}
		width := tc.nBlocks * d
		if tc.avg {
			width += d
		}
		if got.Rows != n || got.Cols != width || len(got.Data) != n*width {
			t.Fatalf("n=%d avg=%v: features %dx%d (%d values), want %dx%d", tc.nBlocks, tc.avg, got.Rows, got.Cols, len(got.Data), n, width)
		}

		// The manual computation: one forward of all images at once.
		x := tensor.MustFromSlice(tensor.CPU, src.Data, n, 3, s, s)
		tp := autograd.NewTape()
		var o cxformer.Output
		tp.NoGrad(func() { o, err = vit.Forward(tp, autograd.Const(x), cxformer.Options{LastN: tc.nBlocks}) })
		if err != nil {
			t.Fatal(err)
		}
		seq := o.Normed.Value.Data() // (n, 1+R+N, D), the last block normed
		np := (s / 14) * (s / 14)
		sl := 1 + r + np
		want := make([]float64, 0, n*width)
		for i := 0; i < n; i++ {
			for b := 0; b < tc.nBlocks; b++ {
				want = append(want, f64(o.IntermediateCls[b].Value.Data()[i*d:(i+1)*d])...)
			}
			// The last intermediate CLS is the final output's CLS.
			last := o.IntermediateCls[tc.nBlocks-1].Value.Data()[i*d : (i+1)*d]
			for j := 0; j < d; j++ {
				if last[j] != seq[i*sl*d+j] {
					t.Fatalf("last-block CLS differs from the normed sequence's at %d", j)
				}
			}
			if tc.avg {
				mean := make([]float64, d)
				for p := 1 + r; p < sl; p++ {
					for j := 0; j < d; j++ {
						mean[j] += float64(seq[(i*sl+p)*d+j]) / float64(np)
					}
				}
				want = append(want, mean...)
			}
		}
		tp.Release()
		x.Release()
		if e := relErr(f64(got.Data), want); e > 1e-5 {
			t.Errorf("n=%d avg=%v: features differ from the manual computation: rel err %.3g", tc.nBlocks, tc.avg, e)
		}
	}
}

func TestFeaturesErrors(t *testing.T) {
	vit := tinyViT(t, 1)
	if _, err := Features(vit, tensor.CPU, randomPixels(t, 2, 28, 1), FeatureOptions{NBlocks: 5}); err == nil {
		t.Error("5 blocks of a 4-block model: no error")
	}
	if _, err := Features(vit, tensor.CPU, randomPixels(t, 2, 30, 1), FeatureOptions{}); err == nil {
		t.Error("30-px images with 14-px patches: no error")
	}
	if _, err := NewPixels(28, make([]float32, 100), nil); err == nil {
		t.Error("NewPixels with a partial image: no error")
	}
}
