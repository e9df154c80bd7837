package gpu

import (
	"fmt"

	"github.com/gogpu/gputypes"
	"github.com/gogpu/wgpu"
)

// wgpuProgram is a compiled WebGPU pipeline with its layouts.
type wgpuProgram struct {
	shader   *wgpu.ShaderModule
	bgl      *wgpu.BindGroupLayout
	layout   *wgpu.PipelineLayout
	pipeline *wgpu.ComputePipeline
}

func (p *wgpuProgram) release() {
	p.pipeline.Release()
	p.layout.Release()
	p.bgl.Release()
	p.shader.Release()
}

// compile builds a pipeline from WGSL source whose entry point is main.
func (e *wgpuExec) compile(name, src string, bind []access) (program, error) {
	sm, err := e.dev.CreateShaderModule(&wgpu.ShaderModuleDescriptor{Label: name, WGSL: src})
	if err != nil {
		return nil, fmt.Errorf("gpu: compiling kernel %s: %w", name, err)
	}
	entries := make([]wgpu.BindGroupLayoutEntry, 0, len(bind)+1)
	for i, a := range bind {
		t := gputypes.BufferBindingTypeReadOnlyStorage
		if a == readWrite {
			t = gputypes.BufferBindingTypeStorage
		}
		entries = append(entries, wgpu.BindGroupLayoutEntry{
			Binding: uint32(i), Visibility: wgpu.ShaderStageCompute,
			Buffer: &gputypes.BufferBindingLayout{Type: t},
		})
	}
	entries = append(entries, wgpu.BindGroupLayoutEntry{
		Binding: uint32(len(bind)), Visibility: wgpu.ShaderStageCompute,
		Buffer: &gputypes.BufferBindingLayout{Type: gputypes.BufferBindingTypeUniform},
	})
	bgl, err := e.dev.CreateBindGroupLayout(&wgpu.BindGroupLayoutDescriptor{Label: name, Entries: entries})
	if err != nil {
		sm.Release()
		return nil, fmt.Errorf("gpu: kernel %s: bind group layout: %w", name, err)
	}
	pl, err := e.dev.CreatePipelineLayout(&wgpu.PipelineLayoutDescriptor{Label: name, BindGroupLayouts: []*wgpu.BindGroupLayout{bgl}})
	if err != nil {
		bgl.Release()
		sm.Release()
		return nil, fmt.Errorf("gpu: kernel %s: pipeline layout: %w", name, err)
	}
	cp, err := e.dev.CreateComputePipeline(&wgpu.ComputePipelineDescriptor{Label: name, Layout: pl, Module: sm, EntryPoint: "main"})
	if err != nil {
		pl.Release()
		bgl.Release()
		sm.Release()
		return nil, fmt.Errorf("gpu: kernel %s: pipeline: %w", name, err)
	}
	return &wgpuProgram{shader: sm, bgl: bgl, layout: pl, pipeline: cp}, nil
}

// bindKey identifies a bind group: the kernel, its storage buffers and the
// parameter slot.
type bindKey struct {
	k    *kernel
	bufs [maxBound]*devBuf
	slot int32
}

// maxBindGroups bounds the bind group cache; past it the cache is emptied
// (after a wait) and refilled by the ops that follow.
const maxBindGroups = 1 << 14

// bindGroup returns the cached bind group for k over bufs with the
// parameter block in slot, creating it on first use.
func (e *wgpuExec) bindGroup(k *kernel, bufs []*devBuf, slot int) (*wgpu.BindGroup, error) {
	key := bindKey{k: k, slot: int32(slot)}
	copy(key.bufs[:], bufs)
	if g, ok := e.groups[key]; ok {
		return g, nil
	}
	if len(e.groups) >= maxBindGroups {
		if err := e.d.flushLocked(true); err != nil {
			return nil, err
		}
		for kk, g := range e.groups {
			g.Release()
			delete(e.groups, kk)
		}
	}
	entries := make([]wgpu.BindGroupEntry, 0, len(bufs)+1)
	for i, b := range bufs {
		size := b.wg.Size()
		if b.view {
			size = b.bytes
		}
		entries = append(entries, wgpu.BindGroupEntry{Binding: uint32(i), Buffer: b.wg, Offset: b.off, Size: size})
	}
	entries = append(entries, wgpu.BindGroupEntry{
		Binding: uint32(len(bufs)), Buffer: e.params.buf,
		Offset: uint64(slot) * e.params.slotBytes, Size: e.params.slotBytes,
	})
	g, err := e.dev.CreateBindGroup(&wgpu.BindGroupDescriptor{Label: k.name, Layout: k.prog.(*wgpuProgram).bgl, Entries: entries})
	if err != nil {
		return nil, fmt.Errorf("gpu: kernel %s: bind group: %w", k.name, err)
	}
	e.d.counters.BindGroupsCreated++
	e.groups[key] = g
	return g, nil
}

// recorder holds the command buffer being recorded. Every op appends a
// dispatch to one open compute pass; the Vulkan HAL puts a global
// compute→compute memory barrier after each dispatch, so ops see each
// other's writes in program order without per-op synchronisation.
type recorder struct {
	enc      *wgpu.CommandEncoder
	pass     *wgpu.ComputePassEncoder
	pipeline *wgpu.ComputePipeline // last pipeline set in the open pass
	// uploads recorded since the last wait: their staging buffers are
	// unmapped and read by queued copies, and are mapped again (for the
	// next upload) only after a wait.
	uploads []stagingBuf
}

// openPass makes sure a command encoder and a compute pass are open.
func (e *wgpuExec) openPass() error {
	r := &e.rec
	if r.enc == nil {
		enc, err := e.dev.CreateCommandEncoder(&wgpu.CommandEncoderDescriptor{Label: "gocx"})
		if err != nil {
			return fmt.Errorf("gpu: creating a command encoder: %w", err)
		}
		r.enc = enc
	}
	if r.pass == nil {
		pass, err := r.enc.BeginComputePass(nil)
		if err != nil {
			return fmt.Errorf("gpu: beginning a compute pass: %w", err)
		}
		r.pass = pass
		r.pipeline = nil
	}
	return nil
}

// endPass closes the open compute pass (the encoder stays open), for the
// few commands that cannot live inside a pass.
func (e *wgpuExec) endPass() error {
	r := &e.rec
	if r.pass == nil {
		return nil
	}
	err := r.pass.End()
	r.pass = nil
	r.pipeline = nil
	if err != nil {
		return fmt.Errorf("gpu: ending the compute pass: %w", err)
	}
	return nil
}

// flush submits everything recorded so far; with wait it also blocks until
// the device is idle and makes the upload staging buffers reusable.
func (e *wgpuExec) flush(wait bool) error {
	r := &e.rec
	var err error
	if r.enc != nil {
		err = e.endPass()
		// Parameter blocks interned since the last submit go in with this
		// one; the queue prepends them (with a barrier) to the command buffer.
		if werr := e.params.upload(e); werr != nil && err == nil {
			err = werr
		}
		cb, ferr := r.enc.Finish()
		r.enc = nil
		if ferr != nil {
			if err == nil {
				err = fmt.Errorf("gpu: recording commands: %w", ferr)
			}
		} else if _, serr := e.queue.Submit(cb); serr != nil {
			if err == nil {
				err = fmt.Errorf("gpu: submitting commands: %w", serr)
			}
		} else {
			e.d.counters.Submits++
		}
	}
	if wait {
		e.dev.Poll(wgpu.PollWait)
		e.d.counters.Waits++
		if rerr := e.staging.recycleUploads(e, r.uploads); rerr != nil && err == nil {
			err = rerr
		}
		r.uploads = r.uploads[:0]
	}
	return err
}

// dispatch records a dispatch into the open compute pass: the parameter
// block goes to its arena slot, the bind group names buffers and slot.
func (e *wgpuExec) dispatch(k *kernel, p *params, bufs []*devBuf, x, y, z int) error {
	slot, err := e.params.intern(e, p)
	if err != nil {
		return err
	}
	bg, err := e.bindGroup(k, bufs, slot)
	if err != nil {
		return err
	}
	if err := e.openPass(); err != nil {
		return err
	}
	r := &e.rec
	pipe := k.prog.(*wgpuProgram).pipeline
	if r.pipeline != pipe {
		r.pass.SetPipeline(pipe)
		r.pipeline = pipe
	}
	r.pass.SetBindGroup(0, bg, nil)
	r.pass.Dispatch(uint32(x), uint32(y), uint32(z))
	return nil
}
