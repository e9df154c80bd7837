package metrics

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkBootstrapAUROC is the spec's evaluation: 500 resamples of a
// 2000-image test set, AUROC each time.
func BenchmarkBootstrapAUROC(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	s, y := randomBinary(r, 2000, 1e4)
	ss, yy := make([]float64, len(s)), make([]bool, len(y))
	metric := func(idx []int) (float64, error) {
		for k, i := range idx {
			ss[k], yy[k] = s[i], y[i]
		}
		return AUROC(ss, yy)
	}
	for i := 0; i < b.N; i++ {
		if _, err := Bootstrap(len(s), 500, uint64(i), metric); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*500*len(s))/b.Elapsed().Seconds()/1e6, "Msamples/s")
}
