//go:build !amd64

package cpu

// Without the assembly, the GELU rows are the pure-Go ones.

func geluRow(dst, x []float32)            { geluGeneric(dst, x) }
func geluBackwardRow(dx, x, dy []float32) { geluBackwardGeneric(dx, x, dy) }
