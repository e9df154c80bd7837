//go:build gl

package gpu_test

import (
	"fmt"
	"log"

	"github.com/gocx/gocx/kernels/gpu"
)

// The OpenGL 4.3 device of a -tags gl build runs the same kernels as the
// WebGPU one. (No Output: the example needs EGL and an OpenGL 4.3 driver.)
func ExampleOpen_openGL() {
	dev, err := gpu.Open(gpu.Options{Backend: gpu.BackendGL})
	if err != nil {
		log.Fatal(err) // e.g. "gpu: OpenGL device: no EGL display: ..."
	}
	defer dev.Close()
	fmt.Println(dev.Info()) // GL: llvmpipe (LLVM 15.0.6, 256 bits) (CPU, driver OpenGL 4.5 (Core Profile) Mesa 22.3.6, Mesa surfaceless)

	x, err := dev.Alloc(4)
	if err != nil {
		log.Fatal(err)
	}
	defer x.Release()
	if err := dev.Fill(x, 1.5); err != nil {
		log.Fatal(err)
	}
	out := make([]float32, 4)
	if err := dev.Download(out, x); err != nil {
		log.Fatal(err)
	}
	fmt.Println(out) // [1.5 1.5 1.5 1.5]
}
