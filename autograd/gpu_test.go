package autograd

import (
	"testing"

	"github.com/gocx/gocx/internal/gputest"
)

// Every rule's gradcheck on the GPU: the same cases and bounds as on the
// CPU.
func TestGradCheckGPU(t *testing.T) {
	runGradCases(t, gputest.Device(t))
}
