package cpu

// accumF64AVX2 adds acc[j] += float64(row[j]) for j < len(acc)
// (reduce_amd64.s); row is at least as long as acc.
//
//go:noescape
func accumF64AVX2(acc []float64, row []float32)

// accumF64 adds acc[j] += float64(row[j]) for j < len(acc).
func accumF64(acc []float64, row []float32) {
	if useAVX2 {
		accumF64AVX2(acc, row[:len(acc)])
		return
	}
	accumF64Generic(acc, row)
}
