package gpu

import (
	"math/rand/v2"
	"testing"

	"github.com/gocx/gocx/kernels"
)

// TestSteadyState runs the same sequence of uploads, ops (with scratch
// buffers allocated and released inside it) and a read-back 101 times: after
// the first, the pool must create no buffers, staging buffers, pipelines or
// bind groups, and intern no parameter blocks.
func TestSteadyState(t *testing.T) {
	d := openTestDevice(t)
	rng := rand.New(rand.NewPCG(31, 32))
	const rows, cols, hid = 37, 24, 20
	x, w, bias := randSlice(rng, rows*cols), randSlice(rng, hid*cols), randSlice(rng, hid)
	gamma, beta := randSlice(rng, hid), randSlice(rng, hid)
	gw, gbias := mustUpload(t, d, w), mustUpload(t, d, bias)
	gg, gb := mustUpload(t, d, gamma), mustUpload(t, d, beta)
	defer func() {
		for _, b := range []*Buffer{gw, gbias, gg, gb} {
			b.Release()
		}
	}()
	out := make([]float32, rows*hid)
	step := func() {
		gx, err := d.Alloc(rows * cols)
		if err != nil {
			t.Fatal(err)
		}
		h, _ := d.Alloc(rows * hid)
		y, _ := d.Alloc(rows * hid)
		mean, _ := d.Alloc(rows)
		rstd, _ := d.Alloc(rows)
		p, _ := d.Alloc(rows * hid)
		if err := d.Upload(gx, x); err != nil {
			t.Fatal(err)
		}
		lin := kernels.Gemm{M: rows, N: hid, K: cols, TransB: true, Alpha: 1}
		if err := d.GemmFused(lin, gx, gw, h, GemmEpilogue{Bias: gbias, Gelu: true}); err != nil {
			t.Fatal(err)
		}
		if err := d.LayerNorm(y, mean, rstd, h, gg, gb, rows, hid, 1e-6); err != nil {
			t.Fatal(err)
		}
		if err := d.Softmax(p, y, rows, hid); err != nil {
			t.Fatal(err)
		}
		if err := d.Download(out, p); err != nil {
			t.Fatal(err)
		}
		// Release in reverse order of allocation, so the pool hands the
		// same buffers to the same roles next time (and the cached bind
		// groups match).
		for _, b := range []*Buffer{p, rstd, mean, y, h, gx} {
			b.Release()
		}
	}
	step()
	before := d.Stats()
	for i := 0; i < 100; i++ {
		step()
	}
	after := d.Stats()
	if after.Allocations != before.Allocations || after.StagingAllocations != before.StagingAllocations ||
		after.PipelinesCreated != before.PipelinesCreated || after.BindGroupsCreated != before.BindGroupsCreated ||
		after.ParamSlots != before.ParamSlots {
		t.Errorf("steady state allocated: before %+v, after %+v", before, after)
	}
	if after.Live != before.Live || after.BytesLive != before.BytesLive {
		t.Errorf("live buffers changed: before %d (%d B), after %d (%d B)", before.Live, before.BytesLive, after.Live, after.BytesLive)
	}
	if after.Reuses-before.Reuses != 600 {
		t.Errorf("reuses grew by %d, want 600", after.Reuses-before.Reuses)
	}
	t.Logf("after 101 steps: %+v", after)
}
