// Package gputest opens the GPU that tests run on: once per test binary,
// shared by every test. Without a usable adapter a test is skipped, loudly,
// with the reason — unless GOCX_REQUIRE_GPU names a backend (CI sets
// GOCX_REQUIRE_GPU=vulkan with lavapipe installed), in which case a missing
// adapter, or one on another backend, fails the test. GOCX_GPU_BACKEND names
// the backend to open (e.g. gl: the OpenGL device of a -tags gl build, with
// GOCX_REQUIRE_GPU=gl).
package gputest

import (
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/gocx/gocx/kernels/gpu"
	"github.com/gocx/gocx/tensor"
)

var (
	once sync.Once
	dev  *tensor.GPU
	err  error
)

// Device returns the shared GPU device, or skips / fails t as described
// in the package documentation.
func Device(t testing.TB) *tensor.GPU {
	t.Helper()
	once.Do(func() { dev, err = tensor.OpenGPU(gpu.Options{Backend: os.Getenv("GOCX_GPU_BACKEND")}) })
	want := os.Getenv("GOCX_REQUIRE_GPU")
	if err != nil {
		if want != "" {
			t.Fatalf("GOCX_REQUIRE_GPU=%s but no GPU could be opened: %v", want, err)
		}
		t.Skipf("SKIPPING GPU TEST: no GPU adapter (%v); set GOCX_REQUIRE_GPU=vulkan to make this a failure", err)
	}
	if want != "" && !strings.EqualFold(dev.Kernels().Info().Backend, want) {
		t.Fatalf("GOCX_REQUIRE_GPU=%s but the adapter is %s", want, dev.Kernels().Info())
	}
	return dev
}

// Devices returns the CPU and, when one is available, the GPU.
func Devices(t testing.TB) []tensor.Device {
	return []tensor.Device{tensor.CPU, Device(t)}
}
