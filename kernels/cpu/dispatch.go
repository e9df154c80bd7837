package cpu

import (
	"fmt"
	"os"
	"runtime"
	"sync/atomic"

	"github.com/klauspost/cpuid/v2"
)

// The kernel paths, from the fastest to the most portable. Path reports
// which one this process runs.
const (
	pathAVX512  = "avx512"  // AVX-512F GEMM micro-kernel; AVX2+FMA row kernels
	pathAVX2FMA = "avx2fma" // AVX2+FMA assembly (amd64)
	pathGeneric = "generic" // pure Go, every GOARCH
)

// useAVX2 tells the assembly row kernels (softmax, LayerNorm, …) that AVX2
// and FMA may be used. It is true on both the avx2fma and the avx512 path.
// Written only at init and by setPath in tests.
var useAVX2 bool

// useAVX512 selects the AVX-512 GEMM micro-kernel.
var useAVX512 bool

// currentPath is the name Path returns.
var currentPath string

func init() {
	p := detectPath(os.Getenv("GOCX_CPU"))
	setPath(p)
}

// detectPath picks the best path the CPU supports, capped by the GOCX_CPU
// override ("generic" or "avx2fma"; anything else means no cap).
func detectPath(override string) string {
	has := func(ids ...cpuid.FeatureID) bool { return cpuid.CPU.Supports(ids...) }
	best := pathGeneric
	if runtime.GOARCH == "amd64" && has(cpuid.AVX2, cpuid.FMA3) {
		best = pathAVX2FMA
		if has(cpuid.AVX512F) {
			best = pathAVX512
		}
	}
	switch override {
	case pathGeneric:
		return pathGeneric
	case pathAVX2FMA, "avx2":
		if best == pathAVX512 {
			return pathAVX2FMA
		}
	}
	return best
}

// setPath switches every kernel of the package to path p and returns the
// previous path. It is the test hook that runs each test on every path the
// machine supports; it must not be called while kernels run.
func setPath(p string) (previous string) {
	previous = currentPath
	switch p {
	case pathAVX512:
		useAVX2, useAVX512 = true, true
	case pathAVX2FMA:
		useAVX2, useAVX512 = true, false
	case pathGeneric:
		useAVX2, useAVX512 = false, false
	default:
		panic(fmt.Sprintf("cpu.setPath: unknown path %q", p))
	}
	currentPath = p
	gemmSelect()
	return previous
}

// supportedPaths lists the paths this machine can run, best first, for
// tests that cover each of them.
func supportedPaths() []string {
	switch detectPath("") {
	case pathAVX512:
		return []string{pathAVX512, pathAVX2FMA, pathGeneric}
	case pathAVX2FMA:
		return []string{pathAVX2FMA, pathGeneric}
	}
	return []string{pathGeneric}
}

// Path names the kernel path in use: "avx512" (AVX-512F GEMM, AVX2+FMA
// elsewhere), "avx2fma" (AVX2+FMA assembly) or "generic" (pure Go).
func Path() string { return currentPath }

// Features lists the CPU features that matter to the kernels and that this
// CPU has, for `cxformer devices`.
func Features() []string {
	var out []string
	for _, f := range []struct {
		id   cpuid.FeatureID
		name string
	}{
		{cpuid.SSE2, "sse2"}, {cpuid.SSE4, "sse4.1"}, {cpuid.AVX, "avx"}, {cpuid.AVX2, "avx2"},
		{cpuid.FMA3, "fma"}, {cpuid.F16C, "f16c"}, {cpuid.AVX512F, "avx512f"},
		{cpuid.AVX512DQ, "avx512dq"}, {cpuid.AVX512BW, "avx512bw"}, {cpuid.AVX512VL, "avx512vl"},
		{cpuid.AVX512BF16, "avx512bf16"}, {cpuid.ASIMD, "asimd"}, {cpuid.SVE, "sve"},
	} {
		if cpuid.CPU.Supports(f.id) {
			out = append(out, f.name)
		}
	}
	return out
}

// threads is the number of goroutines a kernel may use; 0 means
// runtime.GOMAXPROCS(0).
var threads atomic.Int64

// Threads returns how many goroutines a kernel splits its work into at
// most: the last SetThreads value, or runtime.GOMAXPROCS(0) by default.
func Threads() int {
	if n := int(threads.Load()); n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// SetThreads caps the goroutines per kernel call at n; n <= 0 restores the
// default (runtime.GOMAXPROCS(0)). Safe to call concurrently with kernels:
// calls already running keep the value they read.
func SetThreads(n int) {
	if n < 0 {
		n = 0
	}
	threads.Store(int64(n))
}
