// Command sslbench times full CXformer SSL steps (teacher forward on 2
// global crops, student forward and backward on 2 global + NLocal local
// crops, DINO and iBOT heads, KoLeo, clipping, AdamW, EMA) on a gocx device
// and prints images/s as JSON.
//
//	go run ./bench/cmd/sslbench --preset tiny --device cpu
//	sslbench --preset cxformer-s --global 224 --batch 64 --device gpu
//	go run ./bench/cmd/sslbench --preset tiny --cpuprofile ssl.prof   # then go tool pprof -top ssl.prof
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/gocx/gocx/bench/internal/benchenv"
	"github.com/gocx/gocx/cxformer/pretrain"
	"github.com/gocx/gocx/kernels/gpu"
	"github.com/gocx/gocx/tensor"
)

func main() {
	preset := flag.String("preset", "tiny", "tiny, cxformer-s or cxformer-b")
	device := flag.String("device", "cpu", "cpu or gpu")
	global := flag.Int("global", 0, "global crop size (0: the preset's)")
	batch := flag.Int("batch", 0, "images per step (0: the preset's)")
	steps := flag.Int("steps", 5, "timed steps (after one warm-up step)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the timed steps to this file (go tool pprof)")
	flag.Parse()
	if err := run(*preset, *device, *global, *batch, *steps, *cpuProfile); err != nil {
		fmt.Fprintln(os.Stderr, "sslbench:", err)
		os.Exit(1)
	}
}

func run(preset, device string, global, batch, steps int, profile string) error {
	cfg, err := pretrain.Preset(preset)
	if err != nil {
		return err
	}
	if global > 0 {
		cfg.GlobalCropSize = global
	}
	if batch > 0 {
		cfg.BatchSize = batch
	}
	dev, closeDev, err := benchenv.OpenDevice(device)
	if err != nil {
		return err
	}
	defer closeDev()
	tr, err := pretrain.NewTrainer(cfg, dev, pretrain.NewRandomCrops(cfg))
	if err != nil {
		return err
	}
	if _, err := tr.Step(); err != nil { // warm-up: pipelines, pools
		return err
	}
	var before gpu.Stats
	g, onGPU := dev.(*tensor.GPU)
	if onGPU {
		before = g.Kernels().Stats()
	}
	stop, err := benchenv.StartProfile(profile)
	if err != nil {
		return err
	}
	defer stop()
	ts := make([]float64, steps)
	var loss float64
	for i := range ts {
		t0 := time.Now()
		m, err := tr.Step()
		if err != nil {
			return err
		}
		ts[i] = time.Since(t0).Seconds()
		loss = m.Total
	}
	sort.Float64s(ts)
	med := ts[len(ts)/2]
	out := map[string]any{
		"preset": preset, "device": dev.String(), "batch": cfg.BatchSize, "global": cfg.GlobalCropSize,
		"local": cfg.LocalCropSize, "n_local": cfg.SSL.NLocal, "prototypes": cfg.SSL.DINOHead.Prototypes,
		"step_seconds": med, "images_per_second": float64(cfg.BatchSize) / med, "last_loss": loss,
	}
	if onGPU {
		// Per-step device work: how many kernels, command-buffer submits
		// and host waits one step costs.
		after := g.Kernels().Stats()
		n := int64(steps)
		out["dispatches_per_step"] = (after.Dispatches - before.Dispatches) / n
		out["submits_per_step"] = (after.Submits - before.Submits) / n
		out["waits_per_step"] = (after.Waits - before.Waits) / n
		out["allocations_after_warmup"] = after.Allocations - before.Allocations
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}
