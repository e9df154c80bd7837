package main

import (
	"fmt"
	"os"

	"github.com/gocx/gocx/tensor"
)

// openDevice returns the device a command asked for: "cpu", "gpu" (the
// best hardware adapter; on failure it falls back to the CPU and says
// so), "gl" (the OpenGL device of a -tags gl build; an error when it
// cannot be opened) or "auto" (a real GPU when there is one, else the
// CPU: a Vulkan driver that runs on the CPU, such as Mesa's lavapipe, is
// far slower than the CPU kernels, so auto does not take it). The
// returned function releases the device.
func openDevice(name string) (tensor.Device, func(), error) {
	switch name {
	case "cpu":
		return tensor.CPU, func() {}, nil
	case "gpu", "auto":
		dev, closeFn, err := openGPU()
		if err != nil {
			if name == "gpu" {
				fmt.Fprintf(os.Stderr, "cxformer: no usable GPU (%v); falling back to the CPU\n", err)
			}
			return tensor.CPU, func() {}, nil
		}
		if g, ok := dev.(*tensor.GPU); ok && name == "auto" && g.Kernels().Info().DeviceType == "CPU" {
			fmt.Fprintf(os.Stderr, "cxformer: the only GPU adapter runs on the CPU (%s); using the CPU kernels\n", g.Kernels().Info().Name)
			closeFn()
			return tensor.CPU, func() {}, nil
		}
		return dev, closeFn, nil
	case "gl":
		return openGLDevice()
	}
	return nil, nil, fmt.Errorf("unknown device %q (cpu, gpu, gl or auto)", name)
}
