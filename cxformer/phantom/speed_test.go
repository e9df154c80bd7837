package phantom

import (
	"fmt"
	"testing"
)

// BenchmarkGenerate measures single-core generation; images/s is the
// figure of merit (run with -cpu 1 for one core).
func BenchmarkGenerate(b *testing.B) {
	for _, size := range []int{224, 518} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			cfg := DefaultConfig()
			for i := 0; i < b.N; i++ {
				if _, err := Generate(1, i, size, cfg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
			b.ReportMetric(float64(b.N*size*size)/b.Elapsed().Seconds()/1e6, "Mpixel/s")
		})
	}
}

// BenchmarkDataset measures Dataset on all cores.
func BenchmarkDataset224(b *testing.B) {
	const n = 64
	for i := 0; i < b.N; i++ {
		if _, err := Dataset(uint64(i), n, 224, DefaultConfig()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "images/s")
}
