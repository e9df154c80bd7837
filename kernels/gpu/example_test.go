package gpu_test

import (
	"fmt"
	"log"

	"github.com/gocx/gocx/kernels"
	"github.com/gocx/gocx/kernels/gpu"
)

// A Linear layer with GELU, y = GELU(x·Wᵀ + b), on the GPU: upload, one
// fused GEMM, read back. (No Output: the example needs a GPU adapter.)
func Example() {
	dev, err := gpu.Open(gpu.Options{})
	if err != nil {
		log.Fatal(err) // e.g. "gpu: no Vulkan/Metal/DX12 adapter found: ..."
	}
	defer dev.Close()
	fmt.Print(dev.Describe())

	const tokens, in, out = 4, 3, 2
	alloc := func(vals []float32) *gpu.Buffer {
		b, err := dev.Alloc(len(vals))
		if err != nil {
			log.Fatal(err)
		}
		if err := dev.Upload(b, vals); err != nil {
			log.Fatal(err)
		}
		return b
	}
	x := alloc([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	w := alloc([]float32{0.1, 0.2, 0.3, -0.3, -0.2, -0.1})
	b := alloc([]float32{0.5, -0.5})
	y, err := dev.Alloc(tokens * out)
	if err != nil {
		log.Fatal(err)
	}
	p := kernels.Gemm{M: tokens, N: out, K: in, TransB: true, Alpha: 1}
	if err := dev.GemmFused(p, x, w, y, gpu.GemmEpilogue{Bias: b, Gelu: true}); err != nil {
		log.Fatal(err)
	}
	res := make([]float32, tokens*out)
	if err := dev.Download(res, y); err != nil { // waits for the queued work
		log.Fatal(err)
	}
	fmt.Println(res)
	for _, buf := range []*gpu.Buffer{x, w, b, y} {
		buf.Release()
	}
}
