package main

import "fmt"

// printGPUs lists the GPU adapters. Until the GPU device lands it says so.
func printGPUs() error {
	fmt.Println("gpu: not built yet (kernels/gpu)")
	return nil
}
