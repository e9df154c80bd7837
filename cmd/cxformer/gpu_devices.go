package main

import (
	"errors"
	"fmt"

	"github.com/gocx/gocx/tensor"
)

// printGPUs lists the GPU adapters. Until the GPU device lands it says so.
func printGPUs() error {
	fmt.Println("gpu: not built yet (kernels/gpu)")
	return nil
}

func openGPU() (tensor.Device, func(), error) {
	return nil, nil, errors.New("the GPU device is not built yet")
}
