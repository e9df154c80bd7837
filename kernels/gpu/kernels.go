package gpu

import (
	"bytes"
	"embed"
	"fmt"
	"text/template"
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

// kernel is a compiled kernel variant.
type kernel struct {
	name     string
	prog     program // the executor's pipeline or program
	nStorage int
}

// maxStorage is the WebGPU guarantee for storage buffers per stage. Every
// kernel stays within it so that a portable device runs it, except the
// variants that an op takes only after checking Device.storageBuffers,
// which bind at most maxBound (the size of the executors' bind keys).
const (
	maxStorage = 8
	maxBound   = 9 // layernorm.wgsl's addls9
)

// kernel returns the cached pipeline for key, building it from spec() on
// first use. key must identify the variant completely (kernel name and
// every template parameter); a comparable struct is the usual choice.
func (d *Device) kernel(key any, spec func() kernelSpec) (*kernel, error) {
	if k, ok := d.kernels[key]; ok {
		return k, nil
	}
	s := spec()
	name := fmt.Sprintf("%s%+v", s.file, key)
	if lim := max(maxStorage, min(d.storageBuffers(), maxBound)); len(s.bind) > lim {
		panic(fmt.Sprintf("gpu: kernel %s binds %d storage buffers, the limit is %d", name, len(s.bind), lim))
	}
	src, err := renderWGSL(s.file, s.data)
	if err != nil {
		return nil, err
	}
	prog, err := d.x.compile(name, src, s.bind)
	if err != nil {
		return nil, err
	}
	d.counters.PipelinesCreated++
	k := &kernel{name: name, prog: prog, nStorage: len(s.bind)}
	d.kernels[key] = k
	return k, nil
}
