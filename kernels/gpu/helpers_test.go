package gpu

import (
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
)

var (
	testDevOnce sync.Once
	testDev     *Device
	testDevErr  error
)

// openTestDevice returns the package's shared test device (opened once:
// opening runs the probes and compiles kernels, which lavapipe makes slow).
// Without a Vulkan/Metal/DX12 adapter the test is skipped, loudly, unless
// GOCX_REQUIRE_GPU=vulkan is set (CI sets it): then a missing adapter, or one
// on another backend, fails the test. GOCX_GPU_BACKEND names the backend to
// open ("gl" runs the suite on the OpenGL device of a -tags gl build).
func openTestDevice(t testing.TB) *Device {
	t.Helper()
	testDevOnce.Do(func() {
		testDev, testDevErr = Open(Options{Backend: os.Getenv("GOCX_GPU_BACKEND")})
	})
	want := os.Getenv("GOCX_REQUIRE_GPU")
	if testDevErr != nil {
		if want != "" {
			t.Fatalf("GOCX_REQUIRE_GPU=%s but no GPU adapter: %v", want, testDevErr)
		}
		t.Skipf("SKIPPING GPU TEST: no GPU adapter (%v); set GOCX_REQUIRE_GPU=vulkan to make this a failure", testDevErr)
	}
	if want != "" && !strings.EqualFold(testDev.Info().Backend, want) {
		t.Fatalf("GOCX_REQUIRE_GPU=%s but the adapter is %s", want, testDev.Info())
	}
	return testDev
}

func TestMain(m *testing.M) {
	code := m.Run()
	if testDev != nil {
		testDev.Close()
	}
	os.Exit(code)
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

func to64(s []float32) []float64 {
	o := make([]float64, len(s))
	for i, v := range s {
		o[i] = float64(v)
	}
	return o
}

// relErr is ||got-want|| / ||want|| (or ||got-want|| when want is zero).
func relErr(got []float32, want []float64) float64 {
	var num, den float64
	for i := range want {
		d := float64(got[i]) - want[i]
		num += d * d
		den += want[i] * want[i]
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}

// upload allocates a buffer holding s.
func mustUpload(t testing.TB, d *Device, s []float32) *Buffer {
	t.Helper()
	b, err := d.Alloc(len(s))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Upload(b, s); err != nil {
		t.Fatal(err)
	}
	return b
}

func mustDownload(t testing.TB, d *Device, b *Buffer) []float32 {
	t.Helper()
	out := make([]float32, b.Len())
	if err := d.Download(out, b); err != nil {
		t.Fatal(err)
	}
	return out
}
