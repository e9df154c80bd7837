package tensor

import (
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/gocx/gocx/kernels/gpu"
)

var (
	testGPUOnce sync.Once
	testGPU     *GPU
	testGPUErr  error
)

// The tensor tests run on the GPU too (this package cannot import
// internal/gputest, which imports it; the rules are the same: skip loudly
// without an adapter, fail when GOCX_REQUIRE_GPU is set, open the backend
// GOCX_GPU_BACKEND names).
func init() {
	gpuTestDevices = func(t *testing.T) []Device {
		testGPUOnce.Do(func() { testGPU, testGPUErr = OpenGPU(gpu.Options{Backend: os.Getenv("GOCX_GPU_BACKEND")}) })
		want := os.Getenv("GOCX_REQUIRE_GPU")
		if testGPUErr != nil {
			if want != "" {
				t.Fatalf("GOCX_REQUIRE_GPU=%s but no GPU: %v", want, testGPUErr)
			}
			t.Logf("SKIPPING the GPU half of %s: no GPU adapter (%v)", t.Name(), testGPUErr)
			return nil
		}
		if want != "" && !strings.EqualFold(testGPU.Kernels().Info().Backend, want) {
			t.Fatalf("GOCX_REQUIRE_GPU=%s but the adapter is %s", want, testGPU.Kernels().Info())
		}
		return []Device{testGPU}
	}
}
