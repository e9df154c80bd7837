package ref

import (
	"fmt"

	"github.com/gocx/gocx/kernels"
)

// CopyAxis copies a run of count slices along the middle axis: with dst
// viewed as (outer, dstN, inner) and src as (outer, srcN, inner),
//
//	dst[o, dstOff+i, :] = src[o, srcOff+i, :]   for o < outer, i < count.
//
// The rest of dst is left untouched. Concatenation along an axis is one
// CopyAxis per input; slicing is one CopyAxis into a smaller dst.
//
// Backward: the gradient of src is the same copy in the other direction,
// into a cleared buffer (d src[o, srcOff+i, :] = d dst[o, dstOff+i, :]).
func CopyAxis[T Float](dst []T, dstN, dstOff int, src []T, srcN, srcOff int, outer, count, inner int) {
	checkCopyAxis("ref.CopyAxis", len(dst), dstN, dstOff, len(src), srcN, srcOff, outer, count, inner)
	for o := 0; o < outer; o++ {
		d := dst[(o*dstN+dstOff)*inner : (o*dstN+dstOff+count)*inner]
		s := src[(o*srcN+srcOff)*inner : (o*srcN+srcOff+count)*inner]
		copy(d, s)
	}
}

// checkCopyAxis panics, naming op, when the copy does not fit.
func checkCopyAxis(op string, lenDst, dstN, dstOff, lenSrc, srcN, srcOff, outer, count, inner int) {
	if outer < 0 || count < 0 || inner < 0 || dstOff < 0 || srcOff < 0 ||
		dstOff+count > dstN || srcOff+count > srcN {
		panic(fmt.Sprintf("%s: run [%d,%d) of dst axis %d / [%d,%d) of src axis %d (outer %d, inner %d) out of range",
			op, dstOff, dstOff+count, dstN, srcOff, srcOff+count, srcN, outer, inner))
	}
	kernels.CheckLen(op, "dst", lenDst, outer*dstN*inner)
	kernels.CheckLen(op, "src", lenSrc, outer*srcN*inner)
}
