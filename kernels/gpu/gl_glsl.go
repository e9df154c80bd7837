//go:build gl

package gpu

import (
	"fmt"

	"github.com/gogpu/naga"
	"github.com/gogpu/naga/glsl"
	"github.com/gogpu/naga/ir"
	"github.com/gogpu/naga/wgsl"
)

// wgslToGLSL translates a rendered WGSL kernel to GLSL 4.30 core with
// naga's GLSL back end: the same template variants as the WebGPU device,
// no second copy of any kernel. The version is set explicitly (naga's
// default is 3.30, which has no compute shaders). Bindings keep their
// numbers: storage buffer i becomes the std430 shader storage block at
// binding i, the parameter block (binding nStorage) the std140 uniform
// block at binding nStorage (shader storage and uniform blocks have
// separate binding points in OpenGL). Runtime-sized arrays become the
// last member of their storage block, var<workgroup> becomes shared, and
// naga zero-fills workgroup memory at entry as WGSL requires (its SPIR-V
// output does the same).
func wgslToGLSL(src string, nStorage int) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("naga GLSL writer: %v", r)
		}
	}()
	ast, err := naga.Parse(src)
	if err != nil {
		return "", fmt.Errorf("parsing WGSL: %w", err)
	}
	mod, err := wgsl.LowerWithSource(ast, src)
	if err != nil {
		return "", fmt.Errorf("lowering WGSL: %w", err)
	}
	selectVectorsByMix(mod)
	bindings := make(map[glsl.BindingMapKey]uint8, nStorage+1)
	for i := 0; i <= nStorage; i++ {
		bindings[glsl.BindingMapKey{Group: 0, Binding: uint32(i)}] = uint8(i)
	}
	out, _, err = glsl.Compile(mod, glsl.Options{
		LangVersion: glsl.Version430,
		EntryPoint:  "main",
		BindingMap:  bindings,
	})
	if err != nil {
		return "", fmt.Errorf("writing GLSL 4.30: %w", err)
	}
	return out, nil
}

// selectVectorsByMix rewrites every select(reject, accept, cond) whose
// condition is a vector of booleans as mix(reject, accept, cond). naga's
// GLSL writer prints any select as `cond ? accept : reject`, which GLSL
// accepts only for a scalar condition; mix with a bvec third argument is
// GLSL's component-wise selection (exact: nothing is interpolated, so
// infinities and NaN pass through as select passes them).
func selectVectorsByMix(m *ir.Module) {
	isVector := func(r ir.TypeResolution) bool {
		inner := r.Value
		if r.Handle != nil && int(*r.Handle) < len(m.Types) {
			inner = m.Types[*r.Handle].Inner
		}
		_, ok := inner.(ir.VectorType)
		return ok
	}
	fix := func(f *ir.Function) {
		for i, e := range f.Expressions {
			s, ok := e.Kind.(ir.ExprSelect)
			if !ok || int(s.Condition) >= len(f.ExpressionTypes) || !isVector(f.ExpressionTypes[s.Condition]) {
				continue
			}
			accept, cond := s.Accept, s.Condition
			f.Expressions[i].Kind = ir.ExprMath{Fun: ir.MathMix, Arg: s.Reject, Arg1: &accept, Arg2: &cond}
		}
	}
	for i := range m.Functions {
		fix(&m.Functions[i])
	}
	for i := range m.EntryPoints {
		fix(&m.EntryPoints[i].Function)
	}
}
