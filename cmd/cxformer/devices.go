package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/gocx/gocx/kernels/cpu"
)

// runDevices prints what gocx found: the CPU, its relevant features and
// the kernel path chosen, then the GPU adapters.
func runDevices(args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("devices takes no arguments")
	}
	fmt.Printf("cpu: %s/%s, %d threads\n", runtime.GOOS, runtime.GOARCH, cpu.Threads())
	fmt.Printf("  features: %s\n", strings.Join(cpu.Features(), " "))
	path := cpu.Path()
	if v := os.Getenv("GOCX_CPU"); v != "" {
		path += " (GOCX_CPU=" + v + ")"
	}
	fmt.Printf("  kernel path: %s\n", path)
	return printGPUs()
}
