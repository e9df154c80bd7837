package kernels

import (
	"fmt"
	"math"
)

// Checks and constants shared by the multi-tensor optimiser kernels of ref,
// cpu and gpu (AdamWMultiCtrl, EMAMultiCtrl, SumSquaresSpans, ClipControl).

// ClipEps is the guard of torch.nn.utils.clip_grad_norm_:
// coef = maxNorm/(total + 10⁻⁶).
const ClipEps = 1e-6

// CheckSpan panics, naming op and what, unless [off, off+n) lies within
// size elements.
func CheckSpan(op, what string, off, n, size int) {
	if off < 0 || n < 0 || off+n > size {
		panic(fmt.Sprintf("%s: span [%d,%d) of %s is outside its %d elements", op, off, off+n, what, size))
	}
}

// CheckRange panics, naming op, unless 0 ≤ s[0] ≤ s[1] ≤ size (span j of
// SumSquaresSpans).
func CheckRange(op string, j int, s [2]int, size int) {
	if s[0] < 0 || s[1] < s[0] || s[1] > size {
		panic(fmt.Sprintf("%s: spans[%d] = [%d,%d) is not a range of the %d elements of src", op, j, s[0], s[1], size))
	}
}

// CheckScale panics, naming op and what, unless 1 ≤ scale < nctrl (a
// gradient multiplier of a control vector of nctrl values).
func CheckScale(op, what string, scale, nctrl int) {
	if scale < 1 || scale >= nctrl {
		panic(fmt.Sprintf("%s: %s.Scale=%d is not a multiplier index of ctrl (1 ≤ Scale < %d)", op, what, scale, nctrl))
	}
}

// CheckMaxNorm panics, naming op, when maxNorm is NaN or negative.
func CheckMaxNorm(op string, maxNorm float64) {
	if math.IsNaN(maxNorm) || maxNorm < 0 {
		panic(fmt.Sprintf("%s: maxNorm=%v, want ≥ 0 (+Inf: never clip)", op, maxNorm))
	}
}
