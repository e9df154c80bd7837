// Package benchenv holds what the model-level benchmark commands
// (bench/cmd/vitbench, bench/cmd/sslbench) share: opening the device a
// flag names and an optional CPU profile of the timed part.
package benchenv

import (
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/gocx/gocx/kernels/gpu"
	"github.com/gocx/gocx/tensor"
)

// OpenDevice returns the device name asks for ("cpu" or "gpu", the
// default GPU adapter) and a function that closes it.
func OpenDevice(name string) (tensor.Device, func(), error) {
	switch name {
	case "cpu":
		return tensor.CPU, func() {}, nil
	case "gpu":
		g, err := tensor.OpenGPU(gpu.Options{})
		if err != nil {
			return nil, nil, err
		}
		return g, func() { g.Close() }, nil
	}
	return nil, nil, fmt.Errorf("unknown device %q (want cpu or gpu)", name)
}

// StartProfile starts a CPU profile written to path and returns the
// function that stops it; an empty path profiles nothing.
func StartProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
