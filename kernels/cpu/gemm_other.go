//go:build !amd64

package cpu

// gemmSelect points activeGemm at the pure-Go micro-kernel: without amd64
// there is no assembly path (useAVX2 and useAVX512 are never set).
func gemmSelect() { activeGemm = gemmGeneric }

// packTranspose4 has no vector version here: the caller packs everything.
func packTranspose4(dst, src []float32, ld, k, stride int) int { return 0 }

// packCopy has no vector version here: the caller copies.
func packCopy(dst, src []float32, ld, k, width int) bool { return false }
