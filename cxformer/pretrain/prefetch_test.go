package pretrain

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"testing"

	"github.com/gocx/gocx/cxformer"
	"github.com/gocx/gocx/tensor"
)

// countingSource is a DataSource whose batch s holds the value s, fails
// at step failAt, and records overlapping calls.
type countingSource struct {
	failAt   int
	inside   atomic.Int32
	overlaps atomic.Int32
	calls    atomic.Int32
}

func (c *countingSource) Next(step int) (cxformer.Batch, error) {
	if c.inside.Add(1) > 1 {
		c.overlaps.Add(1)
	}
	defer c.inside.Add(-1)
	c.calls.Add(1)
	if step == c.failAt {
		return cxformer.Batch{}, fmt.Errorf("step %d: %w", step, errBadImage)
	}
	return cxformer.Batch{Global: tensor.Full(tensor.CPU, float32(step), 2, 3, 1, 1)}, nil
}

var errBadImage = errors.New("bad image")

func TestPrefetchGivesEachStepsBatch(t *testing.T) {
	src := &countingSource{failAt: 6}
	p := NewPrefetch(src)
	defer p.Close()
	// Sequential steps, then a jump back (a resume), then on to the error.
	for _, step := range []int{0, 1, 2, 3, 1, 2, 5, 6} {
		b, err := p.Next(step)
		if step == src.failAt {
			if !errors.Is(err, errBadImage) {
				t.Fatalf("step %d: err %v, want the source's error", step, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		if got := b.Global.Data()[0]; got != float32(step) {
			t.Fatalf("step %d: batch of step %v", step, got)
		}
		releaseBatch(b)
	}
	if n := src.overlaps.Load(); n != 0 {
		t.Errorf("the source was called from two goroutines at once %d times", n)
	}
	// 8 requests; the jumps (3→1 and 2→5) each read directly besides the
	// discarded prefetch, and the error stops prefetching.
	if n := src.calls.Load(); n != 10 {
		t.Errorf("source called %d times, want 10", n)
	}
}

// Training through Prefetch is bit-for-bit training without it.
func TestPrefetchTrainsIdentically(t *testing.T) {
	cfg := Tiny()
	cfg.BatchSize, cfg.GlobalCropSize, cfg.LocalCropSize = 2, 28, 14
	cfg.SSL.Backbone.ImgSize = 28
	losses := func(src DataSource) []float64 {
		tr, err := NewTrainer(cfg, tensor.CPU, src)
		if err != nil {
			t.Fatal(err)
		}
		var out []float64
		for range 3 {
			m, err := tr.Step()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, m.Total)
		}
		return out
	}
	plain := losses(NewRandomCrops(cfg))
	p := NewPrefetch(NewRandomCrops(cfg))
	defer p.Close()
	pre := losses(p)
	for i := range plain {
		if math.Float64bits(plain[i]) != math.Float64bits(pre[i]) {
			t.Fatalf("step %d: loss %v with prefetching, %v without", i, pre[i], plain[i])
		}
	}
}
