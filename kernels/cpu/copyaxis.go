package cpu

import (
	"fmt"

	"github.com/gocx/gocx/kernels"
)

// CopyAxis copies a run of count slices along the middle axis: with dst
// viewed as (outer, dstN, inner) and src as (outer, srcN, inner),
//
//	dst[o, dstOff+i, :] = src[o, srcOff+i, :]   for o < outer, i < count.
//
// The rest of dst is untouched. Concatenation is one CopyAxis per input and
// slicing one CopyAxis into a smaller dst; the backward of either is the
// copy in the other direction into a cleared gradient. Each (o) run is one
// contiguous memmove of count·inner floats.
func CopyAxis(dst []float32, dstN, dstOff int, src []float32, srcN, srcOff int, outer, count, inner int) {
	if outer < 0 || count < 0 || inner < 0 || dstOff < 0 || srcOff < 0 ||
		dstOff+count > dstN || srcOff+count > srcN {
		panic(fmt.Sprintf("cpu.CopyAxis: run [%d,%d) of dst axis %d / [%d,%d) of src axis %d (outer %d, inner %d) out of range",
			dstOff, dstOff+count, dstN, srcOff, srcOff+count, srcN, outer, inner))
	}
	kernels.CheckLen("cpu.CopyAxis", "dst", len(dst), outer*dstN*inner)
	kernels.CheckLen("cpu.CopyAxis", "src", len(src), outer*srcN*inner)
	run := count * inner
	for o := 0; o < outer; o++ {
		d := (o*dstN + dstOff) * inner
		s := (o*srcN + srcOff) * inner
		copy(dst[d:d+run], src[s:s+run])
	}
}
