package gpu

import (
	// The Vulkan backend (pure Go, no cgo) is the primary target on every
	// platform; the software backend exists only for Options{Backend:
	// "software"}. The GL backend is deliberately not linked: on headless
	// Linux it falls back to GLSL 3.30, which cannot run these kernels
	// (GPU-FACTS bug 4); the gl build tag adds gocx's own OpenGL 4.3 device
	// instead (gl.go). Metal and DX12 are linked on their platforms by
	// backends_darwin.go and backends_windows.go.
	_ "github.com/gogpu/wgpu/hal/software"
	_ "github.com/gogpu/wgpu/hal/vulkan"
)
