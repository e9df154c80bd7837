package pretrain

import (
	"math"
	"testing"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/internal/golden"
	"github.com/gocx/gocx/internal/gputest"
	"github.com/gocx/gocx/kernels/gpu"
	"github.com/gocx/gocx/tensor"
)

func newDeviceTrainer(t testing.TB, c Config, dev tensor.Device) *Trainer {
	t.Helper()
	tr, err := NewTrainer(c, dev, NewRandomCrops(c))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// gpuTestConfig is smallConfig shrunk further: on lavapipe (the Vulkan CPU
// driver CI uses) a step of smallConfig takes seconds.
func gpuTestConfig() Config {
	c := smallConfig()
	c.SSL.Backbone.Depth = 1
	c.SSL.NLocal = 2
	c.BatchSize = 4
	c.SSL.DINOHead = cxformer.HeadConfig{In: 48, Hidden: 128, Bottleneck: 32, Prototypes: 256, Layers: 3}
	c.SSL.IBOTHead = c.SSL.DINOHead
	return c
}

func relDiff(a, b float64) float64 { return math.Abs(a-b) / math.Max(1, math.Abs(b)) }

func lossDiff(a, b Losses) float64 {
	return max(relDiff(a.Total, b.Total), relDiff(a.DINOLocal, b.DINOLocal), relDiff(a.DINOGlobal, b.DINOGlobal),
		relDiff(a.KoLeo, b.KoLeo), relDiff(a.IBOT, b.IBOT))
}

// On the GPU a run stopped at step 2 and resumed reproduces the
// uninterrupted run's losses within 1e-5 (the pretraining issue's bound).
func TestGPUResume(t *testing.T) {
	dev := gputest.Device(t)
	c := gpuTestConfig()
	c.EpochLength, c.WarmupEpochs, c.FreezeLastLayerEpochs = 1, 1, 1
	full := newDeviceTrainer(t, c, dev)
	var want []Metrics
	for range 4 {
		want = append(want, step(t, full))
	}
	first := newDeviceTrainer(t, c, dev)
	for range 2 {
		step(t, first)
	}
	dir := t.TempDir()
	if _, err := first.SaveCheckpoint(dir); err != nil {
		t.Fatal(err)
	}
	resumed := newDeviceTrainer(t, c, dev)
	if err := resumed.Resume(dir); err != nil {
		t.Fatal(err)
	}
	for i := 2; i < 4; i++ {
		got := step(t, resumed)
		d := lossDiff(got.Losses, want[i].Losses)
		t.Logf("step %d: total %.7f vs %.7f, worst term diff %.2e", i, got.Total, want[i].Total, d)
		if d > 1e-5 {
			t.Errorf("step %d: resumed %+v, uninterrupted %+v (diff %.2e > 1e-5)", i, got.Losses, want[i].Losses, d)
		}
	}
}

// The first steps on the GPU follow the CPU run.
func TestGPUStepsMatchCPU(t *testing.T) {
	dev := gputest.Device(t)
	c := gpuTestConfig()
	cpu, gpu := newDeviceTrainer(t, c, tensor.CPU), newDeviceTrainer(t, c, dev)
	for i := range 2 {
		a, b := step(t, gpu), step(t, cpu)
		d := lossDiff(a.Losses, b.Losses)
		t.Logf("step %d: GPU %+v CPU %+v diff %.2e", i, a.Losses, b.Losses, d)
		if d > 1e-3 {
			t.Errorf("step %d: GPU and CPU losses differ by %.2e", i, d)
		}
	}
}

// The same on the register path of the row kernels, which GPUs take by
// default and CPU adapters such as lavapipe do not: softmax, LayerNorm and
// the fused residual+LayerNorm with the trainer's packed parameters (one
// kernel binding the parameter arena, addnorm's addlsn mode).
func TestGPUStepsMatchCPURegisterPath(t *testing.T) {
	dev := gputest.Device(t)
	defer gpu.SetRowTuning(gpu.SetRowTuning(gpu.RowTuning{Path: gpu.RowRegisters}))
	c := gpuTestConfig()
	cpuT, gpuT := newDeviceTrainer(t, c, tensor.CPU), newDeviceTrainer(t, c, dev)
	for i := range 2 {
		a, b := step(t, gpuT), step(t, cpuT)
		if d := lossDiff(a.Losses, b.Losses); d > 1e-3 {
			t.Errorf("step %d: GPU (register path) and CPU losses differ by %.2e: %+v, %+v", i, d, a.Losses, b.Losses)
		}
	}
}

// The audited golden step on the GPU (looser bounds than the CPU's: the
// GPU reduces in another order).
func TestGPUAuditStepMatchesGolden(t *testing.T) {
	dev := gputest.Device(t)
	cfg, err := ReadAuditConfig(golden.Path(t, "ssl/config.json"))
	if err != nil {
		t.Fatal(err)
	}
	weights := golden.Load(t, "ssl/weights.safetensors")
	io := golden.Load(t, "ssl/io.safetensors")
	batch, err := ReadAuditBatch(io, dev)
	if err != nil {
		t.Fatal(err)
	}
	got, err := AuditStep(cfg, cxformer.SoftmaxCentering, weights, batch, dev)
	if err != nil {
		t.Fatal(err)
	}
	worstLoss, worst := 0.0, 0.0
	for _, key := range io.SortedNames() {
		if !hasAnyPrefix(key, []string{"centering.step1.", "opt."}) {
			continue
		}
		rel := golden.RelErr(golden.F64(t, got, key), golden.F64(t, io, key))
		tol := 1e-2
		if hasAnyPrefix(key, []string{"centering.step1.loss."}) {
			tol = 1e-4
			worstLoss = max(worstLoss, rel)
		} else {
			worst = max(worst, rel)
		}
		if rel > tol {
			t.Errorf("%s: rel err %.3g > %g", key, rel, tol)
		}
	}
	t.Logf("GPU audit: worst rel err %.2e (losses), %.2e (other)", worstLoss, worst)
}

// BenchmarkSSLStepGPU is BenchmarkSSLStep on the GPU.
func BenchmarkSSLStepGPU(b *testing.B) {
	dev := gputest.Device(b)
	cfg := Tiny()
	tr := newDeviceTrainer(b, cfg, dev)
	for range 2 {
		step(b, tr)
	}
	b.ResetTimer()
	for range b.N {
		step(b, tr)
	}
	b.StopTimer()
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N*cfg.BatchSize)/sec, "images/s")
	b.ReportMetric(float64(b.N)/sec, "steps/s")
}

// On the GPU a whole training step stays on the device: it waits for the
// device once (the single read of its results at the end), and after the
// first steps it creates no GPU buffers, staging buffers or pipelines. Bind
// groups are created only for the parameter blocks that are new in a step
// (the schedules' per-step values: learning rate, momentum, temperature),
// never for buffers: the pool hands every step the same buffers.
func TestGPUStepWaitsOnceAndAllocatesNothing(t *testing.T) {
	dev := gputest.Device(t)
	c := gpuTestConfig()
	// Every image masked at one ratio, so that the buffers a step needs are
	// the same sizes in every step (random mask counts change the sizes of
	// the iBOT tensors, and the pool grows until it has seen the largest).
	c.MaskProbability, c.MaskRatioMin, c.MaskRatioMax = 1, 0.3, 0.3
	tr := newDeviceTrainer(t, c, dev)
	for range 3 {
		step(t, tr)
	}
	const steps = 3
	before := dev.Kernels().Stats()
	for range steps {
		step(t, tr)
	}
	after := dev.Kernels().Stats()
	t.Logf("per step: %d dispatches, %d submits, %d waits, %d new bind groups",
		(after.Dispatches-before.Dispatches)/steps, (after.Submits-before.Submits)/steps,
		(after.Waits-before.Waits)/steps, (after.BindGroupsCreated-before.BindGroupsCreated)/steps)
	if w := after.Waits - before.Waits; w != steps {
		t.Errorf("%d waits in %d steps, want one per step", w, steps)
	}
	if after.Allocations != before.Allocations || after.StagingAllocations != before.StagingAllocations ||
		after.PipelinesCreated != before.PipelinesCreated {
		t.Errorf("steady state allocated: before %+v, after %+v", before, after)
	}
	if groups, slots := after.BindGroupsCreated-before.BindGroupsCreated, after.ParamSlots-before.ParamSlots; groups > slots {
		t.Errorf("%d new bind groups in %d steps for %d new parameter blocks: buffers change from step to step", groups, steps, slots)
	}
}
