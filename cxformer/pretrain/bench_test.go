package pretrain

import (
	"testing"

	"github.com/gocx/gocx/tensor"
)

// BenchmarkSSLStep times one full training step of the Tiny preset on the
// CPU — 8 images, each with 2 global (112 px) and 8 local (56 px) crops:
// data, masks, teacher and student forward, backward, clipping, AdamW and
// EMA — and reports images per second.
//
//	go test -run '^$' -bench SSLStep -benchtime 20x ./cxformer/pretrain/
func BenchmarkSSLStep(b *testing.B) {
	cfg := Tiny()
	tr, err := NewTrainer(cfg, tensor.CPU, NewRandomCrops(cfg))
	if err != nil {
		b.Fatal(err)
	}
	for range 2 { // warm up the allocator and the interpolation caches
		if _, err := tr.Step(); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		if _, err := tr.Step(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N*cfg.BatchSize)/sec, "images/s")
	b.ReportMetric(float64(b.N)/sec, "steps/s")
}
