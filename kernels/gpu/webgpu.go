package gpu

import (
	"fmt"

	"github.com/gogpu/wgpu"
)

// wgpuExec is the WebGPU executor (github.com/gogpu/wgpu): the queue, the
// command buffer being recorded, the staging buffers, the parameter arena
// and the bind group cache.
type wgpuExec struct {
	d       *Device
	inst    *wgpu.Instance
	adapter *wgpu.Adapter
	dev     *wgpu.Device
	queue   *wgpu.Queue

	rec     recorder
	staging stagingPools
	params  paramArena
	groups  map[bindKey]*wgpu.BindGroup
}

// storageUsage is the usage of every pooled buffer: bound as storage by the
// kernels, and a copy source/destination for CopyBufferToBuffer users.
const storageUsage = wgpu.BufferUsageStorage | wgpu.BufferUsageCopySrc | wgpu.BufferUsageCopyDst

// openWebGPU opens the WebGPU adapter that opts select with its own
// limits.
func openWebGPU(opts Options) (dev *Device, err error) {
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
	e := &wgpuExec{inst: inst, adapter: ad, dev: wd, queue: wd.Queue(), groups: map[bindKey]*wgpu.BindGroup{}}
	return newDevice(func(d *Device) (executor, error) {
		e.d = d
		if err := e.params.init(e); err != nil {
			e.close()
			return nil, err
		}
		return e, nil
	}, adapterInfoFrom(ad.Info(), al), limitsFrom(wd.Limits()), opts)
}

func (e *wgpuExec) newBuffer(bytes uint64) (*devBuf, error) {
	b, err := e.dev.CreateBuffer(&wgpu.BufferDescriptor{Label: "gocx", Size: bytes, Usage: storageUsage})
	if err != nil {
		return nil, err
	}
	return &devBuf{wg: b, bytes: bytes}, nil
}

func (e *wgpuExec) freeBuffer(b *devBuf) { b.wg.Release() }

// forgetBuffers drops every bind group (they keep their buffers alive and
// are cheap to recreate) so that destroyed buffers are not named by a
// cached group, and the idle staging buffers.
func (e *wgpuExec) forgetBuffers() {
	for k, g := range e.groups {
		g.Release()
		delete(e.groups, k)
	}
	e.staging.releaseAll()
}

func (e *wgpuExec) paramSlots() int { return len(e.params.slots) }

func (e *wgpuExec) close() {
	e.params.release()
	if e.dev != nil {
		e.dev.Release()
	}
	if e.adapter != nil {
		e.adapter.Release()
	}
	if e.inst != nil {
		e.inst.Release()
	}
}
