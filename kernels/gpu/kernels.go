package gpu

import (
	"bytes"
	"embed"
	"fmt"
	"text/template"

	"github.com/gogpu/gputypes"
	"github.com/gogpu/wgpu"
)

// The kernels are WGSL text templates: naga rejects `override` constants
// (GPU-FACTS bug 3), so tile sizes, workgroup sizes and feature paths are
// substituted as text, one pipeline per variant.
//
//go:embed *.wgsl
var wgslFiles embed.FS

var wgslTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	// seq n yields 0..n-1, for unrolled loops.
	"seq": func(n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = i
		}
		return s
	},
	// halves n yields n/2, n/4, ..., 1, for unrolled tree reductions.
	"halves": func(n int) []int {
		var s []int
		for h := n / 2; h > 0; h /= 2 {
			s = append(s, h)
		}
		return s
	},
	"mul": func(a, b int) int { return a * b },
	"div": func(a, b int) int { return a / b },
	"add": func(a, b int) int { return a + b },
	"sub": func(a, b int) int { return a - b },
	"mod": func(a, b int) int { return a % b },
}).ParseFS(wgslFiles, "*.wgsl"))

// renderWGSL executes the named template file with data.
func renderWGSL(file string, data any) (string, error) {
	var b bytes.Buffer
	if err := wgslTemplates.ExecuteTemplate(&b, file, data); err != nil {
		return "", fmt.Errorf("gpu: rendering %s: %w", file, err)
	}
	return b.String(), nil
}

// access says how a kernel binds one storage buffer.
type access uint8

const (
	readOnly  access = iota // var<storage, read>
	readWrite               // var<storage, read_write>
)

// kernelSpec is what a launcher supplies to build a kernel variant: the
// WGSL source and its storage bindings, in binding order. Every kernel has a
// uniform parameter block at the binding after the last storage buffer.
type kernelSpec struct {
	file string // template file, e.g. "gemm.wgsl"
	data any    // template data
	bind []access
}

// kernel is a compiled pipeline with its layouts.
type kernel struct {
	name     string
	shader   *wgpu.ShaderModule
	bgl      *wgpu.BindGroupLayout
	layout   *wgpu.PipelineLayout
	pipeline *wgpu.ComputePipeline
	nStorage int
}

func (k *kernel) release() {
	k.pipeline.Release()
	k.layout.Release()
	k.bgl.Release()
	k.shader.Release()
}

// maxStorage is the WebGPU guarantee for storage buffers per stage; every
// kernel stays within it so that a portable device runs it.
const maxStorage = 8

// kernel returns the cached pipeline for key, building it from spec() on
// first use. key must identify the variant completely (kernel name and
// every template parameter); a comparable struct is the usual choice.
func (d *Device) kernel(key any, spec func() kernelSpec) (*kernel, error) {
	if k, ok := d.kernels[key]; ok {
		return k, nil
	}
	s := spec()
	name := fmt.Sprintf("%s%+v", s.file, key)
	if len(s.bind) > maxStorage {
		panic(fmt.Sprintf("gpu: kernel %s binds %d storage buffers, the limit is %d", name, len(s.bind), maxStorage))
	}
	src, err := renderWGSL(s.file, s.data)
	if err != nil {
		return nil, err
	}
	k, err := d.compile(name, src, s.bind)
	if err != nil {
		return nil, err
	}
	d.kernels[key] = k
	return k, nil
}

// compile builds a pipeline from WGSL source whose entry point is main.
func (d *Device) compile(name, src string, bind []access) (*kernel, error) {
	sm, err := d.dev.CreateShaderModule(&wgpu.ShaderModuleDescriptor{Label: name, WGSL: src})
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
	bgl, err := d.dev.CreateBindGroupLayout(&wgpu.BindGroupLayoutDescriptor{Label: name, Entries: entries})
	if err != nil {
		sm.Release()
		return nil, fmt.Errorf("gpu: kernel %s: bind group layout: %w", name, err)
	}
	pl, err := d.dev.CreatePipelineLayout(&wgpu.PipelineLayoutDescriptor{Label: name, BindGroupLayouts: []*wgpu.BindGroupLayout{bgl}})
	if err != nil {
		bgl.Release()
		sm.Release()
		return nil, fmt.Errorf("gpu: kernel %s: pipeline layout: %w", name, err)
	}
	cp, err := d.dev.CreateComputePipeline(&wgpu.ComputePipelineDescriptor{Label: name, Layout: pl, Module: sm, EntryPoint: "main"})
	if err != nil {
		pl.Release()
		bgl.Release()
		sm.Release()
		return nil, fmt.Errorf("gpu: kernel %s: pipeline: %w", name, err)
	}
	d.counters.PipelinesCreated++
	return &kernel{name: name, shader: sm, bgl: bgl, layout: pl, pipeline: cp, nStorage: len(bind)}, nil
}

// bindKey identifies a bind group: the kernel, its storage buffers and the
// parameter slot.
type bindKey struct {
	k    *kernel
	bufs [maxStorage]*wgpu.Buffer
	slot int32
}

// maxBindGroups bounds the bind group cache; past it the cache is emptied
// (after a wait) and refilled by the ops that follow.
const maxBindGroups = 1 << 14

// bindGroup returns the cached bind group for k over bufs with the
// parameter block in slot, creating it on first use.
func (d *Device) bindGroup(k *kernel, bufs []*wgpu.Buffer, slot int) (*wgpu.BindGroup, error) {
	if len(bufs) != k.nStorage {
		panic(fmt.Sprintf("gpu: kernel %s takes %d buffers, got %d", k.name, k.nStorage, len(bufs)))
	}
	key := bindKey{k: k, slot: int32(slot)}
	copy(key.bufs[:], bufs)
	if g, ok := d.groups[key]; ok {
		return g, nil
	}
	if len(d.groups) >= maxBindGroups {
		if err := d.flushLocked(true); err != nil {
			return nil, err
		}
		for kk, g := range d.groups {
			g.Release()
			delete(d.groups, kk)
		}
	}
	entries := make([]wgpu.BindGroupEntry, 0, len(bufs)+1)
	for i, b := range bufs {
		entries = append(entries, wgpu.BindGroupEntry{Binding: uint32(i), Buffer: b, Size: b.Size()})
	}
	entries = append(entries, wgpu.BindGroupEntry{
		Binding: uint32(len(bufs)), Buffer: d.params.buf,
		Offset: uint64(slot) * d.params.slotBytes, Size: d.params.slotBytes,
	})
	g, err := d.dev.CreateBindGroup(&wgpu.BindGroupDescriptor{Label: k.name, Layout: k.bgl, Entries: entries})
	if err != nil {
		return nil, fmt.Errorf("gpu: kernel %s: bind group: %w", k.name, err)
	}
	d.counters.BindGroupsCreated++
	d.groups[key] = g
	return g, nil
}
