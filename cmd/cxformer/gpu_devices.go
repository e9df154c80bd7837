package main

import (
	"fmt"

	"github.com/gocx/gocx/kernels/gpu"
	"github.com/gocx/gocx/tensor"
)

// printGPUs lists the GPU adapters, then opens the one gocx would use and
// prints its limits and probe results (subgroups, f16).
func printGPUs() error {
	list, err := gpu.Adapters()
	if err != nil {
		fmt.Printf("gpu: adapter discovery failed: %v\n", err)
		return nil
	}
	if len(list) == 0 {
		fmt.Println("gpu: no adapters found (on Linux without a GPU, install Mesa's lavapipe: mesa-vulkan-drivers libvulkan1)")
		return nil
	}
	fmt.Printf("gpu adapters (%d):\n", len(list))
	for _, a := range list {
		fmt.Printf("  %s\n", a)
	}
	g, err := tensor.OpenGPU(gpu.Options{})
	if err != nil {
		fmt.Printf("gpu device: none usable: %v\n", err)
		return nil
	}
	defer g.Close()
	fmt.Printf("gpu device chosen:\n  %s", g.Kernels().Describe())
	return nil
}

func openGPU() (tensor.Device, func(), error) {
	g, err := tensor.OpenGPU(gpu.Options{})
	if err != nil {
		return nil, nil, err
	}
	return g, func() { g.Close() }, nil
}
