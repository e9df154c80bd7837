package gpu

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/gogpu/wgpu"
)

// Device is one opened adapter: its queue, buffer pool, pipeline and bind
// group caches, and the command buffer being recorded. Its methods are safe
// for concurrent use (one mutex serialises them), but the intended use is a
// single goroutine issuing ops in program order.
type Device struct {
	mu sync.Mutex

	inst    *wgpu.Instance
	adapter *wgpu.Adapter
	dev     *wgpu.Device
	queue   *wgpu.Queue
	info    AdapterInfo
	limits  Limits // as granted to this device
	closed  bool

	rec     recorder
	pool    bufferPool
	staging stagingPools
	params  paramArena
	kernels map[any]*kernel
	groups  map[bindKey]*wgpu.BindGroup
	dummy   *wgpu.Buffer // bound where a kernel variant ignores a binding

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
}

// Open opens the adapter that opts select (see Options), requests its real
// limits, and runs the subgroup and f16 probes. The result must be closed
// with Close.
func Open(opts Options) (dev *Device, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("gpu: opening the device failed: %v", r)
		}
	}()
	inst, ad, err := openAdapter(opts)
	if err != nil {
		return nil, err
	}
	al := ad.Limits()
	req := al
	// The Vulkan HAL leaves maxBufferSize at the WebGPU default (256 MiB)
	// although the driver allows buffers as large as a storage binding; a
	// device asked for more gets it (GPU-FACTS, "Features and limits").
	if req.MaxStorageBufferBindingSize > req.MaxBufferSize {
		req.MaxBufferSize = req.MaxStorageBufferBindingSize
	}
	wd, err := ad.RequestDevice(&wgpu.DeviceDescriptor{Label: "gocx", RequiredLimits: req})
	if err != nil {
		ad.Release()
		inst.Release()
		return nil, fmt.Errorf("gpu: opening %s adapter %q: %w", backendName(ad.Info().Backend), ad.Info().Name, err)
	}
	d := &Device{
		inst:    inst,
		adapter: ad,
		dev:     wd,
		queue:   wd.Queue(),
		info:    adapterInfoFrom(ad.Info(), al),
		limits:  limitsFrom(wd.Limits()),
		kernels: map[any]*kernel{},
		groups:  map[bindKey]*wgpu.BindGroup{},
	}
	d.gemmUnroll = d.info.DeviceType != "CPU"
	if d.gemmUnroll {
		// The grouped tile order (bands of 8 tile rows) was never slower on
		// an H200 and avoided a 4× drop of the plain order at 2048³
		// (bench/RESULTS.md).
		d.gemmGroup = 8
	}
	d.rec.maxQueued = opts.MaxQueued
	if d.rec.maxQueued <= 0 {
		d.rec.maxQueued = 256
	}
	if err := d.init(); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// init creates the device-owned buffers and runs the probes.
func (d *Device) init() error {
	var err error
	d.dummy, err = d.dev.CreateBuffer(&wgpu.BufferDescriptor{Label: "gocx-dummy", Size: 256, Usage: storageUsage})
	if err != nil {
		return fmt.Errorf("gpu: creating the placeholder buffer: %w", err)
	}
	if err := d.params.init(d); err != nil {
		return err
	}
	d.probeSubgroups()
	d.probeF16()
	return nil
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
	for k, g := range d.groups {
		g.Release()
		delete(d.groups, k)
	}
	for name, k := range d.kernels {
		k.release()
		delete(d.kernels, name)
	}
	d.pool.releaseAll()
	d.staging.releaseAll()
	d.params.release()
	if d.dummy != nil {
		d.dummy.Release()
	}
	if d.dev != nil {
		d.dev.Release()
	}
	if d.adapter != nil {
		d.adapter.Release()
	}
	if d.inst != nil {
		d.inst.Release()
	}
	return err
}
