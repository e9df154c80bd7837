package main

import (
	"github.com/gocx/gocx/kernels/gpu"
	"github.com/gocx/gocx/tensor"
)

// openGLDevice opens the OpenGL 4.3 device (--device gl): the WGSL kernels
// translated to GLSL and run in a headless EGL context. It exists in
// binaries built with -tags gl (see kernels/gpu/gl.go); in others the
// error says so. Unlike --device gpu there is no fallback to the CPU: the
// device was named.
func openGLDevice() (tensor.Device, func(), error) {
	g, err := tensor.OpenGPU(gpu.Options{Backend: gpu.BackendGL})
	if err != nil {
		return nil, nil, err
	}
	return g, func() { g.Close() }, nil
}
