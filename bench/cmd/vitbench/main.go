// Command vitbench times the CXformer backbone (ViT-S/14 with 4 registers
// by default) on a gocx device: forward, and forward + backward + AdamW —
// the model-level numbers of bench/RESULTS.md. Run the matching PyTorch
// script (bench/vit_torch.py) on the same machine for the ratio.
//
//	go run ./bench/cmd/vitbench --device cpu --batch 8 --size 224
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/gocx/gocx/autograd"
	"github.com/gocx/gocx/bench/internal/benchenv"
	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/tensor"
)

func main() {
	device := flag.String("device", "cpu", "cpu or gpu")
	arch := flag.String("arch", "s", "s (ViT-S/14) or b (ViT-B/14)")
	batch := flag.Int("batch", 8, "images per step")
	size := flag.Int("size", 224, "image side (multiple of 14)")
	reps := flag.Int("reps", 5, "timed repetitions (median reported)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the timed training steps to this file (go tool pprof)")
	flag.Parse()
	if err := run(*device, *arch, *batch, *size, *reps, *cpuProfile); err != nil {
		fmt.Fprintln(os.Stderr, "vitbench:", err)
		os.Exit(1)
	}
}

func run(device, arch string, batch, size, reps int, profile string) error {
	dev, closeDev, err := benchenv.OpenDevice(device)
	if err != nil {
		return err
	}
	defer closeDev()
	cfg := cxformer.ViTS14()
	if arch == "b" {
		cfg = cxformer.ViTB14()
	}
	cfg.LayerScaleInit = 1
	vit, err := cxformer.NewViT(cfg, dev, 1)
	if err != nil {
		return err
	}
	x := tensor.Normal(dev, tensor.NewRNG(2), 1, batch, 3, size, size)
	moments := map[string][2]*tensor.Tensor{}
	step := 0
	fwd := func(train bool) error {
		tp := autograd.NewTape()
		defer tp.Release()
		var out cxformer.Output
		var err error
		if !train {
			tp.NoGrad(func() { out, err = vit.Forward(tp, autograd.Const(x), cxformer.Options{}) })
			if err != nil {
				return err
			}
			out.ClsNorm.Value.Data() // wait for the device
			return nil
		}
		out, err = vit.Forward(tp, autograd.Const(x), cxformer.Options{})
		if err != nil {
			return err
		}
		loss := tp.Mean(out.Normed)
		tp.Backward(loss)
		step++
		for _, p := range vit.Params {
			if p.V.Grad == nil { // the mask token without masks, as PyTorch skips it
				continue
			}
			m, ok := moments[p.Name]
			if !ok {
				m = [2]*tensor.Tensor{tensor.Zeros(dev, p.V.Value.Shape()...), tensor.Zeros(dev, p.V.Value.Shape()...)}
				moments[p.Name] = m
			}
			tensor.AdamW(p.V.Value, p.V.Grad, m[0], m[1], kernels.AdamWHyper{LR: 1e-4, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.04, Step: step})
			p.V.ZeroGrad()
		}
		loss.Value.Data()
		return nil
	}
	res := map[string]any{"device": dev.String(), "arch": "vit-" + arch + "14-reg4", "batch": batch, "size": size}
	for _, mode := range []struct {
		name  string
		train bool
	}{{"forward", false}, {"train_step", true}} {
		if err := fwd(mode.train); err != nil { // warm-up: pipelines, pools, packing buffers
			return err
		}
		stop := func() {}
		if mode.train {
			if stop, err = benchenv.StartProfile(profile); err != nil {
				return err
			}
		}
		ts := make([]float64, reps)
		for i := range ts {
			t0 := time.Now()
			if err := fwd(mode.train); err != nil {
				return err
			}
			ts[i] = time.Since(t0).Seconds()
		}
		stop()
		sort.Float64s(ts)
		res[mode.name+"_seconds"] = ts[len(ts)/2]
		res[mode.name+"_images_per_second"] = float64(batch) / ts[len(ts)/2]
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}
