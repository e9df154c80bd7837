package gpu

import (
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Device is one opened adapter: its executor (WebGPU, or OpenGL with the
// gl build tag), buffer pool and kernel cache. Its methods are safe for
// concurrent use (one mutex serialises them), but the intended use is a
// single goroutine issuing ops in program order.
type Device struct {
	mu sync.Mutex

	x      executor
	info   AdapterInfo
	limits Limits // as granted to this device
	closed bool

	pool      bufferPool
	kernels   map[any]*kernel
	queued    int // dispatches recorded since the last submit
	maxQueued int

	subgroupOK   bool
	subgroupSize int
	subgroupErr  string
	noSubgroups  bool // SetSubgroups(false)
	f16OK        bool
	f16Err       string

	counters Stats

	gemmForce    *GemmTile // set by SetGemmTile
	gemmGroup    int
	gemmUnroll   bool // false on CPU adapters, where LLVM takes minutes over unrolled kernels
	gemmOneStage bool // tests: force the single-buffered variant
	noSplitK     bool // tests: never split K
	storageCap   int  // tests: at most this many storage buffers per kernel (0: the device's limit)
}

// storageBuffers is how many storage buffers one kernel may bind: the
// device's maxStorageBuffersPerShaderStage (WebGPU guarantees 8; Vulkan,
// Metal, DX12 and OpenGL drivers grant more), or less where a test says so.
func (d *Device) storageBuffers() int {
	n := int(d.limits.MaxStorageBuffersPerShaderStage)
	if d.storageCap > 0 {
		n = min(n, d.storageCap)
	}
	return n
}

// Open opens the adapter that opts select (see Options), requests its real
// limits, and runs the subgroup and f16 probes. The result must be closed
// with Close.
func Open(opts Options) (*Device, error) {
	if strings.EqualFold(opts.Backend, BackendGL) {
		return openGL(opts)
	}
	return openWebGPU(opts)
}

// newDevice builds the Device around the executor that x returns (x gets
// the Device first, for the executor's back-pointer, and cleans up after
// itself when it fails), sets the defaults that depend on the adapter, and
// runs the probes.
func newDevice(x func(d *Device) (executor, error), info AdapterInfo, limits Limits, opts Options) (*Device, error) {
	d := &Device{info: info, limits: limits, kernels: map[any]*kernel{}}
	d.gemmUnroll = d.info.DeviceType != "CPU"
	if d.gemmUnroll {
		// The grouped tile order (bands of 8 tile rows) was never slower on
		// an H200 and avoided a 4× drop of the plain order at 2048³
		// (bench/RESULTS.md).
		d.gemmGroup = 8
	}
	d.maxQueued = opts.MaxQueued
	if d.maxQueued <= 0 {
		d.maxQueued = 256
	}
	var err error
	if d.x, err = x(d); err != nil {
		return nil, err
	}
	d.probeSubgroups()
	d.probeF16()
	return d, nil
}

// Info describes the adapter this device was opened on.
func (d *Device) Info() AdapterInfo { return d.info }

// Limits returns the limits granted to this device.
func (d *Device) Limits() Limits { return d.limits }

// Subgroups reports whether the subgroup probe passed (a kernel using
// `enable subgroups;`, subgroupAdd and subgroup_size compiled, ran, and gave
// the right sums) and the subgroup size it saw. The adapters seen do not
// advertise the feature although it works, so the probe decides.
func (d *Device) Subgroups() (ok bool, size int) { return d.subgroupOK, d.subgroupSize }

// ShaderF16 reports whether a WGSL kernel with `enable f16;` compiled and
// ran correctly; reason says why not. The library never enables the
// shader-f16 device feature, so a true here (lavapipe compiles it) is
// outside the spec and no kernel relies on it.
func (d *Device) ShaderF16() (ok bool, reason string) { return d.f16OK, d.f16Err }

// Describe is a multi-line report of the adapter, its limits and the probe
// results, for `cxformer devices`.
func (d *Device) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", d.info)
	l := d.limits
	fmt.Fprintf(&b, "  max buffer %s, max storage binding %s, workgroup memory %d B, %d invocations/workgroup, %d workgroups/dimension, %d storage buffers/stage\n",
		byteSize(l.MaxBufferSize), byteSize(l.MaxStorageBufferBindingSize), l.MaxComputeWorkgroupStorageSize,
		l.MaxComputeInvocationsPerWorkgroup, l.MaxComputeWorkgroupsPerDimension, l.MaxStorageBuffersPerShaderStage)
	if d.subgroupOK {
		fmt.Fprintf(&b, "  subgroups: yes, size %d\n", d.subgroupSize)
	} else {
		fmt.Fprintf(&b, "  subgroups: no (%s)\n", d.subgroupErr)
	}
	if d.f16OK {
		fmt.Fprintf(&b, "  shader f16: compiles and runs, but the device feature is not enabled (outside the spec: do not rely on it)\n")
	} else {
		fmt.Fprintf(&b, "  shader f16: no (%s)\n", d.f16Err)
	}
	return b.String()
}

func byteSize(n uint64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// ErrClosed is returned by operations on a closed device.
var ErrClosed = errors.New("gpu: device is closed")

// Close waits for queued work, then releases every buffer, pipeline, bind
// group and the device itself. Buffers still held by callers become
// unusable. Closing twice is a no-op.
func (d *Device) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	err := d.flushLocked(true)
	d.closed = true
	d.x.forgetBuffers()
	for name, k := range d.kernels {
		k.prog.release()
		delete(d.kernels, name)
	}
	d.pool.releaseAll(d.x)
	d.x.close()
	return err
}
