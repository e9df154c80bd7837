package tensor

import (
	"fmt"

	"github.com/gocx/gocx/kernels/gpu"
)

// GPU is a tensor device backed by a kernels/gpu device (WebGPU: Vulkan,
// Metal or DX12). Operators are recorded asynchronously and submitted when
// the host reads a result, when enough work is queued, or on Sync.
type GPU struct {
	dev  *gpu.Device
	name string
}

// OpenGPU opens the GPU that opts select. The error says why none could be
// used (no adapter, a software-only adapter, a failed device).
func OpenGPU(opts gpu.Options) (*GPU, error) {
	d, err := gpu.Open(opts)
	if err != nil {
		return nil, err
	}
	return &GPU{dev: d, name: "gpu:" + d.Info().String()}, nil
}

// Kernels returns the underlying kernel device (for statistics and
// benchmarks).
func (g *GPU) Kernels() *gpu.Device { return g.dev }

// Close releases the device; tensors on it must not be used afterwards.
func (g *GPU) Close() error { return g.dev.Close() }

func (g *GPU) String() string   { return g.name }
func (g *GPU) IsGPU() bool      { return true }
func (g *GPU) Sync() error      { return g.dev.Sync() }
func (g *GPU) backend() backend { return gpuBackend{g} }

// gpuBackend runs operators through kernels/gpu.
type gpuBackend struct{ g *GPU }

func (b gpuBackend) fail(op string, err error) {
	if err != nil {
		panic(&DeviceError{Op: op, Device: b.g.name, Err: err})
	}
}

func buf(s *storage) *gpu.Buffer { return s.gpu.(*gpu.Buffer) }

func (b gpuBackend) alloc(op string, n int) *storage {
	bf, err := b.g.dev.Alloc(n)
	b.fail(op, err)
	return &storage{dev: b.g, n: n, gpu: bf}
}

func (b gpuBackend) free(s *storage) {
	buf(s).Release()
	s.gpu = nil
}

func (b gpuBackend) zero(s *storage) { b.fail("tensor.zero", b.g.dev.Zero(buf(s))) }

func (b gpuBackend) upload(dst *storage, src []float32) {
	b.fail("tensor.upload", b.g.dev.Upload(buf(dst), src))
}

func (b gpuBackend) download(dst []float32, src *storage) {
	b.fail("tensor.download", b.g.dev.Download(dst, buf(src)))
}

func (b gpuBackend) copy(dst, src *storage) {
	if dst.n != src.n {
		panic(fmt.Sprintf("tensor.copy: %d and %d elements", dst.n, src.n))
	}
	b.fail("tensor.copy", b.g.dev.Copy(buf(dst), 0, buf(src), 0, src.n))
}
